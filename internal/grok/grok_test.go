package grok

import (
	"bufio"
	"os"
	"reflect"
	"regexp/syntax"
	"strings"
	"testing"
)

func defs(set string, extra map[string]string) Definitions {
	c := Catalog(set)
	return func(name string) (string, bool) {
		if v, ok := extra[name]; ok {
			return v, true
		}
		v, ok := c[name]
		return v, ok
	}
}

// captures returns name => value for the named captures of p on s (nil
// when no match); repeated names keep the first non-empty value.
func captures(t *testing.T, p *Pattern, s string) map[string]any {
	t.Helper()
	m := p.Match(s)
	if m == nil {
		return nil
	}
	out := map[string]any{}
	for i, c := range p.Captures() {
		v, ok := p.Value(s, m, i)
		if !ok || v == "" {
			continue
		}
		if _, dup := out[c.Name]; dup {
			continue
		}
		out[c.Name] = Convert(v, c.Type)
	}
	return out
}

func TestCatalogCompiles(t *testing.T) {
	for _, set := range []string{Legacy, ECSV1} {
		for name := range Catalog(set) {
			if _, err := Compile("%{"+name+"}", defs(set, nil), true); err != nil {
				t.Errorf("%s %s: %v", set, name, err)
			}
		}
	}
}

const apacheLine = `83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"`

