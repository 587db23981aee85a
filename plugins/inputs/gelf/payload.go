package gelf

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugins/codecs/codecutil"
)

// Compression of a GELF payload, told by its first bytes.
const (
	compressionNone = iota
	compressionGzip
	compressionZlib
)

func compressionOf(p []byte) int {
	if len(p) < 2 {
		return compressionNone
	}
	if p[0] == 0x1f && p[1] == 0x8b {
		return compressionGzip
	}
	// A zlib header: deflate method (low nibble 8), window <= 32 KiB, and
	// the two bytes are a multiple of 31 (0x78 0x9c for the default level).
	if p[0]&0x0f == 8 && p[0]>>4 <= 7 && (uint16(p[0])<<8|uint16(p[1]))%31 == 0 {
		return compressionZlib
	}
	return compressionNone
}

var errInflateTooLarge = errors.New("payload inflates to more than max_message_size")

// inflater decompresses payloads, reusing its readers and buffer. It is
// not safe for concurrent use.
type inflater struct {
	max  int
	gz   *gzip.Reader
	zl   io.ReadCloser
	src  bytes.Reader
	out  []byte
	read int64 // bytes inflated, for tests
}

// payload returns p uncompressed: p itself when it is not compressed, else
// the inflated bytes in a buffer reused by the next call.
func (f *inflater) payload(p []byte) ([]byte, error) {
	var r io.Reader
	f.src.Reset(p)
	switch compressionOf(p) {
	case compressionGzip:
		if f.gz == nil {
			gz, err := gzip.NewReader(&f.src)
			if err != nil {
				return nil, fmt.Errorf("gzip: %w", err)
			}
			f.gz = gz
		} else if err := f.gz.Reset(&f.src); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		f.gz.Multistream(false)
		r = f.gz
	case compressionZlib:
		if f.zl == nil {
			zl, err := zlib.NewReader(&f.src)
			if err != nil {
				return nil, fmt.Errorf("zlib: %w", err)
			}
			f.zl = zl
		} else if err := f.zl.(zlib.Resetter).Reset(&f.src, nil); err != nil {
			return nil, fmt.Errorf("zlib: %w", err)
		}
		r = f.zl
	default:
		if len(p) > f.max {
			return nil, fmt.Errorf("message of %d bytes is longer than max_message_size (%d)", len(p), f.max)
		}
		return p, nil
	}
	// Read at most max+1 bytes: one more than allowed means a zip bomb or a
	// message over the limit; stop inflating there.
	out := f.out[:0]
	if cap(out) == 0 {
		out = make([]byte, 0, min(4*len(p)+512, f.max+1))
	}
	for {
		if len(out) == cap(out) {
			if len(out) > f.max {
				break
			}
			out = slices.Grow(out, min(cap(out), f.max+1-len(out)))
		}
		n, err := r.Read(out[len(out):min(cap(out), f.max+1)])
		out = out[:len(out)+n]
		f.read += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			f.keep(out)
			return nil, fmt.Errorf("corrupt compressed payload: %w", err)
		}
		if len(out) > f.max {
			break
		}
	}
	f.keep(out)
	if len(out) > f.max {
		return nil, errInflateTooLarge
	}
	return out, nil
}

// keep retains the output buffer for the next call unless it grew large
// (one huge message should not pin memory forever).
func (f *inflater) keep(out []byte) {
	if cap(out) <= 256<<10 {
		f.out = out[:0]
	} else {
		f.out = nil
	}
}

// mapper turns GELF JSON documents into events as Logstash's gelf input
// does.
type mapper struct {
	remap bool
	strip bool
	ecs   bool
	// scratch for strip.
	keys []string
}

// Fields and tags.
const (
	fieldShortMessage = "short_message"
	fieldFullMessage  = "full_message"
	fieldTimestamp    = "timestamp"
	fieldHost         = "host"
	fieldSourceHost   = "source_host"
	// TagTimestampFailure marks an event whose numeric GELF timestamp is
	// not a representable time; the value stays in timestamp.
	TagTimestampFailure = "_gelftimestampfailure"
)

