package pipeline

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// Test plugins, registered in a registry of the test's own. They let the
// engine be tested without the real plugins or the parser.

// feedInput pushes its batches (each with an ack) and returns, or waits
// for ctx when hold is set.
type feedInput struct {
	Count   int
	Batches int
	Hold    bool
	world   *world
}

func (f *feedInput) Settings(s *plugin.Settings) {
	s.Int(&f.Count, "count", "events per batch").Default(1)
	s.Int(&f.Batches, "batches", "number of batches").Default(1)
	s.Bool(&f.Hold, "hold", "wait for cancellation after pushing").Default(false)
}

func (f *feedInput) Run(ctx context.Context, q plugin.Queue) error {
	for b := 0; b < f.Batches; b++ {
		evs := make([]*event.Event, f.Count)
		for i := range evs {
			evs[i] = event.NewMessage("m")
			evs[i].Fields()["batch"] = int64(b)
			evs[i].Fields()["n"] = int64(i)
		}
		b := b
		if err := q.Push(ctx, evs, func() { f.world.acked(b) }); err != nil {
			f.world.pushErr(err)
			return nil
		}
		f.world.pushed(b)
	}
	if f.Hold {
		<-ctx.Done()
	}
	return nil
}

// cloneFilter emits one copy of every event, tagged "clone".
type cloneFilter struct{}

func (cloneFilter) Settings(*plugin.Settings) {}
func (cloneFilter) Filter(e *event.Event, emit func(*event.Event)) bool {
	if e.HasTag("clone") {
		return true
	}
	c := e.Clone()
	c.AddTag("clone")
	emit(c)
	return true
}

// dropFilter drops events whose n is even.
type dropFilter struct{}

func (dropFilter) Settings(*plugin.Settings) {}
func (dropFilter) Filter(e *event.Event, _ func(*event.Event)) bool {
	if n, _ := e.Fields()["n"].(int64); n%2 == 0 {
		e.Cancel()
	}
	return true
}

// failFilter never applies (so decorations must not run).
type failFilter struct{}

func (failFilter) Settings(*plugin.Settings) {}
func (failFilter) Filter(e *event.Event, _ func(*event.Event)) bool {
	e.AddTag("_failed")
	return false
}

// collectOutput records what it receives; it can block until released
// and fail a number of times first.
type collectOutput struct {
	Name  string
	Fails int
	world *world
}

func (c *collectOutput) Settings(s *plugin.Settings) {
	s.String(&c.Name, "name", "collector name").Default("out")
	s.Int(&c.Fails, "fails", "fail this many calls first, the first with a partial failure").Default(0)
}

func (c *collectOutput) Write(ctx context.Context, events []*event.Event) error {
	return c.world.write(ctx, c, events)
}

// world is the shared state of one test's plugins.
type world struct {
	mu       sync.Mutex
	cond     *sync.Cond
	got      map[string][]*event.Event
	acks     map[int]int
	pushes   map[int]bool
	pushErrs []error
	block    chan struct{}
	fails    map[*collectOutput]int
	calls    int
}

func newWorld() *world {
	w := &world{got: map[string][]*event.Event{}, acks: map[int]int{}, pushes: map[int]bool{}, fails: map[*collectOutput]int{}}
	w.cond = sync.NewCond(&w.mu)
	return w
}

func (w *world) write(ctx context.Context, c *collectOutput, events []*event.Event) error {
	w.mu.Lock()
	block := w.block
	w.calls++
	w.cond.Broadcast()
	w.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	defer w.cond.Broadcast()
	if w.fails[c] < c.Fails {
		w.fails[c]++
		if w.fails[c] == 1 && len(events) > 1 {
			// Partial failure: keep the first event, fail the rest.
			w.got[c.Name] = append(w.got[c.Name], events[0])
			failed := make([]int, 0, len(events)-1)
			for i := 1; i < len(events); i++ {
				failed = append(failed, i)
			}
			return &plugin.BatchError{Failed: failed, Err: errors.New("partial")}
		}
		return errors.New("down")
	}
	w.got[c.Name] = append(w.got[c.Name], events...)
	return nil
}

func (w *world) acked(b int) {
	w.mu.Lock()
	w.acks[b]++
	w.cond.Broadcast()
	w.mu.Unlock()
}

func (w *world) pushed(b int) {
	w.mu.Lock()
	w.pushes[b] = true
	w.cond.Broadcast()
	w.mu.Unlock()
}

func (w *world) pushErr(err error) {
	w.mu.Lock()
	w.pushErrs = append(w.pushErrs, err)
	w.cond.Broadcast()
	w.mu.Unlock()
}

