package event

import (
	"strings"
	"testing"
	"time"
)

func utcTime(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
}

func TestParseTimestamp(t *testing.T) {
	base := utcTime(2023, 10, 23, 12, 34, 56, 0)
	tests := []struct {
		in   string
		want time.Time
	}{
		// python-logstash, python-logstash-async, ecs-logging
		{"2023-10-23T12:34:56.123Z", base.Add(123 * time.Millisecond)},
		// structlog TimeStamper(fmt="iso")
		{"2023-10-23T12:34:56.123456Z", base.Add(123456 * time.Microsecond)},
		// datetime.isoformat(), aware and naive
		{"2023-10-23T12:34:56.123456+00:00", base.Add(123456 * time.Microsecond)},
		{"2023-10-23T12:34:56.123456", base.Add(123456 * time.Microsecond)},
		{"2023-10-23T12:34:56", base},
		// logging's asctime
		{"2023-10-23 12:34:56,123", base.Add(123 * time.Millisecond)},
		{"2023-10-23 12:34:56.123", base.Add(123 * time.Millisecond)},
		{"2023-10-23T12:34:56Z", base},
		{"2023-10-23T12:34:56+0000", base},
		{"2023-10-23T12:34:56-00:00", base},
		{"2023-10-23T14:34:56+02:00", base},
		{"2023-10-23T14:34:56+0200", base},
		{"2023-10-23T14:34:56+02", base},
		{"2023-10-23T08:04:56-04:30", base},
		{"2023-10-23T17:05:11+04:30:15", base},
		{"2023-10-23T17:05:11+043015", base},
		{"2023-10-23T12:34:56.123456789Z", base.Add(123456789)},
		{"2023-10-23T12:34:56.1234567891234Z", base.Add(123456789)},
		{"2023-10-23T12:34:56.1Z", base.Add(100 * time.Millisecond)},
		{"2023-10-23T12:34:56,5Z", base.Add(500 * time.Millisecond)},
		{"2023-10-23t12:34:56z", base},
		{"2023-10-23T12:34:56 +0000", base},
		{"2023-10-23 12:34:56 UTC", base},
		{"2023-10-23T12:34:56GMT", base},
		{"2023-10-23T12:34", utcTime(2023, 10, 23, 12, 34, 0, 0)},
		{"2023-10-23T12:34Z", utcTime(2023, 10, 23, 12, 34, 0, 0)},
		{"2023-10-23", utcTime(2023, 10, 23, 0, 0, 0, 0)},
		{"2023-10-23T00:30:00+01:00", utcTime(2023, 10, 22, 23, 30, 0, 0)},
		{"2023-12-31T23:30:00-01:00", utcTime(2024, 1, 1, 0, 30, 0, 0)},
		{"2024-02-29T00:00:00Z", utcTime(2024, 2, 29, 0, 0, 0, 0)},
		{"2000-02-29", utcTime(2000, 2, 29, 0, 0, 0, 0)},
		{"1970-01-01T00:00:00Z", time.Unix(0, 0).UTC()},
		{"0000-01-01T00:00:00Z", time.Unix(-62167219200, 0).UTC()},
		{"9999-12-31T23:59:59.999Z", time.Unix(253402300799, 999000000).UTC()},
		{"1969-12-31T23:59:59.5Z", time.Unix(-1, 500000000).UTC()},
	}
	for _, tt := range tests {
		got, err := ParseTimestamp(tt.in)
		if err != nil {
			t.Errorf("ParseTimestamp(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("ParseTimestamp(%q) = %s, want %s (UTC)", tt.in, got, tt.want)
		}
	}
	// The Unix value of a known instant, computed outside Go.
	if got, _ := ParseTimestamp("2023-10-23T12:34:56Z"); got.Unix() != 1698064496 {
		t.Errorf("Unix() = %d, want 1698064496", got.Unix())
	}
	if got, _ := ParseTimestamp("2000-03-01T00:00:00Z"); got.Unix() != 951868800 {
		t.Errorf("Unix() = %d, want 951868800", got.Unix())
	}
}

func TestParseTimestampErrors(t *testing.T) {
	for _, in := range []string{
		"", "2023", "2023-10", "2023-10-2", "23-10-2023", "2023/10/23", "20231023T123456Z",
		"2023-13-01", "2023-00-01", "2023-02-29", "1900-02-29", "2023-10-32", "2023-04-31", "2023-10-00",
		"2023-10-23T24:00:00Z", "2023-10-23T12:60:00Z", "2023-10-23T12:34:60Z", "2023-10-23T1:2:3",
		"2023-10-23T12:34:56.Z", "2023-10-23T12:34:56.", "2023-10-23T12:34.5Z", "2023-10-23T12:34:5Z",
		"2023-10-23T12:34:56+1", "2023-10-23T12:34:56+19:00", "2023-10-23T12:34:56+01:60",
		"2023-10-23T12:34:56+01:00:5", "2023-10-23T12:34:56+01:0030", "2023-10-23T12:34:56+0100:00",
		"2023-10-23T12:34:56Zjunk", "2023-10-23T12:34:56  Z", "2023-10-23T12:34:56 ", "2023-10-23T",
		"2023-10-23T12:34:56CEST", "0000-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00",
		"-2023-10-23", "+2023-10-23", "1698064496", "２０２３-10-23", "2023-10-23T12:34:56.123" + strings.Repeat("4", 300) + "Z",
	} {
		if got, err := ParseTimestamp(in); err == nil {
			t.Errorf("ParseTimestamp(%q) = %s, want error", in, got)
		} else if len(err.Error()) > 200 {
			t.Errorf("ParseTimestamp error for %d-byte input is %d bytes long", len(in), len(err.Error()))
		}
	}
}

func TestFormatTimestamp(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	tests := []struct {
		t    time.Time
		want string
	}{
		{utcTime(2023, 10, 23, 12, 34, 56, 123456789), "2023-10-23T12:34:56.123Z"},
		{utcTime(2023, 10, 23, 12, 34, 56, 0), "2023-10-23T12:34:56.000Z"},
		{utcTime(2023, 10, 23, 12, 34, 56, 999999999), "2023-10-23T12:34:56.999Z"},
		{utcTime(2023, 10, 23, 12, 34, 56, 7000000), "2023-10-23T12:34:56.007Z"},
		{time.Date(2023, 1, 2, 3, 4, 5, 60000000, berlin), "2023-01-02T02:04:05.060Z"},
		{time.Unix(0, 0), "1970-01-01T00:00:00.000Z"},
		{time.Unix(-1, 500000000), "1969-12-31T23:59:59.500Z"},
		{utcTime(5, 6, 7, 8, 9, 10, 0), "0005-06-07T08:09:10.000Z"},
		{utcTime(10000, 1, 1, 0, 0, 0, 0), "+10000-01-01T00:00:00.000Z"},
		{utcTime(-1, 12, 31, 23, 0, 0, 0), "-0001-12-31T23:00:00.000Z"},
		{time.Time{}, "0001-01-01T00:00:00.000Z"},
	}
	for _, tt := range tests {
		if got := string(FormatTimestamp([]byte("x"), tt.t)); got != "x"+tt.want {
			t.Errorf("FormatTimestamp(%s) = %q, want %q", tt.t, got, "x"+tt.want)
		}
	}
	buf := make([]byte, 0, 64)
	ts := utcTime(2023, 10, 23, 12, 34, 56, 123456789)
	if n := testing.AllocsPerRun(100, func() { buf = FormatTimestamp(buf[:0], ts) }); n != 0 {
		t.Errorf("FormatTimestamp allocates %v times", n)
	}
}

func TestParseUnix(t *testing.T) {
	tests := []struct {
		in     string
		millis bool
		want   time.Time
	}{
		{"1698064496", false, utcTime(2023, 10, 23, 12, 34, 56, 0)},
		{"1698064496.123456", false, utcTime(2023, 10, 23, 12, 34, 56, 123456000)},
		{"+1698064496.1234567891", false, utcTime(2023, 10, 23, 12, 34, 56, 123456789)},
		{"0", false, time.Unix(0, 0).UTC()},
		{"-1.5", false, time.Unix(-2, 500000000).UTC()},
		{"1698064496123", true, utcTime(2023, 10, 23, 12, 34, 56, 123000000)},
		{"1698064496123.5", true, utcTime(2023, 10, 23, 12, 34, 56, 123500000)},
		{"-1500", true, time.Unix(-2, 500000000).UTC()},
		{"253402300799999", true, time.Unix(253402300799, 999000000).UTC()},
	}
	for _, tt := range tests {
		parse := ParseUnix
		if tt.millis {
			parse = ParseUnixMillis
		}
		got, err := parse(tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parse(%q, millis=%v) = %s, %v; want %s", tt.in, tt.millis, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "-", "abc", "1.", ".5", "1e9", "1,5", " 1", "1 ", "99999999999999999", "253402300800"} {
		if got, err := ParseUnix(in); err == nil {
			t.Errorf("ParseUnix(%q) = %s, want error", in, got)
		}
	}
	if got, err := ParseUnixMillis("253402300800000"); err == nil {
		t.Errorf("ParseUnixMillis out of range = %s, want error", got)
	}
}

func TestEpochFromValue(t *testing.T) {
	want := utcTime(2023, 10, 23, 12, 34, 56, 123000000)
	tests := []struct {
		v      any
		millis bool
		want   time.Time
	}{
		{int64(1698064496), false, utcTime(2023, 10, 23, 12, 34, 56, 0)},
		{int64(1698064496123), true, want},
		{1698064496.123, false, want}, // the float is 1698064496.1229999; rounded to µs
		{1698064496123.0, true, want},
		{"1698064496.123", false, want},
		{"1698064496123", true, want},
		{-0.5, false, time.Unix(-1, 500000000).UTC()},
	}
	for _, tt := range tests {
		got, err := EpochFromValue(tt.v, tt.millis)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("EpochFromValue(%v, %v) = %s, %v; want %s", tt.v, tt.millis, got, err, tt.want)
		}
	}
	for _, v := range []any{true, nil, []any{}, 1e20, -1e20, int64(1) << 62, "x"} {
		if got, err := EpochFromValue(v, false); err == nil {
			t.Errorf("EpochFromValue(%v) = %s, want error", v, got)
		}
	}
	if got, err := EpochFromValue(int64(1)<<62, true); err == nil {
		t.Errorf("EpochFromValue(2^62 ms) = %s, want error", got)
	}
}

func BenchmarkParseTimestamp(b *testing.B) {
	for _, in := range []string{"2023-10-23T12:34:56.123Z", "2023-10-23T12:34:56.123456+00:00", "2023-10-23 12:34:56,123"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, err := ParseTimestamp(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("time.Parse-RFC3339Nano", func(b *testing.B) {
		in := "2023-10-23T12:34:56.123Z"
		b.ReportAllocs()
		for b.Loop() {
			if _, err := time.Parse(time.RFC3339Nano, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkFormatTimestamp(b *testing.B) {
	ts := utcTime(2023, 10, 23, 12, 34, 56, 123456789)
	buf := make([]byte, 0, 32)
	b.ReportAllocs()
	for b.Loop() {
		buf = FormatTimestamp(buf[:0], ts)
	}
	b.SetBytes(int64(len(buf)))
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{
		"2023-10-23T12:34:56.123Z", "2023-10-23T12:34:56.123456+00:00", "2023-10-23T12:34:56.123456",
		"2023-10-23 12:34:56,123", "2023-10-23", "2023-10-23T12:34", "0000-01-01T00:00:00+00:00",
		"9999-12-31T23:59:59.999999999-18:00", "2023-10-23T12:34:56 UTC", "2023-02-29",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseTimestamp(s)
		if err != nil {
			return
		}
		out := FormatTimestamp(nil, ts)
		back, err := ParseTimestamp(string(out))
		if err != nil {
			t.Fatalf("%q parsed to %s, formatted as %q, which does not parse: %v", s, ts, out, err)
		}
		if !back.Equal(ts.Truncate(time.Millisecond)) {
			t.Fatalf("%q: %s formatted as %q parsed back as %s", s, ts, out, back)
		}
	})
}
