package split

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
		pieces     []m // emitted events; nil: the event goes on (not cancelled)
		want       m   // the original when not split
	}{
		{
			name:   "lines, empty ones skipped",
			conf:   `split { }`,
			in:     m{"message": "a\n\nb\n", "k": "v"},
			ok:     true,
			pieces: []m{{"message": "a", "k": "v"}, {"message": "b", "k": "v"}},
		},
		{
			name:   "custom terminator and target",
			conf:   `split { terminator => ", " target => "t" }`,
			in:     m{"message": "x, y"},
			ok:     true,
			pieces: []m{{"message": "x, y", "t": "x"}, {"message": "x, y", "t": "y"}},
		},
		{
			name:   "array in place",
			conf:   `split { field => "[a][b]" }`,
			in:     m{"a": m{"b": []any{int64(1), m{"c": "d"}, "", []any{}, nil}}},
			ok:     true,
			pieces: []m{{"a": m{"b": int64(1)}}, {"a": m{"b": m{"c": "d"}}}, {"a": m{"b": nil}}},
		},
		{
			name:   "array to a target keeps the array",
			conf:   `split { field => "items" target => "item" }`,
			in:     m{"items": []any{"p", "q"}},
			ok:     true,
			pieces: []m{{"items": []any{"p", "q"}, "item": "p"}, {"items": []any{"p", "q"}, "item": "q"}},
		},
		{
			name:   "empty array drops the event",
			conf:   `split { field => "items" }`,
			in:     m{"items": []any{}},
			ok:     true,
			pieces: []m{},
		},
		{
			name: "single piece is a no-op",
			conf: `split { }`,
			in:   m{"message": "one line"},
			ok:   false,
			want: m{"message": "one line"},
		},
		{
			name: "wrong type is tagged",
			conf: `split { field => "n" }`,
			in:   m{"n": int64(3)},
			ok:   false,
			want: m{"n": int64(3), "tags": []any{"_split_type_failure"}},
		},
		{
			name: "missing field",
			conf: `split { field => "nope" }`,
			in:   m{"message": "a\nb"},
			ok:   false,
			want: m{"message": "a\nb"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := plugintest.Build(t, plugin.KindFilter, tt.conf).Plugin.(*Filter)
			e := event.FromMap(tt.in)
			var got []*event.Event
			if ok := f.Filter(e, func(c *event.Event) { got = append(got, c) }); ok != tt.ok {
				t.Errorf("Filter returned %v, want %v", ok, tt.ok)
			}
			if tt.pieces == nil {
				if e.Cancelled() || len(got) > 0 {
					t.Fatalf("cancelled %v, %d pieces", e.Cancelled(), len(got))
				}
				fields := e.Fields()
				delete(fields, "@timestamp")
				delete(fields, "@version")
				if !reflect.DeepEqual(fields, tt.want) {
					t.Errorf("event\n got %#v\nwant %#v", fields, tt.want)
				}
				return
			}
			if !e.Cancelled() {
				t.Error("original not cancelled")
			}
			if len(got) != len(tt.pieces) {
				t.Fatalf("%d pieces, want %d", len(got), len(tt.pieces))
			}
			for i, c := range got {
				if c.Cancelled() || c.Timestamp() != e.Timestamp() {
					t.Errorf("piece %d: cancelled %v, timestamp %v", i, c.Cancelled(), c.Timestamp())
				}
				fields := c.Fields()
				delete(fields, "@timestamp")
				delete(fields, "@version")
				if !reflect.DeepEqual(fields, tt.pieces[i]) {
					t.Errorf("piece %d\n got %#v\nwant %#v", i, fields, tt.pieces[i])
				}
			}
		})
	}
}

func TestEmptyTerminator(t *testing.T) {
	if _, err := plugintest.BuildErr(plugin.KindFilter, `split { terminator => "" }`); err == nil {
		t.Error("no error")
	}
}
