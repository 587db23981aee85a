package pipeline

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
)

func TestInputsFinishedPipelineDrainsAndAcks(t *testing.T) {
	w := newWorld()
	p := build(t, w, Settings{Workers: 2, BatchSize: 7, BatchDelay: time.Millisecond},
		section("input", plug("feed", attr("count", num(50)), attr("batches", num(4)))),
		section("output", plug("collect")),
	)
	if err := run(t, p, context.Background())(); err != nil {
		t.Fatal(err)
	}
	if got := len(w.events("out")); got != 200 {
		t.Fatalf("delivered %d events, want 200", got)
	}
	for b := 0; b < 4; b++ {
		if w.acks[b] != 1 {
			t.Errorf("batch %d acknowledged %d times, want 1", b, w.acks[b])
		}
	}
	if st := p.Stats(); st.In != 200 || st.Out != 200 || st.Filtered != 200 {
		t.Errorf("stats = %+v, want 200 in/filtered/out", st)
	}
}

func TestFinalFlushUsesFlushFinal(t *testing.T) {
	w := newWorld()
	p := build(t, w, Settings{Workers: 2, BatchSize: 7, BatchDelay: time.Millisecond},
		section("input", plug("feed", attr("count", num(10)), attr("batches", num(3)))),
		section("filter", plug("hold")),
		section("output", plug("collect")),
	)
	if err := run(t, p, context.Background())(); err != nil {
		t.Fatal(err)
	}
	out := w.events("out")
	if len(out) != 1 || out[0].Fields()["held"] != int64(30) {
		t.Fatalf("delivered %v, want one final event with held=30", out)
	}
}

func TestAckWaitsForClonesAndCountsDrops(t *testing.T) {
	w := newWorld()
	w.block = make(chan struct{})
	p := build(t, w, Settings{Workers: 1, BatchSize: 10},
		section("input", plug("feed", attr("count", num(10)), attr("hold", bare("true")))),
		section("filter", plug("dropeven"), plug("clone")),
		section("output", plug("collect")),
	)
	ctx, cancel := context.WithCancel(context.Background())
	wait := run(t, p, ctx)
	// The output is blocked: the batch must not be acknowledged yet.
	w.waitFor(t, "output called", func() bool { return w.calls > 0 })
	w.mu.Lock()
	if w.acks[0] != 0 {
		t.Fatalf("acknowledged before delivery")
	}
	close(w.block)
	w.block = nil
	w.mu.Unlock()
	w.waitFor(t, "ack", func() bool { return w.acks[0] == 1 })
	// 5 odd events survive dropeven; each is cloned once.
	got := w.events("out")
	if len(got) != 10 {
		t.Fatalf("delivered %d events, want 10 (5 kept + 5 clones)", len(got))
	}
	clones := 0
	for _, e := range got {
		if n := e.Fields()["n"].(int64); n%2 == 0 {
			t.Errorf("event n=%d should have been dropped", n)
		}
		if e.HasTag("clone") {
			clones++
		}
	}
	if clones != 5 {
		t.Errorf("%d clones, want 5", clones)
	}
	cancel()
	if err := wait(); err != nil {
		t.Fatal(err)
	}
}

func TestConditionalsRouteToOutputs(t *testing.T) {
	w := newWorld()
	// n < 3 → low; n == 5 → five; else → rest. Every event also goes to all.
	p := build(t, w, Settings{Workers: 1},
		section("input", plug("feed", attr("count", num(8)))),
		section("output",
			ifs(
				branch(bin("<", ref("[n]"), nlit(3)), plug("collect", attr("name", str("low")))),
				branch(bin("==", ref("n"), nlit(5)), plug("collect", attr("name", str("five")))),
				branch(nil, plug("collect", attr("name", str("rest")))),
			),
			plug("collect", attr("name", str("all"))),
		),
	)
	if err := run(t, p, context.Background())(); err != nil {
		t.Fatal(err)
	}
	ns := func(name string) []int64 {
		var out []int64
		for _, e := range w.events(name) {
			out = append(out, e.Fields()["n"].(int64))
		}
		return out
	}
	check := func(name string, want ...int64) {
		t.Helper()
		got := ns(name)
		if len(got) != len(want) {
			t.Fatalf("%s got %v, want %v", name, got, want)
		}
		seen := map[int64]bool{}
		for _, n := range got {
			seen[n] = true
		}
		for _, n := range want {
			if !seen[n] {
				t.Fatalf("%s got %v, want %v", name, got, want)
			}
		}
	}
	check("low", 0, 1, 2)
	check("five", 5)
	check("rest", 3, 4, 6, 7)
	check("all", 0, 1, 2, 3, 4, 5, 6, 7)
}

