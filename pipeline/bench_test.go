package pipeline

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// Micro-benchmarks of the engine's hot path: the queue between inputs and
// workers, one worker batch through the filter and output programs, and
// the whole engine from Push to an output that discards. b.N counts
// events; the events are made once, outside the timed loop, so what is
// measured is the engine's own cost per event.

// discardOutput counts and drops events.
type discardOutput struct{}

func (discardOutput) Settings(*plugin.Settings)                   {}
func (discardOutput) Write(context.Context, []*event.Event) error { return nil }

// pushInput pushes Batches batches of Size events from a pool of Slots
// batches made in advance, each reused only after its ack: the pool
// bounds the events in flight, as a real input's buffers would.
type pushInput struct {
	Size, Batches, Slots int
	pool                 [][]*event.Event
}

func (in *pushInput) Settings(s *plugin.Settings) {
	s.Int(&in.Size, "size", "events per push").Default(512)
	s.Int(&in.Batches, "batches", "pushes").Default(1)
	s.Int(&in.Slots, "slots", "batches in the pool").Default(8)
}

func (in *pushInput) Run(ctx context.Context, q plugin.Queue) error {
	free := make(chan int, in.Slots)
	for i := 0; i < in.Slots; i++ {
		free <- i
	}
	for b := 0; b < in.Batches; b++ {
		var slot int
		select {
		case slot = <-free:
		case <-ctx.Done():
			return nil
		}
		if err := q.Push(ctx, in.pool[slot], func() { free <- slot }); err != nil {
			return nil
		}
	}
	return nil
}

func benchEvents(n int) []*event.Event {
	levels := []string{"INFO", "INFO", "WARNING", "ERROR"}
	evs := make([]*event.Event, n)
	for i := range evs {
		e := event.NewMessage("GET /api/v1/orders/12345 200")
		e.Fields()["level"] = levels[i%len(levels)]
		e.Fields()["logger_name"] = "app.views"
		evs[i] = e
	}
	return evs
}

func benchRegistry(input *pushInput) *plugin.Registry {
	r := plugin.NewRegistry()
	r.Register(plugin.Spec{Kind: plugin.KindInput, Name: "push", New: func() plugin.Plugin { return input }})
	r.Register(plugin.Spec{Kind: plugin.KindOutput, Name: "discard", New: func() plugin.Plugin { return discardOutput{} }})
	r.Register(plugin.Spec{Kind: plugin.KindFilter, Name: "pass", New: func() plugin.Plugin { return passFilter{} }})
	return r
}

func benchPipeline(b *testing.B, set Settings, in *pushInput, sections ...*config.Section) *Pipeline {
	b.Helper()
	set.Registry = benchRegistry(in)
	set.Logger = quietLogger()
	p, err := New(&config.Pipeline{Sections: sections}, set)
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	return p
}

// BenchmarkQueuePushPop: one producer pushes batches of 512 while one
// consumer pops batches of 125, as an input and a worker do.
func BenchmarkQueuePushPop(b *testing.B) {
	q := newMemQueue(250)
	batch := benchEvents(512)
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for left := b.N; left > 0; {
			k := min(left, len(batch))
			if err := q.push(context.Background(), batch[:k]); err != nil {
				b.Error(err)
				return
			}
			left -= k
		}
		q.close()
	}()
	dst := make([]*event.Event, 0, 125)
	got := 0
	for {
		dst = q.pop(dst[:0], 125, 50*time.Millisecond)
		if len(dst) == 0 {
			break
		}
		got += len(dst)
	}
	wg.Wait()
	if got != b.N {
		b.Fatalf("popped %d events, want %d", got, b.N)
	}
}

