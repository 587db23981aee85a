package dlq

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/netutil"
	"github.com/sluicelog/sluice/plugin"
)

// Storage policies: what the writer does when the queue reached MaxBytes.
const (
	// DropNewer drops the event being written.
	DropNewer = "drop_newer"
	// DropOlder deletes the oldest segments to make room.
	DropOlder = "drop_older"
)

// Defaults of the dead_letter_queue.* settings.
const (
	DefaultMaxBytes      = 1024 << 20
	DefaultFlushInterval = 5 * time.Second
	DefaultSegmentBytes  = 10 << 20
)

// Options configure a Writer.
type Options struct {
	// Dir is the pipeline's queue directory
	// (<path.dead_letter_queue>/<pipeline id>); it is created if needed.
	Dir string
	// MaxBytes bounds the segment files' total size
	// (dead_letter_queue.max_bytes, default 1024 MiB).
	MaxBytes int64
	// StoragePolicy is DropNewer (default) or DropOlder.
	StoragePolicy string
	// FlushInterval is how long a written event may stay in memory before
	// it reaches the file, where readers see it
	// (dead_letter_queue.flush_interval, default 5 s).
	FlushInterval time.Duration
	// RetainAge, when > 0, deletes segments whose last event is older
	// (dead_letter_queue.retain.age).
	RetainAge time.Duration
	// SegmentBytes is the size at which a segment is closed and the next
	// one started (default 10 MiB).
	SegmentBytes int64
	Logger       *slog.Logger

	now func() time.Time // tests
}

// Stats are a writer's counters, for monitoring.
type Stats struct {
	// Written counts events written since the writer opened.
	Written int64
	// Dropped counts events lost to the storage policy: rejected when full
	// (drop_newer) or deleted with the oldest segments (drop_older).
	Dropped int64
	// Expired counts events deleted by retain.age.
	Expired int64
	// QueueSizeBytes is the segment files' total size; MaxBytes its bound.
	QueueSizeBytes, MaxBytes int64
	StoragePolicy            string
	// LastError describes the last failure (a dropped event, an I/O
	// error); empty if none.
	LastError string
}

// Writer appends dead letters to a queue directory. It is safe for
// concurrent use. Readers see an event once it was flushed: after
// FlushInterval, at Flush, or at Close.
type Writer struct {
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	closed   bool
	sealed   []sealedSeg // oldest first
	cur      *os.File    // nil until the first write of a segment
	bw       *bufio.Writer
	curSeq   uint64
	curSize  int64 // bytes in the file, buffered included
	curCount int64
	curLast  time.Time // time of the segment's last event
	dirty    bool      // buffered bytes not yet synced
	buf      []byte
	lastErr  string

	written, dropped, expired atomic.Int64
	size                      atomic.Int64

	lock *os.File // held while open

	againLog netutil.LogLimiter

	stop chan struct{}
	done chan struct{}
}

type sealedSeg struct {
	seq   uint64
	size  int64
	count int64 // -1: not known yet
	last  time.Time
}

