// Package monitor is Sluice's monitoring API: Logstash's node APIs (GET /,
// /_node/stats, /_node/pipelines, /_health_report) with Logstash's field
// names, so existing dashboards and scripts work, and /metrics in the
// Prometheus text format. It reads the engine's counters
// (pipeline.Metrics) and derives the flow rates from periodic samples.
package monitor

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sluicelog/sluice/pipeline"
	"github.com/sluicelog/sluice/queue/dlq"
)

// Node describes this Sluice process, as the root of every API answer.
type Node struct {
	// ID is the node's persistent id (see NodeID).
	ID string
	// Name is node.name (default: the host name).
	Name string
	// Host is the host name.
	Host string
	// Version is Sluice's version.
	Version string
	// Workers, BatchSize and BatchDelay are the node's pipeline defaults
	// (the "pipeline" object of every answer).
	Workers, BatchSize int
	BatchDelay         time.Duration
}

// Monitor keeps the pipelines being monitored, their reload history and
// the samples flow rates are computed from. Its methods are safe for
// concurrent use.
type Monitor struct {
	info        Node
	ephemeralID string
	log         *slog.Logger
	now         func() time.Time
	interval    time.Duration

	mu        sync.Mutex
	pipelines map[string]*entry
	// kept holds the reload counts of pipelines stopped by a reload, for
	// the pipeline that replaces them.
	kept     map[string]ReloadStats
	process  processSampler
	httpAddr string
	// down lists the pipelines that should run but do not (a reload
	// left them down and they are being retried); nil: none are known.
	down func() map[string]Down
}

// Down is a pipeline that should run but is not running: its last start
// failed and another attempt is scheduled.
type Down struct {
	Error     string    // why the last start failed
	Attempts  int64     // failed start attempts so far
	NextRetry time.Time // when the next attempt is due
}

// SetDownSource makes the health report include the pipelines f returns
// as down (red). f is called without the Monitor's lock held.
func (m *Monitor) SetDownSource(f func() map[string]Down) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.down = f
}

// PipelineOptions are a pipeline's settings the API reports beside its
// engine settings.
type PipelineOptions struct {
	ReloadAutomatic bool
	ReloadInterval  time.Duration
	DeadLetterQueue bool
	ConfigHash      string
}

type entry struct {
	p        *pipeline.Pipeline
	opts     PipelineOptions
	reloads  ReloadStats
	samples  []sample // oldest first, at most maxSamples
	ephemera string
}

// ReloadStats count a pipeline's configuration reloads.
type ReloadStats struct {
	Successes, Failures int64
	LastError           string
	LastSuccess         time.Time
	LastFailure         time.Time
}

// A sample is a pipeline's counters at one instant.
type sample struct {
	at time.Time
	m  pipeline.Metrics
}

// Sampling: one sample per interval, kept for the longest flow window.
const (
	defaultInterval = time.Second
	currentWindow   = 10 * time.Second // Logstash's "current" flow window
	longestWindow   = 5 * time.Minute
)

// New returns a Monitor for node. Call Run to take the samples the flow
// rates and the health report need.
func New(node Node, log *slog.Logger) *Monitor {
	if log == nil {
		log = slog.Default()
	}
	return &Monitor{
		info: node, ephemeralID: newUUID(), log: log, now: time.Now, interval: defaultInterval,
		pipelines: map[string]*entry{}, kept: map[string]ReloadStats{},
	}
}

// AddPipeline starts monitoring p (replacing a pipeline with the same id,
// as a reload does; its reload counts are kept).
func (m *Monitor) AddPipeline(p *pipeline.Pipeline, opts PipelineOptions) {
	id := p.Settings().ID
	m.mu.Lock()
	defer m.mu.Unlock()
	e := &entry{p: p, opts: opts, ephemera: newUUID()}
	if old, ok := m.pipelines[id]; ok {
		e.reloads = old.reloads
	} else if st, ok := m.kept[id]; ok {
		e.reloads = st
	}
	delete(m.kept, id)
	m.pipelines[id] = e
}

// RemovePipeline stops monitoring a pipeline. Its reload counts are kept
// for a pipeline added later with the same id (a reload stops the old
// pipeline before it starts the new one).
func (m *Monitor) RemovePipeline(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.pipelines[id]; ok {
		m.kept[id] = e.reloads
	}
	delete(m.pipelines, id)
}

// RemovePipelineIf removes pipeline id only while it is p (a late
// notice about a replaced pipeline must not remove its successor).
func (m *Monitor) RemovePipelineIf(id string, p *pipeline.Pipeline) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.pipelines[id]; ok && e.p == p {
		m.kept[id] = e.reloads
		delete(m.pipelines, id)
	}
}

