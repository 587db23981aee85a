package lumberjack

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	ljproto "github.com/sluicelog/sluice/internal/lumberjack"
)

// replayConn is a connection whose peer says what the fuzzer wants.
type replayConn struct{ r *bytes.Reader }

func (c replayConn) Read(p []byte) (int, error)     { return c.r.Read(p) }
func (replayConn) Write(p []byte) (int, error)      { return len(p), nil }
func (replayConn) Close() error                     { return nil }
func (replayConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (replayConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (replayConn) SetDeadline(time.Time) error      { return nil }
func (replayConn) SetReadDeadline(time.Time) error  { return nil }
func (replayConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzACKReplies: whatever the server answers, the client never counts
// more events acknowledged than it sent, and only reports success when
// the server acknowledged the whole window.
func FuzzACKReplies(f *testing.F) {
	f.Add(uint8(3), ljproto.AppendACK(nil, ljproto.V2, 3))
	f.Add(uint8(3), append(ljproto.AppendACK(ljproto.AppendACK(nil, ljproto.V2, 0), ljproto.V2, 1), ljproto.AppendACK(nil, ljproto.V2, 3)...))
	f.Add(uint8(5), ljproto.AppendACK(nil, ljproto.V2, 9))
	f.Add(uint8(2), []byte("1A\x00\x00\x00\x02"))
	f.Add(uint8(2), []byte("2A\x00\x00"))
	f.Fuzz(func(t *testing.T, n uint8, reply []byte) {
		count := int(n%16) + 1
		d := &docs{}
		for range count {
			d.buf = appendDoc(d.buf, event.NewMessage("x"))
			d.ends = append(d.ends, len(d.buf))
		}
		c := newConn(replayConn{bytes.NewReader(reply)})
		for _, level := range []int{0, 1} {
			c.br.Reset(replayConn{bytes.NewReader(reply)})
			acked, err := c.sendWindow(context.Background(), d, 0, count, options{level: level, timeout: time.Second})
			if acked < 0 || acked > count {
				t.Fatalf("acked %d of %d", acked, count)
			}
			if err == nil && acked != count {
				t.Fatalf("success with %d of %d acknowledged", acked, count)
			}
		}
	})
}
