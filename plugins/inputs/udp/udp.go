// Package udp is the udp input: it reads datagrams from a UDP socket and
// decodes each one as a whole message with the codec.
package udp

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/netutil"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindInput,
		Name:        "udp",
		Summary:     "Reads events from UDP datagrams.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Input{} },
	})
}

const description = "Listens on a UDP port. Each datagram is decoded as one whole message by the codec " +
	"(`plain` by default: the datagram is the event's `message`; `json` for one JSON document per datagram, " +
	"as python-logstash's `UDPLogstashHandler` sends). A trailing newline is not needed.\n\n" +
	"One goroutine reads the socket into a queue of `queue_size` datagrams that `workers` goroutines decode. " +
	"When the pipeline is full the queue fills up and then the socket's receive buffer: after that the kernel " +
	"drops datagrams, which is UDP's nature. Raise `receive_buffer_bytes` (and the kernel's " +
	"`net.core.rmem_max`) to absorb bursts.\n\n" +
	"The sender's IP address goes to `host` (ECS disabled) or `[host][ip]` (ECS `v1`, `v8`), or to " +
	"`source_ip_fieldname` when set, unless the event already has that field.\n\n" +
	"### Differences from Logstash\n\n" +
	"- A datagram longer than `buffer_size` is cut by the kernel; Sluice notices it, tags its events " +
	"`_datagramtruncated` and logs a warning (Logstash silently keeps the cut data).\n" +
	"- Datagrams still queued at shutdown are decoded and delivered."

// TruncatedTag marks events from a datagram longer than buffer_size.
const TruncatedTag = "_datagramtruncated"

// Input is the udp input.
type Input struct {
	// Listening offers Ready and Addr (tests bind port 0).
	netutil.Listening

	Host               string
	Port               int
	BufferSize         int
	Codec              plugin.Codec
	ReceiveBufferBytes int
	Workers            int
	QueueSize          int
	SourceIPFieldname  string

	rcvbufSetting *plugin.Setting

	log      *slog.Logger
	sourceIP event.Ref

	mu   sync.Mutex
	conn *net.UDPConn // opened, not yet read

	truncLog netutil.LogLimiter
	fullLog  netutil.LogLimiter
	received atomic.Int64
}

var (
	_ plugin.Input       = (*Input)(nil)
	_ plugin.Initializer = (*Input)(nil)
	_ plugin.Opener      = (*Input)(nil)
	_ plugin.Closer      = (*Input)(nil)
)

// Settings declares the udp input's settings.
func (in *Input) Settings(s *plugin.Settings) {
	s.String(&in.Host, "host", "The address to listen on (`0.0.0.0` for every IPv4 address, `::` for every address).").Default("0.0.0.0")
	s.Int(&in.Port, "port", "The port to listen on (0 picks a free port). Ports below 1024 need privileges.").Required().Example("5000")
	s.Int(&in.BufferSize, "buffer_size", "The largest datagram read, in bytes; longer ones are cut and tagged `_datagramtruncated`.").Default(65536)
	s.Codec(&in.Codec, "codec", "The codec that decodes each datagram (as one whole message).").Default("plain")
	in.rcvbufSetting = s.Int(&in.ReceiveBufferBytes, "receive_buffer_bytes", "The socket's receive buffer size in bytes (SO_RCVBUF). When not set, the operating system's default; the system may grant less than asked (a warning says so).")
	s.Int(&in.Workers, "workers", "Goroutines decoding datagrams.").Default(2)
	s.Int(&in.QueueSize, "queue_size", "Datagrams held in memory between the socket reader and the workers; beyond that, datagrams wait in the socket's receive buffer.").Default(2000)
	s.String(&in.SourceIPFieldname, "source_ip_fieldname", "Field for the sender's IP address, instead of `host` (ECS disabled) or `[host][ip]` (ECS enabled).").Example(`"[source][ip]"`)
}

