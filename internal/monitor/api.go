package monitor

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/sluicelog/sluice/pipeline"
)

// The JSON of the node APIs. Field names and nesting are Logstash's
// (https://www.elastic.co/guide/en/logstash/current/monitoring-logstash.html);
// there is no "jvm" object, and "process" carries resident_in_bytes.

type nodeJSON struct {
	Host        string       `json:"host"`
	Version     string       `json:"version"`
	HTTPAddress string       `json:"http_address"`
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	EphemeralID string       `json:"ephemeral_id"`
	Status      string       `json:"status"`
	Snapshot    bool         `json:"snapshot"`
	Pipeline    pipelineJSON `json:"pipeline"`
}

type pipelineJSON struct {
	Workers    int   `json:"workers"`
	BatchSize  int   `json:"batch_size"`
	BatchDelay int64 `json:"batch_delay"` // milliseconds
}

type eventsJSON struct {
	In                        int64 `json:"in"`
	Filtered                  int64 `json:"filtered"`
	Out                       int64 `json:"out"`
	DurationInMillis          int64 `json:"duration_in_millis"`
	QueuePushDurationInMillis int64 `json:"queue_push_duration_in_millis"`
}

type flowJSON struct {
	InputThroughput   flowValue  `json:"input_throughput"`
	FilterThroughput  flowValue  `json:"filter_throughput"`
	OutputThroughput  flowValue  `json:"output_throughput"`
	QueueBackpressure flowValue  `json:"queue_backpressure"`
	WorkerConcurrency flowValue  `json:"worker_concurrency"`
	WorkerUtilization *flowValue `json:"worker_utilization,omitempty"`
}

type pluginEventsJSON struct {
	In                        *int64 `json:"in,omitempty"`
	Out                       int64  `json:"out"`
	DurationInMillis          *int64 `json:"duration_in_millis,omitempty"`
	QueuePushDurationInMillis *int64 `json:"queue_push_duration_in_millis,omitempty"`
}

type pluginJSON struct {
	ID     string               `json:"id"`
	Name   string               `json:"name"`
	Events pluginEventsJSON     `json:"events"`
	Flow   map[string]flowValue `json:"flow"`
}

type pluginsJSON struct {
	Inputs  []pluginJSON `json:"inputs"`
	Codecs  []pluginJSON `json:"codecs"`
	Filters []pluginJSON `json:"filters"`
	Outputs []pluginJSON `json:"outputs"`
}

type reloadErrorJSON struct {
	Message string `json:"message"`
}

type reloadsJSON struct {
	LastError            *reloadErrorJSON `json:"last_error"`
	Successes            int64            `json:"successes"`
	LastSuccessTimestamp *string          `json:"last_success_timestamp"`
	LastFailureTimestamp *string          `json:"last_failure_timestamp"`
	Failures             int64            `json:"failures"`
}

type queueCapacityJSON struct {
	MaxUnreadEvents     int64 `json:"max_unread_events"`
	MaxQueueSizeInBytes int64 `json:"max_queue_size_in_bytes"`
	QueueSizeInBytes    int64 `json:"queue_size_in_bytes"`
}

type queueJSON struct {
	Type                string             `json:"type"`
	EventsCount         int64              `json:"events_count"`
	QueueSizeInBytes    int64              `json:"queue_size_in_bytes"`
	MaxQueueSizeInBytes int64              `json:"max_queue_size_in_bytes"`
	Capacity            *queueCapacityJSON `json:"capacity,omitempty"`
}

type pipelineStatsJSON struct {
	Events      eventsJSON  `json:"events"`
	Flow        flowJSON    `json:"flow"`
	Plugins     pluginsJSON `json:"plugins"`
	Reloads     reloadsJSON `json:"reloads"`
	Queue       queueJSON   `json:"queue"`
	Hash        string      `json:"hash"`
	EphemeralID string      `json:"ephemeral_id"`
	State       string      `json:"state"`
	// DeadLetterQueue is present when the pipeline's DLQ is enabled.
	DeadLetterQueue *dlqJSON `json:"dead_letter_queue,omitempty"`
}

// dlqJSON is pipelines.<id>.dead_letter_queue, with Logstash's names.
type dlqJSON struct {
	QueueSizeInBytes    int64   `json:"queue_size_in_bytes"`
	MaxQueueSizeInBytes int64   `json:"max_queue_size_in_bytes"`
	DroppedEvents       int64   `json:"dropped_events"`
	ExpiredEvents       int64   `json:"expired_events"`
	StoragePolicy       string  `json:"storage_policy"`
	LastError           *string `json:"last_error,omitempty"`
	// WrittenEvents is Sluice's: events written since start.
	WrittenEvents int64 `json:"written_events"`
}