func TestFamilies(t *testing.T) {
	tests := []struct {
		set, pattern, line string
		want               map[string]any
	}{
		{Legacy, "%{COMBINEDAPACHELOG}", apacheLine, map[string]any{
			"clientip": "83.149.9.216", "ident": "-", "auth": "-", "timestamp": "17/May/2015:10:05:03 +0000",
			"verb": "GET", "request": "/presentations/logstash-monitorama-2013/images/kibana-search.png", "httpversion": "1.1",
			"response": "200", "bytes": "203023", "referrer": `"http://semicomplete.com/presentations/logstash-monitorama-2013/"`,
			"agent": `"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"`,
		}},
		{ECSV1, "%{COMBINEDAPACHELOG}", apacheLine, map[string]any{
			"[source][address]": "83.149.9.216", "timestamp": "17/May/2015:10:05:03 +0000",
			"[http][request][method]": "GET", "[url][original]": "/presentations/logstash-monitorama-2013/images/kibana-search.png", "[http][version]": "1.1",
			"[http][response][status_code]": int64(200), "[http][response][body][bytes]": int64(203023),
			"[http][request][referrer]": "http://semicomplete.com/presentations/logstash-monitorama-2013/",
			"[user_agent][original]":    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36",
		}},
		// Common log with a user, an IPv6 client and no size (nginx writes 0, apache -).
		{Legacy, "%{COMMONAPACHELOG}", `2001:db8::1 - frank [10/Oct/2000:13:55:36 -0700] "POST /login?next=%2F HTTP/1.0" 302 -`, map[string]any{
			"clientip": "2001:db8::1", "ident": "-", "auth": "frank", "timestamp": "10/Oct/2000:13:55:36 -0700",
			"verb": "POST", "request": "/login?next=%2F", "httpversion": "1.0", "response": "302",
		}},
		{ECSV1, "%{COMMONAPACHELOG}", `example.org - bob@example.com [10/Oct/2000:13:55:36 -0700] "-" 400 0`, map[string]any{
			"[source][address]": "example.org", "[user][name]": "bob@example.com", "timestamp": "10/Oct/2000:13:55:36 -0700",
			"[http][response][status_code]": int64(400), "[http][response][body][bytes]": int64(0),
		}},
		// nginx's default "combined" format is Apache's.
		{Legacy, "%{COMBINEDAPACHELOG}", `10.1.2.3 - - [24/Nov/2026:06:00:01 +0000] "GET /api/v1/items?id=7 HTTP/2.0" 404 153 "-" "curl/8.5.0"`, map[string]any{
			"clientip": "10.1.2.3", "ident": "-", "auth": "-", "timestamp": "24/Nov/2026:06:00:01 +0000", "verb": "GET",
			"request": "/api/v1/items?id=7", "httpversion": "2.0", "response": "404", "bytes": "153", "referrer": `"-"`, "agent": `"curl/8.5.0"`,
		}},
		{Legacy, "%{SYSLOGLINE}", `Nov 24 06:02:59 web-1 sshd[4123]: Accepted publickey for deploy from 10.0.0.5 port 52144 ssh2`, map[string]any{
			"timestamp": "Nov 24 06:02:59", "logsource": "web-1", "program": "sshd", "pid": "4123",
			"message": "Accepted publickey for deploy from 10.0.0.5 port 52144 ssh2",
		}},
		{ECSV1, "%{SYSLOGLINE}", `Nov  4 16:02:59 web-1 kernel: [  12.345] eth0: link up`, map[string]any{
			"timestamp": "Nov  4 16:02:59", "[host][hostname]": "web-1", "[process][name]": "kernel", "message": "[  12.345] eth0: link up",
		}},
		{ECSV1, "%{SYSLOGBASE} %{GREEDYDATA:message}", `Nov 24 06:02:59 <3.4> web-1 cron[77]: job done`, map[string]any{
			"timestamp": "Nov 24 06:02:59", "[log][syslog][facility][code]": int64(3), "[log][syslog][priority]": int64(4),
			"[host][hostname]": "web-1", "[process][name]": "cron", "[process][pid]": int64(77), "message": "job done",
		}},
		{Legacy, "%{SYSLOG5424LINE}", `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] An application event`, map[string]any{
			"syslog5424_pri": "165", "syslog5424_ver": "1", "syslog5424_ts": "2003-10-11T22:14:15.003Z", "syslog5424_host": "mymachine.example.com",
			"syslog5424_app": "evntslog", "syslog5424_msgid": "ID47", "syslog5424_sd": `[exampleSDID@32473 iut="3"]`, "syslog5424_msg": "An application event",
		}},
		{ECSV1, "%{SYSLOG5424LINE}", `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 [exampleSDID@32473 iut="3"] An application event`, map[string]any{
			"[log][syslog][priority]": int64(165), "[system][syslog][version]": "1", "timestamp": "2003-10-11T22:14:15.003Z",
			"[host][hostname]": "mymachine.example.com", "[process][name]": "evntslog", "[process][pid]": int64(1234), "[event][code]": "ID47",
			"[system][syslog][structured_data]": `[exampleSDID@32473 iut="3"]`, "message": "An application event",
		}},
		{ECSV1, "%{CRONLOG}", `Nov 24 06:00:01 web-1 CRON[981]: (root) CMD (run-parts /etc/cron.hourly)`, map[string]any{
			"timestamp": "Nov 24 06:00:01", "[host][hostname]": "web-1", "[process][name]": "CRON", "[process][pid]": int64(981),
			"[user][name]": "root", "[system][cron][action]": "CMD", "message": "run-parts /etc/cron.hourly",
		}},
		{Legacy, "%{JAVASTACKTRACEPART}", `	at org.example.app.Service.handle(Service.java:42)`, map[string]any{
			"class": "org.example.app.Service", "method": "handle", "file": "Service.java", "line": "42",
		}},
		{ECSV1, "%{JAVASTACKTRACEPART}", `        at java.lang.Thread.<init>(Native Method)`, map[string]any{
			"[java][log][origin][class][name]": "java.lang.Thread", "[log][origin][function]": "<init>", "[log][origin][file][name]": "Native Method",
		}},
		{Legacy, "%{TOMCATLOG}", `2026-11-24 07:14:09,512 +0100 | WARN | org.acme.billing.InvoiceJob - retrying invoice 8812 after timeout`, map[string]any{
			"timestamp": "2026-11-24 07:14:09,512 +0100", "level": "WARN", "class": "org.acme.billing.InvoiceJob",
			"logmessage": "retrying invoice 8812 after timeout",
		}},
		// A Python logging line (format "%(asctime)s %(levelname)s %(name)s: %(message)s").
		{Legacy, `%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:level} %{NOTSPACE:logger}: %{GREEDYDATA:msg}`, `2026-11-24 06:02:59,123 WARNING app.db: slow query (1.52s)`, map[string]any{
			"timestamp": "2026-11-24 06:02:59,123", "level": "WARNING", "logger": "app.db", "msg": "slow query (1.52s)",
		}},
		{Legacy, "%{HTTPD_ERRORLOG}", `[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration: /export/home/live/ap/htdocs/test`, map[string]any{
			"timestamp": "Wed Oct 11 14:32:52 2000", "loglevel": "error", "clientip": "127.0.0.1",
			"message": "client denied by server configuration: /export/home/live/ap/htdocs/test",
		}},
		{ECSV1, "%{HTTPD_ERRORLOG}", `[Mon Jan 06 09:43:41.232104 2020] [proxy:error] [pid 1234:tid 140] (111)Connection refused: AH00957: HTTP: attempt to connect to 127.0.0.1:8080 (localhost) failed`, map[string]any{
			"timestamp": "Mon Jan 06 09:43:41.232104 2020", "[apache][error][module]": "proxy", "[log][level]": "error",
			"[process][pid]": int64(1234), "[process][thread][id]": int64(140), "[apache][error][proxy][error][code]": "111",
			"[apache][error][proxy][error][message]": "Connection refused", "[error][code]": "AH00957",
			"message": "HTTP: attempt to connect to 127.0.0.1:8080 (localhost) failed",
		}},
		// Inline groups, nested field, conversions.
		{Legacy, `(?<[req][id]>[a-f0-9]{8}) took %{NUMBER:[req][ms]:float}ms status=%{INT:status:int}`, `req 1a2b3c4d took 12.5ms status=201`, map[string]any{
			"[req][id]": "1a2b3c4d", "[req][ms]": 12.5, "status": int64(201),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.set+" "+tt.pattern, func(t *testing.T) {
			p, err := Compile(tt.pattern, defs(tt.set, nil), true)
			if err != nil {
				t.Fatal(err)
			}
			if got := captures(t, p, tt.line); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("line %q\n got %#v\nwant %#v", tt.line, got, tt.want)
			}
		})
	}
}

