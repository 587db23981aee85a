package grok

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func filter(t testing.TB, conf string) *Filter {
	t.Helper()
	return plugintest.Build(t, plugin.KindFilter, conf).Plugin.(*Filter)
}

var ts0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func ev(fields map[string]any) *event.Event {
	fields["@timestamp"] = ts0
	return event.FromMap(fields)
}

const apache = `83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"`

func TestFilter(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.grok"), []byte("# mine\nAPPID app-[0-9]+\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "skip.txt"), []byte("APPID nope\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, conf string
		in         map[string]any
		ok         bool
		want       map[string]any
	}{
		{
			name: "legacy COMBINEDAPACHELOG",
			conf: `grok { ecs_compatibility => disabled match => { "message" => "%{COMBINEDAPACHELOG}" } }`,
			in:   map[string]any{"message": apache},
			ok:   true,
			want: map[string]any{"message": apache, "clientip": "83.149.9.216", "ident": "-", "auth": "-",
				"timestamp": "17/May/2015:10:05:03 +0000", "verb": "GET",
				"request": "/presentations/logstash-monitorama-2013/images/kibana-search.png", "httpversion": "1.1",
				"response": "200", "bytes": "203023", "referrer": `"http://semicomplete.com/presentations/logstash-monitorama-2013/"`,
				"agent": `"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"`},
		},
		{
			name: "ECS COMBINEDAPACHELOG",
			conf: `grok { ecs_compatibility => v1 match => { "message" => "%{COMBINEDAPACHELOG}" } }`,
			in:   map[string]any{"message": apache},
			ok:   true,
			want: map[string]any{"message": apache, "timestamp": "17/May/2015:10:05:03 +0000",
				"source": map[string]any{"address": "83.149.9.216"},
				"http": map[string]any{"request": map[string]any{"method": "GET", "referrer": "http://semicomplete.com/presentations/logstash-monitorama-2013/"},
					"response": map[string]any{"status_code": int64(200), "body": map[string]any{"bytes": int64(203023)}}, "version": "1.1"},
				"url":        map[string]any{"original": "/presentations/logstash-monitorama-2013/images/kibana-search.png"},
				"user_agent": map[string]any{"original": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"}},
		},
		{
			name: "message captured without overwrite becomes an array",
			conf: `grok { match => { "message" => "%{WORD:level}: %{GREEDYDATA:message}" } }`,
			in:   map[string]any{"message": "ERROR: disk full"},
			ok:   true,
			want: map[string]any{"message": []any{"ERROR: disk full", "disk full"}, "level": "ERROR"},
		},
		{
			name: "overwrite",
			conf: `grok { match => { "message" => "%{WORD:level}: %{GREEDYDATA:message}" } overwrite => ["message"] }`,
			in:   map[string]any{"message": "ERROR: disk full"},
			ok:   true,
			want: map[string]any{"message": "disk full", "level": "ERROR"},
		},
		{
			name: "conversions and nested fields",
			conf: `grok { match => { "message" => "took %{NUMBER:[req][ms]:float}ms code=%{INT:[req][code]:int} (?<[req][id]>[a-f0-9]+)" } }`,
			in:   map[string]any{"message": "took 12.50ms code=201 beef"},
			ok:   true,
			want: map[string]any{"message": "took 12.50ms code=201 beef", "req": map[string]any{"ms": 12.5, "code": int64(201), "id": "beef"}},
		},
		{
			name: "break_on_match true stops at the first pattern",
			conf: `grok { match => { "message" => ["%{WORD:first}", "%{INT:num}"] } }`,
			in:   map[string]any{"message": "abc 12"},
			ok:   true,
			want: map[string]any{"message": "abc 12", "first": "abc"},
		},
		{
			name: "break_on_match false tries all",
			conf: `grok { match => { "message" => ["%{WORD:first}", "%{INT:num:int}", "%{IPV4:nope}"] } break_on_match => false }`,
			in:   map[string]any{"message": "abc 12"},
			ok:   true,
			want: map[string]any{"message": "abc 12", "first": "abc", "num": int64(12)},
		},
		{
			name: "same name twice makes an array",
			conf: `grok { match => { "message" => "%{WORD:w} %{WORD:w} %{WORD:w}" } }`,
			in:   map[string]any{"message": "a b c"},
			ok:   true,
			want: map[string]any{"message": "a b c", "w": []any{"a", "b", "c"}},
		},
		{
			name: "pattern_definitions and patterns_dir",
			conf: `grok { match => { "message" => "%{APPID:app} %{REQ:req}" } pattern_definitions => { "REQ" => "r%{INT}" } patterns_dir => ["` + dir + `"] patterns_files_glob => "*.grok" }`,
			in:   map[string]any{"message": "app-42 r7"},
			ok:   true,
			want: map[string]any{"message": "app-42 r7", "app": "app-42", "req": "r7"},
		},
		{
			name: "named_captures_only false",
			conf: `grok { match => { "message" => "%{INT} %{WORD:w}" } named_captures_only => false }`,
			in:   map[string]any{"message": "5 x"},
			ok:   true,
			want: map[string]any{"message": "5 x", "INT": "5", "w": "x"},
		},
		{
			name: "keep_empty_captures",
			conf: `grok { match => { "message" => "a(?<e>x?)b(?:(?<n>y))?" } keep_empty_captures => true }`,
			in:   map[string]any{"message": "ab"},
			ok:   true,
			want: map[string]any{"message": "ab", "e": "", "n": nil},
		},
		{
			name: "empty captures dropped by default",
			conf: `grok { match => { "message" => "a(?<e>x?)b" } }`,
			in:   map[string]any{"message": "ab"},
			ok:   true,
			want: map[string]any{"message": "ab"},
		},
		{
			name: "target",
			conf: `grok { match => { "message" => "%{INT:n:int}" } target => "[parsed]" }`,
			in:   map[string]any{"message": "n=3"},
			ok:   true,
			want: map[string]any{"message": "n=3", "parsed": map[string]any{"n": int64(3)}},
		},
		{
			name: "array field: each element is matched",
			conf: `grok { match => { "lines" => "id=%{INT:id}" } }`,
			in:   map[string]any{"lines": []any{"id=1", "nothing", "id=2"}},
			ok:   true,
			want: map[string]any{"lines": []any{"id=1", "nothing", "id=2"}, "id": []any{"1", "2"}},
		},
		{
			name: "no match tags _grokparsefailure",
			conf: `grok { match => { "message" => "%{COMBINEDAPACHELOG}" } }`,
			in:   map[string]any{"message": "not an access log"},
			ok:   false,
			want: map[string]any{"message": "not an access log", "tags": []any{"_grokparsefailure"}},
		},
		{
			name: "custom failure tags, missing field",
			conf: `grok { match => { "nope" => "%{WORD}" } tag_on_failure => ["a", "b"] }`,
			in:   map[string]any{"message": "x"},
			ok:   false,
			want: map[string]any{"message": "x", "tags": []any{"a", "b"}},
		},
		{
			name: "several fields",
			conf: `grok { match => { "a" => "%{INT:x}" "b" => "%{WORD:y}" } break_on_match => false }`,
			in:   map[string]any{"a": "1", "b": "w"},
			ok:   true,
			want: map[string]any{"a": "1", "b": "w", "x": "1", "y": "w"},
		},
		{
			name: "non-string field is matched as text",
			conf: `grok { match => { "n" => "%{INT:d:int}" } }`,
			in:   map[string]any{"n": int64(42)},
			ok:   true,
			want: map[string]any{"n": int64(42), "d": int64(42)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filter(t, tt.conf)
			e := ev(tt.in)
			if ok := f.Filter(e, nil); ok != tt.ok {
				t.Errorf("Filter = %v, want %v", ok, tt.ok)
			}
			tt.want["@timestamp"] = ts0
			if _, has := tt.want["@version"]; !has {
				if v, ok := e.Fields()["@version"]; ok {
					tt.want["@version"] = v
				}
			}
			got := normalize(e.Fields())
			if !reflect.DeepEqual(got, normalize(tt.want)) {
				t.Errorf("got  %#v\nwant %#v", got, normalize(tt.want))
			}
		})
	}
}

// normalize turns []string tags into []any for comparison.
func normalize(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if s, ok := v.([]string); ok {
			a := make([]any, len(s))
			for i := range s {
				a[i] = s[i]
			}
			v = a
		}
		out[k] = v
	}
	return out
}

