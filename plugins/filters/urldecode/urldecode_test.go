package urldecode

import (
	"reflect"
	"testing"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func TestFilter(t *testing.T) {
	type m = map[string]any
	tests := []struct {
		name, conf string
		in         m
		ok         bool
		want       m
	}{
		{
			name: "message by default",
			conf: `urldecode { }`,
			in:   m{"message": "a%20b%2Fc+d%3d%E2%82%AC"},
			ok:   true,
			want: m{"message": "a b/c+d=€"},
		},
		{
			name: "malformed escapes are kept",
			conf: `urldecode { }`,
			in:   m{"message": "100% %zz %4 %"},
			ok:   true,
			want: m{"message": "100% %zz %4 %"},
		},
		{
			name: "nested field, arrays and objects",
			conf: `urldecode { field => "[q]" }`,
			in:   m{"q": m{"a": []any{"x%21", int64(3)}, "b": "%3F"}},
			ok:   true,
			want: m{"q": m{"a": []any{"x!", int64(3)}, "b": "?"}},
		},
		{
			name: "all fields",
			conf: `urldecode { all_fields => true }`,
			in:   m{"message": "%41", "other": "%42", "n": int64(1)},
			ok:   true,
			want: m{"message": "A", "other": "B", "n": int64(1)},
		},
		{
			name: "invalid UTF-8 is tagged and kept",
			conf: `urldecode { }`,
			in:   m{"message": "a%FFb"},
			ok:   false,
			want: m{"message": "a%FFb", "tags": []any{"_urldecodefailure"}},
		},
		{
			name: "invalid in an array keeps the whole array",
			conf: `urldecode { field => "a" tag_on_failure => ["bad"] }`,
			in:   m{"a": []any{"%41", "%FF"}},
			ok:   false,
			want: m{"a": []any{"%41", "%FF"}, "tags": []any{"bad"}},
		},
		{
			name: "all fields: good ones decoded, bad one tagged",
			conf: `urldecode { all_fields => true }`,
			in:   m{"message": "%41", "other": "%FF"},
			ok:   false,
			want: m{"message": "A", "other": "%FF", "tags": []any{"_urldecodefailure"}},
		},
		{
			name: "latin-1",
			conf: `urldecode { charset => "ISO-8859-1" }`,
			in:   m{"message": "caf%E9"},
			ok:   true,
			want: m{"message": "café"},
		},
		{
			name: "missing field",
			conf: `urldecode { field => "nope" }`,
			in:   m{"message": "%41"},
			ok:   false,
			want: m{"message": "%41"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := plugintest.Build(t, plugin.KindFilter, tt.conf).Plugin.(*Filter)
			e := event.FromMap(tt.in)
			if ok := f.Filter(e, func(*event.Event) { t.Fatal("emit called") }); ok != tt.ok {
				t.Errorf("Filter returned %v, want %v", ok, tt.ok)
			}
			got := e.Fields()
			if _, ok := got["@timestamp"]; !ok {
				t.Error("@timestamp lost")
			}
			delete(got, "@timestamp")
			delete(got, "@version")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("event\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestBadCharset(t *testing.T) {
	if _, err := plugintest.BuildErr(plugin.KindFilter, `urldecode { charset => "EBCDIC" }`); err == nil {
		t.Error("no error")
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "%", "%4", "%41", "a%20b", "%FF", "%e2%82%ac", "%%%"} {
		f.Add(s)
	}
	d := &Filter{}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := d.decode(s)
		if ok && len(out) > len(s) {
			t.Errorf("decode(%q) = %q grew", s, out)
		}
	})
}