type statsJSON struct {
	nodeJSON
	Process   *processJSON                  `json:"process,omitempty"`
	Events    *eventsJSON                   `json:"events,omitempty"`
	Flow      *flowJSON                     `json:"flow,omitempty"`
	Pipelines map[string]*pipelineStatsJSON `json:"pipelines,omitempty"`
	Reloads   *struct {
		Successes int64 `json:"successes"`
		Failures  int64 `json:"failures"`
	} `json:"reloads,omitempty"`
	Queue *struct {
		EventsCount int64 `json:"events_count"`
	} `json:"queue,omitempty"`
}

type pipelineInfoJSON struct {
	EphemeralID            string `json:"ephemeral_id"`
	Hash                   string `json:"hash"`
	Workers                int    `json:"workers"`
	BatchSize              int    `json:"batch_size"`
	BatchDelay             int64  `json:"batch_delay"`
	ConfigReloadAutomatic  bool   `json:"config_reload_automatic"`
	ConfigReloadInterval   int64  `json:"config_reload_interval"` // nanoseconds, as Logstash
	DeadLetterQueueEnabled bool   `json:"dead_letter_queue_enabled"`
}

type nodeInfoJSON struct {
	nodeJSON
	Pipelines map[string]pipelineInfoJSON `json:"pipelines"`
}

func millis(d time.Duration) int64 { return d.Milliseconds() }

func (m *Monitor) node(s *snapshot) nodeJSON {
	m.mu.Lock()
	addr := m.httpAddr
	m.mu.Unlock()
	return nodeJSON{
		Host: m.info.Host, Version: m.info.Version, HTTPAddress: addr, ID: m.info.ID, Name: m.info.Name,
		EphemeralID: m.ephemeralID, Status: m.health(s).Status,
		Pipeline: pipelineJSON{Workers: m.info.Workers, BatchSize: m.info.BatchSize, BatchDelay: millis(m.info.BatchDelay)},
	}
}

func events(pm *pipeline.Metrics) eventsJSON {
	return eventsJSON{In: pm.In, Filtered: pm.Filtered, Out: pm.Out,
		DurationInMillis: millis(pm.Duration), QueuePushDurationInMillis: millis(pm.QueuePushDuration)}
}

func (ps *pipeSnap) flows(now time.Time) flowJSON {
	wu := ps.flow(now, workerUtilization)
	return flowJSON{
		InputThroughput: ps.flow(now, inputThroughput), FilterThroughput: ps.flow(now, filterThroughput),
		OutputThroughput: ps.flow(now, outputThroughput), QueueBackpressure: ps.flow(now, queueBackpressure),
		WorkerConcurrency: ps.flow(now, workerConcurrency), WorkerUtilization: &wu,
	}
}

func (ps *pipeSnap) pluginList(now time.Time, k pluginKind) []pluginJSON {
	out := []pluginJSON{}
	for i, pl := range plugins(&ps.cur, k) {
		j := pluginJSON{ID: pl.ID, Name: pl.Name, Events: pluginEventsJSON{Out: pl.Out}, Flow: map[string]flowValue{}}
		if k == kindInput {
			qp := millis(pl.QueuePushDuration)
			j.Events.QueuePushDurationInMillis = &qp
			j.Flow["throughput"] = ps.flow(now, pluginThroughput(k, i))
		} else {
			in, d := pl.In, millis(pl.Duration)
			j.Events.In, j.Events.DurationInMillis = &in, &d
			j.Flow["worker_utilization"] = ps.flow(now, pluginWorkerUtilization(k, i))
			j.Flow["worker_millis_per_event"] = ps.flow(now, pluginMillisPerEvent(k, i))
		}
		out = append(out, j)
	}
	return out
}

func timestamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

