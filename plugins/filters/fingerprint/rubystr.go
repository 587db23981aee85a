package fingerprint

import (
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendTop appends v the way Logstash's Ruby code turns a field value into
// text for hashing (to_s): strings as they are, nil as nothing, objects
// and arrays in Ruby's inspect form with keys sorted.
func appendTop(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return dst
	case string:
		return append(dst, x...)
	}
	return appendInspect(dst, v)
}

func appendInspect(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "nil"...)
	case string:
		return appendQuoted(dst, x)
	case bool:
		return strconv.AppendBool(dst, x)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case float64:
		return appendFloat(dst, x)
	case time.Time:
		return appendTime(dst, x)
	case []any:
		dst = append(dst, '[')
		for i, item := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendInspect(dst, item)
		}
		return append(dst, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendQuoted(dst, k)
			dst = append(dst, "=>"...)
			dst = appendInspect(dst, x[k])
		}
		return append(dst, '}')
	}
	return append(dst, "?"...)
}

// appendTime formats a timestamp as Logstash does: ISO 8601 in UTC, with
// milliseconds when the time has no fraction, else as many digits as needed.
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	}
	return t.AppendFormat(dst, "2006-01-02T15:04:05.999999999Z")
}

// appendFloat formats as Ruby's Float#to_s: "1.0", "0.1", "1.0e+20".
func appendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	abs := math.Abs(f)
	if abs != 0 && (abs >= 1e16 || abs < 1e-4) {
		s := strconv.FormatFloat(f, 'e', -1, 64) // 1e+20
		mant, exp, _ := cut(s, 'e')
		dst = append(dst, mant...)
		if !contains(mant, '.') {
			dst = append(dst, ".0"...)
		}
		dst = append(dst, 'e')
		return append(dst, exp...)
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	if !contains(string(dst[n:]), '.') {
		dst = append(dst, ".0"...)
	}
	return dst
}

func cut(s string, c byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func contains(s string, c byte) bool { _, _, ok := cut(s, c); return ok }

// appendQuoted appends s as Ruby's String#inspect does for common text.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, `\n`...)
		case r == '\t':
			dst = append(dst, `\t`...)
		case r == '\r':
			dst = append(dst, `\r`...)
		case r == '#' && i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '$' || s[i+1] == '@'):
			dst = append(dst, `\#`...)
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\x`...)
			dst = append(dst, "0123456789ABCDEF"[s[i]>>4], "0123456789ABCDEF"[s[i]&15])
		case r < 0x20 || r == 0x7f:
			dst = append(dst, `\x`...)
			dst = append(dst, "0123456789ABCDEF"[r>>4], "0123456789ABCDEF"[r&15])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
