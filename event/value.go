package event

import (
	"math"
	"strconv"
	"time"
)

// FormatValue appends the text form of an event value, as sprintf
// (%{field}) and conversions to string write it:
//
//   - strings as they are; nil as nothing;
//   - integers in decimal; booleans as true/false;
//   - floats with the fewest digits that read back to the same value and
//     always a fraction: 1.0, 0.25, 1698064496.123, 0.000093; below 1e-7 or
//     from 1e16 on in exponent form 1.0e+16, 2.5e-08 (as Ruby's Float#to_s);
//     NaN, Infinity, -Infinity;
//   - timestamps as ISO-8601 UTC with milliseconds (see FormatTimestamp);
//   - arrays as their elements joined with "," (nested arrays are
//     flattened, nil elements are empty, hashes inside are JSON);
//   - hashes as JSON with sorted keys.
//
// Other Go types (never stored by Event.Set) are normalised first.
func FormatValue(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return dst
	case string:
		return append(dst, x...)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case float64:
		return appendFloatValue(dst, x)
	case bool:
		return strconv.AppendBool(dst, x)
	case time.Time:
		return FormatTimestamp(dst, x)
	case []any:
		return appendJoinedValues(dst, x, 0)
	case map[string]any:
		return AppendJSONValue(dst, x)
	default:
		// Normalize maps every other type to one of the cases above.
		return FormatValue(dst, Normalize(v))
	}
}

// ValueString returns FormatValue's text as a string; a string value is
// returned without copying.
func ValueString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return string(FormatValue(nil, v))
}

// maxFormatDepth bounds recursion into nested arrays and hashes.
const maxFormatDepth = 100

func appendJoinedValues(dst []byte, arr []any, depth int) []byte {
	for i, e := range arr {
		if i > 0 {
			dst = append(dst, ',')
		}
		switch x := e.(type) {
		case []any:
			if depth < maxFormatDepth {
				dst = appendJoinedValues(dst, x, depth+1)
			}
		case map[string]any:
			dst = AppendJSONValue(dst, x)
		default:
			dst = FormatValue(dst, e)
		}
	}
	return dst
}

// appendFloat writes a float as documented on FormatValue.
func appendFloatValue(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	if a := math.Abs(f); a == 0 || (a >= 1e-7 && a < 1e16) {
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		for _, c := range dst[start:] {
			if c == '.' {
				return dst
			}
		}
		return append(dst, '.', '0')
	}
	// Exponent form: Go writes 1.5e+20 / 1e-08; Ruby writes 1.5e+20 / 1.0e-08.
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	e := len(b) - 1
	for b[e] != 'e' {
		e--
	}
	dst = append(dst, b[:e]...)
	hasDot := false
	for _, c := range b[:e] {
		if c == '.' {
			hasDot = true
		}
	}
	if !hasDot {
		dst = append(dst, '.', '0')
	}
	return append(dst, b[e:]...)
}
