package drop

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

func newDrop(t *testing.T, pct float64, rnd func() float64) *Filter {
	t.Helper()
	f := &Filter{Percentage: pct, Rand: rnd}
	if err := f.Init(&plugin.Context{}); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDropAll(t *testing.T) {
	f := newDrop(t, 100, func() float64 { t.Fatal("100% must not draw random numbers"); return 0 })
	for range 100 {
		e := event.NewMessage("x")
		if !f.Filter(e, nil) || !e.Cancelled() {
			t.Fatal("event not dropped")
		}
	}
}

func TestDropNone(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	f := newDrop(t, 0, r.Float64)
	for range 10000 {
		e := event.NewMessage("x")
		if f.Filter(e, nil) || e.Cancelled() {
			t.Fatal("0% dropped an event")
		}
	}
}

// TestDropPercentage checks the share of dropped events against binomial
// bounds (5 standard deviations) with seeded generators.
func TestDropPercentage(t *testing.T) {
	const n = 20000
	for _, pct := range []float64{1, 25, 40, 50, 99.5} {
		for seed := uint64(1); seed <= 3; seed++ {
			r := rand.New(rand.NewPCG(seed, 42))
			f := newDrop(t, pct, r.Float64)
			dropped := 0
			for range n {
				e := event.NewMessage("x")
				got := f.Filter(e, nil)
				if got != e.Cancelled() {
					t.Fatal("return value and Cancelled disagree")
				}
				if got {
					dropped++
				}
			}
			p := pct / 100
			mean, sd := n*p, math.Sqrt(n*p*(1-p))
			if math.Abs(float64(dropped)-mean) > 5*sd+1 {
				t.Errorf("percentage %v seed %d: dropped %d of %d, want %.0f ± %.0f", pct, seed, dropped, n, mean, 5*sd)
			}
		}
	}
}

// TestDropConcurrent runs the default generator from several goroutines
// (for the race detector) and checks the share loosely.
func TestDropConcurrent(t *testing.T) {
	f := newDrop(t, 50, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	dropped := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := 0
			for range 5000 {
				if f.Filter(event.NewMessage("x"), nil) {
					local++
				}
			}
			mu.Lock()
			dropped += local
			mu.Unlock()
		}()
	}
	wg.Wait()
	if dropped < 9000 || dropped > 11000 {
		t.Errorf("dropped %d of 20000 at 50%%", dropped)
	}
}

func TestPercentageRange(t *testing.T) {
	for _, pct := range []float64{-1, 100.5} {
		f := &Filter{Percentage: pct}
		if err := f.Init(&plugin.Context{}); err == nil {
			t.Errorf("percentage %v accepted", pct)
		}
	}
}