// Lookarounds the catalog relies on behave as in Oniguruma.
func TestLookaround(t *testing.T) {
	tests := []struct {
		pattern, line string
		want          map[string]any
	}{
		// BASE10NUM's (?<![0-9.+-]) : a number is not taken from the middle of another.
		{`x%{NUMBER:n}`, `x12.5`, map[string]any{"n": "12.5"}},
		{`\.%{NUMBER:n}`, `v1.2.3`, nil}, // Oniguruma: "2" follows "1." ... lookbehind sees '.', no match
		{`%{NUMBER:n}`, `abc -7.25 def`, map[string]any{"n": "-7.25"}},
		// IPV4's (?<![0-9]) and (?![0-9]).
		{`%{IPV4:ip}`, `1234.1.1.1 5.6.7.8`, map[string]any{"ip": "5.6.7.8"}},
		{`a%{IPV4:ip}`, `a10.0.0.1999`, nil},
		{`%{IPV4:ip}`, `10.0.0.255`, map[string]any{"ip": "10.0.0.255"}},
		{`%{IP:ip}`, `client 192.168.1.250 x`, map[string]any{"ip": "192.168.1.250"}},
		{`%{IP:ip}%{GREEDYDATA:rest}`, `192.168.1.249 x`, map[string]any{"ip": "192.168.1.249", "rest": " x"}},
		{`%{IPORHOST:h}`, `10.1.1.10`, map[string]any{"h": "10.1.1.10"}},
		// QUOTEDSTRING's (?<!\\): an escaped quote does not open a string.
		{`%{QS:q}`, `say \"no\" "yes \"really\""`, map[string]any{"q": `"yes \"really\""`}},
		// TIME's (?![0-9]).
		{`%{TIME:t}`, `12:30:45`, map[string]any{"t": "12:30:45"}},
		// Possessive and atomic constructs compile.
		{`(?>a+)b++c*+(?<x>d?+)`, `aabbccd`, map[string]any{"x": "d"}},
	}
	for _, tt := range tests {
		p, err := Compile(tt.pattern, defs(Legacy, nil), true)
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		if got := captures(t, p, tt.line); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s on %q: got %v, want %v", tt.pattern, tt.line, got, tt.want)
		}
	}
}

