package joda

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zone IDs in tests must not depend on the machine
)

// Reference instants; weekdays, days of year and ISO weeks are worked out
// by hand in the comments.
var (
	// Monday; day 273+23 = 296 of the year; ISO week 43 (week 1 starts
	// Monday 2 January, (296-2)/7 = 42 full weeks before).
	t1 = time.Date(2023, 10, 23, 12, 34, 56, 123456789, time.UTC)
	// Sunday 1 January 2023 belongs to ISO week 52 of 2022.
	t2 = time.Date(2023, 1, 1, 0, 5, 9, 7000000, time.UTC)
	// Thursday 31 December 2020: day 366, ISO week 53 of 2020.
	t3 = time.Date(2020, 12, 31, 23, 59, 59, 0, time.UTC)
	// 15 March 44 BC is the proleptic year -43.
	tBC = time.Date(-43, 3, 15, 11, 0, 0, 0, time.UTC)
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestAppend(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	plus530 := time.FixedZone("", 5*3600+30*60)
	minus3 := time.FixedZone("BRT", -3*3600)
	odd := time.FixedZone("", 3600+30*60+15)
	tests := []struct {
		pattern string
		t       time.Time
		want    string
	}{
		{"yyyy.MM.dd", t1, "2023.10.23"},
		{"YYYY.MM.dd", t2, "2023.01.01"}, // Joda's Y is the year of era, not the week year
		{"xxxx.ww", t2, "2022.52"},
		{"xxxx-'W'ww-e", t1, "2023-W43-1"},
		{"xxxx-'W'ww-e", t3, "2020-W53-4"},
		{"xx", t2, "22"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSZ", t1, "2023-10-23T12:34:56.123Z"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSZZ", t1, "2023-10-23T12:34:56.123Z"},
		{"S", t1, "1"},
		{"SS", t1, "12"},
		{"SSSSSS", t1, "123456"},
		{"SSSSSSSSS", t1, "123456789"},
		{"SSSSSSSSSSS", t1, "12345678900"},
		{"SSS", t2, "007"},
		{"SSSSSS", t2, "007000"},
		{"SSS", t3, "000"},
		{"EEE, dd MMM yyyy HH:mm:ss Z", t1, "Mon, 23 Oct 2023 12:34:56 Z"},
		{"EEEE MMMM d", t1, "Monday October 23"},
		{"E EE EEE", t3, "Thu Thu Thu"},
		{"e E", t3, "4 Thu"},
		{"e", t2, "7"},
		{"h:mm a", t1, "12:34 PM"},
		{"h:mm a", t2, "12:05 AM"},
		{"hh K KK k kk H HH", t2, "12 0 00 24 24 0 00"},
		{"K k", t3, "11 23"},
		{"D DDD", t2, "1 001"},
		{"D", t3, "366"},
		{"D", t1, "296"},
		{"ww", t3, "53"},
		{"G C CC Y", t1, "AD 20 20 2023"},
		{"y yy yyy yyyy yyyyy", t1, "2023 23 2023 2023 02023"},
		{"M MM MMM MMMM", t2, "1 01 Jan January"},
		{"d dd ddd", t2, "1 01 001"},
		{"m mm s ss", t2, "5 05 9 09"},
		{"G yyyy YYYY yy C", tBC, "BC -0043 0044 43 0"},
		{"''yyyy''", t1, "'2023'"},
		{"'o''clock'", t1, "o'clock"},
		{"yyyy-MM-dd'T'HH", t1, "2023-10-23T12"},
		{"'unterminated", t1, "unterminated"},
		{"dd/MMM/yyyy:HH:mm:ss Z", t1.In(berlin), "23/Oct/2023:14:34:56 +0200"},
		{"HH:mm z ZZ ZZZ", t1.In(berlin), "14:34 CEST +02:00 Europe/Berlin"},
		{"HH:mm z ZZ", time.Date(2023, 12, 1, 12, 0, 0, 0, berlin), "12:00 CET +01:00"},
		{"z zzzz ZZZ", t1, "UTC Coordinated Universal Time UTC"},
		{"Z ZZ z ZZZ", t1.In(plus530), "+0530 +05:30 +05:30 +05:30"},
		{"Z ZZ z", t1.In(minus3), "-0300 -03:00 BRT"},
		{"Z", t1.In(odd), "+0130"},
		{"# ? . : - /", t1, "# ? . : - /"},
	}
	for _, tt := range tests {
		f, err := Compile(tt.pattern)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.pattern, err)
			continue
		}
		if got := string(f.Append(nil, tt.t)); got != tt.want {
			t.Errorf("%q.Append(%s) = %q, want %q", tt.pattern, tt.t, got, tt.want)
		}
		if got := f.Format(tt.t); got != tt.want {
			t.Errorf("%q.Format(%s) = %q, want %q", tt.pattern, tt.t, got, tt.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, p := range []string{"", "yyyy-MM-dd Q", "T", "yyyy-MM-ddTHH", "uuuu", "W", "A", strings.Repeat("y", maxPatternLen+1)} {
		if f, err := Compile(p); err == nil {
			t.Errorf("Compile(%q) = %v, want error", p, f.tokens)
		}
	}
}

func TestHasYearHasZone(t *testing.T) {
	tests := []struct {
		pattern         string
		hasYear, hasZon bool
	}{
		{"MMM dd HH:mm:ss", false, false},
		{"yyyy-MM-dd", true, false},
		{"YY", true, false},
		{"xxxx-ww", true, false},
		{"HH:mm Z", false, true},
		{"HH:mm ZZZ", false, true},
		{"HH:mm z", false, true},
	}
	for _, tt := range tests {
		f := MustCompile(tt.pattern)
		if f.HasYear() != tt.hasYear || f.HasZone() != tt.hasZon {
			t.Errorf("%q: HasYear %v HasZone %v, want %v %v", tt.pattern, f.HasYear(), f.HasZone(), tt.hasYear, tt.hasZon)
		}
	}
}

func TestParse(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		pattern, in string
		loc         *time.Location
		want        time.Time
	}{
		{"yyyy-MM-dd HH:mm:ss,SSS", "2023-10-23 12:34:56,123", nil, utc(2023, 10, 23, 12, 34, 56, 123000000)},
		{"yyyy-MM-dd HH:mm:ss,SSS", "2023-10-23 12:34:56,5", nil, utc(2023, 10, 23, 12, 34, 56, 500000000)},
		{"yyyy-MM-dd HH:mm:ss", "2023-10-23 12:34:56", berlin, utc(2023, 10, 23, 10, 34, 56, 0)},
		{"yyyy-MM-dd HH:mm:ss", "2023-12-01 12:00:00", berlin, utc(2023, 12, 1, 11, 0, 0, 0)},
		{"dd/MMM/yyyy:HH:mm:ss Z", "23/Oct/2023:12:34:56 +0200", nil, utc(2023, 10, 23, 10, 34, 56, 0)},
		{"dd/MMM/yyyy:HH:mm:ss Z", "23/Oct/2023:12:34:56 -0330", berlin, utc(2023, 10, 23, 16, 4, 56, 0)},
		{"dd/MMM/yyyy:HH:mm:ss Z", "23/Oct/2023:12:34:56 +02:00", nil, utc(2023, 10, 23, 10, 34, 56, 0)},
		{"dd/MMM/yyyy:HH:mm:ss Z", "23/Oct/2023:12:34:56 +02", nil, utc(2023, 10, 23, 10, 34, 56, 0)},
		{"dd/MMM/yyyy:HH:mm:ss Z", "23/Oct/2023:12:34:56 Z", berlin, utc(2023, 10, 23, 12, 34, 56, 0)},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSSSSZZ", "2023-10-23T12:34:56.123456+05:30", nil, utc(2023, 10, 23, 7, 4, 56, 123456000)},
		{"yyyyMMdd'T'HHmmss.SSSZ", "20231023T123456.123+0000", nil, utc(2023, 10, 23, 12, 34, 56, 123000000)},
		{"yyyy-MM-dd'T'HH:mm:ss", "2023-10-23t12:34:56", nil, utc(2023, 10, 23, 12, 34, 56, 0)},
		{"MMM d HH:mm:ss", "Oct 23 12:34:56", nil, utc(2000, 10, 23, 12, 34, 56, 0)},
		{"MMM dd HH:mm:ss", "Feb 29 01:02:03", nil, utc(2000, 2, 29, 1, 2, 3, 0)},
		{"MMM dd yyyy HH:mm:ss", "oct 23 2023 12:34:56", nil, utc(2023, 10, 23, 12, 34, 56, 0)},
		{"dd MMMM yyyy", "23 October 2023", nil, utc(2023, 10, 23, 0, 0, 0, 0)},
		{"dd MMMM yyyy", "23 Oct 2023", nil, utc(2023, 10, 23, 0, 0, 0, 0)},
		{"dd MMM yyyy", "23 OCTOBER 2023", nil, utc(2023, 10, 23, 0, 0, 0, 0)},
		{"HH:mm:ss", "12:34:56", nil, utc(1970, 1, 1, 12, 34, 56, 0)},
		{"dd/MM/yy", "23/10/23", nil, utc(2023, 10, 23, 0, 0, 0, 0)},
		{"dd/MM/yy", "23/10/1999", nil, utc(1999, 10, 23, 0, 0, 0, 0)},
		{"yyMMdd", "231023", nil, utc(2023, 10, 23, 0, 0, 0, 0)},
		{"EEE MMM dd HH:mm:ss yyyy", "Mon Oct 23 12:34:56 2023", nil, utc(2023, 10, 23, 12, 34, 56, 0)},
		{"EEEE, dd MMM yyyy", "Monday, 23 Oct 2023", nil, utc(2023, 10, 23, 0, 0, 0, 0)},
		// Joda moves the date to the named weekday within its ISO week.
		{"EEE yyyy-MM-dd", "Tue 2023-10-23", nil, utc(2023, 10, 24, 0, 0, 0, 0)},
		{"EEE yyyy-MM-dd", "Sun 2023-10-23", nil, utc(2023, 10, 29, 0, 0, 0, 0)},
		{"xxxx-'W'ww-e", "2020-W53-4", nil, utc(2020, 12, 31, 0, 0, 0, 0)},
		{"xxxx-'W'ww-e", "2023-W01-1", nil, utc(2023, 1, 2, 0, 0, 0, 0)},
		{"xxxx-'W'ww", "2022-W52", nil, utc(2022, 12, 26, 0, 0, 0, 0)},
		{"yyyy DDD", "2024 060", nil, utc(2024, 2, 29, 0, 0, 0, 0)},
		{"yyyy D", "2023 365", nil, utc(2023, 12, 31, 0, 0, 0, 0)},
		{"h:mm a", "12:05 AM", nil, utc(1970, 1, 1, 0, 5, 0, 0)},
		{"h:mm a", "12:05 PM", nil, utc(1970, 1, 1, 12, 5, 0, 0)},
		{"h:mm a", "1:05 pm", nil, utc(1970, 1, 1, 13, 5, 0, 0)},
		{"K:mm a", "11:59 PM", nil, utc(1970, 1, 1, 23, 59, 0, 0)},
		{"kk:mm", "24:00", nil, utc(1970, 1, 1, 0, 0, 0, 0)},
		{"yyyy-MM-dd HH:mm:ss ZZZ", "2023-10-23 12:34:56 Europe/Berlin", nil, utc(2023, 10, 23, 10, 34, 56, 0)},
		{"yyyy-MM-dd HH:mm:ss ZZZ", "2023-10-23 12:34:56 America/New_York", nil, utc(2023, 10, 23, 16, 34, 56, 0)},
		{"yyyy-MM-dd HH:mm:ss ZZZ", "2023-10-23 12:34:56 UTC", berlin, utc(2023, 10, 23, 12, 34, 56, 0)},
		{"yyyy-MM-dd HH:mm:ssZZZ", "2023-10-23 12:34:56Europe/Berlin", nil, utc(2023, 10, 23, 10, 34, 56, 0)},
		{"ZZZ'x'", "Europe/Berlinx", nil, utc(1970, 1, 1, 0, 0, 0, 0).Add(-time.Hour)},
		{"yyyy-MM-dd HH:mm:ss z", "2023-10-23 12:34:56 EST", nil, utc(2023, 10, 23, 17, 34, 56, 0)},
		{"yyyy-MM-dd HH:mm:ss z", "2023-10-23 12:34:56 UTC", berlin, utc(2023, 10, 23, 12, 34, 56, 0)},
		{"yyyy-MM-dd HH:mm:ss z", "2023-10-23 12:34:56 UT", berlin, utc(2023, 10, 23, 12, 34, 56, 0)},
		{"yyyy-MM-dd", "-0044-03-15", nil, utc(-44, 3, 15, 0, 0, 0, 0)},
		{"G yyyy", "BC 0044", nil, utc(44, 1, 1, 0, 0, 0, 0)}, // y is the proleptic year; Joda sets the era first, then y overrides it
		{"G YYYY", "BC 0044", nil, utc(-43, 1, 1, 0, 0, 0, 0)},
		{"YYYY.MM.dd", "2023.10.23", nil, utc(2023, 10, 23, 0, 0, 0, 0)},
		{"yyyy-MM-dd HH:mm:ss.SSSSSSSSS", "2023-10-23 12:34:56.123456789", nil, t1},
		{"yyyy-MM-dd HH:mm:ss.SSSSSSSSSSSS", "2023-10-23 12:34:56.123456789999", nil, t1},
	}
	for _, tt := range tests {
		f, err := Compile(tt.pattern)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.pattern, err)
			continue
		}
		got, err := f.Parse(tt.in, tt.loc)
		if err != nil {
			t.Errorf("%q.Parse(%q): %v", tt.pattern, tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("%q.Parse(%q) = %s, want %s", tt.pattern, tt.in, got.UTC(), tt.want)
		}
	}
}

