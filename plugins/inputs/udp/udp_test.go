package udp

import (
	"context"
	"fmt"
	"github.com/sluicelog/sluice/event"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicelog/sluice/plugin/plugintest"
	"github.com/sluicelog/sluice/plugins/codecs/codecutil"
)

func send(t testing.TB, addr string, msgs ...string) *net.UDPConn {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	for _, m := range msgs {
		if _, err := c.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	return c.(*net.UDPConn)
}

func TestDatagramsWithAndWithoutNewline(t *testing.T) {
	cases := []struct {
		codec string
		send  []string
		want  []string // messages, or the "n" field for JSON codecs
	}{
		{"plain", []string{"no newline", "with newline\n"}, []string{"no newline", "with newline\n"}},
		{"line", []string{"no newline", "with newline\n", "two\nlines"}, []string{"no newline", "with newline", "two", "lines"}},
		{"json", []string{`{"n":"1"}`, `{"n":"2"}` + "\n", `[{"n":"3"},{"n":"4"}]`}, []string{"1", "2", "3", "4"}},
		{"json_lines", []string{`{"n":"1"}`, `{"n":"2"}` + "\n", `{"n":"3"}` + "\n" + `{"n":"4"}`}, []string{"1", "2", "3", "4"}},
	}
	for _, tc := range cases {
		t.Run(tc.codec, func(t *testing.T) {
			in := build(t, "v8", "host", "127.0.0.1", "port", 0, "codec", tc.codec, "workers", 1)
			q := plugintest.NewQueue()
			addr, _ := start(t, in, q)
			send(t, addr, tc.send...)
			evs := q.Wait(t, len(tc.want), 5*time.Second)
			got := messages(evs)
			if strings.HasPrefix(tc.codec, "json") {
				for i, e := range evs {
					v, _ := e.GetField("n")
					got[i], _ = v.(string)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMalformedJSONDatagram(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0, "codec", "json")
	q := plugintest.NewQueue()
	addr, _ := start(t, in, q)
	send(t, addr, `{"unterminated": `)
	e := q.Wait(t, 1, 5*time.Second)[0]
	if e.Message() != `{"unterminated": ` || !e.HasTag(codecutil.TagJSONParseFailure) {
		t.Fatalf("message %q tags %v", e.Message(), e.Tags())
	}
}

func TestManySenders(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	q := plugintest.NewQueue()
	addr, _ := start(t, in, q)
	const senders, rounds = 25, 40
	conns := make([]net.Conn, senders)
	for i := range conns {
		conns[i] = send(t, addr)
	}
	// Senders send concurrently; rounds wait for delivery so that the
	// kernel's receive buffer never overflows (UDP would drop).
	for r := range rounds {
		var wg sync.WaitGroup
		for i, c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fmt.Fprintf(c, "sender %d round %d", i, r)
			}()
		}
		wg.Wait()
		q.Wait(t, (r+1)*senders, 5*time.Second)
	}
	evs := q.Events()
	got := messages(evs)
	sort.Strings(got)
	var want []string
	for i := range senders {
		for r := range rounds {
			want = append(want, fmt.Sprintf("sender %d round %d", i, r))
		}
	}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("got %d messages, want %d (or different content)", len(got), len(want))
	}
	// host is each sender's IP.
	for _, e := range evs {
		if v, _ := e.GetField("[host][ip]"); v != "127.0.0.1" {
			t.Fatalf("[host][ip] = %v", v)
		}
	}
}

func TestSourceIPField(t *testing.T) {
	cases := []struct {
		ecs, field, want string
	}{
		{"v8", "", "[host][ip]"},
		{"disabled", "", "host"},
		{"v8", "[source][ip]", "[source][ip]"},
		{"disabled", "client_ip", "client_ip"},
	}
	for _, tc := range cases {
		t.Run(tc.ecs+" "+tc.field, func(t *testing.T) {
			kv := []any{"host", "127.0.0.1", "port", 0}
			if tc.field != "" {
				kv = append(kv, "source_ip_fieldname", tc.field)
			}
			in := build(t, tc.ecs, kv...)
			q := plugintest.NewQueue()
			addr, _ := start(t, in, q)
			send(t, addr, "x")
			e := q.Wait(t, 1, 5*time.Second)[0]
			if v, _ := e.GetField(tc.want); v != "127.0.0.1" {
				t.Fatalf("%s = %v; fields %v", tc.want, v, e.Fields())
			}
		})
	}
}

func TestTruncatedDatagramIsTagged(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0, "buffer_size", 100, "workers", 1)
	q := plugintest.NewQueue()
	addr, _ := start(t, in, q)
	big := strings.Repeat("b", 500)
	send(t, addr, big, "small")
	evs := q.Wait(t, 2, 5*time.Second)
	if evs[0].Message() != big[:100] {
		t.Errorf("truncated message has %d bytes, want 100", len(evs[0].Message()))
	}
	if !evs[0].HasTag(TruncatedTag) {
		t.Errorf("truncated datagram not tagged: %v", evs[0].Tags())
	}
	if evs[1].Message() != "small" || evs[1].HasTag(TruncatedTag) {
		t.Errorf("second datagram: %q %v", evs[1].Message(), evs[1].Tags())
	}
}

func TestBatching(t *testing.T) {
	// A large receive buffer: the 300 datagrams must not be dropped even
	// when the reader is slow to be scheduled.
	in := build(t, "v8", "host", "127.0.0.1", "port", 0, "workers", 1, "receive_buffer_bytes", 4<<20)
	q := &pushCounter{Queue: plugintest.NewQueue()}
	q.Block()
	addr, _ := start(t, in, q)
	var msgs []string
	for i := range 300 {
		msgs = append(msgs, fmt.Sprint(i))
	}
	send(t, addr, msgs...)
	// While the first push is blocked, the rest queue up and go out in
	// few pushes once released.
	deadline := time.Now().Add(5 * time.Second)
	for in.Received() < 300 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	q.Release()
	evs := q.Wait(t, 300, 5*time.Second)
	if got := messages(evs); !slices.Equal(got, msgs) {
		t.Fatalf("messages out of order or missing")
	}
	if n := q.pushes.Load(); n > 4 {
		t.Errorf("%d pushes for 300 queued datagrams", n)
	}
}

type pushCounter struct {
	*plugintest.Queue
	pushes atomic.Int64
}

func (q *pushCounter) Push(ctx context.Context, evs []*event.Event, ack func()) error {
	q.pushes.Add(1)
	return q.Queue.Push(ctx, evs, ack)
}

func TestCancelStopsPromptly(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	q := plugintest.NewQueue()
	_, stop := start(t, in, q)
	begin := time.Now()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("Run took %s to return", d)
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		kv   []any
		want string
	}{
		{[]any{}, `missing required setting "port"`},
		{[]any{"port", 0, "workers", 0}, "workers"},
		{[]any{"port", 0, "buffer_size", 0}, "buffer_size"},
		{[]any{"port", 0, "queue_size", 0}, "queue_size"},
		{[]any{"port", 0, "receive_buffer_bytes", -5}, "receive_buffer_bytes"},
		{[]any{"port", 0, "source_ip_fieldname", "[a]b"}, "source_ip_fieldname"},
	}
	for _, tc := range cases {
		_, err := buildErr("v8", tc.kv...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.kv, err, tc.want)
		}
	}
}

