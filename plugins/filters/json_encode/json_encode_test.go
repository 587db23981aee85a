package json_encode

import (
	"reflect"
	"strings"
	"testing"
	"time"

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
			name: "object into a target",
			conf: `json_encode { source => "h" target => "[out][j]" }`,
			in:   m{"h": m{"b": int64(1), "a": []any{"x", 2.5, true, nil}}},
			ok:   true,
			want: m{"h": m{"b": int64(1), "a": []any{"x", 2.5, true, nil}}, "out": m{"j": `{"a":["x",2.5,true,null],"b":1}`}},
		},
		{
			name: "overwrite the source",
			conf: `json_encode { source => "[a][b]" }`,
			in:   m{"a": m{"b": []any{int64(1), int64(2)}}},
			ok:   true,
			want: m{"a": m{"b": `[1,2]`}},
		},
		{
			name: "string is quoted",
			conf: `json_encode { source => "message" }`,
			in:   m{"message": `say "hi"`},
			ok:   true,
			want: m{"message": `"say \"hi\""`},
		},
		{
			name: "timestamp",
			conf: `json_encode { source => "t" }`,
			in:   m{"t": time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)},
			ok:   true,
			want: m{"t": `"2024-05-01T10:00:00.000Z"`},
		},
		{
			name: "null",
			conf: `json_encode { source => "n" target => "j" }`,
			in:   m{"n": nil},
			ok:   true,
			want: m{"n": nil, "j": "null"},
		},
		{
			name: "missing source is a no-op",
			conf: `json_encode { source => "nope" target => "j" }`,
			in:   m{"message": "x"},
			ok:   false,
			want: m{"message": "x"},
		},
		{
			name: "target blocked",
			conf: `json_encode { source => "n" target => "[message][x]" }`,
			in:   m{"n": int64(1), "message": "x"},
			ok:   false,
			want: m{"n": int64(1), "message": "x", "tags": []any{"_jsonencodefailure"}},
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
			delete(got, "@timestamp")
			delete(got, "@version")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("event\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestRequiredSource(t *testing.T) {
	if _, err := plugintest.BuildErr(plugin.KindFilter, `json_encode { }`); err == nil || !strings.Contains(err.Error(), `"source"`) {
		t.Errorf("err = %v", err)
	}
}