func TestParseDefaultYear(t *testing.T) {
	f := MustCompile("MMM dd HH:mm:ss")
	got, err := f.ParseDefaultYear("Oct 23 12:34:56", nil, 2023)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2023, 10, 23, 12, 34, 56, 0, time.UTC); !got.Equal(want) {
		t.Errorf("got %s, want %s", got, want)
	}
	// Feb 29 in a non-leap default year does not exist.
	if _, err := f.ParseDefaultYear("Feb 29 00:00:00", nil, 2023); err == nil {
		t.Error("Feb 29 2023 parsed")
	}
	// A pattern with a year ignores the default.
	got, err = MustCompile("yyyy MMM dd").ParseDefaultYear("2021 Oct 23", nil, 2023)
	if err != nil || got.Year() != 2021 {
		t.Errorf("got %s, %v; want year 2021", got, err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ pattern, in, wantErr string }{
		{"yyyy-MM-dd", "2023-13-01", "monthOfYear"},
		{"yyyy-MM-dd", "2023-02-29", "dayOfMonth must be in the range [1,28]"},
		{"yyyy-MM-dd", "2023-04-31", "dayOfMonth"},
		{"yyyy-MM-dd", "2023-10-00", "dayOfMonth"},
		{"yyyy-MM-dd", "2023-10", "too short"},
		{"yyyy-MM-dd", "2023-10-23 extra", `malformed at " extra"`},
		{"yyyy-MM-dd", "2023/10/23", `malformed at "/10/23"`},
		{"yyyy-MM-dd", "", "too short"},
		{"HH:mm", "24:00", "hourOfDay"},
		{"HH:mm", "12:60", "minuteOfHour"},
		{"HH:mm:ss", "12:00:60", "secondOfMinute"},
		{"hh:mm a", "13:00 PM", "clockhourOfHalfday"},
		{"hh:mm a", "00:00 PM", "clockhourOfHalfday"},
		{"kk", "00", "clockhourOfDay"},
		{"yyyy D", "2023 366", "dayOfYear"},
		{"xxxx-ww", "2023-53", "weekOfWeekyear"},
		{"xxxx-ww-e", "2023-01-8", "dayOfWeek"},
		{"MMM", "Okt", "malformed"},
		{"EEE", "Mox", "malformed"},
		{"HH:mm Z", "12:00 +2400", "malformed"},
		{"HH:mm Z", "12:00 +0160", "malformed"},
		{"HH:mm Z", "12:00 0100", "malformed"},
		{"HH:mm ZZZ", "12:00 Nowhere/Land", "malformed"},
		{"HH:mm ZZZ", "12:00 ../../etc/passwd", "malformed"},
		{"HH:mm z", "12:00 CEST", "malformed"},
		{"yyMMdd", "2310", "too short"},
		{"SSS", "x", "malformed"},
		{"YYYY", "0000", "yearOfEra"},
	}
	for _, tt := range tests {
		_, err := MustCompile(tt.pattern).Parse(tt.in, nil)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%q.Parse(%q) error = %v, want one containing %q", tt.pattern, tt.in, err, tt.wantErr)
		}
	}
}

