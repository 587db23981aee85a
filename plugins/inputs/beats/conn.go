package beats

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/lumberjack"
	"github.com/sluicelog/sluice/internal/netutil"
	"github.com/sluicelog/sluice/plugin"
)

// fieldNames are where connection metadata goes, by ECS mode.
type fieldNames struct {
	hostName, hostIP, tlsProtocol, tlsSubject, tlsCipher event.Ref
}

var tlsStatusRef = event.MustRef("[@metadata][tls_peer][status]")

func newFieldNames(ecs bool) fieldNames {
	if ecs {
		return fieldNames{
			hostName:    event.MustRef("[@metadata][input][beats][host][name]"),
			hostIP:      event.MustRef("[@metadata][input][beats][host][ip]"),
			tlsProtocol: event.MustRef("[@metadata][input][beats][tls][version_protocol]"),
			tlsSubject:  event.MustRef("[@metadata][input][beats][tls][client][subject]"),
			tlsCipher:   event.MustRef("[@metadata][input][beats][tls][cipher]"),
		}
	}
	return fieldNames{
		hostName:    event.MustRef("host"),
		hostIP:      event.MustRef("[@metadata][ip_address]"),
		tlsProtocol: event.MustRef("[@metadata][tls_peer][protocol]"),
		tlsSubject:  event.MustRef("[@metadata][tls_peer][subject]"),
		tlsCipher:   event.MustRef("[@metadata][tls_peer][cipher_suite]"),
	}
}

// peerTLS is the TLS metadata of a connection.
type peerTLS struct {
	status                    string // "verified", "unverified" or "" (no metadata)
	protocol, subject, cipher string
}

// conn serves one client connection.
type conn struct {
	in   *Input
	q    plugin.Queue
	nc   net.Conn
	log  *slog.Logger
	dec  *lumberjack.Decoder
	cdec plugin.Decoder // codec decoder, when the codec runs

	peerIP  string
	peerIPv any // peerIP boxed once, not once per event
	tls     peerTLS
	// connMeta is the connection's metadata (peer address, TLS) as a
	// patch every event of the connection shares; made by finish.
	connMeta     *event.Patch
	connMetaMade bool
	// sharer decodes the documents (when the codec is skipped), sharing
	// their repeated objects; combined maps a document patch to it
	// followed by connMeta (a few: documents of a few shapes alternate).
	sharer   *event.JSONSharer
	combined map[*event.Patch]*event.Patch

	// The window being received.
	version  byte
	size     uint32 // announced window size; 0 when no window is open
	got      uint32 // data frames received in it
	lastSeq  uint32
	winBytes int64
	batch    []*event.Event
	batchLen int // payload bytes in batch
	decoded  []*event.Event

	wmu    sync.Mutex // guards writes to nc
	ackBuf []byte

	// Graceful stop (shutdown.go).
	dmu      sync.Mutex
	inWindow bool      // a window is open: finish it before stopping
	draining bool      // the input is stopping
	deadline time.Time // when draining: the end of the grace period

	warned netutil.LogLimiter
}

// serveConn reads one connection until it ends or d tells it to stop. The
// server closes nc.
func (in *Input) serveConn(ctx context.Context, q plugin.Queue, nc net.Conn, d *drainer) {
	log := in.log.With("peer", nc.RemoteAddr().String())
	c := &conn{in: in, q: q, nc: nc, log: log}
	if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		c.peerIP = a.IP.String()
		c.peerIPv = c.peerIP
	}
	if in.tlsCfg != nil {
		tc := tls.Server(nc, in.tlsCfg)
		hctx, cancel := context.WithTimeout(ctx, time.Duration(in.SSLHandshakeTimeout)*time.Millisecond)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("TLS handshake failed; closing connection", "error", err)
			}
			return
		}
		c.nc = tc
		if in.sslPeer {
			c.tls = peerMetadata(tc.ConnectionState())
		}
	}
	if fast := in.fast; fast == fastNone {
		c.cdec = in.Codec.NewDecoder(plugin.DecoderOptions{MaxBytes: int(in.MaxEventSize), Logger: log})
	}
	if !d.add(c) {
		return // the input is stopping
	}
	defer d.remove(c)
	c.dec = lumberjack.NewDecoder(
		bufio.NewReaderSize(&idleReader{c: c, timeout: in.ClientInactivityTimeout}, 64<<10),
		lumberjack.Limits{MaxPayload: int(in.MaxEventSize), MaxCompressed: in.MaxWindowBytes},
	)
	log.Debug("connection opened")
	err := c.run(ctx)
	var perr *lumberjack.Error
	switch {
	case err == nil:
		log.Debug("connection closed")
	case errors.Is(err, errDraining) || (c.size == 0 && c.isDraining()):
		log.Debug("connection closed at shutdown; every window it sent was acknowledged")
		c.linger()
	case ctx.Err() != nil || c.isDraining():
		log.Debug("connection closed at shutdown inside a window; the client will resend it", "error", err, "unacknowledged_events", c.got)
	case errors.As(err, &perr):
		log.Warn("protocol error; closing connection", "error", err, "unacknowledged_events", c.got)
	case errors.Is(err, os.ErrDeadlineExceeded):
		log.Warn(fmt.Sprintf("client sent nothing for %s (client_inactivity_timeout); closing connection", in.ClientInactivityTimeout), "unacknowledged_events", c.got)
	case errors.Is(err, io.ErrUnexpectedEOF):
		log.Warn("client closed the connection inside a frame; the unacknowledged window will be resent by the client", "unacknowledged_events", c.got)
	case errors.Is(err, syscall.ECONNRESET):
		log.Info("connection reset by client", "unacknowledged_events", c.got)
	default:
		log.Warn("closing connection", "error", err, "unacknowledged_events", c.got)
	}
}

