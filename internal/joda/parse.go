package joda

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Parse parses s, which must match the whole pattern, as Joda's
// DateTimeFormatter.parseMillis does. The time is read in loc (nil means
// UTC) unless s carries its own offset or zone (Z, ZZ, ZZZ, z). Fields the
// pattern lacks take Joda's defaults: 1970-01-01T00:00:00, except that a
// pattern with a month, day or week but no year parses into the year 2000
// (so that Feb 29 parses). Values out of range (month 13, Feb 30, hour 24
// for H) are errors.
//
// Differences from Joda: a local time that falls into a daylight-saving
// gap is accepted (Go's time.Date picks an instant) where Joda fails; zone
// abbreviations (z) are the fixed offsets they name (EST is always -05:00)
// where Joda maps them to a region; month and day names match in any case.
func (f *Format) Parse(s string, loc *time.Location) (time.Time, error) {
	return f.parse(s, loc, 0, false)
}

// ParseDefaultYear is Parse with year used when the pattern has no year
// (the date filter passes the current year, as Logstash does).
func (f *Format) ParseDefaultYear(s string, loc *time.Location, year int) (time.Time, error) {
	return f.parse(s, loc, year, true)
}

// fields collects parsed values until they are combined into a time.
type fields struct {
	set                       fieldSet
	year, yearOfEra, century  int
	bc                        bool
	weekyear, week, dayOfWeek int
	dayOfYear, month, day     int
	hourOfDay                 int // from H or k
	hourSet                   bool
	halfHour                  int // from K or h, 0..11
	halfHourSet               bool
	pm, halfdaySet            bool
	minute, second, nanos     int
	offset                    int // seconds east of UTC
	offsetSet                 bool
	loc                       *time.Location
}

// ParseError describes input that does not match a pattern.
type ParseError struct {
	Input   string
	Pattern string
	Pos     int    // byte offset in Input where matching failed, or -1
	Msg     string // reason when Pos is -1
}

func (e *ParseError) Error() string {
	switch {
	case e.Pos < 0:
		return fmt.Sprintf("cannot parse %q with %q: %s", e.Input, e.Pattern, e.Msg)
	case e.Pos >= len(e.Input):
		return fmt.Sprintf("cannot parse %q with %q: too short", e.Input, e.Pattern)
	default:
		return fmt.Sprintf("cannot parse %q with %q: malformed at %q", e.Input, e.Pattern, e.Input[e.Pos:])
	}
}

func (f *Format) fail(s string, pos int) error {
	return &ParseError{Input: s, Pattern: f.pattern, Pos: pos}
}

func (f *Format) failf(s, format string, args ...any) error {
	return &ParseError{Input: s, Pattern: f.pattern, Pos: -1, Msg: fmt.Sprintf(format, args...)}
}

