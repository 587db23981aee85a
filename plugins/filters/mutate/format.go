package mutate

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// appendValue appends v formatted as Logstash turns a value into text.
//
// TODO(event): replace with event.FormatValue once it lands on main.
func appendValue(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return dst
	case string:
		return append(dst, x...)
	case bool:
		return strconv.AppendBool(dst, x)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case float64:
		return appendRubyFloat(dst, x)
	case time.Time:
		return x.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return dst
		}
		return append(dst, b...)
	}
}

// appendRubyFloat formats f as Ruby's Float#to_s: fixed notation with at
// least one fractional digit for 1e-4 <= |f| < 1e16, otherwise scientific
// notation with a two-digit exponent.
func appendRubyFloat(dst []byte, f float64) []byte {
	if f == 0 {
		if 1/f < 0 {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	i := strings.LastIndexByte(string(e), 'e')
	exp, _ := strconv.Atoi(string(e[i+1:]))
	decpt := exp + 1
	if decpt > -4 && decpt <= 16 {
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		if strings.IndexByte(string(dst[start:]), '.') < 0 {
			dst = append(dst, ".0"...)
		}
		return dst
	}
	mant := e[:i]
	dst = append(dst, mant...)
	if strings.IndexByte(string(mant), '.') < 0 {
		dst = append(dst, ".0"...)
	}
	return append(dst, e[i:]...)
}
