package beats

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	lumber "github.com/elastic/go-lumber/client/v2"

	"github.com/sluicelog/sluice/internal/lumberjack"
)

// jsonWindow encodes a window of the documents numbered first..first+n-1,
// with sequence numbers 1..n, as Beats send them.
func jsonWindow(t testing.TB, first, n, frames int) []byte {
	t.Helper()
	b := lumberjack.AppendWindow(nil, lumberjack.V2, uint32(n))
	for i := range frames {
		b = lumberjack.AppendJSON(b, uint32(i+1), []byte(`{"message":"resend me","n":`+itoa(first+i)+`}`))
	}
	return b
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	return string(b[n:])
}

// A client that disconnects inside a window gets no ACK; sending the
// window again on a new connection delivers all of it, and nothing that
// was acknowledged is missing from the queue.
func TestDisconnectMidWindowResend(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	lb := captureLogs(t, in)
	in.pushMax = 4 // so that part of the window reaches the queue before the break
	q := newRecordQueue()
	addr, _ := start(t, in, q)

	c := rawConn(t, addr)
	if _, err := c.Write(jsonWindow(t, 0, 10, 7)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the first batch to be pushed", func() bool { return q.count() >= 4 })
	c.(*net.TCPConn).CloseWrite()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("read: %v", err)
	}
	if len(got) != 0 {
		t.Fatalf("server sent %q to a client that left inside a window; want nothing (no ACK)", got)
	}
	waitFor(t, 5*time.Second, "the log line", func() bool {
		return strings.Contains(lb.String(), "inside a frame") || strings.Contains(lb.String(), "unacknowledged")
	})

	// The client sends the unacknowledged window again.
	cl, err := lumber.SyncDial(addr, lumber.Timeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	n, err := cl.Send(docs(0, 10))
	if err != nil || n != 10 {
		t.Fatalf("resend: %d acknowledged, %v", n, err)
	}
	// Acknowledged ⊆ pushed: every event of the acknowledged window is in
	// the queue by the time the ACK arrived.
	for i := range 10 {
		if !q.has(int64(i)) {
			t.Errorf("event %d acknowledged but never pushed", i)
		}
	}
	if q.count() < 10 {
		t.Errorf("%d events pushed, want >= 10", q.count())
	}
}

// Acknowledged ⊆ pushed, checked after every window of many.
func TestACKOnlyAfterPush(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	in.pushMax = 100
	q := newRecordQueue()
	addr, _ := start(t, in, q)
	for _, level := range []int{0, 3} {
		cl, err := lumber.SyncDial(addr, lumber.CompressionLevel(level), lumber.Timeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for w := range 20 {
			first := level*10000 + w*333
			n, err := cl.Send(docs(first, 333))
			if err != nil || n != 333 {
				t.Fatalf("window %d: %d acknowledged, %v", w, n, err)
			}
			for i := first; i < first+333; i++ {
				if !q.has(int64(i)) {
					t.Fatalf("event %d acknowledged before it was pushed", i)
				}
			}
		}
		cl.Close()
	}
}

// When the pipeline refuses the events (it is stopping), no ACK is sent.
func TestNoACKWhenPushFails(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	lb := captureLogs(t, in)
	q := newRecordQueue()
	q.fail = true
	addr, _ := start(t, in, q)
	c := rawConn(t, addr)
	c.Write(jsonWindow(t, 0, 3, 3))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, _ := io.ReadAll(c)
	if len(got) != 0 {
		t.Fatalf("server sent %q; want no ACK when the pipeline refused the window", got)
	}
	waitFor(t, 5*time.Second, "the log line", func() bool { return strings.Contains(lb.String(), "pipeline did not accept") })
}

// While the queue is blocked, the client gets keep-alive ACKs (sequence
// 0) and so waits longer than its own timeout; the window's real ACK
// follows once the queue takes the events.
func TestKeepAliveWhileBlocked(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	in.keepAlive = 100 * time.Millisecond
	q := newRecordQueue()
	q.block()
	addr, _ := start(t, in, q)

	t.Run("raw", func(t *testing.T) {
		c := rawConn(t, addr)
		c.Write(jsonWindow(t, 0, 2, 2))
		for range 3 {
			if v, seq := readACK(t, c); v != '2' || seq != 0 {
				t.Fatalf("got ACK %q/%d while blocked, want keep-alive '2'/0", v, seq)
			}
		}
		if q.count() != 0 {
			t.Fatal("events pushed while the queue is blocked")
		}
		q.release()
		for {
			_, seq := readACK(t, c)
			if seq == 2 {
				break
			}
			if seq != 0 {
				t.Fatalf("ACK %d, want 0 or 2", seq)
			}
		}
		q.block()
	})

	t.Run("go-lumber", func(t *testing.T) {
		const timeout = time.Second
		cl, err := lumber.SyncDial(addr, lumber.Timeout(timeout))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		type result struct {
			n   int
			err error
		}
		res := make(chan result, 1)
		go func() {
			n, err := cl.Send(docs(100, 50))
			res <- result{n, err}
		}()
		// Backpressure lasting several client timeouts.
		select {
		case r := <-res:
			t.Fatalf("Send returned while the queue is blocked: %d, %v", r.n, r.err)
		case <-time.After(3 * timeout):
		}
		q.release()
		select {
		case r := <-res:
			if r.err != nil || r.n != 50 {
				t.Fatalf("Send: %d acknowledged, %v; want 50 (the keep-alives should have kept the client waiting)", r.n, r.err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no ACK after the queue was released")
		}
	})
}

// A connection blocked on a full queue ends at shutdown once the grace
// period is over, without an ACK.
func TestShutdownWhileBlocked(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	in.shutdownGrace = 200 * time.Millisecond
	q := newRecordQueue()
	q.block()
	addr, stop := start(t, in, q)
	c := rawConn(t, addr)
	c.Write(jsonWindow(t, 0, 2, 2))
	waitFor(t, 5*time.Second, "the connection", func() bool { return in.ActiveConnections() == 1 })
	t0 := time.Now()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("shutdown took %s", d)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, _ := io.ReadAll(c)
	for len(got) >= 6 {
		if got[1] == 'A' && (got[2]|got[3]|got[4]|got[5]) != 0 {
			t.Fatalf("got a real ACK %q at shutdown", got[:6])
		}
		got = got[6:]
	}
}