// Init checks the settings.
func (in *Input) Init(ctx *plugin.Context) error {
	in.log = ctx.Logger
	if in.log == nil {
		in.log = slog.Default()
	}
	switch {
	case in.Port < 0 || in.Port > 65535:
		return fmt.Errorf("port %d is out of range (0-65535)", in.Port)
	case in.BufferSize < 1 || in.BufferSize > 1<<20:
		return fmt.Errorf("buffer_size must be between 1 and 1048576, got %d", in.BufferSize)
	case in.Workers < 1:
		return fmt.Errorf("workers must be at least 1, got %d", in.Workers)
	case in.QueueSize < 1:
		return fmt.Errorf("queue_size must be at least 1, got %d", in.QueueSize)
	case in.rcvbufSetting.Set && in.ReceiveBufferBytes < 1:
		return fmt.Errorf("receive_buffer_bytes must be positive, got %d", in.ReceiveBufferBytes)
	}
	field := in.SourceIPFieldname
	if field == "" {
		field = "host"
		if ctx.ECS() {
			field = "[host][ip]"
		}
	} else if ctx.ECS() {
		in.log.Info("source_ip_fieldname is set: make sure its name fits ECS", "field", field)
	}
	r, err := event.ParseRef(field)
	if err != nil {
		return fmt.Errorf("source_ip_fieldname: %w", err)
	}
	in.sourceIP = r
	return nil
}

// Received returns the number of datagrams read so far.
func (in *Input) Received() int64 { return in.received.Load() }

// packet is one datagram.
type packet struct {
	data      []byte
	from      netip.Addr
	truncated bool
}

// Open binds the socket, so that a port in use is reported when the
// pipeline starts. Run calls it when the engine did not.
func (in *Input) Open(ctx context.Context) error {
	if in.log == nil {
		in.log = slog.Default()
	}
	addr := net.JoinHostPort(in.Host, strconv.Itoa(in.Port))
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, "udp", addr)
	if err != nil {
		in.MarkReady(nil)
		return fmt.Errorf("udp: listen on %s: %w", addr, err)
	}
	conn := pc.(*net.UDPConn)
	rcvSet := in.rcvbufSetting != nil && in.rcvbufSetting.Set
	if rcvSet {
		if err := conn.SetReadBuffer(in.ReceiveBufferBytes); err != nil {
			in.log.Warn("cannot set receive_buffer_bytes", "error", err)
		}
	}
	rcvbuf := receiveBufferSize(conn)
	if rcvSet && rcvbuf >= 0 && rcvbuf < in.ReceiveBufferBytes {
		in.log.Warn("the system granted a smaller receive buffer than receive_buffer_bytes (see net.core.rmem_max)",
			"requested", in.ReceiveBufferBytes, "obtained", rcvbuf)
	}
	in.mu.Lock()
	if in.conn != nil {
		in.conn.Close()
	}
	in.conn = conn
	in.mu.Unlock()
	in.MarkReady(conn.LocalAddr())
	in.log.Info("listening", "address", conn.LocalAddr().String(), "receive_buffer_bytes", rcvbuf, "queue_size", in.QueueSize, "workers", in.Workers)
	return nil
}

// Close closes the socket if Run did not take it.
func (in *Input) Close() error {
	if c := in.takeConn(); c != nil {
		return c.Close()
	}
	return nil
}

func (in *Input) takeConn() *net.UDPConn {
	in.mu.Lock()
	defer in.mu.Unlock()
	c := in.conn
	in.conn = nil
	return c
}

// Run reads datagrams until ctx ends, then decodes and delivers those
// already read and returns nil.
func (in *Input) Run(ctx context.Context, q plugin.Queue) error {
	conn := in.takeConn()
	if conn == nil {
		if err := in.Open(ctx); err != nil {
			return err
		}
		conn = in.takeConn()
	}
	defer conn.Close()

	packets := make(chan packet, in.QueueSize)
	var wg sync.WaitGroup
	for range in.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in.work(ctx, q, packets)
		}()
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	rerr := in.read(ctx, conn, packets)
	stop()
	close(packets)
	wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return rerr
}

