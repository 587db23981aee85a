package netutil

import (
	"net"
	"sync"
)

// Listening records that an input's listeners are bound, and where. Inputs
// embed it: Ready and Addr let tests and the end-to-end suite use port 0;
// the input calls MarkReady once binding succeeded (with the addresses) or
// failed (with none).
type Listening struct {
	mu    sync.Mutex
	ready chan struct{}
	addrs []net.Addr
}

func (l *Listening) readyChan() chan struct{} {
	if l.ready == nil {
		l.ready = make(chan struct{})
	}
	return l.ready
}

// Ready is closed once the input listens (or failed to).
func (l *Listening) Ready() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.readyChan()
}

// Addr returns the first bound address once Ready is closed (nil on
// failure).
func (l *Listening) Addr() net.Addr { return l.AddrAt(0) }

// AddrAt returns the i-th address given to MarkReady (nil if none).
func (l *Listening) AddrAt(i int) net.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i < len(l.addrs) {
		return l.addrs[i]
	}
	return nil
}

// MarkReady records the bound addresses and closes Ready. It may be called
// again (an input reopened after a restart) to update the addresses.
func (l *Listening) MarkReady(addrs ...net.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.addrs = addrs
	ch := l.readyChan()
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// HeldListener keeps a listener that Open bound until Run takes it, so a
// port in use is reported at start-up and Run serves the same socket.
type HeldListener struct {
	mu sync.Mutex
	ln net.Listener
}

// Hold keeps ln, closing one held before (an input opened twice).
func (h *HeldListener) Hold(ln net.Listener) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ln != nil {
		h.ln.Close()
	}
	h.ln = ln
}

// Take returns the held listener, or nil, and forgets it.
func (h *HeldListener) Take() net.Listener {
	h.mu.Lock()
	defer h.mu.Unlock()
	ln := h.ln
	h.ln = nil
	return ln
}

// CloseHeld closes the listener if Run never took it.
func (h *HeldListener) CloseHeld() error {
	if ln := h.Take(); ln != nil {
		return ln.Close()
	}
	return nil
}
