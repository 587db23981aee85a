package pipeline

import (
	"context"
	"testing"
	"time"
)

// TestMetricsCountsThroughConditionalsDropsAndClones checks every counter
// against numbers worked out by hand.
func TestMetricsCountsThroughConditionalsDropsAndClones(t *testing.T) {
	w := newWorld()
	// 4 batches of 25 events, n = 0..24 in each.
	p := build(t, w, Settings{ID: "m", Workers: 2, BatchSize: 7, BatchDelay: time.Millisecond},
		section("input", plug("feed", attr("id", str("src")), attr("count", num(25)), attr("batches", num(4)))),
		section("filter",
			// n < 10 (40 events) go through dropeven: the 20 even ones go.
			ifs(branch(bin("<", ref("[n]"), nlit(10)), plug("dropeven", attr("id", str("drop"))))),
			// The 80 survivors are cloned; clones continue after clone.
			plug("clone", attr("id", str("dup"))),
		),
		section("output", ifs(
			branch(bin("in", slit("clone"), ref("[tags]")), plug("collect", attr("id", str("to_clones")), attr("name", str("clones")))),
			branch(nil, plug("collect", attr("id", str("to_orig")), attr("name", str("orig")))),
		)),
	)
	if m := p.Metrics(); m.State != StateLoading || !m.StartedAt.IsZero() {
		t.Errorf("before Run: state %v, started %v; want LOADING, zero", m.State, m.StartedAt)
	}
	if err := run(t, p, context.Background())(); err != nil {
		t.Fatal(err)
	}
	m := p.Metrics()
	if m.ID != "m" || m.State != StateFinished || m.Workers != 2 || m.BatchSize != 7 || m.StartedAt.IsZero() {
		t.Errorf("metrics header = %+v", m)
	}
	if m.In != 100 || m.Filtered != 160 || m.Out != 160 {
		t.Errorf("events in/filtered/out = %d/%d/%d, want 100/160/160", m.In, m.Filtered, m.Out)
	}
	if m.Duration <= 0 {
		t.Errorf("duration = %v, want > 0", m.Duration)
	}
	if len(m.Inputs) != 1 || m.Inputs[0] != (PluginMetrics{ID: "src", Name: "feed", Out: 100, QueuePushDuration: m.Inputs[0].QueuePushDuration}) {
		t.Errorf("inputs = %+v", m.Inputs)
	}
	want := map[string][2]int64{"drop": {40, 20}, "dup": {80, 80}, "to_clones": {80, 80}, "to_orig": {80, 80}}
	for _, pm := range append(append([]PluginMetrics{}, m.Filters...), m.Outputs...) {
		wn, ok := want[pm.ID]
		if !ok {
			t.Errorf("unexpected plugin %+v", pm)
			continue
		}
		delete(want, pm.ID)
		if pm.In != wn[0] || pm.Out != wn[1] {
			t.Errorf("%s (%s): in/out = %d/%d, want %d/%d", pm.ID, pm.Name, pm.In, pm.Out, wn[0], wn[1])
		}
	}
	if len(want) != 0 {
		t.Errorf("plugins missing from metrics: %v", want)
	}
	for _, o := range m.Outputs {
		if o.Duration <= 0 {
			t.Errorf("output %s duration = %v, want > 0", o.ID, o.Duration)
		}
	}
	if m.Queue != (QueueStats{Type: "memory", MaxEvents: 14}) {
		t.Errorf("queue = %+v, want empty memory queue of 14", m.Queue)
	}
}

func TestMetricsStateTerminatedOnCancel(t *testing.T) {
	w := newWorld()
	p := build(t, w, Settings{Workers: 1},
		section("input", plug("feed", attr("hold", bare("true")))),
		section("output", plug("collect")),
	)
	ctx, cancel := context.WithCancel(context.Background())
	wait := run(t, p, ctx)
	<-p.Started()
	if s := p.Metrics().State; s != StateRunning {
		t.Errorf("state = %v, want RUNNING", s)
	}
	cancel()
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if s := p.Metrics().State; s != StateTerminated {
		t.Errorf("state = %v, want TERMINATED", s)
	}
}

// While an output blocks, the stuck worker counts as busy and the input
// waiting on the full queue as blocked: the durations grow before the
// batch completes (health checks rely on it when an output is down).
func TestMetricsDurationsGrowWhileBlocked(t *testing.T) {
	w := newWorld()
	w.block = make(chan struct{})
	p := build(t, w, Settings{Workers: 1, BatchSize: 2, QueueEvents: 2},
		section("input", plug("feed", attr("count", num(10)), attr("hold", bare("true")))),
		section("output", plug("collect")),
	)
	ctx, cancel := context.WithCancel(context.Background())
	wait := run(t, p, ctx)
	w.waitFor(t, "output called", func() bool { return w.calls > 0 })
	first := p.Metrics()
	grown := func() bool {
		m := p.Metrics()
		return m.Duration > first.Duration && m.QueuePushDuration > first.QueuePushDuration
	}
	deadline := time.Now().Add(5 * time.Second)
	for !grown() {
		if time.Now().After(deadline) {
			t.Fatalf("durations did not grow while blocked: first %+v, now %+v", first, p.Metrics())
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
	if m := p.Metrics(); m.Out != 0 {
		t.Errorf("out = %d while the output blocks", m.Out)
	}
	w.mu.Lock()
	close(w.block)
	w.block = nil
	w.mu.Unlock()
	w.waitFor(t, "ack", func() bool { return w.acks[0] == 1 })
	cancel()
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	// Readings never decrease.
	if m := p.Metrics(); m.Duration < first.Duration || m.Out != 10 {
		t.Errorf("after: duration %v (first %v), out %d", m.Duration, first.Duration, m.Out)
	}
}
