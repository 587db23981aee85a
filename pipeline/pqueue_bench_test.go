package pipeline

import (
	"context"
	"testing"
)

// BenchmarkEnginePersisted is BenchmarkEngine with queue.type persisted
// and the default checkpointing (fsync every 1024 events written,
// checkpoint every 1024 acknowledged): compare its events/s with
// BenchmarkEngine's to see the cost of the persisted queue.
func BenchmarkEnginePersisted(b *testing.B) {
	const size, slots = 512, 8
	in := &pushInput{}
	for i := 0; i < slots; i++ {
		in.pool = append(in.pool, benchEvents(size))
	}
	batches := (b.N + size - 1) / size
	p := benchPipeline(b, Settings{Workers: 2, Queue: QueueSettings{Type: "persisted", Path: b.TempDir()}}, in,
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
