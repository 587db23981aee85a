package udp

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
	_ "github.com/sluicelog/sluice/plugins/codecs/json"
	_ "github.com/sluicelog/sluice/plugins/codecs/json_lines"
	_ "github.com/sluicelog/sluice/plugins/codecs/line"
	_ "github.com/sluicelog/sluice/plugins/codecs/plain"
)

// build builds a udp input through the configuration parser and the
// registry, as the engine does. Settings are given as Go values (string,
// int, bool) in name, value order; ecs sets ecs_compatibility.
func build(t testing.TB, ecs string, kv ...any) *Input {
	t.Helper()
	inst, err := plugintest.BuildErr(plugin.KindInput, configText("udp", ecs, kv))
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	t.Cleanup(func() { inst.Close() })
	return inst.Plugin.(*Input)
}

func buildErr(ecs string, kv ...any) (*Input, error) {
	inst, err := plugintest.BuildErr(plugin.KindInput, configText("udp", ecs, kv))
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
		v := kv[i+1]
		if s, ok := v.(string); ok {
			v = `"` + s + `"`
		}
		fmt.Fprintf(&b, " %s => %v", kv[i], v)
	}
	b.WriteString(" }")
	return b.String()
}

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
	if in.Addr() == nil {
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
	return in.Addr().String(), stop
}

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

func messages(evs []*event.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Message()
	}
	return out
}

// benchCodecs are the codecs the benchmarks run with.
var benchCodecs = []string{"plain", "json"}
