// Package queue holds Sluice's persisted queue: events written to page
// files on disk between the inputs and the pipeline workers, so that
// events an input acknowledged survive a crash of the process. The
// on-disk format is described in FORMAT.md beside this file.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sluicelog/sluice/event"
)

// ErrClosed is returned by Push once the queue no longer accepts events.
var ErrClosed = errors.New("queue is closed")

// Options configure a persisted queue; zero values take Logstash's
// defaults.
type Options struct {
	// Dir holds the queue's files (path.queue/<pipeline id>).
	Dir string
	// PageCapacity is queue.page_capacity (64 MiB): the size at which the
	// head page is closed and a new one started.
	PageCapacity int64
	// MaxBytes is queue.max_bytes (1 GiB): the total size of the page
	// files; when reached, Push blocks until acknowledged pages are freed.
	MaxBytes int64
	// MaxEvents is queue.max_events: the most unacknowledged events (0:
	// no limit).
	MaxEvents int64
	// CheckpointWrites is queue.checkpoint.writes (1024): after this many
	// events written, the head page is fsynced, in the background (Push
	// does not wait for it). 1 fsyncs every Push before it returns.
	CheckpointWrites int
	// CheckpointAcks is queue.checkpoint.acks (1024): after this many
	// events acknowledged, the checkpoint file is rewritten.
	CheckpointAcks int
	// MemoryEvents bounds the events kept in memory beside the disk
	// (default 1024): while the workers keep up, they take the pushed
	// events from memory instead of reading and decoding them back.
	MemoryEvents int
	// SpillAfter is how long a Push waits for room in the memory ring
	// while the workers keep up (default 200ms; negative: never wait).
	// When the workers are slower than that, events spill to disk only:
	// Push no longer waits, and workers read the backlog back from disk
	// until they catch up.
	SpillAfter time.Duration
	// Logger reports recovery and I/O problems.
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.PageCapacity <= 0 {
		o.PageCapacity = 64 << 20
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 30
	}
	if o.CheckpointWrites <= 0 {
		o.CheckpointWrites = 1024
	}
	if o.CheckpointAcks <= 0 {
		o.CheckpointAcks = 1024
	}
	if o.MemoryEvents <= 0 {
		o.MemoryEvents = 1024
	}
	if o.SpillAfter == 0 {
		o.SpillAfter = 200 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

type page struct {
	num      uint64
	path     string
	f        *os.File
	firstSeq uint64
	count    uint64 // records
	size     int64  // bytes, header included
}

func (p *page) end() uint64 { return p.firstSeq + p.count }

type memEntry struct {
	e   *event.Event
	pg  *page
	end int64 // file offset after the event's record
}

// Persisted is a persisted queue. Push and Pop may be called from many
// goroutines.
type Persisted struct {
	opt  Options
	log  *slog.Logger
	lock *os.File

	wmu sync.Mutex // serialises writers; held while writing the head page
	rmu sync.Mutex // serialises readers
	mu  sync.Mutex // guards the fields below

	pages    []*page // oldest first; the last is the head
	nextNum  uint64
	writeSeq uint64 // sequence number of the next event written
	readSeq  uint64 // sequence number of the next event read
	acked    uint64 // every event before it is acknowledged
	done     map[uint64]uint64
	bytes    int64
	unsynced int
	sinceCk  int
	ckSeq    uint64 // last checkpointed value
	closed   bool   // no more pushes
	stopped  bool   // pop hands out nothing more
	shut     bool   // files closed
	space    chan struct{}
	data     chan struct{}

	// The memory ring: the events of seqs [memFrom, memFrom+memLen), as
	// pushed, with where each record ends on disk. Pushes append to it
	// while memOK (the ring reaches writeSeq and has room); once it
	// overflowed, readers go to disk until they catch up again.
	mem     []memEntry
	memHead int
	memLen  int
	memFrom uint64
	memOK   bool
	memFree chan struct{} // closed and replaced when readers take from the ring

	// Reader state, under rmu.
	rp        *page
	rseq      uint64 // sequence number of the record at rpos
	rbuf      []byte
	rbufStart int64 // file offset of rbuf[0] in rp
	rpos      int
	skipUntil uint64 // records before this seq are already acknowledged
	fromMem   int64  // events handed out from the ring
	fromDisk  int64  // events read back from disk
	spills    int64  // times the ring overflowed (under mu)

	ckMu sync.Mutex // serialises checkpoint writes

	syncReq  chan *page    // background fsyncs of the head page
	ckReq    chan struct{} // background checkpoint writes
	syncDone chan struct{}
}

// Open opens (or creates) the queue in opt.Dir and recovers its state:
// a torn or corrupt tail of a page is truncated (and logged), pages fully
// acknowledged are deleted, and every unacknowledged event will be handed
// out again by Pop (at-least-once delivery).
func Open(opt Options) (*Persisted, error) {
	opt.defaults()
	if opt.Dir == "" {
		return nil, errors.New("queue: no directory")
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	q := &Persisted{opt: opt, log: opt.Logger.With("queue", opt.Dir), done: map[uint64]uint64{},
		space: make(chan struct{}), data: make(chan struct{}), mem: make([]memEntry, opt.MemoryEvents),
		memFree: make(chan struct{})}
	lock, err := os.OpenFile(filepath.Join(opt.Dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("queue %s: in use by another process: %w", opt.Dir, err)
	}
	q.lock = lock
	if err := q.recover(); err != nil {
		q.closeFiles()
		return nil, fmt.Errorf("queue %s: %w", opt.Dir, err)
	}
	q.syncReq, q.ckReq, q.syncDone = make(chan *page, 1), make(chan struct{}, 1), make(chan struct{})
	go q.syncer()
	return q, nil
}

// syncer fsyncs the head page when Push asks for it and writes
// checkpoints when acknowledgements ask for one, off the inputs' and
// workers' paths.
func (q *Persisted) syncer() {
	defer close(q.syncDone)
	for {
		select {
		case p, ok := <-q.syncReq:
			if !ok {
				return
			}
			if err := p.f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
				q.log.Error("fsync of the queue head page failed", "page", p.path, "error", err)
			}
		case <-q.ckReq:
			q.mu.Lock()
			seq := q.acked
			q.mu.Unlock()
			q.checkpoint(seq)
		}
	}
}

func (q *Persisted) ckPath() string { return filepath.Join(q.opt.Dir, "checkpoint") }

func (q *Persisted) recover() error {
	ents, err := os.ReadDir(q.opt.Dir)
	if err != nil {
		return err
	}
	var nums []uint64
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "page.") {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimPrefix(name, "page."), 10, 64)
		if err != nil {
			continue
		}
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	ack, ok, err := readCheckpoint(q.ckPath())
	if err != nil {
		q.log.Warn("queue checkpoint unreadable; replaying every event on disk (some may be delivered twice)", "error", err)
		ack, ok = 0, false
	}
	var replayed uint64
	// Pages repaired (truncated after their last valid record), logged
	// once the next page tells how many events the damage cost.
	type repair struct {
		path              string
		kept, keptBytes   int64
		droppedBytes, end int64
		lost              int64 // -1: unknown (the last page)
		reason            error
	}
	var repairs []*repair
	var pending *repair // the last repair, until the next page is scanned
	for i, n := range nums {
		path := filepath.Join(q.opt.Dir, "page."+strconv.FormatUint(n, 10))
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		r, err := scanPage(f)
		if err != nil {
			if i == len(nums)-1 && r.fileLen < pageHeaderLen {
				// Created just before a crash, header not written.
				q.log.Warn("persisted queue recovered: removed a page created just before a crash, before its header was written (it held no events)",
					"page", path, "bytes", r.fileLen)
				f.Close()
				os.Remove(path)
				continue
			}
			f.Close()
			return fmt.Errorf("page %s: %w", path, err)
		}
		if pending != nil {
			pending.lost = max(int64(r.firstSeq)-pending.end, 0)
			pending = nil
		}
		if r.badErr != nil {
			pending = &repair{path: path, kept: int64(r.count), keptBytes: r.validLen, droppedBytes: r.fileLen - r.validLen,
				end: int64(r.firstSeq + r.count), lost: -1, reason: r.badErr}
			repairs = append(repairs, pending)
			if err := f.Truncate(r.validLen); err != nil {
				f.Close()
				return fmt.Errorf("truncate %s: %w", path, err)
			}
		}
		p := &page{num: n, path: path, f: f, firstSeq: r.firstSeq, count: r.count, size: r.validLen}
		if len(q.pages) > 0 {
			prev := q.pages[len(q.pages)-1]
			if p.firstSeq < prev.end() {
				f.Close()
				return fmt.Errorf("page %s starts at event %d, before the end of %s (%d)", path, p.firstSeq, prev.path, prev.end())
			}
		}
		if ok && p.end() <= ack || p.count == 0 {
			f.Close()
			if err := os.Remove(path); err != nil {
				return err
			}
			q.writeSeq = max(q.writeSeq, p.end())
			continue
		}
		q.pages = append(q.pages, p)
		q.bytes += p.size
		q.writeSeq = p.end()
	}
	for _, rp := range repairs {
		attrs := []any{"page", rp.path, "events_kept", rp.kept, "bytes_kept", rp.keptBytes, "bytes_truncated", rp.droppedBytes}
		if rp.lost >= 0 {
			attrs = append(attrs, "events_lost", rp.lost)
		}
		attrs = append(attrs, "reason", rp.reason)
		q.log.Warn("persisted queue recovered: a page had a torn or corrupt tail (a write cut short by a crash, or damage); "+
			"truncated it after its last valid record, nothing from the damaged part reaches the pipeline", attrs...)
	}
	if len(nums) > 0 {
		q.nextNum = nums[len(nums)-1] + 1
	}
	q.writeSeq = max(q.writeSeq, ack)
	q.acked = ack
	if len(q.pages) > 0 {
		q.acked = max(ack, q.pages[0].firstSeq)
		// Gaps between pages (events lost to a truncation) count as
		// acknowledged so the watermark can pass them.
		for i := 1; i < len(q.pages); i++ {
			from, to := q.pages[i-1].end(), q.pages[i].firstSeq
			if to > from {
				q.done[from] = to
			}
		}
		for _, p := range q.pages {
			if p.end() > q.acked {
				replayed += p.end() - max(p.firstSeq, q.acked)
			}
		}
	}
	q.advance()
	q.readSeq = q.acked
	q.skipUntil = q.acked
	q.ckSeq = q.acked
	if err := q.newHead(); err != nil {
		return err
	}
	q.rp = q.pages[0]
	q.rseq = q.rp.firstSeq
	q.rbufStart = pageHeaderLen
	if err := writeCheckpoint(q.ckPath(), q.acked, true); err != nil {
		return err
	}
	q.log.Info("persisted queue opened", "dir", q.opt.Dir, "pages", len(q.pages), "events_to_replay", replayed,
		"bytes", q.bytes, "max_bytes", q.opt.MaxBytes, "page_capacity", q.opt.PageCapacity)
	return nil
}

// newHead starts a new head page at writeSeq (mu and wmu held, or during
// recovery). The old head is fsynced first, so only the head page can
// hold unsynced data.
func (q *Persisted) newHead() error {
	if n := len(q.pages); n > 0 {
		if err := q.pages[n-1].f.Sync(); err != nil {
			return fmt.Errorf("sync page: %w", err)
		}
		q.unsynced = 0
	}
	path := filepath.Join(q.opt.Dir, "page."+strconv.FormatUint(q.nextNum, 10))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("new page: %w", err)
	}
	hdr := appendPageHeader(nil, q.writeSeq)
	if _, err := f.Write(hdr); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("new page %s: %w", path, err)
	}
	q.pages = append(q.pages, &page{num: q.nextNum, path: path, f: f, firstSeq: q.writeSeq, size: pageHeaderLen})
	q.nextNum++
	q.bytes += pageHeaderLen
	q.freePages()
	return nil
}