// event builds the event for one GELF message (uncompressed JSON). sender
// is the sender's IP address as text (nil: unknown). The message text is
// copied: data may be reused once event returns.
func (m *mapper) event(data []byte, sender any) *event.Event {
	doc, err := event.DecodeJSON(data)
	if err != nil {
		e := event.NewMessage(codecutil.ValidUTF8(bytes.TrimSpace(data)))
		e.AddTag(codecutil.TagJSONParseFailure)
		m.setSender(e, sender)
		return e
	}
	var tsFailed bool
	switch ts := doc[fieldTimestamp].(type) {
	case float64:
		if t, ok := epochFloat(ts); ok {
			doc[event.TimestampField] = t
			delete(doc, fieldTimestamp)
		} else {
			tsFailed = true
		}
	case int64:
		if ts > -62135596800 && ts < 253402300800 { // years 1 to 9999
			doc[event.TimestampField] = time.Unix(ts, 0).UTC()
			delete(doc, fieldTimestamp)
		} else {
			tsFailed = true
		}
	}
	if !m.ecs && sender != nil {
		// Logstash sets source_host before remapping and stripping.
		doc[fieldSourceHost] = sender
	}
	if m.remap {
		remap(doc)
	}
	if m.strip {
		m.stripUnderscores(doc)
	}
	e := event.FromMap(doc)
	if tsFailed {
		e.AddTag(TagTimestampFailure)
	}
	if m.ecs {
		if h, ok := doc[fieldHost].(string); ok {
			host := map[string]any{"hostname": h}
			if sender != nil {
				host["ip"] = sender
			}
			doc[fieldHost] = host
		} else {
			m.setSender(e, sender)
		}
	}
	return e
}

var (
	refHostIP     = event.MustRef("[host][ip]")
	refSourceHost = event.MustRef(fieldSourceHost)
)

// setSender records the sender's address where it goes in the mode.
func (m *mapper) setSender(e *event.Event, sender any) {
	if sender == nil {
		return
	}
	r := refSourceHost
	if m.ecs {
		r = refHostIP
	}
	if old, ok := e.Get(r); ok && old != nil {
		return
	}
	_ = e.Set(r, sender) // fails only when host holds a scalar: keep it
}

// epochFloat converts seconds since the epoch with a fraction to a time,
// rounded to the microsecond (a float64 holds about that much precision
// for today's dates; rounding turns 1700000000.123 into .123000, not
// .122999906).
func epochFloat(f float64) (time.Time, bool) {
	if math.IsNaN(f) || f <= -62135596800 || f >= 253402300800 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	us := int64(math.Round(frac * 1e6))
	return time.Unix(int64(sec), us*1000).UTC(), true
}

// remap moves full_message (or, when it is absent or empty, short_message)
// to message, as Logstash does: short_message stays when it differs from
// full_message.
func remap(doc map[string]any) {
	if full, ok := doc[fieldFullMessage].(string); ok && full != "" {
		doc[event.MessageField] = full
		delete(doc, fieldFullMessage)
		if short, ok := doc[fieldShortMessage].(string); ok && short == full {
			delete(doc, fieldShortMessage)
		}
		return
	}
	if short, ok := doc[fieldShortMessage].(string); ok && short != "" {
		doc[event.MessageField] = short
		delete(doc, fieldShortMessage)
	}
}

// stripUnderscores renames the top-level fields `_name` to `name` (GELF's
// additional fields). A field `_` alone or `_@...` keeps its name (the
// result would be empty or a reserved name). Should both `__x` and `_x`
// exist, `_x` becomes `x` and `__x` becomes `_x`: nothing is lost.
func (m *mapper) stripUnderscores(doc map[string]any) {
	keys := m.keys[:0]
	double := false
	for k := range doc {
		if len(k) > 1 && k[0] == '_' && k[1] != '@' {
			keys = append(keys, k)
			double = double || k[1] == '_'
		}
	}
	if double {
		// Rename `_x` before `__x` (reverse order), so that `__x` → `_x`
		// never lands on a field still to be renamed.
		slices.Sort(keys)
		slices.Reverse(keys)
	}
	for _, k := range keys {
		v := doc[k]
		delete(doc, k)
		doc[k[1:]] = v
	}
	clear(keys)
	m.keys = keys[:0]
}
