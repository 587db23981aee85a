// Package pipeline is Sluice's engine: it compiles a parsed configuration
// into inputs, a bounded queue, workers running the filter and output
// programs, and delivery tracking from outputs back to inputs.
package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/queue"
)

// Settings are a pipeline's settings (pipeline.* in sluice.yml).
type Settings struct {
	// ID names the pipeline ("main").
	ID string
	// Workers is pipeline.workers (default: number of CPUs).
	Workers int
	// BatchSize is pipeline.batch.size (125).
	BatchSize int
	// BatchDelay is pipeline.batch.delay (50ms): how long a worker waits
	// for a batch to fill once it has its first event.
	BatchDelay time.Duration
	// QueueEvents bounds the memory queue (default Workers*BatchSize, as
	// Logstash's memory queue).
	QueueEvents int
	// ECSCompatibility is pipeline.ecs_compatibility (v8).
	ECSCompatibility string
	// DataDir is path.data.
	DataDir string
	// FlushInterval is how often filters with periodic_flush are flushed.
	FlushInterval time.Duration
	// RetryInitial and RetryMax bound the backoff between output retries.
	RetryInitial, RetryMax time.Duration
	// Queue chooses and sizes the queue between inputs and workers.
	Queue  QueueSettings
	Logger *slog.Logger
	// Registry defaults to plugin.Default.
	Registry *plugin.Registry
	// DeadLetter is the pipeline's dead letter queue (nil: disabled); its
	// writers reach plugins as plugin.Context.DeadLetter. The caller opens
	// and closes it.
	DeadLetter plugin.DeadLetterQueue
}

// QueueSettings are the queue.* settings.
type QueueSettings struct {
	// Type is queue.type: "memory" (default) or "persisted".
	Type string
	// Path is path.queue (default <DataDir>/queue); the pipeline's queue
	// lives in Path/<pipeline id>.
	Path string
	// PageCapacity, MaxBytes, MaxEvents, CheckpointWrites, CheckpointAcks
	// and Drain are the persisted queue's settings (see queue.Options);
	// zero values take Logstash's defaults.
	PageCapacity, MaxBytes, MaxEvents int64
	CheckpointWrites, CheckpointAcks  int
	Drain                             bool
}

