package dead_letter_queue_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/pipeline"
	"github.com/sluicelog/sluice/plugin"
	_ "github.com/sluicelog/sluice/plugins/codecs/plain"
	_ "github.com/sluicelog/sluice/plugins/inputs/dead_letter_queue"
	_ "github.com/sluicelog/sluice/plugins/inputs/generator"
	"github.com/sluicelog/sluice/queue/dlq"
)

// rejectOutput dead-letters events whose message starts with "bad", as
// the elasticsearch output does with 400 items, and delivers the others.
type rejectOutput struct {
	ctx *plugin.Context
}

func (o *rejectOutput) Settings(*plugin.Settings)      {}
func (o *rejectOutput) Init(ctx *plugin.Context) error { o.ctx = ctx; return nil }
func (o *rejectOutput) Write(_ context.Context, evs []*event.Event) error {
	for _, e := range evs {
		m, _ := e.GetField("message")
		if s, _ := m.(string); strings.HasPrefix(s, "bad") {
			if o.ctx.DeadLetter == nil {
				return fmt.Errorf("no dead letter queue")
			}
			if err := o.ctx.DeadLetter.WriteDeadLetter(e, o.ctx.ID, "400: mapper_parsing_exception for "+s); err != nil {
				return err
			}
		}
	}
	return nil
}

// collectOutput keeps what it gets.
type collectOutput struct {
	mu   *sync.Mutex
	got  *[]*event.Event
	cond *sync.Cond
}

func (o *collectOutput) Settings(*plugin.Settings) {}
func (o *collectOutput) Write(_ context.Context, evs []*event.Event) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	*o.got = append(*o.got, evs...)
	o.cond.Broadcast()
	return nil
}

func TestEngineToDeadLetterQueueAndBack(t *testing.T) {
	var (
		mu  sync.Mutex
		got []*event.Event
	)
	cond := sync.NewCond(&mu)
	reg := plugin.Default.Clone()
	reg.Register(plugin.Spec{Kind: plugin.KindOutput, Name: "test_reject", New: func() plugin.Plugin { return &rejectOutput{} }})
	reg.Register(plugin.Spec{Kind: plugin.KindOutput, Name: "test_collect", New: func() plugin.Plugin {
		return &collectOutput{mu: &mu, got: &got, cond: cond}
	}})
	logger := slog.New(slog.DiscardHandler)
	root := t.TempDir()

	// Pipeline "main" writes to its dead letter queue.
	w, err := dlq.Open(dlq.Options{Dir: filepath.Join(root, "main"), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	run := func(id, src string, dl plugin.DeadLetterQueue, ctx context.Context) {
		t.Helper()
		cfg, err := config.ParseString(id+".conf", src)
		if err != nil {
			t.Fatal(err)
		}
		p, err := pipeline.New(cfg, pipeline.Settings{ID: id, Workers: 2, Registry: reg, Logger: logger,
			DataDir: filepath.Join(root, "data"), DeadLetter: dl})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	run("main", `input { generator { lines => ["good 1", "bad 1", "good 2", "bad 2", "bad 3"] count => 2 } }
output { test_reject { id => "es_out" } }`, w, context.Background())
	if s := w.Stats(); s.Written != 6 {
		t.Errorf("written = %d, want 6", s.Written)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// Pipeline "replay" reads them back, with the reason.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		run("replay", fmt.Sprintf(`input { dead_letter_queue { path => %q } }
output { test_collect { } }`, root), nil, ctx)
	}()
	deadline := time.AfterFunc(20*time.Second, func() { mu.Lock(); cond.Broadcast(); mu.Unlock() })
	defer deadline.Stop()
	start := time.Now()
	mu.Lock()
	for len(got) < 6 && time.Since(start) < 20*time.Second {
		cond.Wait()
	}
	evs := append([]*event.Event(nil), got...)
	mu.Unlock()
	cancel()
	<-done

	var lines []string
	for _, e := range evs {
		m, _ := e.GetField("message")
		reason, _ := e.GetField("[@metadata][dead_letter_queue][reason]")
		id, _ := e.GetField("[@metadata][dead_letter_queue][plugin_id]")
		typ, _ := e.GetField("[@metadata][dead_letter_queue][plugin_type]")
		lines = append(lines, fmt.Sprintf("%v|%v|%v|%v", m, reason, typ, id))
	}
	sort.Strings(lines)
	want := []string{
		"bad 1|400: mapper_parsing_exception for bad 1|test_reject|es_out",
		"bad 1|400: mapper_parsing_exception for bad 1|test_reject|es_out",
		"bad 2|400: mapper_parsing_exception for bad 2|test_reject|es_out",
		"bad 2|400: mapper_parsing_exception for bad 2|test_reject|es_out",
		"bad 3|400: mapper_parsing_exception for bad 3|test_reject|es_out",
		"bad 3|400: mapper_parsing_exception for bad 3|test_reject|es_out",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("replayed:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
