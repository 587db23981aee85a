package event

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

var patchTime = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// shipperPatch is what `sluice ship`'s add_field makes.
func shipperPatch(t testing.TB) *Patch {
	t.Helper()
	return mustPatch(t,
		PatchOp{Ref: MustRef("[agent][type]"), Value: "filebeat", Append: true},
		PatchOp{Ref: MustRef("[agent][name]"), Value: "host-1", Append: true},
		PatchOp{Ref: MustRef("[agent][version]"), Value: "0.1.0", Append: true},
		PatchOp{Ref: MustRef("[ecs][version]"), Value: "8.0.0", Append: true},
		PatchOp{Ref: MustRef("[input][type]"), Value: "filestream", Append: true},
		PatchOp{Ref: MustRef("[@metadata][beat]"), Value: "filebeat", Append: true},
		PatchOp{Ref: MustRef("[@metadata][version]"), Value: "0.1.0", Append: true},
	)
}

func mustPatch(t testing.TB, ops ...PatchOp) *Patch {
	t.Helper()
	p, err := NewPatch(ops...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The patches of the differential tests: add_field's and Set's rules,
// metadata, arrays, maps as values, @timestamp, tags and a change that
// fails.
func testPatches(t testing.TB) []*Patch {
	return []*Patch{
		shipperPatch(t),
		mustPatch(t,
			PatchOp{Ref: MustRef("[@metadata][input][beats][host][ip]"), Value: "10.0.0.1"},
			PatchOp{Ref: MustRef("[@metadata][tls_peer][status]"), Value: "verified"},
		),
		mustPatch(t,
			PatchOp{Ref: MustRef("tags"), Value: "from-patch", Append: true},
			PatchOp{Ref: MustRef("[list]"), Value: []any{"a", map[string]any{"k": "v"}}},
			PatchOp{Ref: MustRef("[list][1][k2]"), Value: int64(2)},
			PatchOp{Ref: MustRef("[obj]"), Value: map[string]any{"x": map[string]any{"y": 1.5}}},
			PatchOp{Ref: MustRef("[agent][name]"), Value: "a1", Append: true},
			PatchOp{Ref: MustRef("[agent][name]"), Value: "a2", Append: true},
		),
		mustPatch(t,
			PatchOp{Ref: MustRef("@timestamp"), Value: patchTime.Add(time.Hour)},
			PatchOp{Ref: MustRef("[zz]"), Value: "last"},
		),
		mustPatch(t, PatchOp{Ref: MustRef("message"), Value: "patched", Append: true}),
		mustPatch(t,
			PatchOp{Ref: MustRef("[a]"), Value: "x"},
			PatchOp{Ref: MustRef("[a][b]"), Value: "fails: [a] is a string"},
			PatchOp{Ref: MustRef("[c][d]"), Value: "ok"},
		),
	}
}

// testEvents make the starting events: each call builds a new one.
var testEvents = []func() *Event{
	func() *Event {
		e := NewMessage("hello")
		e.SetTimestamp(patchTime)
		return e
	},
	func() *Event {
		e := FromMap(map[string]any{
			"@timestamp": patchTime, "message": "m", "tags": []any{"t1"},
			"agent": map[string]any{"name": "orig", "id": "x"},
			"a":     map[string]any{"b": "old"},
			"@metadata": map[string]any{"beat": "other", "keep": "k",
				"input": map[string]any{"beats": map[string]any{"host": map[string]any{"name": "h"}}}},
		})
		return e
	},
	func() *Event {
		e := FromMap(map[string]any{"@timestamp": patchTime, "agent": "a string", "ecs": []any{"e"}, "c": int64(3)})
		return e
	},
	func() *Event {
		e := FromMap(map[string]any{"message": "no timestamp", "0": "sorts before @timestamp"})
		e.Remove(MustRef("@timestamp"))
		return e
	},
}

// action is something a filter or output does with an event; it returns
// what it saw.
type action struct {
	name string
	do   func(e *Event) string
}

func show(v any, ok bool) string {
	if !ok {
		return "<missing>"
	}
	return string(AppendJSONValue(nil, v))
}

func getAction(ref string) action {
	r := MustRef(ref)
	return action{"get " + ref, func(e *Event) string { return show(e.Get(r)) }}
}

func setAction(ref string, v any) action {
	r := MustRef(ref)
	return action{fmt.Sprintf("set %s=%v", ref, v), func(e *Event) string {
		err := e.Set(r, CloneValue(v))
		return fmt.Sprint(err)
	}}
}

func removeAction(ref string) action {
	r := MustRef(ref)
	return action{"remove " + ref, func(e *Event) string { return show(e.Remove(r)) }}
}

var testActions = []action{
	{"json", func(e *Event) string { return string(e.AppendJSON(nil)) }},
	getAction("[agent][name]"),
	getAction("[agent][type]"),
	getAction("[agent]"),
	getAction("[agent][zzz]"),
	getAction("[ecs][version]"),
	getAction("[ecs][0]"),
	getAction("[list][0]"),
	getAction("[list][-1][k2]"),
	getAction("[obj][x][y]"),
	getAction("[a][b]"),
	getAction("[c][d]"),
	getAction("[@metadata][beat]"),
	getAction("[@metadata][input][beats][host][ip]"),
	getAction("[@metadata][input][beats][host]"),
	getAction("[@metadata]"),
	getAction("message"),
	getAction("@timestamp"),
	getAction("tags"),
	getAction("[not][there]"),
	setAction("[agent][name]", "changed"),
	setAction("[agent]", "scalar"),
	setAction("[other]", int64(1)),
	setAction("[list][0]", "z"),
	setAction("[@metadata][beat]", "set"),
	setAction("[@metadata][input][beats][host][ip]", "1.2.3.4"),
	setAction("[@metadata]", map[string]any{"fresh": true}),
	setAction("@timestamp", patchTime.Add(time.Minute)),
	setAction("[c][d]", "changed"),
	removeAction("[agent][name]"),
	removeAction("[agent]"),
	removeAction("[list][0]"),
	removeAction("[@metadata][version]"),
	removeAction("[@metadata]"),
	removeAction("[ecs]"),
	removeAction("@timestamp"),
	{"mutate via Get", func(e *Event) string {
		v, ok := e.Get(MustRef("[agent]"))
		if m, isMap := v.(map[string]any); isMap {
			m["name"] = "via get"
		}
		return show(v, ok)
	}},
	{"mutate list via Get", func(e *Event) string {
		v, ok := e.Get(MustRef("[list]"))
		if a, isArr := v.([]any); isArr && len(a) > 0 {
			a[0] = "via get"
		}
		return show(v, ok)
	}},
	{"mutate via Fields", func(e *Event) string {
		f := e.Fields()
		if m, ok := f["agent"].(map[string]any); ok {
			m["name"] = "via fields"
		}
		f["added"] = "x"
		return show(f, true)
	}},
	{"mutate via Metadata", func(e *Event) string {
		m := e.Metadata()
		m["beat"] = "via metadata"
		if in, ok := m["input"].(map[string]any); ok {
			in["x"] = "y"
		}
		return show(m, true)
	}},
	{"tags", func(e *Event) string { return fmt.Sprint(e.Tags(), e.HasTag("from-patch"), e.HasTag("t1")) }},
	{"add tag", func(e *Event) string { e.AddTag("new"); return fmt.Sprint(e.Tags()) }},
	{"remove tag", func(e *Event) string { e.RemoveTag("from-patch"); return fmt.Sprint(e.Tags()) }},
	{"timestamp", func(e *Event) string { return e.Timestamp().String() + " " + e.Message() }},
	{"set timestamp", func(e *Event) string { e.SetTimestamp(patchTime.Add(2 * time.Minute)); return "" }},
	{"template", func(e *Event) string {
		tpl, err := ParseTemplate("%{[agent][name]} %{+yyyy-MM-dd HH} %{+%s} %{[@metadata][beat]} %{message}")
		if err != nil {
			panic(err)
		}
		return tpl.Render(e)
	}},
	{"clone and mutate the clone", func(e *Event) string {
		c := e.Clone()
		_ = c.Set(MustRef("[agent][name]"), "in clone")
		c.Metadata()["beat"] = "in clone"
		return string(c.AppendJSON(nil)) + show(c.Get(MustRef("[@metadata]")))
	}},
}

// state is everything observable about an event (it flushes the patch).
func state(e *Event) string {
	j := string(e.AppendJSON(nil))
	md, ok := e.Get(MustRef("[@metadata]"))
	return j + " @metadata=" + show(md, ok) + " fields=" + show(e.Fields(), true)
}

// eager applies p's changes at once, as the code before patches did.
func eager(e *Event, p *Patch) {
	for _, op := range p.ops {
		_ = e.applyOp(op)
	}
}

// TestPatchSameAsEager checks that an event with a pending patch behaves
// exactly as one whose changes were made at once, through every action
// (and random sequences of them), and that the action on one event
// changes neither the events that share the patch nor the patch.
func TestPatchSameAsEager(t *testing.T) {
	patches := testPatches(t)
	run := func(t *testing.T, p *Patch, mk func() *Event, seq []action) {
		t.Helper()
		treeBefore := show(p.fields.tree, true) + show(p.meta.tree, true)
		lazy, ref, sibling, siblingRef := mk(), mk(), mk(), mk()
		lazy.ApplyPatch(p)
		sibling.ApplyPatch(p)
		eager(ref, p)
		eager(siblingRef, p)
		for i, a := range seq {
			got, want := a.do(lazy), a.do(ref)
			if got != want {
				t.Fatalf("step %d %q: patched event saw\n%s\nwant\n%s", i, a.name, got, want)
			}
		}
		if got, want := state(lazy), state(ref); got != want {
			t.Fatalf("after %d actions: patched event is\n%s\nwant\n%s", len(seq), got, want)
		}
		if got, want := state(sibling), state(siblingRef); got != want {
			t.Fatalf("an event sharing the patch changed:\n%s\nwant\n%s", got, want)
		}
		if after := show(p.fields.tree, true) + show(p.meta.tree, true); after != treeBefore {
			t.Fatalf("the patch changed: %s, was %s", after, treeBefore)
		}
	}
	for pi, p := range patches {
		for ei, mk := range testEvents {
			t.Run(fmt.Sprintf("patch%d/event%d", pi, ei), func(t *testing.T) {
				// Every action, then every action after it.
				for _, a := range testActions {
					for _, b := range testActions {
						run(t, p, mk, []action{a, b})
					}
				}
			})
		}
	}
	t.Run("random", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for range 1000 {
			seq := make([]action, 1+r.IntN(6))
			for i := range seq {
				seq[i] = testActions[r.IntN(len(testActions))]
			}
			run(t, patches[r.IntN(len(patches))], testEvents[r.IntN(len(testEvents))], seq)
		}
	})
}

// TestPatchTwoPatches checks that a second patch is applied after the
// first, as two eager decorations would be.
func TestPatchTwoPatches(t *testing.T) {
	patches := testPatches(t)
	for i, p1 := range patches {
		for j, p2 := range patches {
			for ei, mk := range testEvents {
				lazy, ref := mk(), mk()
				lazy.ApplyPatch(p1)
				lazy.ApplyPatch(p2)
				eager(ref, p1)
				eager(ref, p2)
				if got, want := state(lazy), state(ref); got != want {
					t.Errorf("patches %d then %d on event %d:\n%s\nwant\n%s", i, j, ei, got, want)
				}
			}
		}
	}
}

// TestPatchIsolation is the case that matters most: a processor changing
// agent.name on one event must not change another event of the same
// input, whichever way it reaches the value.
func TestPatchIsolation(t *testing.T) {
	p := shipperPatch(t)
	mutations := map[string]func(e *Event){
		"Set":    func(e *Event) { _ = e.Set(MustRef("[agent][name]"), "mutated") },
		"Remove": func(e *Event) { e.Remove(MustRef("[agent][name]")) },
		"Get map": func(e *Event) {
			v, _ := e.Get(MustRef("[agent]"))
			v.(map[string]any)["name"] = "mutated"
		},
		"Fields": func(e *Event) { e.Fields()["agent"].(map[string]any)["name"] = "mutated" },
		"Metadata": func(e *Event) {
			e.Metadata()["beat"] = "mutated"
			_ = e.Set(MustRef("[agent][name]"), "mutated")
		},
		"Clone": func(e *Event) {
			c := e.Clone()
			_ = c.Set(MustRef("[agent][name]"), "mutated")
			*e = *c
		},
	}
	for name, mutate := range mutations {
		t.Run(name, func(t *testing.T) {
			a, b := NewMessage("a"), NewMessage("b")
			a.SetTimestamp(patchTime)
			b.SetTimestamp(patchTime)
			a.ApplyPatch(p)
			b.ApplyPatch(p)
			mutate(a)
			if v, _ := b.Get(MustRef("[agent][name]")); v != "host-1" {
				t.Errorf("other event's agent.name = %v", v)
			}
			if v, _ := b.Get(MustRef("[@metadata][beat]")); v != "filebeat" {
				t.Errorf("other event's [@metadata][beat] = %v", v)
			}
			want := `{"@timestamp":"2026-11-24T10:00:00.000Z","@version":"1","agent":{"name":"host-1","type":"filebeat","version":"0.1.0"},"ecs":{"version":"8.0.0"},"input":{"type":"filestream"},"message":"b"}`
			if got := string(b.AppendJSON(nil)); got != want {
				t.Errorf("other event's JSON:\n%s\nwant\n%s", got, want)
			}
			c := NewMessage("c")
			c.SetTimestamp(patchTime)
			c.ApplyPatch(p)
			if v, _ := c.Get(MustRef("[agent][name]")); v != "host-1" {
				t.Errorf("a later event's agent.name = %v (the patch changed)", v)
			}
		})
	}
}

// TestPatchJSON checks AppendJSON's merge of a pending patch against
// literal documents (the differential test compares two code paths).
func TestPatchJSON(t *testing.T) {
	p := shipperPatch(t)
	e := FromMap(map[string]any{"@timestamp": patchTime, "message": "m", "log": map[string]any{"offset": int64(5)}, "zz": true})
	e.ApplyPatch(p)
	want := `{"@timestamp":"2026-11-24T10:00:00.000Z","@version":"1","agent":{"name":"host-1","type":"filebeat","version":"0.1.0"},"ecs":{"version":"8.0.0"},"input":{"type":"filestream"},"log":{"offset":5},"message":"m","zz":true}`
	if got := string(e.AppendJSON(nil)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if e.patch == nil || !e.patchFields {
		t.Error("AppendJSON made the changes; it should have merged their encoding")
	}
	// An event that holds agent already: agent.name becomes an array.
	e = FromMap(map[string]any{"@timestamp": patchTime, "agent": map[string]any{"name": "x"}})
	e.ApplyPatch(p)
	want = `{"@timestamp":"2026-11-24T10:00:00.000Z","@version":"1","agent":{"name":["x","host-1"],"type":"filebeat","version":"0.1.0"},"ecs":{"version":"8.0.0"},"input":{"type":"filestream"}}`
	if got := string(e.AppendJSON(nil)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestNewPatchRoot(t *testing.T) {
	for _, ref := range []string{"[@metadata]"} {
		if _, err := NewPatch(PatchOp{Ref: MustRef(ref), Value: map[string]any{}}); err == nil {
			t.Errorf("NewPatch(%s): no error", ref)
		}
	}
	if _, err := NewPatch(PatchOp{Value: "x"}); err == nil {
		t.Error("NewPatch(zero Ref): no error")
	}
}

// TestPatchAllocs checks what the patch saves: applying it and encoding
// the event allocate nothing for the patch's fields.
func TestPatchAllocs(t *testing.T) {
	p := shipperPatch(t)
	buf := make([]byte, 0, 1024)
	e := NewMessage("a line")
	beat := MustRef("[@metadata][beat]")
	allocs := testing.AllocsPerRun(100, func() {
		e.patch = nil
		e.ApplyPatch(p)
		buf = e.AppendJSON(buf[:0])
		if v, _ := e.Get(beat); v != "filebeat" {
			t.Fatal(v)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per event, want 0", allocs)
	}
}

func BenchmarkPatchEncode(b *testing.B) {
	p := shipperPatch(b)
	mk := func() *Event {
		e := NewMessage(`83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0"`)
		_ = e.Set(MustRef("[log][offset]"), int64(123456))
		_ = e.Set(MustRef("[log][file][path]"), "/var/log/app.log")
		return e
	}
	buf := make([]byte, 0, 4096)
	b.Run("eager", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e := mk()
			eager(e, p)
			buf = e.AppendJSON(buf[:0])
		}
	})
	b.Run("patch", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e := mk()
			e.ApplyPatch(p)
			buf = e.AppendJSON(buf[:0])
		}
	})
}
