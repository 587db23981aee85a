package http

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/sluicelog/sluice/event"
)

// countQueue counts pushed events and discards them.
type countQueue struct {
	n      atomic.Int64
	target int64
	done   chan struct{}
}

func (q *countQueue) Push(_ context.Context, evs []*event.Event, _ func()) error {
	if n := q.n.Add(int64(len(evs))); q.done != nil && n >= q.target && n-int64(len(evs)) < q.target {
		close(q.done)
	}
	return nil
}

// FuzzBody sends arbitrary bodies with arbitrary content types and
// encodings through the request handler: no panic, a known status, and a
// number of events bounded by the (inflated) body size.
func FuzzBody(f *testing.F) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte("{\"a\":1}\n{\"b\":[1,2]}\n"))
	w.Close()
	f.Add("application/json", "", []byte(`{"a":1}`))
	f.Add("application/json", "", []byte(`[{"a":1},{"b":2},3,"x"]`))
	f.Add("application/json; charset=utf-8", "", []byte(`[[[[[`))
	f.Add("application/x-ndjson", "", []byte("{\"a\":1}\nbad\n\n{}"))
	f.Add("application/x-ndjson", "gzip", gz.Bytes())
	f.Add("text/plain", "deflate", []byte{0x78, 0x9c, 0x03, 0x00})
	f.Add("", "identity", []byte("\xff\xfe plain"))
	f.Add("text/plain", "br", []byte("x"))
	const limit = 4096
	in := build(f, `max_content_length => 4096 busy_timeout => 1`)
	f.Fuzz(func(t *testing.T, ctype, enc string, body []byte) {
		q := &countQueue{}
		h := &handler{in: in, q: q, ctx: context.Background()}
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Content-Encoding", enc)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 400, 413, 415:
		default:
			t.Fatalf("status %d", rec.Code)
		}
		n := q.n.Load()
		if rec.Code != 200 && n != 0 {
			t.Fatalf("status %d but %d events pushed", rec.Code, n)
		}
		if n > limit/2+1 {
			t.Fatalf("%d events from a body of at most %d bytes", n, limit)
		}
	})
}
