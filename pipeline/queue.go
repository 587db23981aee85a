package pipeline

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/sluicelog/sluice/event"
)

// errClosed is returned by push once the queue no longer accepts events.
var errClosed = errors.New("pipeline is stopping")

// memQueue is a bounded FIFO of events between inputs and workers. push
// blocks while it is full (backpressure); pop returns batches.
type memQueue struct {
	mu     sync.Mutex
	buf    []*event.Event // ring
	head   int
	n      int
	closed bool
	// Broadcast channels: closed (and replaced) when space frees or data
	// arrives. Waiters select on them with their context and timers.
	space chan struct{}
	data  chan struct{}
}

func newMemQueue(capacity int) *memQueue {
	return &memQueue{buf: make([]*event.Event, capacity), space: make(chan struct{}), data: make(chan struct{})}
}

// push appends events, waiting for space as needed. On error, a prefix of
// events may have been accepted.
func (q *memQueue) push(ctx context.Context, events []*event.Event) error {
	for len(events) > 0 {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return errClosed
		}
		free := len(q.buf) - q.n
		if free == 0 {
			wait := q.space
			q.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		k := min(free, len(events))
		for i := 0; i < k; i++ {
			q.buf[(q.head+q.n+i)%len(q.buf)] = events[i]
		}
		q.n += k
		events = events[k:]
		close(q.data)
		q.data = make(chan struct{})
		q.mu.Unlock()
	}
	return nil
}

// pop fills dst with up to max events. It waits for the first event, then
// up to delay for the batch to fill. It returns an empty batch only when
// the queue is closed and drained.
func (q *memQueue) pop(dst []*event.Event, max int, delay time.Duration) []*event.Event {
	var deadline <-chan time.Time
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		q.mu.Lock()
		k := min(max-len(dst), q.n)
		for i := 0; i < k; i++ {
			j := (q.head + i) % len(q.buf)
			dst = append(dst, q.buf[j])
			q.buf[j] = nil
		}
		if k > 0 {
			q.head = (q.head + k) % len(q.buf)
			q.n -= k
			close(q.space)
			q.space = make(chan struct{})
		}
		if len(dst) >= max || (q.closed && q.n == 0) || (len(dst) > 0 && delay <= 0) {
			q.mu.Unlock()
			return dst
		}
		wait := q.data
		q.mu.Unlock()
		if len(dst) > 0 && deadline == nil {
			timer = time.NewTimer(delay)
			deadline = timer.C
		}
		select {
		case <-wait:
		case <-deadline:
			// Take what arrived meanwhile, without waiting again.
			delay = 0
		}
	}
}

// close stops accepting events; pop drains what is left.
func (q *memQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.data)
		q.data = make(chan struct{})
		close(q.space)
		q.space = make(chan struct{})
	}
}

// len returns the number of queued events.
func (q *memQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}