// read reads datagrams into slabs of memory shared by consecutive
// packets (one allocation per slab, not per datagram) and queues them.
func (in *Input) read(ctx context.Context, conn *net.UDPConn, out chan<- packet) error {
	slabSize := max(256<<10, 4*in.BufferSize)
	var slab []byte
	for {
		if cap(slab)-len(slab) < in.BufferSize {
			slab = make([]byte, 0, slabSize)
		}
		buf := slab[len(slab) : len(slab)+in.BufferSize]
		n, _, flags, from, err := conn.ReadMsgUDPAddrPort(buf, nil)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("udp: read: %w", err)
		}
		p := packet{data: buf[:n:n], from: from.Addr().Unmap(), truncated: truncated(flags)}
		slab = slab[:len(slab)+n]
		in.received.Add(1)
		if p.truncated {
			if ok, suppressed := in.truncLog.Allow(); ok {
				in.log.Warn("datagram longer than buffer_size was truncated; raise buffer_size",
					"peer", from.String(), "buffer_size", in.BufferSize, "truncated_since_last_log", suppressed)
			}
		}
		select {
		case out <- p:
			continue
		default:
		}
		// The workers are behind (the pipeline is full): while this send
		// waits, datagrams pile up in the socket buffer and then the kernel
		// drops them.
		if ok, suppressed := in.fullLog.Allow(); ok {
			in.log.Warn("queue_size datagrams are waiting for the pipeline; the kernel drops datagrams once the receive buffer is full too",
				"queue_size", in.QueueSize, "times_full_since_last_log", suppressed)
		}
		select {
		case out <- p:
		case <-ctx.Done():
			return nil
		}
	}
}

const maxBatch = 256

// work decodes queued datagrams and pushes their events in batches: it
// takes whatever is queued (up to maxBatch events) before pushing.
func (in *Input) work(ctx context.Context, q plugin.Queue, packets <-chan packet) {
	dec := in.Codec.NewDecoder(plugin.DecoderOptions{MaxBytes: in.BufferSize, Logger: in.log})
	w := &worker{in: in, q: q, ctx: ctx, hosts: map[netip.Addr]any{}}
	w.emit = w.add
	for p := range packets {
		w.decode(dec, p)
	more:
		for len(w.batch) < maxBatch {
			select {
			case p, ok := <-packets:
				if !ok {
					break more
				}
				w.decode(dec, p)
			default:
				break more
			}
		}
		if ctx.Err() != nil && w.ctx == ctx {
			// Shutting down: deliver what was read, with a grace period.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			w.ctx = dctx
		}
		w.push()
	}
}

type worker struct {
	in    *Input
	q     plugin.Queue
	ctx   context.Context
	batch []*event.Event
	cur   *packet
	host  any
	hosts map[netip.Addr]any // sender IPs as boxed strings
	emit  func(*event.Event)
}

func (w *worker) decode(dec plugin.Decoder, p packet) {
	w.cur = &p
	h, ok := w.hosts[p.from]
	if !ok {
		if len(w.hosts) >= 1024 {
			clear(w.hosts)
		}
		h = p.from.String()
		w.hosts[p.from] = h
	}
	w.host = h
	plugin.DecodeMessage(dec, p.data, w.emit)
	w.cur = nil
}

func (w *worker) add(e *event.Event) {
	if old, ok := e.Get(w.in.sourceIP); !ok || old == nil {
		_ = e.Set(w.in.sourceIP, w.host)
	}
	if w.cur != nil && w.cur.truncated {
		e.AddTag(TruncatedTag)
	}
	w.batch = append(w.batch, e)
	if len(w.batch) >= 4*maxBatch {
		w.push()
	}
}

func (w *worker) push() {
	if len(w.batch) == 0 {
		return
	}
	if err := w.q.Push(w.ctx, w.batch, nil); err != nil {
		w.in.log.Warn("events not accepted by the pipeline", "events", len(w.batch), "error", err)
	}
	clear(w.batch)
	w.batch = w.batch[:0]
}
