package date

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func build(t testing.TB, conf string) *Filter {
	t.Helper()
	return plugintest.Build(t, plugin.KindFilter, conf).Plugin.(*Filter)
}

var ts0 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("zone database lacks %s: %v", name, err)
	}
	return loc
}

func TestFilter(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	ny := mustLoad(t, "America/New_York")
	midYear := time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		conf string
		now  time.Time
		in   map[string]any
		ok   bool
		want time.Time // expected @timestamp (or target) value
		tags []string
		// field to read the result from; "" means @timestamp
		target string
	}{
		{
			name: "apache access log",
			conf: `date { match => ["timestamp", "dd/MMM/yyyy:HH:mm:ss Z"] }`,
			in:   map[string]any{"timestamp": "17/May/2015:10:05:03 +0000"},
			ok:   true, want: time.Date(2015, 5, 17, 10, 5, 3, 0, time.UTC),
		},
		{
			name: "apache access log, negative offset",
			conf: `date { match => ["timestamp", "dd/MMM/yyyy:HH:mm:ss Z"] }`,
			in:   map[string]any{"timestamp": "10/Oct/2000:13:55:36 -0700"},
			ok:   true, want: time.Date(2000, 10, 10, 20, 55, 36, 0, time.UTC),
		},
		{
			name: "python logging asctime in a zone",
			conf: `date { match => ["ts", "yyyy-MM-dd HH:mm:ss,SSS"] timezone => "Europe/Berlin" }`,
			in:   map[string]any{"ts": "2024-03-05 14:07:09,123"},
			ok:   true, want: time.Date(2024, 3, 5, 14, 7, 9, 123e6, berlin),
		},
		{
			name: "syslog, single-digit day padded with a space, current year",
			conf: `date { match => ["ts", "MMM  d HH:mm:ss", "MMM dd HH:mm:ss"] timezone => "UTC" }`,
			now:  midYear,
			in:   map[string]any{"ts": "Mar  7 04:02:11"},
			ok:   true, want: time.Date(2024, 3, 7, 4, 2, 11, 0, time.UTC),
		},
		{
			name: "syslog, second format matches",
			conf: `date { match => ["ts", "MMM  d HH:mm:ss", "MMM dd HH:mm:ss"] timezone => "UTC" }`,
			now:  midYear,
			in:   map[string]any{"ts": "Nov 17 23:59:01"},
			ok:   true, want: time.Date(2024, 11, 17, 23, 59, 1, 0, time.UTC),
		},
		{
			name: "December seen in January is last year",
			conf: `date { match => ["ts", "MMM dd HH:mm:ss"] timezone => "UTC" }`,
			now:  time.Date(2025, 1, 1, 0, 0, 30, 0, time.UTC),
			in:   map[string]any{"ts": "Dec 31 23:59:58"},
			ok:   true, want: time.Date(2024, 12, 31, 23, 59, 58, 0, time.UTC),
		},
		{
			name: "January seen in December is next year",
			conf: `date { match => ["ts", "MMM dd HH:mm:ss"] timezone => "UTC" }`,
			now:  time.Date(2024, 12, 31, 23, 59, 0, 0, time.UTC),
			in:   map[string]any{"ts": "Jan 01 00:00:05"},
			ok:   true, want: time.Date(2025, 1, 1, 0, 0, 5, 0, time.UTC),
		},
		{
			name: "Feb 29 without a year in a leap year",
			conf: `date { match => ["ts", "MMM dd HH:mm:ss"] timezone => "UTC" }`,
			now:  time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
			in:   map[string]any{"ts": "Feb 29 12:00:00"},
			ok:   true, want: time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC),
		},
		{
			name: "Feb 29 without a year in a common year is Feb 28, as Joda clamps",
			conf: `date { match => ["ts", "MMM dd HH:mm:ss"] timezone => "UTC" }`,
			now:  time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC),
			in:   map[string]any{"ts": "Feb 29 12:00:00"},
			ok:   true, want: time.Date(2025, 2, 28, 12, 0, 0, 0, time.UTC),
		},
		{
			name: "docs example: MMM dd yyyy HH:mm:ss",
			conf: `date { match => ["logdate", "MMM dd yyyy HH:mm:ss", "MMM  d yyyy HH:mm:ss", "ISO8601"] timezone => "UTC" }`,
			in:   map[string]any{"logdate": "Jan  2 2022 03:04:05"},
			ok:   true, want: time.Date(2022, 1, 2, 3, 4, 5, 0, time.UTC),
		},
		{
			name: "ISO8601 with Z",
			conf: `date { match => ["ts", "ISO8601"] timezone => "America/New_York" }`,
			in:   map[string]any{"ts": "2011-04-19T03:44:01.103Z"},
			ok:   true, want: time.Date(2011, 4, 19, 3, 44, 1, 103e6, time.UTC),
		},
		{
			name: "ISO8601 without offset uses timezone",
			conf: `date { match => ["ts", "ISO8601"] timezone => "America/New_York" }`,
			in:   map[string]any{"ts": "2011-04-19 03:44:01,5"},
			ok:   true, want: time.Date(2011, 4, 19, 3, 44, 1, 5e8, ny),
		},
		{
			name: "ISO8601 with offset",
			conf: `date { match => ["ts", "ISO8601"] }`,
			in:   map[string]any{"ts": "2011-04-19T03:44:01+02:00"},
			ok:   true, want: time.Date(2011, 4, 19, 1, 44, 1, 0, time.UTC),
		},
		{
			name: "UNIX string with fraction",
			conf: `date { match => ["ts", "UNIX"] }`,
			in:   map[string]any{"ts": "1326149001.132"},
			ok:   true, want: time.Date(2012, 1, 9, 22, 43, 21, 132e6, time.UTC),
		},
		{
			name: "UNIX integer",
			conf: `date { match => ["ts", "UNIX"] }`,
			in:   map[string]any{"ts": int64(1326149001)},
			ok:   true, want: time.Date(2012, 1, 9, 22, 43, 21, 0, time.UTC),
		},
		{
			name: "UNIX float",
			conf: `date { match => ["ts", "UNIX"] }`,
			in:   map[string]any{"ts": 1326149001.25},
			ok:   true, want: time.Date(2012, 1, 9, 22, 43, 21, 25e7, time.UTC),
		},
		{
			name: "UNIX_MS",
			conf: `date { match => ["ts", "UNIX_MS"] }`,
			in:   map[string]any{"ts": int64(1366125117000)},
			ok:   true, want: time.Date(2013, 4, 16, 15, 11, 57, 0, time.UTC),
		},
		{
			name: "TAI64N",
			conf: `date { match => ["ts", "TAI64N"] }`,
			in:   map[string]any{"ts": "@4000000052f88ea32489532c"},
			ok:   true, want: time.Unix(0x52f88ea3-10, 0x2489532c).UTC(),
		},
		{
			name: "TAI64N without @",
			conf: `date { match => ["ts", "TAI64N"] }`,
			in:   map[string]any{"ts": "4000000052f88ea32489532c"},
			ok:   true, want: time.Unix(0x52f88ea3-10, 0x2489532c).UTC(),
		},
		{
			name: "timezone from the event",
			conf: `date { match => ["ts", "yyyy-MM-dd HH:mm:ss"] timezone => "%{tz}" }`,
			in:   map[string]any{"ts": "2024-07-01 12:00:00", "tz": "America/New_York"},
			ok:   true, want: time.Date(2024, 7, 1, 16, 0, 0, 0, time.UTC),
		},
		{
			name: "fixed offset timezone",
			conf: `date { match => ["ts", "yyyy-MM-dd HH:mm:ss"] timezone => "+05:30" }`,
			in:   map[string]any{"ts": "2024-07-01 12:00:00"},
			ok:   true, want: time.Date(2024, 7, 1, 6, 30, 0, 0, time.UTC),
		},
		{
			name: "target field",
			conf: `date { match => ["[log][ts]", "yyyyMMdd"] target => "[parsed]" timezone => "UTC" }`,
			in:   map[string]any{"log": map[string]any{"ts": "20200229"}},
			ok:   true, want: time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC),
			target: "parsed",
		},
		{
			name: "array: every element parsed, last wins",
			conf: `date { match => ["ts", "ISO8601"] }`,
			in:   map[string]any{"ts": []any{"2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"}},
			ok:   true, want: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC),
		},
		{
			name: "nanosecond fraction",
			conf: `date { match => ["ts", "yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSZZ"] }`,
			in:   map[string]any{"ts": "2024-01-02T03:04:05.123456789+00:00"},
			ok:   true, want: time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC),
		},
		{
			name: "failure tags and keeps the timestamp",
			conf: `date { match => ["ts", "dd/MMM/yyyy:HH:mm:ss Z", "ISO8601"] }`,
			in:   map[string]any{"ts": "not a date"},
			ok:   false, want: ts0, tags: []string{"_dateparsefailure"},
		},
		{
			name: "unknown zone from the event is a failure",
			conf: `date { match => ["ts", "ISO8601"] timezone => "%{tz}" tag_on_failure => ["bad_date"] }`,
			in:   map[string]any{"ts": "2024-01-01T00:00:00", "tz": "Mars/Olympus"},
			ok:   false, want: ts0, tags: []string{"bad_date"},
		},
		{
			name: "missing field is a no-op",
			conf: `date { match => ["ts", "ISO8601"] }`,
			in:   map[string]any{"other": "x"},
			ok:   false, want: ts0,
		},
		{
			name: "null field is a no-op",
			conf: `date { match => ["ts", "ISO8601"] }`,
			in:   map[string]any{"ts": nil},
			ok:   false, want: ts0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := build(t, tt.conf)
			if !tt.now.IsZero() {
				f.now = func() time.Time { return tt.now }
			}
			tt.in["@timestamp"] = ts0
			e := event.FromMap(tt.in)
			if got := f.Filter(e, nil); got != tt.ok {
				t.Fatalf("Filter returned %v, want %v", got, tt.ok)
			}
			var got any = e.Timestamp()
			if tt.target != "" {
				got, _ = e.GetField(tt.target)
			}
			gt, isTime := got.(time.Time)
			if !isTime || !gt.Equal(tt.want) {
				t.Errorf("time = %v, want %v", got, tt.want.UTC())
			}
			if tags := e.Tags(); !reflect.DeepEqual(tags, tt.tags) && (len(tags) != 0 || len(tt.tags) != 0) {
				t.Errorf("tags = %q, want %q", tags, tt.tags)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ conf, want string }{
		{`date { match => ["ts"] }`, "at least one format"},
		{`date { match => ["ts", "yyyy-MM-dd qqq"] }`, `"yyyy-MM-dd qqq"`},
		{`date { match => ["ts", "ISO8601"] timezone => "Nowhere/Special" }`, "unknown time zone"},
		{`date { match => ["ts", "ISO8601"] locale => "fr" }`, "only English"},
		{`date { match => ["[a", "ISO8601"] }`, "match"},
	}
	for _, tt := range tests {
		_, err := plugintest.BuildErr(plugin.KindFilter, tt.conf)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to mention %q", tt.conf, err, tt.want)
		}
	}
}

