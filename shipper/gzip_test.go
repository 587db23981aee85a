package shipper

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// gzipped compresses parts as one gzip member each (concatenated, as
// `cat a.gz b.gz` or gzip's --rsyncable writers make them).
func gzipped(t testing.TB, parts ...string) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, p := range parts {
		zw := gzip.NewWriter(&out)
		if _, err := zw.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

func seqText(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		b.WriteString(seqLine(i) + "\n")
	}
	return b.String()
}

func stateFor(t testing.TB, s *Shipper, path string) State {
	t.Helper()
	for _, st := range s.Registry().States() {
		if st.Path == path {
			return st
		}
	}
	t.Fatalf("no registry entry for %s", path)
	return State{}
}

// Read mode decompresses gzip files; the registry records such a file
// only once all of it was acknowledged, and a file read but not
// acknowledged before a stop is read again in full.
func TestReadModeGzip(t *testing.T) {
	dir := t.TempDir()
	gz := filepath.Join(dir, "old.log.gz")
	data := gzipped(t, seqText(0, 3000), seqText(3000, 5000))
	if err := os.WriteFile(gz, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// A gzip file without the .gz name is recognised by its first bytes.
	noext := filepath.Join(dir, "rotated.log.1")
	if err := os.WriteFile(noext, gzipped(t, seqText(5000, 5100)+seqLine(5100)), 0o644); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain.log")
	appendFile(t, plain, seqText(5101, 5200))

	run := func(manual bool) (*collector, *running, chan string) {
		c := newCollector(manual)
		cfg := testConfig(dir, c)
		cfg.Paths = []string{filepath.Join(dir, "*")}
		cfg.ReadMode = true
		completed := make(chan string, 10)
		cfg.OnComplete = func(p string) { completed <- p }
		return c, startShipper(t, cfg), completed
	}

	// First run: everything is read, nothing acknowledged, then stop.
	c, r, _ := run(true)
	lines := c.waitLines(t, 5200, 20*time.Second)
	checkSeq(t, lines, 5200)
	for _, l := range lines {
		if l.data == seqLine(3000) && (l.path != gz || l.off != int64(3000*len(seqLine(0)+"\n"))) {
			t.Fatalf("line 3000 from %s at %d: offsets are positions in the decompressed stream", l.path, l.off)
		}
	}
	if st := stateFor(t, r.s, gz); st.Offset != 0 {
		t.Fatalf("gzip file at offset %d before any acknowledgement", st.Offset)
	}
	r.stop(t)

	// Second run: the unacknowledged files are read again, the gzip file
	// from its start; acknowledged, each is complete, the gzip file at
	// its compressed size.
	c, r, completed := run(true)
	lines = c.waitLines(t, 5200, 20*time.Second)
	if dups := checkSeq(t, lines, 5200); dups != 0 {
		t.Fatalf("%d duplicates within one run", dups)
	}
	c.ackAll()
	got := map[string]bool{}
	for len(got) < 3 {
		select {
		case p := <-completed:
			got[p] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("completed %v, want all three files", got)
		}
	}
	if st := stateFor(t, r.s, gz); st.Offset != int64(len(data)) {
		t.Fatalf("gzip file at offset %d, want its size %d", st.Offset, len(data))
	}
	r.stop(t)

	// Third run: nothing is read again.
	c, r, _ = run(false)
	appendFile(t, filepath.Join(dir, "new.log"), seqLine(0)+"\n")
	lines = c.waitLines(t, 1, 10*time.Second)
	if len(lines) != 1 {
		t.Fatalf("read again: %+v", lines[:min(len(lines), 3)])
	}
	r.stop(t)
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A corrupt gzip file is an error that names it; its lines before the
// damage are sent, it is not completed, and the other files go on.
func TestReadModeCorruptGzip(t *testing.T) {
	dir := t.TempDir()
	full := gzipped(t, seqText(0, 2000))
	truncated := filepath.Join(dir, "truncated.log.gz")
	if err := os.WriteFile(truncated, full[:len(full)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	notGzip := filepath.Join(dir, "text.log.gz")
	appendFile(t, notGzip, "this is not gzip\n")
	// Another content: the same first bytes would be the same file to
	// the fingerprint identity.
	flipped := gzipped(t, seqText(3000, 5000))
	flipped[len(flipped)-6] ^= 0xff // the CRC-32 trailer
	badCRC := filepath.Join(dir, "crc.log.gz")
	if err := os.WriteFile(badCRC, flipped, 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.log")
	appendFile(t, good, seqText(2000, 2100))

	c := newCollector(false)
	cfg := testConfig(dir, c)
	cfg.Paths = []string{filepath.Join(dir, "*")}
	cfg.ReadMode = true
	var logs syncBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	completed := make(chan string, 10)
	cfg.OnComplete = func(p string) { completed <- p }
	startShipper(t, cfg)

	select {
	case p := <-completed:
		if p != good {
			t.Fatalf("completed %s", p)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the good file was not completed")
	}
	c.waitFor(t, 10*time.Second, "the good file's lines", func(ls []rec) bool {
		n := 0
		for _, l := range ls {
			if l.path == good {
				n++
			}
		}
		return n == 100
	})
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range []string{truncated, notGzip, badCRC} {
		for !strings.Contains(logs.String(), "cannot decompress "+p) {
			if time.Now().After(deadline) {
				t.Fatalf("no error naming %s in the log (%d lines):\n%s", p, len(c.snapshot()), logs.String())
			}
			time.Sleep(10 * time.Millisecond) // polling the log, not synchronising
		}
	}
	// The truncated file's first lines were sent (everything decompressed
	// before the damage), the damaged CRC's file in full (its damage is
	// only known at its end).
	lines := c.snapshot()
	from := map[string]int{}
	for _, l := range lines {
		from[l.path]++
	}
	if from[truncated] == 0 || from[truncated] >= 2000 || from[badCRC] != 2000 || from[notGzip] != 0 {
		t.Fatalf("lines per file %v", from)
	}
	// A corrupt file is not completed, and not read again while it is
	// unchanged (10 discover intervals).
	time.Sleep(2 * time.Second)
	select {
	case p := <-completed:
		t.Fatalf("%s completed", p)
	default:
	}
	if n := len(c.snapshot()); n != len(lines) {
		t.Fatalf("%d lines, then %d: a corrupt file was read again", len(lines), n)
	}
}

// FuzzGzLines feeds arbitrary bytes to the gzip line reader: it must end
// with io.EOF or an error, never panic, and frame lines within max_bytes
// at increasing offsets.
func FuzzGzLines(f *testing.F) {
	f.Add(gzipped(f, "a\nb\n"), 4)
	f.Add(gzipped(f, "one\n", "two\nthree"), 3)
	f.Add(gzipped(f, strings.Repeat("x", 300)+"\n")[:20], 2)
	f.Add([]byte{0x1f, 0x8b}, 1)
	f.Add([]byte("not gzip at all\n"), 5)
	f.Add([]byte{}, 1)
	f.Fuzz(func(t *testing.T, data []byte, chunk int) {
		if chunk < 1 || chunk > 1<<16 {
			chunk = 64
		}
		const max = 16
		g := newGzLines(bytes.NewReader(data), newFramer([]byte("\n"), max))
		buf := make([]byte, chunk)
		last := int64(-1)
		for i := 0; ; i++ {
			if i > 1<<20 {
				t.Fatal("no end")
			}
			lines, err := g.next(buf, nil)
			for _, l := range lines {
				if len(l.Data) > max || l.Offset < last || l.End <= l.Offset && len(l.Data) > 0 {
					t.Fatalf("bad line %+v after offset %d", l, last)
				}
				last = l.Offset
			}
			if err != nil {
				if !errors.Is(err, io.EOF) && err.Error() == "" {
					t.Fatal("an error without a message")
				}
				return
			}
		}
	})
}
