package beats

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/lumberjack"
	"github.com/sluicelog/sluice/plugin"
)

// discardConn is a net.Conn whose writes (ACKs) go nowhere.
type discardConn struct{ net.Conn }

func (discardConn) Write(p []byte) (int, error)      { return len(p), nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }
func (discardConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 1234} }
func (discardConn) SetReadDeadline(time.Time) error  { return nil }
func (discardConn) Close() error                     { return nil }
func (discardConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (discardConn) SetDeadline(time.Time) error      { return nil }
func (discardConn) Read(p []byte) (n int, err error) { return 0, net.ErrClosed }

// FuzzConn feeds arbitrary bytes to one connection's frame loop and event
// building (codec merge, metadata), with a codec that runs (json) and the
// plain fast path: no panic, no more events than data frames.
func FuzzConn(f *testing.F) {
	win := func(docs ...string) []byte {
		b := lumberjack.AppendWindow(nil, lumberjack.V2, uint32(len(docs)))
		for i, d := range docs {
			b = lumberjack.AppendJSON(b, uint32(i+1), []byte(d))
		}
		return b
	}
	f.Add(win(`{"message":"hi","@timestamp":"2026-01-01T00:00:00Z","@metadata":{"beat":"x"}}`), false)
	f.Add(win(`{"message":{"a":[1,2]},"@metadata":"nope","tags":"t"}`, `{"line":"lsf","@timestamp":12}`), true)
	f.Add(win(`{"message":"{\"@metadata\":{\"input\":1},\"event\":5}","event":{"original":"x"},"@metadata":{"input":"s"}}`), true)
	f.Add(win(`[1]`, `"s"`, `{"message":null,"line":null}`), false)
	f.Add(lumberjack.AppendData(lumberjack.AppendWindow(nil, lumberjack.V1, 1), 9, "line", "x", "@timestamp", "bad"), true)
	c, _ := lumberjack.AppendCompressed(lumberjack.AppendWindow(nil, lumberjack.V2, 2), lumberjack.V2, 3,
		append(lumberjack.AppendJSON(nil, 1, []byte(`{"message":"a"}`)), lumberjack.AppendJSON(nil, 2, []byte(`{"message":"b"}`))...))
	f.Add(c, false)
	inputs := map[bool]*Input{
		false: build(f, "v8", "port", 0, "max_event_size", 4096, "max_window_bytes", 1<<16, "add_hostname", true),
		true:  build(f, "disabled", "port", 0, "codec", "=json", "max_event_size", 4096, "max_window_bytes", 1<<16),
	}
	f.Fuzz(func(t *testing.T, data []byte, jsonCodec bool) {
		in := inputs[jsonCodec]
		q := &countQueue{}
		nc := discardConn{}
		cn := &conn{in: in, q: q, nc: nc, log: in.log, peerIP: "10.0.0.1", peerIPv: "10.0.0.1"}
		if in.fast == fastNone {
			cn.cdec = in.Codec.NewDecoder(pluginOpts(in))
		}
		cn.dec = lumberjack.NewDecoder(bytes.NewReader(data), lumberjack.Limits{MaxPayload: 4096, MaxCompressed: 1 << 16})
		_ = cn.run(context.Background())
		// The json codec makes one event per document (or per array
		// element): bound by the bytes seen.
		if n := q.n.Load(); n > int64(len(data))+(1<<16) {
			t.Fatalf("%d events from %d bytes", n, len(data))
		}
	})
}

// TestFromMapMetadataConflicts: metadata fields that are not objects do
// not stop an event.
func TestFromMapMetadataConflicts(t *testing.T) {
	in := build(t, "v8", "port", 0)
	cn := &conn{in: in, log: in.log, peerIP: "10.0.0.1", peerIPv: "10.0.0.1"}
	m, _ := event.DecodeJSON([]byte(`{"message":"m","@metadata":{"input":"not an object"}}`))
	e := cn.fromMap(m, nil)
	if e == nil || e.Message() != "m" {
		t.Fatalf("event %v", e)
	}
}

func pluginOpts(in *Input) plugin.DecoderOptions {
	return plugin.DecoderOptions{MaxBytes: int(in.MaxEventSize), Logger: in.log}
}
