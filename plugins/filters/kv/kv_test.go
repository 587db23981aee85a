package kv

import (
	"fmt"
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
	tests := []struct {
		name, conf string
		in         any // the message
		ok         bool
		want       map[string]any // fields besides message, @timestamp and @version
	}{
		{
			name: "docs: ip and error",
			conf: `kv { }`,
			in:   "ip=1.2.3.4 error=REFUSED",
			ok:   true,
			want: map[string]any{"ip": "1.2.3.4", "error": "REFUSED"},
		},
		{
			name: "docs: field_split characters",
			conf: `kv { field_split => "&?" }`,
			in:   "pin=12345~0&d=123&e=foo@bar.com&oq=bobo&ss=12345",
			ok:   true,
			want: map[string]any{"pin": "12345~0", "d": "123", "e": "foo@bar.com", "oq": "bobo", "ss": "12345"},
		},
		{
			name: "docs: field_split_pattern",
			conf: `kv { field_split_pattern => ":+" }`,
			in:   "k1=v1:k2=v2::k3=v3:::k4=v4",
			ok:   true,
			want: map[string]any{"k1": "v1", "k2": "v2", "k3": "v3", "k4": "v4"},
		},
		{
			name: "value_split_pattern",
			conf: `kv { value_split_pattern => "[:=]+" }`,
			in:   "a::1 b=2 c:3",
			ok:   true,
			want: map[string]any{"a": "1", "b": "2", "c": "3"},
		},
		{
			name: "docs: brackets",
			conf: `kv { }`,
			in:   "bracketsone=(hello world) bracketstwo=[hello world] bracketsthree=<hello world>",
			ok:   true,
			want: map[string]any{"bracketsone": "hello world", "bracketstwo": "hello world", "bracketsthree": "hello world"},
		},
		{
			name: "docs: include_brackets false",
			conf: `kv { include_brackets => false }`,
			in:   "bracketsone=(hello world) bracketstwo=[hello world]",
			ok:   true,
			want: map[string]any{"bracketsone": "(hello", "bracketstwo": "[hello"},
		},
		{
			name: "quoted values and keys",
			conf: `kv { }`,
			in:   `user="Jane Doe" 'role'='site admin' msg="a=b" x=1`,
			ok:   true,
			want: map[string]any{"user": "Jane Doe", "role": "site admin", "msg": "a=b", "x": "1"},
		},
		{
			name: "tokens without a value are skipped",
			conf: `kv { }`,
			in:   "Accepted password for root from 10.0.0.1 port=22 proto=ssh2",
			ok:   true,
			want: map[string]any{"port": "22", "proto": "ssh2"},
		},
		{
			name: "target, include_keys, transform_value",
			conf: `kv { target => "[kv]" include_keys => ["ip", "level"] transform_value => "lowercase" }`,
			in:   "ip=1.2.3.4 error=REFUSED level=WARN",
			ok:   true,
			want: map[string]any{"kv": map[string]any{"ip": "1.2.3.4", "level": "warn"}},
		},
		{
			name: "exclude_keys and prefix",
			conf: `kv { exclude_keys => ["secret"] prefix => "arg_" }`,
			in:   "a=1 secret=hunter2 b=2",
			ok:   true,
			want: map[string]any{"arg_a": "1", "arg_b": "2"},
		},
		{
			name: "trim and remove characters",
			conf: `kv { trim_key => "<>" trim_value => "<>\[\]," remove_char_key => "-" remove_char_value => "'" include_brackets => false }`,
			in:   "<first-name>=[Jane], <last-name>=O'Hara",
			ok:   true,
			want: map[string]any{"firstname": "Jane", "lastname": "OHara"},
		},
		{
			name: "transform_key capitalize and uppercase value",
			conf: `kv { transform_key => "capitalize" transform_value => "uppercase" }`,
			in:   "hOST=web01 level=warn",
			ok:   true,
			want: map[string]any{"Host": "WEB01", "Level": "WARN"},
		},
		{
			name: "duplicate keys become arrays",
			conf: `kv { }`,
			in:   "tag=a tag=b tag=a",
			ok:   true,
			want: map[string]any{"tag": []any{"a", "b", "a"}},
		},
		{
			name: "allow_duplicate_values false",
			conf: `kv { allow_duplicate_values => false }`,
			in:   "tag=a tag=b tag=a",
			ok:   true,
			want: map[string]any{"tag": []any{"a", "b"}},
		},
		{
			name: "recursive",
			conf: `kv { recursive => true }`,
			in:   `a=1 b="c=2 d=3"`,
			ok:   true,
			want: map[string]any{"a": "1", "b": map[string]any{"c": "2", "d": "3"}},
		},
		{
			name: "default_keys",
			conf: `kv { default_keys => { "from" => "noreply@example.com" "to" => "x" } }`,
			in:   "to=a@example.com",
			ok:   true,
			want: map[string]any{"from": "noreply@example.com", "to": "a@example.com"},
		},
		{
			name: "lenient whitespace around the separator",
			conf: `kv { }`,
			in:   "a = 1 b= 2 c =3",
			ok:   true,
			want: map[string]any{"a": "1", "b": "2", "c": "3"},
		},
		{
			name: "strict whitespace",
			conf: `kv { whitespace => "strict" field_split => "," }`,
			in:   "a=1, b=2,c =3",
			ok:   true,
			want: map[string]any{"a": "1", " b": "2", "c ": "3"},
		},
		{
			name: "empty values dropped unless allowed",
			conf: `kv { field_split => "&" }`,
			in:   "a=&b=2",
			ok:   true,
			want: map[string]any{"b": "2"},
		},
		{
			name: "allow_empty_values",
			conf: `kv { field_split => "&" allow_empty_values => true }`,
			in:   "a=&b=2",
			ok:   true,
			want: map[string]any{"a": "", "b": "2"},
		},
		{
			name: "nested keys as field references",
			conf: `kv { field_split => "&" }`,
			in:   "[user][name]=jo&[user][id]=7",
			ok:   true,
			want: map[string]any{"user": map[string]any{"name": "jo", "id": "7"}},
		},
		{
			name: "array source",
			conf: `kv { }`,
			in:   []any{"a=1", "b=2"},
			ok:   true,
			want: map[string]any{"a": "1", "b": "2"},
		},
		{
			name: "lenient keeps blanks that are not separators, as Logstash does",
			conf: `kv { field_split => "," }`,
			in:   "a = 1, b=2",
			ok:   true,
			want: map[string]any{"a ": "1", " b": "2"},
		},
		{
			name: "backslash escapes a separator in a value",
			conf: `kv { }`,
			in:   `path=C:\Program\ Files x=1`,
			ok:   true,
			want: map[string]any{"path": `C:\Program\ Files`, "x": "1"},
		},
		{
			name: "escaped quote inside a quoted value",
			conf: `kv { }`,
			in:   `msg="say \"hi\"" x=1`,
			ok:   true,
			want: map[string]any{"msg": `say \"hi\"`, "x": "1"},
		},
		{
			name: "trim_value is a character class",
			conf: `kv { trim_value => "0-9" }`,
			in:   "a=12abc34 b=x",
			ok:   true,
			want: map[string]any{"a": "abc", "b": "x"},
		},
		{
			name: "prefix and include_keys from the event",
			conf: `kv { source => "message" prefix => "%{[@metadata][p]}_" include_keys => ["%{[@metadata][k]}"] }`,
			in:   "a=1 b=2",
			ok:   true,
			want: map[string]any{"x_b": "2"},
		},
		{
			name: "no pairs: not matched",
			conf: `kv { }`,
			in:   "just some words",
			ok:   false,
			want: map[string]any{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := build(t, tt.conf)
			e := event.FromMap(map[string]any{"@timestamp": ts0, "message": tt.in})
			_ = e.SetField("[@metadata][p]", "x")
			_ = e.SetField("[@metadata][k]", "b")
			if got := f.Filter(e, nil); got != tt.ok {
				t.Errorf("Filter returned %v, want %v", got, tt.ok)
			}
			got := e.Fields()
			delete(got, "@timestamp")
			delete(got, "@version")
			delete(got, "message")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fields\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestMissingSource(t *testing.T) {
	f := build(t, `kv { source => "nope" }`)
	e := event.FromMap(map[string]any{"message": "a=1"})
	if f.Filter(e, nil) {
		t.Fatal("matched without a source field")
	}
	if _, ok := e.GetField("a"); ok {
		t.Fatal("parsed a field it was not asked to")
	}
}

func TestManyKeys(t *testing.T) {
	f := build(t, `kv { target => "kv" }`)
	var b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&b, "k%d=v%d ", i, i)
	}
	e := event.FromMap(map[string]any{"message": b.String()})
	if !f.Filter(e, nil) {
		t.Fatal("no match")
	}
	if v, _ := e.GetField("[kv][k4999]"); v != "v4999" {
		t.Fatalf("k4999 = %v", v)
	}
}

func TestTimeout(t *testing.T) {
	f := build(t, `kv { timeout_millis => 1 }`)
	f.timeout = time.Nanosecond
	var b strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&b, "k%d=v%d ", i, i)
	}
	e := event.FromMap(map[string]any{"message": b.String()})
	if f.Filter(e, nil) {
		t.Fatal("matched despite the timeout")
	}
	if !e.HasTag("_kv_filter_timeout") {
		t.Fatalf("tags = %v", e.Tags())
	}
	if _, ok := e.GetField("k1"); ok {
		t.Fatal("fields stored despite the timeout")
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ conf, want string }{
		{`kv { field_split_pattern => "(" }`, "field_split_pattern"},
		{`kv { value_split_pattern => "x*" }`, "matches empty"},
		{`kv { value_split => "" }`, "must not be empty"},
		{`kv { transform_key => "titlecase" }`, "transform_key"},
		{`kv { whitespace => "loose" }`, "whitespace"},
	}
	for _, tt := range tests {
		_, err := plugintest.BuildErr(plugin.KindFilter, tt.conf)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to mention %q", tt.conf, err, tt.want)
		}
	}
}

func BenchmarkKV(b *testing.B) {
	f := build(b, `kv { }`)
	const line = `ts=2024-01-02T03:04:05Z level=info msg="request done" method=GET path=/api/v1/items status=200 duration=12ms`
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		e := event.FromMap(map[string]any{"message": line})
		if !f.Filter(e, nil) {
			b.Fatal("no match")
		}
	}
}

func FuzzKV(f *testing.F) {
	f.Add("a=1 b=\"x y\" c=(z) d=[w] e=<v>", " ", "=")
	f.Add("pin=12345~0&d=123", "&?", "=")
	f.Add("a = 1 'k k'='v' ==", " ,", ":=")
	f.Fuzz(func(t *testing.T, line, fs, vs string) {
		if fs == "" || vs == "" {
			return
		}
		flt := &Filter{Source: event.MustRef("message"), Target: event.MustRef("kv"), FieldSplit: fs, ValueSplit: vs,
			IncludeBrackets: true, AllowDuplicateValues: true, Recursive: true, Whitespace: "lenient"}
		if err := flt.Init(&plugin.Context{}); err != nil {
			return
		}
		e := event.FromMap(map[string]any{"message": line})
		flt.Filter(e, nil)
	})
}
