package syslog

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

const (
	// Reads start with a small buffer (idle connections stay cheap) that
	// doubles up to maxReadBuf while reads fill it.
	minReadBuf = 4 << 10
	maxReadBuf = 64 << 10
	// maxBatch bounds the events pushed at once.
	maxBatch = 512
	// drainTimeout bounds the push of the last events at shutdown.
	drainTimeout = 2 * time.Second
	// maxProxyHeader is the longest PROXY protocol v1 header, CRLF included.
	maxProxyHeader = 107
	// udpBufferSize is the largest datagram read (the largest UDP payload).
	udpBufferSize = 65535
	// udpQueue bounds the datagrams read but not yet parsed.
	udpQueue = 2000
)

// batcher decodes messages, parses them as syslog and pushes the events in
// batches. It is used by one goroutine.
type batcher struct {
	in      *Input
	q       plugin.Queue
	log     *slog.Logger
	dec     plugin.Decoder
	ctx     context.Context
	ip      any // the sender's address, boxed
	tooLong bool
	batch   []*event.Event
	err     error // the first failed push
	emit    func(*event.Event)
}

func (in *Input) newBatcher(ctx context.Context, q plugin.Queue, log *slog.Logger) *batcher {
	b := &batcher{in: in, q: q, log: log, ctx: ctx}
	b.dec = in.Codec.NewDecoder(plugin.DecoderOptions{MaxBytes: int(in.MaxEventSize), Logger: log})
	b.emit = b.add
	return b
}

// message decodes one framed message.
func (b *batcher) message(msg []byte, truncated bool) {
	b.tooLong = truncated
	if truncated {
		if ok, suppressed := b.in.longLog.Allow(); ok {
			b.log.Warn("message longer than max_event_size was cut", "max_event_size", b.in.MaxEventSize, "cut_since_last_log", suppressed)
		}
	}
	plugin.DecodeMessage(b.dec, msg, b.emit)
	b.tooLong = false
}

func (b *batcher) add(e *event.Event) {
	b.in.fields.apply(&b.in.parser, e, b.ip)
	if b.tooLong {
		e.AddTag(TooLongTag)
	}
	b.batch = append(b.batch, e)
	if len(b.batch) >= maxBatch {
		b.push()
	}
}

// push hands the batch to the queue, blocking while the pipeline is full
// (meanwhile a TCP connection is not read).
func (b *batcher) push() {
	if len(b.batch) == 0 {
		return
	}
	if b.err == nil {
		if err := b.q.Push(b.ctx, b.batch, nil); err != nil {
			b.err = fmt.Errorf("push: %w", err)
			b.log.Warn("events not accepted by the pipeline", "events", len(b.batch), "error", err)
		}
	}
	clear(b.batch)
	b.batch = b.batch[:0]
}

// serveConn reads one TCP connection until it ends. The caller closes c.
func (in *Input) serveConn(ctx context.Context, q plugin.Queue, c net.Conn) {
	log := in.log.With("peer", c.RemoteAddr().String())
	b := in.newBatcher(ctx, q, log)
	b.ip = addrIP(c.RemoteAddr())
	log.Debug("connection opened")
	err := in.readConn(ctx, b, c)
	switch {
	case err == nil:
		log.Debug("connection closed")
	case ctx.Err() != nil:
		log.Debug("connection closed at shutdown", "error", err)
	case errors.Is(err, syscall.ECONNRESET):
		log.Debug("connection reset by peer")
	default:
		log.Warn("connection error; closing connection", "error", err)
	}
}

func (in *Input) readConn(ctx context.Context, b *batcher, c net.Conn) error {
	var r io.Reader = c
	if in.ProxyProtocol {
		br := bufio.NewReaderSize(c, 512)
		ip, err := readProxyHeader(br)
		if err != nil {
			return err
		}
		if ip != "" {
			b.ip = ip
		}
		r = br
	}
	f := framer{max: int(in.MaxEventSize)}
	buf := make([]byte, minReadBuf)
	var rerr error
	for rerr == nil && b.err == nil {
		var n int
		n, rerr = r.Read(buf)
		if n > 0 {
			f.feed(buf[:n], b.message)
			b.push()
			if n == len(buf) && len(buf) < maxReadBuf {
				buf = make([]byte, 2*len(buf))
			}
		}
	}
	if b.err != nil {
		return b.err
	}
	if ctx.Err() != nil {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
		defer cancel()
		b.ctx = dctx
	}
	f.flush(b.message)
	b.push()
	if b.err != nil {
		return b.err
	}
	if errors.Is(rerr, io.EOF) {
		return nil
	}
	return rerr
}

