// Package plugintest helps plugin tests: build a plugin from pipeline
// syntax and collect what an input pushes.
package plugintest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// Build builds one plugin from its configuration in pipeline syntax, e.g.
// Build(t, plugin.KindInput, `tcp { port => 0 codec => json_lines }`),
// using plugin.Default (import the plugins under test). It fails the test
// on a configuration error and closes the instance at cleanup.
func Build(t testing.TB, kind plugin.Kind, src string) *plugin.Instance {
	t.Helper()
	in, err := BuildErr(kind, src)
	if err != nil {
		t.Fatalf("build %s %s: %v", kind, src, err)
	}
	t.Cleanup(func() { in.Close() })
	return in
}

// BuildErr is Build returning the configuration error instead.
func BuildErr(kind plugin.Kind, src string) (*plugin.Instance, error) {
	text := fmt.Sprintf("%s {\n%s\n}\n", kind, src)
	if kind == plugin.KindCodec {
		text = fmt.Sprintf("input { stdin { codec => %s } }\n", src)
	}
	p, err := config.ParseString("test.conf", text)
	if err != nil {
		return nil, err
	}
	node := p.Sections[0].Body[0].(*config.Plugin)
	if kind == plugin.KindCodec {
		v := node.Attrs[0].Value
		switch x := v.(type) {
		case *config.Plugin:
			node = x
		case *config.Bareword:
			node = &config.Plugin{Pos: x.Pos, Name: x.Value}
		}
	}
	env := &plugin.BuildEnv{
		Config:           p,
		Logger:           slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
		PipelineID:       "test",
		DataDir:          os.TempDir(),
		ECSCompatibility: "v8",
		NewID:            func(s *plugin.Spec) string { return s.Name + "_test" },
	}
	in, err := plugin.Default.Build(kind, node, env)
	if err != nil {
		if in != nil {
			in.Close()
		}
		return nil, err
	}
	return in, nil
}

// Queue collects pushed events. With Block set, Push waits until Release
// (to test backpressure). Acks are called when Ack is called.
type Queue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	events  []*event.Event
	acks    []func()
	pushes  int
	blocked chan struct{}
}

var _ plugin.Queue = (*Queue)(nil)

// NewQueue returns an empty collecting queue.
func NewQueue() *Queue {
	q := &Queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// Block makes Push wait until Release.
func (q *Queue) Block() {
	q.mu.Lock()
	q.blocked = make(chan struct{})
	q.mu.Unlock()
}

// Release lets blocked pushes through.
func (q *Queue) Release() {
	q.mu.Lock()
	if q.blocked != nil {
		close(q.blocked)
		q.blocked = nil
	}
	q.mu.Unlock()
}

// Push implements plugin.Queue.
func (q *Queue) Push(ctx context.Context, events []*event.Event, ack func()) error {
	q.mu.Lock()
	b := q.blocked
	q.mu.Unlock()
	if b != nil {
		select {
		case <-b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.events = append(q.events, events...)
	if ack != nil {
		q.acks = append(q.acks, ack)
	}
	q.pushes++
	q.cond.Broadcast()
	return nil
}

// AckAll calls every ack received so far (once each).
func (q *Queue) AckAll() {
	q.mu.Lock()
	acks := q.acks
	q.acks = nil
	q.mu.Unlock()
	for _, a := range acks {
		a()
	}
}

// Events returns a copy of the events collected so far.
func (q *Queue) Events() []*event.Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]*event.Event(nil), q.events...)
}

// Wait waits until at least n events arrived or the timeout passes, and
// returns the events collected.
func (q *Queue) Wait(t testing.TB, n int, timeout time.Duration) []*event.Event {
	t.Helper()
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() { q.mu.Lock(); q.cond.Broadcast(); q.mu.Unlock() })
	defer timer.Stop()
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.events) < n && time.Now().Before(deadline) {
		q.cond.Wait()
	}
	if len(q.events) < n {
		t.Fatalf("got %d events, want %d within %s", len(q.events), n, timeout)
	}
	return append([]*event.Event(nil), q.events...)
}
