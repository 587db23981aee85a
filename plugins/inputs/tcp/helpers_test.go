package tcp

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/codecs/json_lines"
	_ "github.com/sluicelog/sluice/plugins/codecs/line"
)

// build builds a tcp input through the configuration parser and the
// registry, as the engine does. Settings are given as Go values (string,
// int, bool, []string) in name, value order; ecs sets ecs_compatibility.
func build(t testing.TB, ecs string, kv ...any) *Input {
	t.Helper()
	inst, err := plugintest.BuildErr(plugin.KindInput, configText("tcp", ecs, kv))
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	t.Cleanup(func() { inst.Close() })
	return inst.Plugin.(*Input)
}

func buildErr(ecs string, kv ...any) (*Input, error) {
	inst, err := plugintest.BuildErr(plugin.KindInput, configText("tcp", ecs, kv))
	if err != nil {
		return nil, err
	}
	inst.Close()
	return inst.Plugin.(*Input), nil
}

// configText renders a plugin block in pipeline syntax.
func configText(name, ecs string, kv []any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s {", name)
	if ecs != "" {
		fmt.Fprintf(&b, " ecs_compatibility => %s", ecs)
	}
	for i := 0; i < len(kv); i += 2 {
		fmt.Fprintf(&b, " %s => %s", kv[i], literal(kv[i+1]))
	}
	b.WriteString(" }")
	return b.String()
}

func literal(v any) string {
	switch x := v.(type) {
	case string:
		if strings.ContainsAny(x, `"\`) {
			panic("BUG: test string needs escaping: " + x)
		}
		return `"` + x + `"`
	case int, bool:
		return fmt.Sprint(x)
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = literal(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	panic(fmt.Sprintf("BUG: literal of %T", v))
}

// start runs in until the test ends and returns its address.
func start(t testing.TB, in *Input, q plugin.Queue) (addr string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, q) }()
	select {
	case <-in.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("input not ready")
	}
	if in.Addr() == nil && in.Mode != "client" {
		cancel()
		t.Fatalf("input failed to listen: %v", <-done)
	}
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = fmt.Errorf("Run did not return within 10s of cancel")
			}
		})
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	if in.Addr() == nil {
		return "", stop
	}
	return in.Addr().String(), stop
}

// testQueue is plugintest.Queue counting pushes.
type testQueue struct {
	*plugintest.Queue
	pushes atomic.Int64
}

func (q *testQueue) Push(ctx context.Context, events []*event.Event, ack func()) error {
	q.pushes.Add(1)
	return q.Queue.Push(ctx, events, ack)
}

func (q *testQueue) Pushes() int { return int(q.pushes.Load()) }

func newQueue() *testQueue { return &testQueue{Queue: plugintest.NewQueue()} }

// countQueue counts events and discards them.
type countQueue struct {
	n      atomic.Int64
	pushes atomic.Int64
	target int64
	done   chan struct{}
	once   sync.Once
}

func (q *countQueue) Push(_ context.Context, events []*event.Event, _ func()) error {
	q.pushes.Add(1)
	if q.n.Add(int64(len(events))) >= q.target && q.done != nil {
		q.once.Do(func() { close(q.done) })
	}
	return nil
}

// messages returns the events' messages.
func messages(evs []*event.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Message()
	}
	return out
}

func get(t testing.TB, e *event.Event, ref string) any {
	t.Helper()
	v, _ := e.GetField(ref)
	return v
}

// benchCodecs are the codecs the benchmarks run with.
var benchCodecs = []string{"line", "json_lines"}
