package gelf

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	"github.com/sluicelog/sluice/plugins/codecs/codecutil"
)

func shortMessages(evs []*event.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Message()
	}
	sort.Strings(out)
	return out
}

func doc(msg string) []byte {
	return []byte(fmt.Sprintf(`{"version":"1.1","host":"h","short_message":%q,"timestamp":1714564496.5,"level":6,"_app":"t"}`, msg))
}

func TestSettings(t *testing.T) {
	in := build(t, "v8")
	if in.Port != 12201 || in.PortTCP != 12201 || in.PortUDP != 12201 || !in.UseUDP || in.UseTCP ||
		!in.Remap || !in.StripLeadingUnderscore || in.ChunkTimeout != 5*time.Second || in.MaxMessageSize != 8<<20 {
		t.Fatalf("defaults: %+v", in)
	}
	in = build(t, "v8", "port", 1000, "port_tcp", 2000)
	if in.PortTCP != 2000 || in.PortUDP != 1000 {
		t.Fatalf("port_tcp: %d %d", in.PortTCP, in.PortUDP)
	}
	for _, bad := range []string{
		`gelf { use_udp => false }`,
		`gelf { port_udp => 70000 }`,
		`gelf { chunk_timeout => 0 }`,
		`gelf { max_message_size => 0 }`,
		`gelf { max_pending_messages => 0 }`,
		`gelf { workers => 0 }`,
		`gelf { no_such_setting => 1 }`,
	} {
		if _, err := plugintest.BuildErr(plugin.KindInput, bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestUDP(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	q := plugintest.NewQueue()
	start(t, in, q)
	c := udpSender(t, in)
	big := doc("chunked " + strings.Repeat("x", 5000))
	bigGz := gzipBytes(t, doc("chunked gzip "+strings.Repeat("y", 9000)))
	ooo := chunks(7, big, 4)
	sendAll(t, c, doc("plain"), zlibBytes(t, doc("zlib")), gzipBytes(t, doc("gzip")))
	sendAll(t, c, ooo[3], ooo[1], ooo[1], ooo[0], ooo[2], ooo[2])
	sendAll(t, c, chunks(8, bigGz, 3)...)
	sendAll(t, c, []byte("not json"))
	evs := q.Wait(t, 6, 5*time.Second)
	want := []string{"chunked " + strings.Repeat("x", 5000), "chunked gzip " + strings.Repeat("y", 9000), "gzip", "not json", "plain", "zlib"}
	sort.Strings(want)
	if got := shortMessages(evs); !slices.Equal(got, want) {
		t.Fatalf("messages %.60q", got)
	}
	for _, e := range evs {
		if e.Message() == "not json" {
			if !e.HasTag(codecutil.TagJSONParseFailure) || get(e, "[host][ip]") != "127.0.0.1" {
				t.Errorf("bad event: %v", e.Fields())
			}
			continue
		}
		if get(e, "app") != "t" || get(e, "[host][hostname]") != "h" || get(e, "[host][ip]") != "127.0.0.1" ||
			get(e, "level") != int64(6) || !e.Timestamp().Equal(time.Unix(1714564496, 5e8)) {
			t.Errorf("bad event: %v", e.Fields())
		}
	}
	waitFor(t, "stats", 5*time.Second, func() bool { return in.Stats().ChunkedCompleted == 2 })
	if st := in.Stats(); st.ChunksDuplicate != 2 || st.Events != 6 || st.PendingMessages != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestUDPLegacyFields(t *testing.T) {
	in := build(t, "disabled", "host", "127.0.0.1", "port", 0)
	q := plugintest.NewQueue()
	start(t, in, q)
	sendAll(t, udpSender(t, in), zlibBytes(t, []byte(graypyDoc)))
	e := q.Wait(t, 1, 5*time.Second)[0]
	if get(e, "host") != "web-7" || get(e, "source_host") != "127.0.0.1" || get(e, "logger_name") != "app.payments" ||
		get(e, "short_message") != "payment failed" || !strings.HasPrefix(e.Message(), "payment failed\nTraceback") {
		t.Fatalf("event %v", e.Fields())
	}
}

// Incomplete chunk sets time out on the input's clock (a fake one here),
// bad datagrams are counted and dropped, and the input keeps going.
func TestUDPDrops(t *testing.T) {
	clock := newFakeClock()
	in := build(t, "v8", "host", "127.0.0.1", "port", 0, "max_message_size", 4096)
	in.now = clock.Now
	q := plugintest.NewQueue()
	start(t, in, q)
	c := udpSender(t, in)
	lost := chunks(1, doc("never complete"), 3)
	sendAll(t, c, lost[0], lost[2])
	waitFor(t, "two chunks pending", 5*time.Second, func() bool { return in.Stats().PendingMessages == 1 })
	clock.Advance(5 * time.Second)
	waitFor(t, "expiry", 5*time.Second, func() bool { return in.Stats().ChunksExpired == 1 })
	sendAll(t, c,
		[]byte{0x1e, 0x0f, 1},                // short chunk header
		chunk(9, 0, 200, []byte("x")),        // too many chunks
		zlibBytes(t, make([]byte, 1<<20)),    // inflates past max_message_size
		[]byte{0x78, 0x9c, 0xff, 0xff, 0xff}, // corrupt zlib
		bytes.Repeat([]byte("x"), 5000),      // longer than max_message_size
		chunk(10, 0, 1, doc("single chunk")), // fine
		lost[1],                              // the set expired: starts a new one
	)
	evs := q.Wait(t, 1, 5*time.Second)
	if len(evs) != 1 || evs[0].Message() != "single chunk" {
		t.Fatalf("events %v", shortMessages(evs))
	}
	waitFor(t, "drops counted", 5*time.Second, func() bool {
		st := in.Stats()
		return st.ChunksInvalid == 2 && st.Dropped == 3 && st.Datagrams == 9
	})
	if st := in.Stats(); st.PendingMessages != 1 || st.ChunksExpired != 1 || st.Events != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// Many concurrent incomplete ids over the socket stay bounded.
func TestUDPFloodBounded(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0, "max_pending_messages", 16, "max_pending_bytes", 20000,
		"receive_buffer_bytes", 4<<20)
	q := plugintest.NewQueue()
	start(t, in, q)
	c := udpSender(t, in)
	payload := bytes.Repeat([]byte("p"), 1000)
	for id := range uint64(500) {
		sendAll(t, c, chunk(id, 0, 3, payload))
	}
	sendAll(t, c, chunks(1000, doc("after the flood"), 2)...)
	q.Wait(t, 1, 5*time.Second)
	st := in.Stats()
	if st.PendingMessages > 16 || st.PendingBytes > 20000 || st.ChunksEvicted == 0 {
		t.Fatalf("stats %+v", st)
	}
}

// chunkReader returns data in reads whose sizes cycle through sizes.
type chunkReader struct {
	data  []byte
	sizes []int
	i     int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := 1
	if len(r.sizes) > 0 {
		n = r.sizes[r.i%len(r.sizes)]
		r.i++
	}
	n = min(n, len(p), len(r.data))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

func TestTCPStreamFraming(t *testing.T) {
	var stream []byte
	var want []string
	for i := range 50 {
		m := fmt.Sprintf("message %d %s", i, strings.Repeat("z", i*37))
		want = append(want, m)
		stream = append(append(stream, doc(m)...), 0)
	}
	stream = append(stream, 0, 0, '\n', 0) // empty messages are skipped
	stream = append(stream, doc("last, without a null byte")...)
	want = append(want, "last, without a null byte")
	sort.Strings(want)
	for _, sizes := range [][]int{{1}, {7, 1, 300}, {4096}, {len(stream)}} {
		in := build(t, "v8", "use_tcp", true)
		q := plugintest.NewQueue()
		st := in.newTCPStream(q, in.log, "10.1.2.3")
		if err := st.run(context.Background(), &chunkReader{data: stream, sizes: sizes}); err != nil {
			t.Fatal(err)
		}
		evs := q.Events()
		if got := shortMessages(evs); !slices.Equal(got, want) {
			t.Fatalf("reads of %v: got %d messages %.80q", sizes, len(got), got)
		}
		if get(evs[0], "[host][ip]") != "10.1.2.3" {
			t.Fatalf("event %v", evs[0].Fields())
		}
	}
}

func TestTCPTooLong(t *testing.T) {
	in := build(t, "v8", "use_tcp", true, "max_message_size", 100)
	q := plugintest.NewQueue()
	st := in.newTCPStream(q, in.log, nil)
	data := append(append(bytes.Repeat([]byte("a"), 250), 0), doc("ok")...)
	if err := st.run(context.Background(), &chunkReader{data: data, sizes: []int{60}}); err != nil {
		t.Fatal(err)
	}
	evs := q.Events()
	if len(evs) != 2 || evs[0].Message() != strings.Repeat("a", 100) || !evs[0].HasTag(codecutil.TagMessageTooLong) || evs[1].Message() != "ok" {
		t.Fatalf("events %q", shortMessages(evs))
	}
}

func TestTCP(t *testing.T) {
	in := build(t, "disabled", "host", "127.0.0.1", "port", 0, "use_tcp", true, "use_udp", false)
	q := plugintest.NewQueue()
	start(t, in, q)
	if in.UDPAddr() != nil {
		t.Fatal("listening on UDP with use_udp => false")
	}
	c, err := net.Dial("tcp", in.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := append(append(append(doc("one"), 0), doc("two")...), 0)
	msg = append(msg, doc("three")[:10]...)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	q.Wait(t, 2, 5*time.Second)
	if _, err := c.Write(append(doc("three")[10:], 0)); err != nil {
		t.Fatal(err)
	}
	evs := q.Wait(t, 3, 5*time.Second)
	if got := shortMessages(evs); !slices.Equal(got, []string{"one", "three", "two"}) {
		t.Fatalf("messages %q", got)
	}
	if get(evs[0], "source_host") != "127.0.0.1" || get(evs[0], "host") != "h" {
		t.Fatalf("event %v", evs[0].Fields())
	}
}

// UDP and TCP at once, on different ports.
func TestBothProtocols(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port_udp", 0, "port_tcp", 0, "use_tcp", true)
	q := plugintest.NewQueue()
	start(t, in, q)
	sendAll(t, udpSender(t, in), doc("over udp"))
	c, err := net.Dial("tcp", in.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(append(doc("over tcp"), 0)); err != nil {
		t.Fatal(err)
	}
	evs := q.Wait(t, 2, 5*time.Second)
	if got := shortMessages(evs); !slices.Equal(got, []string{"over tcp", "over udp"}) {
		t.Fatalf("messages %q", got)
	}
}

func TestOpenPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	in := build(t, "v8", "host", "127.0.0.1", "port_udp", 0, "port_tcp", port, "use_tcp", true)
	if err := in.Open(context.Background()); err == nil || !strings.Contains(err.Error(), "listen on tcp") {
		t.Fatalf("Open: %v", err)
	}
	if in.UDPAddr() != nil || in.udpConn != nil {
		t.Fatal("UDP socket left open after the TCP listen failed")
	}
}
