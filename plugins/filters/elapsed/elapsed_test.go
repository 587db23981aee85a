package elapsed

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var t0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func build(t testing.TB, extra string) (*Filter, *clock) {
	t.Helper()
	f := plugintest.Build(t, plugin.KindFilter,
		`elapsed { start_tag => "start" end_tag => "end" unique_id_field => "task" timeout => 60 `+extra+` }`).Plugin.(*Filter)
	c := &clock{t: t0}
	f.now = c.now
	return f, c
}

func ev(tag string, id any, at time.Duration) *event.Event {
	e := event.NewMessage(tag)
	if tag != "" {
		e.AddTag(tag)
	}
	if id != nil {
		_ = e.Set(event.MustRef("task"), id)
	}
	e.SetTimestamp(t0.Add(at))
	return e
}

type collect []*event.Event

func (c *collect) emit(e *event.Event) { *c = append(*c, e) }

func TestMatch(t *testing.T) {
	f, _ := build(t, "")
	var out collect
	start := ev("start", "42", 0)
	if !f.Filter(start, out.emit) {
		t.Error("start event: filter did not succeed")
	}
	if len(start.Tags()) != 1 {
		t.Errorf("start event changed: tags %q", start.Tags())
	}
	end := ev("end", "42", 2500*time.Millisecond)
	if !f.Filter(end, out.emit) {
		t.Error("end event: filter did not succeed")
	}
	if len(out) != 0 {
		t.Errorf("emitted %d events", len(out))
	}
	if got := end.Tags(); !slices.Equal(got, []string{"end", TagElapsed, TagMatch}) {
		t.Errorf("tags %q", got)
	}
	if v, _ := end.GetField(FieldElapsedTime); v != 2.5 {
		t.Errorf("elapsed_time = %v", v)
	}
	if v, _ := end.GetField(FieldStartTime); v != t0 {
		t.Errorf("elapsed_timestamp_start = %v", v)
	}
	if f.Pending() != 0 {
		t.Errorf("%d pending", f.Pending())
	}
	// A second end for the same id has no start any more.
	again := ev("end", "42", 3*time.Second)
	f.Filter(again, out.emit)
	if !again.HasTag(TagEndWithoutStart) || again.HasTag(TagMatch) {
		t.Errorf("second end: tags %q", again.Tags())
	}
}

func TestNewEventOnMatch(t *testing.T) {
	f, _ := build(t, "new_event_on_match => true")
	var out collect
	f.Filter(ev("start", 7, 0), out.emit)
	end := ev("end", 7, 90*time.Second)
	f.Filter(end, out.emit)
	if end.HasTag(TagElapsed) {
		t.Errorf("end event tagged: %q", end.Tags())
	}
	if len(out) != 1 {
		t.Fatalf("emitted %d events, want 1", len(out))
	}
	n := out[0]
	if got := n.Tags(); !slices.Equal(got, []string{TagElapsed, TagMatch}) {
		t.Errorf("tags %q", got)
	}
	if v, _ := n.GetField("task"); v != int64(7) {
		t.Errorf("task = %#v", v)
	}
	if v, _ := n.GetField(FieldElapsedTime); v != 90.0 {
		t.Errorf("elapsed_time = %v", v)
	}
	if v, ok := n.GetField("[host][hostname]"); !ok || v == "" {
		t.Errorf("host = %v", v)
	}
}

func TestIDsAreTypeInsensitive(t *testing.T) {
	// Logstash compares ids by value; a number and its text form pair up
	// here as the start's id is compared as text.
	f, _ := build(t, "")
	f.Filter(ev("start", 5, 0), nil)
	end := ev("end", "5", time.Second)
	f.Filter(end, nil)
	if !end.HasTag(TagMatch) {
		t.Errorf("tags %q", end.Tags())
	}
}

func TestKeepStartEvent(t *testing.T) {
	for _, tc := range []struct {
		keep string
		want float64
	}{{"first", 10}, {"last", 5}} {
		f, _ := build(t, `keep_start_event => "`+tc.keep+`"`)
		f.Filter(ev("start", "a", 0), nil)
		f.Filter(ev("start", "a", 5*time.Second), nil)
		end := ev("end", "a", 10*time.Second)
		f.Filter(end, nil)
		if v, _ := end.GetField(FieldElapsedTime); v != tc.want {
			t.Errorf("%s: elapsed_time = %v, want %v", tc.keep, v, tc.want)
		}
	}
}

