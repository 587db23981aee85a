package tcp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
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
	// drainTimeout bounds, at shutdown, the wait for the pipeline to take
	// the events of bytes already read (a push waiting for room, the
	// decoder's last line).
	drainTimeout = 2 * time.Second
)

// source is what the input knows about a connection's sender.
type source struct {
	name, ip  string
	port      int64
	proxyIP   string
	proxyPort int64
	hasProxy  bool
	subject   string

	// The values above converted to interfaces once per connection, not
	// once per event.
	boxed struct{ name, ip, port, proxyIP, proxyPort, subject any }
}

func (s *source) box() {
	b := &s.boxed
	b.name, b.ip, b.port = s.name, s.ip, s.port
	b.proxyIP, b.proxyPort, b.subject = s.proxyIP, s.proxyPort, s.subject
}

// fieldNames are the fields where connection metadata goes.
type fieldNames struct {
	ecs                                         bool
	name, ip, port, proxyIP, proxyPort, subject event.Ref
}

func newFieldNames(ecs bool) fieldNames {
	if ecs {
		return fieldNames{
			ecs:       true,
			name:      event.MustRef("[@metadata][input][tcp][source][name]"),
			ip:        event.MustRef("[@metadata][input][tcp][source][ip]"),
			port:      event.MustRef("[@metadata][input][tcp][source][port]"),
			proxyIP:   event.MustRef("[@metadata][input][tcp][proxy][ip]"),
			proxyPort: event.MustRef("[@metadata][input][tcp][proxy][port]"),
			subject:   event.MustRef("[@metadata][input][tcp][tls][client][subject]"),
		}
	}
	return fieldNames{
		name:      event.MustRef("host"),
		ip:        event.MustRef("[@metadata][ip_address]"),
		port:      event.MustRef("port"),
		proxyIP:   event.MustRef("proxy_host"),
		proxyPort: event.MustRef("proxy_port"),
		subject:   event.MustRef("sslsubject"),
	}
}

// stream decodes one connection's bytes and pushes the events in batches.
type stream struct {
	in    *Input
	q     plugin.Queue
	log   *slog.Logger
	dec   plugin.Decoder
	src   source
	ctx   context.Context
	batch []*event.Event
	err   error // the first failed push
	emit  func(*event.Event)
}

func newStream(in *Input, q plugin.Queue, log *slog.Logger) *stream {
	s := &stream{in: in, q: q, log: log}
	s.dec = plugin.NewStreamDecoder(in.Codec, plugin.DecoderOptions{MaxBytes: int(in.MaxEventSize), Logger: log})
	s.emit = s.add
	return s
}

// run reads r until it ends or fails, decoding and pushing as it goes; at
// the end the decoder is flushed, so a last line without a newline is
// delivered. It returns nil at EOF.
func (s *stream) run(ctx context.Context, r io.Reader) error {
	// Pushes outlive ctx by drainTimeout: at shutdown the pipeline still
	// takes events for a moment, so events decoded from bytes already read
	// (a push waiting for room, the decoder's last line) are not lost.
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stopWatch := context.AfterFunc(ctx, func() { time.AfterFunc(drainTimeout, cancel) })
	defer stopWatch()
	s.ctx = pctx
	buf := make([]byte, minReadBuf)
	var rerr error
	// A decoder that holds data back (multiline) is flushed once the
	// connection was idle for its interval: while it may hold data, reads
	// have a deadline.
	idle := idleInterval(s.dec)
	dl, _ := r.(interface{ SetReadDeadline(time.Time) error })
	if dl == nil {
		idle = 0
	}
	pending, deadline := false, false
	if s.in.ProxyProtocol {
		var rest []byte
		rest, rerr = s.readProxyHeader(r, buf)
		if rerr == nil && len(rest) > 0 {
			s.decode(rest)
			pending = idle > 0
		}
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return rerr
		}
	}
	for rerr == nil && s.err == nil {
		if pending {
			_ = dl.SetReadDeadline(time.Now().Add(idle))
			deadline = true
		} else if deadline {
			_ = dl.SetReadDeadline(time.Time{})
			deadline = false
		}
		var n int
		n, rerr = r.Read(buf)
		if n > 0 {
			pending = idle > 0
			s.decode(buf[:n])
			if n == len(buf) && len(buf) < maxReadBuf {
				buf = make([]byte, 2*len(buf))
			}
		}
		if deadline && rerr != nil && errors.Is(rerr, os.ErrDeadlineExceeded) && ctx.Err() == nil {
			// Idle: deliver what the decoder holds, then wait for more
			// bytes without a deadline.
			rerr, pending = nil, false
			s.dec.Flush(s.emit)
			s.push()
		}
	}
	if s.err != nil {
		return s.err
	}
	// The connection ended: deliver what the decoder still holds.
	s.dec.Flush(s.emit)
	s.push()
	if s.err != nil {
		return s.err
	}
	if errors.Is(rerr, io.EOF) {
		return nil
	}
	return rerr
}

