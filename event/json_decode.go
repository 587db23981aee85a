package event

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxJSONDepth is how deeply arrays and objects may nest in decoded JSON.
// Deeper input is rejected (it is never a log event, and unbounded
// recursion would let one message exhaust the stack).
const MaxJSONDepth = 512

// JSONError is a JSON syntax error. Offset is the byte offset in the input
// where the problem was found.
type JSONError struct {
	Offset int
	Msg    string
}

func (e *JSONError) Error() string {
	return fmt.Sprintf("invalid JSON at byte offset %d: %s", e.Offset, e.Msg)
}

// DecodeJSON decodes a JSON object into an event field map (see
// DecodeJSONValue for the value rules). Input that is valid JSON but not an
// object is an error.
func DecodeJSON(data []byte) (map[string]any, error) {
	v, err := DecodeJSONValue(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &JSONError{Offset: firstNonSpace(data), Msg: "expected an object, got " + jsonTypeName(v)}
	}
	return m, nil
}

// FromJSON decodes a JSON object into a new event, as FromMap does with a
// map: @timestamp is parsed, @metadata becomes the event's metadata, a
// missing @version is set.
func FromJSON(data []byte) (*Event, error) {
	m, err := DecodeJSON(data)
	if err != nil {
		return nil, err
	}
	return FromMap(m), nil
}

// DecodeJSONValue decodes one JSON value into event values:
//   - objects become map[string]any (a repeated key: the last one wins),
//     arrays []any, strings string, true/false bool, null nil;
//   - integers that fit int64 become int64, every other number float64
//     (a number with a fraction or exponent is always a float64);
//   - invalid UTF-8 and unpaired surrogate escapes in strings become U+FFFD;
//   - NaN, Infinity and -Infinity (which Python's json module writes by
//     default) are accepted as float64 values;
//   - nesting deeper than MaxJSONDepth, trailing data after the value and
//     any syntax error give a *JSONError with the byte offset.
//
// The strings in the result share one copy of data: data may be reused by
// the caller once DecodeJSONValue returns.
func DecodeJSONValue(data []byte) (any, error) {
	return DecodeJSONString(string(data))
}

// DecodeJSONString is DecodeJSONValue for text already in a string. Decoded
// strings are substrings of s where no unescaping was needed, so decoding
// allocates little; they keep s alive. Short strings that repeat from one
// document to the next are copies shared between the results.
func DecodeJSONString(s string) (any, error) {
	d := jsonDecoderPool.Get().(*jsonDecoder)
	d.s = s
	d.pos = 0
	d.depth = 0
	if len(s) >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF {
		d.pos = 3 // a UTF-8 byte order mark
	}
	v, err := d.value()
	if err == nil {
		d.skipSpace()
		if d.pos < len(d.s) {
			err = d.errorf("unexpected %s after the top-level value", d.describe())
			v = nil
		}
	}
	d.release()
	return v, err
}

type jsonMember struct {
	key string
	val any
}

type jsonDecoder struct {
	s     string
	pos   int
	depth int
	// share and shared: see JSONSharer (set for one Decode only).
	share  *JSONSharer
	shared []*sharedObject
	// interned holds short strings seen recently, boxed once (see
	// internedValue). It survives release: the pool keeps it warm.
	interned [internSlots]internedString
	// Stacks shared by nested containers: members and items are collected
	// here first so that each map or slice is allocated once at its size.
	members []jsonMember
	items   []any
	buf     []byte
}

var jsonDecoderPool = sync.Pool{New: func() any { return &jsonDecoder{} }}

func (d *jsonDecoder) release() {
	d.s = ""
	d.share = nil
	clear(d.shared)
	d.shared = d.shared[:0]
	clear(d.members[:cap(d.members)])
	d.members = d.members[:0]
	clear(d.items[:cap(d.items)])
	d.items = d.items[:0]
	if cap(d.buf) > 64<<10 {
		d.buf = nil
	}
	if cap(d.members) > 4096 || cap(d.items) > 4096 {
		return // let a decoder that grew on a huge document go
	}
	jsonDecoderPool.Put(d)
}

func (d *jsonDecoder) errorf(format string, args ...any) error {
	return &JSONError{Offset: d.pos, Msg: fmt.Sprintf(format, args...)}
}

