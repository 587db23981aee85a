package dissect

import (
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

var ts0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func TestFilter(t *testing.T) {
	const postfix = "Mar 16 00:01:25 evita postfix/smtpd[1713]: connect from camomile.cloud9.net[168.100.1.3]"
	tests := []struct {
		name, conf string
		in         map[string]any
		ok         bool
		want       map[string]any // expected fields besides @timestamp and @version
	}{
		{
			name: "syslog line, appends and convert",
			conf: `dissect { mapping => { "message" => "%{ts} %{+ts} %{+ts} %{src} %{prog}[%{pid}]: %{msg}" } convert_datatype => { "pid" => "int" } }`,
			in:   map[string]any{"message": postfix},
			ok:   true,
			want: map[string]any{"message": postfix, "ts": "Mar 16 00:01:25", "src": "evita", "prog": "postfix/smtpd",
				"pid": int64(1713), "msg": "connect from camomile.cloud9.net[168.100.1.3]"},
		},
		{
			name: "skip sections",
			conf: `dissect { mapping => { "message" => "%{ts} %{+ts} %{+ts} %{} %{?prog}[%{pid}]: %{msg}" } }`,
			in:   map[string]any{"message": postfix},
			ok:   true,
			want: map[string]any{"message": postfix, "ts": "Mar 16 00:01:25", "pid": "1713", "msg": "connect from camomile.cloud9.net[168.100.1.3]"},
		},
		{
			name: "append order",
			conf: `dissect { mapping => { "message" => "%{+a/2} %{+a/1} %{+a/4} %{+a/3}" } }`,
			in:   map[string]any{"message": "1 2 3 4"},
			ok:   true,
			want: map[string]any{"message": "1 2 3 4", "a": "2 1 4 3"},
		},
		{
			name: "append joins with the preceding delimiter",
			conf: `dissect { mapping => { "message" => "%{date}T%{+date}|%{rest}" } }`,
			in:   map[string]any{"message": "2024-01-02T10:00:00|x"},
			ok:   true,
			want: map[string]any{"message": "2024-01-02T10:00:00|x", "date": "2024-01-02T10:00:00", "rest": "x"},
		},
		{
			name: "indirect field from a named skip",
			conf: `dissect { mapping => { "message" => "%{?k1}=%{&k1}&%{?k2}=%{&k2}" } }`,
			in:   map[string]any{"message": "user=alice&action=login"},
			ok:   true,
			want: map[string]any{"message": "user=alice&action=login", "user": "alice", "action": "login"},
		},
		{
			name: "indirect field from a normal field",
			conf: `dissect { mapping => { "message" => "%{key} %{&key}" } }`,
			in:   map[string]any{"message": "color blue"},
			ok:   true,
			want: map[string]any{"message": "color blue", "key": "color", "color": "blue"},
		},
		{
			name: "right padding",
			conf: `dissect { mapping => { "message" => "%{ts->} %{level} %{msg}" } }`,
			in:   map[string]any{"message": "12:00:01      WARN disk almost full"},
			ok:   true,
			want: map[string]any{"message": "12:00:01      WARN disk almost full", "ts": "12:00:01", "level": "WARN", "msg": "disk almost full"},
		},
		{
			name: "without padding repeated delimiters give empty fields",
			conf: `dissect { mapping => { "message" => "%{a},%{b},%{c}" } }`,
			in:   map[string]any{"message": "1,,3"},
			ok:   true,
			want: map[string]any{"message": "1,,3", "a": "1", "b": "", "c": "3"},
		},
		{
			name: "literal prefix and nested target",
			conf: `dissect { mapping => { "[log][line]" => "[%{[event][ts]}] %{[event][msg]}" } }`,
			in:   map[string]any{"log": map[string]any{"line": "[2024-05-01] started"}},
			ok:   true,
			want: map[string]any{"log": map[string]any{"line": "[2024-05-01] started"}, "event": map[string]any{"ts": "2024-05-01", "msg": "started"}},
		},
		{
			name: "two mappings",
			conf: `dissect { mapping => { "a" => "%{x}-%{y}" "b" => "%{z}:%{w}" } convert_datatype => { "y" => "float" "w" => "int" } }`,
			in:   map[string]any{"a": "p-2.5", "b": "q:7"},
			ok:   true,
			want: map[string]any{"a": "p-2.5", "b": "q:7", "x": "p", "y": 2.5, "z": "q", "w": int64(7)},
		},
		{
			name: "unconvertible value stays text",
			conf: `dissect { mapping => { "message" => "%{a} %{b}" } convert_datatype => { "a" => "int" } }`,
			in:   map[string]any{"message": "abc def"},
			ok:   true,
			want: map[string]any{"message": "abc def", "a": "abc", "b": "def", "tags": []any{"_dataconversionuncoercible_a_int"}},
		},
		{
			name: "convert_datatype alone: truncation and a missing field",
			conf: `dissect { convert_datatype => { "cpu" => "int" "load" => "float" "gone" => "int" } }`,
			in:   map[string]any{"cpu": "12.7", "load": " 0.5 "},
			ok:   true,
			want: map[string]any{"cpu": int64(12), "load": 0.5, "tags": []any{"_dataconversionnullvalue_gone_int"}},
		},
		{
			name: "trailing delimiter",
			conf: `dissect { mapping => { "message" => "<%{pri}>%{msg}." } }`,
			in:   map[string]any{"message": "<13>hello."},
			ok:   true,
			want: map[string]any{"message": "<13>hello.", "pri": "13", "msg": "hello"},
		},
		{
			name: "docs: append order with the last field",
			conf: `dissect { mapping => { "message" => "%{+a/2} %{+a/1} %{+a/4} %{+a/3}" } }`,
			in:   map[string]any{"message": "1 2 3 go"},
			ok:   true,
			want: map[string]any{"message": "1 2 3 go", "a": "2 1 go 3"},
		},
		{
			name: "docs: plain and append of the same name",
			conf: `dissect { mapping => { "message" => "%{a} %{b} %{+a}" } }`,
			in:   map[string]any{"message": "1 2 3 go"},
			ok:   true,
			want: map[string]any{"message": "1 2 3 go", "a": "1 3 go", "b": "2"},
		},
		{
			name: "append onto a value the event holds",
			conf: `dissect { mapping => { "message" => "%{+a}|%{b}" } }`,
			in:   map[string]any{"message": "y|z", "a": "x"},
			ok:   true,
			want: map[string]any{"message": "y|z", "a": "x y", "b": "z"},
		},
		{
			name: "docs: empty data between delimiters",
			conf: `dissect { mapping => { "message" => "%{name},%{addr1},%{addr2},%{addr3},%{city},%{zip}" } }`,
			in:   map[string]any{"message": "Jane Doe,4321 Fifth Avenue,,,New York,87432"},
			ok:   true,
			want: map[string]any{"message": "Jane Doe,4321 Fifth Avenue,,,New York,87432", "name": "Jane Doe",
				"addr1": "4321 Fifth Avenue", "addr2": "", "addr3": "", "city": "New York", "zip": "87432"},
		},
		{
			name: "docs: padding to the right",
			conf: `dissect { mapping => { "message" => "%{id} %{function->} %{server}" } }`,
			in:   map[string]any{"message": "00000043 ViewReceive     machine-321"},
			ok:   true,
			want: map[string]any{"message": "00000043 ViewReceive     machine-321", "id": "00000043", "function": "ViewReceive", "server": "machine-321"},
		},
		{
			name: "docs: padding to the left (to the eye)",
			conf: `dissect { mapping => { "message" => "%{id->} %{function} %{server}" } }`,
			in:   map[string]any{"message": "f3000a3b            Calc machine-123"},
			ok:   true,
			want: map[string]any{"message": "f3000a3b            Calc machine-123", "id": "f3000a3b", "function": "Calc", "server": "machine-123"},
		},
		{
			name: "docs: indirect with a named skip",
			conf: `dissect { mapping => { "message" => "error: %{?err}, %{&err}" } }`,
			in:   map[string]any{"message": "error: some_error, some_description"},
			ok:   true,
			want: map[string]any{"message": "error: some_error, some_description", "some_error": "some_description"},
		},
		{
			name: "docs: a later mapping dissects an earlier result",
			conf: `dissect { mapping => { "message" => "%{field1} %{field2} %{description}" "description" => "%{field3} %{field4} %{field5}" } }`,
			in:   map[string]any{"message": "a b c d e"},
			ok:   true,
			want: map[string]any{"message": "a b c d e", "field1": "a", "field2": "b", "description": "c d e", "field3": "c", "field4": "d", "field5": "e"},
		},
		{
			name: "no match is tagged and changes nothing",
			conf: `dissect { mapping => { "message" => "%{a} - %{b}" } }`,
			in:   map[string]any{"message": "no delimiter here"},
			ok:   false,
			want: map[string]any{"message": "no delimiter here", "tags": []any{"_dissectfailure"}},
		},
		{
			name: "prefix mismatch is tagged",
			conf: `dissect { mapping => { "message" => "[%{a}] %{b}" } tag_on_failure => ["bad"] }`,
			in:   map[string]any{"message": "a] b"},
			ok:   false,
			want: map[string]any{"message": "a] b", "tags": []any{"bad"}},
		},
		{
			name: "missing source is a no-op",
			conf: `dissect { mapping => { "message" => "%{a} %{b}" } }`,
			in:   map[string]any{"other": "x y"},
			ok:   false,
			want: map[string]any{"other": "x y"},
		},
		{
			name: "empty source is a no-op",
			conf: `dissect { mapping => { "message" => "%{a} %{b}" } }`,
			in:   map[string]any{"message": ""},
			ok:   false,
			want: map[string]any{"message": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := build(t, tt.conf)
			tt.in["@timestamp"] = ts0
			e := event.FromMap(tt.in)
			if got := f.Filter(e, nil); got != tt.ok {
				t.Errorf("Filter returned %v, want %v", got, tt.ok)
			}
			got := e.Fields()
			delete(got, "@timestamp")
			delete(got, "@version")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fields\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ conf, want string }{
		{`dissect { mapping => { "message" => "no sections" } }`, "no %{field} section"},
		{`dissect { mapping => { "message" => "%{a" } }`, "unclosed"},
		{`dissect { mapping => { "message" => "%{a}%{b}" } }`, "need a delimiter"},
		{`dissect { mapping => { "message" => "%{+a/x} %{b}" } }`, "append order"},
		{`dissect { mapping => { "message" => "%{+} %{b}" } }`, "missing field name"},
		{`dissect { mapping => { "message" => "%{a} %{b}" } convert_datatype => { "a" => "bool" } }`, "not int or float"},
		{`dissect { }`, "nothing to do"},
	}
	for _, tt := range tests {
		_, err := plugintest.BuildErr(plugin.KindFilter, tt.conf)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to mention %q", tt.conf, err, tt.want)
		}
	}
}

func BenchmarkDissect(b *testing.B) {
	f := build(b, `dissect { mapping => { "message" => "%{ts} %{+ts} %{+ts} %{src} %{prog}[%{pid}]: %{msg}" } }`)
	const line = "Mar 16 00:01:25 evita postfix/smtpd[1713]: connect from camomile.cloud9.net[168.100.1.3]"
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		e := event.FromMap(map[string]any{"message": line})
		if !f.Filter(e, nil) {
			b.Fatal("no match")
		}
	}
}

func FuzzCompile(f *testing.F) {
	f.Add("%{ts} %{+ts} %{+ts} %{src} %{prog}[%{pid}]: %{msg}", "Mar 16 00:01:25 evita postfix/smtpd[1713]: hi")
	f.Add("%{+a/2} %{+a/1}", "1 2")
	f.Add("%{?k}=%{&k}", "a=b")
	f.Add("[%{a->}] %{}", "[x]]] y")
	f.Add("%{a}%{", "")
	f.Fuzz(func(t *testing.T, pattern, line string) {
		d, err := compile(pattern)
		if err != nil {
			return
		}
		caps, ok := d.dissect(nil, line, func(string) (string, bool) { return "k", true })
		if !ok && len(caps) != 0 {
			t.Fatalf("failed dissection returned captures %v", caps)
		}
		for _, c := range caps {
			if len(c.value) > len(line) {
				t.Fatalf("capture %q longer than the line", c.value)
			}
		}
	})
}