func (ps *pipeSnap) stats(now time.Time) *pipelineStatsJSON {
	q := ps.cur.Queue
	qj := queueJSON{Type: q.Type, EventsCount: q.Events, QueueSizeInBytes: q.Bytes, MaxQueueSizeInBytes: q.MaxBytes}
	if q.Type == "persisted" {
		qj.Capacity = &queueCapacityJSON{MaxUnreadEvents: q.MaxEvents, MaxQueueSizeInBytes: q.MaxBytes, QueueSizeInBytes: q.Bytes}
	}
	r := reloadsJSON{Successes: ps.reloads.Successes, Failures: ps.reloads.Failures,
		LastSuccessTimestamp: timestamp(ps.reloads.LastSuccess), LastFailureTimestamp: timestamp(ps.reloads.LastFailure)}
	if ps.reloads.LastError != "" {
		r.LastError = &reloadErrorJSON{Message: ps.reloads.LastError}
	}
	var dj *dlqJSON
	if d := ps.dlq; d != nil {
		dj = &dlqJSON{QueueSizeInBytes: d.QueueSizeBytes, MaxQueueSizeInBytes: d.MaxBytes, DroppedEvents: d.Dropped,
			ExpiredEvents: d.Expired, StoragePolicy: d.StoragePolicy, WrittenEvents: d.Written}
		if d.LastError != "" {
			le := d.LastError
			dj.LastError = &le
		}
	}
	return &pipelineStatsJSON{
		DeadLetterQueue: dj,
		Events:          events(&ps.cur), Flow: ps.flows(now),
		Plugins: pluginsJSON{
			Inputs: ps.pluginList(now, kindInput), Codecs: []pluginJSON{},
			Filters: ps.pluginList(now, kindFilter), Outputs: ps.pluginList(now, kindOutput),
		},
		Reloads: r, Queue: qj, Hash: ps.opts.ConfigHash, EphemeralID: ps.ephemera, State: ps.cur.State.String(),
	}
}

// sumFlow adds flow values over pipelines (the node's flow).
func sumFlow(dst *flowValue, v flowValue) {
	add := func(d **float64, x *float64) {
		if x == nil {
			return
		}
		if *d == nil {
			*d = new(float64)
		}
		**d = round(**d + *x)
	}
	add(&dst.Current, v.Current)
	add(&dst.Lifetime, v.Lifetime)
	add(&dst.Last1Minute, v.Last1Minute)
	add(&dst.Last5Minutes, v.Last5Minutes)
}

// stats builds /_node/stats; only selects which objects (all when empty).
func (m *Monitor) stats(s *snapshot, only map[string]bool, pipelineID string) statsJSON {
	want := func(k string) bool { return len(only) == 0 || only[k] }
	out := statsJSON{nodeJSON: m.node(s)}
	if want("process") {
		m.mu.Lock()
		p := m.process.stats()
		m.mu.Unlock()
		out.Process = &p
	}
	var ev eventsJSON
	var fl flowJSON
	var succ, fail, queued int64
	pipes := map[string]*pipelineStatsJSON{}
	for i := range s.pipelines {
		ps := &s.pipelines[i]
		st := ps.stats(s.at)
		ev.In += st.Events.In
		ev.Filtered += st.Events.Filtered
		ev.Out += st.Events.Out
		ev.DurationInMillis += st.Events.DurationInMillis
		ev.QueuePushDurationInMillis += st.Events.QueuePushDurationInMillis
		sumFlow(&fl.InputThroughput, st.Flow.InputThroughput)
		sumFlow(&fl.FilterThroughput, st.Flow.FilterThroughput)
		sumFlow(&fl.OutputThroughput, st.Flow.OutputThroughput)
		sumFlow(&fl.QueueBackpressure, st.Flow.QueueBackpressure)
		sumFlow(&fl.WorkerConcurrency, st.Flow.WorkerConcurrency)
		succ += ps.reloads.Successes
		fail += ps.reloads.Failures
		queued += st.Queue.EventsCount
		if pipelineID == "" || pipelineID == ps.id {
			pipes[ps.id] = st
		}
	}
	if want("events") {
		out.Events = &ev
	}
	if want("flow") {
		out.Flow = &fl
	}
	if want("pipelines") {
		out.Pipelines = pipes
	}
	if want("reloads") {
		out.Reloads = &struct {
			Successes int64 `json:"successes"`
			Failures  int64 `json:"failures"`
		}{succ, fail}
	}
	if want("queue") {
		out.Queue = &struct {
			EventsCount int64 `json:"events_count"`
		}{queued}
	}
	return out
}

func (m *Monitor) pipelineInfo(s *snapshot, id string) map[string]pipelineInfoJSON {
	out := map[string]pipelineInfoJSON{}
	for _, ps := range s.pipelines {
		if id != "" && id != ps.id {
			continue
		}
		out[ps.id] = pipelineInfoJSON{
			EphemeralID: ps.ephemera, Hash: ps.opts.ConfigHash, Workers: ps.cur.Workers, BatchSize: ps.cur.BatchSize,
			BatchDelay: millis(ps.cur.BatchDelay), ConfigReloadAutomatic: ps.opts.ReloadAutomatic,
			ConfigReloadInterval: int64(ps.opts.ReloadInterval), DeadLetterQueueEnabled: ps.opts.DeadLetterQueue,
		}
	}
	return out
}

