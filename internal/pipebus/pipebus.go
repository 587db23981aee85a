// Package pipebus is the in-process bus behind pipeline-to-pipeline
// communication: the pipeline input listens on a virtual address, the
// pipeline output sends to addresses. A send returns only once every
// receiving pipeline delivered the events (its batch acknowledgement
// fired), so acknowledgements run end to end across pipelines.
package pipebus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/sluicelog/sluice/event"
)

// Default is the process-wide bus the pipeline plugins use (one per
// process, as Logstash has one per JVM). Tests may build their own with New.
var Default = New()

// ErrNoListener is returned by Send when an address has no listener and
// the sender does not wait for one.
var ErrNoListener = errors.New("pipebus: no pipeline listens on this address")

// ErrReceiverGone is returned by Send when the receiving pipeline stopped
// before it delivered the events; the sender should retry (the events may
// then arrive twice, never zero times).
var ErrReceiverGone = errors.New("pipebus: receiving pipeline stopped before delivering")

// Receiver takes events into a pipeline: plugin.Queue's Push.
type Receiver func(ctx context.Context, events []*event.Event, ack func()) error

// Bus routes events between pipelines by address.
type Bus struct {
	mu        sync.Mutex
	listeners map[string]*Listener
	changed   chan struct{} // closed and replaced on every Listen/unlisten
	dropped   atomic.Int64
}

// New returns an empty bus.
func New() *Bus {
	return &Bus{listeners: map[string]*Listener{}, changed: make(chan struct{})}
}

// Listener is one address's registration.
type Listener struct {
	bus     *Bus
	addr    string
	owner   string
	recv    Receiver
	gone    chan struct{}
	closeMu sync.Once
}

// Listen registers recv on addr. owner (a pipeline id) appears in the
// error when the address is taken. Call Close on the listener once the
// receiving pipeline has delivered everything it accepted (the pipeline
// input does it in its Close, after the pipeline drained).
func (b *Bus) Listen(addr, owner string, recv Receiver) (*Listener, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if prev, ok := b.listeners[addr]; ok {
		return nil, fmt.Errorf("pipebus: address %q is already used by pipeline %q", addr, prev.owner)
	}
	l := &Listener{bus: b, addr: addr, owner: owner, recv: recv, gone: make(chan struct{})}
	b.listeners[addr] = l
	b.notifyLocked()
	return l, nil
}

// Unlisten stops routing new sends to l; sends in flight still wait for
// their acknowledgement or for Close.
func (l *Listener) Unlisten() {
	b := l.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.listeners[l.addr] == l {
		delete(b.listeners, l.addr)
		b.notifyLocked()
	}
}

// Close unlistens and fails the sends still waiting for an acknowledgement
// from this listener with ErrReceiverGone.
func (l *Listener) Close() {
	l.Unlisten()
	l.closeMu.Do(func() { close(l.gone) })
}

func (b *Bus) notifyLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// Dropped is how many events sends without ensure_delivery dropped because
// their address had no listener.
func (b *Bus) Dropped() int64 { return b.dropped.Load() }

// Listening reports whether addr has a listener.
func (b *Bus) Listening(addr string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.listeners[addr]
	return ok
}

// lookup returns addr's listener; when wait is true it blocks until there
// is one or ctx is done.
func (b *Bus) lookup(ctx context.Context, addr string, wait bool) (*Listener, error) {
	for {
		b.mu.Lock()
		l, ok := b.listeners[addr]
		changed := b.changed
		b.mu.Unlock()
		if ok {
			return l, nil
		}
		if !wait {
			return nil, ErrNoListener
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("pipebus: waiting for a listener on %q: %w", addr, ctx.Err())
		}
	}
}

// Send hands a copy of events to the pipeline listening on addr and waits
// until that pipeline delivered them. With ensure true it waits while addr
// has no listener (the downstream pipeline is reloading or not started
// yet); with ensure false such events are dropped and counted (Send
// returns nil, n dropped). The events given are not changed or kept.
func (b *Bus) Send(ctx context.Context, addr string, events []*event.Event, ensure bool) (dropped int, err error) {
	if len(events) == 0 {
		return 0, nil
	}
	l, err := b.lookup(ctx, addr, ensure)
	if errors.Is(err, ErrNoListener) {
		b.dropped.Add(int64(len(events)))
		return len(events), nil
	}
	if err != nil {
		return 0, err
	}
	copies := make([]*event.Event, len(events))
	for i, e := range events {
		copies[i] = e.Clone()
	}
	acked := make(chan struct{})
	if err := l.recv(ctx, copies, func() { close(acked) }); err != nil {
		return 0, fmt.Errorf("pipebus: send to %q: %w", addr, err)
	}
	select {
	case <-acked:
		return 0, nil
	case <-l.gone:
		// Close runs after the receiver drained: an ack due has fired.
		select {
		case <-acked:
			return 0, nil
		default:
		}
		return 0, fmt.Errorf("pipebus: send to %q: %w", addr, ErrReceiverGone)
	case <-ctx.Done():
		return 0, fmt.Errorf("pipebus: send to %q: waiting for delivery: %w", addr, ctx.Err())
	}
}