// idleInterval is the decoder's idle flush interval (0: none).
func idleInterval(d plugin.Decoder) time.Duration {
	if f, ok := d.(plugin.IdleFlusher); ok {
		return max(f.IdleFlushInterval(), 0)
	}
	return 0
}

func (s *stream) decode(p []byte) {
	s.dec.Decode(p, s.emit)
	s.push()
}

// add decorates e with the connection's metadata and batches it.
func (s *stream) add(e *event.Event) {
	f, b := &s.in.fields, &s.src.boxed
	if b.name == nil {
		s.src.box()
	}
	if f.ecs {
		if md := e.Metadata(); md["input"] == nil {
			// The usual case: build [@metadata][input][tcp] directly.
			md["input"] = map[string]any{"tcp": s.tcpMetadata()}
			s.append(e)
			return
		}
	}
	setIfAbsent(e, f.name, b.name)
	setIfAbsent(e, f.ip, b.ip)
	setIfAbsent(e, f.port, b.port)
	if s.src.hasProxy {
		setIfAbsent(e, f.proxyIP, b.proxyIP)
		setIfAbsent(e, f.proxyPort, b.proxyPort)
	}
	if s.src.subject != "" {
		setIfAbsent(e, f.subject, b.subject)
	}
	s.append(e)
}

// tcpMetadata returns a new [@metadata][input][tcp] map (ECS mode).
func (s *stream) tcpMetadata() map[string]any {
	b := &s.src.boxed
	src := make(map[string]any, 3)
	src["name"], src["ip"], src["port"] = b.name, b.ip, b.port
	tcp := make(map[string]any, 3)
	tcp["source"] = src
	if s.src.hasProxy {
		tcp["proxy"] = map[string]any{"ip": b.proxyIP, "port": b.proxyPort}
	}
	if s.src.subject != "" {
		tcp["tls"] = map[string]any{"client": map[string]any{"subject": b.subject}}
	}
	return tcp
}

func (s *stream) append(e *event.Event) {
	s.batch = append(s.batch, e)
	if len(s.batch) >= maxBatch {
		s.push()
	}
}

// push hands the batch to the queue (blocking while the pipeline is full:
// meanwhile this connection is not read).
func (s *stream) push() {
	if len(s.batch) == 0 {
		return
	}
	if s.err == nil {
		if err := s.q.Push(s.ctx, s.batch, nil); err != nil {
			s.err = fmt.Errorf("push: %w", err)
			s.log.Warn("events not accepted by the pipeline", "events", len(s.batch), "error", err)
		}
	}
	clear(s.batch)
	s.batch = s.batch[:0]
}

func setIfAbsent(e *event.Event, r event.Ref, v any) {
	if old, ok := e.Get(r); ok && old != nil {
		return
	}
	_ = e.Set(r, v) // fails only when a parent holds a scalar: then keep the event's value
}

// maxProxyHeader is the longest PROXY protocol v1 header, CRLF included.
const maxProxyHeader = 107