// advance moves the acknowledged watermark over completed ranges (mu held).
func (q *Persisted) advance() {
	for {
		to, ok := q.done[q.acked]
		if !ok {
			return
		}
		delete(q.done, q.acked)
		q.acked = to
	}
}

// freePages deletes pages every event of which is acknowledged, except the
// head (mu held).
func (q *Persisted) freePages() {
	freed := false
	for len(q.pages) > 1 && q.pages[0].end() <= q.acked {
		p := q.pages[0]
		p.f.Close()
		if err := os.Remove(p.path); err != nil {
			q.log.Error("removing acknowledged queue page", "page", p.path, "error", err)
		}
		q.bytes -= p.size
		q.pages = q.pages[1:]
		freed = true
	}
	if freed {
		q.wake(&q.space)
	}
}

func (q *Persisted) wake(ch *chan struct{}) {
	close(*ch)
	*ch = make(chan struct{})
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// putBuf returns a buffer to bufPool unless a huge event made it huge.
func putBuf(bp *[]byte, b []byte) {
	if cap(b) > 4<<20 {
		return
	}
	*bp = b[:0]
	bufPool.Put(bp)
}

// Push writes events to the queue. It returns once they are written to
// the head page file (in the operating system's page cache: they survive
// a crash of the process) and, every CheckpointWrites events, fsynced. It
// blocks while the queue is full. On error (ctx done, queue closed) a
// prefix of the events may have been written.
func (q *Persisted) Push(ctx context.Context, events []*event.Event) error {
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	defer func() { putBuf(bp, buf) }()
	// Records are encoded up front; ends[i] is the end of record i in buf.
	ends := make([]int, 0, len(events))
	for _, e := range events {
		var at int
		buf, at = beginRecord(buf)
		buf = AppendEvent(buf, e)
		buf = endRecord(buf, at)
		ends = append(ends, len(buf))
	}
	// The fsync a Push owes (every CheckpointWrites events) happens after
	// wmu is released, so that other inputs keep writing meanwhile.
	var syncPage *page
	defer func() {
		if syncPage != nil {
			if err := syncPage.f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
				q.log.Error("fsync of the queue head page failed", "page", syncPage.path, "error", err)
			}
		}
	}()
	q.wmu.Lock()
	defer q.wmu.Unlock()
	q.waitRing(ctx, len(events))
	start, i := 0, 0
	for i < len(ends) {
		k, err := q.reserve(ctx, buf, start, ends[i:])
		if err != nil {
			return err
		}
		chunk := buf[start:ends[i+k-1]]
		if err := q.write(ctx, chunk); err != nil {
			return err
		}
		q.mu.Lock()
		head := q.pages[len(q.pages)-1]
		if !q.memOK && q.memLen == 0 && q.writeSeq-q.readSeq <= uint64(len(q.mem)/2) {
			// The readers are close behind: use the ring again.
			q.memOK, q.memFrom, q.memHead = true, q.writeSeq, 0
		}
		if q.memOK && q.memLen+k <= len(q.mem) && q.memFrom+uint64(q.memLen) == q.writeSeq {
			for j := i; j < i+k; j++ {
				q.mem[(q.memHead+q.memLen)%len(q.mem)] = memEntry{e: events[j], pg: head, end: head.size + int64(ends[j]-start)}
				q.memLen++
			}
		} else if q.memOK {
			q.memOK = false
			q.spills++
		}
		head.size += int64(len(chunk))
		head.count += uint64(k)
		q.writeSeq += uint64(k)
		q.bytes += int64(len(chunk))
		q.unsynced += k
		q.wake(&q.data)
		sync := q.unsynced >= q.opt.CheckpointWrites
		if sync {
			q.unsynced = 0
		}
		q.mu.Unlock()
		if sync {
			if q.opt.CheckpointWrites == 1 {
				syncPage = head // fsynced before Push returns
			} else {
				select {
				case q.syncReq <- head:
				default: // an fsync is already pending; it covers these writes
				}
			}
		}
		start = ends[i+k-1]
		i += k
	}
	return nil
}

