package aggregate

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/pipeline"
	"github.com/sluicelog/sluice/plugin"
)

// holdFeed pushes its events, then keeps the pipeline open until stopped.
type holdFeed struct{ events []*event.Event }

func (*holdFeed) Settings(*plugin.Settings) {}
func (f *holdFeed) Run(ctx context.Context, q plugin.Queue) error {
	if err := q.Push(ctx, f.events, nil); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

type collect struct {
	mu  sync.Mutex
	got []*event.Event
	ch  chan struct{}
}

func (*collect) Settings(*plugin.Settings) {}
func (c *collect) Write(_ context.Context, events []*event.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, events...)
	for _, e := range events {
		if e.HasTag("_aggregatetimeout") {
			select {
			case c.ch <- struct{}{}:
			default:
			}
		}
	}
	return nil
}

// In the real engine, with no periodic_flush setting, expired maps are
// pushed by the engine's periodic flush (as Logstash's aggregate does).
func TestEnginePushesOnTimeout(t *testing.T) {
	out := &collect{ch: make(chan struct{}, 1)}
	r := plugin.Default.Clone()
	r.Register(plugin.Spec{Kind: plugin.KindInput, Name: "hold_feed", New: func() plugin.Plugin {
		return &holdFeed{events: []*event.Event{
			event.FromMap(map[string]any{"user": "u1"}),
			event.FromMap(map[string]any{"user": "u1"}),
		}}
	}})
	r.Register(plugin.Spec{Kind: plugin.KindOutput, Name: "collect", New: func() plugin.Plugin { return out }})
	cfg, err := config.ParseString("t.conf", `
input { hold_feed { } }
filter {
  aggregate {
    task_id => "%{user}"
    code => "map['clicks'] = map.get('clicks', 0) + 1"
    push_map_as_event_on_timeout => true
    timeout_task_id_field => "user"
    timeout => 0.2
    timeout_tags => ["_aggregatetimeout"]
  }
}
output { collect { } }`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(cfg, pipeline.Settings{ID: "aggregate-engine-test", Workers: 1, BatchSize: 10,
		FlushInterval: 50 * time.Millisecond, Registry: r, DataDir: os.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	select {
	case <-out.ch:
	case <-time.After(10 * time.Second):
		t.Fatal("no map pushed on timeout")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	var pushed []*event.Event
	for _, e := range out.got {
		if e.HasTag("_aggregatetimeout") {
			pushed = append(pushed, e)
		}
	}
	if len(pushed) != 1 {
		t.Fatalf("%d pushed events", len(pushed))
	}
	if v, _ := pushed[0].GetField("clicks"); v != int64(2) {
		t.Errorf("pushed %#v", pushed[0].Fields())
	}
	if v, _ := pushed[0].GetField("user"); v != "u1" {
		t.Errorf("pushed %#v", pushed[0].Fields())
	}
}

// logLines collects log output.
type logLines struct {
	mu sync.Mutex
	b  []byte
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

// Building a pipeline with several workers warns, naming the setting; with
// one worker nothing is said.
func TestWarnsAtBuildWithSeveralWorkers(t *testing.T) {
	r := plugin.Default.Clone()
	r.Register(plugin.Spec{Kind: plugin.KindInput, Name: "hold_feed", New: func() plugin.Plugin { return &holdFeed{} }})
	cfg, err := config.ParseString("t.conf", `input { hold_feed { } }
filter { aggregate { task_id => "%{user}" code => "map['n'] = 1" } }`)
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 2, 4} {
		var logs logLines
		p, err := pipeline.New(cfg, pipeline.Settings{ID: "agg", Workers: workers, Registry: r, DataDir: t.TempDir(),
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		p.Close()
		got := logs.String()
		warned := strings.Contains(got, "level=WARN") && strings.Contains(got, "set pipeline.workers: 1")
		if warned != (workers > 1) {
			t.Errorf("workers %d: warned %v, want %v; logs:\n%s", workers, warned, workers > 1, got)
		}
		if workers > 1 && !strings.Contains(got, "pipeline.workers="+strconv.Itoa(workers)) {
			t.Errorf("workers %d: the warning does not give the worker count:\n%s", workers, got)
		}
	}
}
