// Package joda implements the Joda-Time date patterns that Logstash users
// write: `%{+yyyy.MM.dd}` in sprintf templates and the `match` patterns of
// the date filter. A pattern is compiled once into a Format, which formats
// (Append) and parses (Parse) without re-reading the pattern.
//
// The letters follow org.joda.time.format.DateTimeFormat, not Java's
// DateTimeFormatter: Y is the year of era (the calendar year for every
// year after 1 BC), x is the ISO week-based year, e the ISO day of week
// (Monday = 1). CompileJava compiles Java DateTimeFormatter patterns (the
// `%{{...}}` form of Logstash's sprintf) into the same token list.
//
// Texts (month and day names, AM/PM, eras) are English, as in Logstash's
// default locale.
package joda

import (
	"fmt"
	"strings"
)

// kind is what a token prints or parses.
type kind uint8

const (
	kLiteral            kind = iota
	kEra                     // G: AD/BC
	kCentury                 // C: century of era
	kYearOfEra               // Y (Joda), y (Java)
	kWeekyear                // x (Joda), Y (Java)
	kTwoDigitWeekyear        // xx (Joda), YY (Java)
	kWeek                    // w: ISO week of week-year
	kDayOfWeek               // e: 1 = Monday .. 7 = Sunday
	kDayOfWeekText           // E
	kYear                    // y (Joda), u (Java): proleptic year, signed
	kTwoDigitYear            // yy
	kDayOfYear               // D
	kMonth                   // M, MM
	kMonthText               // MMM, MMMM
	kDayOfMonth              // d
	kHalfday                 // a: AM/PM
	kHourOfHalfday           // K: 0..11
	kClockhourOfHalfday      // h: 1..12
	kHourOfDay               // H: 0..23
	kClockhourOfDay          // k: 1..24
	kMinute                  // m
	kSecond                  // s
	kFraction                // S..S: fraction of second, truncated
	kNanoOfSecond            // n (Java)
	kZoneName                // z
	kZoneOffset              // Z, ZZ (Joda); X, x, Z (Java)
	kZoneID                  // ZZZ (Joda), VV (Java)
	kQuarter                 // Q (Java)
)

// text widths.
const (
	textShort  = 0 // "Mon", "Jan"
	textFull   = 1 // "Monday", "January"
	textNarrow = 2 // "M", "J" (Java only)
)

// token is one element of a compiled pattern.
type token struct {
	kind  kind
	width int // minimum digits printed (numbers), letter count otherwise
	// maxDigits is the number of digits a number may take when parsing.
	maxDigits int
	text      int // textShort, textFull or textNarrow
	// zone offsets: colon between hours and minutes, the text printed for
	// a zero offset ("" prints +00:00), and whether seconds are printed.
	colon   bool
	zero    string
	seconds bool
	// optMinutes: Java's single X/x prints minutes only when non-zero.
	optMinutes bool
	// exceedsPad: Java's 4+ letter years print '+' when longer than width.
	exceedsPad bool
	// lenient two-digit years also accept a full year when parsing.
	lenient bool
	// javaBase: Java's reduced two-digit years parse into 2000..2099.
	javaBase bool
	lit      string
}

// Format is a compiled date pattern. It is immutable and safe for
// concurrent use.
type Format struct {
	pattern string
	tokens  []token
	// fields present in the pattern, for Parse.
	has fieldSet
}

// fieldSet records which fields a pattern contains.
type fieldSet uint32

const (
	hasYear fieldSet = 1 << iota
	hasYearOfEra
	hasCentury
	hasEra
	hasWeekyear
	hasWeek
	hasDayOfWeek
	hasDayOfYear
	hasMonth
	hasDayOfMonth
	hasZone
)

// String returns the pattern as written.
func (f *Format) String() string { return f.pattern }

// HasYear reports whether the pattern contains a year (y, Y, x or C).
// The date filter uses it to decide whether to guess the year.
func (f *Format) HasYear() bool {
	return f.has&(hasYear|hasYearOfEra|hasWeekyear|hasCentury) != 0
}

// HasZone reports whether the pattern parses a zone or offset.
func (f *Format) HasZone() bool { return f.has&hasZone != 0 }

// maxPatternLen bounds patterns; real ones are a few dozen characters.
const maxPatternLen = 1024