// BenchmarkQueuePushPopSerial: push and pop a batch of 125 on one
// goroutine: the queue's own cost without waiting.
func BenchmarkQueuePushPopSerial(b *testing.B) {
	q := newMemQueue(250)
	batch := benchEvents(125)
	dst := make([]*event.Event, 0, 125)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		k := min(b.N-done, len(batch))
		if err := q.push(context.Background(), batch[:k]); err != nil {
			b.Fatal(err)
		}
		dst = q.pop(dst[:0], k, 0)
		if len(dst) != k {
			b.Fatalf("popped %d, want %d", len(dst), k)
		}
		done += k
	}
}

// runBatches runs b.N events through one worker's filter and output
// programs in batches of 125, as worker() does after pop.
func runBatches(b *testing.B, p *Pipeline) {
	b.Helper()
	w := p.newWorkerState()
	evs := benchEvents(125)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		k := min(b.N-done, len(evs))
		w.batch = append(w.batch[:0], evs[:k]...)
		w.ready = w.ready[:0]
		for i, e := range w.batch {
			p.runFilters(e, 0, w)
			w.batch[i] = nil
		}
		p.deliver(w)
		done += k
	}
	b.StopTimer()
	if st := p.Stats(); st.Out != int64(b.N) {
		b.Fatalf("delivered %d events, want %d", st.Out, b.N)
	}
}

// BenchmarkWorkerBatchEmptyFilters: a worker batch through an empty
// filter section to one output that discards.
func BenchmarkWorkerBatchEmptyFilters(b *testing.B) {
	p := benchPipeline(b, Settings{Workers: 1}, &pushInput{},
		section("input", plug("push")),
		section("output", plug("discard")),
	)
	runBatches(b, p)
}

// passFilter passes events on unchanged: what is measured is the engine's
// cost per filter step (counters and timers included).
type passFilter struct{}

func (passFilter) Settings(*plugin.Settings)                    {}
func (passFilter) Filter(*event.Event, func(*event.Event)) bool { return true }

// BenchmarkWorkerBatchFourFilters: a worker batch through four filters
// that do nothing to one output that discards — the per-filter-step cost
// of the engine, metrics included.
func BenchmarkWorkerBatchFourFilters(b *testing.B) {
	p := benchPipeline(b, Settings{Workers: 1}, &pushInput{},
		section("input", plug("push")),
		section("filter", plug("pass"), plug("pass"), plug("pass"), plug("pass")),
		section("output", plug("discard")),
	)
	runBatches(b, p)
}

// BenchmarkWorkerBatchConditionalOutputs: the same with the outputs
// chosen by conditionals (if [level] == "ERROR" ... else if "x" in
// [tags] ... else ...).
func BenchmarkWorkerBatchConditionalOutputs(b *testing.B) {
	p := benchPipeline(b, Settings{Workers: 1}, &pushInput{},
		section("input", plug("push")),
		section("output", ifs(
			branch(bin("==", ref("[level]"), slit("ERROR")), plug("discard")),
			branch(bin("in", slit("x"), ref("[tags]")), plug("discard")),
			branch(nil, plug("discard")),
		)),
	)
	runBatches(b, p)
}

// BenchmarkEngine: the whole engine, from an input's Push (with an ack
// per push) through the queue and two workers to an output that
// discards, with the default batch size and delay.
func BenchmarkEngine(b *testing.B) {
	const size, slots = 512, 8
	in := &pushInput{}
	for i := 0; i < slots; i++ {
		in.pool = append(in.pool, benchEvents(size))
	}
	batches := (b.N + size - 1) / size
	p := benchPipeline(b, Settings{Workers: 2}, in,
		section("input", plug("push", attr("size", num(size)), attr("batches", num(int64(batches))), attr("slots", num(slots)))),
		section("output", plug("discard")),
	)
	b.ReportAllocs()
	b.ResetTimer()
	if err := p.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if st := p.Stats(); st.Out != int64(batches*size) {
		b.Fatalf("delivered %d events, want %d", st.Out, batches*size)
	}
	b.ReportMetric(float64(batches*size)/b.Elapsed().Seconds(), "events/s")
}
