package event

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// AppendJSON appends the event as one compact JSON object (no trailing
// newline) and returns the extended buffer. @metadata is not included.
//
// The output is deterministic: @timestamp comes first, then every other
// key in byte order, at every level. Timestamps (anywhere) are ISO-8601
// UTC strings with milliseconds; strings are escaped as JSON requires, with
// invalid UTF-8 replaced by U+FFFD; floats use the shortest form that
// parses back to the same value and always keep a fraction or exponent
// (3.0, not 3), so a float never comes back as an integer; NaN and ±Inf,
// which JSON cannot represent, are written as null.
func (e *Event) AppendJSON(dst []byte) []byte {
	var shared []jsonMember
	if e.patch != nil && e.patchFields {
		// The patch's members are written from their encoding when the
		// event holds none of the top-level fields it changes.
		if e.patchConflict() {
			e.flushPatch(false)
		} else {
			shared = e.patch.fields.enc
		}
	}
	enc := jsonEncoderPool.Get().(*jsonEncoder)
	dst = enc.appendMap(dst, e.fields, shared, true)
	enc.reset()
	jsonEncoderPool.Put(enc)
	return dst
}

// AppendJSONValue appends v (an event value: nil, bool, int64, float64,
// string, time.Time, []any, map[string]any) as JSON, with the same rules
// as AppendJSON. Other Go types are normalised first (see Normalize).
func AppendJSONValue(dst []byte, v any) []byte {
	enc := jsonEncoderPool.Get().(*jsonEncoder)
	dst = enc.appendValue(dst, v)
	enc.reset()
	jsonEncoderPool.Put(enc)
	return dst
}

// jsonEncoder holds scratch space for sorting members; nested maps push
// their members on the same slice.
type jsonEncoder struct {
	keys []jsonMember
	// depth is the current nesting; values nested deeper than
	// MaxJSONDepth (which decoded JSON cannot reach, but filters could
	// build) are written as null rather than followed.
	depth int
}

var jsonEncoderPool = sync.Pool{New: func() any { return &jsonEncoder{keys: make([]jsonMember, 0, 64)} }}

func (enc *jsonEncoder) reset() {
	clear(enc.keys)
	enc.keys = enc.keys[:0]
	enc.depth = 0
}

// appendMap writes m, with the members of shared (rawJSON values) merged
// in key order when root.
func (enc *jsonEncoder) appendMap(dst []byte, m map[string]any, shared []jsonMember, root bool) []byte {
	dst = append(dst, '{')
	first := true
	if root {
		if ts, ok := m[TimestampField]; ok {
			dst = append(dst, `"@timestamp":`...)
			dst = enc.appendValue(dst, ts)
			first = false
		}
	}
	// Keys and values are collected together: no second lookup per key.
	start := len(enc.keys)
	for k, v := range m {
		if root && k == TimestampField {
			continue
		}
		enc.keys = append(enc.keys, jsonMember{k, v})
	}
	enc.keys = append(enc.keys, shared...)
	end := len(enc.keys)
	if end-start > 1 {
		slices.SortFunc(enc.keys[start:end], func(a, b jsonMember) int { return strings.Compare(a.key, b.key) })
	}
	for i := start; i < end; i++ {
		// enc.keys may be reallocated by nested maps: index it afresh.
		kv := enc.keys[i]
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = AppendJSONString(dst, kv.key)
		dst = append(dst, ':')
		dst = enc.appendValue(dst, kv.val)
	}
	clear(enc.keys[start:])
	enc.keys = enc.keys[:start]
	return append(dst, '}')
}

func (enc *jsonEncoder) appendValue(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return AppendJSONString(dst, x)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case float64:
		return AppendJSONFloat(dst, x)
	case bool:
		if x {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case time.Time:
		dst = append(dst, '"')
		dst = FormatTimestamp(dst, x)
		return append(dst, '"')
	case map[string]any:
		if enc.depth >= MaxJSONDepth {
			return append(dst, "null"...)
		}
		enc.depth++
		dst = enc.appendMap(dst, x, nil, false)
		enc.depth--
		return dst
	case rawJSON:
		return append(dst, x...)
	case []any:
		if enc.depth >= MaxJSONDepth {
			return append(dst, "null"...)
		}
		enc.depth++
		dst = append(dst, '[')
		for i, it := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = enc.appendValue(dst, it)
		}
		enc.depth--
		return append(dst, ']')
	default:
		n := Normalize(v)
		switch n.(type) {
		case nil, bool, int64, float64, string, time.Time, []any, map[string]any:
			return enc.appendValue(dst, n)
		}
		// Normalize turns unknown types into strings; this is unreachable.
		return append(dst, "null"...)
	}
}

// AppendJSONFloat appends f as a JSON number that parses back to f and
// always has a fraction or an exponent. NaN and ±Inf become null.
func AppendJSONFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'e', -1, 64)
		// Shorten e-07 to e-7 as JavaScript does.
		n := len(dst)
		if n-start >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
		return dst
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	for _, c := range dst[start:] {
		if c == '.' {
			return dst
		}
	}
	return append(dst, ".0"...)
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// safeWord reports whether none of the 8 bytes of w is a control
// character, '"', '\\' or non-ASCII: then they are copied as they are.
func safeWord(w uint64) bool {
	// A byte b is below 0x20 when (b - 0x20) borrows and b < 0x80; a
	// byte equals c when b ^ c is zero. Bytes >= 0x80 set msb.
	ctl := (w - lsb*0x20) & ^w
	quote := w ^ (lsb * '"')
	bslash := w ^ (lsb * '\\')
	return (ctl|((quote-lsb)&^quote)|((bslash-lsb)&^bslash)|w)&msb == 0
}

// load64 reads s[i:i+8] as a little-endian word (the compiler makes it
// one load).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

const hexDigits = "0123456789abcdef"

// jsonSafe[c] is true for ASCII bytes that need no escaping in a JSON string.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// AppendJSONString appends s as a quoted JSON string. Control characters,
// quotes and backslashes are escaped, U+2028 and U+2029 too (for
// JavaScript consumers); invalid UTF-8 becomes U+FFFD. HTML characters are
// not escaped.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Fast path: skip 8 bytes at a time while none needs a look
		// (log lines are mostly printable ASCII).
		for i+8 <= len(s) && safeWord(load64(s, i)) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