func (s *Settings) defaults() {
	if s.ID == "" {
		s.ID = "main"
	}
	if s.Workers <= 0 {
		s.Workers = runtime.NumCPU()
	}
	if s.BatchSize <= 0 {
		s.BatchSize = 125
	}
	if s.BatchDelay < 0 {
		s.BatchDelay = 0
	}
	if s.QueueEvents <= 0 {
		s.QueueEvents = s.Workers * s.BatchSize
	}
	if s.ECSCompatibility == "" {
		s.ECSCompatibility = "v8"
	}
	if s.FlushInterval <= 0 {
		s.FlushInterval = 5 * time.Second
	}
	if s.RetryInitial <= 0 {
		s.RetryInitial = 100 * time.Millisecond
	}
	if s.RetryMax <= 0 {
		s.RetryMax = 64 * time.Second
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Registry == nil {
		s.Registry = plugin.Default
	}
	if s.Queue.Type == "" {
		s.Queue.Type = "memory"
	}
	if s.Queue.Path == "" {
		s.Queue.Path = filepath.Join(s.DataDir, "queue")
	}
}

// Pipeline is a built, runnable pipeline.
type Pipeline struct {
	set       Settings
	log       *slog.Logger
	inputs    []*runningInput
	filters   []*runningFilter
	outputs   []*runningOutput
	filterPc  map[*runningFilter]int
	filterPrg program
	outputPrg program
	instances []*plugin.Instance
	q         *memQueue        // the memory queue, or
	pq        *queue.Persisted // the persisted queue (opened by Run)
	// pqMon is pq for readers on other goroutines (monitoring).
	pqMon atomic.Pointer[queue.Persisted]

	outCtx    context.Context // cancelled by ForceStop: outputs give up
	outCancel context.CancelFunc
	started   chan struct{}
	closeOnce sync.Once

	filtered, out atomic.Int64
	busy          busyClock    // workers' time on batches (Metrics.Duration)
	state         atomic.Int32 // a State
	startedAt     atomic.Pointer[time.Time]
}

// New builds a pipeline from a parsed configuration. Every configuration
// error is reported at once (a config.ErrorList). Nothing is started:
// `sluice check` stops here.
func New(cfg *config.Pipeline, set Settings) (*Pipeline, error) {
	set.defaults()
	p := &Pipeline{set: set, log: set.Logger.With("pipeline", set.ID), filterPc: map[*runningFilter]int{}, started: make(chan struct{})}
	p.outCtx, p.outCancel = context.WithCancel(context.Background())
	switch set.Queue.Type {
	case "memory":
		p.q = newMemQueue(set.QueueEvents)
	case "persisted":
	default:
		return nil, fmt.Errorf("queue.type: expected memory or persisted, got %q", set.Queue.Type)
	}

	ids := map[string]config.Pos{}
	counts := map[string]int{}
	env := &plugin.BuildEnv{
		Config: cfg, Logger: p.log, PipelineID: set.ID, DataDir: set.DataDir,
		ECSCompatibility: set.ECSCompatibility, DeadLetter: set.DeadLetter, Workers: set.Workers,
		NewID: func(s *plugin.Spec) string {
			counts[s.Kind.String()+s.Name]++
			return fmt.Sprintf("%s_%s_%d", s.Kind, s.Name, counts[s.Kind.String()+s.Name])
		},
	}
	c := &compiler{cfg: cfg, cond: condCompiler{cfg: cfg}}
	c.build = func(kind plugin.Kind, node *config.Plugin) (int, error) {
		in, err := set.Registry.Build(kind, node, env)
		if in != nil {
			p.instances = append(p.instances, in)
		}
		if err != nil {
			return 0, err
		}
		if prev, dup := ids[in.Context.ID]; dup {
			return 0, config.ErrorList{cfg.Errorf(node.Pos, "duplicate plugin id %q (also used at %s)", in.Context.ID, prev)}
		}
		ids[in.Context.ID] = node.Pos
		deco, err := compileDecorations(in.Common)
		if err != nil {
			return 0, config.ErrorList{cfg.Errorf(node.Pos, "%s %s: %v", kind, node.Name, err)}
		}
		if deco.empty() {
			deco = nil
		}
		switch kind {
		case plugin.KindInput:
			ip, ok := in.Plugin.(plugin.Input)
			if !ok {
				return 0, fmt.Errorf("BUG: %s is not an input", node.Name)
			}
			p.inputs = append(p.inputs, &runningInput{inst: in, input: ip, deco: deco, p: p})
			return len(p.inputs) - 1, nil
		case plugin.KindFilter:
			fp, ok := in.Plugin.(plugin.Filter)
			if !ok {
				return 0, fmt.Errorf("BUG: %s is not a filter", node.Name)
			}
			rf := &runningFilter{inst: in, filter: fp, deco: deco}
			rf.flusher, _ = in.Plugin.(plugin.Flusher)
			p.filters = append(p.filters, rf)
			return len(p.filters) - 1, nil
		default:
			op, ok := in.Plugin.(plugin.Output)
			if !ok {
				return 0, fmt.Errorf("BUG: %s is not an output", node.Name)
			}
			p.outputs = append(p.outputs, &runningOutput{inst: in, output: op, isSer: in.Spec.Serial,
				minBackoff: set.RetryInitial, maxBackoff: set.RetryMax})
			return len(p.outputs) - 1, nil
		}
	}
	if cfg == nil {
		cfg = &config.Pipeline{}
	}
	for _, sec := range cfg.Sections {
		switch sec.Kind {
		case "input":
			for _, node := range c.inputs(sec.Body) {
				if _, err := c.build(plugin.KindInput, node); err != nil {
					c.addErr(err)
				}
			}
		case "filter":
			c.compile(plugin.KindFilter, sec.Body, &p.filterPrg)
		case "output":
			c.compile(plugin.KindOutput, sec.Body, &p.outputPrg)
		default:
			c.errs = append(c.errs, cfg.Errorf(sec.Pos, "unknown section %q", sec.Kind))
		}
	}
	if len(c.errs) == 0 && len(p.inputs) == 0 {
		c.errs = append(c.errs, &config.Error{Msg: "the pipeline has no input: add an input section, e.g. input { stdin { } }"})
	}
	if len(c.errs) > 0 {
		p.closeAll()
		return nil, c.errs
	}
	for pc, in := range p.filterPrg {
		if in.op == opFilter {
			p.filterPc[p.filters[in.index]] = pc
		}
	}
	if len(p.outputs) == 0 {
		p.log.Warn("the pipeline has no output: events are dropped after the filters")
	}
	return p, nil
}

// Close releases the plugins of a pipeline that was built but will not
// run (a reload that was abandoned). Run closes them itself; calling Close
// after Run is harmless.
func (p *Pipeline) Close() { p.closeAll() }

// Settings returns the effective settings.
func (p *Pipeline) Settings() Settings { return p.set }

// Inputs returns the configured input plugins (tests use them to find the
// addresses inputs listen on).
func (p *Pipeline) Inputs() []plugin.Input {
	out := make([]plugin.Input, len(p.inputs))
	for i, in := range p.inputs {
		out[i] = in.input
	}
	return out
}

// Started is closed once every input is open (listening) and the workers
// are running.
func (p *Pipeline) Started() <-chan struct{} { return p.started }

// ForceStop makes outputs give up retrying so Run returns quickly; events
// not yet delivered are not acknowledged to their inputs. The memory queue
// stops accepting events at once: an input still finishing its work at
// shutdown (a beats window in its grace period) must not have events
// acknowledged that the workers now throw away. (A persisted queue keeps
// accepting them: they are on disk for the next start.)
func (p *Pipeline) ForceStop() {
	p.outCancel()
	if p.q != nil {
		p.q.close()
	}
}

// Stats are event counters.
type Stats struct {
	In, Filtered, Out int64
	Queued            int
}

// Stats returns the event counters.
func (p *Pipeline) Stats() Stats {
	var in int64
	for _, r := range p.inputs {
		in += r.in.Load()
	}
	return Stats{In: in, Filtered: p.filtered.Load(), Out: p.out.Load(), Queued: p.queued()}
}

func (p *Pipeline) queued() int {
	switch {
	case p.q != nil:
		return p.q.len()
	}
	if pq := p.pqMon.Load(); pq != nil {
		return pq.Len()
	}
	return 0
}

// QueueDir returns the directory of the pipeline's persisted queue, or ""
// with the memory queue.
func (p *Pipeline) QueueDir() string {
	if p.set.Queue.Type != "persisted" {
		return ""
	}
	return filepath.Join(p.set.Queue.Path, p.set.ID)
}

func (p *Pipeline) openQueue() error {
	if p.set.Queue.Type != "persisted" {
		return nil
	}
	qs := p.set.Queue
	q, err := queue.Open(queue.Options{
		Dir: p.QueueDir(), PageCapacity: qs.PageCapacity, MaxBytes: qs.MaxBytes, MaxEvents: qs.MaxEvents,
		CheckpointWrites: qs.CheckpointWrites, CheckpointAcks: qs.CheckpointAcks, Logger: p.log,
	})
	if err != nil {
		return err
	}
	p.pq = q
	p.pqMon.Store(q)
	return nil
}

func (p *Pipeline) pop(dst []*event.Event) []*event.Event {
	if p.pq != nil {
		return p.pq.Pop(dst, p.set.BatchSize, p.set.BatchDelay)
	}
	return p.q.pop(dst, p.set.BatchSize, p.set.BatchDelay)
}

// Run runs the pipeline until every input has finished (then the queue is
// drained and Run returns nil) or ctx is cancelled (inputs stop, in-flight
// events are drained through filters and outputs, and Run returns nil).
// Plugins are closed before Run returns. An input that fails to open makes
// Run return its error.
func (p *Pipeline) Run(ctx context.Context) error {
	defer p.closeAll()
	now := time.Now()
	p.startedAt.Store(&now)
	finalState := StateTerminated
	defer func() { p.state.Store(int32(finalState)) }()
	if err := p.openQueue(); err != nil {
		return err
	}
	if p.pq != nil {
		defer func() {
			if err := p.pq.Close(); err != nil {
				p.log.Error("closing the persisted queue", "error", err)
			}
		}()
	}
	inCtx, stopInputs := context.WithCancel(ctx)
	defer stopInputs()
	for _, in := range p.inputs {
		if o, ok := in.input.(plugin.Opener); ok {
			if err := o.Open(inCtx); err != nil {
				return fmt.Errorf("input %s: %w", in.inst.Context.ID, err)
			}
		}
	}

	var workers sync.WaitGroup
	for i := 0; i < p.set.Workers; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			p.worker()
		}()
	}
	var inputs sync.WaitGroup
	for _, in := range p.inputs {
		inputs.Add(1)
		go func() {
			defer inputs.Done()
			p.runInput(inCtx, in)
		}()
	}
	flushDone := make(chan struct{})
	stopFlush := make(chan struct{})
	go p.periodicFlush(stopFlush, flushDone)

	p.log.Info("pipeline started", "queue", p.set.Queue.Type, "workers", p.set.Workers, "batch_size", p.set.BatchSize,
		"batch_delay", p.set.BatchDelay, "inputs", len(p.inputs), "filters", len(p.filters), "outputs", len(p.outputs))
	p.state.Store(int32(StateRunning))
	close(p.started)

	inputsDone := make(chan struct{})
	go func() { inputs.Wait(); close(inputsDone) }()
	drain := p.set.Queue.Drain
	select {
	case <-inputsDone:
		p.log.Info("all inputs finished; draining")
		finalState = StateFinished
		drain = true
	case <-ctx.Done():
		p.log.Info("stopping: inputs closed, draining in-flight events", "queued", p.queued())
		stopInputs()
		<-inputsDone
	}
	if p.pq != nil {
		// A persisted queue keeps what is not yet read for the next start,
		// unless queue.drain is set or the inputs ended on their own.
		p.pq.CloseInput(drain)
	} else {
		p.q.close()
	}
	workers.Wait()
	close(stopFlush)
	<-flushDone
	// A final flush for filters holding events back.
	w := p.newWorkerState()
	for _, f := range p.filters {
		if f.flusher != nil {
			p.flushWith(f, w, p.finalFlushFunc(f))
		}
	}
	st := p.Stats()
	var dropped int64 // events filters cancelled (drop, aggregate, ...)
	for _, f := range p.filters {
		dropped += f.in.Load() - f.out.Load()
	}
	p.log.Info("pipeline stopped", "in", st.In, "filtered", st.Filtered, "out", st.Out, "dropped", dropped)
	return nil
}

