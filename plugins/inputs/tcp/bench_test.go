package tcp

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/pipeline"
	_ "github.com/sluicelog/sluice/plugins/outputs/null"
)

// benchLine is a ~200-byte JSON log event, as python-logstash sends.
var benchLine = `{"@timestamp":"2024-05-01T12:34:56.789Z","level":"INFO","logger_name":"app.request","message":"GET /api/v1/items?page=3 200 in 12ms","host":"web-7","path":"/srv/app/views.py","thread_name":"MainThread","pid":4242}` + "\n"

func benchmarkTCP(b *testing.B, codec string, conns int) {
	in := build(b, "v8", "host", "127.0.0.1", "port", 0, "codec", codec, "dns_reverse_lookup_enabled", false)
	q := &countQueue{target: int64(b.N), done: make(chan struct{})}
	addr, _ := start(b, in, q)
	block := []byte(strings.Repeat(benchLine, (1<<20)/len(benchLine)))
	perBlock := len(block) / len(benchLine)
	b.SetBytes(int64(len(benchLine)))
	b.ReportAllocs()
	b.ResetTimer()
	errs := make(chan error, conns)
	for c := range conns {
		go func() {
			lines := b.N / conns
			if c == 0 {
				lines += b.N % conns
			}
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			for lines > 0 {
				n := min(lines, perBlock)
				if _, err := conn.Write(block[:n*len(benchLine)]); err != nil {
					errs <- err
					return
				}
				lines -= n
			}
			errs <- nil
		}()
	}
	for range conns {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-q.done:
	case <-time.After(time.Minute):
		b.Fatalf("got %d of %d events", q.n.Load(), b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/float64(q.pushes.Load()), "events/push")
}

func BenchmarkTCP(b *testing.B) {
	for _, codec := range benchCodecs {
		for _, conns := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/conns=%d", codec, conns), func(b *testing.B) { benchmarkTCP(b, codec, conns) })
		}
	}
}

// BenchmarkStream measures the connection read path without sockets.
func BenchmarkStream(b *testing.B) {
	for _, codec := range benchCodecs {
		b.Run(codec, func(b *testing.B) {
			in := build(b, "v8", "port", 0, "codec", codec, "dns_reverse_lookup_enabled", false)
			q := &countQueue{}
			data := []byte(strings.Repeat(benchLine, b.N))
			b.SetBytes(int64(len(benchLine)))
			b.ReportAllocs()
			b.ResetTimer()
			st := newStream(in, q, in.log)
			if err := st.run(context.Background(), &chunkReader{data: data, sizes: []byte{255}}); err != nil {
				b.Fatal(err)
			}
			if q.n.Load() != int64(b.N) {
				b.Fatalf("%d events, want %d", q.n.Load(), b.N)
			}
		})
	}
}

// BenchmarkPipelineToNull runs a whole pipeline, tcp input → null output,
// with a client writing ~200-byte events over one connection.
func BenchmarkPipelineToNull(b *testing.B) {
	for _, codec := range benchCodecs {
		b.Run(codec, func(b *testing.B) {
			src := fmt.Sprintf(`input { tcp { host => "127.0.0.1" port => 0 codec => %s dns_reverse_lookup_enabled => false } } output { null { } }`, codec)
			cfg, err := config.ParseString("bench.conf", src)
			if err != nil {
				b.Fatal(err)
			}
			p, err := pipeline.New(cfg, pipeline.Settings{DataDir: b.TempDir(), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx) }()
			defer func() {
				cancel()
				<-done
			}()
			<-p.Started()
			in := p.Inputs()[0].(*Input)
			<-in.Ready()
			block := []byte(strings.Repeat(benchLine, (1<<20)/len(benchLine)))
			perBlock := len(block) / len(benchLine)
			b.SetBytes(int64(len(benchLine)))
			b.ReportAllocs()
			b.ResetTimer()
			conn, err := net.Dial("tcp", in.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			for left := b.N; left > 0; {
				n := min(left, perBlock)
				if _, err := conn.Write(block[:n*len(benchLine)]); err != nil {
					b.Fatal(err)
				}
				left -= n
			}
			conn.Close()
			deadline := time.Now().Add(time.Minute)
			for p.Stats().Out < int64(b.N) {
				if time.Now().After(deadline) {
					b.Fatalf("%d of %d events delivered", p.Stats().Out, b.N)
				}
				time.Sleep(100 * time.Microsecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
