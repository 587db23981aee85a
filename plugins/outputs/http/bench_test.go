package http

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sluicelog/sluice/event"
)

func benchEvents(n int) []*event.Event {
	evs := make([]*event.Event, n)
	for i := range evs {
		evs[i] = mkEvent(map[string]any{"message": "GET /index.html 200 1234 \"Mozilla/5.0\"", "service": "api",
			"log": map[string]any{"level": "info", "logger": "app.web"}, "i": i})
	}
	return evs
}

// BenchmarkBody measures building one ndjson batch body (125 events).
func BenchmarkBody(b *testing.B) {
	o := &Output{format: formatNDJSON}
	evs := benchEvents(125)
	var buf []byte
	buf = o.appendBody(buf[:0], evs)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = o.appendBody(buf[:0], evs)
	}
}

// BenchmarkWriteNDJSON measures Write of 125-event batches to a local
// endpoint that accepts everything.
func BenchmarkWriteNDJSON(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	o := build(b, `url => "`+srv.URL+`" http_method => "post" format => "ndjson"`)
	evs := benchEvents(125)
	b.ReportAllocs()
	for b.Loop() {
		if err := o.Write(context.Background(), evs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
}
