package joda

import (
	"time"
)

var (
	monthFull = [12]string{"January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November", "December"}
	dayFull = [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	// Long names for the zones whose short name Go knows; others print
	// their short name for zzzz too.
	zoneLongNames = map[string]string{
		"UTC": "Coordinated Universal Time",
		"GMT": "Greenwich Mean Time",
	}
)

// Append appends t formatted by f to dst. Fields are taken in t's location;
// call t.UTC() first for UTC output. Append does not allocate beyond
// growing dst.
func (f *Format) Append(dst []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	for i := range f.tokens {
		tk := &f.tokens[i]
		switch tk.kind {
		case kLiteral:
			dst = append(dst, tk.lit...)
		case kEra:
			if year <= 0 {
				dst = append(dst, "BC"...)
			} else {
				dst = append(dst, "AD"...)
			}
		case kCentury:
			dst = appendInt(dst, yearOfEra(year)/100, tk.width)
		case kYearOfEra:
			dst = appendYear(dst, yearOfEra(year), tk)
		case kYear:
			dst = appendYear(dst, year, tk)
		case kTwoDigitYear:
			dst = appendInt(dst, abs(year)%100, 2)
		case kWeekyear:
			wy, _ := t.ISOWeek()
			dst = appendYear(dst, wy, tk)
		case kTwoDigitWeekyear:
			wy, _ := t.ISOWeek()
			dst = appendInt(dst, abs(wy)%100, 2)
		case kWeek:
			_, w := t.ISOWeek()
			dst = appendInt(dst, w, tk.width)
		case kDayOfWeek:
			dst = appendInt(dst, isoWeekday(t.Weekday()), tk.width)
		case kDayOfWeekText:
			dst = appendText(dst, dayFull[isoWeekday(t.Weekday())-1], tk.text)
		case kDayOfYear:
			dst = appendInt(dst, t.YearDay(), tk.width)
		case kMonth:
			dst = appendInt(dst, int(month), tk.width)
		case kMonthText:
			dst = appendText(dst, monthFull[month-1], tk.text)
		case kQuarter:
			q := (int(month)-1)/3 + 1
			switch {
			case tk.width <= 2:
				dst = appendInt(dst, q, tk.width)
			case tk.width == 3:
				dst = append(dst, 'Q')
				dst = appendInt(dst, q, 1)
			case tk.width == 4:
				dst = append(dst, [4]string{"1st", "2nd", "3rd", "4th"}[q-1]...)
				dst = append(dst, " quarter"...)
			default:
				dst = appendInt(dst, q, 1)
			}
		case kDayOfMonth:
			dst = appendInt(dst, day, tk.width)
		case kHalfday:
			if hour < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case kHourOfHalfday:
			dst = appendInt(dst, hour%12, tk.width)
		case kClockhourOfHalfday:
			h := hour % 12
			if h == 0 {
				h = 12
			}
			dst = appendInt(dst, h, tk.width)
		case kHourOfDay:
			dst = appendInt(dst, hour, tk.width)
		case kClockhourOfDay:
			h := hour
			if h == 0 {
				h = 24
			}
			dst = appendInt(dst, h, tk.width)
		case kMinute:
			dst = appendInt(dst, minute, tk.width)
		case kSecond:
			dst = appendInt(dst, sec, tk.width)
		case kFraction:
			dst = appendFraction(dst, t.Nanosecond(), tk.width)
		case kNanoOfSecond:
			dst = appendInt(dst, t.Nanosecond(), tk.width)
		case kZoneName:
			name, off := t.Zone()
			dst = appendZoneName(dst, name, off, tk)
		case kZoneOffset:
			_, off := t.Zone()
			dst = appendOffset(dst, off, tk)
		case kZoneID:
			dst = appendZoneID(dst, t, tk)
		}
	}
	return dst
}

// Format returns t formatted by f, as a string.
func (f *Format) Format(t time.Time) string {
	return string(f.Append(make([]byte, 0, len(f.pattern)+16), t))
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func yearOfEra(year int) int {
	if year <= 0 {
		return 1 - year
	}
	return year
}

// isoWeekday numbers days as ISO-8601 and Joda do: Monday 1 .. Sunday 7.
func isoWeekday(d time.Weekday) int {
	if d == time.Sunday {
		return 7
	}
	return int(d)
}

// appendInt appends v zero-padded to width digits (a minus sign does not
// count towards the width, as in Joda's FormatUtils).
func appendInt(dst []byte, v, width int) []byte {
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	var buf [20]byte
	i := len(buf)
	for v >= 10 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	i--
	buf[i] = byte('0' + v)
	for n := len(buf) - i; n < width; n++ {
		dst = append(dst, '0')
	}
	return append(dst, buf[i:]...)
}

// appendYear prints a year; Java's 4+ letter years print '+' when the year
// has more digits than the width (SignStyle.EXCEEDS_PAD).
func appendYear(dst []byte, y int, tk *token) []byte {
	if tk.exceedsPad && y > 0 {
		digits := 1
		for v := y; v >= 10; v /= 10 {
			digits++
		}
		if digits > tk.width {
			dst = append(dst, '+')
		}
	}
	return appendInt(dst, y, tk.width)
}

func appendText(dst []byte, full string, width int) []byte {
	switch width {
	case textFull:
		return append(dst, full...)
	case textNarrow:
		return append(dst, full[0])
	default:
		return append(dst, full[:3]...)
	}
}

var pow10 = [...]int{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

// appendFraction prints the first width digits of the fraction of second
// (truncated, not rounded, as Joda and Java do); digits below nanoseconds
// are zeros.
func appendFraction(dst []byte, nanos, width int) []byte {
	n := min(width, 9)
	dst = appendInt(dst, nanos/pow10[9-n], n)
	for ; n < width; n++ {
		dst = append(dst, '0')
	}
	return dst
}

// appendOffset prints a UTC offset in seconds east of UTC.
func appendOffset(dst []byte, off int, tk *token) []byte {
	if off == 0 && tk.zero != "" {
		return append(dst, tk.zero...)
	}
	if off < 0 {
		dst = append(dst, '-')
		off = -off
	} else {
		dst = append(dst, '+')
	}
	h, m, s := off/3600, off/60%60, off%60
	dst = appendInt(dst, h, 2)
	if tk.optMinutes && m == 0 && s == 0 {
		// Java's single X/x: hours only unless there are minutes.
		return dst
	}
	if tk.colon {
		dst = append(dst, ':')
	}
	dst = appendInt(dst, m, 2)
	if tk.seconds && s != 0 {
		if tk.colon {
			dst = append(dst, ':')
		}
		dst = appendInt(dst, s, 2)
	}
	return dst
}

// appendZoneName prints a zone's short name (Go's abbreviation), or its
// long name for UTC/GMT with 4+ letters. A zone without a name prints its
// offset as +01:00, as Joda does for fixed-offset zones.
func appendZoneName(dst []byte, name string, off int, tk *token) []byte {
	if tk.zero != "" && off == 0 && (name == "UTC" || name == "") {
		// Java's ZoneOffset.UTC is named "Z".
		return append(dst, tk.zero...)
	}
	if name == "" || name[0] == '+' || name[0] == '-' {
		return appendOffset(dst, off, &token{colon: true})
	}
	if tk.text == textFull {
		if long, ok := zoneLongNames[name]; ok {
			return append(dst, long...)
		}
	}
	return append(dst, name...)
}

// appendZoneID prints the location's IANA name ("Europe/Berlin", "UTC");
// the process-local zone and unnamed fixed zones print their offset.
func appendZoneID(dst []byte, t time.Time, tk *token) []byte {
	_, off := t.Zone()
	id := t.Location().String()
	if tk.zero != "" && off == 0 && (id == "UTC" || id == "") {
		return append(dst, tk.zero...)
	}
	if id == "Local" || id == "" {
		return appendOffset(dst, off, &token{colon: true})
	}
	return append(dst, id...)
}
