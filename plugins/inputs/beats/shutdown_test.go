package beats

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	lumber "github.com/elastic/go-lumber/client/v2"

	"github.com/sluicelog/sluice/event"
)

// gateQueue records pushed events by "n"; a push can be held back
// (entered tells when one waits) and made slow.
type gateQueue struct {
	mu      sync.Mutex
	seen    map[int64]int
	gate    chan struct{} // nil: pushes pass
	entered chan struct{} // receives once per push that waits at the gate
	delay   time.Duration // per push: a slow pipeline
}

func newGateQueue() *gateQueue {
	return &gateQueue{seen: map[int64]int{}, entered: make(chan struct{}, 1024)}
}

func (q *gateQueue) Push(ctx context.Context, events []*event.Event, _ func()) error {
	q.mu.Lock()
	gate, delay := q.gate, q.delay
	q.mu.Unlock()
	if gate != nil {
		q.entered <- struct{}{}
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, e := range events {
		n, _ := e.GetField("n")
		i, _ := n.(int64)
		q.seen[i]++
	}
	return nil
}

func (q *gateQueue) close() {
	q.mu.Lock()
	q.gate = make(chan struct{})
	q.mu.Unlock()
}

func (q *gateQueue) open() {
	q.mu.Lock()
	if q.gate != nil {
		close(q.gate)
		q.gate = nil
	}
	q.mu.Unlock()
}

func (q *gateQueue) snapshot() map[int64]int {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make(map[int64]int, len(q.seen))
	for k, v := range q.seen {
		out[k] = v
	}
	return out
}

// A window the pipeline is taking when the input stops is finished and
// acknowledged (the client does not resend it), the connection is then
// closed, and a window sent after that is not taken.
func TestStopFinishesWindowInFlight(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	in.pushMax = 4 // the window reaches the queue in several pushes
	q := newGateQueue()
	q.close()
	addr, stop := start(t, in, q)

	idle, err := lumber.SyncDial(addr, lumber.Timeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	cl, err := lumber.SyncDial(addr, lumber.Timeout(5*time.Second))
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
		n, err := cl.Send(docs(0, 10))
		res <- result{n, err}
	}()
	<-q.entered // the window's first push waits in the pipeline

	stopped := make(chan error, 1)
	t0 := time.Now()
	go func() { stopped <- stop() }()
	// The listener closes first: new connections are refused.
	waitFor(t, 5*time.Second, "the listener to close", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) while a window was in flight", err)
	default:
	}
	q.open()
	r := <-res
	if r.err != nil || r.n != 10 {
		t.Fatalf("window in flight at stop: %d acknowledged, %v; want 10", r.n, r.err)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("stop took %s; the idle connection should not have held it up", d)
	}
	if n, err := cl.Send(docs(100, 5)); err == nil && n > 0 {
		t.Errorf("a window sent after the stop was acknowledged (%d events)", n)
	}
	seen := q.snapshot()
	for i := range int64(10) {
		if seen[i] != 1 {
			t.Errorf("event %d pushed %d times, want 1", i, seen[i])
		}
	}
	if len(seen) != 10 {
		t.Errorf("%d distinct events pushed, want 10: %v", len(seen), seen)
	}
}

// A pipeline that does not take the window in flight (a stuck output)
// holds the stop up for the grace period only; the window is not
// acknowledged.
func TestStopWithStuckPipeline(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	in.shutdownGrace = 300 * time.Millisecond
	q := newGateQueue()
	q.close()
	defer q.open()
	addr, stop := start(t, in, q)
	cl, err := lumber.SyncDial(addr, lumber.Timeout(10*time.Second))
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
		n, err := cl.Send(docs(0, 10))
		res <- result{n, err}
	}()
	<-q.entered
	t0 := time.Now()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	d := time.Since(t0)
	if d < in.shutdownGrace {
		t.Errorf("stop took %s, less than the grace period %s: the window in flight was not waited for", d, in.shutdownGrace)
	}
	if d > in.shutdownGrace+3*time.Second {
		t.Errorf("stop took %s with a grace period of %s", d, in.shutdownGrace)
	}
	select {
	case r := <-res:
		if r.err == nil && r.n > 0 {
			t.Fatalf("the window the pipeline never took was acknowledged (%d)", r.n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the client was not disconnected")
	}
}

// Under load, with sync and pipelining (async) go-lumber clients, stopping
// the input acknowledges exactly the events it pushed: a client that
// resends what was not acknowledged causes no duplicate.
func TestStopUnderLoadNoDuplicates(t *testing.T) {
	for round := range 3 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			in := build(t, "v8", "host", "127.0.0.1", "port", 0)
			in.pushMax = 16
			q := newGateQueue()
			q.delay = 200 * time.Microsecond // a pipeline slower than the clients
			addr, stop := start(t, in, q)

			const clients, window = 4, 50
			var (
				mu    sync.Mutex
				acked = map[int64]int{}
				wg    sync.WaitGroup
			)
			ack := func(first, n int) {
				mu.Lock()
				for i := first; i < first+n; i++ {
					acked[int64(i)]++
				}
				mu.Unlock()
			}
			for c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					base := c * 1_000_000
					if c%2 == 0 {
						cl, err := lumber.SyncDial(addr, lumber.Timeout(10*time.Second))
						if err != nil {
							t.Error(err)
							return
						}
						defer cl.Close()
						for w := 0; ; w++ {
							n, err := cl.Send(docs(base+w*window, window))
							ack(base+w*window, n)
							if err != nil {
								return
							}
						}
					}
					cl, err := lumber.AsyncDial(addr, 3, lumber.Timeout(10*time.Second))
					if err != nil {
						t.Error(err)
						return
					}
					defer cl.Close()
					var pending sync.WaitGroup
					defer pending.Wait()
					for w := 0; ; w++ {
						first := base + w*window
						pending.Add(1)
						err := cl.Send(func(seq uint32, err error) {
							defer pending.Done()
							ack(first, int(seq))
						}, docs(first, window))
						if err != nil {
							return
						}
					}
				}()
			}
			waitFor(t, 20*time.Second, "events to flow", func() bool { return len(q.snapshot()) >= 3000 })
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			seen := q.snapshot()
			mu.Lock()
			defer mu.Unlock()
			for i, k := range seen {
				if k != 1 {
					t.Errorf("event %d pushed %d times", i, k)
				}
				if acked[i] == 0 {
					t.Errorf("event %d pushed but not acknowledged: the client will send it again (a duplicate)", i)
				}
			}
			for i, k := range acked {
				if k != 1 || seen[i] != 1 {
					t.Errorf("event %d acknowledged %d times, pushed %d times", i, k, seen[i])
				}
			}
			t.Logf("%d events pushed and acknowledged", len(seen))
		})
	}
}
