package gelf

import (
	"net"
	"testing"
	"time"
)

// benchDoc is a typical graypy message (about 330 bytes).
var benchDoc = []byte(`{"version":"1.1","host":"web-7","short_message":"GET /api/v1/items?page=3 200 in 12ms","timestamp":1714564496.789,"level":6,"_logger_name":"app.request","_file":"/srv/app/views.py","_line":88,"_function":"items","_thread_name":"MainThread","_pid":4242,"_process_name":"MainProcess","_request_id":"9f1c2a"}`)

// BenchmarkUDP sends GELF datagrams (uncompressed, zlib, chunked) to the
// input and discards the events; bursts stay small enough for the
// socket's receive buffer, and each burst is waited for.
func BenchmarkUDP(b *testing.B) {
	for _, tc := range []struct {
		name string
		dgs  func(b *testing.B) [][]byte
	}{
		{"uncompressed", func(*testing.B) [][]byte { return [][]byte{benchDoc} }},
		{"zlib", func(b *testing.B) [][]byte { return [][]byte{zlibBytes(b, benchDoc)} }},
		{"chunked_4", func(*testing.B) [][]byte { return chunks(42, benchDoc, 4) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			in := build(b, "v8", "host", "127.0.0.1", "port", 0, "receive_buffer_bytes", 4<<20)
			q := &countQueue{}
			start(b, in, q)
			c, err := net.Dial("udp", in.UDPAddr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			dgs := tc.dgs(b)
			chunked := len(dgs) > 1
			b.SetBytes(int64(len(benchDoc)))
			b.ReportAllocs()
			b.ResetTimer()
			const burst = 256
			var id uint64
			for sent := 0; sent < b.N; {
				n := min(burst, b.N-sent)
				for range n {
					id++
					for _, d := range dgs {
						if chunked {
							d[2], d[3], d[4], d[5] = byte(id>>24), byte(id>>16), byte(id>>8), byte(id)
						}
						if _, err := c.Write(d); err != nil {
							b.Fatal(err)
						}
					}
				}
				sent += n
				deadline := time.Now().Add(10 * time.Second)
				for q.n.Load() < int64(sent) {
					if time.Now().After(deadline) {
						b.Fatalf("received %d of %d messages (stats %+v)", q.n.Load(), sent, in.Stats())
					}
					time.Sleep(20 * time.Microsecond)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkDecode measures inflating and mapping one message, without the
// network.
func BenchmarkDecode(b *testing.B) {
	for _, tc := range []struct {
		name string
		p    []byte
	}{{"uncompressed", benchDoc}, {"zlib", zlibBytes(b, benchDoc)}, {"gzip", gzipBytes(b, benchDoc)}} {
		b.Run(tc.name, func(b *testing.B) {
			inf := &inflater{max: 8 << 20}
			m := mapper{remap: true, strip: true, ecs: true}
			var sender any = "192.0.2.1"
			b.SetBytes(int64(len(benchDoc)))
			b.ReportAllocs()
			for b.Loop() {
				p, err := inf.payload(tc.p)
				if err != nil {
					b.Fatal(err)
				}
				m.event(p, sender)
			}
		})
	}
}