// waitRing waits, up to SpillAfter, for room for n events in the memory
// ring while the ring is in use (wmu held). When the time is up, the
// queue spills: events go to disk only until the readers catch up.
func (q *Persisted) waitRing(ctx context.Context, n int) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.memOK && q.memLen+n > len(q.mem) {
		if n > len(q.mem) || q.opt.SpillAfter < 0 || q.closed {
			q.memOK = false
			return
		}
		if timer == nil {
			timer = time.NewTimer(q.opt.SpillAfter)
		}
		wait := q.memFree
		q.mu.Unlock()
		select {
		case <-wait:
			q.mu.Lock()
		case <-timer.C:
			q.mu.Lock()
			q.memOK = false
			return
		case <-ctx.Done():
			q.mu.Lock()
			return
		}
	}
}

// reserve waits until at least one of the records (ending at ends, the
// first starting at start) fits in the head page and the queue limits,
// rolling the head page as needed, and returns how many fit (wmu held).
func (q *Persisted) reserve(ctx context.Context, buf []byte, start int, ends []int) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if q.closed {
			return 0, ErrClosed
		}
		head := q.pages[len(q.pages)-1]
		empty := q.writeSeq == q.acked
		if head.count > 0 && int64(ends[0]-start)+head.size > q.opt.PageCapacity ||
			empty && head.count > 0 && q.bytes+int64(ends[0]-start) > q.opt.MaxBytes {
			// The head page is full, or everything is acknowledged and only
			// the head page holds the space: start a new one.
			if err := q.newHead(); err != nil {
				q.log.Error("cannot start a new queue page; retrying", "error", err)
				q.mu.Unlock()
				err := sleepCtx(ctx, time.Second)
				q.mu.Lock()
				if err != nil {
					return 0, err
				}
			}
			continue
		}
		k := 0
		for k < len(ends) {
			next := int64(ends[k] - start)
			if k > 0 && head.size+next > q.opt.PageCapacity {
				break
			}
			if q.bytes+next > q.opt.MaxBytes && !(empty && k == 0) {
				break
			}
			if q.opt.MaxEvents > 0 && int64(q.writeSeq-q.acked)+int64(k)+1 > q.opt.MaxEvents && !(empty && k == 0) {
				break
			}
			k++
		}
		if k > 0 {
			return k, nil
		}
		wait := q.space
		q.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			q.mu.Lock()
			return 0, ctx.Err()
		}
		q.mu.Lock()
	}
}