func TestInitErrors(t *testing.T) {
	tests := []struct{ conf, want string }{
		{`grok { match => { "message" => "%{NOPE:x}" } }`, "unknown pattern NOPE"},
		{`grok { match => { "message" => "%{A}" } pattern_definitions => { "A" => "%{B}" "B" => "%{A}" } }`, "refers to itself"},
		{`grok { match => { "message" => "(?!%{WORD:w})x" } }`, "only a positive lookahead may hold captures"},
		{`grok { match => { "message" => "%{INT:x:long}" } }`, "unknown conversion"},
		{`grok { match => { "message" => "x" } patterns_dir => ["/nonexistent/dir"] }`, "patterns_dir"},
	}
	for _, tt := range tests {
		_, err := plugintest.BuildErr(plugin.KindFilter, tt.conf)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want error containing %q", tt.conf, err, tt.want)
		}
	}
}

func TestTimeoutTag(t *testing.T) {
	f := filter(t, `grok { match => { "message" => ["%{WORD:a}x", "%{WORD:b}"] } }`)
	f.timeout = time.Nanosecond // every pattern overruns
	e := ev(map[string]any{"message": "abc"})
	if f.Filter(e, nil) {
		t.Fatal("Filter = true after a timeout")
	}
	if !e.HasTag("_groktimeout") || e.HasTag("_grokparsefailure") {
		t.Errorf("tags = %v", e.Tags())
	}
	if _, ok := e.GetField("b"); ok {
		t.Error("the second pattern ran after the budget was spent")
	}
}

func apacheLines(tb testing.TB) []string {
	fh, err := os.Open("../../../../shared/data/apache_logs")
	if err != nil {
		tb.Skip("no ../shared/data/apache_logs:", err)
	}
	defer fh.Close()
	var lines []string
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

func BenchmarkCombinedApacheECS(b *testing.B) {
	lines := apacheLines(b)
	f := filter(b, `grok { match => { "message" => "%{COMBINEDAPACHELOG}" } }`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.Filter(event.NewMessage(lines[i%len(lines)]), nil)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkTenPatternFallThrough(b *testing.B) {
	lines := apacheLines(b)
	f := filter(b, `grok { ecs_compatibility => disabled match => { "message" => [
		"%{SYSLOGLINE}", "%{SYSLOG5424LINE}", "%{JAVASTACKTRACEPART}", "%{TOMCATLOG}", "%{CATALINALOG}",
		"%{HTTPD_ERRORLOG}", "%{RUBY_LOGGER}", "%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} %{GREEDYDATA:msg}",
		"^%{IPORHOST:host} %{WORD:x} %{NUMBER:n}$", "%{CRONLOG}" ] } }`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := event.NewMessage(lines[i%len(lines)])
		if f.Filter(e, nil) {
			b.Fatal("matched")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
