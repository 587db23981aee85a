package generator

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/codecs/json"
	_ "github.com/sluicelog/sluice/plugins/codecs/plain"
)

func build(t testing.TB, ecs string, kv ...any) *Input {
	t.Helper()
	in, err := buildErr(ecs, kv...)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return in
}

func buildErr(ecs string, kv ...any) (*Input, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "generator { ecs_compatibility => %s", ecs)
	for i := 0; i < len(kv); i += 2 {
		var v string
		switch x := kv[i+1].(type) {
		case string:
			v = "'" + x + "'"
		case []string:
			q := make([]string, len(x))
			for i, s := range x {
				q[i] = `"` + s + `"`
			}
			v = "[" + strings.Join(q, ", ") + "]"
		default:
			v = fmt.Sprint(x)
		}
		fmt.Fprintf(&b, " %s => %s", kv[i], v)
	}
	b.WriteString(" }")
	inst, err := plugintest.BuildErr(plugin.KindInput, b.String())
	if err != nil {
		return nil, err
	}
	return inst.Plugin.(*Input), nil
}

func runToEnd(t *testing.T, in *Input) []*event.Event {
	t.Helper()
	q := plugintest.NewQueue()
	done := make(chan error, 1)
	go func() { done <- in.Run(context.Background(), q) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after count events")
	}
	return q.Events()
}

func TestLinesAndCount(t *testing.T) {
	host, _ := os.Hostname()
	cases := []struct {
		ecs, hostField, seqField string
	}{
		{"v8", "[host][name]", "[event][sequence]"},
		{"v1", "[host][name]", "[event][sequence]"},
		{"disabled", "host", "sequence"},
	}
	for _, tc := range cases {
		t.Run(tc.ecs, func(t *testing.T) {
			in := build(t, tc.ecs, "lines", []string{"a", "b", "c"}, "count", 3)
			evs := runToEnd(t, in)
			var got []string
			for _, e := range evs {
				seq, _ := e.GetField(tc.seqField)
				h, _ := e.GetField(tc.hostField)
				if h != host {
					t.Fatalf("%s = %v, want %q", tc.hostField, h, host)
				}
				got = append(got, fmt.Sprintf("%s%v", e.Message(), seq))
			}
			want := []string{"a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"}
			if !slices.Equal(got, want) {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
}

func TestDefaultMessage(t *testing.T) {
	evs := runToEnd(t, build(t, "v8", "count", 2))
	if got := messages(evs); !slices.Equal(got, []string{"Hello world!", "Hello world!"}) {
		t.Fatalf("messages %q", got)
	}
}

func TestThreads(t *testing.T) {
	evs := runToEnd(t, build(t, "v8", "count", 500, "threads", 3))
	if len(evs) != 1500 {
		t.Fatalf("%d events, want 1500", len(evs))
	}
}

func TestMessageFromStdin(t *testing.T) {
	in := build(t, "v8", "message", "stdin", "count", 2)
	in.stdin = strings.NewReader("typed line\nignored\n")
	if got := messages(runToEnd(t, in)); !slices.Equal(got, []string{"typed line", "typed line"}) {
		t.Fatalf("messages %q", got)
	}
}

func TestForeverUntilCancel(t *testing.T) {
	in := build(t, "v8")
	q := &countQueue{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, q) }()
	deadline := time.Now().Add(5 * time.Second)
	for q.n.Load() < 10_000 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d events", q.n.Load())
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestBatches(t *testing.T) {
	q := &countQueue{}
	in := build(t, "v8", "count", 1000)
	if err := in.Run(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	if q.n.Load() != 1000 || q.pushes.Load() != 8 {
		t.Fatalf("%d events in %d pushes, want 1000 in 8", q.n.Load(), q.pushes.Load())
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		kv   []any
		want string
	}{
		{[]any{"count", -1}, "count"},
		{[]any{"threads", 0}, "threads"},
		{[]any{"lines", []string{}}, "lines is empty"},
	}
	for _, tc := range cases {
		_, err := buildErr("v8", tc.kv...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.kv, err, tc.want)
		}
	}
}

type countQueue struct {
	n, pushes atomic.Int64
}

func (q *countQueue) Push(_ context.Context, evs []*event.Event, _ func()) error {
	q.pushes.Add(1)
	q.n.Add(int64(len(evs)))
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

func BenchmarkGenerator(b *testing.B) {
	for _, codec := range benchCodecs {
		for _, ecs := range []string{"v8", "disabled"} {
			b.Run(codec+"/ecs="+ecs, func(b *testing.B) {
				in := build(b, ecs, "count", b.N, "codec", codec, "message", `{"message":"GET /index.html 200","level":"INFO"}`)
				q := &countQueue{}
				b.ReportAllocs()
				b.ResetTimer()
				if err := in.Run(context.Background(), q); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if q.n.Load() != int64(b.N) {
					b.Fatalf("%d events", q.n.Load())
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