// Open opens (creating if needed) the queue directory. A torn tail left
// in the newest segment by a crash is truncated; writing goes on in a new
// segment.
func Open(opts Options) (*Writer, error) {
	if opts.Dir == "" {
		return nil, errors.New("dead letter queue: no directory")
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	switch opts.StoragePolicy {
	case "":
		opts.StoragePolicy = DropNewer
	case DropNewer, DropOlder:
	default:
		return nil, fmt.Errorf("dead letter queue: storage_policy %q is not drop_newer or drop_older", opts.StoragePolicy)
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	if opts.SegmentBytes <= 0 {
		opts.SegmentBytes = DefaultSegmentBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.now == nil {
		opts.now = time.Now
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("dead letter queue: %w", err)
	}
	lock, err := lockDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	w := &Writer{opts: opts, log: opts.Logger.With("dead_letter_queue", opts.Dir), lock: lock,
		stop: make(chan struct{}), done: make(chan struct{})}
	ok := false
	defer func() {
		if !ok && lock != nil {
			lock.Close()
		}
	}()
	segs, err := listSegments(opts.Dir)
	if err != nil {
		return nil, err
	}
	for i, s := range segs {
		count := int64(-1)
		if i == len(segs)-1 {
			path := segmentPath(opts.Dir, s.seq)
			n, end, err := scanSegment(path)
			if err != nil {
				w.log.Warn("dead letter queue: unreadable segment left as it is", "segment", path, "error", err)
			} else if end < s.size {
				if end <= headerSize && n == 0 {
					end = headerSize
				}
				w.log.Warn("dead letter queue: truncating a torn tail", "segment", path, "from_bytes", s.size, "to_bytes", end)
				if err := os.Truncate(path, end); err != nil {
					return nil, fmt.Errorf("dead letter queue: truncate torn tail: %w", err)
				}
				s.size = end
			}
			if err == nil {
				count = int64(n)
			}
		}
		w.sealed = append(w.sealed, sealedSeg{seq: s.seq, size: s.size, count: count, last: s.mod})
		w.curSeq = s.seq
	}
	w.size.Store(w.totalLocked())
	ok = true
	go w.loop()
	return w, nil
}

var _ plugin.DeadLetterQueue = (*Writer)(nil)

// ForPlugin returns the writer that pipeline plugins of the given type
// (their name, "elasticsearch") get as plugin.Context.DeadLetter.
func (w *Writer) ForPlugin(pluginType string) plugin.DeadLetterWriter {
	return pluginWriter{w: w, typ: pluginType}
}

type pluginWriter struct {
	w   *Writer
	typ string
}

func (p pluginWriter) WriteDeadLetter(e *event.Event, pluginID, reason string) error {
	return p.w.Write(e, p.typ, pluginID, reason)
}

// MetadataKey is the @metadata field the dead_letter_queue input sets on
// replayed events. An event carrying it is not written again, so a
// replay pipeline that keeps failing cannot loop.
const MetadataKey = "dead_letter_queue"

var (
	metaRef  = event.MustRef("[@metadata][" + MetadataKey + "]")
	metaRoot = event.MustRef("[@metadata]")
)

// ErrFull is returned (wrapped) when the queue is full and the policy is
// drop_newer.
var ErrFull = errors.New("dead letter queue is full")

// Write stores e (its fields and @metadata) with the rejecting plugin's
// type and id and the reason.
func (w *Writer) Write(e *event.Event, pluginType, pluginID, reason string) error {
	if _, again := e.Get(metaRef); again {
		if ok, suppressed := w.againLog.Allow(); ok {
			w.log.Warn("dead letter queue: event was replayed from the dead letter queue already; not writing it again",
				"plugin_id", pluginID, "reason", reason, "similar_suppressed", suppressed)
		}
		return nil
	}
	en := Entry{PluginType: pluginType, PluginID: pluginID, Reason: reason, Event: eventJSON(nil, e)}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errors.New("dead letter queue: closed")
	}
	en.Time = w.opts.now()
	w.buf = appendRecord(w.buf[:0], &en)
	rec := w.buf
	if len(rec)-recHdrSize > MaxRecordBytes {
		w.dropped.Add(1)
		return w.fail(fmt.Errorf("dead letter queue: event of %d bytes is larger than the limit of %d", len(rec), MaxRecordBytes))
	}
	if err := w.makeRoom(int64(len(rec))); err != nil {
		w.dropped.Add(1)
		return w.fail(err)
	}
	if w.cur != nil && w.curSize+int64(len(rec)) > w.opts.SegmentBytes && w.curCount > 0 {
		if err := w.sealLocked(); err != nil {
			return w.fail(err)
		}
	}
	if w.cur == nil {
		if err := w.startSegment(); err != nil {
			return w.fail(err)
		}
	}
	if _, err := w.bw.Write(rec); err != nil {
		return w.fail(fmt.Errorf("dead letter queue: write: %w", err))
	}
	w.curSize += int64(len(rec))
	w.curCount++
	w.curLast = en.Time
	w.dirty = true
	w.written.Add(1)
	w.size.Store(w.totalLocked())
	return nil
}

func (w *Writer) fail(err error) error {
	w.lastErr = err.Error()
	return err
}

// eventJSON appends e as JSON with its @metadata.
func eventJSON(dst []byte, e *event.Event) []byte {
	start := len(dst)
	dst = e.AppendJSON(dst)
	m, _ := e.Get(metaRoot)
	meta, _ := m.(map[string]any)
	if len(meta) == 0 {
		return dst
	}
	dst = dst[:len(dst)-1] // the closing brace
	if len(dst)-start > 1 {
		dst = append(dst, ',')
	}
	dst = append(dst, `"@metadata":`...)
	dst = event.AppendJSONValue(dst, meta)
	return append(dst, '}')
}

// makeRoom applies the storage policy so that n more bytes fit.
func (w *Writer) makeRoom(n int64) error {
	if w.totalLocked()+n <= w.opts.MaxBytes {
		return nil
	}
	// Readers with clean_consumed may have deleted segments: look again.
	w.refreshSealed()
	for w.totalLocked()+n > w.opts.MaxBytes {
		if w.opts.StoragePolicy == DropNewer {
			return fmt.Errorf("%w (%d bytes of max_bytes %d): event dropped (storage_policy drop_newer)",
				ErrFull, w.totalLocked(), w.opts.MaxBytes)
		}
		if len(w.sealed) == 0 {
			if w.cur == nil || w.curCount == 0 {
				return fmt.Errorf("%w: an event of %d bytes does not fit in max_bytes %d", ErrFull, n, w.opts.MaxBytes)
			}
			if err := w.sealLocked(); err != nil {
				return err
			}
		}
		s := w.sealed[0]
		lost := w.deleteOldest()
		w.dropped.Add(lost)
		w.lastErr = "dead letter queue full: deleted the oldest segment (storage_policy drop_older)"
		w.log.Warn("dead letter queue full: deleted the oldest segment", "segment", segmentName(s.seq), "events", lost)
	}
	return nil
}

// refreshSealed drops sealed segments that are gone from the directory.
func (w *Writer) refreshSealed() {
	segs, err := listSegments(w.opts.Dir)
	if err != nil {
		return
	}
	have := make(map[uint64]bool, len(segs))
	for _, s := range segs {
		have[s.seq] = true
	}
	kept := w.sealed[:0]
	for _, s := range w.sealed {
		if have[s.seq] {
			kept = append(kept, s)
		}
	}
	w.sealed = kept
}

// deleteOldest removes the oldest sealed segment and returns how many
// events it held.
func (w *Writer) deleteOldest() int64 {
	s := w.sealed[0]
	w.sealed = w.sealed[1:]
	path := segmentPath(w.opts.Dir, s.seq)
	count := s.count
	if count < 0 {
		n, _, err := scanSegment(path)
		if err == nil {
			count = int64(n)
		} else {
			count = 0
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		w.log.Warn("dead letter queue: delete segment", "segment", path, "error", err)
	}
	return count
}

func (w *Writer) totalLocked() int64 {
	t := w.curSize
	for _, s := range w.sealed {
		t += s.size
	}
	return t
}

func (w *Writer) startSegment() error {
	seq := w.curSeq + 1
	path := segmentPath(w.opts.Dir, seq)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("dead letter queue: create segment: %w", err)
	}
	if _, err := f.Write(segmentHeader()); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("dead letter queue: create segment: %w", err)
	}
	w.cur, w.curSeq, w.curSize, w.curCount = f, seq, headerSize, 0
	if w.bw == nil {
		w.bw = bufio.NewWriterSize(f, 64<<10)
	} else {
		w.bw.Reset(f)
	}
	return nil
}

// sealLocked flushes, syncs and closes the current segment; the next write
// starts a new one.
func (w *Writer) sealLocked() error {
	if w.cur == nil {
		return nil
	}
	err := w.flushLocked()
	if cerr := w.cur.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("dead letter queue: close segment: %w", cerr)
	}
	w.sealed = append(w.sealed, sealedSeg{seq: w.curSeq, size: w.curSize, count: w.curCount, last: w.curLast})
	w.cur, w.curSize, w.curCount = nil, 0, 0
	return err
}