// TestRoundTrip formats instants and parses them back with the same
// pattern.
func TestRoundTrip(t *testing.T) {
	patterns := []string{
		"yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSZZ",
		"yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSZ",
		"yyyyMMddHHmmssSSSSSSSSS",
		"EEE, dd MMM yyyy HH:mm:ss.SSSSSSSSS Z",
		"EEEE dd MMMM yyyy hh:mm:ss.SSSSSSSSS a ZZZ",
		"G YYYY-MM-dd KK:mm:ss.SSSSSSSSS a",
		"yyyy DDD kk:mm:ss.SSSSSSSSS",
		"xxxx-'W'ww-e HH:mm:ss.SSSSSSSSS",
	}
	berlin := mustLoad(t, "Europe/Berlin")
	times := []time.Time{t1, t2, t3, t1.In(berlin), time.Date(2024, 2, 29, 23, 0, 0, 1, berlin),
		time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, p := range patterns {
		f := MustCompile(p)
		for _, tm := range times {
			s := f.Format(tm)
			got, err := f.Parse(s, tm.Location())
			if err != nil {
				t.Errorf("%q: Parse(%q): %v", p, s, err)
				continue
			}
			if !got.Equal(tm) {
				t.Errorf("%q: Parse(%q) = %s, want %s", p, s, got, tm)
			}
		}
	}
}

func TestJava(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	plus530 := time.FixedZone("", 5*3600+30*60)
	plus5 := time.FixedZone("", 5*3600)
	tests := []struct {
		pattern string
		t       time.Time
		want    string
	}{
		{"yyyy-MM-dd", t1, "2023-10-23"},
		{"YYYY-'W'ww", t2, "2022-W52"}, // ISO week-based year
		{"uuuu yy y", t1, "2023 23 2023"},
		{"EEEE EEE E EEEEE", t1, "Monday Mon Mon M"},
		{"MMMMM MMMM MMM MM M LLL", t1, "O October Oct 10 10 Oct"},
		{"e c", t2, "7 7"},
		{"Q", t1, "4"},
		{"n", t1, "123456789"},
		{"SSS", t1, "123"},
		{"XXX xxx Z ZZZZZ X x", t1, "Z +00:00 +0000 Z Z +00"},
		{"X XX XXX", t1.In(plus530), "+0530 +0530 +05:30"},
		{"X", t1.In(plus5), "+05"},
		{"VV z", t1, "Z Z"},
		{"VV z", t1.In(berlin), "Europe/Berlin CEST"},
		{"[yyyy]", t1, "2023"},
		{"''", t1, "'"},
		{"'it''s' HH", t1, "it's 12"},
		{"yyyy", time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC), "+12345"},
		{"a h K k H", t2, "AM 12 0 24 0"},
		{"D G", t3, "366 AD"},
	}
	for _, tt := range tests {
		f, err := CompileJava(tt.pattern)
		if err != nil {
			t.Errorf("CompileJava(%q): %v", tt.pattern, err)
			continue
		}
		if got := f.Format(tt.t); got != tt.want {
			t.Errorf("java %q.Format(%s) = %q, want %q", tt.pattern, tt.t, got, tt.want)
		}
	}
	for _, p := range []string{"", "yyyy{", "#", "HHH", "W", "'abc", "QQQ", "V", "ZZZZ", "aa", "SSSSSSSSSS"} {
		if _, err := CompileJava(p); err == nil {
			t.Errorf("CompileJava(%q) succeeded, want error", p)
		}
	}
	// Java patterns parse too.
	got, err := MustCompileJava("uuuuMMdd'T'HHmmssXX").Parse("20231023T123456+0200", nil)
	if want := time.Date(2023, 10, 23, 10, 34, 56, 0, time.UTC); err != nil || !got.Equal(want) {
		t.Errorf("java Parse = %s, %v; want %s", got, err, want)
	}
	got, err = MustCompileJava("dd.MM.yy").Parse("23.10.85", nil)
	if want := time.Date(2085, 10, 23, 0, 0, 0, 0, time.UTC); err != nil || !got.Equal(want) {
		t.Errorf("java reduced year Parse = %s, %v; want %s", got, err, want)
	}
}

