package fieldtree

import (
	"reflect"
	"testing"
)

func TestBuild(t *testing.T) {
	var tr Tree[string]
	if !tr.Empty() || tr.Build(func(string) any { return "x" }) != nil {
		t.Fatal("an empty tree must build nil")
	}
	tr.Add([]string{"geo", "city_name"}, "city")
	tr.Add([]string{"geo", "location", "lat"}, "lat")
	tr.Add([]string{"geo", "location", "lon"}, "lon")
	tr.Add([]string{"ip"}, "ip")
	tr.Add([]string{"ip"}, "ip2") // replaces the leaf
	vals := map[string]any{"city": "Paris", "lat": 48.85, "lon": 2.35, "ip2": "192.0.2.1"}
	got := tr.Build(func(l string) any { return vals[l] })
	want := map[string]any{
		"geo": map[string]any{"city_name": "Paris", "location": map[string]any{"lat": 48.85, "lon": 2.35}},
		"ip":  "192.0.2.1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Missing values drop their leaf and any object left empty.
	got = tr.Build(func(l string) any {
		if l == "city" {
			return "Lyon"
		}
		return nil
	})
	if want := map[string]any{"geo": map[string]any{"city_name": "Lyon"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := tr.Build(func(string) any { return nil }); got != nil {
		t.Fatalf("all values missing: got %v, want nil", got)
	}
	// Every call makes new maps.
	a := tr.Build(func(l string) any { return vals[l] })
	b := tr.Build(func(l string) any { return vals[l] })
	a["geo"].(map[string]any)["city_name"] = "changed"
	if b["geo"].(map[string]any)["city_name"] != "Paris" {
		t.Fatal("two builds share a map")
	}
}

func TestMerge(t *testing.T) {
	dst := map[string]any{
		"a": map[string]any{"keep": 1, "deep": map[string]any{"x": 1}},
		"b": "old",
		"c": map[string]any{"gone": true},
	}
	src := map[string]any{
		"a": map[string]any{"new": 2, "deep": map[string]any{"y": 2}},
		"b": map[string]any{"now": "object"},
		"c": "scalar",
		"d": 4,
	}
	Merge(dst, src)
	want := map[string]any{
		"a": map[string]any{"keep": 1, "new": 2, "deep": map[string]any{"x": 1, "y": 2}},
		"b": map[string]any{"now": "object"},
		"c": "scalar",
		"d": 4,
	}
	if !reflect.DeepEqual(dst, want) {
		t.Fatalf("got %v, want %v", dst, want)
	}
}
