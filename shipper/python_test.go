package shipper

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// pythonBin finds the Python used to drive the logging handlers.
func pythonBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SLUICE_PYTHON"); p != "" {
		return p
	}
	p, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found (set SLUICE_PYTHON)")
	}
	return p
}

// pyWriter writes numbered lines through a logging handler, as fast as it
// can (at least 10,000 lines/s is checked), and prints the rate.
const pyWriter = `
import logging, logging.handlers, sys, time
kind, path, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
if kind == "size":
    h = logging.handlers.RotatingFileHandler(path, maxBytes=200_000, backupCount=1000)
else:
    h = logging.handlers.TimedRotatingFileHandler(path, when="S", interval=1, backupCount=1000)
h.setFormatter(logging.Formatter("%(message)s"))
log = logging.getLogger("t")
log.addHandler(h)
log.setLevel(logging.INFO)
pad = "x" * 40
start = time.monotonic()
for i in range(total):
    log.info("seq=%08d payload=%s", i, pad)
    if kind == "time" and i % 5000 == 4999:
        time.sleep(0.3)  # spread the lines over a few seconds so that it rotates
h.close()
print(total / (time.monotonic() - start))
`

func TestPythonRotatingHandlers(t *testing.T) {
	py := pythonBin(t)
	for _, kind := range []string{"size", "time"} {
		t.Run(kind, func(t *testing.T) {
			const total = 40_000
			dir := t.TempDir()
			c := newCollector(false)
			cfg := testConfig(dir, c)
			if kind == "size" {
				// A 200 kB file lives a few milliseconds at this rate: under a
				// loaded CI machine it can be created, filled and renamed
				// before the reader looks. Covering the rotated names makes
				// the test independent of timing (fingerprints tell the
				// renamed files apart); "time" keeps the strict app.log.
				cfg.Paths = []string{filepath.Join(dir, "app.log*")}
			} else {
				cfg.Paths = []string{filepath.Join(dir, "app.log")}
			}
			startShipper(t, cfg)
			script := filepath.Join(dir, "w.py")
			if err := os.WriteFile(script, []byte(pyWriter), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(py, script, kind, filepath.Join(dir, "app.log"), "40000").CombinedOutput()
			if err != nil {
				t.Fatalf("python: %v\n%s", err, out)
			}
			waitOrReport(t, c, 20*time.Second, "every line", func(l []rec) bool { return countSeq(l) >= total })
			lines := c.snapshot()
			if dups := checkSeq(t, lines, total); dups != 0 {
				t.Errorf("%d duplicates", dups)
			}
			rotated, _ := filepath.Glob(filepath.Join(dir, "app.log.*"))
			if len(rotated) == 0 {
				t.Fatal("the handler did not rotate")
			}
			t.Logf("python %s handler: %s lines/s, %d rotated files", kind, string(out[:len(out)-1]), len(rotated))
		})
	}
}

// waitOrReport waits for cond; on timeout it lets checkSeq report what is
// missing.
func waitOrReport(t *testing.T, c *collector, d time.Duration, what string, cond func([]rec) bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond(c.snapshot()) {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling a condition
	}
	t.Errorf("timeout waiting for %s", what)
}