func MustCompileJava(p string) *Format {
	f, err := CompileJava(p)
	if err != nil {
		panic(err)
	}
	return f
}

func TestAppendNoAlloc(t *testing.T) {
	f := MustCompile("yyyy-MM-dd'T'HH:mm:ss.SSSZZ EEE MMM xxxx-ww z")
	buf := make([]byte, 0, 128)
	if n := testing.AllocsPerRun(100, func() { buf = f.Append(buf[:0], t1) }); n != 0 {
		t.Errorf("Append allocates %v times", n)
	}
}

func BenchmarkAppend(b *testing.B) {
	for _, p := range []string{"yyyy.MM.dd", "yyyy-MM-dd'T'HH:mm:ss.SSSZZ"} {
		b.Run(p, func(b *testing.B) {
			f := MustCompile(p)
			buf := make([]byte, 0, 64)
			b.ReportAllocs()
			for b.Loop() {
				buf = f.Append(buf[:0], t1)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for _, c := range []struct{ p, in string }{
		{"dd/MMM/yyyy:HH:mm:ss Z", "23/Oct/2023:12:34:56 +0200"},
		{"yyyy-MM-dd HH:mm:ss,SSS", "2023-10-23 12:34:56,123"},
		{"MMM dd HH:mm:ss", "Oct 23 12:34:56"},
	} {
		b.Run(c.p, func(b *testing.B) {
			f := MustCompile(c.p)
			b.ReportAllocs()
			b.SetBytes(int64(len(c.in)))
			for b.Loop() {
				if _, err := f.Parse(c.in, time.UTC); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{"yyyy.MM.dd", "YYYY-'W'ww", "xxxx-ww-e", "EEE, dd MMM yyyy HH:mm:ss Z",
		"''", "'", "yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSZZ", "ZZZ", "z zzzz", "h:mm a", "G C D", "S{}", "[u]"} {
		f.Add(s)
	}
	times := []time.Time{t1, t2, tBC, time.Date(-1000000, 1, 1, 0, 0, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, p string) {
		for _, compile := range []func(string) (*Format, error){Compile, CompileJava} {
			fm, err := compile(p)
			if err != nil {
				continue
			}
			for _, tm := range times {
				// Must not panic; lossy patterns need not read back.
				_, _ = fm.Parse(fm.Format(tm), time.UTC)
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add("yyyy-MM-dd HH:mm:ss,SSS", "2023-10-23 12:34:56,123")
	f.Add("dd/MMM/yyyy:HH:mm:ss Z", "23/Oct/2023:12:34:56 +0200")
	f.Add("xxxx-'W'ww-e", "2020-W53-4")
	f.Add("yyyy-MM-dd HH:mm:ss ZZZ", "2023-10-23 12:34:56 Europe/Berlin")
	f.Add("yy", "-99999999")
	f.Add("yyyyyyyyyyyyyyyyyyyy", "999999999999999999999")
	f.Fuzz(func(t *testing.T, p, in string) {
		fm, err := Compile(p)
		if err != nil {
			return
		}
		_, _ = fm.Parse(in, nil)
	})
}
