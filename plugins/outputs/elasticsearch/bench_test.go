package elasticsearch

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkEncode measures the per-event bulk encoding (action line with
// a dated index and a document id, then the source).
func BenchmarkEncode(b *testing.B) {
	f := newFakeNode(b)
	o, _ := build(b, "elasticsearch", fmt.Sprintf(`hosts => [%q] index => "app-%%{+yyyy.MM.dd}" document_id => "%%{[id]}"`, f.srv.URL))
	if err := o.setup(context.Background()); err != nil {
		b.Fatal(err)
	}
	evs := messages(`83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /kibana-search.png HTTP/1.1" 200 203023 `, 125)
	for i, e := range evs {
		e.SetField("id", fmt.Sprint("doc-", i))
	}
	var dst, scratch []byte
	var err error
	dst, scratch, _ = o.encode(dst, scratch, evs[0])
	b.SetBytes(int64(len(dst)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst, scratch, err = o.encode(dst[:0], scratch, evs[i%len(evs)])
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite is a whole Write of 125 events to a fake node (encoding,
// HTTP, answer parsing).
func BenchmarkWrite(b *testing.B) {
	f := newFakeNode(b)
	f.discard = true
	o, _ := build(b, "elasticsearch", fmt.Sprintf(`hosts => [%q] index => "app"`, f.srv.URL))
	evs := messages("m", 125)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := o.Write(context.Background(), evs); err != nil {
			b.Fatal(err)
		}
	}
}
