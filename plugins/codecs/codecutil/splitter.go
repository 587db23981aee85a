package codecutil

import "bytes"

// Splitter cuts a byte stream into records separated by a delimiter (lines,
// by default) with bounded memory. Feed it chunks as they arrive: the
// records it emits do not depend on where the chunks were cut.
//
// A record longer than the maximum is emitted once, cut to the maximum,
// with truncated set, as soon as it is known to be too long; the rest of
// it, up to the next delimiter, is dropped. So a Splitter never holds more
// than max+len(delimiter) bytes.
//
// A Splitter is not safe for concurrent use.
type Splitter struct {
	delim      []byte
	max        int
	buf        []byte // the pending partial record (or, when discarding, the last len(delim)-1 bytes)
	discarding bool
}

// NewSplitter returns a splitter for the delimiter (not empty) and the
// maximum record size in bytes (<= 0 means DefaultMaxBytes).
func NewSplitter(delim string, max int) *Splitter {
	if delim == "" {
		panic("BUG: codecutil.NewSplitter with an empty delimiter")
	}
	if max <= 0 {
		max = DefaultMaxBytes
	}
	return &Splitter{delim: []byte(delim), max: max}
}

// Buffered returns how many bytes the splitter holds.
func (s *Splitter) Buffered() int { return len(s.buf) }

// Split consumes p and calls emit for every record it completes, without
// the delimiter. The record slice is valid only during the call. p is not
// kept.
func (s *Splitter) Split(p []byte, emit func(rec []byte, truncated bool)) {
	d := s.delim
	for len(p) > 0 {
		if len(s.buf) == 0 && !s.discarding {
			// Fast path: records entirely inside p need no copy.
			i := bytes.Index(p, d)
			if i < 0 {
				s.stash(p, emit)
				return
			}
			s.complete(nil, p[:i], emit)
			p = p[i+len(d):]
			continue
		}
		// A delimiter that starts in buf and ends in p: try the earliest.
		if k := s.straddle(p); k > 0 {
			head := s.buf[:len(s.buf)-k]
			s.buf = head
			s.complete(head, nil, emit)
			p = p[len(d)-k:]
			continue
		}
		i := bytes.Index(p, d)
		if i < 0 {
			s.stash(p, emit)
			return
		}
		s.complete(s.buf, p[:i], emit)
		p = p[i+len(d):]
	}
}

// Flush emits the pending partial record, if any, as a last record (the
// stream ended without a final delimiter).
func (s *Splitter) Flush(emit func(rec []byte, truncated bool)) {
	if s.discarding {
		s.discarding = false
		s.reset()
		return
	}
	if len(s.buf) > 0 {
		s.complete(s.buf, nil, emit)
	}
}

// straddle returns k > 0 when the last k bytes of buf and the first
// len(delim)-k bytes of p form the delimiter (the largest such k: the
// earliest delimiter).
func (s *Splitter) straddle(p []byte) int {
	d := s.delim
	for k := min(len(d)-1, len(s.buf)); k > 0; k-- {
		rest := d[k:]
		if len(p) >= len(rest) && bytes.HasSuffix(s.buf, d[:k]) && bytes.HasPrefix(p, rest) {
			return k
		}
	}
	return 0
}

// complete handles the record head+tail (head is s.buf or nil) and resets
// the pending state.
func (s *Splitter) complete(head, tail []byte, emit func([]byte, bool)) {
	if s.discarding {
		s.discarding = false
		s.reset()
		return
	}
	n := len(head) + len(tail)
	switch {
	case n > s.max:
		if len(head) >= s.max {
			emit(head[:s.max], true)
		} else {
			rec := append(head, tail[:s.max-len(head)]...)
			s.buf = rec
			emit(rec, true)
		}
	case len(head) == 0:
		emit(tail, false)
	default:
		rec := append(head, tail...)
		s.buf = rec
		emit(rec, false)
	}
	s.reset()
}

// stash keeps p (which holds no complete delimiter after buf) as part of
// the pending record, emitting the record truncated once it is known to be
// longer than max.
func (s *Splitter) stash(p []byte, emit func([]byte, bool)) {
	keep := len(s.delim) - 1 // bytes that may begin a delimiter
	if s.discarding {
		s.buf = keepTail(s.buf, p, keep)
		return
	}
	total := len(s.buf) + len(p)
	if total-keep <= s.max {
		s.buf = append(s.buf, p...)
		return
	}
	// At least max+1 bytes are record content: emit the first max bytes.
	var rec []byte
	if len(s.buf) >= s.max {
		rec = s.buf[:s.max]
	} else {
		rec = append(s.buf, p[:s.max-len(s.buf)]...)
		s.buf = rec
	}
	emit(rec, true)
	s.discarding = true
	s.buf = keepTail(s.buf, p, keep)
	if len(s.buf) == 0 {
		s.reset()
	}
}

// keepTail sets buf to the last n bytes of buf+p.
func keepTail(buf, p []byte, n int) []byte {
	if n == 0 {
		return buf[:0]
	}
	if len(p) >= n {
		return append(buf[:0], p[len(p)-n:]...)
	}
	from := max(0, len(buf)+len(p)-n)
	buf = append(buf[:0], buf[from:]...)
	return append(buf, p...)
}

func (s *Splitter) reset() {
	if cap(s.buf) > 64<<10 {
		s.buf = nil // do not pin a big buffer on an idle stream
		return
	}
	s.buf = s.buf[:0]
}