func TestFilterConditionalsAndDecorations(t *testing.T) {
	w := newWorld()
	p := build(t, w, Settings{Workers: 1},
		section("input", plug("feed", attr("count", num(4)),
			attr("type", str("app")), attr("tags", strs("in")), attr("add_field", hash("message", "second", "src", "feed-%{n}")))),
		section("filter",
			ifs(branch(bin("in", slit("in"), ref("[tags]")),
				plug("fail", attr("add_tag", strs("never"))),
				plug("clone", attr("add_tag", strs("t-%{n}")), attr("remove_field", strs("[src]")), attr("remove_tag", strs("in"))),
			)),
		),
		section("output", plug("collect")),
	)
	if err := run(t, p, context.Background())(); err != nil {
		t.Fatal(err)
	}
	got := w.events("out")
	if len(got) != 8 {
		t.Fatalf("got %d events, want 8", len(got))
	}
	for _, e := range got {
		n := e.Fields()["n"].(int64)
		if e.Fields()["type"] != "app" {
			t.Errorf("type = %v", e.Fields()["type"])
		}
		// add_field on an existing field makes an array of old and new.
		msg, _ := e.Fields()["message"].([]any)
		if len(msg) != 2 || msg[0] != "m" || msg[1] != "second" {
			t.Errorf("message = %#v, want [m second]", e.Fields()["message"])
		}
		if _, has := e.Fields()["src"]; has {
			t.Errorf("src not removed: %v", e.Fields())
		}
		if e.HasTag("never") {
			t.Error("add_tag ran for a filter that did not apply")
		}
		if !e.HasTag("_failed") || e.HasTag("in") {
			t.Errorf("tags = %v", e.Tags())
		}
		want := "t-" + string(rune('0'+n))
		if !e.HasTag(want) {
			t.Errorf("tags = %v, want %s", e.Tags(), want)
		}
	}
}

func TestBackpressureBoundsQueueAndResumes(t *testing.T) {
	w := newWorld()
	w.block = make(chan struct{})
	const batches = 50
	p := build(t, w, Settings{Workers: 1, BatchSize: 5, QueueEvents: 10},
		section("input", plug("feed", attr("count", num(5)), attr("batches", num(batches)))),
		section("output", plug("collect")),
	)
	wait := run(t, p, context.Background())
	w.waitFor(t, "output called", func() bool { return w.calls > 0 })
	// The worker holds one batch (5) in the blocked output and the queue
	// holds 10: at most 3 pushes can complete, the 4th blocks.
	time.Sleep(50 * time.Millisecond) // give a faulty queue the chance to overfill
	w.mu.Lock()
	if n := len(w.pushes); n > 3 {
		t.Errorf("%d pushes completed while the output is blocked; want at most 3", n)
	}
	if q := p.q.len(); q > 10 {
		t.Errorf("queue holds %d events, capacity 10", q)
	}
	close(w.block)
	w.block = nil
	w.mu.Unlock()
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if got := len(w.events("out")); got != batches*5 {
		t.Fatalf("delivered %d, want %d", got, batches*5)
	}
}

func TestCancelDrainsInFlightEvents(t *testing.T) {
	w := newWorld()
	p := build(t, w, Settings{Workers: 2, BatchSize: 3},
		section("input", plug("feed", attr("count", num(30)), attr("hold", bare("true")))),
		section("output", plug("collect")),
	)
	ctx, cancel := context.WithCancel(context.Background())
	wait := run(t, p, ctx)
	w.waitFor(t, "push", func() bool { return w.pushes[0] })
	cancel()
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if got := len(w.events("out")); got != 30 {
		t.Fatalf("delivered %d after cancel, want all 30", got)
	}
	if w.acks[0] != 1 {
		t.Fatal("batch not acknowledged after drain")
	}
}