func peerMetadata(cs tls.ConnectionState) peerTLS {
	if len(cs.PeerCertificates) == 0 {
		return peerTLS{status: "unverified"}
	}
	return peerTLS{
		status:   "verified",
		protocol: tlsVersionName(cs.Version),
		subject:  cs.PeerCertificates[0].Subject.String(),
		cipher:   tls.CipherSuiteName(cs.CipherSuite),
	}
}

func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return "0x" + strconv.FormatUint(uint64(v), 16)
}

// idleReader sets the read deadline before every read, so that a read
// fails after `timeout` without a byte from the client (or, when the input
// stops, at once between windows and at the end of the grace period inside
// one).
type idleReader struct {
	c       *conn
	timeout time.Duration
}

func (r *idleReader) Read(p []byte) (int, error) {
	dl, err := r.c.readDeadline(r.timeout)
	if err != nil {
		return 0, err
	}
	if err := r.c.nc.SetReadDeadline(dl); err != nil {
		return 0, err
	}
	return r.c.nc.Read(p)
}

// run reads frames until the client closes the connection or breaks the
// protocol. Each window's events are pushed to the queue in batches; the
// window is acknowledged once every batch was accepted.
func (c *conn) run(ctx context.Context) error {
	for {
		f, err := c.dec.Next()
		if err != nil {
			if err == io.EOF {
				if c.size != 0 {
					return io.ErrUnexpectedEOF
				}
				return nil
			}
			return err
		}
		switch f.Type {
		case lumberjack.TypeWindow:
			if c.size != 0 {
				return &lumberjack.Error{Msg: fmt.Sprintf("window size frame after %d of the %d events of the previous window", c.got, c.size)}
			}
			if f.Window > uint32(c.in.MaxWindowSize) {
				return &lumberjack.Error{Msg: fmt.Sprintf("window of %d events exceeds max_window_size %d", f.Window, c.in.MaxWindowSize)}
			}
			if err := c.windowOpen(); err != nil {
				return err
			}
			c.version, c.size, c.got, c.winBytes = f.Version, f.Window, 0, 0
		case lumberjack.TypeJSON, lumberjack.TypeData:
			if c.size == 0 {
				if c.version == 0 {
					return &lumberjack.Error{Msg: "data frame before any window size frame"}
				}
				return &lumberjack.Error{Msg: "more data frames than the window size announced"}
			}
			n := len(f.JSON)
			var e *event.Event
			if f.Type == lumberjack.TypeJSON {
				e = c.fromJSON(f.JSON)
			} else {
				for _, p := range f.Pairs {
					n += len(p.Key) + len(p.Value)
				}
				e = c.fromPairs(f.Pairs)
			}
			c.winBytes += int64(n)
			if c.winBytes > c.in.MaxWindowBytes {
				return &lumberjack.Error{Msg: fmt.Sprintf("window holds more than max_window_bytes (%d bytes)", c.in.MaxWindowBytes)}
			}
			c.got++
			c.lastSeq = f.Seq
			c.batchLen += n
			if e != nil {
				c.batch = append(c.batch, e)
			}
			done := c.got == c.size
			if done || len(c.batch) >= c.in.pushMax || c.batchLen >= c.in.pushMaxBytes {
				if err := c.push(ctx); err != nil {
					return err
				}
			}
			if done {
				if err := c.writeACK(c.version, c.lastSeq); err != nil {
					return fmt.Errorf("send ACK: %w", err)
				}
				c.size, c.got = 0, 0
				if err := c.windowClosed(); err != nil {
					return err
				}
			}
		}
	}
}

