package udp

import (
	"net"
	"testing"
	"time"
)

var benchMsg = []byte(`{"@timestamp":"2024-05-01T12:34:56.789Z","level":"INFO","logger_name":"app.request","message":"GET /api/v1/items?page=3 200 in 12ms","host":"web-7","path":"/srv/app/views.py","thread_name":"MainThread","pid":4242}`)

// BenchmarkUDP sends datagrams in bursts small enough for the socket's
// receive buffer (so none is dropped) and waits for each burst.
func BenchmarkUDP(b *testing.B) {
	for _, codec := range benchCodecs {
		b.Run(codec, func(b *testing.B) {
			in := build(b, "v8", "host", "127.0.0.1", "port", 0, "codec", codec, "receive_buffer_bytes", 4<<20)
			q := &countQueue{}
			addr, _ := start(b, in, q)
			c, err := net.Dial("udp", addr)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			b.SetBytes(int64(len(benchMsg)))
			b.ReportAllocs()
			b.ResetTimer()
			const burst = 512
			for sent := 0; sent < b.N; {
				n := min(burst, b.N-sent)
				for range n {
					if _, err := c.Write(benchMsg); err != nil {
						b.Fatal(err)
					}
				}
				sent += n
				deadline := time.Now().Add(10 * time.Second)
				for q.n.Load() < int64(sent) {
					if time.Now().After(deadline) {
						b.Fatalf("received %d of %d datagrams", q.n.Load(), sent)
					}
					time.Sleep(50 * time.Microsecond)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
