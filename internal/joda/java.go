package joda

import (
	"fmt"
	"strings"
)

// CompileJava compiles a java.time.format.DateTimeFormatter pattern (the
// `%{{...}}` form of Logstash's sprintf) into a Format. The letters differ
// from Joda's: y is the year of era, u the proleptic year, Y the week-based
// year, e the numeric day of week. Supported: G u y Y Q q M L w d D E e c a
// h K k H m s S n VV z X x Z (one to three, and five letters), quoted text
// and optional sections [ ] (their content is always printed).
//
// Week fields (Y, w, e, c) follow ISO-8601 (weeks start on Monday, week 1
// holds the first Thursday), where Java uses the JVM locale's week
// definition; in UTC, the zone name (z) and ID (VV) print "Z" as Java's
// ZoneOffset.UTC does.
func CompileJava(pattern string) (*Format, error) {
	if pattern == "" {
		return nil, fmt.Errorf("empty date pattern")
	}
	if len(pattern) > maxPatternLen {
		return nil, fmt.Errorf("date pattern longer than %d characters", maxPatternLen)
	}
	f := &Format{pattern: pattern}
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case isLetter(c):
			j := i + 1
			for j < len(pattern) && pattern[j] == c {
				j++
			}
			t, err := javaToken(c, j-i)
			if err != nil {
				return nil, fmt.Errorf("date pattern %q: %w", pattern, err)
			}
			f.has |= javaFieldSet(c)
			f.tokens = append(f.tokens, t)
			i = j
		case c == '\'':
			end := strings.IndexByte(pattern[i+1:], '\'')
			switch {
			case end < 0:
				return nil, fmt.Errorf("date pattern %q: unterminated quote", pattern)
			case end == 0:
				f.addLiteral("'") // ''
				i += 2
			default:
				// Inside quotes, '' is a quote.
				j := i + 1
				var b strings.Builder
				for {
					k := strings.IndexByte(pattern[j:], '\'')
					if k < 0 {
						return nil, fmt.Errorf("date pattern %q: unterminated quote", pattern)
					}
					b.WriteString(pattern[j : j+k])
					j += k + 1
					if j < len(pattern) && pattern[j] == '\'' {
						b.WriteByte('\'')
						j++
						continue
					}
					break
				}
				f.addLiteral(b.String())
				i = j
			}
		case c == '[' || c == ']':
			i++
		case c == '{' || c == '}' || c == '#':
			return nil, fmt.Errorf("date pattern %q: reserved character %q", pattern, c)
		default:
			j := i + 1
			for j < len(pattern) && !isLetter(pattern[j]) && !strings.ContainsRune("'[]{}#", rune(pattern[j])) {
				j++
			}
			f.addLiteral(pattern[i:j])
			i = j
		}
	}
	// Adjacent value parsing: a year directly followed by another number
	// ("yyyyMMdd") takes only its own width.
	for i := 0; i+1 < len(f.tokens); i++ {
		switch f.tokens[i].kind {
		case kYear, kYearOfEra, kWeekyear:
			if f.tokens[i+1].maxDigits > 0 {
				f.tokens[i].maxDigits = f.tokens[i].width
			}
		}
	}
	return f, nil
}

func javaFieldSet(c byte) fieldSet {
	switch c {
	case 'u':
		return hasYear
	case 'y':
		return hasYearOfEra
	case 'Y':
		return hasWeekyear
	case 'G':
		return hasEra
	case 'M', 'L':
		return hasMonth
	case 'w':
		return hasWeek
	case 'd':
		return hasDayOfMonth
	case 'D':
		return hasDayOfYear
	case 'E', 'e', 'c':
		return hasDayOfWeek
	case 'V', 'z', 'X', 'x', 'Z':
		return hasZone
	}
	return 0
}

