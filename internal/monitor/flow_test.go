package monitor

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/pipeline"
)

const running = pipeline.StateRunning

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// snap makes a pipeline's snapshot at t0 with history: samples
// every 10 s since start, with counters growing linearly to cur.
func snap(cur pipeline.Metrics, history time.Duration) pipeSnap {
	cur.StartedAt = t0.Add(-history)
	ps := pipeSnap{id: "main", cur: cur}
	for at := cur.StartedAt; at.Before(t0); at = at.Add(10 * time.Second) {
		f := float64(at.Sub(cur.StartedAt)) / float64(history)
		m := cur
		m.In = int64(f * float64(cur.In))
		m.Out = int64(f * float64(cur.Out))
		m.Duration = time.Duration(f * float64(cur.Duration))
		m.QueuePushDuration = time.Duration(f * float64(cur.QueuePushDuration))
		ps.samples = append(ps.samples, sample{at: at, m: m})
	}
	return ps
}

func TestFlows(t *testing.T) {
	// 6 minutes at 1000 events/s in, 2 workers busy 50% of the time.
	ps := snap(pipeline.Metrics{State: running, Workers: 2, In: 360000, Out: 360000, Duration: 6 * time.Minute}, 6*time.Minute)
	in := ps.flow(t0, inputThroughput)
	for name, v := range map[string]*float64{"current": in.Current, "lifetime": in.Lifetime, "1m": in.Last1Minute, "5m": in.Last5Minutes} {
		if v == nil || *v != 1000 {
			t.Errorf("input_throughput %s = %v, want 1000", name, v)
		}
	}
	if wc := ps.flow(t0, workerConcurrency); *wc.Current != 1 {
		t.Errorf("worker_concurrency = %v, want 1", *wc.Current)
	}
	if wu := ps.flow(t0, workerUtilization); *wu.Lifetime != 50 {
		t.Errorf("worker_utilization = %v, want 50", *wu.Lifetime)
	}

	// 30 s of history: no 1- or 5-minute windows yet.
	young := snap(pipeline.Metrics{State: running, Workers: 1, In: 300}, 30*time.Second)
	f := young.flow(t0, inputThroughput)
	if f.Last1Minute != nil || f.Last5Minutes != nil || *f.Current != 10 || *f.Lifetime != 10 {
		t.Errorf("young flow = %+v", f)
	}
	// No events: worker_millis_per_event is undefined, not 0 or NaN.
	if v := young.flow(t0, pluginMillisPerEvent(kindFilter, 0)); v.Current != nil || v.Lifetime != nil {
		t.Errorf("millis per event without events = %+v", v)
	}
}

func TestRound(t *testing.T) {
	for in, want := range map[float64]float64{1234.56789: 1234.568, 0.000123456: 0.000123, 0: 0, -2.5: -2.5} {
		if got := round(in); got != want {
			t.Errorf("round(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestHealth(t *testing.T) {
	tests := []struct {
		name   string
		ps     pipeSnap
		status string
		diag   string
	}{
		{"idle", snap(pipeline.Metrics{State: running, Workers: 2, In: 10}, 6*time.Minute), "green", ""},
		{"loading", snap(pipeline.Metrics{Workers: 2, State: pipeline.StateLoading}, time.Minute), "yellow", "sluice:health:pipeline:loading"},
		{"finished", snap(pipeline.Metrics{Workers: 2, State: pipeline.StateFinished}, time.Minute), "yellow", "sluice:health:pipeline:finished"},
		{"terminated", snap(pipeline.Metrics{Workers: 2, State: pipeline.StateTerminated}, time.Minute), "red", "sluice:health:pipeline:terminated"},
		// 2 workers busy 96% of 6 minutes.
		{"saturated", snap(pipeline.Metrics{State: running, Workers: 2, Duration: time.Duration(0.96 * float64(12*time.Minute))}, 6*time.Minute), "yellow", "sluice:health:pipeline:worker_utilization:warning"},
		{"saturated for 5 minutes", snap(pipeline.Metrics{State: running, Workers: 2, Duration: 12 * time.Minute}, 6*time.Minute), "red", "sluice:health:pipeline:worker_utilization:critical"},
		// One input blocked 80% of the time.
		{"backpressure", snap(pipeline.Metrics{State: running, Workers: 2, QueuePushDuration: time.Duration(0.8 * float64(6*time.Minute))}, 6*time.Minute), "yellow", "sluice:health:pipeline:queue_backpressure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(Node{}, quiet())
			s := snapshot{at: t0, pipelines: []pipeSnap{tt.ps}}
			h := m.health(&s)
			pi := h.Indicators["pipelines"].Indicators["main"]
			if h.Status != tt.status || pi.Status != tt.status {
				t.Errorf("status %s / %s, want %s: %+v", h.Status, pi.Status, tt.status, pi)
			}
			if tt.diag == "" && len(pi.Diagnosis) != 0 || tt.diag != "" && (len(pi.Diagnosis) == 0 || pi.Diagnosis[0].ID != tt.diag) {
				t.Errorf("diagnosis = %+v, want %q", pi.Diagnosis, tt.diag)
			}
			if pi.Details.Status.State != tt.ps.cur.State.String() {
				t.Errorf("details.status.state = %q", pi.Details.Status.State)
			}
		})
	}
}

func TestHealthWorstOfPipelines(t *testing.T) {
	m := New(Node{}, quiet())
	a := snap(pipeline.Metrics{State: running, Workers: 1}, time.Minute)
	b := snap(pipeline.Metrics{Workers: 1, State: pipeline.StateTerminated}, time.Minute)
	b.id = "other"
	s := snapshot{at: t0, pipelines: []pipeSnap{a, b}}
	h := m.health(&s)
	if h.Status != "red" {
		t.Errorf("status = %s, want red", h.Status)
	}
	if got, want := h.Indicators["pipelines"].Symptom, "1 indicator is unhealthy (`other`), 1 indicator is healthy (`main`)"; got != want {
		t.Errorf("symptom = %q, want %q", got, want)
	}
	if h := m.health(&snapshot{at: t0}); h.Status != "unknown" {
		t.Errorf("no pipelines: status %s, want unknown", h.Status)
	}
}

func TestHealthReportsDownPipelines(t *testing.T) {
	m := New(Node{}, nil)
	m.now = func() time.Time { return t0 }
	s := snapshot{at: t0, pipelines: []pipeSnap{snap(pipeline.Metrics{State: running, Workers: 1}, time.Minute)},
		down: map[string]Down{"beats": {Error: "listen tcp 127.0.0.1:5044: address already in use", Attempts: 3, NextRetry: t0.Add(8 * time.Second)}}}
	h := m.health(&s)
	if h.Status != "red" {
		t.Fatalf("status = %q, want red", h.Status)
	}
	pi, ok := h.Indicators["pipelines"].Indicators["beats"]
	if !ok || pi.Status != "red" || pi.Details.Status.State != "DOWN" {
		t.Fatalf("down pipeline's indicator = %+v (present %v)", pi, ok)
	}
	if len(pi.Diagnosis) != 1 || !strings.Contains(pi.Diagnosis[0].Cause, "address already in use") ||
		!strings.Contains(pi.Diagnosis[0].Cause, "3 start attempts") || !strings.Contains(pi.Diagnosis[0].Cause, "in 8s") {
		t.Fatalf("diagnosis = %+v", pi.Diagnosis)
	}
	if got, want := h.Indicators["pipelines"].Symptom, "1 indicator is unhealthy (`beats`), 1 indicator is healthy (`main`)"; got != want {
		t.Fatalf("symptom = %q, want %q", got, want)
	}
}