// readProxyHeader reads a PROXY protocol v1 header into buf (at least
// maxProxyHeader+1 long), fills s.src from it and returns the bytes read
// after it.
func (s *stream) readProxyHeader(r io.Reader, buf []byte) ([]byte, error) {
	n := 0
	for {
		if i := bytes.Index(buf[:n], []byte("\r\n")); i >= 0 {
			if err := s.parseProxyHeader(string(buf[:i])); err != nil {
				return nil, err
			}
			return buf[i+2 : n], nil
		}
		if n >= maxProxyHeader {
			return nil, fmt.Errorf("invalid PROXY protocol header: no CRLF in the first %d bytes", maxProxyHeader)
		}
		m, err := r.Read(buf[n : maxProxyHeader+1])
		n += m
		if err != nil {
			if i := bytes.Index(buf[:n], []byte("\r\n")); i >= 0 {
				continue
			}
			if errors.Is(err, io.EOF) {
				if n == 0 {
					return nil, io.EOF
				}
				return nil, fmt.Errorf("invalid PROXY protocol header: connection closed after %q", buf[:n])
			}
			return nil, err
		}
	}
}

// parseProxyHeader parses "PROXY TCP4 src dst sport dport" (or "PROXY
// UNKNOWN ...", which keeps the connection's own address).
func (s *stream) parseProxyHeader(h string) error {
	f := strings.Fields(h)
	if len(f) < 2 || f[0] != "PROXY" {
		return fmt.Errorf("invalid PROXY protocol header %q", h)
	}
	if f[1] == "UNKNOWN" {
		return nil
	}
	if (f[1] != "TCP4" && f[1] != "TCP6") || len(f) != 6 {
		return fmt.Errorf("invalid PROXY protocol header %q", h)
	}
	src, err1 := netip.ParseAddr(f[2])
	dst, err2 := netip.ParseAddr(f[3])
	sport, err3 := strconv.ParseUint(f[4], 10, 16)
	dport, err4 := strconv.ParseUint(f[5], 10, 16)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return fmt.Errorf("invalid PROXY protocol header %q: %w", h, err)
	}
	s.src.ip = src.String()
	s.src.name = s.in.hostName(s.ctx, src)
	s.src.port = int64(sport)
	s.src.proxyIP = dst.String()
	s.src.proxyPort = int64(dport)
	s.src.hasProxy = true
	s.src.box()
	return nil
}

// source describes a connection's peer.
func (in *Input) source(ctx context.Context, a net.Addr) source {
	var ap netip.AddrPort
	if ta, ok := a.(*net.TCPAddr); ok {
		ap = ta.AddrPort()
	} else if a != nil {
		ap, _ = netip.ParseAddrPort(a.String())
	}
	ip := ap.Addr().Unmap()
	return source{name: in.hostName(ctx, ip), ip: ip.String(), port: int64(ap.Port())}
}

// hostName returns ip's name by reverse DNS when enabled (cached), else
// the IP as text.
func (in *Input) hostName(ctx context.Context, ip netip.Addr) string {
	if !in.DNSReverseLookup || !ip.IsValid() {
		return ip.String()
	}
	return in.dns.lookup(ctx, ip)
}

// dnsCache remembers reverse DNS answers (and failures) for a while, so
// that many short connections from one host cost one lookup.
type dnsCache struct {
	mu      sync.Mutex
	entries map[netip.Addr]dnsEntry
}

type dnsEntry struct {
	name    string
	expires time.Time
}

const (
	dnsTTL          = 5 * time.Minute
	dnsTimeout      = 2 * time.Second
	dnsCacheEntries = 4096
)

func (c *dnsCache) lookup(ctx context.Context, ip netip.Addr) string {
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.entries[ip]; ok && now.Before(e.expires) {
		c.mu.Unlock()
		return e.name
	}
	c.mu.Unlock()
	name := ip.String()
	lctx, cancel := context.WithTimeout(ctx, dnsTimeout)
	names, err := net.DefaultResolver.LookupAddr(lctx, name)
	cancel()
	if err == nil && len(names) > 0 {
		name = strings.TrimSuffix(names[0], ".")
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= dnsCacheEntries {
		c.entries = make(map[netip.Addr]dnsEntry)
	}
	c.entries[ip] = dnsEntry{name: name, expires: now.Add(dnsTTL)}
	c.mu.Unlock()
	return name
}
