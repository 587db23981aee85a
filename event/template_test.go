package event

import (
	"strings"
	"testing"
	"time"
)

func templateEvent() *Event {
	e := FromMap(map[string]any{
		"@timestamp": utcTime(2023, 10, 23, 12, 34, 56, 123456789),
		"message":    "hello world",
		"host":       map[string]any{"name": "web-1"},
		"count":      int64(42),
		"ratio":      0.5,
		"ok":         true,
		"nothing":    nil,
		"tags":       []any{"a", "b"},
		"nested":     []any{"x", []any{"y", "z"}},
		"obj":        map[string]any{"b": int64(2), "a": "s"},
		"big":        1e7,
		"{yyyy":      "brace field",
	})
	e.Metadata()["index"] = "logs"
	e.Metadata()["n"] = int64(7)
	return e
}

func TestTemplateRender(t *testing.T) {
	tests := []struct {
		tpl, want string
		static    bool
	}{
		{"", "", true},
		{"static text", "static text", true},
		{"100% sure", "100% sure", true},
		{"%", "%", true},
		{"%{", "%{", true},
		{"}", "}", true},
		{"%{message}", "hello world", false},
		{"[%{message}]", "[hello world]", false},
		{"%{[host][name]}", "web-1", false},
		{"%{host}", `{"name":"web-1"}`, false},
		{"%{[tags][0]}-%{[tags][-1]}", "a-b", false},
		{"%{[@metadata][index]}-%{[@metadata][n]}", "logs-7", false},
		{"%{[@metadata]}", `{"index":"logs","n":7}`, false},
		{"%{count} %{ratio} %{ok} %{big}", "42 0.5 true 10000000.0", false},
		{"%{tags}", "a,b", false},
		{"%{nested}", "x,y,z", false},
		{"%{obj}", `{"a":"s","b":2}`, false},
		{"%{@timestamp}", "2023-10-23T12:34:56.123Z", false},
		{"%{@version}", "1", false},
		// Missing and null fields stay as written.
		{"%{missing}", "%{missing}", false},
		{"a %{[x][y]} b %{nothing}", "a %{[x][y]} b %{nothing}", false},
		{"%{[host][missing]}", "%{[host][missing]}", false},
		{"%{[tags][5]}", "%{[tags][5]}", false},
		// A reference ends at the first '}'.
		{"%{a%{b}", "%{a%{b}", false},
		{"%{[host][name]", "%{[host][name]", true},
		{"%{{yyyy}", "brace field", false},
		// Dates.
		{"logstash-%{+YYYY.MM.dd}", "logstash-2023.10.23", false},
		{"%{+yyyy-MM-dd'T'HH:mm:ss.SSSZZ}", "2023-10-23T12:34:56.123Z", false},
		{"%{+xxxx.ww}", "2023.43", false},
		{"%{+HH}h", "12h", false},
		{"%{+%s}", "1698064496", false},
		{"%{{yyyy-MM-dd}}", "2023-10-23", false},
		{"%{{uuuu-'W'ww}}", "2023-W43", false},
		{"%{{HH:mm:ss.SSSSSS}}x", "12:34:56.123456x", false},
		{"%{[host][name]}-%{+yyyy.MM}-%{count}", "web-1-2023.10-42", false},
	}
	e := templateEvent()
	for _, tt := range tests {
		tpl, err := ParseTemplate(tt.tpl)
		if err != nil {
			t.Errorf("ParseTemplate(%q): %v", tt.tpl, err)
			continue
		}
		if got := tpl.Render(e); got != tt.want {
			t.Errorf("ParseTemplate(%q).Render = %q, want %q", tt.tpl, got, tt.want)
		}
		if got := string(tpl.AppendTo([]byte(">"), e)); got != ">"+tt.want {
			t.Errorf("ParseTemplate(%q).AppendTo = %q, want %q", tt.tpl, got, ">"+tt.want)
		}
		if tpl.IsStatic() != tt.static {
			t.Errorf("ParseTemplate(%q).IsStatic() = %v, want %v", tt.tpl, tpl.IsStatic(), tt.static)
		}
		if tpl.String() != tt.tpl {
			t.Errorf("String() = %q, want %q", tpl.String(), tt.tpl)
		}
	}
}

func TestTemplateWeekYear(t *testing.T) {
	// Logstash's documented example: 2021-08-11 is in ISO week 32.
	e := FromMap(map[string]any{"@timestamp": utcTime(2021, 8, 11, 0, 0, 0, 0)})
	for tpl, want := range map[string]string{
		"%{{YYYY-'W'ww}}": "2021-W32",
		"%{+xxxx-'W'ww}":  "2021-W32",
		"%{+YYYY.MM.dd}":  "2021.08.11",
	} {
		if got := MustTemplate(tpl).Render(e); got != want {
			t.Errorf("%s = %q, want %q", tpl, got, want)
		}
	}
	// 1 January 2023 is in week 52 of 2022: Joda's YYYY is still 2023.
	e = FromMap(map[string]any{"@timestamp": utcTime(2023, 1, 1, 0, 30, 0, 0)})
	if got := MustTemplate("%{+YYYY.MM.dd} %{+xxxx.ww}").Render(e); got != "2023.01.01 2022.52" {
		t.Errorf("got %q", got)
	}
}