// TestQuoteEscapes: Oniguruma has no \Q...\E, so \Q and \E are the
// letters. Passed on to RE2, they quoted the groups this compiler had
// counted, and matching panicked in Value (found reviewing the
// "(?<0>?)" fuzz failure; testdata/fuzz/FuzzCompile/quote-escapes).
func TestQuoteEscapes(t *testing.T) {
	tests := []struct {
		name, pattern, line string
		want                map[string]any
	}{
		{"named group", `\Q(?<a>x)\E`, "QxE", map[string]any{"a": "x"}},
		{"reference", `\Q%{INT:n}\E`, "Q12E", map[string]any{"n": "12"}},
		{"lookbehind", `\Q(?<=Q)%{INT:n}`, "Q12", map[string]any{"n": "12"}},
		{"in a class", `[\Q\E]+%{INT:n}`, "QEQ7", map[string]any{"n": "7"}},
		{"escaped backslash", `\\Q%{INT:n}`, `\Q7`, map[string]any{"n": "7"}},
		{"no match", `\Q%{INT:n}\E`, "12", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile(tt.pattern, defs(Legacy, nil), true)
			if err != nil {
				t.Fatal(err)
			}
			if got := captures(t, p, tt.line); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s on %q: got %v, want %v", tt.pattern, tt.line, got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	d := defs(Legacy, map[string]string{"LOOP_A": "%{LOOP_B}", "LOOP_B": "x%{LOOP_A}", "SELF": "%{SELF}", "BAD": "(unclosed",
		"QMARK": "?i)x", "HAS_QMARK": "a%{QMARK:q}"})
	tests := []struct{ pattern, want string }{
		{"%{NOPE}", "unknown pattern NOPE"},
		{"%{LOOP_A}", "pattern LOOP_A refers to itself: LOOP_A -> LOOP_B -> LOOP_A"},
		{"%{SELF}", "pattern SELF refers to itself"},
		{"%{BAD}", "missing closing )"},
		{"%{INT:x:long}", `unknown conversion "long"`},
		{"(?!%{WORD:w})x", "lookahead (?!%{WORD:w}) in \"(?!%{WORD:w})x\" is not supported: only a positive lookahead may hold captures"},
		{"(?<=(?<!a)b)x", "lookbehind (?<=(?<!a)b) in \"(?<=(?<!a)b)x\" is not supported: a lookaround inside a lookaround"},
		{"(?<=a(b)x", "unclosed lookbehind"},
		{"(?<=a+)x", "a lookbehind must have a bounded length"},
		{`(a)\1`, "back-reference"},
		{"%{INT", "unclosed %{"},
		{"[abc", "unclosed character class"},
		{"%{:x}", "empty pattern name"},
		// Found by FuzzCompile: "(?<0>?)" compiled to "(?)", a flags
		// group, so the capture had no group and Value panicked.
		{"(?<0>?)", `group (?<0> in "(?<0>?)": missing argument to repetition operator: "?"`},
		{"(?<a>?i)x", "missing argument to repetition operator"},
		{"(?P<a>?:x)", "missing argument to repetition operator"},
		{"(?'a'?)", "missing argument to repetition operator"},
		{"%{QMARK:q}", `pattern QMARK in %{QMARK:q}: missing argument to repetition operator: "?"`},
		{"%{HAS_QMARK}", "pattern QMARK in %{QMARK:q}"},
	}
	for _, tt := range tests {
		_, err := Compile(tt.pattern, d, true)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compile(%q) = %v, want an error containing %q", tt.pattern, err, tt.want)
		}
	}
}