// waitFor waits until f (called with the lock held) is true.
func (w *world) waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	timer := time.AfterFunc(5*time.Second, func() { w.mu.Lock(); w.cond.Broadcast(); w.mu.Unlock() })
	defer timer.Stop()
	deadline := time.Now().Add(5 * time.Second)
	w.mu.Lock()
	defer w.mu.Unlock()
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		w.cond.Wait()
	}
}

func (w *world) events(name string) []*event.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*event.Event(nil), w.got[name]...)
}

func (w *world) registry() *plugin.Registry {
	r := plugin.NewRegistry()
	r.Register(plugin.Spec{Kind: plugin.KindInput, Name: "feed", New: func() plugin.Plugin { return &feedInput{world: w} }})
	r.Register(plugin.Spec{Kind: plugin.KindFilter, Name: "clone", New: func() plugin.Plugin { return cloneFilter{} }})
	r.Register(plugin.Spec{Kind: plugin.KindFilter, Name: "dropeven", New: func() plugin.Plugin { return dropFilter{} }})
	r.Register(plugin.Spec{Kind: plugin.KindFilter, Name: "hold", New: func() plugin.Plugin { return &holdFilter{} }})
	r.Register(plugin.Spec{Kind: plugin.KindFilter, Name: "fail", New: func() plugin.Plugin { return failFilter{} }})
	r.Register(plugin.Spec{Kind: plugin.KindOutput, Name: "collect", New: func() plugin.Plugin { return &collectOutput{world: w} }})
	return r
}

// AST builders, so engine tests do not depend on the parser.

func plug(name string, attrs ...*config.Attr) *config.Plugin {
	return &config.Plugin{Pos: config.Pos{File: "t.conf", Line: 1, Col: 1}, Name: name, Attrs: attrs}
}

func attr(name string, v config.Value) *config.Attr {
	return &config.Attr{Pos: config.Pos{File: "t.conf", Line: 1, Col: 1}, Name: name, Value: v}
}

func num(n int64) *config.Number     { return &config.Number{Raw: "n", IsInt: true, Int: n} }
func str(s string) *config.String    { return &config.String{Value: s} }
func bare(s string) *config.Bareword { return &config.Bareword{Value: s} }
func hash(kv ...string) *config.Hash {
	h := &config.Hash{}
	for i := 0; i < len(kv); i += 2 {
		h.Entries = append(h.Entries, &config.HashEntry{Key: kv[i], Value: str(kv[i+1])})
	}
	return h
}
func strs(ss ...string) *config.Array {
	a := &config.Array{}
	for _, s := range ss {
		a.Items = append(a.Items, str(s))
	}
	return a
}

func section(kind string, body ...config.Statement) *config.Section {
	return &config.Section{Kind: kind, Body: body}
}

func ifs(branches ...*config.Branch) *config.If { return &config.If{Branches: branches} }
func branch(cond config.Expr, body ...config.Statement) *config.Branch {
	return &config.Branch{Cond: cond, Body: body}
}
func ref(raw string) *config.FieldRef { return &config.FieldRef{Raw: raw} }
func slit(s string) *config.StringLit { return &config.StringLit{Value: s} }
func nlit(n int64) *config.NumberLit  { return &config.NumberLit{Raw: "n", IsInt: true, Int: n} }
func flit(f float64) *config.NumberLit {
	return &config.NumberLit{Raw: "f", Float: f}
}
func bin(op string, l, r config.Expr) *config.Binary {
	return &config.Binary{Op: op, Left: l, Right: r}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// build builds a pipeline over the test registry.
func build(t *testing.T, w *world, set Settings, sections ...*config.Section) *Pipeline {
	t.Helper()
	set.Registry = w.registry()
	if set.Logger == nil {
		set.Logger = quietLogger()
	}
	p, err := New(&config.Pipeline{Sections: sections}, set)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// run runs p in the background; the returned function waits for Run.
func run(t *testing.T, p *Pipeline, ctx context.Context) func() error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return func() error {
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("pipeline did not stop")
			return nil
		}
	}
}

// holdFilter keeps every event back; Flush gives nothing, FlushFinal gives
// one summary event tagged "final" with the count it held.
type holdFilter struct {
	mu   sync.Mutex
	held int64
}

func (*holdFilter) Settings(*plugin.Settings) {}
func (h *holdFilter) Filter(e *event.Event, _ func(*event.Event)) bool {
	h.mu.Lock()
	h.held++
	h.mu.Unlock()
	e.Cancel()
	return true
}
func (*holdFilter) Flush(func(*event.Event)) {}
func (h *holdFilter) FlushFinal(emit func(*event.Event)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := event.NewMessage("final")
	e.Fields()["held"] = h.held
	emit(e)
}