func (s *snapshot) has(id string) bool {
	for _, ps := range s.pipelines {
		if ps.id == id {
			return true
		}
	}
	return false
}

// statsTypes are the objects /_node/stats/<types> selects, as Logstash's
// (jvm and os are accepted and have nothing to show).
var statsTypes = map[string]bool{"events": true, "flow": true, "pipelines": true, "process": true,
	"reloads": true, "queue": true, "jvm": true, "os": true}

// Handler serves the monitoring API and /metrics.
func (m *Monitor) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := m.snapshot()
		writeJSON(w, r, http.StatusOK, m.node(&s))
	})
	mux.HandleFunc("GET /_node", func(w http.ResponseWriter, r *http.Request) {
		s := m.snapshot()
		writeJSON(w, r, http.StatusOK, nodeInfoJSON{nodeJSON: m.node(&s), Pipelines: m.pipelineInfo(&s, "")})
	})
	mux.HandleFunc("GET /_node/pipelines", func(w http.ResponseWriter, r *http.Request) {
		s := m.snapshot()
		writeJSON(w, r, http.StatusOK, nodeInfoJSON{nodeJSON: m.node(&s), Pipelines: m.pipelineInfo(&s, "")})
	})
	mux.HandleFunc("GET /_node/pipelines/{id}", func(w http.ResponseWriter, r *http.Request) {
		s := m.snapshot()
		id := r.PathValue("id")
		if !s.has(id) {
			notFound(w, r, "pipeline "+id+" not found")
			return
		}
		writeJSON(w, r, http.StatusOK, nodeInfoJSON{nodeJSON: m.node(&s), Pipelines: m.pipelineInfo(&s, id)})
	})
	mux.HandleFunc("GET /_node/stats", func(w http.ResponseWriter, r *http.Request) {
		s := m.snapshot()
		writeJSON(w, r, http.StatusOK, m.stats(&s, nil, ""))
	})
	mux.HandleFunc("GET /_node/stats/{types}", func(w http.ResponseWriter, r *http.Request) {
		only := map[string]bool{}
		for _, t := range strings.Split(r.PathValue("types"), ",") {
			if !statsTypes[t] {
				notFound(w, r, "unknown stats type "+t)
				return
			}
			only[t] = true
		}
		s := m.snapshot()
		writeJSON(w, r, http.StatusOK, m.stats(&s, only, ""))
	})
	mux.HandleFunc("GET /_node/stats/pipelines/{id}", func(w http.ResponseWriter, r *http.Request) {
		s := m.snapshot()
		id := r.PathValue("id")
		if !s.has(id) {
			notFound(w, r, "pipeline "+id+" not found")
			return
		}
		writeJSON(w, r, http.StatusOK, m.stats(&s, map[string]bool{"pipelines": true}, id))
	})
	mux.HandleFunc("GET /_health_report", func(w http.ResponseWriter, r *http.Request) {
		s := m.snapshot()
		writeJSON(w, r, http.StatusOK, healthReportJSON{nodeJSON: m.node(&s), Indicators: m.health(&s).Indicators})
	})
	mux.Handle("GET /metrics", m.metricsHandler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeJSON(w, r, http.StatusMethodNotAllowed, errorJSON{Path: r.URL.Path, Status: http.StatusMethodNotAllowed,
				Error: reloadErrorJSON{Message: "only GET is supported"}})
			return
		}
		notFound(w, r, "no such API: "+r.URL.Path)
	})
	return mux
}

type errorJSON struct {
	Path   string          `json:"path"`
	Status int             `json:"status"`
	Error  reloadErrorJSON `json:"error"`
}

func notFound(w http.ResponseWriter, r *http.Request, msg string) {
	writeJSON(w, r, http.StatusNotFound, errorJSON{Path: r.URL.Path, Status: http.StatusNotFound, Error: reloadErrorJSON{Message: msg}})
}

// writeJSON writes v, indented when the request has ?pretty (or
// ?pretty=true).
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	q := r.URL.Query()
	pretty := q.Has("pretty") && q.Get("pretty") != "false"
	var b []byte
	var err error
	if pretty {
		b, err = json.MarshalIndent(v, "", "  ")
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		http.Error(w, "BUG: encoding the answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
