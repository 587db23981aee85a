package tcp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugins/codecs/codecutil"
)

func dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

func TestManyLinesManyConnections(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	q := newQueue()
	addr, _ := start(t, in, q)
	const conns, lines = 20, 2000
	var wg sync.WaitGroup
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			w := bufio.NewWriterSize(conn, 1500) // many small, odd-sized writes
			for l := range lines {
				fmt.Fprintf(w, "conn %d line %d %s\n", c, l, strings.Repeat("x", l%50))
			}
			if err := w.Flush(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	evs := q.Wait(t, conns*lines, 20*time.Second)
	if len(evs) != conns*lines {
		t.Fatalf("got %d events, want %d", len(evs), conns*lines)
	}
	// Every line arrives once, and in order within its connection.
	next := make([]int, conns)
	for _, e := range evs {
		var c, l int
		if _, err := fmt.Sscanf(e.Message(), "conn %d line %d", &c, &l); err != nil || c < 0 || c >= conns {
			t.Fatalf("bad message %q: %v", e.Message(), err)
		}
		if want := fmt.Sprintf("conn %d line %d %s", c, l, strings.Repeat("x", l%50)); e.Message() != want {
			t.Fatalf("message %q, want %q", e.Message(), want)
		}
		if l != next[c] {
			t.Fatalf("conn %d: got line %d, want %d", c, l, next[c])
		}
		next[c]++
	}
	if q.Pushes() >= len(evs) {
		t.Errorf("%d pushes for %d events: events are not batched", q.Pushes(), len(evs))
	}
}

func TestHalfCloseDeliversLastLine(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	q := newQueue()
	addr, _ := start(t, in, q)
	c := dial(t, addr)
	if _, err := io.WriteString(c, "first\nlast without newline"); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	evs := q.Wait(t, 2, 5*time.Second)
	if got := messages(evs); !slices.Equal(got, []string{"first", "last without newline"}) {
		t.Fatalf("messages %q", got)
	}
	// The server closes its side once the stream ended.
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("read after half-close: %v, want EOF", err)
	}
}

func TestThousandConcurrentConnections(t *testing.T) {
	const conns, lines = 1000, 20
	raiseFileLimit(t, 3*conns)
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	q := newQueue()
	addr, _ := start(t, in, q)
	clients := make([]net.Conn, conns)
	for i := range clients {
		clients[i] = dial(t, addr)
	}
	// All connections are open at once before any of them writes.
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b strings.Builder
			for l := range lines {
				fmt.Fprintf(&b, "%d/%d\n", i, l)
			}
			if _, err := io.WriteString(c, b.String()); err != nil {
				t.Error(err)
			}
			c.Close()
		}()
	}
	wg.Wait()
	evs := q.Wait(t, conns*lines, 30*time.Second)
	seen := map[string]bool{}
	for _, e := range evs {
		if seen[e.Message()] {
			t.Fatalf("duplicate %q", e.Message())
		}
		seen[e.Message()] = true
	}
	for i := range conns {
		for l := range lines {
			if k := fmt.Sprintf("%d/%d", i, l); !seen[k] {
				t.Fatalf("missing %q", k)
			}
		}
	}
}