func (f *Format) parse(s string, loc *time.Location, defaultYear int, haveDefault bool) (time.Time, error) {
	var p fields
	pos := 0
	for i := range f.tokens {
		tk := &f.tokens[i]
		var ok bool
		var v int
		switch tk.kind {
		case kLiteral:
			if len(s)-pos < len(tk.lit) || !strings.EqualFold(s[pos:pos+len(tk.lit)], tk.lit) {
				return time.Time{}, f.fail(s, pos)
			}
			pos += len(tk.lit)
			continue
		case kEra:
			var idx int
			idx, pos, ok = matchText(s, pos, eraNames[:])
			if !ok {
				return time.Time{}, f.fail(s, pos)
			}
			p.bc = idx%2 == 1
			continue
		case kMonthText:
			var idx int
			idx, pos, ok = matchText(s, pos, monthNames[:])
			if !ok {
				return time.Time{}, f.fail(s, pos)
			}
			p.month = idx%12 + 1
			p.set |= hasMonth
			continue
		case kDayOfWeekText:
			var idx int
			idx, pos, ok = matchText(s, pos, dayNames[:])
			if !ok {
				return time.Time{}, f.fail(s, pos)
			}
			p.dayOfWeek = idx%7 + 1
			p.set |= hasDayOfWeek
			continue
		case kHalfday:
			var idx int
			idx, pos, ok = matchText(s, pos, halfdayNames[:])
			if !ok {
				return time.Time{}, f.fail(s, pos)
			}
			p.pm, p.halfdaySet = idx == 1, true
			continue
		case kZoneOffset:
			var off int
			off, pos, ok = parseOffset(s, pos, tk.zero != "")
			if !ok {
				return time.Time{}, f.fail(s, pos)
			}
			p.offset, p.offsetSet = off, true
			continue
		case kZoneName:
			var off int
			off, pos, ok = matchZoneName(s, pos)
			if !ok {
				return time.Time{}, f.fail(s, pos)
			}
			p.offset, p.offsetSet = off, true
			continue
		case kZoneID:
			var l *time.Location
			l, pos, ok = parseZoneID(s, pos)
			if !ok {
				return time.Time{}, f.fail(s, pos)
			}
			p.loc, p.offsetSet = l, false
			continue
		case kFraction:
			start := pos
			n := 0
			for pos < len(s) && n < tk.maxDigits && isDigit(s[pos]) {
				if n < 9 {
					v = v*10 + int(s[pos]-'0')
				}
				n++
				pos++
			}
			if n == 0 {
				return time.Time{}, f.fail(s, start)
			}
			if n < 9 {
				v *= pow10[9-n]
			}
			p.nanos = v
			continue
		case kTwoDigitYear, kTwoDigitWeekyear:
			v, pos, ok = parseTwoDigitYear(s, pos, tk)
			if !ok {
				return time.Time{}, f.fail(s, pos)
			}
			if tk.kind == kTwoDigitYear {
				p.year = v
				p.set |= hasYear
			} else {
				p.weekyear = v
				p.set |= hasWeekyear
			}
			continue
		}
		// Numbers.
		signed := tk.kind == kYear || tk.kind == kWeekyear || tk.kind == kCentury
		v, pos, ok = parseNumber(s, pos, tk.maxDigits, signed)
		if !ok {
			return time.Time{}, f.fail(s, pos)
		}
		switch tk.kind {
		case kCentury:
			p.century = v
			p.set |= hasCentury
		case kYearOfEra:
			p.yearOfEra = v
			p.set |= hasYearOfEra
		case kYear:
			p.year = v
			p.set |= hasYear
		case kWeekyear:
			p.weekyear = v
			p.set |= hasWeekyear
		case kWeek:
			p.week = v
			p.set |= hasWeek
		case kDayOfWeek:
			p.dayOfWeek = v
			p.set |= hasDayOfWeek
		case kDayOfYear:
			p.dayOfYear = v
			p.set |= hasDayOfYear
		case kMonth:
			p.month = v
			p.set |= hasMonth
		case kQuarter:
			if v < 1 || v > 4 {
				return time.Time{}, f.failf(s, "value %d for quarter must be in the range [1,4]", v)
			}
		case kDayOfMonth:
			p.day = v
			p.set |= hasDayOfMonth
		case kHourOfDay:
			if v > 23 {
				return time.Time{}, f.failf(s, "value %d for hourOfDay must be in the range [0,23]", v)
			}
			p.hourOfDay, p.hourSet = v, true
		case kClockhourOfDay:
			if v < 1 || v > 24 {
				return time.Time{}, f.failf(s, "value %d for clockhourOfDay must be in the range [1,24]", v)
			}
			p.hourOfDay, p.hourSet = v%24, true
		case kHourOfHalfday:
			if v > 11 {
				return time.Time{}, f.failf(s, "value %d for hourOfHalfday must be in the range [0,11]", v)
			}
			p.halfHour, p.halfHourSet = v, true
		case kClockhourOfHalfday:
			if v < 1 || v > 12 {
				return time.Time{}, f.failf(s, "value %d for clockhourOfHalfday must be in the range [1,12]", v)
			}
			p.halfHour, p.halfHourSet = v%12, true
		case kMinute:
			if v > 59 {
				return time.Time{}, f.failf(s, "value %d for minuteOfHour must be in the range [0,59]", v)
			}
			p.minute = v
		case kSecond:
			if v > 59 {
				return time.Time{}, f.failf(s, "value %d for secondOfMinute must be in the range [0,59]", v)
			}
			p.second = v
		case kNanoOfSecond:
			if v > 999999999 {
				return time.Time{}, f.failf(s, "value %d for nanoOfSecond must be in the range [0,999999999]", v)
			}
			p.nanos = v
		}
	}
	if pos < len(s) {
		return time.Time{}, f.fail(s, pos)
	}
	return f.combine(s, &p, loc, defaultYear, haveDefault)
}