// push hands the batch to the queue. While the queue blocks, the client
// gets an empty ACK (sequence 0) every keep-alive interval, so that it
// keeps waiting instead of timing out; the connection is not read
// meanwhile.
func (c *conn) push(ctx context.Context) error {
	if len(c.batch) == 0 {
		c.batchLen = 0
		return nil
	}
	var (
		mu      sync.Mutex
		stopped bool
		t       *time.Timer
	)
	version := c.version
	mu.Lock() // t is set before the callback can read it
	t = time.AfterFunc(c.in.keepAlive, func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		if err := c.writeACK(version, 0); err != nil {
			c.log.Debug("cannot send keep-alive ACK", "error", err)
			return
		}
		t.Reset(c.in.keepAlive)
	})
	mu.Unlock()
	err := c.q.Push(ctx, c.batch, nil)
	mu.Lock()
	stopped = true
	t.Stop()
	mu.Unlock()
	clear(c.batch)
	c.batch = c.batch[:0]
	c.batchLen = 0
	if err != nil {
		return fmt.Errorf("pipeline did not accept the events: %w", err)
	}
	return nil
}

func (c *conn) writeACK(version byte, seq uint32) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.ackBuf = lumberjack.AppendACK(c.ackBuf[:0], version, seq)
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.in.ClientInactivityTimeout)); err != nil {
		return err
	}
	_, err := c.nc.Write(c.ackBuf)
	return err
}

// fromJSON makes the event of a J frame. A document that is not a JSON
// object becomes an event whose message is the document, tagged
// _jsonparsefailure, rather than an error that would make the client
// send the same window again forever.
func (c *conn) fromJSON(doc []byte) *event.Event {
	var (
		m      map[string]any
		shared *event.Patch
		err    error
	)
	if c.in.fast != fastNone {
		if c.sharer == nil {
			// What fromMap changes on the map is never shared.
			c.sharer = event.NewJSONSharer(event.MessageField, "line", "event")
		}
		m, shared, err = c.sharer.Decode(doc)
	} else {
		m, err = event.DecodeJSON(doc)
	}
	if err != nil {
		if ok, n := c.warned.Allow(); ok {
			c.log.Warn("event is not a JSON object; keeping it as the message of a _jsonparsefailure event", "error", err, "suppressed_since_last_log", n)
		}
		e := event.NewMessage(string(doc))
		e.AddTag("_jsonparsefailure")
		c.finish(e, "", nil)
		return e
	}
	return c.fromMap(m, shared)
}

// fromPairs makes the event of a v1 D frame: every pair is a string field.
func (c *conn) fromPairs(pairs []lumberjack.Pair) *event.Event {
	m := make(map[string]any, len(pairs))
	for _, p := range pairs {
		m[string(p.Key)] = string(p.Value)
	}
	return c.fromMap(m, nil)
}

// fromMap makes the event of a document as Logstash's beats input does:
// the `message` field (`line` from logstash-forwarder) goes through the
// codec and the other fields are merged into what it decodes; a document
// without either is the event itself. It returns nil when the codec made
// no event; several events are all pushed but the last one is returned.
// shared (from the JSONSharer, only when the codec is skipped) holds the
// document's members that are not in m.
func (c *conn) fromMap(m map[string]any, shared *event.Patch) *event.Event {
	key := event.MessageField
	v, ok := m[key]
	if !ok || v == nil {
		key = "line"
		if v, ok = m[key]; !ok || v == nil {
			e := event.FromMap(m)
			c.finish(e, c.in.rawTag, shared)
			return e
		}
	}
	text := toText(v)
	switch c.in.fast {
	case fastMessage, fastOriginal:
		delete(m, key)
		m[event.MessageField] = text
		if c.in.fast == fastOriginal {
			setOriginal(m, text)
		}
		e := event.FromMap(m)
		c.finish(e, c.in.codecTag, shared)
		return e
	}
	delete(m, key)
	c.decoded = c.decoded[:0]
	plugin.DecodeMessage(c.cdec, []byte(text), func(e *event.Event) { c.decoded = append(c.decoded, e) })
	var last *event.Event
	for i, de := range c.decoded {
		h := m
		if i < len(c.decoded)-1 {
			h = event.CloneValue(m).(map[string]any)
		}
		c.merge(de, h)
		c.finish(de, c.in.codecTag, nil)
		if i < len(c.decoded)-1 {
			c.batch = append(c.batch, de)
		}
		last = de
	}
	clear(c.decoded)
	return last
}

