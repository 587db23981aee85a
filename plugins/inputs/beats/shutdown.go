package beats

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Graceful stop. When the pipeline stops the input (a shutdown, a reload),
// closing every connection at once would leave the windows in flight
// unacknowledged although their events were accepted: the clients would
// send them again, and every reload would duplicate events. Instead:
//
//  1. the listener closes (new connections are refused);
//  2. a connection between two windows is closed at once (nothing of it is
//     in the pipeline), and a window frame that arrives from now on is not
//     started (the client sends it again elsewhere or later);
//  3. a connection inside a window reads the rest of it, pushes it and
//     writes its ACK, then closes;
//  4. after shutdownGrace, connections still waiting (a pipeline that
//     cannot take the events, a client that stopped mid-window) are
//     closed without an ACK; their clients resend.
//
// A connection is closed by first shutting down its sending side and
// reading (and discarding) what the client still sends until it closes,
// for at most lingerTimeout: closing a socket with unread data makes the
// kernel reset the connection, and a reset can discard the last ACK before
// a pipelining client (Filebeat's `pipelining`) read it.

// defaultShutdownGrace bounds how long a stopping input waits for the
// windows in flight; the http input waits as long for its requests.
const defaultShutdownGrace = 10 * time.Second

// lingerTimeout bounds the wait for a client to close its side after the
// last ACK.
const lingerTimeout = 500 * time.Millisecond

// errDraining ends a connection when the input stops between two windows.
var errDraining = errors.New("input stopping")

// drainer tracks the connections of one Run and tells them to stop.
type drainer struct {
	grace time.Duration

	mu       sync.Mutex
	conns    map[*conn]struct{}
	stopping bool
	deadline time.Time
	idle     chan struct{} // closed once stopping and no connection is left
}

func newDrainer(grace time.Duration) *drainer {
	return &drainer{grace: grace, conns: map[*conn]struct{}{}, idle: make(chan struct{})}
}

// add registers c; false means the input is stopping and c must close.
func (d *drainer) add(c *conn) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopping {
		return false
	}
	d.conns[c] = struct{}{}
	return true
}

func (d *drainer) remove(c *conn) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.conns, c)
	if d.stopping && len(d.conns) == 0 {
		select {
		case <-d.idle:
		default:
			close(d.idle)
		}
	}
}

// stop tells every connection to finish its window and returns how many
// there were.
func (d *drainer) stop() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopping = true
	d.deadline = time.Now().Add(d.grace)
	for c := range d.conns {
		c.drain(d.deadline)
	}
	if len(d.conns) == 0 {
		close(d.idle)
	}
	return len(d.conns)
}

// left returns the number of connections not yet closed.
func (d *drainer) left() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.conns)
}

// drainListener holds back the accept loop's end until the connections
// drained: netutil.Server closes every connection as soon as its
// listener fails.
type drainListener struct {
	net.Listener
	drained <-chan struct{}
}

func (l *drainListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil && errors.Is(err, net.ErrClosed) {
		<-l.drained
	}
	return c, err
}

// drain makes c stop after its current window: a read waiting between two
// windows ends now, one inside a window at deadline at the latest.
func (c *conn) drain(deadline time.Time) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.draining, c.deadline = true, deadline
	if c.inWindow {
		_ = c.nc.SetReadDeadline(deadline)
	} else {
		_ = c.nc.SetReadDeadline(time.Now())
	}
}

// isDraining reports whether the input is stopping.
func (c *conn) isDraining() bool {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	return c.draining
}

// windowOpen marks the start of a window; it fails when the input is
// stopping, so that no new window is taken.
func (c *conn) windowOpen() error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	if c.draining {
		return errDraining
	}
	c.inWindow = true
	return nil
}

// windowClosed marks the end of a window (its ACK was written); it fails
// when the input is stopping, which ends the connection.
func (c *conn) windowClosed() error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.inWindow = false
	if c.draining {
		return errDraining
	}
	return nil
}

// readDeadline returns the deadline of the next read, or errDraining when
// the input is stopping and no window is open.
func (c *conn) readDeadline(idle time.Duration) (time.Time, error) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	dl := time.Now().Add(idle)
	if c.draining {
		if !c.inWindow {
			return time.Time{}, errDraining
		}
		if c.deadline.Before(dl) {
			dl = c.deadline
		}
	}
	return dl, nil
}

// closeWrite is implemented by *net.TCPConn and *tls.Conn.
type closeWriter interface{ CloseWrite() error }

// linger shuts down the sending side of c's connection and discards what
// the client still sends until it closes its side, at most lingerTimeout.
func (c *conn) linger() {
	cw, ok := c.nc.(closeWriter)
	if !ok || cw.CloseWrite() != nil {
		return
	}
	if err := c.nc.SetReadDeadline(time.Now().Add(lingerTimeout)); err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(c.nc, 64<<20))
}