func TestOutputRetriesPartialAndWholeFailures(t *testing.T) {
	w := newWorld()
	p := build(t, w, Settings{Workers: 1, BatchSize: 10, RetryInitial: time.Millisecond, RetryMax: 2 * time.Millisecond},
		section("input", plug("feed", attr("count", num(10)))),
		section("output", plug("collect", attr("fails", num(3)))),
	)
	if err := run(t, p, context.Background())(); err != nil {
		t.Fatal(err)
	}
	got := w.events("out")
	if len(got) != 10 {
		t.Fatalf("delivered %d, want 10 exactly once", len(got))
	}
	seen := map[int64]int{}
	for _, e := range got {
		seen[e.Fields()["n"].(int64)]++
	}
	for n := int64(0); n < 10; n++ {
		if seen[n] != 1 {
			t.Errorf("event %d delivered %d times", n, seen[n])
		}
	}
	if w.acks[0] != 1 {
		t.Error("not acknowledged after retries")
	}
}

func TestForceStopLeavesUndeliveredUnacknowledged(t *testing.T) {
	w := newWorld()
	w.block = make(chan struct{})
	p := build(t, w, Settings{Workers: 1, BatchSize: 10},
		section("input", plug("feed", attr("count", num(10)), attr("hold", bare("true")))),
		section("output", plug("collect")),
	)
	ctx, cancel := context.WithCancel(context.Background())
	wait := run(t, p, ctx)
	w.waitFor(t, "output called", func() bool { return w.calls > 0 })
	cancel()
	p.ForceStop()
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if w.acks[0] != 0 {
		t.Fatal("undelivered batch was acknowledged")
	}
}

func TestConfigErrorsAreCollectedWithPositions(t *testing.T) {
	w := newWorld()
	pos := func(line int) config.Pos { return config.Pos{File: "t.conf", Line: line, Col: 3} }
	cfg := &config.Pipeline{Sections: []*config.Section{
		section("input",
			&config.Plugin{Pos: pos(2), Name: "fede"},
			&config.Plugin{Pos: pos(3), Name: "feed", Attrs: []*config.Attr{{Pos: pos(4), Name: "cuont", Value: num(1)}}},
			&config.Plugin{Pos: pos(5), Name: "feed", Attrs: []*config.Attr{{Pos: pos(6), Name: "count", Value: str("many")}}},
		),
		section("filter", &config.Plugin{Pos: pos(7), Name: "collect"}),
		section("output", &config.Plugin{Pos: pos(8), Name: "collect", Attrs: []*config.Attr{{Pos: pos(9), Name: "id", Value: str("x")}}},
			&config.Plugin{Pos: pos(10), Name: "collect", Attrs: []*config.Attr{{Pos: pos(11), Name: "id", Value: str("x")}}}),
	}}
	_, err := New(cfg, Settings{Registry: w.registry(), Logger: quietLogger()})
	if err == nil {
		t.Fatal("no error")
	}
	list, ok := err.(config.ErrorList)
	if !ok {
		t.Fatalf("error is %T, want config.ErrorList", err)
	}
	wants := []struct {
		line int
		text string
	}{
		{2, `unknown input plugin "fede"; did you mean "feed"?`},
		{4, `unknown setting "cuont" for feed; did you mean "count"?`},
		{7, `unknown filter plugin "collect" ("collect" is an output plugin: it belongs in the output section)`},
		{10, `duplicate plugin id "x"`},
	}
	for _, want := range wants {
		found := false
		for _, e := range list {
			if e.Pos.Line == want.line && strings.Contains(e.Msg, want.text) {
				found = true
			}
		}
		if !found {
			t.Errorf("missing error at line %d: %s\ngot:\n%v", want.line, want.text, err)
		}
	}
	typeErr := false
	for _, e := range list {
		if strings.Contains(e.Msg, `setting "count" of feed: expected a number, got string "many"`) {
			typeErr = true
		}
	}
	if !typeErr {
		t.Errorf("missing type error; got:\n%v", err)
	}
}

func TestNoInputIsAnError(t *testing.T) {
	w := newWorld()
	_, err := New(&config.Pipeline{Sections: []*config.Section{section("output", plug("collect"))}},
		Settings{Registry: w.registry(), Logger: quietLogger()})
	if err == nil || !strings.Contains(err.Error(), "no input") {
		t.Fatalf("err = %v, want a 'no input' error", err)
	}
}

