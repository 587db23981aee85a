package pipeline

import (
	"sync"
	"time"
)

// Monitoring: counters and timers the engine keeps per pipeline and per
// plugin, read as one snapshot by Metrics. Hot paths count in worker-local
// state and publish to the shared atomics once per batch, so the cost per
// event is a few plain additions; filter durations are sampled (see
// runFilters), other durations are measured per batch or per call.

// State is a pipeline's lifecycle state.
type State int32

// Pipeline states, as Logstash's health report names them.
const (
	StateLoading    State = iota // built, inputs opening
	StateRunning                 // inputs open, workers running
	StateFinished                // every input finished and the queue drained
	StateTerminated              // stopped (signal, shutdown) or failed to start
)

// String returns the state as Logstash's health report spells it.
func (s State) String() string {
	switch s {
	case StateLoading:
		return "LOADING"
	case StateRunning:
		return "RUNNING"
	case StateFinished:
		return "FINISHED"
	default:
		return "TERMINATED"
	}
}

// PluginMetrics are one plugin's counters. Inputs have Out (events
// pushed) and QueuePushDuration; filters and outputs have In, Out and
// Duration (time spent in the plugin).
type PluginMetrics struct {
	ID, Name          string
	In, Out           int64
	Duration          time.Duration
	QueuePushDuration time.Duration
}

// QueueStats describe a pipeline's queue. Queues report them through
// Stats() QueueStats.
type QueueStats struct {
	// Type is "memory" or "persisted".
	Type string
	// Events is the number of events in the queue.
	Events int64
	// Bytes and MaxBytes are the queue's size on disk and its limit (0
	// for the memory queue, as Logstash reports).
	Bytes, MaxBytes int64
	// MaxEvents is the queue's capacity in events (0: bounded by bytes).
	MaxEvents int64
}

// queueStatser is what a queue implements to be monitored.
type queueStatser interface{ Stats() QueueStats }

// Metrics are a snapshot of a pipeline's counters.
type Metrics struct {
	ID         string
	State      State
	Workers    int
	BatchSize  int
	BatchDelay time.Duration
	// In, Filtered and Out are events pushed by inputs, events that left
	// the filters, and events every output they were routed to accepted.
	In, Filtered, Out int64
	// Duration is the time workers spent on batches (filters and
	// outputs), summed over workers: Logstash's events.duration_in_millis.
	Duration time.Duration
	// QueuePushDuration is the time inputs spent waiting to push into a
	// full queue, summed over inputs.
	QueuePushDuration time.Duration
	Inputs            []PluginMetrics
	Filters           []PluginMetrics
	Outputs           []PluginMetrics
	Queue             QueueStats
	// StartedAt is when Run started (zero before).
	StartedAt time.Time
}

// Metrics returns a snapshot of the pipeline's counters. It is safe to
// call at any time, from any goroutine.
func (p *Pipeline) Metrics() Metrics {
	m := Metrics{
		ID: p.set.ID, State: State(p.state.Load()), Workers: p.set.Workers,
		BatchSize: p.set.BatchSize, BatchDelay: p.set.BatchDelay,
		Filtered: p.filtered.Load(), Out: p.out.Load(),
		Duration: p.busy.read(),
	}
	if t := p.startedAt.Load(); t != nil {
		m.StartedAt = *t
	}
	for _, r := range p.inputs {
		pm := PluginMetrics{ID: r.inst.Context.ID, Name: r.inst.Spec.Name, Out: r.in.Load(),
			QueuePushDuration: r.pushing.read()}
		m.In += pm.Out
		m.QueuePushDuration += pm.QueuePushDuration
		m.Inputs = append(m.Inputs, pm)
	}
	for _, f := range p.filters {
		m.Filters = append(m.Filters, PluginMetrics{ID: f.inst.Context.ID, Name: f.inst.Spec.Name,
			In: f.in.Load(), Out: f.out.Load(), Duration: time.Duration(f.nanos.Load())})
	}
	for _, o := range p.outputs {
		m.Outputs = append(m.Outputs, PluginMetrics{ID: o.inst.Context.ID, Name: o.inst.Spec.Name,
			In: o.in.Load(), Out: o.out.Load(), Duration: time.Duration(o.nanos.Load())})
	}
	switch {
	case p.q != nil:
		m.Queue = p.q.Stats()
	default:
		m.Queue = QueueStats{Type: "persisted", MaxBytes: p.set.Queue.MaxBytes, MaxEvents: p.set.Queue.MaxEvents}
		if m.Queue.MaxBytes <= 0 {
			m.Queue.MaxBytes = 1 << 30 // queue.Options' default
		}
		if pq := p.pqMon.Load(); pq != nil {
			m.Queue.Events = int64(pq.Len())
			m.Queue.Bytes = pq.Bytes()
		}
	}
	return m
}

// busyClock adds up the time of spans (a worker's batch, an input's
// push) that may overlap, including the spans still in progress: a worker
// stuck on an output that is down counts as busy while it waits, not only
// once the batch is done. Readings never decrease.
type busyClock struct {
	mu       sync.Mutex
	total    int64 // nanoseconds of finished spans
	open     int64 // spans in progress
	sumStart int64 // sum of their starts (clockNow values)
}

// clockBase makes clockNow a monotonic count of nanoseconds.
var clockBase = time.Now()

func clockNow() int64 { return int64(time.Since(clockBase)) }

// start opens a span and returns its start, for stop.
func (c *busyClock) start() int64 {
	t := clockNow()
	c.mu.Lock()
	c.open++
	c.sumStart += t
	c.mu.Unlock()
	return t
}

// stop closes the span started at t0.
func (c *busyClock) stop(t0 int64) {
	t := clockNow()
	c.mu.Lock()
	c.open--
	c.sumStart -= t0
	c.total += t - t0
	c.mu.Unlock()
}

// read returns the time of the finished spans plus the open spans' time
// so far.
func (c *busyClock) read() time.Duration {
	t := clockNow()
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Duration(c.total + c.open*t - c.sumStart)
}

// filterTimingSample: one event in this many has its filter steps timed.
const filterTimingSample = 64

// filterAcc is a worker's not yet published counts for one filter.
type filterAcc struct {
	in, out, nanos int64
}

// publish adds the worker's filter counts to the shared counters and
// resets them.
func (p *Pipeline) publish(w *workerState) {
	for i := range w.facc {
		a := &w.facc[i]
		if a.in == 0 {
			continue
		}
		f := p.filters[i]
		f.in.Add(a.in)
		f.out.Add(a.out)
		f.nanos.Add(a.nanos)
		*a = filterAcc{}
	}
}

// Stats reports the memory queue for monitoring.
func (q *memQueue) Stats() QueueStats {
	return QueueStats{Type: "memory", Events: int64(q.len()), MaxEvents: int64(len(q.buf))}
}

var _ queueStatser = (*memQueue)(nil)