// Compile compiles a Joda-Time pattern. Letters other than the supported
// ones (see the package comment) are an error, as in Joda; every other
// character is literal text, and text in single quotes is literal (” is
// a quote).
func Compile(pattern string) (*Format, error) {
	if pattern == "" {
		return nil, fmt.Errorf("empty date pattern")
	}
	if len(pattern) > maxPatternLen {
		return nil, fmt.Errorf("date pattern longer than %d characters", maxPatternLen)
	}
	toks := lex(pattern)
	f := &Format{pattern: pattern}
	for i, lt := range toks {
		if lt.literal {
			f.addLiteral(lt.text)
			continue
		}
		n := len(lt.text)
		nextNumeric := i+1 < len(toks) && jodaNumeric(toks[i+1])
		t := token{width: n}
		switch c := lt.text[0]; c {
		case 'G':
			t.kind = kEra
			f.has |= hasEra
		case 'C':
			t.kind, t.maxDigits = kCentury, n
			f.has |= hasCentury
		case 'x', 'y', 'Y':
			if n == 2 {
				// Two-digit years; parsing takes a longer number as a full
				// year unless another number follows directly.
				t.kind, t.maxDigits, t.lenient = kTwoDigitYear, 2, !nextNumeric
				if c == 'x' {
					t.kind = kTwoDigitWeekyear
				}
			} else {
				t.maxDigits = 9
				if nextNumeric {
					t.maxDigits = n
				}
				switch c {
				case 'x':
					t.kind = kWeekyear
				case 'y':
					t.kind = kYear
				default:
					t.kind = kYearOfEra
				}
			}
			switch c {
			case 'x':
				f.has |= hasWeekyear
			case 'y':
				f.has |= hasYear
			default:
				f.has |= hasYearOfEra
			}
		case 'M':
			f.has |= hasMonth
			if n >= 3 {
				t.kind, t.text = kMonthText, textShort
				if n >= 4 {
					t.text = textFull
				}
			} else {
				t.kind, t.maxDigits = kMonth, 2
			}
		case 'd':
			t.kind, t.maxDigits = kDayOfMonth, 2
			f.has |= hasDayOfMonth
		case 'a':
			t.kind = kHalfday
		case 'h':
			t.kind, t.maxDigits = kClockhourOfHalfday, 2
		case 'H':
			t.kind, t.maxDigits = kHourOfDay, 2
		case 'k':
			t.kind, t.maxDigits = kClockhourOfDay, 2
		case 'K':
			t.kind, t.maxDigits = kHourOfHalfday, 2
		case 'm':
			t.kind, t.maxDigits = kMinute, 2
		case 's':
			t.kind, t.maxDigits = kSecond, 2
		case 'S':
			t.kind, t.maxDigits = kFraction, n
		case 'e':
			t.kind, t.maxDigits = kDayOfWeek, 1
			f.has |= hasDayOfWeek
		case 'E':
			t.kind, t.text = kDayOfWeekText, textShort
			if n >= 4 {
				t.text = textFull
			}
			f.has |= hasDayOfWeek
		case 'D':
			t.kind, t.maxDigits = kDayOfYear, 3
			f.has |= hasDayOfYear
		case 'w':
			t.kind, t.maxDigits = kWeek, 2
			f.has |= hasWeek
		case 'z':
			t.kind, t.text = kZoneName, textShort
			if n >= 4 {
				t.text = textFull
			}
			f.has |= hasZone
		case 'Z':
			switch n {
			case 1:
				t.kind, t.zero = kZoneOffset, "Z"
			case 2:
				t.kind, t.zero, t.colon = kZoneOffset, "Z", true
			default:
				t.kind = kZoneID
			}
			f.has |= hasZone
		default:
			return nil, fmt.Errorf("date pattern %q: illegal pattern component %q", pattern, lt.text)
		}
		f.tokens = append(f.tokens, t)
	}
	return f, nil
}

// MustCompile is Compile for patterns known to be valid; it panics
// otherwise.
func MustCompile(pattern string) *Format {
	f, err := Compile(pattern)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return f
}

func (f *Format) addLiteral(s string) {
	if s == "" {
		return
	}
	if n := len(f.tokens); n > 0 && f.tokens[n-1].kind == kLiteral {
		f.tokens[n-1].lit += s
		return
	}
	f.tokens = append(f.tokens, token{kind: kLiteral, lit: s})
}

// lexToken is a run of one pattern letter or a piece of literal text.
type lexToken struct {
	literal bool
	text    string
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// lex splits a Joda pattern into letter runs and literal text, as Joda's
// DateTimeFormat.parseToken does: letters repeat into one token; anything
// else (and text in quotes) is literal. An unterminated quote runs to the
// end of the pattern.
func lex(p string) []lexToken {
	var out []lexToken
	for i := 0; i < len(p); {
		c := p[i]
		if isLetter(c) {
			j := i + 1
			for j < len(p) && p[j] == c {
				j++
			}
			out = append(out, lexToken{text: p[i:j]})
			i = j
			continue
		}
		var b strings.Builder
		inQuote := false
		for ; i < len(p); i++ {
			c := p[i]
			if c == '\'' {
				if i+1 < len(p) && p[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				inQuote = !inQuote
				continue
			}
			if !inQuote && isLetter(c) {
				break
			}
			b.WriteByte(c)
		}
		out = append(out, lexToken{literal: true, text: b.String()})
	}
	return out
}

// jodaNumeric mirrors Joda's isNumericToken: whether a token parses as a
// number (so the year before it must not take its digits).
func jodaNumeric(t lexToken) bool {
	if t.literal {
		return false
	}
	switch t.text[0] {
	case 'c', 'C', 'x', 'y', 'Y', 'd', 'h', 'H', 'm', 's', 'S', 'e', 'D', 'F', 'w', 'W', 'k', 'K':
		return true
	case 'M':
		return len(t.text) <= 2
	}
	return false
}