func TestTemplateNoTimestamp(t *testing.T) {
	e := NewMessage("m")
	e.Fields()[TimestampField] = "not a time"
	if got := MustTemplate("[%{+yyyy}][%{+%s}][%{{yyyy}}]").Render(e); got != "[][][]" {
		t.Errorf("got %q, want empty date parts", got)
	}
}

func TestTemplateTimeNow(t *testing.T) {
	before := time.Now().Truncate(time.Millisecond)
	got := MustTemplate("%{{TIME_NOW}}").Render(templateEvent())
	after := time.Now()
	ts, err := ParseTimestamp(got)
	if err != nil {
		t.Fatalf("TIME_NOW rendered %q: %v", got, err)
	}
	if ts.Before(before) || ts.After(after) {
		t.Errorf("TIME_NOW = %s, not between %s and %s", ts, before, after)
	}
	if MustTemplate("%{{TIME_NOW}}").IsStatic() {
		t.Error("TIME_NOW template is static")
	}
}

func TestParseTemplateErrors(t *testing.T) {
	for _, s := range []string{"%{}", "%{[a]b}", "%{a]}", "%{[]}", "%{+}", "%{+Q}", "x %{+yyyy-MM-dd T}",
		"%{{}}", "%{{yyyy{}}", "%{{HHH}}"} {
		if tpl, err := ParseTemplate(s); err == nil {
			t.Errorf("ParseTemplate(%q) = %v, want error", s, tpl.parts)
		} else if !strings.Contains(err.Error(), "template") {
			t.Errorf("ParseTemplate(%q) error %q does not name the template", s, err)
		}
	}
}

func TestTemplateAllocs(t *testing.T) {
	e := templateEvent()
	buf := make([]byte, 0, 256)
	for _, s := range []string{
		"static text",
		"%{message}",
		"%{[host][name]}",
		"%{[@metadata][index]}-%{+YYYY.MM.dd}",
		"%{[host][name]} %{count} %{ratio} %{ok} %{@timestamp} %{+%s} %{{yyyy}} %{missing} %{tags}",
	} {
		tpl := MustTemplate(s)
		if n := testing.AllocsPerRun(100, func() { buf = tpl.AppendTo(buf[:0], e) }); n != 0 {
			t.Errorf("%q: AppendTo allocates %v times", s, n)
		}
	}
	for _, s := range []string{"static text", "%{message}", "%{[host][name]}"} {
		tpl := MustTemplate(s)
		if n := testing.AllocsPerRun(100, func() { _ = tpl.Render(e) }); n != 0 {
			t.Errorf("%q: Render allocates %v times", s, n)
		}
	}
}

func TestTemplateConcurrent(t *testing.T) {
	tpl := MustTemplate("%{[host][name]}-%{+yyyy.MM.dd}-%{count}")
	done := make(chan string)
	for range 4 {
		go func() {
			e := templateEvent()
			var out string
			for range 100 {
				out = tpl.Render(e)
			}
			done <- out
		}()
	}
	for range 4 {
		if got := <-done; got != "web-1-2023.10.23-42" {
			t.Errorf("got %q", got)
		}
	}
}

func BenchmarkTemplate(b *testing.B) {
	e := templateEvent()
	for _, s := range []string{
		"static-index",
		"%{message}",
		"logs-%{[host][name]}-%{+YYYY.MM.dd}",
		"%{[@metadata][index]}-%{count}-%{ratio}",
	} {
		tpl := MustTemplate(s)
		b.Run(s, func(b *testing.B) {
			buf := make([]byte, 0, 128)
			b.ReportAllocs()
			for b.Loop() {
				buf = tpl.AppendTo(buf[:0], e)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{"%{message}", "%{[a][b]}-%{+yyyy.MM.dd}", "%{{yyyy}}", "%{+%s}", "%{a%{b}",
		"100%", "%{[@metadata][x]}", "%{{TIME_NOW}}", "%{{'x''}}"} {
		f.Add(s)
	}
	e := templateEvent()
	f.Fuzz(func(t *testing.T, s string) {
		tpl, err := ParseTemplate(s)
		if err != nil {
			return
		}
		out := tpl.Render(e)
		if !strings.Contains(s, "%{") && out != s {
			t.Fatalf("text without %%{ rendered %q, want it unchanged", out)
		}
		if tpl.IsStatic() && out != s {
			t.Fatalf("static template %q rendered %q", s, out)
		}
	})
}