// describe names what is at the current position, for error messages.
func (d *jsonDecoder) describe() string {
	if d.pos >= len(d.s) {
		return "end of input"
	}
	c := d.s[d.pos]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("character %q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (d *jsonDecoder) skipSpace() {
	for d.pos < len(d.s) {
		switch d.s[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *jsonDecoder) value() (any, error) {
	d.skipSpace()
	if d.pos >= len(d.s) {
		return nil, d.errorf("unexpected end of input, expected a value")
	}
	switch c := d.s[d.pos]; c {
	case '{':
		return d.object()
	case '[':
		return d.array()
	case '"':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		return s, nil
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	case 'N':
		return math.NaN(), d.literal("NaN")
	case 'I':
		return math.Inf(1), d.literal("Infinity")
	case '-':
		if d.pos+1 < len(d.s) && d.s[d.pos+1] == 'I' {
			return math.Inf(-1), d.literal("-Infinity")
		}
		return d.number()
	default:
		if c >= '0' && c <= '9' {
			return d.number()
		}
		return nil, d.errorf("unexpected %s, expected a value", d.describe())
	}
}

// Interning: the documents of one source repeat their short values
// ("filebeat", "_doc", "8.0.0", a host name) in every document. Boxing a
// string in an interface costs an allocation; a small direct-mapped cache
// of boxed copies saves it (and keeps no document alive). A slot is
// replaced on a miss, so values that never repeat only cost the copy.
const (
	internSlots  = 64
	maxInternLen = 32
)

type internedString struct {
	s string
	v any // s boxed
}

// internedValue is value, with short strings taken from the cache.
func (d *jsonDecoder) internedValue() (any, error) {
	d.skipSpace()
	if d.pos >= len(d.s) || d.s[d.pos] != '"' {
		return d.value()
	}
	s, err := d.str()
	if err != nil || len(s) == 0 || len(s) > maxInternLen {
		return s, err
	}
	// FNV-1a of the length, the first and the last two bytes: cheap,
	// and enough to spread a document's few distinct values.
	h := uint32(2166136261)
	for _, c := range [...]byte{byte(len(s)), s[0], s[len(s)/2], s[len(s)-1]} {
		h = (h ^ uint32(c)) * 16777619
	}
	slot := &d.interned[h%internSlots]
	if slot.s == s {
		return slot.v, nil
	}
	c := strings.Clone(s)
	slot.s, slot.v = c, c
	return slot.v, nil
}

func (d *jsonDecoder) literal(lit string) error {
	if len(d.s)-d.pos >= len(lit) && d.s[d.pos:d.pos+len(lit)] == lit {
		d.pos += len(lit)
		return nil
	}
	return d.errorf("invalid literal, expected %s", lit)
}

func (d *jsonDecoder) enter() error {
	d.depth++
	if d.depth > MaxJSONDepth {
		return d.errorf("arrays and objects nested more than %d levels deep", MaxJSONDepth)
	}
	return nil
}

func (d *jsonDecoder) object() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++ // {
	d.skipSpace()
	if d.pos < len(d.s) && d.s[d.pos] == '}' {
		d.pos++
		d.depth--
		return map[string]any{}, nil
	}
	start := len(d.members)
	for {
		d.skipSpace()
		if d.pos >= len(d.s) || d.s[d.pos] != '"' {
			return nil, d.errorf("unexpected %s, expected a string key", d.describe())
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.s) || d.s[d.pos] != ':' {
			return nil, d.errorf("unexpected %s, expected ':' after an object key", d.describe())
		}
		d.pos++
		var v any
		switch {
		case d.share != nil && d.depth == 1:
			var shared bool
			if v, shared, err = d.shareMember(k); shared {
				break
			}
			if err == nil {
				d.members = append(d.members, jsonMember{k, v})
			}
		case k == TimestampField:
			// Parsed by FromMap and dropped: not worth interning.
			v, err = d.value()
			d.members = append(d.members, jsonMember{k, v})
		default:
			v, err = d.internedValue()
			d.members = append(d.members, jsonMember{k, v})
		}
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.s) {
			return nil, d.errorf("unexpected end of input in an object")
		}
		c := d.s[d.pos]
		d.pos++
		if c == '}' {
			break
		}
		if c != ',' {
			d.pos--
			return nil, d.errorf("unexpected %s, expected ',' or '}' in an object", d.describe())
		}
	}
	members := d.members[start:]
	// Room for two more keys: FromMap and the codecs add @timestamp,
	// @version or [event][original], and a Go map filled exactly to a
	// size class boundary (8 entries) is rebuilt on the next insert.
	m := make(map[string]any, len(members)+2)
	for _, kv := range members {
		m[kv.key] = kv.val
	}
	clear(members)
	d.members = d.members[:start]
	d.depth--
	return m, nil
}

func (d *jsonDecoder) array() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++ // [
	d.skipSpace()
	if d.pos < len(d.s) && d.s[d.pos] == ']' {
		d.pos++
		d.depth--
		return []any{}, nil
	}
	start := len(d.items)
	for {
		v, err := d.internedValue()
		if err != nil {
			return nil, err
		}
		d.items = append(d.items, v)
		d.skipSpace()
		if d.pos >= len(d.s) {
			return nil, d.errorf("unexpected end of input in an array")
		}
		c := d.s[d.pos]
		d.pos++
		if c == ']' {
			break
		}
		if c != ',' {
			d.pos--
			return nil, d.errorf("unexpected %s, expected ',' or ']' in an array", d.describe())
		}
	}
	items := d.items[start:]
	out := make([]any, len(items))
	copy(out, items)
	clear(items)
	d.items = d.items[:start]
	d.depth--
	return out, nil
}