// runInput runs an input, restarting it with backoff when it fails.
func (p *Pipeline) runInput(ctx context.Context, in *runningInput) {
	backoff := time.Second
	for {
		err := p.safeRun(ctx, in)
		if err == nil || ctx.Err() != nil {
			return
		}
		in.inst.Context.Logger.Error("input failed; restarting", "error", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

func (p *Pipeline) safeRun(ctx context.Context, in *runningInput) (err error) {
	defer func() {
		if r := recover(); r != nil {
			buf := make([]byte, 4096)
			buf = buf[:runtime.Stack(buf, false)]
			err = fmt.Errorf("BUG: input panicked: %v\n%s", r, buf)
		}
	}()
	return in.input.Run(ctx, in)
}

func (p *Pipeline) periodicFlush(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	var periodic []*runningFilter
	for _, f := range p.filters {
		if f.flusher != nil && f.inst.Common.PeriodicFlush {
			periodic = append(periodic, f)
		}
	}
	if len(periodic) == 0 {
		return
	}
	t := time.NewTicker(p.set.FlushInterval)
	defer t.Stop()
	w := p.newWorkerState()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			for _, f := range periodic {
				p.flush(f, w)
			}
		}
	}
}

// flush collects a filter's held-back events and sends them on from the
// step after that filter.
func (p *Pipeline) flush(f *runningFilter, w *workerState) {
	p.flushWith(f, w, f.flusher.Flush)
}

// finalFlushFunc is the filter's shutdown flush: FlushFinal when it has
// one, else Flush.
func (p *Pipeline) finalFlushFunc(f *runningFilter) func(func(*event.Event)) {
	if ff, ok := f.inst.Plugin.(plugin.FinalFlusher); ok {
		return ff.FlushFinal
	}
	return f.flusher.Flush
}

func (p *Pipeline) flushWith(f *runningFilter, w *workerState, flush func(func(*event.Event))) {
	var got []*event.Event
	flush(func(e *event.Event) { got = append(got, e) })
	if len(got) == 0 {
		return
	}
	w.ready = w.ready[:0]
	pc := p.filterPc[f] + 1
	for _, e := range got {
		if f.deco != nil {
			f.deco.apply(e)
		}
		p.runFilters(e, pc, w)
	}
	p.deliver(w)
	p.publish(w)
}

func (p *Pipeline) closeAll() {
	p.closeOnce.Do(func() {
		for _, in := range p.instances {
			if err := in.Close(); err != nil {
				p.log.Warn("closing plugin", "plugin", in.Spec.Name, "error", err)
			}
		}
	})
}

type workerState struct {
	batch     []*event.Event
	ready     []*event.Event
	emitted   []*event.Event
	emit      func(*event.Event)
	perOutput [][]*event.Event
	facc      []filterAcc // per filter, published by p.publish
	tick      uint32      // events seen, for sampling filter durations
}

func (p *Pipeline) newWorkerState() *workerState {
	w := &workerState{
		batch:     make([]*event.Event, 0, p.set.BatchSize),
		perOutput: make([][]*event.Event, len(p.outputs)),
		facc:      make([]filterAcc, len(p.filters)),
	}
	w.emit = func(e *event.Event) { w.emitted = append(w.emitted, e) }
	return w
}

func (p *Pipeline) worker() {
	w := p.newWorkerState()
	for {
		w.batch = p.pop(w.batch[:0])
		if len(w.batch) == 0 {
			return
		}
		start := p.busy.start()
		w.ready = w.ready[:0]
		for i, e := range w.batch {
			p.runFilters(e, 0, w)
			w.batch[i] = nil
		}
		p.deliver(w)
		p.publish(w)
		p.busy.stop(start)
	}
}

// runFilters runs e through the filter program from pc; surviving events
// are appended to w.ready, dropped ones are acknowledged. Events a filter
// makes (clone, split) continue from the step after that filter once e is
// done, so they follow e in the batch, as in Logstash.
func (p *Pipeline) runFilters(e *event.Event, pc int, w *workerState) {
	type child struct {
		e  *event.Event
		pc int
	}
	var children []child
	prog := p.filterPrg
	// Filter durations are sampled: reading the clock costs more than a
	// simple filter step on some machines (100 ns and more on virtual
	// ones), so one event in filterTimingSample is timed and its times
	// count for that many. A step's time runs from the end of the
	// previous step (conditionals between them included).
	timed := w.tick%filterTimingSample == 0
	w.tick++
	var last time.Time
run:
	for pc < len(prog) {
		in := &prog[pc]
		switch in.op {
		case opJump:
			pc = in.target
			continue
		case opJumpUnless:
			if !in.cond(e) {
				pc = in.target
				continue
			}
		case opFilter:
			f := p.filters[in.index]
			acc := &w.facc[in.index]
			acc.in++
			if timed && last.IsZero() {
				last = time.Now()
			}
			base := len(w.emitted)
			ok := p.callFilter(f, e, w)
			if timed {
				now := time.Now()
				acc.nanos += int64(now.Sub(last)) * filterTimingSample
				last = now
			}
			if ok && !e.Cancelled() && f.deco != nil {
				f.deco.apply(e)
			}
			for _, c := range w.emitted[base:] {
				if tr := e.Tracker(); tr != nil && c.Tracker() == nil {
					tr.Add(1)
					c.SetTracker(tr)
				}
				if f.deco != nil {
					f.deco.apply(c)
				}
				children = append(children, child{c, pc + 1})
			}
			clear(w.emitted[base:])
			w.emitted = w.emitted[:base]
			if e.Cancelled() {
				if tr := e.Tracker(); tr != nil {
					tr.Done()
				}
				break run
			}
			acc.out++
		}
		pc++
	}
	if !e.Cancelled() {
		w.ready = append(w.ready, e)
	}
	for _, c := range children {
		p.runFilters(c.e, c.pc, w)
	}
}

func (p *Pipeline) callFilter(f *runningFilter, e *event.Event, w *workerState) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			f.inst.Context.Logger.Error("BUG: filter panicked; event passed on unchanged", "panic", r)
			e.AddTag("_filter_panic")
			ok = false
		}
	}()
	return f.filter.Filter(e, w.emit)
}

