package gelf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// maxDatagram is the largest UDP payload.
const maxDatagram = 65535

// counters count what the input received and dropped.
type counters struct {
	datagrams atomic.Int64 // UDP datagrams read
	events    atomic.Int64 // events produced
	dropped   atomic.Int64 // whole messages dropped (inflate failures, too large)
}

// Stats is a snapshot of the input's counters.
type Stats struct {
	Datagrams int64 // UDP datagrams read
	Events    int64 // events produced (UDP and TCP)
	// Dropped counts messages that could not be decoded: corrupt or
	// oversized compressed payloads, oversized single datagrams.
	Dropped int64
	// Chunk reassembly.
	ChunkedCompleted int64 // chunked messages reassembled
	ChunksExpired    int64 // incomplete messages dropped after chunk_timeout
	ChunksEvicted    int64 // incomplete messages dropped to respect max_pending_*
	ChunksInvalid    int64 // chunks refused (bad header, inconsistent, too large)
	ChunksDuplicate  int64 // chunks received twice and ignored
	PendingMessages  int   // chunked messages being reassembled now
	PendingBytes     int   // memory they hold (chunk data and bookkeeping), bounded by max_pending_bytes
}

// Stats returns the input's counters.
func (in *Input) Stats() Stats {
	st := Stats{
		Datagrams: in.stats.datagrams.Load(),
		Events:    in.stats.events.Load(),
		Dropped:   in.stats.dropped.Load(),
	}
	if in.asm != nil {
		a := in.asm.snapshot()
		st.ChunkedCompleted, st.ChunksExpired, st.ChunksEvicted = a.Completed, a.Expired, a.Evicted
		st.ChunksInvalid, st.ChunksDuplicate = a.Invalid, a.Duplicates
		st.PendingMessages, st.PendingBytes = in.asm.pendingMessages(), in.asm.pendingBytes()
	}
	return st
}

// packet is one whole GELF message (possibly compressed) from a sender.
type packet struct {
	data []byte
	from netip.Addr
}

// runUDP reads datagrams until ctx ends; workers decode them.
func (in *Input) runUDP(ctx context.Context, conn *net.UDPConn, q plugin.Queue) error {
	defer conn.Close()
	if in.asm == nil {
		in.asm = newAssembler(in.ChunkTimeout, int(in.MaxMessageSize), in.MaxPendingMessages, int(in.MaxPendingBytes))
	}
	packets := make(chan packet, in.QueueSize)
	var wg sync.WaitGroup
	for range in.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in.work(ctx, q, packets)
		}()
	}
	sweepCtx, stopSweep := context.WithCancel(ctx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		in.sweep(sweepCtx)
	}()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	rerr := in.read(ctx, conn, packets)
	stop()
	stopSweep()
	close(packets)
	wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return rerr
}

// sweep drops expired incomplete messages regularly (not only when a
// chunk arrives) and reports drops.
func (in *Input) sweep(ctx context.Context) {
	every := min(max(in.ChunkTimeout/4, 10*time.Millisecond), time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	var last assemblerStats
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		in.asm.expire(in.now())
		last = in.reportDrops(last)
	}
}

// reportDrops logs (rate-limited) how many incomplete messages were
// dropped since the last report, and returns the stats reported.
func (in *Input) reportDrops(last assemblerStats) assemblerStats {
	cur := in.asm.snapshot()
	if cur.Expired == last.Expired && cur.Evicted == last.Evicted {
		return last
	}
	if ok, _ := in.dropLog.Allow(); !ok {
		return last
	}
	in.log.Warn("dropped incomplete chunked GELF messages",
		"expired", cur.Expired-last.Expired, "chunk_timeout", in.ChunkTimeout,
		"evicted", cur.Evicted-last.Evicted, "max_pending_messages", in.MaxPendingMessages, "max_pending_bytes", in.MaxPendingBytes,
		"expired_total", cur.Expired, "evicted_total", cur.Evicted)
	return cur
}

// read reads datagrams into slabs of memory shared by consecutive
// datagrams (one allocation per slab, not per datagram), reassembles
// chunks and queues whole messages.
func (in *Input) read(ctx context.Context, conn *net.UDPConn, out chan<- packet) error {
	const slabSize = 512 << 10
	var slab []byte
	for {
		if cap(slab)-len(slab) < maxDatagram {
			slab = make([]byte, 0, slabSize)
		}
		buf := slab[len(slab) : len(slab)+maxDatagram]
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("gelf: udp read: %w", err)
		}
		in.stats.datagrams.Add(1)
		p := packet{data: buf[:n:n], from: from.Addr().Unmap()}
		if isChunk(p.data) {
			msg, err := in.asm.add(p.data, in.now())
			if err != nil {
				if ok, suppressed := in.chunkLog.Allow(); ok {
					in.log.Warn("GELF chunk refused", "peer", from.String(), "chunk", describeChunk(p.data),
						"reason", err, "refused_since_last_log", suppressed)
				}
				continue
			}
			if msg == nil {
				continue
			}
			p.data = msg
		} else {
			slab = slab[:len(slab)+n]
		}
		select {
		case out <- p:
			continue
		default:
		}
		if ok, suppressed := in.fullLog.Allow(); ok {
			in.log.Warn("queue_size messages are waiting for the pipeline; the kernel drops datagrams once the receive buffer is full too",
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

// work inflates and decodes queued messages and pushes their events in
// batches: it takes whatever is queued (up to maxBatch events) before
// pushing.
func (in *Input) work(ctx context.Context, q plugin.Queue, packets <-chan packet) {
	w := &worker{in: in, q: q, ctx: ctx, senders: map[netip.Addr]any{}}
	w.inf.max = int(in.MaxMessageSize)
	w.m = mapper{remap: in.Remap, strip: in.StripLeadingUnderscore, ecs: in.ecs}
	for p := range packets {
		w.decode(p)
	more:
		for len(w.batch) < maxBatch {
			select {
			case p, ok := <-packets:
				if !ok {
					break more
				}
				w.decode(p)
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
	in      *Input
	q       plugin.Queue
	ctx     context.Context
	inf     inflater
	m       mapper
	batch   []*event.Event
	senders map[netip.Addr]any // sender IPs as boxed strings
}

func (w *worker) sender(a netip.Addr) any {
	if !a.IsValid() {
		return nil
	}
	s, ok := w.senders[a]
	if !ok {
		if len(w.senders) >= 1024 {
			clear(w.senders)
		}
		s = a.String()
		w.senders[a] = s
	}
	return s
}

func (w *worker) decode(p packet) {
	data, err := w.inf.payload(p.data)
	if err != nil {
		w.in.stats.dropped.Add(1)
		if ok, suppressed := w.in.dropLogMsg.Allow(); ok {
			w.in.log.Warn("GELF message dropped", "peer", p.from.String(), "bytes", len(p.data),
				"reason", err, "max_message_size", w.in.MaxMessageSize, "dropped_since_last_log", suppressed)
		}
		return
	}
	w.batch = append(w.batch, w.m.event(data, w.sender(p.from)))
	w.in.stats.events.Add(1)
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