// write appends chunk to the head page (wmu held). A failed write (disk
// full) is undone and retried until it succeeds or ctx is done, so a
// failing disk means backpressure, never a corrupt page.
func (q *Persisted) write(ctx context.Context, chunk []byte) error {
	q.mu.Lock()
	head := q.pages[len(q.pages)-1]
	off := head.size
	q.mu.Unlock()
	for attempt := 0; ; attempt++ {
		_, err := head.f.WriteAt(chunk, off)
		if err == nil {
			if attempt > 0 {
				q.log.Info("queue writes succeed again", "page", head.path)
			}
			return nil
		}
		if terr := head.f.Truncate(off); terr != nil {
			q.log.Error("queue page could not be cut back after a failed write", "page", head.path, "error", terr)
		}
		if attempt == 0 {
			q.log.Error("queue write failed; inputs are held back until it succeeds", "page", head.path, "error", err)
		}
		if err := sleepCtx(ctx, time.Second); err != nil {
			return err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readChunk is how much of a page a reader reads at once.
const readChunk = 256 << 10

// Pop fills dst with up to limit events, waiting for the first one and then
// up to delay for more. It returns an empty batch only once the queue is
// closed (CloseInput) and, when draining, empty. Every event carries a
// delivery tracker; once every event of a Pop (and every event filters
// made from them) is done, the events are acknowledged and their pages
// can be freed.
func (q *Persisted) Pop(dst []*event.Event, limit int, delay time.Duration) []*event.Event {
	var deadline <-chan time.Time
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		var wait chan struct{}
		dst, wait = q.take(dst, limit)
		q.mu.Lock()
		stop := q.stopped || (q.closed && q.readSeq == q.writeSeq)
		q.mu.Unlock()
		if len(dst) >= limit || stop || (len(dst) > 0 && delay <= 0) {
			return dst
		}
		if wait == nil {
			continue // more to read
		}
		if len(dst) > 0 && deadline == nil {
			timer = time.NewTimer(delay)
			deadline = timer.C
		}
		select {
		case <-wait:
		case <-deadline:
			delay = 0
		}
	}
}

// take reads up to limit-len(dst) events. It returns a channel to wait on
// when it stopped because nothing more is written yet.
func (q *Persisted) take(dst []*event.Event, limit int) ([]*event.Event, chan struct{}) {
	bp := bufPool.Get().(*[]byte)
	raw := (*bp)[:0]
	defer func() { putBuf(bp, raw) }()
	var ends []int
	// items are the events taken, in sequence order: events from memory,
	// nil for records from disk (decoded below, outside the locks).
	var items []*event.Event
	q.rmu.Lock()
	seq := q.rseq
	from := seq
	var wait chan struct{}
	q.mu.Lock()
	ringAt, ring := q.memFrom, q.memLen > 0
	q.mu.Unlock()
	for len(dst)+len(items) < limit {
		var payload []byte
		var n int
		var err error
		parsed := !ring || seq < ringAt
		if parsed {
			// Disk records before the ring (the ring starts at ringAt).
			payload, n, err = nextRecord(q.rbuf[q.rpos:])
		}
		if err != nil {
			q.skipPage(&seq, err)
			if len(items) > 0 {
				break
			}
			from = seq
			continue
		}
		if n > 0 {
			q.rpos += n
			if seq >= q.skipUntil {
				raw = append(raw, payload...)
				ends = append(ends, len(raw))
				items = append(items, nil)
				q.fromDisk++
			} else {
				from++
			}
			seq++
			continue
		}
		// Need more bytes: from memory, this page, or the next one.
		q.mu.Lock()
		if q.stopped || q.shut {
			q.mu.Unlock()
			break
		}
		// Ring entries the reader already took from disk are dropped.
		for q.memLen > 0 && q.memFrom < seq {
			q.mem[q.memHead] = memEntry{}
			q.memHead = (q.memHead + 1) % len(q.mem)
			q.memLen--
			q.memFrom++
			q.wake(&q.memFree)
		}
		ringAt, ring = q.memFrom, q.memLen > 0
		if q.memLen > 0 && q.memFrom == seq {
			var last memEntry
			for q.memLen > 0 && len(dst)+len(items) < limit {
				last = q.mem[q.memHead]
				q.mem[q.memHead] = memEntry{}
				q.memHead = (q.memHead + 1) % len(q.mem)
				q.memLen--
				q.memFrom++
				items = append(items, last.e)
				q.fromMem++
				seq++
			}
			q.wake(&q.memFree)
			// The disk reader goes on after the last record taken.
			q.rp = last.pg
			q.rbuf, q.rpos, q.rbufStart = q.rbuf[:0], 0, last.end
			ringAt, ring = q.memFrom, q.memLen > 0
			q.mu.Unlock()
			continue
		}
		if !parsed {
			// The ring is gone meanwhile: parse what rbuf holds first.
			q.mu.Unlock()
			continue
		}
		rp := q.rp
		fileEnd := q.rbufStart + int64(len(q.rbuf))
		avail := rp.size - fileEnd
		isHead := rp == q.pages[len(q.pages)-1]
		if avail == 0 && isHead {
			if q.memLen == 0 && seq == q.writeSeq && !q.memOK {
				// Caught up: pushes may fill the ring again.
				q.memOK, q.memFrom, q.memHead = true, seq, 0
			}
			wait = q.data
			q.mu.Unlock()
			break
		}
		if avail == 0 {
			if q.rpos != len(q.rbuf) {
				q.mu.Unlock()
				q.skipPage(&seq, fmt.Errorf("%w: cut short at the end of the page", errTorn))
				if len(items) > 0 {
					break
				}
				from = seq
				continue
			}
			// Next page: the first one numbered after rp (rp itself may
			// already be freed).
			var next *page
			for _, p := range q.pages {
				if p.num > rp.num {
					next = p
					break
				}
			}
			if next.firstSeq > seq && len(items) > 0 {
				// A gap left by a recovery truncation (acknowledged at
				// recovery): a batch covers one contiguous range.
				q.mu.Unlock()
				break
			}
			q.rp = next
			q.rbuf, q.rpos, q.rbufStart = q.rbuf[:0], 0, pageHeaderLen
			if next.firstSeq > seq {
				seq = next.firstSeq
				from = seq
			}
			q.mu.Unlock()
			continue
		}
		q.mu.Unlock()
		// Keep the unread part and read more after it.
		rest := copy(q.rbuf, q.rbuf[q.rpos:])
		q.rbufStart += int64(q.rpos)
		q.rbuf, q.rpos = q.rbuf[:rest], 0
		want := int(min(avail, readChunk))
		if cap(q.rbuf)-rest < want {
			nb := make([]byte, rest, rest+max(want, readChunk))
			copy(nb, q.rbuf)
			q.rbuf = nb
		}
		got, err := rp.f.ReadAt(q.rbuf[rest:rest+want], q.rbufStart+int64(rest))
		q.rbuf = q.rbuf[:rest+got]
		if err != nil && got < want {
			q.log.Error("reading the queue failed; retrying", "page", rp.path, "error", err)
			if len(items) == 0 {
				wait = make(chan struct{})
				go func() { time.Sleep(100 * time.Millisecond); close(wait) }()
			}
			break
		}
	}
	q.rseq = seq
	q.mu.Lock()
	q.readSeq = max(seq, q.skipUntil)
	q.mu.Unlock()
	q.rmu.Unlock()

	if len(items) == 0 {
		return dst, wait
	}
	tr := &tracker{q: q, from: from, to: from + uint64(len(items))}
	n := 0
	start, next := 0, 0
	first := len(dst)
	for _, e := range items {
		if e == nil {
			end := ends[next]
			next++
			var err error
			e, err = DecodeEvent(raw[start:end])
			start = end
			if err != nil {
				q.log.Error("queued event cannot be decoded; dropped", "error", err)
				continue
			}
		}
		dst = append(dst, e)
		n++
	}
	tr.n.Store(int64(n))
	for _, e := range dst[first:] {
		e.SetTracker(tr)
	}
	if n == 0 {
		q.ack(tr.from, tr.to)
	}
	return dst, wait
}

// skipPage gives up on the rest of the reader's page after a record failed
// its checksum at run time (rmu held). The skipped events count as
// acknowledged.
func (q *Persisted) skipPage(seq *uint64, why error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	rp := q.rp
	end := rp.end()
	q.log.Error("queue page holds a corrupt record; skipping the rest of the page", "page", rp.path,
		"offset", q.rbufStart+int64(q.rpos), "events_lost", end-*seq, "reason", why)
	q.rbuf, q.rpos, q.rbufStart = q.rbuf[:0], 0, rp.size
	if end > *seq {
		q.ackLocked(*seq, end)
	}
	*seq = end
}

// tracker acknowledges a contiguous range of events once all are done.
type tracker struct {
	q        *Persisted
	from, to uint64
	n        atomic.Int64
}

func (t *tracker) Add(delta int) { t.n.Add(int64(delta)) }

func (t *tracker) Done() {
	switch n := t.n.Add(-1); {
	case n == 0:
		t.q.ack(t.from, t.to)
	case n < 0:
		panic("BUG: queued event acknowledged twice")
	}
}

func (q *Persisted) ack(from, to uint64) {
	q.mu.Lock()
	_, write := q.ackLocked(from, to)
	q.mu.Unlock()
	if write && q.ckReq != nil {
		select {
		case q.ckReq <- struct{}{}:
		default: // one is pending; it will take the newest watermark
		}
	}
}

// ackLocked records [from, to) as acknowledged (mu held). It reports
// whether a checkpoint is due, and at which sequence number.
func (q *Persisted) ackLocked(from, to uint64) (uint64, bool) {
	if to <= q.acked || q.shut {
		return 0, false
	}
	q.done[from] = to
	before := q.acked
	q.advance()
	if q.acked == before {
		return 0, false
	}
	q.sinceCk += int(q.acked - before)
	q.freePages()
	q.wake(&q.space)
	if q.sinceCk >= q.opt.CheckpointAcks {
		q.sinceCk = 0
		return q.acked, true
	}
	return 0, false
}

// checkpoint records seq as the first unacknowledged event. It is written
// to a temporary file and renamed (atomic against a crash of the process)
// without fsync: a stale checkpoint only means events delivered twice.
func (q *Persisted) checkpoint(seq uint64) {
	q.ckMu.Lock()
	defer q.ckMu.Unlock()
	if seq <= q.ckSeq {
		return
	}
	q.ckSeq = seq
	if err := writeCheckpoint(q.ckPath(), seq, false); err != nil {
		q.log.Error("writing the queue checkpoint failed", "error", err)
	}
}

// CloseInput stops accepting events: Push returns ErrClosed. With drain
// (queue.drain), Pop goes on until the queue is empty; otherwise it
// returns at once and unread events stay on disk for the next start.
func (q *Persisted) CloseInput(drain bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed = true
	q.wake(&q.memFree)
	if !drain {
		q.stopped = true
	}
	q.wake(&q.data)
	q.wake(&q.space)
}

// Len returns the number of events written and not yet handed out.
func (q *Persisted) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return int(q.writeSeq - q.readSeq)
}

// Unacked returns the number of events written and not yet acknowledged.
func (q *Persisted) Unacked() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return int(q.writeSeq - q.acked)
}