func TestConvert(t *testing.T) {
	tests := []struct {
		in   string
		typ  Type
		want any
	}{
		{"42", Int, int64(42)}, {"-7", Int, int64(-7)}, {"12abc", Int, int64(12)}, {"abc", Int, int64(0)},
		{"3.9", Int, int64(3)}, {"1.5", Float, 1.5}, {"-2e3x", Float, -2000.0}, {"x", Float, 0.0}, {"7", String, "7"},
	}
	for _, tt := range tests {
		if got := Convert(tt.in, tt.typ); got != tt.want {
			t.Errorf("Convert(%q, %d) = %#v, want %#v", tt.in, tt.typ, got, tt.want)
		}
	}
}

func TestParseDefinitions(t *testing.T) {
	m, err := ParseDefinitions(strings.NewReader("# comment\n\nMYID [a-z]{3}-\\d+\nOTHER\t%{MYID}:%{INT}\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m["MYID"] != `[a-z]{3}-\d+` || m["OTHER"] != "%{MYID}:%{INT}" {
		t.Errorf("got %v", m)
	}
	// Trailing spaces belong to the pattern, as in Logstash (its legacy
	// REDISLOG ends with "\* ").
	if m, err := ParseDefinitions(strings.NewReader("STAR x\\* \nTABBED\t  y \t\n")); err != nil || m["STAR"] != `x\* ` || m["TABBED"] != "y \t" {
		t.Errorf("trailing spaces: got %q, %v", m, err)
	}
	if _, err := ParseDefinitions(strings.NewReader("JUSTNAME\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("want a line-numbered error, got %v", err)
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{"%{COMBINEDAPACHELOG}", "(?<a>x)%{INT:b:int}", "%{", "(?<!a)b", "(?>a++)", "[%{x}]", `\`, "%{SYSLOGLINE}", "(?<=[0-9])x(?!y)", "%{NUMBER:[a][b]:float}", "(?=%{WORD:w} )%{INT:n}", `\{ (?<={ ).*(?= } x) \}`, "(?<![a-z]{2}-)%{WORD}"} {
		f.Add(s, "83.149.9.216 - - [17/May/2015:10:05:03 +0000] x 12")
	}
	d := defs(Legacy, nil)
	f.Fuzz(func(t *testing.T, pattern, line string) {
		if !fuzzSized(pattern, d) {
			return
		}
		p, err := Compile(pattern, d, false)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		m := p.Match(line)
		if m != nil {
			for i := range p.Captures() {
				p.Value(line, m, i)
			}
		}
	})
}

// Compiling costs about 3 µs of CPU per instruction of the expanded
// program (it is compiled several times: RE2, anchored, exact, DFA, lite
// variant), so a fuzzed pattern that repeats a large reference,
// "%{IPV6}" a hundred times in 700 bytes, takes 0.35 s of CPU and
// seconds on a loaded CI machine: the fuzz coordinator reports a hung
// worker. FuzzCompile skips patterns above these sizes (20 ms of CPU).
const (
	fuzzMaxExpanded = 16 << 10
	fuzzMaxInsts    = 8000
)

// fuzzSized reports whether a fuzzed pattern is small enough to compile
// within the fuzzer's patience; patterns that do not expand or parse are
// left to Compile, which rejects them cheaply.
func fuzzSized(pattern string, d Definitions) bool {
	c := &compiler{defs: d}
	var b strings.Builder
	if err := c.expand(&b, pattern, nil); err != nil {
		return true
	}
	if b.Len() > fuzzMaxExpanded {
		return false
	}
	re, err := syntax.Parse(b.String(), syntax.Perl)
	if err != nil {
		return true
	}
	prog, err := syntax.Compile(re.Simplify())
	return err != nil || len(prog.Inst) <= fuzzMaxInsts
}

func TestFuzzSized(t *testing.T) {
	d := defs(Legacy, nil)
	tests := []struct {
		name, pattern string
		want          bool
	}{
		{"apache log", "%{COMBINEDAPACHELOG}", true},
		{"httpd error log", "%{HTTPD_ERRORLOG}", true},
		{"two syslog lines", "%{SYSLOGLINE} %{SYSLOGLINE}", true},
		{"unknown reference", "%{NOPE}", true},
		{"bad syntax", "(%{INT}", true},
		{"IPV6 a hundred times", strings.Repeat("%{IPV6}", 100), false},
		{"apache log ten times", strings.Repeat("%{COMBINEDAPACHELOG}", 10), false},
		{"repeated reference", "(%{IPORHOST}){9}", false},
		{"counted repeat of a small pattern", "%{INT}{999}", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fuzzSized(tt.pattern, d); got != tt.want {
				t.Fatalf("fuzzSized(%q) = %v, want %v", tt.pattern, got, tt.want)
			}
		})
	}
}

func apacheLines(tb testing.TB) []string {
	f, err := os.Open("../../../shared/data/apache_logs")
	if err != nil {
		tb.Skip("no ../shared/data/apache_logs:", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

func TestApacheLogsAllMatch(t *testing.T) {
	lines := apacheLines(t)
	for _, set := range []string{Legacy, ECSV1} {
		p, err := Compile("%{COMBINEDAPACHELOG}", defs(set, nil), true)
		if err != nil {
			t.Fatal(err)
		}
		miss := 0
		for _, l := range lines {
			// One line of the file is cut short inside the quoted user agent.
			if p.Match(l) == nil && !strings.HasSuffix(l, "google.com/bot.html") {
				miss++
				if miss < 3 {
					t.Logf("%s: no match: %s", set, l)
				}
			}
		}
		if miss > 0 {
			t.Errorf("%s: %d of %d lines do not match", set, miss, len(lines))
		}
	}
}

func BenchmarkCombinedApache(b *testing.B) {
	lines := apacheLines(b)
	p, err := Compile("%{COMBINEDAPACHELOG}", defs(Legacy, nil), true)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		if p.Match(lines[i%len(lines)]) != nil {
			n++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// Ten patterns none of which matches an Apache line.
var tenPatterns = []string{
	"%{SYSLOGLINE}", "%{SYSLOG5424LINE}", "%{JAVASTACKTRACEPART}", "%{TOMCATLOG}", "%{CATALINALOG}",
	"%{HTTPD_ERRORLOG}", "%{RUBY_LOGGER}", "%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} %{GREEDYDATA:msg}",
	"^%{IPORHOST:host} %{WORD:x} %{NUMBER:n}$", "%{CRONLOG}",
}

func BenchmarkTenPatternMiss(b *testing.B) {
	lines := apacheLines(b)
	var ps []*Pattern
	for _, s := range tenPatterns {
		p, err := Compile(s, defs(Legacy, nil), true)
		if err != nil {
			b.Fatal(err)
		}
		ps = append(ps, p)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := lines[i%len(lines)]
		for _, p := range ps {
			if p.Match(l) != nil {
				b.Fatalf("%s matched %s", p, l)
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// The IPv6-free fast path gives exactly the full expression's captures.
func TestLiteEquivalence(t *testing.T) {
	lines := apacheLines(t)
	lines = append(lines, `::1 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"`,
		`fe80::1%eth0 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"`,
		`1:2:3:4:5:6:7:8 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"`,
		// A hostname label longer than 63 characters: HOSTNAME stops at 63.
		strings.Repeat("a", 70)+` - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"`,
		`host-`+strings.Repeat("b", 64)+`.example - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"`,
		// ECS EMAILLOCALPART: atoms of at most 64 and 62 characters.
		`10.0.0.1 - jane.doe+logs@example.com [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"`,
		`10.0.0.1 - `+strings.Repeat("c", 64)+`.`+strings.Repeat("d", 62)+`@example.com [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"`,
		`10.0.0.1 - `+strings.Repeat("c", 65)+`@example.com [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"`,
		`10.0.0.1 - a.`+strings.Repeat("d", 63)+`@example.com [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"`)
	for _, set := range []string{Legacy, ECSV1} {
		p, err := Compile("%{COMBINEDAPACHELOG}", defs(set, nil), true)
		if err != nil {
			t.Fatal(err)
		}
		if p.lite == nil {
			t.Fatal("no fast path for COMBINEDAPACHELOG")
		}
		if !p.liteIPv6 || !p.liteHostname || p.liteEmail != (set == ECSV1) {
			t.Fatal("fast path does not cover IPV6, HOSTNAME and the ECS EMAILLOCALPART")
		}
		full := &Pattern{re: p.re, anchored: p.anchored, captures: p.captures, behinds: p.behinds, pre: p.pre}
		for _, l := range lines {
			if got, want := p.Match(l), full.Match(l); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: fast path differs on %q:\n got %v\nwant %v", set, l, got, want)
			}
		}
	}
}

// FuzzLiteEquivalence checks the fast path against the full expression on
// arbitrary lines.
func FuzzLiteEquivalence(f *testing.F) {
	f.Add(apacheLine)
	f.Add(`::1 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"`)
	f.Add(`Nov 24 06:02:59 web-1 sshd[4123]: Accepted`)
	f.Add(`a - ` + strings.Repeat("e", 63) + `@b.c [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"`)
	var ps, fulls []*Pattern
	for i, expr := range []string{"%{COMBINEDAPACHELOG}", "%{SYSLOGLINE}", "%{URI:u}", "%{HOSTPORT:hp}", "%{COMBINEDAPACHELOG}", "%{EMAILADDRESS:e}"} {
		set := Legacy
		if i >= 4 {
			set = ECSV1
		}
		p, err := Compile(expr, defs(set, nil), true)
		if err != nil {
			f.Fatal(err)
		}
		ps = append(ps, p)
		fulls = append(fulls, &Pattern{re: p.re, anchored: p.anchored, captures: p.captures, behinds: p.behinds, pre: p.pre})
	}
	f.Fuzz(func(t *testing.T, line string) {
		for i, p := range ps {
			if got, want := p.Match(line), fulls[i].Match(line); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s on %q: fast path %v, full %v", p, line, got, want)
			}
		}
	})
}

// TestLookaroundBacktracks: when RE2's preferred match breaks a
// lookaround, the exact matcher finds the match Oniguruma finds by
// backtracking into it.
func TestLookaroundBacktracks(t *testing.T) {
	tests := []struct {
		pattern, line string
		want          map[string]any
	}{
		// SECOND prefers "6", the lookahead then sees "0": Oniguruma takes "60".
		{`%{TIME:t}`, "at 12:30:60", map[string]any{"t": "12:30:60"}},
		// Logstash's HAPROXYDATE has an unescaped dot after the time.
		{`%{MONTHDAY:d}/%{MONTH:m}/%{YEAR:y}:%{HAPROXYTIME:time}.%{INT:ms}`, "[14/Sep/2014:02:01:37.452]", map[string]any{
			"d": "14", "m": "Sep", "y": "2014", "time": "02:01:37", "haproxy_hour": "02", "haproxy_minute": "01", "haproxy_second": "37", "ms": "452"}},
		// The original IPV4 octet order (shortest first) needs backtracking too.
		{`(?<![0-9])(?<ip>(?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])(?:\.(?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])){3})(?![0-9])`, "ip 10.0.0.255", map[string]any{"ip": "10.0.0.255"}},
		// Lookbehind steering a lazy DATA: "1.5" is not split as "1." + "5".
		{`^%{DATA:a}%{NUMBER:n}$`, "ab1.5", map[string]any{"a": "ab", "n": "1.5"}},
		{`x(?<!y)(?<=x)z`, "xz", map[string]any{}},
	}
	for _, tt := range tests {
		p, err := Compile(tt.pattern, defs(Legacy, nil), true)
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		if got := captures(t, p, tt.line); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s on %q: got %v, want %v", tt.pattern, tt.line, got, tt.want)
		}
	}
}

