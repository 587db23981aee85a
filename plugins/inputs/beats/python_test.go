package beats

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/plugin/plugintest"
)

// python returns a Python interpreter that has the given modules, or
// skips the test. SLUICE_PYTHON names the interpreter (default python3).
func python(t *testing.T, modules ...string) string {
	t.Helper()
	py := os.Getenv("SLUICE_PYTHON")
	if py == "" {
		py = "python3"
	}
	if _, err := exec.LookPath(py); err != nil {
		t.Skipf("no %s: %v", py, err)
	}
	check := "import " + strings.Join(modules, ", ")
	if out, err := exec.Command(py, "-c", check).CombinedOutput(); err != nil {
		t.Skipf("%s lacks %v (pip install pylogbeat python-logstash-async; set SLUICE_PYTHON): %s", py, modules, out)
	}
	return py
}

func runPython(t *testing.T, py, script string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, append([]string{"-c", script}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
}

// pylogbeat (the Beats client of python-logstash-async) numbers events
// across windows and compresses every window.
func TestPylogbeat(t *testing.T) {
	py := python(t, "pylogbeat")
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	q := newRecordQueue()
	addr, _ := start(t, in, q)
	host, port, _ := strings.Cut(addr, ":")
	runPython(t, py, `
import sys
from pylogbeat import PyLogBeatClient
with PyLogBeatClient(sys.argv[1], int(sys.argv[2]), timeout=10) as c:
    for w in range(10):
        c.send([{"message": "python %d" % (w * 50 + i), "n": w * 50 + i} for i in range(50)])
`, host, port)
	checkAll(t, q, 500)
}

// python-logstash-async's AsynchronousLogstashHandler with its
// BeatsTransport: log records arrive as events with their fields.
func TestPythonLogstashAsyncBeatsTransport(t *testing.T) {
	py := python(t, "logstash_async", "pylogbeat")
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	q := plugintest.NewQueue()
	addr, _ := start(t, in, q)
	host, port, _ := strings.Cut(addr, ":")
	runPython(t, py, `
import logging, sys
from logstash_async.handler import AsynchronousLogstashHandler
h = AsynchronousLogstashHandler(sys.argv[1], int(sys.argv[2]), database_path=None,
                                transport="logstash_async.transport.BeatsTransport")
log = logging.getLogger("app")
log.setLevel(logging.INFO)
log.addHandler(h)
for i in range(100):
    log.info("record %d", i, extra={"n": i})
logging.shutdown()
`, host, port)
	evs := q.Wait(t, 100, 10*time.Second)
	seen := map[string]bool{}
	for _, e := range evs {
		seen[e.Message()] = true
		if e.HasTag("_jsonparsefailure") || !e.HasTag("beats_input_codec_plain_applied") {
			t.Fatalf("event %v, tags %v", e.Fields(), e.Tags())
		}
		if get(e, "[@metadata][input][beats][host][ip]") != "127.0.0.1" || get(e, "[extra][logger_name]") == nil && get(e, "logger_name") == nil {
			t.Fatalf("event fields %v", e.Fields())
		}
	}
	for i := range 100 {
		if !seen[fmt.Sprintf("record %d", i)] {
			t.Errorf("record %d missing", i)
		}
	}
	if len(evs) != 100 {
		t.Errorf("%d events, want 100", len(evs))
	}
	t.Logf("an event: %v", evs[0].Fields())
}