// Bytes returns the size of the queue's page files.
func (q *Persisted) Bytes() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes
}

// Close writes a final checkpoint, fsyncs and closes the files. Call it
// after the last Pop's events are acknowledged (or given up on); events
// not acknowledged by then are handed out again at the next Open.
func (q *Persisted) Close() error {
	q.CloseInput(false)
	q.wmu.Lock()
	defer q.wmu.Unlock()
	q.stopSyncer()
	q.mu.Lock()
	acked := q.acked
	var err error
	if n := len(q.pages); n > 0 && !q.shut {
		err = q.pages[n-1].f.Sync()
	}
	q.mu.Unlock()
	q.ckMu.Lock()
	if cerr := writeCheckpoint(q.ckPath(), acked, true); cerr != nil && err == nil {
		err = cerr
	}
	q.ckSeq = acked
	q.ckMu.Unlock()
	q.mu.Lock()
	q.shut = true
	q.mu.Unlock()
	q.closeFiles()
	if err != nil {
		return fmt.Errorf("queue %s: close: %w", q.opt.Dir, err)
	}
	q.log.Info("persisted queue closed", "unacknowledged_events", q.writeSeq-acked,
		"events_from_memory", q.fromMem, "events_from_disk", q.fromDisk, "spills", q.spills)
	return nil
}

// stopSyncer stops the background goroutine (wmu held).
func (q *Persisted) stopSyncer() {
	if q.syncReq != nil {
		close(q.syncReq)
		<-q.syncDone
		q.mu.Lock()
		q.syncReq = nil
		q.mu.Unlock()
	}
}

func (q *Persisted) closeFiles() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, p := range q.pages {
		p.f.Close()
	}
	q.pages = nil
	if q.lock != nil {
		q.lock.Close()
		q.lock = nil
	}
}
