package de_dot

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
		{"all fields", `de_dot { }`, m{"a.b": int64(1), "c": "x", "d.e.f": "y"}, true, m{"a_b": int64(1), "c": "x", "d_e_f": "y"}},
		{"separator", `de_dot { separator => "__" }`, m{"a.b": int64(1)}, true, m{"a__b": int64(1)}},
		{"only listed", `de_dot { fields => ["a.b"] }`, m{"a.b": int64(1), "c.d": int64(2)}, true, m{"a_b": int64(1), "c.d": int64(2)}},
		{"nested", `de_dot { nested => true }`, m{"a.b": int64(1), "a": m{"c": int64(2)}}, true, m{"a": m{"b": int64(1), "c": int64(2)}}},
		{"nested blocked keeps the field", `de_dot { nested => true }`, m{"a.b": int64(1), "a": "s"}, false, m{"a.b": int64(1), "a": "s"}},
		{"no dots", `de_dot { }`, m{"c": "x"}, false, m{"c": "x"}},
		{"listed but missing", `de_dot { fields => ["x.y"] }`, m{"c": "x"}, false, m{"c": "x"}},
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