// TestApacheLogs parses every timestamp of the shared Apache sample.
func TestApacheLogs(t *testing.T) {
	data, err := os.ReadFile("../../../../shared/data/apache_logs")
	if err != nil {
		t.Skipf("sample data not available: %v", err)
	}
	f := build(t, `date { match => ["ts", "dd/MMM/yyyy:HH:mm:ss Z"] }`)
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		i, j := strings.IndexByte(line, '['), strings.IndexByte(line, ']')
		if i < 0 || j < i {
			continue
		}
		raw := line[i+1 : j]
		want, err := time.Parse("02/Jan/2006:15:04:05 -0700", raw)
		if err != nil {
			continue
		}
		e := event.FromMap(map[string]any{"ts": raw})
		if !f.Filter(e, nil) || !e.Timestamp().Equal(want) {
			t.Fatalf("%q: got %v (tags %v), want %v", raw, e.Timestamp(), e.Tags(), want)
		}
		n++
	}
	if n < 1000 {
		t.Fatalf("only %d timestamps checked", n)
	}
}

func BenchmarkApache(b *testing.B) {
	f := build(b, `date { match => ["ts", "dd/MMM/yyyy:HH:mm:ss Z"] }`)
	const raw = "17/May/2015:10:05:03 +0000"
	e := event.FromMap(map[string]any{"ts": raw})
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if !f.Filter(e, nil) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkSyslogNoYear(b *testing.B) {
	f := build(b, `date { match => ["ts", "MMM  d HH:mm:ss", "MMM dd HH:mm:ss"] timezone => "UTC" }`)
	const raw = "Nov 17 23:59:01"
	e := event.FromMap(map[string]any{"ts": raw})
	b.ReportAllocs()
	for b.Loop() {
		if !f.Filter(e, nil) {
			b.Fatal("no match")
		}
	}
}

func FuzzDate(f *testing.F) {
	f.Add("dd/MMM/yyyy:HH:mm:ss Z", "17/May/2015:10:05:03 +0000")
	f.Add("MMM  d HH:mm:ss", "Mar  7 04:02:11")
	f.Add("ISO8601", "2011-04-19T03:44:01.103Z")
	f.Add("UNIX", "1326149001.132")
	f.Add("UNIX_MS", "1366125117000")
	f.Add("TAI64N", "@4000000052f88ea32489532c")
	f.Add("yyyy-MM-dd HH:mm:ss,SSS ZZZ", "2024-03-05 14:07:09,123 Europe/Berlin")
	f.Fuzz(func(t *testing.T, pattern, value string) {
		p, err := compile(pattern)
		if err != nil {
			return
		}
		flt := &Filter{source: event.MustRef("ts"), parsers: []parser{p}, staticLoc: time.UTC, setTS: true,
			TagOnFailure: []string{"_dateparsefailure"}, now: time.Now}
		e := event.FromMap(map[string]any{"ts": value})
		if flt.Filter(e, nil) == e.HasTag("_dateparsefailure") {
			t.Fatalf("result and failure tag disagree for %q / %q", pattern, value)
		}
	})
}
