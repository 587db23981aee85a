package lumberjack

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zlib"
	ljproto "github.com/sluicelog/sluice/internal/lumberjack"
	"github.com/sluicelog/sluice/internal/netutil"
)

// options are the settings the connections need.
type options struct {
	loadBalance bool
	workers     int
	bulkMax     int
	level       int
	ttl         time.Duration
	timeout     time.Duration
	backoffInit time.Duration
	backoffMax  time.Duration
	tls         *netutil.TLSOptions
}

// docs are the JSON documents of one Write: document i is
// buf[ends[i-1]:ends[i]].
type docs struct {
	buf  []byte
	ends []int
}

func (d *docs) doc(i int) []byte {
	start := 0
	if i > 0 {
		start = d.ends[i-1]
	}
	return d.buf[start:d.ends[i]]
}

var docsPool = sync.Pool{New: func() any { return &docs{} }}

func getDocs() *docs { return docsPool.Get().(*docs) }

func putDocs(d *docs) {
	if cap(d.buf) > 16<<20 {
		return
	}
	d.buf, d.ends = d.buf[:0], d.ends[:0]
	docsPool.Put(d)
}

// host is one server with its connection slots. A slot holds an open
// connection or nil (not connected yet, or closed after a failure).
type host struct {
	addr string
	idle chan *conn

	mu       sync.Mutex
	failures int
	retryAt  time.Time
}

// pool sends windows over the hosts' connections.
type pool struct {
	hosts   []*host
	opts    options
	log     *slog.Logger
	rr      atomic.Uint32
	primary atomic.Int32
	win     window
	closed  chan struct{}
	once    sync.Once
	// dial opens a connection (replaced in tests).
	dial func(ctx context.Context, addr string) (net.Conn, error)
}

func newPool(addrs []string, opts options, log *slog.Logger) *pool {
	p := &pool{opts: opts, log: log, closed: make(chan struct{})}
	for _, a := range addrs {
		h := &host{addr: a, idle: make(chan *conn, opts.workers)}
		for range opts.workers {
			h.idle <- nil
		}
		p.hosts = append(p.hosts, h)
	}
	// Without load balancing Filebeat picks one host at random.
	p.primary.Store(int32(rand.IntN(len(p.hosts))))
	p.win = window{size: opts.bulkMax, ceiling: opts.bulkMax, max: opts.bulkMax}
	p.dial = p.dialTCP
	return p
}

func (p *pool) dialTCP(ctx context.Context, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: p.opts.timeout, KeepAlive: 30 * time.Second}
	if p.opts.tls == nil {
		return d.DialContext(ctx, "tcp", addr)
	}
	hostName, _, _ := net.SplitHostPort(addr)
	cfg, err := netutil.ClientConfig(p.opts.tls, hostName)
	if err != nil {
		return nil, err
	}
	td := tls.Dialer{NetDialer: &d, Config: cfg}
	return td.DialContext(ctx, "tcp", addr)
}

var errClosed = errors.New("lumberjack output closed")

// send delivers every document, window by window, and returns once the
// server acknowledged all of them, or ctx is done.
func (p *pool) send(ctx context.Context, d *docs) error {
	n := len(d.ends)
	next := 0
	for next < n {
		end := min(n, next+p.win.get())
		h, c, err := p.acquire(ctx)
		if err != nil {
			return err
		}
		acked, err := c.sendWindow(ctx, d, next, end, p.opts)
		next += acked
		if err != nil {
			if ctx.Err() != nil {
				// Stopping: not the host's fault.
				c.close()
				h.idle <- nil
				return ctx.Err()
			}
			if acked == 0 {
				p.win.failed(end - next)
			}
			p.fail(h, c, err, end-next)
			continue
		}
		p.win.succeeded()
		p.release(h, c)
	}
	return nil
}

// window sizes the Lumberjack windows. A window that fails without any
// acknowledgement may have been refused for its size (a server's
// max_window_size): the size and the ceiling it may grow back to are
// halved. Each success doubles the size up to the ceiling; after
// resetAfter successes in a row the ceiling is bulk_max_size again, so a
// transient failure costs little.
type window struct {
	mu                 sync.Mutex
	size, ceiling, max int
	successes          int
}

