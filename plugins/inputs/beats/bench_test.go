package beats

import (
	"fmt"
	"sync"
	"testing"
	"time"

	lumber "github.com/elastic/go-lumber/client/v2"
)

// benchDoc is a Filebeat-like document of about 300 bytes.
func benchDoc(i int) []byte {
	return fmt.Appendf(nil, `{"@timestamp":"2026-11-24T05:31:46.123Z","@metadata":{"beat":"filebeat","type":"_doc","version":"8.15.0"},`+
		`"message":"GET /api/v1/items?page=%d 200 in 12ms","log":{"offset":%d,"file":{"path":"/var/log/app.log"}},`+
		`"agent":{"type":"filebeat","name":"web-7","version":"8.15.0"},"host":{"name":"web-7"},"ecs":{"version":"8.0.0"}}`, i%1000, i*100)
}

// BenchmarkBeats sends events with go-lumber async clients (4
// connections, windows of 2048, pre-encoded documents) to a beats input
// pushing into a discarding queue.
func BenchmarkBeats(b *testing.B) {
	for _, level := range []int{0, 3} {
		b.Run(fmt.Sprintf("compression=%d", level), func(b *testing.B) {
			const conns, window = 4, 2048
			in := build(b, "v8", "host", "127.0.0.1", "port", 0)
			q := &countQueue{target: int64(b.N), done: make(chan struct{})}
			addr, _ := start(b, in, q)
			docs := make([]any, window)
			size := 0
			for i := range docs {
				d := benchDoc(i)
				docs[i] = d
				size += len(d)
			}
			raw := lumber.JSONEncoder(func(v any) ([]byte, error) { return v.([]byte), nil })
			clients := make([]*lumber.AsyncClient, conns)
			for i := range clients {
				cl, err := lumber.AsyncDial(addr, 4, raw, lumber.CompressionLevel(level), lumber.Timeout(30*time.Second))
				if err != nil {
					b.Fatal(err)
				}
				defer cl.Close()
				clients[i] = cl
			}
			b.SetBytes(int64(size / window))
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			for c, cl := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n := b.N / conns
					if c == 0 {
						n += b.N % conns
					}
					for n > 0 {
						w := min(n, window)
						if err := cl.Send(func(uint32, error) {}, docs[:w]); err != nil {
							b.Error(err)
							return
						}
						n -= w
					}
				}()
			}
			wg.Wait()
			select {
			case <-q.done:
			case <-time.After(60 * time.Second):
				b.Fatalf("%d of %d events arrived", q.n.Load(), b.N)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
