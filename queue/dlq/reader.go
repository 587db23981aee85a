package dlq

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
)

// Position is a place in a queue: a segment and a byte offset in it. The
// zero Position is the start of the queue.
type Position struct {
	Segment uint64
	Offset  int64
}

// ErrNoData is returned by TryNext when no complete entry is there yet.
var ErrNoData = errors.New("no dead letter available yet")

// Reader reads a queue directory in order, following the writer: at the
// end of the newest segment it waits for more. Damaged records are skipped
// with a warning. A Reader is not safe for concurrent use.
type Reader struct {
	dir  string
	log  *slog.Logger
	poll time.Duration

	pos    Position
	f      *os.File
	broken bool // the current segment cannot be read further
	hdr    [recHdrSize]byte
	buf    []byte
}

// NewReader returns a reader of dir starting at pos (the zero Position:
// the oldest segment). poll is how often it looks for new data when it is
// at the end (default 500 ms).
func NewReader(dir string, pos Position, logger *slog.Logger, poll time.Duration) *Reader {
	if logger == nil {
		logger = slog.Default()
	}
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	return &Reader{dir: dir, log: logger.With("dead_letter_queue", dir), poll: poll, pos: pos}
}

// Position returns the position just after the last entry returned.
func (r *Reader) Position() Position { return r.pos }

// Close releases the open segment.
func (r *Reader) Close() error {
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

// Next returns the next entry, waiting for one until ctx is done. The
// entry's Event is valid until the next call.
func (r *Reader) Next(ctx context.Context) (Entry, error) {
	for {
		en, err := r.TryNext()
		if !errors.Is(err, ErrNoData) {
			return en, err
		}
		t := time.NewTimer(r.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return Entry{}, ctx.Err()
		case <-t.C:
		}
	}
}

// TryNext returns the next entry, or ErrNoData if none is complete yet.
// The entry's Event is valid until the next call.
func (r *Reader) TryNext() (Entry, error) {
	for {
		if r.f == nil {
			ok, err := r.openSegment()
			if err != nil {
				return Entry{}, err
			}
			if !ok {
				return Entry{}, ErrNoData
			}
		}
		var en Entry
		if !r.broken {
			n, err := r.readAt(&en)
			switch {
			case err == nil:
				r.pos.Offset += int64(n)
				return en, nil
			case errors.Is(err, errCRC) || errors.Is(err, errPayload):
				r.log.Warn("dead letter queue: skipping a damaged record", "segment", segmentName(r.pos.Segment),
					"offset", r.pos.Offset, "bytes", n, "error", err)
				r.pos.Offset += int64(n)
				continue
			case errors.Is(err, errLength):
				r.log.Warn("dead letter queue: segment damaged from here on; skipping the rest of it",
					"segment", segmentName(r.pos.Segment), "offset", r.pos.Offset, "error", err)
				r.broken = true
			case !errors.Is(err, errShort):
				return Entry{}, err
			}
		}
		// At the end of this segment (or of what can be read of it):
		// move on only once the writer started a newer one, and after
		// one more look, as it may have completed this one meanwhile.
		next, err := r.nextSegment()
		if err != nil {
			return Entry{}, err
		}
		if next == 0 {
			return Entry{}, ErrNoData
		}
		if !r.broken {
			n, err := r.readAt(&en)
			if err == nil {
				r.pos.Offset += int64(n)
				return en, nil
			}
			if !errors.Is(err, errShort) {
				continue // handled by the switch above
			}
			if info, serr := r.f.Stat(); serr == nil && info.Size() > r.pos.Offset {
				r.log.Warn("dead letter queue: skipping an incomplete record at the end of a segment",
					"segment", segmentName(r.pos.Segment), "offset", r.pos.Offset, "bytes", info.Size()-r.pos.Offset)
			}
		}
		r.f.Close()
		r.f = nil
		r.pos = Position{Segment: next}
	}
}

// readAt reads the record at the current offset into en.
func (r *Reader) readAt(en *Entry) (int, error) {
	if _, err := r.f.ReadAt(r.hdr[:], r.pos.Offset); err != nil {
		if errors.Is(err, io.EOF) {
			return 0, errShort
		}
		return 0, fmt.Errorf("dead letter queue: read: %w", err)
	}
	n, sum, err := parseRecordHeader(r.hdr[:])
	if err != nil {
		return 0, err
	}
	if cap(r.buf) < n {
		r.buf = make([]byte, n)
	}
	r.buf = r.buf[:n]
	if _, err := r.f.ReadAt(r.buf, r.pos.Offset+recHdrSize); err != nil {
		if errors.Is(err, io.EOF) {
			return 0, errShort
		}
		return 0, fmt.Errorf("dead letter queue: read: %w", err)
	}
	return recHdrSize + n, decodePayload(r.buf, sum, en)
}

// openSegment opens the segment at r.pos, or the first one after it if it
// is gone. It reports false when there is none yet.
func (r *Reader) openSegment() (bool, error) {
	segs, err := listSegments(r.dir)
	if err != nil {
		return false, err
	}
	for _, s := range segs {
		if s.seq < r.pos.Segment {
			continue
		}
		f, err := os.Open(segmentPath(r.dir, s.seq))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // deleted meanwhile (drop_older, retain.age)
			}
			return false, fmt.Errorf("dead letter queue: %w", err)
		}
		h := make([]byte, headerSize)
		if _, err := f.ReadAt(h, 0); err != nil {
			f.Close()
			if s.seq == segs[len(segs)-1].seq {
				return false, nil // being created
			}
			r.log.Warn("dead letter queue: skipping a segment without a header", "segment", segmentName(s.seq))
			r.pos = Position{Segment: s.seq + 1}
			continue
		}
		if err := checkSegmentHeader(h); err != nil {
			f.Close()
			r.log.Warn("dead letter queue: skipping a segment", "segment", segmentName(s.seq), "error", err)
			r.pos = Position{Segment: s.seq + 1}
			continue
		}
		if s.seq != r.pos.Segment || r.pos.Offset < headerSize {
			r.pos = Position{Segment: s.seq, Offset: headerSize}
		}
		r.f, r.broken = f, false
		return true, nil
	}
	return false, nil
}

// nextSegment returns the number of the first segment after the current
// one, 0 if there is none.
func (r *Reader) nextSegment() (uint64, error) {
	segs, err := listSegments(r.dir)
	if err != nil {
		return 0, err
	}
	for _, s := range segs {
		if s.seq > r.pos.Segment {
			return s.seq, nil
		}
	}
	return 0, nil
}

// Segments returns the numbers of the segments in dir, oldest first.
func Segments(dir string) ([]uint64, error) {
	segs, err := listSegments(dir)
	out := make([]uint64, len(segs))
	for i, s := range segs {
		out[i] = s.seq
	}
	return out, err
}

// RemoveSegment deletes segment seq of dir (the input's clean_consumed).
func RemoveSegment(dir string, seq uint64) error {
	err := os.Remove(segmentPath(dir, seq))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
