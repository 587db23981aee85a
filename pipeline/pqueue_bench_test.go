package pipeline

import (
	"context"
	"testing"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// freshInput pushes Batches batches of Size new events (clones of a
// template): unlike pushInput it never pushes an event twice, which the
// persisted queue (it keeps pushed events for the workers) requires.
type freshInput struct {
	Size, Batches int
	tpl           []*event.Event
}

func (in *freshInput) Settings(s *plugin.Settings) {
	s.Int(&in.Size, "size", "events per push").Default(512)
	s.Int(&in.Batches, "batches", "pushes").Default(1)
}

func (in *freshInput) Run(ctx context.Context, q plugin.Queue) error {
	batch := make([]*event.Event, in.Size)
	for b := 0; b < in.Batches; b++ {
		for i := range batch {
			batch[i] = in.tpl[i%len(in.tpl)].Clone()
		}
		if err := q.Push(ctx, batch, nil); err != nil {
			return nil
		}
	}
	return nil
}

// BenchmarkEngineQueue compares the memory and the persisted queue
// (default checkpointing: fsync every 1024 events written, checkpoint
// every 1024 acknowledged) from an input's Push through two workers to an
// output that discards. Each event is a new clone, in both cases.
func BenchmarkEngineQueue(b *testing.B) {
	for _, typ := range []string{"memory", "persisted"} {
		b.Run(typ, func(b *testing.B) {
			const size = 512
			in := &freshInput{tpl: benchEvents(64)}
			batches := (b.N + size - 1) / size
			r := plugin.NewRegistry()
			r.Register(plugin.Spec{Kind: plugin.KindInput, Name: "fresh", New: func() plugin.Plugin { return in }})
			r.Register(plugin.Spec{Kind: plugin.KindOutput, Name: "discard", New: func() plugin.Plugin { return discardOutput{} }})
			set := Settings{Workers: 2, Registry: r, Logger: quietLogger(), Queue: QueueSettings{Type: typ, Path: b.TempDir()}}
			p, err := New(&config.Pipeline{Sections: []*config.Section{
				section("input", plug("fresh", attr("size", num(size)), attr("batches", num(int64(batches))))),
				section("output", plug("discard")),
			}}, set)
			if err != nil {
				b.Fatal(err)
			}
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
		})
	}
}