func raiseFileLimit(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= n {
		return
	}
	if lim.Max < n {
		t.Skipf("file limit %d (hard %d) is below the %d this test needs", lim.Cur, lim.Max, n)
	}
	old := lim
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("cannot raise the file limit: %v", err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

func TestSilentClientDoesNotBlockOthers(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	q := newQueue()
	addr, _ := start(t, in, q)
	silent := dial(t, addr)
	partial := dial(t, addr)
	if _, err := io.WriteString(partial, "no newline yet"); err != nil {
		t.Fatal(err)
	}
	_ = silent
	for i := range 5 {
		c := dial(t, addr)
		fmt.Fprintf(c, "hello %d\n", i)
		c.Close()
	}
	evs := q.Wait(t, 5, 5*time.Second)
	for _, e := range evs {
		if !strings.HasPrefix(e.Message(), "hello ") {
			t.Fatalf("unexpected event %q", e.Message())
		}
	}
	// The last closed connections may still be winding down after their
	// events were pushed: wait for the count to settle on the idle two.
	deadline := time.Now().Add(5 * time.Second)
	for in.ActiveConnections() != 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := in.ActiveConnections(); n != 2 {
		t.Errorf("%d active connections, want the 2 idle ones", n)
	}
}

func TestOversizedLineIsTaggedAndConnectionContinues(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0, "max_event_size", "1KiB")
	q := newQueue()
	addr, _ := start(t, in, q)
	c := dial(t, addr)
	big := strings.Repeat("a", 100_000)
	fmt.Fprintf(c, "before\n%s\nafter\n", big)
	evs := q.Wait(t, 3, 5*time.Second)
	if evs[0].Message() != "before" || evs[2].Message() != "after" {
		t.Fatalf("messages %q", messages(evs)[:1])
	}
	if got := evs[1].Message(); got != big[:1024] {
		t.Errorf("oversized line kept %d bytes, want 1024", len(got))
	}
	if !evs[1].HasTag(codecutil.TagLineTooLong) {
		t.Errorf("oversized line not tagged: %v", evs[1].Tags())
	}
}

func TestBadInputArrivesAsEvents(t *testing.T) {
	cases := []struct {
		codec string
		send  string
		check func(t *testing.T, evs []*event.Event)
	}{
		{"line", "bad \xff\xfe bytes\n{not json\n", func(t *testing.T, evs []*event.Event) {
			if got := messages(evs); !slices.Equal(got, []string{"bad \ufffd\ufffd bytes", "{not json"}) {
				t.Fatalf("messages %q", got)
			}
		}},
		{"json_lines", "{not json\n{\"level\":\"INFO\",\"msg\":\"ok \xff\"}\n", func(t *testing.T, evs []*event.Event) {
			if evs[0].Message() != "{not json" || !evs[0].HasTag(codecutil.TagJSONParseFailure) {
				t.Errorf("malformed JSON: message %q tags %v", evs[0].Message(), evs[0].Tags())
			}
			if v, _ := evs[1].GetField("level"); v != "INFO" {
				t.Errorf("valid JSON after a malformed line: fields %v", evs[1].Fields())
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.codec, func(t *testing.T) {
			in := build(t, "v8", "host", "127.0.0.1", "port", 0, "codec", tc.codec)
			q := newQueue()
			addr, _ := start(t, in, q)
			c := dial(t, addr)
			io.WriteString(c, tc.send)
			tc.check(t, q.Wait(t, 2, 5*time.Second))
		})
	}
}

func TestConnectionFields(t *testing.T) {
	cases := []struct {
		name   string
		ecs    string
		dns    bool
		fields map[string]any // ref → value; "port" checked separately
		absent []string
	}{
		{"ecs", "v8", false, map[string]any{
			"[@metadata][input][tcp][source][name]": "127.0.0.1",
			"[@metadata][input][tcp][source][ip]":   "127.0.0.1",
		}, []string{"host", "port", "[@metadata][ip_address]"}},
		{"legacy", "disabled", false, map[string]any{
			"host":                    "127.0.0.1",
			"[@metadata][ip_address]": "127.0.0.1",
		}, []string{"[@metadata][input]"}},
		{"legacy reverse dns", "disabled", true, map[string]any{
			"host":                    "localhost",
			"[@metadata][ip_address]": "127.0.0.1",
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := build(t, tc.ecs, "host", "127.0.0.1", "port", 0, "dns_reverse_lookup_enabled", tc.dns)
			q := newQueue()
			addr, _ := start(t, in, q)
			c := dial(t, addr)
			io.WriteString(c, "hi\n")
			e := q.Wait(t, 1, 5*time.Second)[0]
			for ref, want := range tc.fields {
				if got := get(t, e, ref); got != want {
					t.Errorf("%s = %#v, want %#v", ref, got, want)
				}
			}
			for _, ref := range tc.absent {
				if v, ok := e.GetField(ref); ok {
					t.Errorf("%s = %#v, want absent", ref, v)
				}
			}
			portRef := "port"
			if tc.ecs != "disabled" {
				portRef = "[@metadata][input][tcp][source][port]"
			}
			if got, want := get(t, e, portRef), int64(c.LocalAddr().(*net.TCPAddr).Port); got != want {
				t.Errorf("%s = %#v, want %d", portRef, got, want)
			}
		})
	}
}

func TestExistingFieldsAreKept(t *testing.T) {
	cases := []struct {
		ecs    string
		preset map[string]any
		want   map[string]any
	}{
		{"disabled", map[string]any{"host": "mine"}, map[string]any{"host": "mine", "port": int64(5), "[@metadata][ip_address]": "10.0.0.1"}},
		{"v8", map[string]any{"[@metadata][input][other]": "x"}, map[string]any{
			"[@metadata][input][other]":             "x",
			"[@metadata][input][tcp][source][name]": "peer",
			"[@metadata][input][tcp][source][port]": int64(5),
		}},
		{"v8", map[string]any{"[@metadata][input][tcp][source][name]": "mine"}, map[string]any{
			"[@metadata][input][tcp][source][name]": "mine",
			"[@metadata][input][tcp][source][ip]":   "10.0.0.1",
		}},
		{"v8", map[string]any{}, map[string]any{
			"[@metadata][input][tcp][source][name]":         "peer",
			"[@metadata][input][tcp][source][ip]":           "10.0.0.1",
			"[@metadata][input][tcp][source][port]":         int64(5),
			"[@metadata][input][tcp][proxy][ip]":            "10.0.0.2",
			"[@metadata][input][tcp][proxy][port]":          int64(6),
			"[@metadata][input][tcp][tls][client][subject]": "CN=x",
		}},
	}
	for _, tc := range cases {
		in := build(t, tc.ecs, "host", "127.0.0.1", "port", 0, "dns_reverse_lookup_enabled", false)
		st := newStream(in, &countQueue{}, in.log)
		st.src = source{name: "peer", ip: "10.0.0.1", port: 5, proxyIP: "10.0.0.2", proxyPort: 6, hasProxy: true, subject: "CN=x"}
		e := event.NewMessage("x")
		for k, v := range tc.preset {
			e.SetField(k, v)
		}
		st.add(e)
		for k, v := range tc.want {
			if got := get(t, e, k); got != v {
				t.Errorf("%s %v: %s = %#v, want %#v", tc.ecs, tc.preset, k, got, v)
			}
		}
	}
}

func TestProxyProtocol(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0, "proxy_protocol", true, "dns_reverse_lookup_enabled", false)
	q := newQueue()
	addr, _ := start(t, in, q)
	c := dial(t, addr)
	io.WriteString(c, "PROXY TCP4 192.0.2.7 198.51.100.1 40000 5000\r\nproxied line\n")
	e := q.Wait(t, 1, 5*time.Second)[0]
	want := map[string]any{
		"message":                               "proxied line",
		"[@metadata][input][tcp][source][ip]":   "192.0.2.7",
		"[@metadata][input][tcp][source][name]": "192.0.2.7",
		"[@metadata][input][tcp][source][port]": int64(40000),
		"[@metadata][input][tcp][proxy][ip]":    "198.51.100.1",
		"[@metadata][input][tcp][proxy][port]":  int64(5000),
	}
	for ref, w := range want {
		if got := get(t, e, ref); got != w {
			t.Errorf("%s = %#v, want %#v", ref, got, w)
		}
	}

	// A connection without a valid header is closed, without events.
	bad := dial(t, addr)
	io.WriteString(bad, "GET / HTTP/1.0\r\n\r\n")
	bad.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := bad.Read(make([]byte, 1)); err == nil || errors.Is(err, syscall.ETIMEDOUT) || isTimeout(err) {
		t.Fatalf("connection with a bad header: read %v, want it closed", err)
	}
	if n := len(q.Events()); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestMaxConnections(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0, "max_connections", 2)
	q := newQueue()
	addr, _ := start(t, in, q)
	a, b := dial(t, addr), dial(t, addr)
	io.WriteString(a, "a\n")
	io.WriteString(b, "b\n")
	q.Wait(t, 2, 5*time.Second) // both are being served
	c := dial(t, addr)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("third connection: read %v, want it closed", err)
	}
	a.Close()
	// Once a slot is free, new connections are served again.
	deadline := time.Now().Add(5 * time.Second)
	for in.ActiveConnections() > 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling a condition, not synchronising on time
	}
	d := dial(t, addr)
	io.WriteString(d, "d\n")
	evs := q.Wait(t, 3, 5*time.Second)
	if evs[2].Message() != "d" {
		t.Fatalf("messages %q", messages(evs))
	}
}

