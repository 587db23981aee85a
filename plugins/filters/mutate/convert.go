package mutate

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sluicelog/sluice/event"
)

// Conversion targets accepted by the convert option.
var conversions = []string{"integer", "integer_eu", "float", "float_eu", "string", "boolean"}

// converter converts one value (never nil, never a hash at top level).
// An error aborts the mutate filter and tags the event, as an exception
// does in Logstash.
type converter func(v any) (any, error)

func converterFor(kind string) converter {
	switch kind {
	case "integer":
		return toInteger
	case "integer_eu":
		return func(v any) (any, error) { return toInteger(swapEU(v)) }
	case "float":
		return toFloat
	case "float_eu":
		return func(v any) (any, error) { return toFloat(swapEU(v)) }
	case "string":
		return toString
	case "boolean":
		return toBoolean
	}
	return nil
}

// swapEU turns "1.234,5" into "1,234.5" (EU decimal comma, dot grouping to
// US notation); non-strings are returned as they are.
func swapEU(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	b := []byte(s)
	for i, c := range b {
		switch c {
		case ',':
			b[i] = '.'
		case '.':
			b[i] = ','
		}
	}
	return string(b)
}

// cleanNumber prepares a numeric string as Logstash does: surrounding
// whitespace removed, commas (group separators) deleted, lower case.
func cleanNumber(s string) string {
	s = strings.Trim(s, rubySpace)
	if strings.IndexByte(s, ',') >= 0 {
		s = strings.ReplaceAll(s, ",", "")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

var errNotNumber = errors.New("not a number")

func toInteger(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case float64:
		return floatToInt(x)
	case time.Time:
		return x.Unix(), nil
	case string:
		n, err := parseInteger(cleanNumber(x))
		if err != nil {
			return nil, fmt.Errorf("cannot convert %q to integer: %w", x, err)
		}
		return n, nil
	}
	return nil, fmt.Errorf("cannot convert a %s to integer", event.TypeName(v))
}

func floatToInt(f float64) (int64, error) {
	if math.IsNaN(f) || f >= 1<<63 || f < -(1<<63) {
		return 0, fmt.Errorf("cannot convert %v to integer: outside the 64-bit integer range", f)
	}
	return int64(f), nil // conversion truncates toward zero
}

// parseInteger parses a cleaned string: a hexadecimal integer (0x1f,
// -0x1f), a hexadecimal float with a fraction (0x1.8p3) or a decimal
// number with optional fraction and exponent. Fractions are truncated.
// The result is exact (no detour through float64).
func parseInteger(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && !strings.Contains(s, "_") {
		return n, nil // the common case
	}
	if isHex(s) {
		if strings.IndexByte(s, '.') < 0 {
			n, err := strconv.ParseInt(s, 0, 64)
			if err != nil {
				return 0, errNotNumber
			}
			return n, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, errNotNumber
		}
		return floatToInt(f)
	}
	d, ok := parseDecimal(s)
	if !ok {
		return 0, errNotNumber
	}
	return d.truncate()
}

func toFloat(v any) (any, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	case bool:
		if x {
			return 1.0, nil
		}
		return 0.0, nil
	case time.Time:
		return float64(x.Unix()) + float64(x.Nanosecond())/1e9, nil
	case string:
		f, err := parseFloat(cleanNumber(x))
		if err != nil {
			return nil, fmt.Errorf("cannot convert %q to float: %w", x, err)
		}
		return f, nil
	}
	return nil, fmt.Errorf("cannot convert a %s to float", event.TypeName(v))
}

func parseFloat(s string) (float64, error) {
	var f float64
	if isHex(s) {
		if strings.ContainsAny(s, ".p") {
			var err error
			if f, err = strconv.ParseFloat(s, 64); err != nil {
				return 0, errNotNumber
			}
		} else {
			n, err := strconv.ParseInt(s, 0, 64)
			if err != nil {
				return 0, errNotNumber
			}
			f = float64(n)
		}
	} else {
		d, ok := parseDecimal(s)
		if !ok {
			return 0, errNotNumber
		}
		var err error
		if f, err = strconv.ParseFloat(d.text(), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return 0, errNotNumber
		}
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, errors.New("outside the 64-bit float range")
	}
	return f, nil
}

