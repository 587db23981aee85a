package shipper

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func countFDs(t testing.TB) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(entries)
}

func TestTwoThousandFilesBoundedFDs(t *testing.T) {
	const files, rounds, limit = 2000, 5, 64
	dir := t.TempDir()
	c := newCollector(false)
	cfg := testConfig(dir, c)
	cfg.MaxOpenFiles = limit
	paths := make([]string, files)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("f%04d.log", i))
	}
	base := countFDs(t)
	r := startShipper(t, cfg)
	var maxOpen, maxFDs atomic.Int64
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if n := int64(r.s.OpenFiles()); n > maxOpen.Load() {
				maxOpen.Store(n)
			}
			if n := int64(countFDs(t)); n > maxFDs.Load() {
				maxFDs.Store(n)
			}
		}
	}()
	// Four writers append to every file, round after round.
	var writers sync.WaitGroup
	for w := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for round := range rounds {
				for i := w; i < files; i += 4 {
					f, err := os.OpenFile(paths[i], os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
					if err != nil {
						t.Error(err)
						return
					}
					fmt.Fprintf(f, "file %04d round %d\n", i, round)
					f.Close()
				}
			}
		}()
	}
	writers.Wait()
	lines := c.waitFor(t, 120*time.Second, "every line", func(l []rec) bool { return len(l) >= files*rounds })
	close(stop)
	sampler.Wait()
	seen := map[string]bool{}
	for _, l := range lines {
		if seen[l.data] {
			t.Fatalf("duplicate %q", l.data)
		}
		seen[l.data] = true
	}
	if len(seen) != files*rounds {
		t.Fatalf("%d distinct lines, want %d", len(seen), files*rounds)
	}
	if maxOpen.Load() > limit {
		t.Errorf("%d files open at once, limit %d", maxOpen.Load(), limit)
	}
	// The shipper's own descriptors: the open files, the registry being
	// written, one being fingerprinted, inotify; the writers hold up to 4.
	if extra := maxFDs.Load() - int64(base); extra > limit+16 {
		t.Errorf("%d descriptors above the baseline, want at most %d", extra, limit+16)
	}
	t.Logf("max open files %d, max descriptors above baseline %d", maxOpen.Load(), maxFDs.Load()-int64(base))
}
