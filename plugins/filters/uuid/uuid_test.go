package uuid

import (
	"regexp"
	"testing"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

var v4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNew(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		u := New()
		if !v4.MatchString(u) {
			t.Fatalf("%q is not a version 4 UUID", u)
		}
		if seen[u] {
			t.Fatalf("duplicate %q", u)
		}
		seen[u] = true
	}
}

func TestFilter(t *testing.T) {
	tests := []struct {
		name, conf string
		in         map[string]any
		keep       any // expected unchanged value, nil: a new UUID
	}{
		{"sets a missing target", `uuid { target => "[a][id]" }`, map[string]any{}, nil},
		{"keeps an existing target", `uuid { target => "id" }`, map[string]any{"id": "mine"}, "mine"},
		{"null target is replaced", `uuid { target => "id" }`, map[string]any{"id": nil}, nil},
		{"overwrite", `uuid { target => "id" overwrite => true }`, map[string]any{"id": "mine"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := plugintest.Build(t, plugin.KindFilter, tt.conf).Plugin.(*Filter)
			e := event.FromMap(tt.in)
			if !f.Filter(e, nil) {
				t.Error("Filter returned false")
			}
			got, _ := e.Get(f.Target)
			if tt.keep != nil {
				if got != tt.keep {
					t.Errorf("target = %v, want %v", got, tt.keep)
				}
				return
			}
			if s, _ := got.(string); !v4.MatchString(s) {
				t.Errorf("target = %#v, want a UUID", got)
			}
		})
	}
}

func TestRequired(t *testing.T) {
	if _, err := plugintest.BuildErr(plugin.KindFilter, `uuid { }`); err == nil {
		t.Error("no error without target")
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = New()
	}
}