func TestBackpressure(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	q := newQueue()
	q.Block()
	addr, _ := start(t, in, q)
	c := dial(t, addr)
	line := strings.Repeat("z", 999) + "\n"
	const lines = 16 << 10 // 16 MiB: far more than socket buffers hold
	data := []byte(strings.Repeat(line, lines))
	written := 0
	c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	var werr error
	for written < len(data) && werr == nil {
		var n int
		n, werr = c.Write(data[written:min(written+64<<10, len(data))])
		written += n
	}
	if !isTimeout(werr) {
		t.Fatalf("wrote %d bytes with the pipeline blocked (err %v): the server kept reading", written, werr)
	}
	if n := len(q.Events()); n != 0 {
		t.Fatalf("%d events accepted while blocked", n)
	}
	t.Logf("writes stalled after %d bytes", written)
	// Release: everything written arrives.
	q.Release()
	c.SetWriteDeadline(time.Time{})
	if _, err := c.Write(data[written:]); err != nil {
		t.Fatal(err)
	}
	c.CloseWrite()
	evs := q.Wait(t, lines, 30*time.Second)
	if len(evs) != lines {
		t.Fatalf("%d events, want %d", len(evs), lines)
	}
	for _, e := range evs {
		if e.Message() != line[:len(line)-1] {
			t.Fatalf("corrupted line of %d bytes", len(e.Message()))
		}
	}
}

