package shipper

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// logWriter writes numbered lines to path at a steady rate (≥ 10,000
// lines/s) and rotates the file every `every` lines.
type logWriter struct {
	t    *testing.T
	dir  string
	path string
	f    *os.File
	n    int // lines written so far
	rot  int // rotations so far
	// genStart is the first line number of the current file.
	genStart int
	c        *collector
	start    time.Time
}

func newLogWriter(t *testing.T, dir string, c *collector) *logWriter {
	w := &logWriter{t: t, dir: dir, path: filepath.Join(dir, "app.log"), c: c}
	w.reopen()
	return w
}

func (w *logWriter) reopen() {
	if w.f != nil {
		w.f.Close()
	}
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		w.t.Fatal(err)
	}
	w.f = f
}

// write writes k lines in one burst.
func (w *logWriter) write(k int) {
	buf := make([]byte, 0, k*64)
	for range k {
		buf = append(buf, seqLine(w.n)...)
		buf = append(buf, '\n')
		w.n++
	}
	if _, err := w.f.Write(buf); err != nil {
		w.t.Fatal(err)
	}
}

// caughtUp waits until the reader has every line written so far.
func (w *logWriter) caughtUp() {
	w.c.waitFor(w.t, 30*time.Second, "reader to catch up", func(l []rec) bool { return len(l) >= w.n })
}

// run writes total lines, rotating every `every` lines with rotate, at
// 20,000 lines/s (catching up after a late tick), and returns the rate
// achieved.
func (w *logWriter) run(total, every int, rotate func(w *logWriter)) float64 {
	const rate = 20_000
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	w.start = time.Now()
	next := every
	for w.n < total {
		due := int(time.Since(w.start).Seconds()*rate) + 200 - w.n
		w.write(max(1, min(due, total-w.n, next-w.n)))
		if w.n >= next && w.n < total {
			w.rot++
			rotate(w)
			w.genStart = w.n
			next += every
		}
		<-tick.C
	}
	return float64(w.n) / time.Since(w.start).Seconds()
}

func copyFile(t *testing.T, from, to string) {
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRotation(t *testing.T) {
	const total, every = 60_000, 6_000
	cases := []struct {
		name   string
		notify bool
		glob   string
		rotate func(w *logWriter)
		native bool
		stat   time.Duration // polling interval when notifications are off
	}{
		{"rename_create", true, "*.log", func(w *logWriter) {
			if err := os.Rename(w.path, fmt.Sprintf("%s.%d", w.path, w.rot)); err != nil {
				w.t.Fatal(err)
			}
			w.reopen()
		}, false, 0},
		{"rename_create_late_reopen", false, "app.log*", func(w *logWriter) {
			// logrotate `create` before the application reopens (SIGHUP):
			// it goes on writing to the renamed file for a while.
			if err := os.Rename(w.path, fmt.Sprintf("%s.%d", w.path, w.rot)); err != nil {
				w.t.Fatal(err)
			}
			w.write(300)
			w.reopen()
		}, false, 0},
		{"copytruncate", true, "*.log", func(w *logWriter) {
			copyFile(w.t, w.path, fmt.Sprintf("%s.%d", w.path, w.rot))
			if err := w.f.Truncate(0); err != nil {
				w.t.Fatal(err)
			}
		}, false, 0},
		{"copytruncate_polling", false, "*.log", func(w *logWriter) {
			copyFile(w.t, w.path, fmt.Sprintf("%s.%d", w.path, w.rot))
			if err := w.f.Truncate(0); err != nil {
				w.t.Fatal(err)
			}
		}, false, 0},
		{"copytruncate_reader_far_behind", false, "*.log", func(w *logWriter) {
			// The reader looks only every 1.5 s: the file is copied and
			// truncated several times in between.
			copyFile(w.t, w.path, fmt.Sprintf("%s.%d", w.path, w.rot))
			if err := w.f.Truncate(0); err != nil {
				w.t.Fatal(err)
			}
		}, false, 1500 * time.Millisecond},
		{"truncate_in_place", true, "*.log", func(w *logWriter) {
			w.caughtUp()
			if err := w.f.Truncate(0); err != nil {
				w.t.Fatal(err)
			}
		}, false, 0},
		{"rename_create_native_identity", true, "app.log*", func(w *logWriter) {
			if err := os.Rename(w.path, fmt.Sprintf("%s.%d", w.path, w.rot)); err != nil {
				w.t.Fatal(err)
			}
			w.reopen()
		}, true, 0},
		{"delete_while_open", true, "*.log", func(w *logWriter) {
			// A file deleted before any reader opened it is gone for
			// everyone; wait until the reader has this one open (it read
			// its first line), then delete it while it is behind.
			first := seqLine(w.genStart)
			w.c.waitFor(w.t, 30*time.Second, "the reader to open the file", func(l []rec) bool {
				for i := len(l) - 1; i >= 0 && i >= len(l)-20000; i-- {
					if l[i].data == first {
						return true
					}
				}
				return false
			})
			if err := os.Remove(w.path); err != nil {
				w.t.Fatal(err)
			}
			w.reopen()
		}, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c := newCollector(false)
			cfg := testConfig(dir, c)
			cfg.DisableNotify = !tc.notify
			if !tc.notify {
				cfg.StatInterval = 100 * time.Millisecond // lag behind the writer
				if tc.stat > 0 {
					cfg.StatInterval, cfg.DiscoverInterval = tc.stat, tc.stat
				}
			}
			cfg.Paths = []string{filepath.Join(dir, tc.glob)}
			if tc.native {
				cfg.Identity = IdentityNative
			}
			w := newLogWriter(t, dir, c)
			defer w.f.Close()
			sh := startShipper(t, cfg)
			// The reader has the file open before the rotations begin.
			w.write(100)
			w.caughtUp()
			rate := w.run(total, every, tc.rotate)
			if rate < 10_000 {
				t.Errorf("wrote only %.0f lines/s", rate)
			}
			lines := c.waitFor(t, 60*time.Second, "every line", func(l []rec) bool { return countSeq(l) >= total })
			if dups := checkSeq(t, lines, total); dups != 0 {
				t.Errorf("%d duplicates", dups)
			}
			if tc.name == "copytruncate_polling" && sh.s.recovered.Load() == 0 {
				t.Error("no line was recovered from a copy: the test did not exercise the recovery")
			}
			t.Logf("%d lines at %.0f lines/s, %d rotations, %d copytruncate recoveries", total, rate, w.rot, sh.s.recovered.Load())
		})
	}
}

func TestInodeReuseIsANewFile(t *testing.T) {
	dir := t.TempDir()
	c := newCollector(false)
	cfg := testConfig(dir, c)
	cfg.CloseOlder = 100 * time.Millisecond
	path := filepath.Join(dir, "app.log")
	appendFile(t, path, "first file, line one, long enough to pass the second\nfirst file, line two\n")
	r := startShipper(t, cfg)
	c.waitLines(t, 2, 10*time.Second)
	fi, _ := os.Stat(path)
	oldID := nativeID(fi)
	waitCond(t, 10*time.Second, "file closed", func() bool { return r.s.OpenFiles() == 0 })
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "second\n")
	fi, _ = os.Stat(path)
	if nativeID(fi) != oldID {
		t.Logf("inode not reused by the file system (%v vs %v); the test still checks the new file is read", oldID, nativeID(fi))
	}
	lines := c.waitLines(t, 3, 10*time.Second)
	if lines[2].data != "second" || lines[2].off != 0 {
		t.Fatalf("new file: %+v", lines[2])
	}
}

func waitCond(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, not synchronising
	}
}