// ReloadSucceeded records a successful configuration reload of pipeline id.
func (m *Monitor) ReloadSucceeded(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.pipelines[id]; ok {
		e.reloads.Successes++
		e.reloads.LastSuccess = m.now()
	} else {
		st := m.kept[id]
		st.Successes++
		st.LastSuccess = m.now()
		m.kept[id] = st
	}
}

// ReloadFailed records a failed configuration reload of pipeline id.
func (m *Monitor) ReloadFailed(id string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.pipelines[id]; ok {
		e.reloads.Failures++
		e.reloads.LastFailure = m.now()
		e.reloads.LastError = err.Error()
	} else {
		st := m.kept[id]
		st.Failures++
		st.LastFailure = m.now()
		st.LastError = err.Error()
		m.kept[id] = st
	}
}

// Run samples the pipelines every second until stop is closed.
func (m *Monitor) Run(stop <-chan struct{}) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	m.Sample()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			m.Sample()
		}
	}
}

// Sample records every pipeline's counters now (Run calls it each
// second; tests call it directly).
func (m *Monitor) Sample() {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	max := int(longestWindow/m.interval) + 2
	for _, e := range m.pipelines {
		e.samples = append(e.samples, sample{at: now, m: e.p.Metrics()})
		if len(e.samples) > max {
			e.samples = append(e.samples[:0], e.samples[len(e.samples)-max:]...)
		}
	}
	m.process.sample(now)
}

// snapshot is what one API answer is built from: every pipeline's
// counters now and its history, taken under the lock.
type snapshot struct {
	at        time.Time
	pipelines []pipeSnap // sorted by id
	// down are the pipelines that should run but do not, by id; none of
	// them is in pipelines.
	down map[string]Down
}

type pipeSnap struct {
	id       string
	cur      pipeline.Metrics
	samples  []sample
	opts     PipelineOptions
	reloads  ReloadStats
	ephemera string
	// dlq is the dead letter queue's counters; nil when it is disabled.
	dlq *dlq.Stats
}

// dlqStats reads the counters of p's dead letter queue, if it has one.
func dlqStats(p *pipeline.Pipeline) *dlq.Stats {
	q, ok := p.Settings().DeadLetter.(interface{ Stats() dlq.Stats })
	if !ok {
		return nil
	}
	st := q.Stats()
	return &st
}

func (m *Monitor) snapshot() snapshot {
	m.mu.Lock()
	downf := m.down
	m.mu.Unlock()
	var down map[string]Down
	if downf != nil {
		down = downf()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := snapshot{at: m.now()}
	for id, d := range down {
		if _, ok := m.pipelines[id]; ok {
			continue // it started meanwhile
		}
		if s.down == nil {
			s.down = map[string]Down{}
		}
		s.down[id] = d
	}
	for id, e := range m.pipelines {
		s.pipelines = append(s.pipelines, pipeSnap{
			id: id, cur: e.p.Metrics(), samples: append([]sample(nil), e.samples...),
			opts: e.opts, reloads: e.reloads, ephemera: e.ephemera, dlq: dlqStats(e.p),
		})
	}
	sort.Slice(s.pipelines, func(i, j int) bool { return s.pipelines[i].id < s.pipelines[j].id })
	return s
}

// baseline returns the sample a flow over window compares against: the
// newest one at least window old, or the oldest there is. ok is false
// when the history does not cover the window (full is then false).
func (ps *pipeSnap) baseline(now time.Time, window time.Duration) (base sample, full, ok bool) {
	if len(ps.samples) == 0 {
		return sample{}, false, false
	}
	cut := now.Add(-window)
	for i := len(ps.samples) - 1; i >= 0; i-- {
		if !ps.samples[i].at.After(cut) {
			return ps.samples[i], true, true
		}
	}
	return ps.samples[0], false, true
}

// NodeID returns the node's persistent id: the uuid in dataDir/uuid,
// created on first use (as Logstash does). When dataDir does not exist
// (it is not created for this) or the file cannot be written, a new id is
// returned for this run only.
func NodeID(dataDir string) string {
	path := filepath.Join(dataDir, "uuid")
	if b, err := os.ReadFile(path); err == nil {
		if id := strings.TrimSpace(string(b)); id != "" {
			return id
		}
	}
	id := newUUID()
	if st, err := os.Stat(dataDir); err == nil && st.IsDir() {
		_ = os.WriteFile(path, []byte(id), 0o644)
	}
	return id
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:])
}
