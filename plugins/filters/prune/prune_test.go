package prune

import (
	"reflect"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

var ts0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func TestFilter(t *testing.T) {
	tests := []struct {
		name, conf string
		in, want   map[string]any
	}{
		{
			name: "default drops unresolved references",
			conf: `prune { }`,
			in:   map[string]any{"message": "m", "%{host}": "x", "a": map[string]any{"%{b}": 1}},
			want: map[string]any{"@version": "1", "message": "m", "a": map[string]any{"%{b}": 1}},
		},
		{
			name: "whitelist_names, unanchored",
			conf: `prune { whitelist_names => ["^message$", "ost"] }`,
			in:   map[string]any{"message": "m", "messages": "x", "host": "h", "other": 1, "@metadata": map[string]any{"k": "v"}},
			want: map[string]any{"message": "m", "host": "h", "@metadata": map[string]any{"k": "v"}},
		},
		{
			name: "blacklist_names",
			conf: `prune { blacklist_names => ["^tmp_", "^x$"] }`,
			in:   map[string]any{"tmp_a": 1, "tmp_b": "b", "x": "x", "xy": "xy"},
			want: map[string]any{"@version": "1", "xy": "xy"},
		},
		{
			name: "whitelist_values",
			conf: `prune { whitelist_values => { "level" => "^(ERROR|WARN)$" "code" => "^5" "list" => "^a" "missing" => "z" } }`,
			in:   map[string]any{"level": "INFO", "code": int64(503), "list": []any{"ab", "b", "ac", int64(1)}},
			want: map[string]any{"@version": "1", "code": int64(503), "list": []any{"ab", "ac"}},
		},
		{
			name: "whitelist_values keeps a matching value",
			conf: `prune { whitelist_values => { "level" => "^(ERROR|WARN)$" } }`,
			in:   map[string]any{"level": "WARN"},
			want: map[string]any{"@version": "1", "level": "WARN"},
		},
		{
			name: "blacklist_values, arrays emptied are removed",
			conf: `prune { blacklist_values => { "ua" => "bot" "list" => "^x" "obj" => "." "flag" => "true" } }`,
			in:   map[string]any{"ua": "Googlebot/2.1", "list": []any{"x1", "x2"}, "obj": map[string]any{"a": "b"}, "flag": true},
			want: map[string]any{"@version": "1", "obj": map[string]any{"a": "b"}},
		},
		{
			name: "blacklist_values, array in part",
			conf: `prune { blacklist_values => { "list" => ["^x", "^y"] } }`,
			in:   map[string]any{"list": []any{"x1", "a", "y2", "b"}},
			want: map[string]any{"@version": "1", "list": []any{"a", "b"}},
		},
		{
			name: "interpolate",
			conf: `prune { interpolate => true blacklist_names => ["^%{drop}$"] blacklist_values => { "%{vfield}" => "^%{bad}$" } }`,
			in:   map[string]any{"drop": "secret", "secret": "s", "vfield": "level", "bad": "DEBUG", "level": "DEBUG"},
			want: map[string]any{"@version": "1", "drop": "secret", "vfield": "level", "bad": "DEBUG"},
		},
		{
			name: "without interpolate, %{} is literal",
			conf: `prune { blacklist_names => ["^a$"] blacklist_values => { "%{f}" => "x" } }`,
			in:   map[string]any{"f": "g", "g": "x", "a": 1},
			want: map[string]any{"@version": "1", "f": "g", "g": "x"},
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
		`prune { whitelist_names => ["("] }`,
		`prune { blacklist_names => ["[a"] }`,
		`prune { whitelist_values => { "a" => "(" } }`,
		`prune { blacklist_values => { "a" => 5 } }`,
	} {
		if _, err := plugintest.BuildErr(plugin.KindFilter, conf); err == nil {
			t.Errorf("%s: no error", conf)
		}
	}
}

func BenchmarkFilter(b *testing.B) {
	in, err := plugintest.BuildErr(plugin.KindFilter, `prune { whitelist_names => ["^message$", "^host$"] }`)
	if err != nil {
		b.Fatal(err)
	}
	f := in.Plugin.(*Filter)
	b.ReportAllocs()
	for b.Loop() {
		e := event.FromMap(map[string]any{"message": "m", "host": "h", "a": 1, "b": 2})
		f.Filter(e, nil)
	}
}
