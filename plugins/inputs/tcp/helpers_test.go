package tcp

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

// testlines is a test-only codec: one event per \n-terminated line, lines
// longer than MaxBytes cut and tagged _testoversize.
type testCodec struct{}

func (testCodec) Settings(*plugin.Settings) {}
func (testCodec) NewDecoder(o plugin.DecoderOptions) plugin.Decoder {
	return &testDecoder{max: o.MaxBytes}
}
func (testCodec) Encode(dst []byte, e *event.Event) ([]byte, error) {
	return append(append(dst, e.Message()...), '\n'), nil
}

type testDecoder struct {
	buf  []byte
	max  int
	over bool
}

func (d *testDecoder) Decode(p []byte, emit func(*event.Event)) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := d.max - len(d.buf); d.max > 0 && len(chunk) > room {
			d.buf = append(d.buf, chunk[:max(room, 0)]...)
			d.over = true
		} else {
			d.buf = append(d.buf, chunk...)
		}
		if i < 0 {
			return
		}
		d.emitLine(emit)
		p = p[i+1:]
	}
}

func (d *testDecoder) emitLine(emit func(*event.Event)) {
	e := event.NewMessage(string(d.buf))
	if d.over {
		e.AddTag("_testoversize")
	}
	d.buf, d.over = d.buf[:0], false
	emit(e)
}

func (d *testDecoder) Flush(emit func(*event.Event)) {
	if len(d.buf) > 0 || d.over {
		d.emitLine(emit)
	}
}

func init() {
	plugin.Register(plugin.Spec{Kind: plugin.KindCodec, Name: "testlines", New: func() plugin.Plugin { return testCodec{} }})
}

// build builds a tcp input from settings given as Go values (string,
// int, bool, []string) in name, value order, through the registry as the
// engine does.
func build(t testing.TB, ecs string, kv ...any) *Input {
	t.Helper()
	in, err := buildErr(ecs, kv...)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return in
}

func buildErr(ecs string, kv ...any) (*Input, error) {
	p := &config.Plugin{Name: "tcp"}
	hasCodec := false
	for i := 0; i < len(kv); i += 2 {
		name := kv[i].(string)
		hasCodec = hasCodec || name == "codec"
		p.Attrs = append(p.Attrs, &config.Attr{Name: name, Value: value(kv[i+1])})
	}
	if !hasCodec {
		p.Attrs = append(p.Attrs, &config.Attr{Name: "codec", Value: &config.Bareword{Value: "testlines"}})
	}
	env := &plugin.BuildEnv{
		Config:           &config.Pipeline{},
		Logger:           slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		PipelineID:       "test",
		ECSCompatibility: ecs,
		NewID:            func(*plugin.Spec) string { return "tcp_test" },
	}
	inst, err := plugin.Default.Build(plugin.KindInput, p, env)
	if err != nil {
		return nil, err
	}
	return inst.Plugin.(*Input), nil
}

func value(v any) config.Value {
	switch x := v.(type) {
	case string:
		return &config.String{Value: x}
	case int:
		return &config.Number{Raw: fmt.Sprint(x), IsInt: true, Int: int64(x)}
	case bool:
		return &config.Bareword{Value: fmt.Sprint(x)}
	case []string:
		a := &config.Array{}
		for _, s := range x {
			a.Items = append(a.Items, &config.String{Value: s})
		}
		return a
	}
	panic(fmt.Sprintf("value %T", v))
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
var benchCodecs = []string{"testlines"}