// FuzzExact checks the exact matcher against RE2: where RE2's match keeps
// every lookaround, both agree; whatever the exact matcher returns keeps
// them.
func FuzzExact(f *testing.F) {
	f.Add("at 12:30:60 from 10.0.0.255 n=-1.5e3 \"q\\\"x\"")
	f.Add("1.2.3.4.5 12:61:00 ''")
	f.Add("{ a } ntoreturn:0 } ntoreturn:1 ab12 34x")
	var ps []*Pattern
	for _, expr := range []string{`%{TIME:t}`, `%{IP:ip} %{NUMBER:n}`, `%{QS:q}`, `%{DATA:a}%{NUMBER:n}`, `%{BASE16FLOAT:f}`, `%{HAPROXYDATE:d}`, `%{MONGO_QUERY:q}`, `(?=%{INT:n}x)%{WORD:w}`, `(?<=ab)%{INT:n}`} {
		p, err := Compile(expr, defs(Legacy, nil), true)
		if err != nil {
			f.Fatal(err)
		}
		ps = append(ps, p)
	}
	f.Fuzz(func(t *testing.T, line string) {
		for _, p := range ps {
			got, ok := p.exact.match(p, line)
			if !ok {
				continue
			}
			if got != nil && !p.behindOK(line, got) {
				t.Fatalf("%s on %q: exact match %v breaks a lookaround", p, line, got)
			}
			if m := p.re.FindStringSubmatchIndex(line); m != nil && p.behindOK(line, m) && !reflect.DeepEqual(m, got) {
				t.Fatalf("%s on %q: RE2 %v, exact %v", p, line, m, got)
			}
		}
	})
}

