package http

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// benchLine is a ~200-byte JSON log event, as Python log shippers send.
const benchLine = `{"@timestamp":"2024-05-01T12:34:56.789Z","level":"INFO","logger_name":"app.request","message":"GET /api/v1/items?page=3 200 in 12ms","host":"web-7","path":"/srv/app/views.py","thread_name":"MainThread","pid":4242}` + "\n"

// BenchmarkHTTPNDJSON posts ndjson bodies of 1000 events from 4 clients to
// a queue that discards them; b.N counts events.
func BenchmarkHTTPNDJSON(b *testing.B) {
	const perBody, clients = 1000, 4
	in := build(b, "")
	q := &countQueue{target: int64(b.N), done: make(chan struct{})}
	url, _ := start(b, in, q, "http")
	body := bytes.Repeat([]byte(benchLine), perBody)
	bodies := (b.N + perBody - 1) / perBody
	b.SetBytes(int64(len(benchLine)))
	b.ReportAllocs()
	b.ResetTimer()
	work := make(chan struct{}, bodies)
	for range bodies {
		work <- struct{}{}
	}
	close(work)
	errs := make(chan error, clients)
	for range clients {
		go func() {
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer c.CloseIdleConnections()
			for range work {
				resp, err := c.Post(url, "application/x-ndjson", bytes.NewReader(body))
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", resp.StatusCode)
					return
				}
			}
			errs <- nil
		}()
	}
	for range clients {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-q.done:
	case <-time.After(time.Minute):
		b.Fatalf("%d of %d events arrived", q.n.Load(), b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(q.n.Load())/b.Elapsed().Seconds(), "events/s")
}