func TestQueuePopWaitsForBatchDelay(t *testing.T) {
	q := newMemQueue(10)
	go func() {
		_ = q.push(context.Background(), []*event.Event{event.New()})
		time.Sleep(5 * time.Millisecond)
		_ = q.push(context.Background(), []*event.Event{event.New()})
	}()
	got := q.pop(nil, 5, time.Second/2)
	// The second event arrives within the delay and joins the batch; the
	// batch is returned when the delay ends even though it is not full.
	if len(got) != 2 {
		t.Fatalf("batch of %d, want 2", len(got))
	}
	q.close()
	if got := q.pop(nil, 5, time.Millisecond); len(got) != 0 {
		t.Fatalf("closed empty queue returned %d events", len(got))
	}
	if err := q.push(context.Background(), []*event.Event{event.New()}); err == nil {
		t.Fatal("push after close succeeded")
	}
}

func TestInputConditionalsChooseInputsAtBuildTime(t *testing.T) {
	w := newWorld()
	p := build(t, w, Settings{Workers: 1},
		section("input", ifs(
			branch(bin("==", slit("prod"), slit("dev")), plug("feed", attr("count", num(1)))),
			branch(bin("in", slit("a"), &config.ListLit{Items: []config.Expr{slit("a")}}), plug("feed", attr("count", num(3)))),
			branch(nil, plug("feed", attr("count", num(5)))),
		)),
		section("output", plug("collect")),
	)
	if len(p.inputs) != 1 {
		t.Fatalf("%d inputs, want the one of the true branch", len(p.inputs))
	}
	if err := run(t, p, context.Background())(); err != nil {
		t.Fatal(err)
	}
	if got := len(w.events("out")); got != 3 {
		t.Fatalf("got %d events, want 3 from the chosen input", got)
	}
	_, err := New(&config.Pipeline{Sections: []*config.Section{
		section("input", ifs(branch(ref("[type]"), plug("feed")))),
		section("output", plug("collect")),
	}}, Settings{Registry: w.registry(), Logger: quietLogger()})
	if err == nil || !strings.Contains(err.Error(), "no event yet") {
		t.Fatalf("err = %v, want an error about field references in inputs", err)
	}
}

// TestConstantAddFieldIsPerEvent: the constant add_field of an input is
// shared by its events until changed (event.Patch); a filter changing
// agent.name on one event must leave every other event as it was.
func TestConstantAddFieldIsPerEvent(t *testing.T) {
	w := newWorld()
	p := build(t, w, Settings{Workers: 1},
		section("input", plug("feed", attr("count", num(4)),
			attr("add_field", hash("[agent][name]", "host", "[agent][type]", "feed", "[@metadata][beat]", "filebeat")))),
		section("filter",
			ifs(branch(bin("==", ref("[n]"), nlit(1)),
				plug("clone", attr("add_field", hash("[agent][name]", "changed")), attr("remove_field", strs("[agent][type]", "[@metadata][beat]"))),
			)),
		),
		section("output", plug("collect")),
	)
	if err := run(t, p, context.Background())(); err != nil {
		t.Fatal(err)
	}
	got := w.events("out")
	if len(got) != 5 {
		t.Fatalf("got %d events, want 5 (4 and a clone)", len(got))
	}
	changed := 0
	for _, e := range got {
		n := e.Fields()["n"].(int64)
		agent, _ := e.GetField("[agent]")
		beat, _ := e.GetField("[@metadata][beat]")
		js := string(e.AppendJSON(nil))
		if n == 1 { // the event and its clone: the filter's decorations apply to both
			changed++
			if want := map[string]any{"name": []any{"host", "changed"}}; !reflect.DeepEqual(agent, want) || beat != nil {
				t.Errorf("changed event: agent = %v, [@metadata][beat] = %v, want %v and none", agent, beat, want)
			}
			continue
		}
		if want := map[string]any{"name": "host", "type": "feed"}; !reflect.DeepEqual(agent, want) || beat != "filebeat" {
			t.Errorf("event %d (tags %v): agent = %v, [@metadata][beat] = %v, want %v and filebeat", n, e.Tags(), agent, beat, want)
		}
		if !strings.Contains(js, `"agent":{"name":"host","type":"feed"}`) {
			t.Errorf("event %d JSON: %s", n, js)
		}
	}
	if changed != 2 {
		t.Errorf("%d events changed by the filter, want 2", changed)
	}
}
