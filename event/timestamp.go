package event

import (
	"fmt"
	"math"
	"time"
)

// Timestamps are instants between 0000-01-01 and 9999-12-31 (UTC): the
// range four-digit ISO-8601 years can write, so every timestamp Sluice
// accepts can be written back and read again.
const (
	minUnix = -62167219200 // 0000-01-01T00:00:00Z
	maxUnix = 253402300800 // 10000-01-01T00:00:00Z (exclusive)
)

// maxTimestampLen bounds the input ParseTimestamp looks at; real ones are
// at most about 35 bytes.
const maxTimestampLen = 64

// ParseTimestamp parses an ISO-8601 / RFC 3339 timestamp as log shippers
// send them, and returns it in UTC:
//
//	2023-10-23T12:34:56Z              2023-10-23T12:34:56.123Z
//	2023-10-23T12:34:56.123456+00:00  2023-10-23T12:34:56.123+0200
//	2023-10-23T12:34:56.123456        (no offset: UTC)
//	2023-10-23 12:34:56,123           (Python logging's asctime)
//	2023-10-23T12:34                  2023-10-23 (midnight UTC)
//
// The date is YYYY-MM-DD; the time HH:MM[:SS[(.|,)fraction]] after 'T',
// 't' or a space; the fraction has any number of digits (nanoseconds are
// kept, further digits dropped); the offset is Z, ±HH, ±HHMM, ±HH:MM or
// ±HH:MM:SS, or the names UTC and GMT, optionally after one space. Values
// out of range (month 13, Feb 30, 24:00, second 60) are errors, and so are
// instants outside years 0000–9999 UTC.
func ParseTimestamp(s string) (time.Time, error) {
	if t, ok := parseISOTimestamp(s); ok {
		return t, nil
	}
	if len(s) > maxTimestampLen {
		s = s[:maxTimestampLen] + "..."
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %q: expected ISO-8601 such as 2023-10-23T12:34:56.123Z", s)
}

func tsDigits2(s string, i int) (int, bool) {
	a, b := s[i]-'0', s[i+1]-'0'
	if a > 9 || b > 9 {
		return 0, false
	}
	return int(a)*10 + int(b), true
}

func parseISOTimestamp(s string) (time.Time, bool) {
	if len(s) < 10 || len(s) > maxTimestampLen*4 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	hi, ok1 := tsDigits2(s, 0)
	lo, ok2 := tsDigits2(s, 2)
	month, ok3 := tsDigits2(s, 5)
	day, ok4 := tsDigits2(s, 8)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return time.Time{}, false
	}
	year := hi*100 + lo
	if month < 1 || month > 12 || day < 1 || day > monthDays(year, month) {
		return time.Time{}, false
	}
	var hour, minute, sec, nanos int
	i := 10
	if i < len(s) && (s[i] == 'T' || s[i] == 't' || s[i] == ' ') && len(s) >= i+6 && s[i+3] == ':' {
		var ok bool
		if hour, ok = tsDigits2(s, i+1); !ok || hour > 23 {
			return time.Time{}, false
		}
		if minute, ok = tsDigits2(s, i+4); !ok || minute > 59 {
			return time.Time{}, false
		}
		i += 6
		if i < len(s) && s[i] == ':' {
			if len(s) < i+3 {
				return time.Time{}, false
			}
			if sec, ok = tsDigits2(s, i+1); !ok || sec > 59 {
				return time.Time{}, false
			}
			i += 3
			if i < len(s) && (s[i] == '.' || s[i] == ',') {
				i++
				start := i
				for i < len(s) && s[i] >= '0' && s[i] <= '9' {
					if i-start < 9 {
						nanos = nanos*10 + int(s[i]-'0')
					}
					i++
				}
				n := i - start
				if n == 0 {
					return time.Time{}, false
				}
				for ; n < 9; n++ {
					nanos *= 10
				}
			}
		}
	}
	off, ok := parseTSZone(s[i:])
	if !ok {
		return time.Time{}, false
	}
	unix := civilDays(year, month, day)*86400 + int64(hour*3600+minute*60+sec) - int64(off)
	if unix < minUnix || unix >= maxUnix {
		return time.Time{}, false
	}
	return time.Unix(unix, int64(nanos)).UTC(), true
}

// parseZone parses what follows the time: nothing (UTC), Z, UTC, GMT or a
// numeric offset, optionally after one space. It returns seconds east of
// UTC.
func parseTSZone(z string) (int, bool) {
	if z == "" {
		return 0, true
	}
	if z[0] == ' ' {
		z = z[1:]
	}
	switch z {
	case "Z", "z", "UTC", "GMT":
		return 0, true
	}
	if len(z) < 3 || (z[0] != '+' && z[0] != '-') {
		return 0, false
	}
	h, ok := tsDigits2(z, 1)
	if !ok || h > 18 {
		return 0, false
	}
	off := h * 3600
	rest := z[3:]
	colon := len(rest) > 0 && rest[0] == ':'
	for _, unit := range [2]int{60, 1} {
		if rest == "" {
			break
		}
		if colon {
			if rest[0] != ':' {
				return 0, false
			}
			rest = rest[1:]
		}
		if len(rest) < 2 {
			return 0, false
		}
		v, ok := tsDigits2(rest, 0)
		if !ok || v > 59 {
			return 0, false
		}
		off += v * unit
		rest = rest[2:]
	}
	if rest != "" || off > 18*3600 {
		return 0, false
	}
	if z[0] == '-' {
		off = -off
	}
	return off, true
}

