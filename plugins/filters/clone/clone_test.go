package clone

import (
	"reflect"
	"strings"
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
		clones     []m
	}{
		{
			name:   "legacy sets type",
			conf:   `clone { clones => ["a", "b"] ecs_compatibility => disabled }`,
			in:     m{"message": "x", "type": "orig", "n": m{"k": []any{int64(1)}}},
			clones: []m{{"message": "x", "type": "a", "n": m{"k": []any{int64(1)}}}, {"message": "x", "type": "b", "n": m{"k": []any{int64(1)}}}},
		},
		{
			name:   "ECS adds a tag",
			conf:   `clone { clones => ["a"] }`,
			in:     m{"message": "x", "tags": []any{"t"}},
			clones: []m{{"message": "x", "tags": []any{"t", "a"}}},
		},
		{
			name:   "empty list",
			conf:   `clone { clones => [] }`,
			in:     m{"message": "x"},
			clones: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := plugintest.Build(t, plugin.KindFilter, tt.conf).Plugin.(*Filter)
			e := event.FromMap(tt.in)
			e.Metadata()["m"] = "meta"
			orig := e.Clone().Fields()
			var got []*event.Event
			if !f.Filter(e, func(c *event.Event) { got = append(got, c) }) {
				t.Error("Filter returned false")
			}
			if !reflect.DeepEqual(e.Fields(), orig) {
				t.Errorf("original changed: %#v", e.Fields())
			}
			if len(got) != len(tt.clones) {
				t.Fatalf("%d clones, want %d", len(got), len(tt.clones))
			}
			for i, c := range got {
				if c.Timestamp() != e.Timestamp() {
					t.Errorf("clone %d timestamp %v", i, c.Timestamp())
				}
				fields := c.Clone().Fields()
				delete(fields, "@timestamp")
				delete(fields, "@version")
				if !reflect.DeepEqual(fields, tt.clones[i]) {
					t.Errorf("clone %d\n got %#v\nwant %#v", i, fields, tt.clones[i])
				}
				if c.Metadata()["m"] != "meta" {
					t.Errorf("clone %d lost metadata", i)
				}
			}
			// Copies are deep: changing one leaves the original alone.
			if len(got) > 0 {
				_ = got[0].SetField("[n][k]", "changed")
				_ = got[0].SetField("message", "changed")
				if !reflect.DeepEqual(e.Fields(), orig) {
					t.Errorf("original shares data with its clone: %#v", e.Fields())
				}
			}
		})
	}
}

func TestRequired(t *testing.T) {
	if _, err := plugintest.BuildErr(plugin.KindFilter, `clone { }`); err == nil || !strings.Contains(err.Error(), `"clones"`) {
		t.Errorf("err = %v", err)
	}
}