// combine turns parsed fields into an instant.
func (f *Format) combine(s string, p *fields, loc *time.Location, defaultYear int, haveDefault bool) (time.Time, error) {
	if !haveDefault {
		defaultYear = 1970
		if p.set&(hasMonth|hasDayOfMonth|hasDayOfWeek|hasDayOfYear|hasWeek) != 0 {
			// Joda parses month/day-only patterns in a leap year.
			defaultYear = 2000
		}
	}
	year := defaultYear
	switch {
	case p.set&hasYear != 0:
		year = p.year
	case p.set&hasYearOfEra != 0:
		if p.yearOfEra < 1 {
			return time.Time{}, f.failf(s, "value %d for yearOfEra must be at least 1", p.yearOfEra)
		}
		year = p.yearOfEra
		if p.bc {
			year = 1 - p.yearOfEra
		}
	case p.set&hasCentury != 0:
		year = p.century*100 + (year%100+100)%100
	}

	var y, d int
	var m time.Month
	switch {
	case p.set&(hasWeekyear|hasWeek) != 0 && p.set&(hasMonth|hasDayOfMonth|hasDayOfYear) == 0:
		wy := year
		if p.set&hasWeekyear != 0 {
			wy = p.weekyear
		}
		week, dow := 1, 1
		if p.set&hasWeek != 0 {
			week = p.week
		}
		if p.set&hasDayOfWeek != 0 {
			dow = p.dayOfWeek
		}
		if dow < 1 || dow > 7 {
			return time.Time{}, f.failf(s, "value %d for dayOfWeek must be in the range [1,7]", dow)
		}
		if maxW := weeksInYear(wy); week < 1 || week > maxW {
			return time.Time{}, f.failf(s, "value %d for weekOfWeekyear must be in the range [1,%d]", week, maxW)
		}
		// 4 January is always in week 1.
		jan4 := time.Date(wy, time.January, 4, 0, 0, 0, 0, time.UTC)
		monday := jan4.AddDate(0, 0, 1-isoWeekday(jan4.Weekday()))
		y, m, d = monday.AddDate(0, 0, (week-1)*7+dow-1).Date()
	case p.set&hasDayOfYear != 0 && p.set&(hasMonth|hasDayOfMonth) == 0:
		n := 365
		if isLeap(year) {
			n = 366
		}
		if p.dayOfYear < 1 || p.dayOfYear > n {
			return time.Time{}, f.failf(s, "value %d for dayOfYear must be in the range [1,%d]", p.dayOfYear, n)
		}
		y, m, d = time.Date(year, time.January, p.dayOfYear, 0, 0, 0, 0, time.UTC).Date()
	default:
		y, m, d = year, time.January, 1
		if p.set&hasMonth != 0 {
			if p.month < 1 || p.month > 12 {
				return time.Time{}, f.failf(s, "value %d for monthOfYear must be in the range [1,12]", p.month)
			}
			m = time.Month(p.month)
		}
		if p.set&hasDayOfMonth != 0 {
			if n := daysIn(m, y); p.day < 1 || p.day > n {
				return time.Time{}, f.failf(s, "value %d for dayOfMonth must be in the range [1,%d]", p.day, n)
			}
			d = p.day
		}
		if p.set&hasDayOfWeek != 0 {
			// Joda sets the day of week last: it moves the date within its
			// ISO week (Monday to Sunday).
			if p.dayOfWeek < 1 || p.dayOfWeek > 7 {
				return time.Time{}, f.failf(s, "value %d for dayOfWeek must be in the range [1,7]", p.dayOfWeek)
			}
			t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
			y, m, d = t.AddDate(0, 0, p.dayOfWeek-isoWeekday(t.Weekday())).Date()
		}
	}

	hour := 0
	switch {
	case p.hourSet:
		hour = p.hourOfDay
	case p.halfHourSet:
		hour = p.halfHour
		if p.pm {
			hour += 12
		}
	case p.halfdaySet && p.pm:
		hour = 12
	}

	switch {
	case p.offsetSet:
		t := time.Date(y, m, d, hour, p.minute, p.second, p.nanos, time.UTC)
		return t.Add(-time.Duration(p.offset) * time.Second), nil
	case p.loc != nil:
		loc = p.loc
	case loc == nil:
		loc = time.UTC
	}
	return time.Date(y, m, d, hour, p.minute, p.second, p.nanos, loc), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(m time.Month, y int) int {
	switch m {
	case time.February:
		if isLeap(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// weeksInYear is the number of ISO weeks of a week-based year: 53 when
// 28 December falls in week 53.
func weeksInYear(y int) int {
	_, w := time.Date(y, time.December, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
	return w
}

// parseNumber reads up to maxDigits digits (after an optional sign when
// signed), as Joda's NumberFormatter does.
func parseNumber(s string, pos, maxDigits int, signed bool) (v, end int, ok bool) {
	i := pos
	neg := false
	if signed && i+1 < len(s) && (s[i] == '-' || s[i] == '+') && isDigit(s[i+1]) {
		neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && i-start < maxDigits && isDigit(s[i]) {
		if i-start < 18 {
			v = v*10 + int(s[i]-'0')
		}
		i++
	}
	if i == start {
		return 0, pos, false
	}
	if neg {
		v = -v
	}
	return v, i, true
}

// parseTwoDigitYear reads a two-digit year and places it in the 100 years
// around now-30 (Joda's pivot, compatible with SimpleDateFormat); a lenient
// token takes any other number of digits, or a signed number, as a full
// year. Java's reduced years (lenient false, javaBase) map to 2000..2099.
func parseTwoDigitYear(s string, pos int, tk *token) (int, int, bool) {
	i := pos
	signed := false
	if tk.lenient && i < len(s) && (s[i] == '-' || s[i] == '+') {
		signed = true
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) && (tk.lenient || i-start < 2) {
		i++
	}
	n := i - start
	if n == 0 || (!tk.lenient && n != 2) || n > 9 {
		return 0, pos, false
	}
	v := 0
	for _, c := range []byte(s[start:i]) {
		v = v*10 + int(c-'0')
	}
	if signed || n != 2 {
		if s[pos] == '-' {
			v = -v
		}
		return v, i, true
	}
	if tk.javaBase {
		return 2000 + v, i, true
	}
	pivot := time.Now().Year() - 30
	low := pivot - 50
	t := low % 100
	if low < 0 {
		t = 99 + (low+1)%100
	}
	if v < t {
		v += 100
	}
	return v + low - t, i, true
}

// Text tables for parsing: full names before short ones so that the
// longest match wins.
var (
	monthNames   [24]string
	dayNames     [14]string
	eraNames     = [4]string{"AD", "BC", "CE", "BCE"}
	halfdayNames = [2]string{"AM", "PM"}
)

func init() {
	for i, n := range monthFull {
		monthNames[i] = n
		monthNames[12+i] = n[:3]
	}
	for i, n := range dayFull {
		dayNames[i] = n
		dayNames[7+i] = n[:3]
	}
}

// matchText finds the longest name that s continues with at pos, ignoring
// case; it returns the name's index.
func matchText(s string, pos int, names []string) (int, int, bool) {
	best, bestLen := -1, 0
	for i, n := range names {
		if len(n) > bestLen && len(s)-pos >= len(n) && strings.EqualFold(s[pos:pos+len(n)], n) {
			best, bestLen = i, len(n)
		}
	}
	if best < 0 {
		return 0, pos, false
	}
	return best, pos + bestLen, true
}

// parseOffset reads Z (when allowZ) or ±HH[[:]MM[[:]SS]].
func parseOffset(s string, pos int, allowZ bool) (int, int, bool) {
	if allowZ && pos < len(s) && (s[pos] == 'Z' || s[pos] == 'z') {
		return 0, pos + 1, true
	}
	if len(s)-pos < 3 || (s[pos] != '+' && s[pos] != '-') || !isDigit(s[pos+1]) || !isDigit(s[pos+2]) {
		return 0, pos, false
	}
	neg := s[pos] == '-'
	h := int(s[pos+1]-'0')*10 + int(s[pos+2]-'0')
	if h > 23 {
		return 0, pos + 1, false
	}
	i := pos + 3
	off := h * 3600
	colon := i < len(s) && s[i] == ':'
	for _, unit := range [2]int{60, 1} {
		j := i
		if colon {
			if j >= len(s) || s[j] != ':' {
				break
			}
			j++
		}
		if len(s)-j < 2 || !isDigit(s[j]) || !isDigit(s[j+1]) {
			break
		}
		v := int(s[j]-'0')*10 + int(s[j+1]-'0')
		if v > 59 {
			return 0, j, false
		}
		off += v * unit
		i = j + 2
	}
	if neg {
		off = -off
	}
	return off, i, true
}

// zoneAbbrevs are the names Joda's z parses (DateTimeUtils default time
// zone names), as fixed offsets in seconds.
var zoneAbbrevs = [...]struct {
	name string
	off  int
}{
	{"UTC", 0}, {"GMT", 0}, {"UT", 0},
	{"EST", -5 * 3600}, {"EDT", -4 * 3600},
	{"CST", -6 * 3600}, {"CDT", -5 * 3600},
	{"MST", -7 * 3600}, {"MDT", -6 * 3600},
	{"PST", -8 * 3600}, {"PDT", -7 * 3600},
}

func matchZoneName(s string, pos int) (int, int, bool) {
	// Longer names come first in the table where prefixes overlap (UTC, UT).
	for _, z := range zoneAbbrevs {
		if strings.HasPrefix(s[pos:], z.name) {
			return z.off, pos + len(z.name), true
		}
	}
	return 0, pos, false
}

// zoneCache keeps locations loaded by parseZoneID (only successful loads:
// the set is bounded by the zone database).
var zoneCache sync.Map // string -> *time.Location

func isZoneIDChar(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '/' || c == '_' || c == '-' || c == '+'
}

// maxZoneIDLen bounds the text tried as a zone ID (the longest IANA names
// are about 30 characters).
const maxZoneIDLen = 40

// parseZoneID reads an IANA zone ID ("Europe/Berlin", "UTC"). It tries the
// longest run of ID characters first, then shorter prefixes.
func parseZoneID(s string, pos int) (*time.Location, int, bool) {
	end := pos
	for end < len(s) && end-pos < maxZoneIDLen && isZoneIDChar(s[end]) {
		end++
	}
	for ; end-pos >= 1; end-- {
		id := s[pos:end]
		if l, ok := zoneCache.Load(id); ok {
			return l.(*time.Location), end, true
		}
		if id == "Local" || !isLetter(id[0]) {
			continue
		}
		if l, err := time.LoadLocation(id); err == nil {
			zoneCache.Store(id, l)
			return l, end, true
		}
	}
	return nil, pos, false
}