// setOriginal sets [event][original] unless the document has it, as the
// merge of the plain codec's event with the document would.
func setOriginal(m map[string]any, text string) {
	switch ev := m["event"].(type) {
	case nil:
		m["event"] = map[string]any{"original": text}
	case map[string]any:
		if _, ok := ev["original"]; !ok {
			ev["original"] = text
		}
	}
}

// merge puts the document's fields into the event the codec decoded:
// the document's values win, except that objects present on both sides
// are merged (one level deep, the document's keys winning), and an
// unparsable @timestamp leaves the codec's.
func (c *conn) merge(de *event.Event, h map[string]any) {
	fields := de.Fields()
	for k, v := range h {
		switch k {
		case event.TimestampField:
			if t, ok := parseTimestamp(v); ok {
				de.SetTimestamp(t)
			} else if ok, n := c.warned.Allow(); ok {
				c.log.Warn("unrecognized @timestamp; using the time of reception", "value", v, "suppressed_since_last_log", n)
			}
			continue
		case event.MetadataField:
			if mv, ok := v.(map[string]any); ok {
				mergeInto(de.Metadata(), mv)
			}
			continue
		}
		if ev, ok := fields[k].(map[string]any); ok {
			if hv, ok := v.(map[string]any); ok {
				for kk, vv := range hv {
					ev[kk] = vv
				}
				continue
			}
		}
		fields[k] = v
	}
}

func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		if dv, ok := dst[k].(map[string]any); ok {
			if sv, ok := v.(map[string]any); ok {
				for kk, vv := range sv {
					dv[kk] = vv
				}
				continue
			}
		}
		dst[k] = v
	}
}

func parseTimestamp(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case string:
		ts, err := event.ParseTimestamp(t)
		return ts, err == nil
	}
	return time.Time{}, false
}

// toText is the text the codec decodes: a string as it is, anything else
// as JSON.
func toText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return string(event.AppendJSONValue(nil, v))
}

var (
	beatHostname  = event.MustRef("[beat][hostname]")
	agentHostname = event.MustRef("[agent][hostname]")
)

// finish adds the document's shared objects, the tags and the
// connection metadata.
func (c *conn) finish(e *event.Event, tag string, shared *event.Patch) {
	in := c.in
	if !c.connMetaMade {
		c.connMeta = c.makeConnMeta()
		c.connMetaMade = true
	}
	// One patch for both: a second ApplyPatch would make the first's
	// changes. The connection metadata touches none of what the tag and
	// add_hostname below read or write, so it may come first.
	if p := c.patchFor(shared); p != nil {
		e.ApplyPatch(p)
	}
	if tag != "" {
		e.AddTag(tag)
	}
	if in.AddHostname {
		if _, ok := e.Get(in.fields.hostName); !ok {
			h, ok := e.Get(beatHostname)
			if !ok {
				h, ok = e.Get(agentHostname)
			}
			if ok {
				_ = e.Set(in.fields.hostName, h)
			}
		}
	}
}

// patchFor returns the patch of an event: the document's shared objects
// (nil: none) and then the connection metadata.
func (c *conn) patchFor(shared *event.Patch) *event.Patch {
	switch {
	case shared == nil:
		return c.connMeta
	case c.connMeta == nil:
		return shared
	}
	p, ok := c.combined[shared]
	if !ok {
		if c.combined == nil || len(c.combined) >= 8 {
			c.combined = map[*event.Patch]*event.Patch{}
		}
		p = shared.Then(c.connMeta)
		c.combined[shared] = p
	}
	return p
}

// makeConnMeta returns the connection's metadata as a patch, nil when
// there is none. The events share its values (three nested objects for
// [@metadata][input][beats][host][ip]) until a filter changes them.
func (c *conn) makeConnMeta() *event.Patch {
	in := c.in
	var ops []event.PatchOp
	if in.source && c.peerIPv != nil {
		ops = append(ops, event.PatchOp{Ref: in.fields.hostIP, Value: c.peerIPv})
	}
	if c.tls.status != "" {
		ops = append(ops, event.PatchOp{Ref: tlsStatusRef, Value: c.tls.status})
		if c.tls.status == "verified" {
			ops = append(ops,
				event.PatchOp{Ref: in.fields.tlsProtocol, Value: c.tls.protocol},
				event.PatchOp{Ref: in.fields.tlsSubject, Value: c.tls.subject},
				event.PatchOp{Ref: in.fields.tlsCipher, Value: c.tls.cipher})
		}
	}
	if len(ops) == 0 {
		return nil
	}
	p, err := event.NewPatch(ops...)
	if err != nil {
		panic("BUG: beats: connection metadata: " + err.Error())
	}
	return p
}