// strSafe[c] is true for bytes that end the fast string scan: the quote,
// the backslash, control characters and non-ASCII bytes.
var strStop = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf
	}
	return t
}()

// skipPlain returns the index of the first byte at or after i that ends
// the fast string scan (strStop), or len(s): 8 bytes at a time while it
// can.
func skipPlain(s string, i int) int {
	for i+8 <= len(s) && safeWord(load64(s, i)) {
		i += 8
	}
	for i < len(s) && !strStop[s[i]] {
		i++
	}
	return i
}

// str decodes the string starting at the opening quote at d.pos.
func (d *jsonDecoder) str() (string, error) {
	open := d.pos
	i := open + 1
	s := d.s
	i = skipPlain(s, i)
	if i < len(s) && s[i] == '"' {
		d.pos = i + 1
		return s[open+1 : i], nil
	}
	// Slow path: escapes, non-ASCII or errors. b stays nil while the
	// string can still be returned as a substring.
	var b []byte
	start := open + 1
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			d.pos = i + 1
			if b == nil {
				return s[start:i], nil
			}
			out := string(b)
			d.buf = b[:0]
			return out, nil
		case c == '\\':
			if b == nil {
				b = append(d.buf[:0], s[start:i]...)
			}
			if i+1 >= len(s) {
				d.pos = i
				return "", d.errorf("unterminated string starting at byte offset %d", open)
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
				i += 2
			case 'n':
				b = append(b, '\n')
				i += 2
			case 't':
				b = append(b, '\t')
				i += 2
			case 'r':
				b = append(b, '\r')
				i += 2
			case 'b':
				b = append(b, '\b')
				i += 2
			case 'f':
				b = append(b, '\f')
				i += 2
			case 'u':
				r, ok := hex4(s, i+2)
				if !ok {
					d.pos = i
					return "", d.errorf(`invalid \u escape in a string`)
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if r < 0xDC00 && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						r2, ok = hex4(s, i+2)
						if !ok {
							d.pos = i
							return "", d.errorf(`invalid \u escape in a string`)
						}
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError // an unpaired surrogate
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				d.pos = i
				return "", d.errorf("invalid escape %q in a string", "\\"+string(rune(e)))
			}
		case c < 0x20:
			d.pos = i
			return "", d.errorf("control character 0x%02x in a string (must be escaped)", c)
		case c < utf8.RuneSelf:
			// A run of plain bytes up to the next byte that needs a
			// look, copied at once.
			j := skipPlain(s, i+1)
			if b != nil {
				b = append(b, s[i:j]...)
			}
			i = j
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				if b == nil {
					b = append(d.buf[:0], s[start:i]...)
				}
				b = append(b, "\ufffd"...)
			} else if b != nil {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	d.pos = open
	return "", d.errorf("unterminated string")
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func (d *jsonDecoder) number() (any, error) {
	s := d.s
	start := d.pos
	i := start
	if s[i] == '-' {
		i++
	}
	digitsStart := i
	if i < len(s) && s[i] == '0' {
		i++
	} else {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i == digitsStart {
		d.pos = i
		return nil, d.errorf("invalid number: expected a digit")
	}
	intEnd := i
	isInt := true
	if i < len(s) && s[i] == '.' {
		i++
		fracStart := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == fracStart {
			d.pos = i
			return nil, d.errorf("invalid number: expected a digit after '.'")
		}
		isInt = false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		expStart := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == expStart {
			d.pos = i
			return nil, d.errorf("invalid number: expected a digit in the exponent")
		}
		isInt = false
	}
	d.pos = i
	lit := s[start:i]
	if isInt {
		if intEnd-digitsStart <= 18 {
			var n int64
			for _, c := range []byte(s[digitsStart:intEnd]) {
				n = n*10 + int64(c-'0')
			}
			if digitsStart > start {
				n = -n
			}
			return n, nil
		}
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return n, nil
		}
	}
	// ParseFloat reports out-of-range values as ±Inf (or 0) with an error;
	// the value is still the nearest float64, so it is kept.
	f, _ := strconv.ParseFloat(lit, 64)
	return f, nil
}

func firstNonSpace(data []byte) int {
	for i, c := range data {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			return i
		}
	}
	return len(data)
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case nil:
		return "null"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}