// readProxyHeader reads a PROXY protocol v1 header line and returns the
// source address it names ("" for PROXY UNKNOWN).
func readProxyHeader(br *bufio.Reader) (string, error) {
	var line []byte
	for len(line) < maxProxyHeader {
		c, err := br.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) && len(line) == 0 {
				return "", io.EOF
			}
			return "", fmt.Errorf("invalid PROXY protocol header %q: %w", line, err)
		}
		if c == '\n' {
			h := strings.TrimSuffix(string(line), "\r")
			f := strings.Fields(h)
			if len(f) >= 2 && f[0] == "PROXY" && f[1] == "UNKNOWN" {
				return "", nil
			}
			if len(f) != 6 || f[0] != "PROXY" || (f[1] != "TCP4" && f[1] != "TCP6") {
				return "", fmt.Errorf("invalid PROXY protocol header %q", h)
			}
			ip, err := netip.ParseAddr(f[2])
			if err != nil {
				return "", fmt.Errorf("invalid PROXY protocol header %q: %w", h, err)
			}
			return ip.Unmap().String(), nil
		}
		line = append(line, c)
	}
	return "", fmt.Errorf("invalid PROXY protocol header: no line end in the first %d bytes", maxProxyHeader)
}

// addrIP returns a's IP address as text.
func addrIP(a net.Addr) string {
	switch x := a.(type) {
	case *net.TCPAddr:
		return x.AddrPort().Addr().Unmap().String()
	case *net.UDPAddr:
		return x.AddrPort().Addr().Unmap().String()
	}
	if a == nil {
		return ""
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap().String()
	}
	return a.String()
}

// datagram is one UDP message.
type datagram struct {
	data []byte
	from netip.Addr
}

// serveUDP reads datagrams until ctx ends; a worker parses them and pushes
// the events. Datagrams read before shutdown are delivered.
func (in *Input) serveUDP(ctx context.Context, q plugin.Queue, conn *net.UDPConn) error {
	defer conn.Close()
	packets := make(chan datagram, udpQueue)
	done := make(chan struct{})
	go func() {
		defer close(done)
		in.udpWorker(ctx, q, packets)
	}()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	err := in.readUDP(ctx, conn, packets)
	stop()
	close(packets)
	<-done
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// readUDP reads datagrams into slabs of memory shared by consecutive
// datagrams (one allocation per slab, not per datagram).
func (in *Input) readUDP(ctx context.Context, conn *net.UDPConn, out chan<- datagram) error {
	const slabSize = 256 << 10
	var slab []byte
	for {
		if cap(slab)-len(slab) < udpBufferSize {
			slab = make([]byte, 0, max(slabSize, udpBufferSize))
		}
		buf := slab[len(slab) : len(slab)+udpBufferSize]
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("syslog: udp read: %w", err)
		}
		d := datagram{data: buf[:n:n], from: from.Addr().Unmap()}
		slab = slab[:len(slab)+n]
		select {
		case out <- d:
			continue
		default:
		}
		if ok, suppressed := in.fullLog.Allow(); ok {
			in.log.Warn("the pipeline is behind: UDP datagrams wait in the socket buffer, and the kernel drops them once it is full",
				"queued", udpQueue, "times_full_since_last_log", suppressed)
		}
		select {
		case out <- d:
		case <-ctx.Done():
			return nil
		}
	}
}

func (in *Input) udpWorker(ctx context.Context, q plugin.Queue, packets <-chan datagram) {
	b := in.newBatcher(ctx, q, in.log)
	ips := map[netip.Addr]any{}
	handle := func(d datagram) {
		ip, ok := ips[d.from]
		if !ok {
			if len(ips) >= 1024 {
				clear(ips)
			}
			ip = d.from.String()
			ips[d.from] = ip
		}
		b.ip = ip
		data := d.data
		truncated := false
		if len(data) > int(in.MaxEventSize) {
			data, truncated = data[:in.MaxEventSize], true
		}
		b.message(data, truncated)
	}
	for d := range packets {
		handle(d)
	more:
		for len(b.batch) < maxBatch {
			select {
			case d, ok := <-packets:
				if !ok {
					break more
				}
				handle(d)
			default:
				break more
			}
		}
		if ctx.Err() != nil && b.ctx == ctx {
			// Shutting down: deliver what was read, with a grace period.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
			defer cancel()
			b.ctx = dctx
		}
		b.err = nil // a failed push loses that batch only; keep reading
		b.push()
	}
}