const resetAfter = 64

func (w *window) get() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.size
}

// failed records a window of n events that got no acknowledgement.
func (w *window) failed(n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.successes = 0
	if n < w.size {
		return // a short window says nothing about the server's limit
	}
	w.size = max(1, w.size/2)
	w.ceiling = w.size
}

func (w *window) succeeded() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.successes++
	if w.successes >= resetAfter {
		w.ceiling = w.max
	}
	w.size = min(w.size*2, w.ceiling)
}

// acquire returns a connected slot of a host that is not backing off,
// waiting for one to be free.
func (p *pool) acquire(ctx context.Context) (*host, *conn, error) {
	for {
		h, wait := p.pick()
		if h == nil {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, nil, ctx.Err()
			case <-p.closed:
				t.Stop()
				return nil, nil, errClosed
			case <-t.C:
			}
			continue
		}
		var c *conn
		select {
		case c = <-h.idle:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-p.closed:
			return nil, nil, errClosed
		}
		if c != nil && p.opts.ttl > 0 && time.Since(c.created) > p.opts.ttl {
			c.close()
			c = nil
		}
		if c == nil {
			nc, err := p.dial(ctx, h.addr)
			if err != nil {
				if ctx.Err() != nil {
					h.idle <- nil
					return nil, nil, ctx.Err()
				}
				p.fail(h, nil, fmt.Errorf("connect: %w", err), 0)
				continue
			}
			c = newConn(nc)
			p.log.Debug("connected", "host", h.addr)
		}
		return h, c, nil
	}
}

// pick chooses the host for the next window: round robin with load
// balancing, else the primary host; hosts backing off are skipped. When
// every host backs off it returns nil and how long to wait.
func (p *pool) pick() (*host, time.Duration) {
	nh := len(p.hosts)
	start := int(p.primary.Load())
	if p.opts.loadBalance {
		start = int(p.rr.Add(1) % uint32(nh))
	}
	now := time.Now()
	wait := time.Duration(-1)
	for i := range nh {
		h := p.hosts[(start+i)%nh]
		h.mu.Lock()
		at := h.retryAt
		h.mu.Unlock()
		if !now.Before(at) {
			return h, 0
		}
		if w := at.Sub(now); wait < 0 || w < wait {
			wait = w
		}
	}
	return nil, wait
}

// release puts a healthy connection back and clears the host's failures.
func (p *pool) release(h *host, c *conn) {
	h.mu.Lock()
	if h.failures > 0 {
		p.log.Info("host is back", "host", h.addr)
	}
	h.failures = 0
	h.mu.Unlock()
	select {
	case <-p.closed:
		c.close()
		c = nil
	default:
	}
	h.idle <- c
}

// fail closes a failed connection, puts the host into backoff and, without
// load balancing, moves the other windows to the next host.
func (p *pool) fail(h *host, c *conn, err error, unacked int) {
	if c != nil {
		c.close()
	}
	h.mu.Lock()
	now := time.Now()
	newRound := !now.Before(h.retryAt)
	if newRound {
		// Failures while the host already backs off are the same round's
		// (several workers tried at once): they count once, or the delay
		// would grow fourfold per round with two workers.
		h.failures++
		h.retryAt = now.Add(backoff(p.opts.backoffInit, p.opts.backoffMax, h.failures))
	}
	wait, failures := h.retryAt.Sub(now), h.failures
	h.mu.Unlock()
	select {
	case <-p.closed:
	default:
		level := slog.LevelWarn
		if !newRound && unacked == 0 {
			level = slog.LevelDebug // the round's failure was logged already
		}
		p.log.Log(context.Background(), level, "connection to host failed; unacknowledged events go to the next available host",
			"host", h.addr, "error", err, "unacknowledged", unacked, "failures", failures, "retry_in", wait.Round(time.Millisecond))
	}
	if !p.opts.loadBalance {
		for i, x := range p.hosts {
			if x == h {
				p.primary.CompareAndSwap(int32(i), int32((i+1)%len(p.hosts)))
			}
		}
	}
	h.idle <- nil
}

