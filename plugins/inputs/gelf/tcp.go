package gelf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugins/codecs/codecutil"
)

const (
	// Reads start with a small buffer (idle connections stay cheap) that
	// doubles up to maxReadBuf while reads fill it.
	minReadBuf = 4 << 10
	maxReadBuf = 64 << 10
	// drainTimeout bounds the push of a connection's last events at
	// shutdown.
	drainTimeout = 2 * time.Second
)

// serveTCP reads one connection until it ends. The caller closes c.
func (in *Input) serveTCP(ctx context.Context, q plugin.Queue, c net.Conn) {
	peer := c.RemoteAddr().String()
	log := in.log.With("peer", peer)
	var sender any
	if ap, err := netip.ParseAddrPort(peer); err == nil {
		sender = ap.Addr().Unmap().String()
	}
	st := in.newTCPStream(q, log, sender)
	log.Debug("connection opened")
	err := st.run(ctx, c)
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

// tcpStream decodes one connection's null-delimited GELF messages.
type tcpStream struct {
	in     *Input
	q      plugin.Queue
	log    *slog.Logger
	ctx    context.Context
	split  *codecutil.Splitter
	m      mapper
	sender any
	batch  []*event.Event
	err    error // the first failed push
	emit   func(rec []byte, truncated bool)
}

func (in *Input) newTCPStream(q plugin.Queue, log *slog.Logger, sender any) *tcpStream {
	s := &tcpStream{
		in: in, q: q, log: log, sender: sender,
		split: codecutil.NewSplitter("\x00", int(in.MaxMessageSize)),
		m:     mapper{remap: in.Remap, strip: in.StripLeadingUnderscore, ecs: in.ecs},
	}
	s.emit = s.add
	return s
}

// run reads r until it ends or fails, decoding and pushing as it goes; a
// last message without its null byte is delivered at the end. It returns
// nil at EOF.
func (s *tcpStream) run(ctx context.Context, r io.Reader) error {
	s.ctx = ctx
	buf := make([]byte, minReadBuf)
	var rerr error
	for rerr == nil && s.err == nil {
		var n int
		n, rerr = r.Read(buf)
		if n > 0 {
			s.split.Split(buf[:n], s.emit)
			s.push()
			if n == len(buf) && len(buf) < maxReadBuf {
				buf = make([]byte, 2*len(buf))
			}
		}
	}
	if s.err != nil {
		return s.err
	}
	if ctx.Err() != nil {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
		defer cancel()
		s.ctx = dctx
	}
	s.split.Flush(s.emit)
	s.push()
	if s.err != nil {
		return s.err
	}
	if errors.Is(rerr, io.EOF) {
		return nil
	}
	return rerr
}

// add decodes one message.
func (s *tcpStream) add(rec []byte, truncated bool) {
	rec = bytes.TrimSpace(rec) // some senders end messages with a newline too
	if len(rec) == 0 {
		return
	}
	var e *event.Event
	if truncated {
		if ok, suppressed := s.in.tcpLog.Allow(); ok {
			s.log.Warn("GELF message longer than max_message_size was cut", "max_message_size", s.in.MaxMessageSize,
				"cut_since_last_log", suppressed)
		}
		e = event.NewMessage(codecutil.ValidUTF8(rec))
		e.AddTag(codecutil.TagMessageTooLong)
		s.m.setSender(e, s.sender)
	} else {
		e = s.m.event(rec, s.sender)
	}
	s.in.stats.events.Add(1)
	s.batch = append(s.batch, e)
	if len(s.batch) >= maxBatch {
		s.push()
	}
}

// push hands the batch to the queue (blocking while the pipeline is full:
// meanwhile this connection is not read).
func (s *tcpStream) push() {
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
