package tcp

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/codecs/multiline"
)

// A traceback sent as separate lines becomes one event, and the last
// event is delivered after auto_flush_interval while the connection stays
// open; after the idle flush the connection goes on.
func TestMultilineIdleFlush(t *testing.T) {
	inst := plugintest.Build(t, plugin.KindInput,
		`tcp { host => "127.0.0.1" port => 0 codec => multiline { preset => "python" auto_flush_interval => 0.2 } }`)
	in := inst.Plugin.(*Input)
	q := newQueue()
	addr, _ := start(t, in, q)
	c := dial(t, addr)
	traceback := []string{
		"2024-05-01 10:00:00,000 ERROR [app] failed",
		"Traceback (most recent call last):",
		`  File "/srv/app.py", line 3, in <module>`,
		"    1 / 0",
		"ZeroDivisionError: division by zero",
	}
	for _, line := range append(traceback, "2024-05-01 10:00:01,000 INFO [app] next") {
		if _, err := io.WriteString(c, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	evs := q.Wait(t, 2, 5*time.Second)
	want := []string{
		"2024-05-01 10:00:00,000 ERROR [app] failed\nTraceback (most recent call last):\n" +
			"  File \"/srv/app.py\", line 3, in <module>\n    1 / 0\nZeroDivisionError: division by zero",
		"2024-05-01 10:00:01,000 INFO [app] next",
	}
	if got := messages(evs); !slices.Equal(got, want) {
		t.Fatalf("messages %q, want %q", got, want)
	}
	if tags := evs[0].Tags(); !slices.Equal(tags, []string{"multiline"}) {
		t.Errorf("tags %q", tags)
	}
	// The connection is still usable after the idle flush.
	if _, err := io.WriteString(c, "again\n  indented\n"); err != nil {
		t.Fatal(err)
	}
	evs = q.Wait(t, 3, 5*time.Second)
	if got := evs[2].Message(); got != "again\n  indented" {
		t.Errorf("third event %q", got)
	}
}

// pythonSender logs to a TCP connection, one line per write (a traceback
// thus arrives in many reads), and prints the records it sent as JSON.
const pythonSender = `
import json, logging, socket, sys
host, port = sys.argv[1].rsplit(":", 1)
sock = socket.create_connection((host, int(port)))
class LineSocket:
    def write(self, s):
        for line in s.splitlines(keepends=True):
            sock.sendall(line.encode())
    def flush(self):
        pass
records = []
class H(logging.StreamHandler):
    def emit(self, record):
        records.append(self.format(record))
        super().emit(record)
h = H(LineSocket())
h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
log = logging.getLogger("app")
log.addHandler(h)
log.propagate = False
log.warning("before")
try:
    try:
        1 / 0
    except ZeroDivisionError as e:
        raise KeyError("missing") from e
except KeyError:
    log.exception("request failed")
log.warning("after")
sock.close()
print(json.dumps(records))
`

// A real Python traceback (logging.exception, chained exceptions) sent
// line by line over TCP arrives as one event.
func TestMultilinePythonOverTCP(t *testing.T) {
	py := os.Getenv("SLUICE_PYTHON")
	if py == "" {
		var err error
		if py, err = exec.LookPath("python3"); err != nil {
			t.Skip("python3 not found (set SLUICE_PYTHON)")
		}
	}
	inst := plugintest.Build(t, plugin.KindInput,
		`tcp { host => "127.0.0.1" port => 0 codec => multiline { preset => "python" } }`)
	in := inst.Plugin.(*Input)
	q := newQueue()
	addr, _ := start(t, in, q)
	out, err := exec.Command(py, "-c", pythonSender, addr).Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var records []string
	if err := json.Unmarshal(out, &records); err != nil {
		t.Fatalf("python output %q: %v", out, err)
	}
	if len(records) != 3 || !strings.Contains(records[1], "The above exception was the direct cause") {
		t.Fatalf("unexpected records %q", records)
	}
	evs := q.Wait(t, 3, 5*time.Second)
	if got := messages(evs); !slices.Equal(got, records) {
		t.Errorf("messages\n%q\nwant\n%q", got, records)
	}
}
