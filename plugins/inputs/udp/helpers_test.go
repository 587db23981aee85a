package udp

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
)

// Test-only codecs: testplain (the whole input is one message) and
// testlines (one event per line).
type testCodec struct{ lines bool }

func (testCodec) Settings(*plugin.Settings) {}
func (c testCodec) NewDecoder(o plugin.DecoderOptions) plugin.Decoder {
	return &testDecoder{lines: c.lines}
}
func (testCodec) Encode(dst []byte, e *event.Event) ([]byte, error) {
	return append(dst, e.Message()...), nil
}

type testDecoder struct {
	lines bool
	buf   []byte
}

func (d *testDecoder) Decode(p []byte, emit func(*event.Event)) {
	d.buf = append(d.buf, p...)
	if !d.lines {
		return
	}
	for {
		i := bytes.IndexByte(d.buf, '\n')
		if i < 0 {
			return
		}
		emit(event.NewMessage(string(d.buf[:i])))
		d.buf = d.buf[i+1:]
	}
}

func (d *testDecoder) Flush(emit func(*event.Event)) {
	if len(d.buf) > 0 {
		emit(event.NewMessage(string(d.buf)))
	}
	d.buf = d.buf[:0]
}

func init() {
	plugin.Register(plugin.Spec{Kind: plugin.KindCodec, Name: "testplain", New: func() plugin.Plugin { return testCodec{} }})
	plugin.Register(plugin.Spec{Kind: plugin.KindCodec, Name: "testlines", New: func() plugin.Plugin { return testCodec{lines: true} }})
}

func build(t testing.TB, ecs string, kv ...any) *Input {
	t.Helper()
	in, err := buildErr(ecs, kv...)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return in
}

func buildErr(ecs string, kv ...any) (*Input, error) {
	p := &config.Plugin{Name: "udp"}
	hasCodec := false
	for i := 0; i < len(kv); i += 2 {
		name := kv[i].(string)
		hasCodec = hasCodec || name == "codec"
		p.Attrs = append(p.Attrs, &config.Attr{Name: name, Value: value(kv[i+1])})
	}
	if !hasCodec {
		p.Attrs = append(p.Attrs, &config.Attr{Name: "codec", Value: &config.Bareword{Value: "testplain"}})
	}
	env := &plugin.BuildEnv{
		Config:           &config.Pipeline{},
		Logger:           slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		PipelineID:       "test",
		ECSCompatibility: ecs,
		NewID:            func(*plugin.Spec) string { return "udp_test" },
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
	}
	panic(fmt.Sprintf("value %T", v))
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
var benchCodecs = []string{"testplain"}
