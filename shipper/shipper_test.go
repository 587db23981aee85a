package shipper

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTailBasicsAndRegistryAfterAck(t *testing.T) {
	dir := t.TempDir()
	c := newCollector(true)
	cfg := testConfig(dir, c)
	path := filepath.Join(dir, "app.log")
	appendFile(t, path, "one\ntwo\n")
	r := startShipper(t, cfg)
	lines := c.waitLines(t, 2, 10*time.Second)
	if lines[0].data != "one" || lines[1].data != "two" || lines[1].off != 4 || lines[0].path != path {
		t.Fatalf("lines = %+v", lines)
	}
	// Nothing acknowledged: the registry must not move.
	if err := r.s.Flush(); err != nil {
		t.Fatal(err)
	}
	if st := r.s.reg.States(); len(st) != 1 || st[0].Offset != 0 {
		t.Fatalf("before ack: %+v", st)
	}
	c.ackAll()
	if err := r.s.Flush(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(cfg.RegistryPath)
	if err != nil {
		t.Fatal(err)
	}
	states, err := DecodeRegistry(b)
	if err != nil || len(states) != 1 || states[0].Offset != 8 || states[0].Path != path || states[0].FPLen != 8 {
		t.Fatalf("after ack: %+v %v", states, err)
	}
	appendFile(t, path, "three\n")
	lines = c.waitLines(t, 3, 10*time.Second)
	if lines[2].data != "three" || lines[2].off != 8 {
		t.Fatalf("line 3 = %+v", lines[2])
	}
	r.stop(t)
}

func TestRestartResumesFromAckedOffset(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	var want strings.Builder
	for i := range 100 {
		want.WriteString(seqLine(i) + "\n")
	}
	appendFile(t, path, want.String())
	c := newCollector(true)
	cfg := testConfig(dir, c)
	r := startShipper(t, cfg)
	c.waitLines(t, 100, 10*time.Second)
	c.ackAll()
	r.stop(t)

	// More lines while stopped, a new file too.
	var more strings.Builder
	for i := 100; i < 150; i++ {
		more.WriteString(seqLine(i) + "\n")
	}
	appendFile(t, path, more.String())
	appendFile(t, filepath.Join(dir, "new.log"), seqLine(150)+"\n")

	c2 := newCollector(false)
	cfg.NewStream = c2.newStream
	cfg.StartAtEnd = true // only for the very first start: never skips lines after a restart
	r2 := startShipper(t, cfg)
	lines := c2.waitLines(t, 51, 10*time.Second)
	if got := countSeq(lines); got != 51 {
		t.Fatalf("after restart got %d distinct lines, want 51", got)
	}
	for _, l := range lines {
		if l.data < seqLine(100) {
			t.Fatalf("line %q read again after its ack", l.data)
		}
	}
	r2.stop(t)
}

func TestStartAtEndOnFirstStartOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	appendFile(t, path, "old line\n")
	c := newCollector(false)
	cfg := testConfig(dir, c)
	cfg.StartAtEnd = true
	r := startShipper(t, cfg)
	// The file is known (at its end) once the first scan is done.
	waitCond(t, 10*time.Second, "first scan", func() bool { return len(r.s.reg.States()) == 1 })
	appendFile(t, path, "new line\n")
	lines := c.waitLines(t, 1, 10*time.Second)
	if lines[0].data != "new line" {
		t.Fatalf("got %+v", lines)
	}
}

func TestCleanRemovedAndIgnoreOlder(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.log")
	appendFile(t, old, "ancient\n")
	past := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(dir, "gone.log")
	appendFile(t, gone, "bye\n")
	c := newCollector(false)
	cfg := testConfig(dir, c)
	cfg.IgnoreOlder = time.Hour
	cfg.CloseOlder = 100 * time.Millisecond
	r := startShipper(t, cfg)
	c.waitLines(t, 1, 10*time.Second)
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	waitCond(t, 10*time.Second, "entry of the removed file forgotten", func() bool { return len(r.s.reg.States()) == 0 })
	if lines := c.snapshot(); len(lines) != 1 || lines[0].data != "bye" {
		t.Fatalf("lines %+v (the old file must be ignored)", lines)
	}
}

func TestMaxBytesAndPartialLineReadMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	appendFile(t, path, strings.Repeat("a", 100)+"\nshort\n"+"no newline")
	c := newCollector(false)
	cfg := testConfig(dir, c)
	cfg.MaxBytes = 10
	cfg.ReadMode = true
	completed := make(chan string, 1)
	cfg.OnComplete = func(p string) { completed <- p }
	startShipper(t, cfg)
	lines := c.waitLines(t, 3, 10*time.Second)
	if lines[0].data != strings.Repeat("a", 10) || !lines[0].flag || lines[1].data != "short" || lines[1].off != 101 ||
		lines[2].data != "no newline" || lines[2].flag {
		t.Fatalf("lines = %+v", lines)
	}
	select {
	case p := <-completed:
		if p != path {
			t.Fatalf("completed %q", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no completion")
	}
}

func TestPartialLineSentWhenInactive(t *testing.T) {
	dir := t.TempDir()
	c := newCollector(false)
	cfg := testConfig(dir, c)
	cfg.CloseOlder = 300 * time.Millisecond
	startShipper(t, cfg)
	appendFile(t, filepath.Join(dir, "a.log"), "full\nhalf")
	lines := c.waitLines(t, 2, 10*time.Second)
	if lines[1].data != "half" {
		t.Fatalf("lines = %+v", lines)
	}
}

func TestUnreadableFileIsRetried(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file (e2e TestShipUnreadableFile runs sluice ship as nobody and covers this as root)")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	appendFile(t, path, "secret\n")
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	c := newCollector(false)
	startShipper(t, testConfig(dir, c))
	appendFile(t, filepath.Join(dir, "b.log"), "other\n")
	c.waitLines(t, 1, 10*time.Second)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	lines := c.waitLines(t, 2, 10*time.Second)
	if lines[1].data != "secret" {
		t.Fatalf("lines %+v", lines)
	}
}

func TestGlobDoubleStar(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"a.log", "x/b.log", "x/y/z/c.log", "x/y/d.txt"} {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		appendFile(t, full, "l\n")
	}
	got := Glob(filepath.Join(dir, "**", "*.log"))
	if len(got) != 3 {
		t.Fatalf("got %v", got)
	}
	got = Glob(filepath.Join(dir, "x", "**", "*.log"))
	if len(got) != 2 {
		t.Fatalf("got %v", got)
	}
}