func TestIgnored(t *testing.T) {
	f, _ := build(t, "")
	for _, e := range []*event.Event{ev("", "1", 0), ev("start", nil, 0), ev("end", nil, 0), ev("other", "1", 0)} {
		before := e.Clone()
		if f.Filter(e, nil) {
			t.Errorf("%q: filter succeeded", e.Tags())
		}
		if !slices.Equal(before.Tags(), e.Tags()) {
			t.Errorf("event changed: %q", e.Tags())
		}
	}
	if f.Pending() != 0 {
		t.Errorf("%d pending", f.Pending())
	}
}

func TestExpiry(t *testing.T) {
	f, c := build(t, "")
	f.Filter(ev("start", "old", 0), nil)
	c.t = t0.Add(30 * time.Second)
	f.Filter(ev("start", "young", 0), nil)
	var out collect
	c.t = t0.Add(59 * time.Second)
	f.Flush(out.emit)
	if len(out) != 0 {
		t.Fatalf("expired too early: %d events", len(out))
	}
	c.t = t0.Add(61 * time.Second)
	f.Flush(out.emit)
	if len(out) != 1 {
		t.Fatalf("flush emitted %d events, want 1", len(out))
	}
	x := out[0]
	if got := x.Tags(); !slices.Equal(got, []string{TagElapsed, TagExpired}) {
		t.Errorf("tags %q", got)
	}
	if v, _ := x.GetField("task"); v != "old" {
		t.Errorf("task = %v", v)
	}
	if v, _ := x.GetField(FieldElapsedTime); v != 61.0 {
		t.Errorf("elapsed_time = %v", v)
	}
	if v, _ := x.GetField(FieldStartTime); v != t0 {
		t.Errorf("elapsed_timestamp_start = %v", v)
	}
	// The expired start is forgotten: its end has no start.
	end := ev("end", "old", 70*time.Second)
	f.Filter(end, nil)
	if !end.HasTag(TagEndWithoutStart) {
		t.Errorf("tags %q", end.Tags())
	}
	if f.Pending() != 1 {
		t.Errorf("%d pending, want 1", f.Pending())
	}
}

func TestMaxPending(t *testing.T) {
	f, _ := build(t, "")
	f.maxStarts = 3
	for _, id := range []string{"a", "b", "c", "d"} {
		f.Filter(ev("start", id, 0), nil)
	}
	if f.Pending() != 3 {
		t.Errorf("%d pending, want 3", f.Pending())
	}
}

func TestConfigErrors(t *testing.T) {
	for conf, want := range map[string]string{
		`elapsed { end_tag => "e" unique_id_field => "id" }`:                                               "start_tag",
		`elapsed { start_tag => "x" end_tag => "x" unique_id_field => "id" }`:                              "differ",
		`elapsed { start_tag => "s" end_tag => "e" unique_id_field => "id" timeout => 0 }`:                 "timeout",
		`elapsed { start_tag => "s" end_tag => "e" unique_id_field => "id" keep_start_event => "middle" }`: "middle",
	} {
		_, err := plugintest.BuildErr(plugin.KindFilter, conf)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one mentioning %q", conf, err, want)
		}
	}
}

// Expired starts are reported by Filter too (at most every 5 s), without
// a flush.
func TestExpiryWhileEventsFlow(t *testing.T) {
	f, c := build(t, "")
	var out collect
	f.Filter(ev("start", "a", 0), out.emit)
	c.t = t0.Add(2 * time.Second)
	f.Filter(ev("start", "b", 0), out.emit)
	other := ev("", "x", 0)
	for _, step := range []struct {
		at   time.Duration
		want int
	}{
		{61 * time.Second, 1}, // a expired
		{63 * time.Second, 1}, // b expired too, but the last look was 2 s ago
		{66 * time.Second, 2},
	} {
		c.t = t0.Add(step.at)
		f.Filter(other, out.emit)
		if len(out) != step.want {
			t.Fatalf("at %v: %d events emitted, want %d", step.at, len(out), step.want)
		}
	}
	for i, id := range []string{"a", "b"} {
		if v, _ := out[i].GetField("task"); v != id || !out[i].HasTag(TagExpired) {
			t.Errorf("event %d: task %v, tags %q", i, v, out[i].Tags())
		}
	}
}

func BenchmarkElapsed(b *testing.B) {
	f, _ := build(b, "")
	starts := make([]*event.Event, 256)
	ends := make([]*event.Event, 256)
	for i := range starts {
		starts[i] = ev("start", int64(i), 0)
		ends[i] = ev("end", int64(i), time.Second)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := i % len(starts)
		f.Filter(starts[k], nil)
		e := ends[k].Clone()
		f.Filter(e, nil)
		i++
	}
}