func TestOpenBeforeRunAndClose(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	if err := in.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A datagram sent between Open and Run waits in the socket.
	send(t, in.Addr().String(), "early")
	q := plugintest.NewQueue()
	start(t, in, q)
	if e := q.Wait(t, 1, 5*time.Second)[0]; e.Message() != "early" {
		t.Fatalf("message %q", e.Message())
	}

	other := build(t, "v8", "host", "127.0.0.1", "port", 0)
	if err := other.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	addr := other.Addr().String()
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	// The port is free again.
	c, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("port still bound after Close: %v", err)
	}
	c.Close()
}

func TestQueueBoundsMemoryWhilePipelineBlocked(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0, "workers", 1, "queue_size", 10, "receive_buffer_bytes", 4<<20)
	q := plugintest.NewQueue()
	q.Block()
	addr, _ := start(t, in, q)
	const n = 1000
	var msgs []string
	for i := range n {
		msgs = append(msgs, fmt.Sprint(i))
	}
	send(t, addr, msgs...)
	waitFor(t, func() bool { return in.Received() > 10 })
	// Give the reader a chance to overrun its bound (it must not): one
	// batch held by the blocked worker, queue_size queued, one in hand.
	time.Sleep(200 * time.Millisecond)
	if got, bound := in.Received(), int64(maxBatch+10+1); got > bound {
		t.Fatalf("read %d datagrams while the pipeline was blocked, bound %d", got, bound)
	}
	q.Release()
	evs := q.Wait(t, n, 10*time.Second)
	if got := messages(evs); !slices.Equal(got, msgs) {
		t.Fatal("datagrams lost or reordered")
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