func (w *Writer) flushLocked() error {
	if w.cur == nil || !w.dirty {
		return nil
	}
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("dead letter queue: flush: %w", err)
	}
	if err := w.cur.Sync(); err != nil {
		return fmt.Errorf("dead letter queue: sync: %w", err)
	}
	w.dirty = false
	return nil
}

// Flush writes buffered events to the segment file, where readers see
// them.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.flushLocked(); err != nil {
		return w.fail(err)
	}
	return nil
}

// expire deletes segments whose last event is older than RetainAge.
func (w *Writer) expire() {
	if w.opts.RetainAge <= 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	cutoff := w.opts.now().Add(-w.opts.RetainAge)
	if w.cur != nil && w.curCount > 0 && w.curLast.Before(cutoff) {
		if err := w.sealLocked(); err != nil {
			w.log.Warn("dead letter queue: seal expired segment", "error", err)
		}
	}
	w.refreshSealed()
	for len(w.sealed) > 0 && w.sealed[0].last.Before(cutoff) {
		s := w.sealed[0]
		n := w.deleteOldest()
		w.expired.Add(n)
		w.log.Info("dead letter queue: deleted a segment older than retain.age", "segment", segmentName(s.seq), "events", n)
	}
	w.size.Store(w.totalLocked())
}

func (w *Writer) loop() {
	defer close(w.done)
	t := time.NewTicker(w.opts.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			if err := w.Flush(); err != nil {
				w.log.Warn("dead letter queue: flush", "error", err)
			}
			w.expire()
		}
	}
}

// Stats returns the writer's counters. The monitoring API publishes them
// under the pipeline's dead_letter_queue.
func (w *Writer) Stats() Stats {
	w.mu.Lock()
	last := w.lastErr
	w.mu.Unlock()
	return Stats{
		Written: w.written.Load(), Dropped: w.dropped.Load(), Expired: w.expired.Load(),
		QueueSizeBytes: w.size.Load(), MaxBytes: w.opts.MaxBytes, StoragePolicy: w.opts.StoragePolicy,
		LastError: last,
	}
}

// Close flushes and closes the queue.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	var err error
	if w.cur != nil {
		err = w.flushLocked()
		if cerr := w.cur.Close(); err == nil && cerr != nil {
			err = cerr
		}
		w.cur = nil
	}
	if w.lock != nil {
		w.lock.Close()
	}
	return err
}
