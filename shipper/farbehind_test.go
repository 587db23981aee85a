package shipper

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// harvestRig drives one harvester step by step (no goroutine, no timer):
// read to the end, or take a look at the file as a poll would.
type harvestRig struct {
	t    *testing.T
	ctx  context.Context
	path string
	c    *collector
	h    *harvester
	gen  int // copies made so far
}

func newHarvestRig(t *testing.T) *harvestRig {
	t.Helper()
	dir := t.TempDir()
	c := newCollector(false)
	cfg := testConfig(dir, c)
	cfg.DisableNotify = true
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "app.log")
	appendFile(t, path, "")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	id := nativeID(fi)
	stateID := s.reg.add(State{Path: path, Device: id.dev, Inode: id.ino})
	h := s.newHarvester(f, path, id, stateID, 0, 0, "")
	h.stream = cfg.NewStream(h.src)
	return &harvestRig{t: t, ctx: context.Background(), path: path, c: c, h: h}
}

// write appends the sequence lines [from, to) to the file.
func (r *harvestRig) write(from, to int) {
	var b strings.Builder
	for i := from; i < to; i++ {
		b.WriteString(seqLine(i) + "\n")
	}
	appendFile(r.t, r.path, b.String())
}

// copytruncate copies the file to app.log.N and truncates it.
func (r *harvestRig) copytruncate() {
	r.gen++
	copyFile(r.t, r.path, fmt.Sprintf("%s.%d", r.path, r.gen))
	if err := os.Truncate(r.path, 0); err != nil {
		r.t.Fatal(err)
	}
}

// look is one wake-up of the harvester: the rotation checks, then reading.
func (r *harvestRig) look() {
	r.t.Helper()
	if _, err := r.h.poll(r.ctx); err != nil {
		r.t.Fatalf("poll: %v", err)
	}
	r.read()
}

func (r *harvestRig) read() {
	r.t.Helper()
	if _, err := r.h.readToEOF(r.ctx, r.h.stream); err != nil && err.Error() != "EOF" {
		r.t.Fatalf("read: %v", err)
	}
}

// check wants every sequence line below n exactly once.
func (r *harvestRig) check(n int) {
	r.t.Helper()
	lines := r.c.snapshot()
	if dups := checkSeq(r.t, lines, n); dups != 0 || len(lines) != n {
		r.t.Fatalf("%d lines for %d, %d duplicates", len(lines), n, dups)
	}
}

// TestCopytruncateWhileEmptyAfterRecovery is issue #6: after a recovery
// from a copy the file is read again from offset 0 with no fingerprint;
// when it was empty at that moment, later copytruncates (the file filled,
// copied and emptied again before the next look) went unnoticed and the
// generations in between were lost.
func TestCopytruncateWhileEmptyAfterRecovery(t *testing.T) {
	r := newHarvestRig(t)
	r.write(0, 10)
	r.read()
	r.copytruncate() // app.log.1
	r.look()         // recovery from app.log.1; the file is empty now
	if r.h.off != 0 || r.h.fpLen != 0 {
		t.Fatalf("after the recovery: off %d, fingerprint length %d; want 0, 0", r.h.off, r.h.fpLen)
	}
	r.write(10, 20)
	r.copytruncate() // app.log.2: only there
	r.write(20, 30)
	r.copytruncate() // app.log.3: only there
	r.write(30, 35)
	r.look()
	r.check(35)
	// And the file goes on as usual afterwards.
	r.write(35, 40)
	r.copytruncate() // app.log.4
	r.write(40, 42)
	r.look()
	r.check(42)
}

// TestCopytruncateCopyInProgressAfterRecovery: a copy of the file's
// current generation that is still being made (the file not truncated
// yet) is not read as a missed generation: its lines come from the file.
func TestCopytruncateCopyInProgressAfterRecovery(t *testing.T) {
	r := newHarvestRig(t)
	r.write(0, 10)
	r.read()
	r.copytruncate() // app.log.1
	r.look()
	r.write(10, 20)
	// logrotate has copied the first three lines of it so far.
	var b strings.Builder
	for i := 10; i < 13; i++ {
		b.WriteString(seqLine(i) + "\n")
	}
	appendFile(t, r.path+".2", b.String())
	r.gen++
	r.look()
	r.check(20)
	// The copy completes, the file is truncated and written again.
	copyFile(t, r.path, r.path+".2")
	if err := os.Truncate(r.path, 0); err != nil {
		t.Fatal(err)
	}
	r.write(20, 25)
	r.look()
	r.check(25)
}