// deliver routes w.ready through the output program, writes each
// output's share, then acknowledges the events.
func (p *Pipeline) deliver(w *workerState) {
	if len(w.ready) == 0 {
		return
	}
	p.filtered.Add(int64(len(w.ready)))
	prog := p.outputPrg
	for _, e := range w.ready {
		for pc := 0; pc < len(prog); {
			in := &prog[pc]
			switch in.op {
			case opJump:
				pc = in.target
				continue
			case opJumpUnless:
				if !in.cond(e) {
					pc = in.target
					continue
				}
			case opOutput:
				w.perOutput[in.index] = append(w.perOutput[in.index], e)
			}
			pc++
		}
	}
	delivered := true
	for i, evs := range w.perOutput {
		if len(evs) == 0 {
			continue
		}
		if err := p.outputs[i].write(p.outCtx, evs); err != nil {
			delivered = false
			p.log.Error("events not delivered", "output", p.outputs[i].inst.Context.ID, "events", len(evs), "error", err)
		}
		clear(evs)
		w.perOutput[i] = evs[:0]
	}
	if !delivered {
		// Not acknowledged: senders that wait for acknowledgements resend.
		clear(w.ready)
		return
	}
	p.out.Add(int64(len(w.ready)))
	for i, e := range w.ready {
		if tr := e.Tracker(); tr != nil {
			tr.Done()
		}
		w.ready[i] = nil
	}
}
