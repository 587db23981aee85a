package gelf

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

// build builds a gelf input through the configuration parser and the
// registry, as the engine does. Settings are Go values (string, int, bool,
// float64) in name, value order; ecs sets ecs_compatibility.
func build(t testing.TB, ecs string, kv ...any) *Input {
	t.Helper()
	inst, err := plugintest.BuildErr(plugin.KindInput, configText(ecs, kv))
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	t.Cleanup(func() { inst.Close() })
	return inst.Plugin.(*Input)
}

func configText(ecs string, kv []any) string {
	var b strings.Builder
	b.WriteString("gelf {")
	if ecs != "" {
		fmt.Fprintf(&b, " ecs_compatibility => %s", ecs)
	}
	for i := 0; i < len(kv); i += 2 {
		v := kv[i+1]
		if s, ok := v.(string); ok {
			v = `"` + s + `"`
		}
		fmt.Fprintf(&b, " %s => %v", kv[i], v)
	}
	b.WriteString(" }")
	return b.String()
}

// start runs in until the test ends.
func start(t testing.TB, in *Input, q plugin.Queue) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, q) }()
	select {
	case <-in.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("input not ready")
	}
	if in.UDPAddr() == nil && in.TCPAddr() == nil {
		cancel()
		t.Fatalf("input failed to listen: %v", <-done)
	}
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = fmt.Errorf("Run did not return within 10s of cancel")
			}
		})
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return stop
}

// udpSender sends datagrams to the input.
func udpSender(t testing.TB, in *Input) net.Conn {
	t.Helper()
	c, err := net.Dial("udp", in.UDPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func sendAll(t testing.TB, c net.Conn, datagrams ...[]byte) {
	t.Helper()
	for _, d := range datagrams {
		if _, err := c.Write(d); err != nil {
			t.Fatal(err)
		}
	}
}

// chunk builds one GELF chunk datagram.
func chunk(id uint64, seq, count int, data []byte) []byte {
	p := make([]byte, chunkHeaderSize, chunkHeaderSize+len(data))
	p[0], p[1] = chunkMagic0, chunkMagic1
	binary.BigEndian.PutUint64(p[2:10], id)
	p[10], p[11] = byte(seq), byte(count)
	return append(p, data...)
}

// chunks cuts msg into n chunks of message id (the last may be shorter).
func chunks(id uint64, msg []byte, n int) [][]byte {
	size := (len(msg) + n - 1) / n
	out := make([][]byte, 0, n)
	for i := range n {
		lo, hi := min(i*size, len(msg)), min((i+1)*size, len(msg))
		out = append(out, chunk(id, i, n, msg[lo:hi]))
	}
	return out
}

func zlibBytes(t testing.TB, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	if _, err := w.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipBytes(t testing.TB, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func get(e *event.Event, ref string) any {
	v, _ := e.GetField(ref)
	return v
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// fakeClock is a settable clock.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time               { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration)      { c.ns.Add(int64(d)) }
func (c *fakeClock) At(d time.Duration) time.Time { return c.Now().Add(d) }

// countQueue counts events and discards them.
type countQueue struct{ n atomic.Int64 }

func (q *countQueue) Push(_ context.Context, events []*event.Event, _ func()) error {
	q.n.Add(int64(len(events)))
	return nil
}