func isHex(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	return strings.HasPrefix(s, "0x")
}

// decimal is a parsed decimal number: sign, digits and a power of ten.
type decimal struct {
	neg    bool
	digits string // significant digits, no leading zeros ("" is zero)
	exp    int    // value = digits × 10^exp
	raw    string // the input without underscores
}

// maxExp bounds exponents so that absurd inputs ("1e999999999") cost
// nothing; anything beyond is out of every range we produce.
const maxExp = 100000

// parseDecimal accepts [+-] digits [. digits] [e [+-] digits], with a
// single underscore allowed between digits (as Ruby does), and either the
// integer or the fraction part possibly empty (not both).
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.neg = s[i] == '-'
		i++
	}
	var digits []byte
	intStart := i
	i, digits, ok := scanDigits(s, i, digits)
	if !ok {
		return d, false
	}
	nInt := i - intStart
	nFrac := 0
	if i < len(s) && s[i] == '.' {
		i++
		before := len(digits)
		fracStart := i
		i, digits, ok = scanDigits(s, i, digits)
		if !ok {
			return d, false
		}
		nFrac = len(digits) - before
		if i == fracStart {
			nFrac = 0
		}
	}
	if nInt == 0 && nFrac == 0 {
		return d, false
	}
	exp := 0
	if i < len(s) && s[i] == 'e' {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if exp < maxExp {
				exp = exp*10 + int(s[i]-'0')
			}
			i++
		}
		if i == start {
			return d, false
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return d, false
	}
	sig := strings.TrimLeft(string(digits), "0")
	d.digits = sig
	d.exp = exp - nFrac
	if strings.IndexByte(s, '_') >= 0 {
		d.raw = strings.ReplaceAll(s, "_", "")
	} else {
		d.raw = s
	}
	return d, true
}

// scanDigits appends the digits at s[i:] to dst, allowing single
// underscores between digits.
func scanDigits(s string, i int, dst []byte) (int, []byte, bool) {
	start := i
	for i < len(s) {
		c := s[i]
		if c >= '0' && c <= '9' {
			dst = append(dst, c)
			i++
			continue
		}
		if c == '_' && i > start && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' && s[i-1] != '_' {
			i++
			continue
		}
		break
	}
	return i, dst, true
}

// truncate returns the integer part, exactly.
func (d decimal) truncate() (int64, error) {
	if d.digits == "" {
		return 0, nil
	}
	digits := d.digits
	if d.exp < 0 {
		keep := len(digits) + d.exp
		if keep <= 0 {
			return 0, nil
		}
		digits = digits[:keep]
	} else if d.exp > 0 {
		if len(digits)+d.exp > 19 {
			return 0, errors.New("outside the 64-bit integer range")
		}
		digits += strings.Repeat("0", d.exp)
	}
	u, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, errors.New("outside the 64-bit integer range")
	}
	switch {
	case !d.neg && u <= math.MaxInt64:
		return int64(u), nil
	case d.neg && u <= 1<<63:
		return -int64(u-1) - 1, nil
	}
	return 0, errors.New("outside the 64-bit integer range")
}

// text returns the number in a form strconv.ParseFloat accepts.
func (d decimal) text() string { return d.raw }

func toString(v any) (any, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return string(event.FormatValue(nil, v)), nil
}

// trueRe and falseRe are Logstash's boolean spellings (case-insensitive).
var (
	trueWords  = []string{"true", "t", "yes", "y", "1", "1.0"}
	falseWords = []string{"false", "f", "no", "n", "0", "0.0"}
)

// toBoolean converts like Logstash: the text of the value is compared
// with the true and false spellings; an empty string is false; anything
// else passes through unchanged (not an error).
func toBoolean(v any) (any, error) {
	var s string
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		s = x
	case int64, float64:
		s = string(event.FormatValue(nil, x))
	default:
		return v, nil
	}
	if s == "" {
		return false, nil
	}
	for _, w := range trueWords {
		if strings.EqualFold(s, w) {
			return true, nil
		}
	}
	for _, w := range falseWords {
		if strings.EqualFold(s, w) {
			return false, nil
		}
	}
	return v, nil
}