// backoff is Filebeat's equal-jitter backoff: the nth consecutive failure
// waits between half and all of init·2ⁿ⁻¹, capped at max.
func backoff(init, max time.Duration, n int) time.Duration {
	d := init
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	half := d / 2
	return half + rand.N(d-half+1)
}

func (p *pool) close() {
	p.once.Do(func() { close(p.closed) })
	for _, h := range p.hosts {
		for {
			select {
			case c := <-h.idle:
				if c != nil {
					c.close()
				}
				continue
			default:
			}
			break
		}
	}
}

// conn is one connection to a server.
type conn struct {
	nc      net.Conn
	br      *bufio.Reader
	created time.Time
	frames  []byte // the window's J frames
	out     []byte // what is written
	zw      *zlib.Writer
	zlevel  int
	ack     [6]byte
}

func newConn(nc net.Conn) *conn {
	return &conn{nc: nc, br: bufio.NewReaderSize(nc, 512), created: time.Now()}
}

func (c *conn) close() { c.nc.Close() }

type bufWriter struct{ b *[]byte }

func (w bufWriter) Write(p []byte) (int, error) { *w.b = append(*w.b, p...); return len(p), nil }

// sendWindow sends documents [from, to) as one window and waits for the
// server's acknowledgements. It returns how many of them the server
// acknowledged (all of them when err is nil; partial acknowledgements
// count when the connection fails later).
func (c *conn) sendWindow(ctx context.Context, d *docs, from, to int, opts options) (int, error) {
	count := to - from
	c.out = ljproto.AppendWindow(c.out[:0], ljproto.V2, uint32(count))
	if opts.level == 0 {
		for i := from; i < to; i++ {
			c.out = ljproto.AppendJSON(c.out, uint32(i-from+1), d.doc(i))
		}
	} else {
		c.frames = c.frames[:0]
		for i := from; i < to; i++ {
			c.frames = ljproto.AppendJSON(c.frames, uint32(i-from+1), d.doc(i))
		}
		c.out = append(c.out, ljproto.V2, ljproto.TypeCompressed, 0, 0, 0, 0)
		off := len(c.out)
		if c.zw == nil || c.zlevel != opts.level {
			zw, err := zlib.NewWriterLevel(bufWriter{&c.out}, opts.level)
			if err != nil {
				return 0, err
			}
			c.zw, c.zlevel = zw, opts.level
		} else {
			c.zw.Reset(bufWriter{&c.out})
		}
		if _, err := c.zw.Write(c.frames); err != nil {
			return 0, err
		}
		if err := c.zw.Close(); err != nil {
			return 0, err
		}
		binary.BigEndian.PutUint32(c.out[off-4:off], uint32(len(c.out)-off))
		if cap(c.frames) > 8<<20 {
			c.frames = nil
		}
	}

	// A cancelled ctx interrupts the write or the wait at once.
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	if err := c.nc.SetWriteDeadline(time.Now().Add(opts.timeout)); err != nil {
		return 0, err
	}
	_, err := c.nc.Write(c.out)
	if cap(c.out) > 8<<20 {
		c.out = nil
	}
	if err != nil {
		return 0, fmt.Errorf("send window: %w", err)
	}
	acked := 0
	for {
		if err := c.nc.SetReadDeadline(time.Now().Add(opts.timeout)); err != nil {
			return acked, err
		}
		if _, err := io.ReadFull(c.br, c.ack[:]); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
				return acked, fmt.Errorf("no acknowledgement within %s (%d of %d events acknowledged)", opts.timeout, acked, count)
			}
			return acked, fmt.Errorf("read acknowledgement (%d of %d events acknowledged): %w", acked, count, err)
		}
		if c.ack[0] != ljproto.V2 || c.ack[1] != ljproto.TypeACK {
			return acked, fmt.Errorf("server sent %q instead of a v2 ACK frame", c.ack[:2])
		}
		seq := int(binary.BigEndian.Uint32(c.ack[2:]))
		switch {
		case seq > count:
			return acked, fmt.Errorf("server acknowledged sequence %d of a window of %d", seq, count)
		case seq == count:
			return count, nil
		case seq > acked:
			acked = seq // partial acknowledgement
		}
		// seq 0 (or a repeated one) is a keep-alive: the server is
		// working; wait again.
	}
}
