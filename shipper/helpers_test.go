package shipper

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// rec is a line the collector received.
type rec struct {
	path string
	data string
	off  int64
	flag bool
}

// collector is a Stream factory that records lines and acknowledges them
// (at once, or when told).
type collector struct {
	mu      sync.Mutex
	cond    *sync.Cond
	lines   []rec
	acks    []func()
	manual  bool
	idles   int
	closes  int
	partial int
}

func newCollector(manual bool) *collector {
	c := &collector{manual: manual}
	c.cond = sync.NewCond(&c.mu)
	return c
}

type cstream struct {
	c   *collector
	src *Source
}

func (c *collector) newStream(src *Source) Stream { return &cstream{c: c, src: src} }

func (s *cstream) Lines(_ context.Context, lines []Line) error {
	path := s.src.Path()
	ack := s.src.Commit(lines[len(lines)-1].End)
	s.c.mu.Lock()
	for _, l := range lines {
		s.c.lines = append(s.c.lines, rec{path: path, data: string(l.Data), off: l.Offset, flag: l.Truncated})
		if l.Partial {
			s.c.partial++
		}
	}
	if s.c.manual {
		s.c.acks = append(s.c.acks, ack)
	}
	s.c.cond.Broadcast()
	s.c.mu.Unlock()
	if !s.c.manual {
		ack()
	}
	return nil
}

func (s *cstream) Idle(context.Context) error {
	s.c.mu.Lock()
	s.c.idles++
	s.c.mu.Unlock()
	return nil
}

func (s *cstream) Close(context.Context) error {
	s.c.mu.Lock()
	s.c.closes++
	s.c.mu.Unlock()
	return nil
}

func (c *collector) ackAll() {
	c.mu.Lock()
	acks := c.acks
	c.acks = nil
	c.mu.Unlock()
	for _, a := range acks {
		a()
	}
}

func (c *collector) snapshot() []rec {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]rec(nil), c.lines...)
}

// waitFor waits until cond holds for the lines received, or fails.
func (c *collector) waitFor(t testing.TB, timeout time.Duration, what string, cond func([]rec) bool) []rec {
	t.Helper()
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() { c.mu.Lock(); c.cond.Broadcast(); c.mu.Unlock() })
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for !cond(c.lines) {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s: %d lines so far", what, len(c.lines))
		}
		c.cond.Wait()
	}
	return append([]rec(nil), c.lines...)
}

// waitLines waits for at least n lines.
func (c *collector) waitLines(t testing.TB, n int, timeout time.Duration) []rec {
	t.Helper()
	return c.waitFor(t, timeout, fmt.Sprintf("%d lines", n), func(l []rec) bool { return len(l) >= n })
}

// running is a shipper running in the background.
type running struct {
	s      *Shipper
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func (r *running) stop(t testing.TB) {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
		if r.err != nil {
			t.Fatalf("Run: %v", r.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return")
	}
}

func testConfig(dir string, c *collector) Config {
	return Config{
		Paths:                 []string{filepath.Join(dir, "*.log")},
		RegistryPath:          filepath.Join(dir, "state", "registry.json"),
		StatInterval:          50 * time.Millisecond,
		DiscoverInterval:      200 * time.Millisecond,
		CloseOlder:            time.Hour,
		CleanRemoved:          true,
		RegistryFlushInterval: 50 * time.Millisecond,
		NewStream:             c.newStream,
		Logger:                slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
}

func startShipper(t testing.TB, cfg Config) *running {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{s: s, cancel: cancel, done: make(chan struct{})}
	go func() { r.err = s.Run(ctx); close(r.done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(20 * time.Second):
		}
	})
	return r
}

// seqLine is line number i of the sequence tests.
func seqLine(i int) string { return fmt.Sprintf("seq=%08d payload=%s", i, strings.Repeat("x", 40)) }

// checkSeq checks that every sequence number below n arrived and returns
// how many arrived more than once.
func checkSeq(t testing.TB, lines []rec, n int) int {
	t.Helper()
	seen := make([]int, n)
	for _, l := range lines {
		if !strings.HasPrefix(l.data, "seq=") || len(l.data) < 12 {
			t.Fatalf("unexpected line %q from %s at %d", l.data, l.path, l.off)
		}
		i, err := strconv.Atoi(l.data[4:12])
		if err != nil || i < 0 || i >= n {
			t.Fatalf("bad sequence number in %q", l.data)
		}
		if l.data != seqLine(i) {
			t.Fatalf("line %d damaged: %q", i, l.data)
		}
		seen[i]++
	}
	dups := 0
	var missing []int
	for i, k := range seen {
		if k == 0 {
			missing = append(missing, i)
		}
		if k > 1 {
			dups += k - 1
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d lines lost, first %v, last %v", len(missing), n, missing[:min(len(missing), 10)], missing[max(0, len(missing)-3):])
	}
	return dups
}

func countSeq(lines []rec) int {
	seen := map[string]bool{}
	for _, l := range lines {
		seen[l.data] = true
	}
	return len(seen)
}

func appendFile(t testing.TB, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func renameFile(from, to string) error { return os.Rename(from, to) }
