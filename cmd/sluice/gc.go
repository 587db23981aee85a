package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"

	"github.com/sluicelog/sluice/internal/settings"
)

// The garbage collector's setting. Sluice's live heap is a few MiB, so at
// Go's default GOGC=100 the collector runs hundreds of times a second
// under load. A larger percent costs memory in proportion to the live
// heap, which is unbounded for a pipeline with large lookup tables or
// batches. So the percent is chosen after every collection: as large as
// keeps the next heap target under heapGoal (the memory sluice may use
// anyway), never below minGCPercent (Go's behaviour scaled, for large
// heaps) nor above maxGCPercent. Unlike a memory limit (GOMEMLIMIT), a
// live heap above heapGoal does not make the collector run back to back:
// it just gets minGCPercent. GOGC or GOMEMLIMIT in the environment turn
// the tuning off (Go's own rules apply then). Measured in BENCHMARKS.md
// ("Sharing the constant part of every event", item 4).
const (
	minGCPercent = 200
	maxGCPercent = 1000
)

// heapGoal is the heap size below which the GC percent is raised, by
// command: `sluice ship` is meant to stay within 40 MiB of RSS beside the
// application it ships for (the binary, runtime and buffers take about
// 25 MiB of it); `sluice serve` has more room (its tcp JSON benchmark
// target is 50 MiB). SLUICE_GC_HEAP_GOAL (a size as Logstash writes
// them: 12mb) replaces it.
func heapGoal(command string) (uint64, error) {
	if v := os.Getenv("SLUICE_GC_HEAP_GOAL"); v != "" {
		n, err := settings.ParseBytes(v)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("SLUICE_GC_HEAP_GOAL=%q: a size such as 24mb is expected", v)
		}
		return uint64(n), nil
	}
	if command == "ship" {
		return 12 << 20, nil
	}
	return 24 << 20, nil
}

// gcPercentFor returns the GC percent for a live heap of live bytes and
// GC roots (stacks, globals) of roots bytes: Go's heap target is
// live + (live+roots) × percent/100, and at least 4 MiB × percent/100.
func gcPercentFor(live, roots, goal uint64) int {
	base := live + roots
	if base == 0 || goal <= live {
		return minGCPercent
	}
	p := min((goal-live)*100/base, goal*100/(4<<20))
	return int(max(minGCPercent, min(maxGCPercent, p)))
}

// gcTuner sets the GC percent after every collection.
type gcTuner struct {
	goal    uint64
	mu      sync.Mutex
	percent int
	stopped bool
	sample  []metrics.Sample
}

// startGCTuner sets the starting percent and retunes it after each
// collection. It returns the tuner (for tests).
func startGCTuner(goal uint64) *gcTuner {
	t := &gcTuner{goal: goal, sample: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"},
	}}
	// Go's starting percent until the first collection measures the heap.
	t.percent = minGCPercent
	debug.SetGCPercent(t.percent)
	t.arm()
	return t
}

// gcSentinel's finalizer runs once per collection (it is unreachable as
// soon as it is made); it holds a pointer so that it is not a tiny
// allocation, whose finalizer may never run.
type gcSentinel struct{ t *gcTuner }

func (t *gcTuner) arm() {
	runtime.SetFinalizer(&gcSentinel{t: t}, func(s *gcSentinel) {
		if s.t.tune() {
			s.t.arm()
		}
	})
}

// stop ends the tuning after the next collection (for tests).
func (t *gcTuner) stop() {
	t.mu.Lock()
	t.stopped = true
	t.mu.Unlock()
}

// tune sets the percent for the live heap; false when stopped.
func (t *gcTuner) tune() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	metrics.Read(t.sample)
	var v [3]uint64
	for i, s := range t.sample {
		if s.Value.Kind() != metrics.KindUint64 {
			return true
		}
		v[i] = s.Value.Uint64()
	}
	p := gcPercentFor(v[0], v[1]+v[2], t.goal)
	// Small changes are not worth the heap lock.
	if p != t.percent && (p*10 < t.percent*9 || p*10 > t.percent*11 || p == minGCPercent || p == maxGCPercent) {
		t.percent = p
		debug.SetGCPercent(p)
	}
	return true
}

// currentPercent is the percent the tuner set last.
func (t *gcTuner) currentPercent() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.percent
}