func TestCancelStopsPromptly(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	q := newQueue()
	addr, stop := start(t, in, q)
	idle := dial(t, addr)
	busy := dial(t, addr)
	io.WriteString(busy, "one\npartial")
	q.Wait(t, 1, 5*time.Second)
	begin := time.Now()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > 3*time.Second {
		t.Errorf("Run took %s to return after cancel", d)
	}
	// The partial line was flushed at shutdown.
	if got := messages(q.Events()); !slices.Equal(got, []string{"one", "partial"}) {
		t.Errorf("messages %q", got)
	}
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idle.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Errorf("idle connection not closed at shutdown: %v", err)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Errorf("still accepting after shutdown")
	}
}

func TestCancelWhilePushBlocked(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	q := newQueue()
	q.Block()
	addr, stop := start(t, in, q)
	c := dial(t, addr)
	io.WriteString(c, "stuck\n")
	waitFor(t, func() bool { return in.ActiveConnections() == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestClientMode(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// The server sends two lines per connection and closes; the input
	// reconnects and reads again.
	go func() {
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "from server %d\nsecond %d", i, i)
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	in := build(t, "disabled", "mode", "client", "host", "127.0.0.1", "port", port, "dns_reverse_lookup_enabled", false)
	q := newQueue()
	start(t, in, q)
	evs := q.Wait(t, 2, 10*time.Second)
	if got := messages(evs[:2]); !slices.Equal(got, []string{"from server 0", "second 0"}) {
		t.Fatalf("messages %q", got)
	}
	if get(t, evs[0], "host") != "127.0.0.1" || get(t, evs[0], "port") != int64(port) {
		t.Errorf("fields %v", evs[0].Fields())
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		kv   []any
		want string
	}{
		{"no port", []any{}, `missing required setting "port"`},
		{"port range", []any{"port", 70000}, "out of range"},
		{"ssl without certificate", []any{"port", 0, "ssl_enabled", true}, "ssl_certificate"},
		{"certificate without key", []any{"port", 0, "ssl_enabled", true, "ssl_certificate", "/x.crt"}, "needs `ssl_key`"},
		{"verification mode in server mode", []any{"port", 0, "ssl_enabled", true, "ssl_verification_mode", "none"}, "applies to client mode"},
		{"client auth in client mode", []any{"port", 1, "mode", "client", "ssl_enabled", true, "ssl_client_authentication", "none"}, "applies to server mode"},
		{"obsolete ssl_cert", []any{"port", 0, "ssl_cert", "/x"}, "obsolete"},
		{"bad mode", []any{"port", 0, "mode", "both"}, "not one of"},
		{"client mode without port", []any{"port", 0, "mode", "client"}, "needs a port"},
		{"missing certificate file", []any{"port", 0, "ssl_enabled", true, "ssl_certificate", "/nonexistent.crt", "ssl_key", "/nonexistent.key"}, "no such file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := buildErr("v8", tc.kv...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	in := build(t, "v8", "host", "127.0.0.1", "port", ln.Addr().(*net.TCPAddr).Port)
	err = in.Run(context.Background(), newQueue())
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Run on a used port: %v", err)
	}
	select {
	case <-in.Ready():
	default:
		t.Fatal("Ready not closed after a failed listen")
	}
}

func TestOpenBeforeRun(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	if err := in.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	addr := in.Addr().String()
	// Connections made between Open and Run wait in the backlog.
	c := dial(t, addr)
	io.WriteString(c, "early\n")
	q := newQueue()
	start(t, in, q)
	if e := q.Wait(t, 1, 5*time.Second)[0]; e.Message() != "early" {
		t.Fatalf("message %q", e.Message())
	}
}

func TestCloseWithoutRun(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	if err := in.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	addr := in.Addr().String()
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("listener still open after Close")
	}
}

func TestRunAgainAfterStop(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	for i := range 2 {
		// As the engine does: Open, then Run; Run again reopens.
		if err := in.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		q := newQueue()
		addr, stop := start(t, in, q)
		c := dial(t, addr)
		fmt.Fprintf(c, "run %d\n", i)
		if e := q.Wait(t, 1, 5*time.Second)[0]; e.Message() != fmt.Sprintf("run %d", i) {
			t.Fatalf("message %q", e.Message())
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}
}

// Events decoded from bytes already read when the input stops are not
// lost while their push waits for room in the pipeline: the pipeline
// still takes them for a moment (drainTimeout).
func TestShutdownKeepsEventsWaitingForThePipeline(t *testing.T) {
	in := build(t, "", "host", "127.0.0.1", "port", 0)
	q := newQueue()
	addr, stop := start(t, in, q)
	q.Block()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("first\nsecond\n")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return q.Pushes() >= 1 })
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	q.Release()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	evs := q.Wait(t, 2, 5*time.Second)
	if got := messages(evs); len(got) != 2 || got[0] != "first" || got[1] != "second" {
		t.Fatalf("messages %q, want first and second", got)
	}
}
