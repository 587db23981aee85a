package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		live, roots, goal uint64
		want              int
	}{
		{0, 0, 16 * mib, minGCPercent},
		{1 * mib, 0, 64 * mib, maxGCPercent},         // 6300 % would fit: capped
		{1 * mib, 0, 16 * mib, 400},                  // Go's 4 MiB minimum heap × 4 = 16 MiB
		{4 * mib, 0, 16 * mib, 300},                  // 4 + 4 × 3 = 16 MiB
		{2 * mib, 2 * mib, 16 * mib, 350},            // 2 + (2+2) × 3.5: roots count
		{2 * mib, 0, 24 * mib, 600},                  // serve's goal: the minimum heap caps it
		{6 * mib, 0, 16 * mib, minGCPercent},         // 166 %: Go's behaviour, scaled
		{100 * mib, 1 * mib, 16 * mib, minGCPercent}, // a large heap is never squeezed
	}
	for _, tc := range tests {
		if got := gcPercentFor(tc.live, tc.roots, tc.goal); got != tc.want {
			t.Errorf("gcPercentFor(%d MiB, %d MiB, %d MiB) = %d, want %d", tc.live/mib, tc.roots/mib, tc.goal/mib, got, tc.want)
		}
	}
}

func TestHeapGoal(t *testing.T) {
	ship, err := heapGoal("ship")
	if err != nil {
		t.Fatal(err)
	}
	serve, err := heapGoal("serve")
	if err != nil {
		t.Fatal(err)
	}
	if ship >= serve {
		t.Errorf("ship's heap goal %d should be below serve's %d", ship, serve)
	}
	t.Setenv("SLUICE_GC_HEAP_GOAL", "20mb")
	if g, err := heapGoal("serve"); err != nil || g != 20<<20 {
		t.Errorf("SLUICE_GC_HEAP_GOAL=20mb: %d, %v", g, err)
	}
	for _, bad := range []string{"lots", "0", "-5mb"} {
		t.Setenv("SLUICE_GC_HEAP_GOAL", bad)
		if _, err := heapGoal("ship"); err == nil {
			t.Errorf("SLUICE_GC_HEAP_GOAL=%s: no error", bad)
		}
	}
}

// TestGCTuner checks that the tuner retunes after a collection: with a
// goal far above the test's heap it must rise to maxGCPercent.
func TestGCTuner(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	tuner := startGCTuner(1 << 40)
	defer tuner.stop()
	if got := debug.SetGCPercent(minGCPercent); got != minGCPercent {
		t.Errorf("starting percent %d, want %d", got, minGCPercent)
	}
	deadline := time.Now().Add(10 * time.Second)
	for tuner.currentPercent() != maxGCPercent {
		if time.Now().After(deadline) {
			t.Fatalf("percent still %d after collections, want %d", tuner.currentPercent(), maxGCPercent)
		}
		runtime.GC()
		time.Sleep(time.Millisecond) // let the finalizer goroutine run
	}
	if got := debug.SetGCPercent(maxGCPercent); got != maxGCPercent {
		t.Errorf("runtime's percent %d, want %d", got, maxGCPercent)
	}
}
