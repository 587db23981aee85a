package truncate

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func TestCut(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello", 3, "hel"},
		{"hello", 0, ""},
		{"héllo", 2, "h"},                          // é is 2 bytes at [1,3)
		{"héllo", 3, "hé"},                         //
		{"a€b", 3, "a"},                            // € is 3 bytes at [1,4)
		{"a€b", 2, "a"},                            //
		{"a€b", 4, "a€"},                           //
		{"😀😀", 5, "😀"},                             // 4-byte runes
		{"😀😀", 7, "😀"},                             //
		{"😀😀", 3, ""},                              //
		{"a\x80\x80\x80\x80b", 4, "a\x80\x80\x80"}, // invalid: cut at the byte
	}
	for _, tt := range tests {
		if got := Cut(tt.s, tt.n); got != tt.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func FuzzCut(f *testing.F) {
	f.Add("héllo wörld €😀", 5)
	f.Add("\xff\x80\x80", 2)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 {
			n = -n
		}
		got := Cut(s, n)
		if len(got) > n && len(got) != len(s) || !strings.HasPrefix(s, got) {
			t.Fatalf("Cut(%q, %d) = %q", s, n, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Cut(%q, %d) = %q: invalid UTF-8", s, n, got)
		}
		if len(s) > n && utf8.ValidString(s) && len(got) < n-3 {
			t.Fatalf("Cut(%q, %d) = %q: too short", s, n, got)
		}
	})
}

var ts0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func TestFilter(t *testing.T) {
	tests := []struct {
		name, conf string
		in, want   map[string]any
	}{
		{
			name: "named fields",
			conf: `truncate { fields => ["message", "[a][b]", "missing"] length_bytes => 3 }`,
			in:   map[string]any{"message": "héllo", "a": map[string]any{"b": "abcdef", "c": "abcdef"}, "other": "abcdef"},
			want: map[string]any{"message": "hé", "a": map[string]any{"b": "abc", "c": "abcdef"}, "other": "abcdef"},
		},
		{
			name: "arrays element-wise, non-strings kept",
			conf: `truncate { fields => ["list"] length_bytes => 2 }`,
			in:   map[string]any{"list": []any{"abc", int64(12345), "x", true}},
			want: map[string]any{"list": []any{"ab", int64(12345), "x", true}},
		},
		{
			name: "object field: all strings inside",
			conf: `truncate { fields => ["a"] length_bytes => 1 }`,
			in:   map[string]any{"a": map[string]any{"b": map[string]any{"c": "xyz"}, "d": []any{"pq"}}},
			want: map[string]any{"a": map[string]any{"b": map[string]any{"c": "x"}, "d": []any{"p"}}},
		},
		{
			name: "all fields, not metadata, timestamp kept",
			conf: `truncate { length_bytes => 2 }`,
			in:   map[string]any{"message": "abcdef", "n": 3.5, "deep": map[string]any{"x": "abc"}, "@metadata": map[string]any{"m": "long"}},
			want: map[string]any{"message": "ab", "n": 3.5, "deep": map[string]any{"x": "ab"}, "@metadata": map[string]any{"m": "long"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := plugintest.Build(t, plugin.KindFilter, tt.conf).Plugin.(*Filter)
			tt.in["@timestamp"] = ts0
			e := event.FromMap(tt.in)
			if !f.Filter(e, nil) {
				t.Error("Filter returned false")
			}
			tt.want["@timestamp"] = ts0
			if _, ok := tt.want["@version"]; !ok {
				tt.want["@version"] = "1"
			}
			got := e.Fields()
			if md := e.Metadata(); len(md) > 0 {
				got["@metadata"] = md
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, conf := range []string{
		`truncate { }`,
		`truncate { length_bytes => -1 }`,
		`truncate { length_bytes => 3 fields => ["[a"] }`,
	} {
		if _, err := plugintest.BuildErr(plugin.KindFilter, conf); err == nil {
			t.Errorf("%s: no error", conf)
		}
	}
}

func BenchmarkFilter(b *testing.B) {
	in, err := plugintest.BuildErr(plugin.KindFilter, `truncate { fields => ["message"] length_bytes => 64 }`)
	if err != nil {
		b.Fatal(err)
	}
	f := in.Plugin.(*Filter)
	msg := strings.Repeat("héllo wörld ", 20)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		e := event.NewMessage(msg)
		f.Filter(e, nil)
	}
}