func leapYear(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func monthDays(y, m int) int {
	switch m {
	case 2:
		if leapYear(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (the era-based method: 400-year eras of 146097 days, years starting
// in March so that the leap day is last).
func civilDays(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400 // [0, 399]
	mp := (m + 9) % 12 // March = 0
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// FormatTimestamp appends t as ISO-8601 in UTC with exactly three
// fractional digits (truncated) and a Z: 2023-10-23T12:34:56.123Z. This is
// the form every output and codec writes. Years outside 0000–9999 are
// written with a sign (+10000-01-01T00:00:00.000Z), as Java's ISO_INSTANT
// does.
func FormatTimestamp(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	ms := t.Nanosecond() / 1e6
	switch {
	case year < 0:
		dst = append(dst, '-')
		year = -year
	case year > 9999:
		dst = append(dst, '+')
	}
	if year > 9999 {
		dst = appendYearDigits(dst, year)
	} else {
		dst = append(dst, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10))
	}
	return append(dst, '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-',
		byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), '.',
		byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}

func appendYearDigits(dst []byte, v int) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

// ParseUnix parses UNIX time in seconds, with an optional sign and decimal
// fraction ("1698064496", "1698064496.123456"), as the date filter's UNIX
// pattern. The decimal is read exactly (to the nanosecond).
func ParseUnix(s string) (time.Time, error) {
	t, ok := parseDecimalEpoch(s, 1e9)
	if !ok {
		return time.Time{}, fmt.Errorf("invalid UNIX time %q: expected seconds since 1970 such as 1698064496.123", clipForError(s))
	}
	return t, nil
}

// ParseUnixMillis parses UNIX time in milliseconds ("1698064496123",
// optionally with a fraction), as the date filter's UNIX_MS pattern.
func ParseUnixMillis(s string) (time.Time, error) {
	t, ok := parseDecimalEpoch(s, 1e6)
	if !ok {
		return time.Time{}, fmt.Errorf("invalid UNIX_MS time %q: expected milliseconds since 1970 such as 1698064496123", clipForError(s))
	}
	return t, nil
}

func clipForError(s string) string {
	if len(s) > maxTimestampLen {
		return s[:maxTimestampLen] + "..."
	}
	return s
}

// parseDecimalEpoch reads [sign]digits[.digits] in units of unitNanos
// nanoseconds.
func parseDecimalEpoch(s string, unitNanos int64) (time.Time, bool) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var whole int64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if i-start >= 15 { // beyond any time in range, in any unit
			return time.Time{}, false
		}
		whole = whole*10 + int64(s[i]-'0')
		i++
	}
	if i == start {
		return time.Time{}, false
	}
	// Fraction, in nanoseconds of the unit's fraction.
	var frac int64
	if i < len(s) && s[i] == '.' {
		i++
		scale := unitNanos
		fstart := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if scale >= 10 {
				scale /= 10
				frac += int64(s[i]-'0') * scale
			}
			i++
		}
		if i == fstart {
			return time.Time{}, false
		}
	}
	if i != len(s) {
		return time.Time{}, false
	}
	perSec := int64(1e9) / unitNanos // units per second
	sec := whole / perSec
	nanos := whole%perSec*unitNanos + frac
	if neg {
		sec, nanos = -sec, -nanos
	}
	t := time.Unix(sec, nanos)
	if u := t.Unix(); u < minUnix || u >= maxUnix {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// EpochFromValue converts an event value holding UNIX time (seconds, or
// milliseconds when millis is set) to a time: an integer, a float
// (rounded to the microsecond, the precision a float64 keeps for current
// dates) or a decimal string.
func EpochFromValue(v any, millis bool) (time.Time, error) {
	unit := "UNIX"
	if millis {
		unit = "UNIX_MS"
	}
	switch x := v.(type) {
	case int64:
		var t time.Time
		if millis {
			t = time.UnixMilli(x)
		} else {
			if x < minUnix || x >= maxUnix {
				return time.Time{}, fmt.Errorf("%s time %d out of range", unit, x)
			}
			t = time.Unix(x, 0)
		}
		if u := t.Unix(); u < minUnix || u >= maxUnix {
			return time.Time{}, fmt.Errorf("%s time %d out of range", unit, x)
		}
		return t.UTC(), nil
	case float64:
		sec := x
		if millis {
			sec = x / 1e3
		}
		if math.IsNaN(sec) || sec < minUnix || sec >= maxUnix {
			return time.Time{}, fmt.Errorf("%s time %v out of range", unit, x)
		}
		whole := math.Floor(sec)
		micros := math.Round((sec - whole) * 1e6)
		return time.Unix(int64(whole), int64(micros)*1e3).UTC(), nil
	case string:
		if millis {
			return ParseUnixMillis(x)
		}
		return ParseUnix(x)
	default:
		return time.Time{}, fmt.Errorf("%s time: cannot convert a %s", unit, TypeName(v))
	}
}