// FuzzPrefilter checks that the prefilter never rejects a line the
// expression matches.
func FuzzPrefilter(f *testing.F) {
	exprs := []string{"%{COMBINEDAPACHELOG}", "%{SYSLOGLINE}", "%{SYSLOG5424LINE}", "%{HTTPD_ERRORLOG}", "%{TOMCATLOG}",
		"%{HAPROXYHTTP}", "%{ELB_ACCESS_LOG}", "%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} %{GREEDYDATA:msg}", "%{JAVASTACKTRACEPART}", "(?i)get|post %{URIPATH}"}
	var ps []*Pattern
	for _, e := range exprs {
		p, err := Compile(e, defs(Legacy, nil), true)
		if err != nil {
			f.Fatal(err)
		}
		ps = append(ps, p)
	}
	for _, s := range []string{apacheLine, `Nov 24 06:02:59 web-1 sshd[4123]: Accepted`, `<165>1 2003-10-11T22:14:15.003Z host app - ID47 - msg`,
		`[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] denied`, `2026-11-24 07:14:09,512 +0100 | WARN | a.B - x`, `	at a.B.c(D.java:1)`,
		`2026-11-24 06:02:59,123 WARNING app.db: slow`, "GeT /x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		for _, p := range ps {
			if p.pre != nil && p.re.MatchString(line) && !p.pre.ok(line) {
				t.Fatalf("%s matches %q but its prefilter rejects it", p, line)
			}
		}
	})
}

func BenchmarkCombinedApacheECS(b *testing.B) {
	lines := apacheLines(b)
	p, err := Compile("%{COMBINEDAPACHELOG}", defs(ECSV1, nil), true)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Match(lines[i%len(lines)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
