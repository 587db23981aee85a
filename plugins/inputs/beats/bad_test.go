package beats

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	lumber "github.com/elastic/go-lumber/client/v2"

	"github.com/sluicelog/sluice/internal/lumberjack"
)

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// compressedFrame wraps inner in a C frame, compressing at level 9.
func compressedFrame(t testing.TB, inner []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, 9)
	zw.Write(inner)
	zw.Close()
	return cat([]byte("2C"), u32(uint32(z.Len())), z.Bytes())
}

// zipBomb is a window of 20,000 valid 1 KB events in one compressed frame
// of about 20 KB: 20 MB once inflated.
func zipBomb(t testing.TB) []byte {
	doc := []byte(`{"message":"` + strings.Repeat("a", 1000) + `"}`)
	one := lumberjack.AppendJSON(nil, 1, doc)
	inner := bytes.Repeat(one, 20000)
	return cat(lumberjack.AppendWindow(nil, '2', 20000), compressedFrame(t, inner))
}

// zeroBomb is a compressed frame of 100 MB of zero bytes.
func zeroBomb(t testing.TB) []byte {
	return cat(lumberjack.AppendWindow(nil, '2', 10), compressedFrame(t, make([]byte, 100<<20)))
}

func TestBadClients(t *testing.T) {
	window := lumberjack.AppendWindow(nil, '2', 1)
	cases := []struct {
		name string
		data func(testing.TB) []byte
		log  string
	}{
		{"garbage", func(testing.TB) []byte { return []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n") }, `unsupported protocol version byte 'G'`},
		{"binary garbage", func(testing.TB) []byte { return []byte{0xff, 0x00, 0x13, 0x37} }, "unsupported protocol version byte 0xff"},
		{"wrong version byte", func(testing.TB) []byte { return cat([]byte("3W"), u32(1)) }, `unsupported protocol version byte '3'`},
		{"unknown frame type", func(testing.TB) []byte { return cat(window, []byte("2Z"), u32(1)) }, `unknown frame type 'Z'`},
		{"ACK from client", func(testing.TB) []byte { return cat([]byte("2A"), u32(1)) }, "unexpected ACK frame"},
		{"JSON length of 4 GiB", func(testing.TB) []byte { return cat(window, []byte("2J"), u32(1), u32(0xffffffff), []byte("{}")) }, "JSON frame of 4294967295 bytes exceeds the limit of 65536 bytes"},
		{"compressed length of 4 GiB", func(testing.TB) []byte { return cat(window, []byte("2C"), u32(0xffffffff), []byte{0x78, 0x9c}) }, "compressed frame of 4294967295 bytes exceeds the limit"},
		{"pair count of 4 G", func(testing.TB) []byte { return cat(window, []byte("1D"), u32(1), u32(0xffffffff)) }, "pairs exceeds the limit"},
		{"pair length of 4 GiB", func(testing.TB) []byte { return cat(window, []byte("1D"), u32(1), u32(1), u32(0xffffffff)) }, "data frame larger than the limit"},
		{"window too big", func(testing.TB) []byte { return lumberjack.AppendWindow(nil, '2', 1<<31) }, "window of 2147483648 events exceeds max_window_size 65536"},
		{"data before window", func(testing.TB) []byte { return lumberjack.AppendJSON(nil, 1, []byte(`{}`)) }, "data frame before any window size frame"},
		{"more data than window", func(testing.TB) []byte {
			return cat(window, lumberjack.AppendJSON(nil, 1, []byte(`{}`)), lumberjack.AppendJSON(nil, 2, []byte(`{}`)))
		}, "more data frames than the window size"},
		{"zip bomb", zipBomb, "1048576"},
		{"zero bomb", zeroBomb, "unsupported protocol version byte 0x00"},
		{"corrupt compressed data", func(testing.TB) []byte { return cat(window, []byte("2C"), u32(8), []byte("notzlib!")) }, "compressed"},
		{"compressed frame in compressed frame", func(t testing.TB) []byte {
			return cat(window, compressedFrame(t, compressedFrame(t, lumberjack.AppendJSON(nil, 1, []byte(`{}`)))))
		}, "compressed frame inside a compressed frame"},
		{"half frame then silence", func(testing.TB) []byte { return cat(window, []byte("2J"), u32(1), u32(100), []byte(`{"message":`)) }, "(client_inactivity_timeout); closing connection"},
		{"silence", func(testing.TB) []byte { return nil }, "client sent nothing for"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data(t)
			for _, withGood := range []bool{false, true} {
				// The good client waits for each ACK and then encodes its
				// next window: on a loaded machine that gap can pass 1 s,
				// so it gets a longer inactivity timeout.
				idle := 1.0
				if withGood {
					idle = 4.0
				}
				in := build(t, "v8", "host", "127.0.0.1", "port", 0, "max_event_size", 65536, "max_window_bytes", 1<<20,
					"client_inactivity_timeout", idle)
				lb := captureLogs(t, in)
				q := newRecordQueue()
				addr, stop := start(t, in, q)

				// A good client sends all along, on its own connection.
				stopGood := make(chan struct{})
				goodDone := make(chan error, 1)
				var sent int
				if withGood {
					go func() {
						cl, err := lumber.SyncDial(addr, lumber.CompressionLevel(3), lumber.Timeout(5*time.Second))
						if err != nil {
							goodDone <- err
							return
						}
						defer cl.Close()
						for {
							select {
							case <-stopGood:
								goodDone <- nil
								return
							default:
							}
							n, err := cl.Send(docs(sent+1000000, 100))
							if err != nil {
								goodDone <- err
								return
							}
							sent += n
						}
					}()
					waitFor(t, 5*time.Second, "the good client to start", func() bool { return q.count() > 0 })
				}

				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				c := rawConn(t, addr)
				peer := c.LocalAddr().String()
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					c.Write(data) // fails once the server closed the connection
				}()
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				_, err := io.Copy(io.Discard, c)
				if err != nil && strings.Contains(err.Error(), "timeout") {
					t.Fatalf("server did not close the connection: %v", err)
				}
				c.Close()
				wg.Wait()
				waitFor(t, 5*time.Second, "the log line", func() bool { return strings.Contains(lb.String(), tc.log) })
				runtime.ReadMemStats(&after)
				for _, line := range strings.Split(lb.String(), "\n") {
					if strings.Contains(line, tc.log) && !strings.Contains(line, "peer="+peer) {
						t.Errorf("log line does not name the peer %s: %s", peer, line)
					}
				}
				if !withGood {
					// Everything the server did for the bad client (the
					// test's own writes allocate nothing).
					if d := after.TotalAlloc - before.TotalAlloc; d > 16<<20 {
						t.Errorf("the server allocated %d MiB for a bad client", d>>20)
					}
					// Events are passed on in batches as they are decoded, so
					// a window cut off by an error may have reached the queue
					// in part (never acknowledged): at most max_window_bytes
					// of it.
					if q.count() > (1<<20)/1000 {
						t.Errorf("%d events of a bad client pushed; more than max_window_bytes allows", q.count())
					}
					stop()
					continue
				}
				close(stopGood)
				if err := <-goodDone; err != nil {
					t.Fatalf("the good client was disturbed: %v", err)
				}
				for i := range sent {
					if !q.has(int64(i + 1000000)) {
						t.Fatalf("event %d acknowledged to the good client but not pushed", i)
					}
				}
				stop()
			}
		})
	}
}
