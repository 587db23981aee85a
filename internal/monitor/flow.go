package monitor

import (
	"math"
	"time"

	"github.com/sluicelog/sluice/pipeline"
)

// Flow metrics, as Logstash's: rates between two samples of the
// counters. "current" is over the last 10 seconds, "lifetime" since the
// pipeline started, last_1_minute and last_5_minutes once that much
// history exists.

// flowValue is one flow metric's windows.
type flowValue struct {
	Current      *float64 `json:"current"`
	Last1Minute  *float64 `json:"last_1_minute,omitempty"`
	Last5Minutes *float64 `json:"last_5_minutes,omitempty"`
	Lifetime     *float64 `json:"lifetime"`
}

// flowFn computes a flow from counters a (earlier) and b (later) dt
// apart; ok is false when it is undefined (no events to divide by).
type flowFn func(a, b *pipeline.Metrics, dt time.Duration) (v float64, ok bool)

func (ps *pipeSnap) flow(now time.Time, fn flowFn) flowValue {
	var f flowValue
	eval := func(a *pipeline.Metrics, since time.Time) *float64 {
		dt := now.Sub(since)
		if dt <= 0 {
			return nil
		}
		v, ok := fn(a, &ps.cur, dt)
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		v = round(v)
		return &v
	}
	if !ps.cur.StartedAt.IsZero() {
		f.Lifetime = eval(&pipeline.Metrics{}, ps.cur.StartedAt)
	}
	f.Current = f.Lifetime
	if base, _, ok := ps.baseline(now, currentWindow); ok {
		if v := eval(&base.m, base.at); v != nil {
			f.Current = v
		}
	}
	if base, full, ok := ps.baseline(now, time.Minute); ok && full {
		f.Last1Minute = eval(&base.m, base.at)
	}
	if base, full, ok := ps.baseline(now, 5*time.Minute); ok && full {
		f.Last5Minutes = eval(&base.m, base.at)
	}
	return f
}

// round keeps a flow readable: 3 decimals, or 3 significant digits for
// small values.
func round(v float64) float64 {
	if v == 0 {
		return 0
	}
	scale := 1000.0
	if a := math.Abs(v); a < 1 {
		scale = math.Pow(10, 3-math.Ceil(math.Log10(a)))
	}
	return math.Round(v*scale) / scale
}

func perSecond(n int64, dt time.Duration) float64 { return float64(n) / dt.Seconds() }

// Pipeline flows.
var (
	inputThroughput = func(a, b *pipeline.Metrics, dt time.Duration) (float64, bool) {
		return perSecond(b.In-a.In, dt), true
	}
	filterThroughput = func(a, b *pipeline.Metrics, dt time.Duration) (float64, bool) {
		return perSecond(b.Filtered-a.Filtered, dt), true
	}
	outputThroughput = func(a, b *pipeline.Metrics, dt time.Duration) (float64, bool) {
		return perSecond(b.Out-a.Out, dt), true
	}
	// queueBackpressure: seconds inputs spent blocked on the queue per
	// second (summed over inputs).
	queueBackpressure = func(a, b *pipeline.Metrics, dt time.Duration) (float64, bool) {
		return float64(b.QueuePushDuration-a.QueuePushDuration) / float64(dt), true
	}
	// workerConcurrency: how many workers were busy on average.
	workerConcurrency = func(a, b *pipeline.Metrics, dt time.Duration) (float64, bool) {
		return float64(b.Duration-a.Duration) / float64(dt), true
	}
	// workerUtilization: busy workers as a percentage of all workers.
	workerUtilization = func(a, b *pipeline.Metrics, dt time.Duration) (float64, bool) {
		if b.Workers <= 0 {
			return 0, false
		}
		return 100 * float64(b.Duration-a.Duration) / float64(dt) / float64(b.Workers), true
	}
)

// pluginKind selects a plugin list in Metrics.
type pluginKind int

const (
	kindInput pluginKind = iota
	kindFilter
	kindOutput
)

func plugins(m *pipeline.Metrics, k pluginKind) []pipeline.PluginMetrics {
	switch k {
	case kindInput:
		return m.Inputs
	case kindFilter:
		return m.Filters
	default:
		return m.Outputs
	}
}

// pluginAt returns plugin i of kind k, or zero counters when a has none
// (the lifetime baseline).
func pluginAt(m *pipeline.Metrics, k pluginKind, i int) pipeline.PluginMetrics {
	l := plugins(m, k)
	if i < len(l) {
		return l[i]
	}
	return pipeline.PluginMetrics{}
}

// Plugin flows: inputs' throughput; filters' and outputs'
// worker_utilization and worker_millis_per_event.
func pluginThroughput(k pluginKind, i int) flowFn {
	return func(a, b *pipeline.Metrics, dt time.Duration) (float64, bool) {
		return perSecond(pluginAt(b, k, i).Out-pluginAt(a, k, i).Out, dt), true
	}
}

func pluginWorkerUtilization(k pluginKind, i int) flowFn {
	return func(a, b *pipeline.Metrics, dt time.Duration) (float64, bool) {
		if b.Workers <= 0 {
			return 0, false
		}
		d := pluginAt(b, k, i).Duration - pluginAt(a, k, i).Duration
		return 100 * float64(d) / float64(dt) / float64(b.Workers), true
	}
}

func pluginMillisPerEvent(k pluginKind, i int) flowFn {
	return func(a, b *pipeline.Metrics, _ time.Duration) (float64, bool) {
		pa, pb := pluginAt(a, k, i), pluginAt(b, k, i)
		n := pb.In - pa.In
		if n <= 0 {
			return 0, false
		}
		return float64(pb.Duration-pa.Duration) / float64(time.Millisecond) / float64(n), true
	}
}
