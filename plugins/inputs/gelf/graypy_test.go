package gelf

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/plugin/plugintest"
)

// TestRealGraypy sends records with the real graypy handlers (UDP with
// zlib, UDP uncompressed with small chunks, TCP) to the input. It skips
// when Python or graypy is missing; set SLUICE_PYTHON to the interpreter
// of a virtualenv that has it (scripts/pyenv.sh installs
// e2e/python/requirements.txt, graypy included).
func TestRealGraypy(t *testing.T) {
	py := os.Getenv("SLUICE_PYTHON")
	if py == "" {
		py = "python3"
	}
	if _, err := exec.LookPath(py); err != nil {
		t.Skipf("no Python: %v", err)
	}
	in := build(t, "v8", "host", "127.0.0.1", "port_udp", 0, "port_tcp", 0, "use_tcp", true, "receive_buffer_bytes", 4<<20)
	q := plugintest.NewQueue()
	start(t, in, q)
	port := func(a net.Addr) string {
		_, p, _ := net.SplitHostPort(a.String())
		return p
	}
	cmd := exec.Command(py, "testdata/graypy_send.py", "127.0.0.1", port(in.UDPAddr()), port(in.TCPAddr()))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		t.Skipf("graypy missing: %s", stderr.String())
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", py, err, stderr.String())
	}
	evs := q.Wait(t, 9, 10*time.Second)
	seen := map[string]bool{}
	for _, e := range evs {
		route, _ := get(e, "route").(string)
		msg := e.Message()
		kind := strings.Fields(msg)[0]
		if short, ok := get(e, "short_message").(string); ok {
			// graypy's full_message is the traceback: remapped to message,
			// short_message stays.
			kind = strings.Fields(short)[0]
		}
		seen[kind+" "+route] = true
		if len(e.Tags()) > 0 || get(e, "[host][hostname]") != "web-7" || get(e, "[host][ip]") != "127.0.0.1" ||
			get(e, "facility") != "app.payments" || get(e, "version") != "1.0" || get(e, "function") != "main" {
			t.Errorf("%s: fields %v", kind+" "+route, e.Fields())
		}
		if age := time.Since(e.Timestamp()); age < 0 || age > time.Minute {
			t.Errorf("%s: @timestamp %v is not the record's time", kind, e.Timestamp())
		}
		if _, ok := get(e, "timestamp").(float64); ok {
			t.Errorf("%s: timestamp not removed", kind)
		}
		switch kind {
		case "short":
			if get(e, "order_id") != int64(42) || get(e, "level") != int64(6) {
				t.Errorf("short: %v", e.Fields())
			}
		case "long":
			if len(msg) < 5000 || get(e, "level") != int64(4) {
				t.Errorf("long: %d bytes, level %v", len(msg), get(e, "level"))
			}
		case "failed":
			if !strings.HasPrefix(msg, "Traceback") || !strings.Contains(msg, "ZeroDivisionError") || get(e, "short_message") != "failed via "+route || get(e, "level") != int64(3) {
				t.Errorf("failed: message %q, short_message %v", msg, get(e, "short_message"))
			}
		}
		if line, ok := get(e, "line").(int64); !ok || line <= 0 {
			t.Errorf("%s: line %v", kind, get(e, "line"))
		}
	}
	for _, want := range []string{"short udp", "long udp", "failed udp", "short raw", "long raw", "failed raw", "short tcp", "long tcp", "failed tcp"} {
		if !seen[want] {
			t.Errorf("missing %q (got %v)", want, seen)
		}
	}
	if st := in.Stats(); st.ChunkedCompleted < 3 {
		t.Errorf("chunked messages: %+v", st)
	}
}
