package beats

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lumber "github.com/elastic/go-lumber/client/v2"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/codecs/json"
	_ "github.com/sluicelog/sluice/plugins/codecs/line"
	_ "github.com/sluicelog/sluice/plugins/codecs/plain"
)

// build builds a beats input through the configuration parser and the
// registry, as the engine does. Settings are Go values (string, int, bool,
// float64, []string) in name, value order; ecs sets ecs_compatibility.
func build(t testing.TB, ecs string, kv ...any) *Input {
	t.Helper()
	in, err := buildErr(ecs, kv...)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	t.Cleanup(func() { in.Close() })
	return in
}

func buildErr(ecs string, kv ...any) (*Input, error) {
	inst, err := plugintest.BuildErr(plugin.KindInput, configText(ecs, kv))
	if err != nil {
		return nil, err
	}
	return inst.Plugin.(*Input), nil
}

func configText(ecs string, kv []any) string {
	var b strings.Builder
	b.WriteString("beats {")
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
		if strings.HasPrefix(x, "=") { // a bareword or plugin block
			return x[1:]
		}
		if strings.ContainsAny(x, `"\`) {
			panic("BUG: test string needs escaping: " + x)
		}
		return `"` + x + `"`
	case int, bool, float64:
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

// logBuffer collects log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor waits until cond holds or fails the test after timeout.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// captureLogs sends in's log lines to a buffer (and the test log).
func captureLogs(t testing.TB, in *Input) *logBuffer {
	lb := &logBuffer{}
	in.log = slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Log("input logs:\n" + lb.String())
		}
	})
	return lb
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

// countQueue counts events and discards them.
type countQueue struct {
	n      atomic.Int64
	target int64
	done   chan struct{}
	once   sync.Once
}

func (q *countQueue) Push(_ context.Context, events []*event.Event, _ func()) error {
	if q.n.Add(int64(len(events))) >= q.target && q.done != nil {
		q.once.Do(func() { close(q.done) })
	}
	return nil
}

// recordQueue records the "n" field of every pushed event, and can be
// made to fail or block.
type recordQueue struct {
	mu      sync.Mutex
	seen    map[int64]int
	total   int
	pushes  int
	fail    bool
	blocked chan struct{}
}

func newRecordQueue() *recordQueue { return &recordQueue{seen: map[int64]int{}} }

func (q *recordQueue) Push(ctx context.Context, events []*event.Event, _ func()) error {
	q.mu.Lock()
	b, fail := q.blocked, q.fail
	q.mu.Unlock()
	if b != nil {
		select {
		case <-b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail {
		return context.Canceled
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pushes++
	for _, e := range events {
		n, _ := e.GetField("n")
		i, _ := n.(int64)
		q.seen[i]++
		q.total++
	}
	return nil
}

func (q *recordQueue) has(n int64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.seen[n] > 0
}

func (q *recordQueue) count() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.total
}

func (q *recordQueue) block() {
	q.mu.Lock()
	q.blocked = make(chan struct{})
	q.mu.Unlock()
}

func (q *recordQueue) release() {
	q.mu.Lock()
	if q.blocked != nil {
		close(q.blocked)
		q.blocked = nil
	}
	q.mu.Unlock()
}

// docs makes n Beats-like documents numbered from first.
func docs(first, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{
			"@timestamp": "2026-11-24T05:31:46.123Z",
			"@metadata":  map[string]any{"beat": "filebeat", "type": "_doc", "version": "8.15.0"},
			"message":    fmt.Sprintf("line %d of the log", first+i),
			"n":          first + i,
			"agent":      map[string]any{"type": "filebeat", "hostname": "web-1", "name": "web-1"},
			"host":       map[string]any{"name": "web-1"},
			"log":        map[string]any{"file": map[string]any{"path": "/var/log/app.log"}, "offset": 100 * (first + i)},
		}
	}
	return out
}

// syncSend sends every document over one go-lumber sync client in windows
// of the given size.
func syncSend(t testing.TB, addr string, documents []any, window int, opts ...lumber.Option) {
	t.Helper()
	cl, err := lumber.SyncDial(addr, opts...)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer cl.Close()
	for i := 0; i < len(documents); i += window {
		batch := documents[i:min(i+window, len(documents))]
		n, err := cl.Send(batch)
		if err != nil {
			t.Fatalf("send window at %d: %v", i, err)
		}
		if n != len(batch) {
			t.Fatalf("window at %d: %d acknowledged, want %d", i, n, len(batch))
		}
	}
}
