package file

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicelog/sluice/event"
)

func benchBatch(n int, kv ...string) []*event.Event {
	batch := make([]*event.Event, n)
	for i := range batch {
		batch[i] = ev(fmt.Sprintf("%05d %s", i, strings.Repeat("x", 194)), kv...)
	}
	return batch
}

func benchWrite(b *testing.B, o *Output, batch []*event.Event) {
	start(b, o)
	var size int
	for _, e := range batch {
		buf, _ := o.Codec.Encode(nil, e)
		size += len(buf)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if err := o.Write(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkWrite writes batches of 125 events of about 200 bytes.
func BenchmarkWrite(b *testing.B) {
	b.Run("static", func(b *testing.B) {
		benchWrite(b, defaults(filepath.Join(b.TempDir(), "out.log")), benchBatch(125))
	})
	b.Run("field-path", func(b *testing.B) {
		benchWrite(b, defaults(filepath.Join(b.TempDir(), "%{app}", "out.log")), benchBatch(125, "app", "api"))
	})
	b.Run("gzip", func(b *testing.B) {
		o := defaults(filepath.Join(b.TempDir(), "out.log.gz"))
		o.Gzip = true
		benchWrite(b, o, benchBatch(125))
	})
}