func javaToken(c byte, n int) (token, error) {
	tooMany := func(max int) error {
		if n > max {
			return fmt.Errorf("too many pattern letters: %q", strings.Repeat(string(c), n))
		}
		return nil
	}
	t := token{width: n}
	switch c {
	case 'G':
		t.kind = kEra
		return t, tooMany(5)
	case 'u', 'y', 'Y':
		switch c {
		case 'u':
			t.kind = kYear
		case 'y':
			t.kind = kYearOfEra
		default:
			t.kind = kWeekyear
		}
		if n == 2 {
			t.kind, t.maxDigits, t.javaBase = kTwoDigitYear, 2, true
			if c == 'Y' {
				t.kind = kTwoDigitWeekyear
			}
			return t, nil
		}
		t.maxDigits = 9
		if n >= 4 {
			t.exceedsPad = true
		}
		return t, nil
	case 'Q', 'q':
		t.kind, t.maxDigits = kQuarter, 1
		if n > 2 {
			return t, fmt.Errorf("quarter text (%s) is not supported", strings.Repeat(string(c), n))
		}
		return t, nil
	case 'M', 'L':
		switch {
		case n <= 2:
			t.kind, t.maxDigits = kMonth, 2
		case n == 3:
			t.kind, t.text = kMonthText, textShort
		case n == 4:
			t.kind, t.text = kMonthText, textFull
		default:
			t.kind, t.text = kMonthText, textNarrow
		}
		return t, tooMany(5)
	case 'w':
		t.kind, t.maxDigits = kWeek, 2
		return t, tooMany(2)
	case 'd':
		t.kind, t.maxDigits = kDayOfMonth, 2
		return t, tooMany(2)
	case 'D':
		t.kind, t.maxDigits = kDayOfYear, 3
		return t, tooMany(3)
	case 'E', 'e', 'c':
		switch {
		case c != 'E' && n <= 2:
			t.kind, t.maxDigits = kDayOfWeek, 1
		case n <= 3:
			t.kind, t.text = kDayOfWeekText, textShort
		case n == 4:
			t.kind, t.text = kDayOfWeekText, textFull
		default:
			t.kind, t.text = kDayOfWeekText, textNarrow
		}
		return t, tooMany(5)
	case 'a':
		t.kind = kHalfday
		return t, tooMany(1)
	case 'h', 'K', 'k', 'H', 'm', 's':
		switch c {
		case 'h':
			t.kind = kClockhourOfHalfday
		case 'K':
			t.kind = kHourOfHalfday
		case 'k':
			t.kind = kClockhourOfDay
		case 'H':
			t.kind = kHourOfDay
		case 'm':
			t.kind = kMinute
		default:
			t.kind = kSecond
		}
		t.maxDigits = 2
		return t, tooMany(2)
	case 'S':
		t.kind, t.maxDigits = kFraction, n
		return t, tooMany(9)
	case 'n':
		t.kind, t.maxDigits = kNanoOfSecond, 9
		return t, tooMany(9)
	case 'V':
		if n != 2 {
			return t, fmt.Errorf("pattern letter count must be 2: %q", strings.Repeat("V", n))
		}
		t.kind, t.zero = kZoneID, "Z"
		return t, nil
	case 'z':
		t.kind, t.zero, t.text = kZoneName, "Z", textShort
		if n == 4 {
			t.text = textFull
		}
		return t, tooMany(4)
	case 'X', 'x':
		t.kind = kZoneOffset
		if c == 'X' {
			t.zero = "Z"
		}
		switch n {
		case 1:
			t.optMinutes = true
		case 3:
			t.colon = true
		case 4:
			t.seconds = true
		case 5:
			t.colon, t.seconds = true, true
		}
		return t, tooMany(5)
	case 'Z':
		t.kind = kZoneOffset
		switch {
		case n <= 3:
		case n == 5:
			t.zero, t.colon, t.seconds = "Z", true, true
		default:
			return t, fmt.Errorf("localized offset (ZZZZ) is not supported")
		}
		return t, tooMany(5)
	}
	return t, fmt.Errorf("unsupported pattern letter %q", c)
}
