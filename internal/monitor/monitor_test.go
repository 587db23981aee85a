package monitor

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/pipeline"
	_ "github.com/sluicelog/sluice/plugins/all"
	"github.com/sluicelog/sluice/queue/dlq"
)

// A pipeline with known counts through a conditional drop, a clone and
// conditional outputs: 100 events in ("keep"/"drop" alternating), 50
// dropped, 50 kept and cloned, 50 originals and 50 copies out.
const countedPipeline = `
input { generator { id => "gen" lines => ["keep", "drop"] count => 50 } }
filter {
  if [message] == "drop" { drop { id => "dropper" } }
  clone { id => "cloner" clones => ["copy"] }
}
output {
  if "copy" in [tags] { null { id => "copies" } } else { null { id => "originals" } }
}
`

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func runPipeline(t *testing.T, src string) *pipeline.Pipeline {
	t.Helper()
	cfg, err := config.ParseOptions{}.Parse("test", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(cfg, pipeline.Settings{ID: "main", Workers: 2, BatchSize: 8, BatchDelay: time.Millisecond, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("pipeline did not finish")
	}
	return p
}

func testMonitor(ps ...*pipeline.Pipeline) *Monitor {
	m := New(Node{ID: "node-id", Name: "node-name", Host: "host", Version: "1.2.3", Workers: 2, BatchSize: 8,
		BatchDelay: time.Millisecond}, quiet())
	for _, p := range ps {
		m.AddPipeline(p, PipelineOptions{ConfigHash: "abc"})
	}
	return m
}

func get(t *testing.T, h http.Handler, path string, wantStatus int) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != wantStatus {
		t.Fatalf("GET %s: status %d, want %d; body %s", path, rec.Code, wantStatus, rec.Body)
	}
	return rec.Body.Bytes()
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
}

// statsDoc is what a Logstash dashboard reads from /_node/stats.
type statsDoc struct {
	Host, Version, ID, Name, Status string
	HTTPAddress                     string `json:"http_address"`
	EphemeralID                     string `json:"ephemeral_id"`
	Pipeline                        struct {
		Workers    int `json:"workers"`
		BatchSize  int `json:"batch_size"`
		BatchDelay int `json:"batch_delay"`
	}
	Events  map[string]int64
	Flow    map[string]map[string]*float64
	Process struct {
		OpenFileDescriptors int64 `json:"open_file_descriptors"`
		MaxFileDescriptors  int64 `json:"max_file_descriptors"`
		Mem                 struct {
			ResidentInBytes int64 `json:"resident_in_bytes"`
		}
		CPU struct {
			TotalInMillis *int64 `json:"total_in_millis"`
		}
	}
	Pipelines map[string]struct {
		Events  map[string]int64
		Flow    map[string]map[string]*float64
		Plugins map[string][]struct {
			ID, Name string
			Events   map[string]int64
			Flow     map[string]map[string]*float64
		}
		Queue   map[string]any
		Reloads map[string]any
		State   string
	}
	Reloads map[string]int64
}

func TestNodeStatsCountsMatch(t *testing.T) {
	p := runPipeline(t, countedPipeline)
	m := testMonitor(p)
	m.Sample()
	var doc statsDoc
	decode(t, get(t, m.Handler(), "/_node/stats", 200), &doc)

	if doc.ID != "node-id" || doc.Name != "node-name" || doc.Host != "host" || doc.Version != "1.2.3" || doc.EphemeralID == "" {
		t.Errorf("node fields: %+v", doc)
	}
	if doc.Pipeline.Workers != 2 || doc.Pipeline.BatchSize != 8 || doc.Pipeline.BatchDelay != 1 {
		t.Errorf("pipeline = %+v", doc.Pipeline)
	}
	wantEvents := map[string]int64{"in": 100, "filtered": 100, "out": 100}
	for k, v := range wantEvents {
		if doc.Events[k] != v {
			t.Errorf("events.%s = %d, want %d", k, doc.Events[k], v)
		}
	}
	for _, k := range []string{"duration_in_millis", "queue_push_duration_in_millis"} {
		if _, ok := doc.Events[k]; !ok {
			t.Errorf("events.%s missing", k)
		}
	}
	for _, k := range []string{"input_throughput", "filter_throughput", "output_throughput", "queue_backpressure", "worker_concurrency"} {
		f, ok := doc.Flow[k]
		if !ok || f["current"] == nil || f["lifetime"] == nil {
			t.Errorf("flow.%s = %v, want current and lifetime", k, f)
		}
	}
	if *doc.Flow["input_throughput"]["lifetime"] <= 0 {
		t.Errorf("input_throughput lifetime = %v, want > 0", *doc.Flow["input_throughput"]["lifetime"])
	}
	if doc.Process.OpenFileDescriptors <= 0 || doc.Process.MaxFileDescriptors <= 0 || doc.Process.Mem.ResidentInBytes <= 0 || doc.Process.CPU.TotalInMillis == nil {
		t.Errorf("process = %+v", doc.Process)
	}

	main, ok := doc.Pipelines["main"]
	if !ok {
		t.Fatalf("pipelines = %v, want main", doc.Pipelines)
	}
	for k, v := range wantEvents {
		if main.Events[k] != v {
			t.Errorf("pipelines.main.events.%s = %d, want %d", k, main.Events[k], v)
		}
	}
	if main.State != "FINISHED" {
		t.Errorf("state = %q", main.State)
	}
	type counts struct {
		name    string
		in, out int64
	}
	want := map[string]map[string]counts{
		"inputs":  {"gen": {"generator", -1, 100}},
		"filters": {"dropper": {"drop", 50, 0}, "cloner": {"clone", 50, 50}},
		"outputs": {"copies": {"null", 50, 50}, "originals": {"null", 50, 50}},
	}
	for kind, plugins := range want {
		got := main.Plugins[kind]
		if len(got) != len(plugins) {
			t.Errorf("%s: %d plugins, want %d", kind, len(got), len(plugins))
		}
		for _, pl := range got {
			w, ok := plugins[pl.ID]
			if !ok {
				t.Errorf("%s: unexpected plugin %q", kind, pl.ID)
				continue
			}
			if pl.Name != w.name || pl.Events["out"] != w.out {
				t.Errorf("%s %s: name %q out %d, want %q %d", kind, pl.ID, pl.Name, pl.Events["out"], w.name, w.out)
			}
			if in, has := pl.Events["in"]; w.in >= 0 && (!has || in != w.in) {
				t.Errorf("%s %s: in %d (present %v), want %d", kind, pl.ID, in, has, w.in)
			}
			if kind == "inputs" {
				if _, has := pl.Events["queue_push_duration_in_millis"]; !has || pl.Flow["throughput"] == nil {
					t.Errorf("input %s: events %v flow %v", pl.ID, pl.Events, pl.Flow)
				}
			} else if _, has := pl.Events["duration_in_millis"]; !has || pl.Flow["worker_utilization"] == nil {
				t.Errorf("%s %s: events %v flow %v", kind, pl.ID, pl.Events, pl.Flow)
			}
		}
	}
	if main.Queue["type"] != "memory" || main.Queue["events_count"] != 0.0 || main.Queue["queue_size_in_bytes"] != 0.0 {
		t.Errorf("queue = %v", main.Queue)
	}
	if main.Reloads["successes"] != 0.0 || main.Reloads["failures"] != 0.0 || main.Reloads["last_error"] != nil {
		t.Errorf("reloads = %v", main.Reloads)
	}
	// A finished pipeline is yellow, as Logstash reports it.
	if doc.Status != "yellow" {
		t.Errorf("status = %q, want yellow", doc.Status)
	}
}

func TestEndpoints(t *testing.T) {
	p := runPipeline(t, countedPipeline)
	m := testMonitor(p)
	h := m.Handler()

	var root map[string]any
	decode(t, get(t, h, "/", 200), &root)
	for _, k := range []string{"host", "version", "http_address", "id", "name", "ephemeral_id", "status", "pipeline"} {
		if _, ok := root[k]; !ok {
			t.Errorf("GET / lacks %q: %v", k, root)
		}
	}
	if _, ok := root["events"]; ok {
		t.Errorf("GET / has events: %v", root)
	}

	var one statsDoc
	decode(t, get(t, h, "/_node/stats/pipelines/main", 200), &one)
	if len(one.Pipelines) != 1 || one.Pipelines["main"].Events["out"] != 100 || one.Events != nil {
		t.Errorf("/_node/stats/pipelines/main = %+v", one)
	}
	get(t, h, "/_node/stats/pipelines/nope", 404)
	get(t, h, "/_node/stats/nope", 404)
	get(t, h, "/nope", 404)

	var ev statsDoc
	decode(t, get(t, h, "/_node/stats/events,reloads", 200), &ev)
	if ev.Events["in"] != 100 || ev.Pipelines != nil || ev.Reloads == nil {
		t.Errorf("/_node/stats/events,reloads = %+v", ev)
	}

	var info struct {
		Pipelines map[string]map[string]any
	}
	decode(t, get(t, h, "/_node/pipelines", 200), &info)
	mp := info.Pipelines["main"]
	if mp["workers"] != 2.0 || mp["batch_size"] != 8.0 || mp["batch_delay"] != 1.0 || mp["hash"] != "abc" || mp["ephemeral_id"] == "" {
		t.Errorf("/_node/pipelines main = %v", mp)
	}

	pretty := get(t, h, "/_node/stats?pretty", 200)
	if !strings.Contains(string(pretty), "\n  \"host\": \"host\"") {
		t.Errorf("?pretty not indented: %.200s", pretty)
	}
	if plain := get(t, h, "/_node/stats", 200); strings.Count(string(plain), "\n") != 1 {
		t.Errorf("without ?pretty the answer should be one line")
	}
}

func TestReloadsReported(t *testing.T) {
	p := runPipeline(t, countedPipeline)
	m := testMonitor(p)
	m.ReloadFailed("main", io.ErrUnexpectedEOF)
	m.ReloadSucceeded("main")
	m.ReloadFailed("main", context.DeadlineExceeded)
	var doc statsDoc
	decode(t, get(t, m.Handler(), "/_node/stats", 200), &doc)
	r := doc.Pipelines["main"].Reloads
	if r["successes"] != 1.0 || r["failures"] != 2.0 || r["last_success_timestamp"] == nil || r["last_failure_timestamp"] == nil {
		t.Errorf("reloads = %v", r)
	}
	if le, _ := r["last_error"].(map[string]any); le["message"] != context.DeadlineExceeded.Error() {
		t.Errorf("last_error = %v", r["last_error"])
	}
	if doc.Reloads["successes"] != 1 || doc.Reloads["failures"] != 2 {
		t.Errorf("node reloads = %v", doc.Reloads)
	}
}

func TestPrometheusMetrics(t *testing.T) {
	p := runPipeline(t, countedPipeline)
	m := testMonitor(p)
	body := get(t, m.Handler(), "/metrics", 200)
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parsing /metrics: %v\n%s", err, body)
	}
	value := func(name string, labels map[string]string) (float64, bool) {
		f, ok := fams[name]
		if !ok {
			return 0, false
		}
	next:
		for _, mt := range f.Metric {
			got := map[string]string{}
			for _, l := range mt.Label {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			switch {
			case mt.Counter != nil:
				return mt.Counter.GetValue(), true
			case mt.Gauge != nil:
				return mt.Gauge.GetValue(), true
			}
		}
		return 0, false
	}
	pl := map[string]string{"pipeline": "main"}
	plug := func(kind, name, id string) map[string]string {
		return map[string]string{"pipeline": "main", "plugin_type": kind, "plugin": name, "id": id}
	}
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"sluice_events_in_total", pl, 100},
		{"sluice_events_filtered_total", pl, 100},
		{"sluice_events_out_total", pl, 100},
		{"sluice_plugin_events_out_total", plug("input", "generator", "gen"), 100},
		{"sluice_plugin_events_in_total", plug("filter", "drop", "dropper"), 50},
		{"sluice_plugin_events_out_total", plug("filter", "drop", "dropper"), 0},
		{"sluice_plugin_events_in_total", plug("filter", "clone", "cloner"), 50},
		{"sluice_plugin_events_out_total", plug("filter", "clone", "cloner"), 50},
		{"sluice_plugin_events_in_total", plug("output", "null", "copies"), 50},
		{"sluice_plugin_events_out_total", plug("output", "null", "originals"), 50},
		{"sluice_queue_events", map[string]string{"pipeline": "main", "type": "memory"}, 0},
		{"sluice_pipeline_workers", pl, 2},
		{"sluice_pipeline_up", pl, 0},
		{"sluice_pipeline_reloads_total", map[string]string{"pipeline": "main", "result": "failure"}, 0},
		{"sluice_build_info", map[string]string{"version": "1.2.3"}, 1},
	}
	for _, tt := range tests {
		got, ok := value(tt.name, tt.labels)
		if !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if f := fams["sluice_events_in_total"]; f == nil || f.GetType().String() != "COUNTER" {
		t.Errorf("sluice_events_in_total type: %v", f)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	for name := range fams {
		if !model.LegacyValidation.IsValidMetricName(name) {
			t.Errorf("invalid metric name %q", name)
		}
	}
}

func TestListenFallsBackWhenPortBusy(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	if port > 65500 {
		t.Skip("ephemeral port too close to the end of the range")
	}
	l, err := Listen("127.0.0.1", port, port+20)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	defer l.Close()
	if got := l.Addr().(*net.TCPAddr).Port; got <= port || got > port+20 {
		t.Errorf("listening on %d, want a port in %d-%d", got, port+1, port+20)
	}
	if _, err := Listen("127.0.0.1", port, port); err == nil || !strings.Contains(err.Error(), "port") {
		t.Errorf("Listen on the busy port alone: err = %v, want an error", err)
	}
}

func TestServeReportsAddress(t *testing.T) {
	m := testMonitor()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx, l) }()
	resp, err := http.Get("http://" + l.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	decode(t, b, &root)
	if root["http_address"] != l.Addr().String() || root["status"] != "unknown" {
		t.Errorf("root = %v", root)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestParsePorts(t *testing.T) {
	tests := []struct {
		in     string
		lo, hi int
		bad    bool
	}{
		{"9600", 9600, 9600, false},
		{"9600-9700", 9600, 9700, false},
		{" 9601 - 9602 ", 9601, 9602, false},
		{"9700-9600", 0, 0, true},
		{"0", 0, 0, false},
		{"0-10", 0, 0, true},
		{"70000", 0, 0, true},
		{"http", 0, 0, true},
		{"9600-", 0, 0, true},
	}
	for _, tt := range tests {
		lo, hi, err := ParsePorts(tt.in)
		if (err != nil) != tt.bad || lo != tt.lo || hi != tt.hi {
			t.Errorf("ParsePorts(%q) = %d, %d, %v", tt.in, lo, hi, err)
		}
	}
}

func TestNodeIDPersists(t *testing.T) {
	dir := t.TempDir()
	a := NodeID(dir)
	if b := NodeID(dir); a != b || len(a) != 36 {
		t.Errorf("NodeID = %q then %q, want the same uuid", a, b)
	}
}

// BenchmarkNodeStats: one /_node/stats answer (and one /metrics scrape)
// for a pipeline with five plugins and five minutes of samples.
func BenchmarkNodeStats(b *testing.B) {
	cfg, err := config.ParseOptions{}.Parse("bench", []byte(countedPipeline))
	if err != nil {
		b.Fatal(err)
	}
	p, err := pipeline.New(cfg, pipeline.Settings{ID: "main", Workers: 2, Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	m := testMonitor(p)
	for i := 0; i < 302; i++ {
		m.Sample()
	}
	h := m.Handler()
	for _, path := range []string{"/_node/stats", "/metrics"} {
		b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}

// pipelines.<id>.dead_letter_queue reports the pipeline's DLQ counters
// under Logstash's names, and is absent when the DLQ is disabled.
func TestDeadLetterQueueStats(t *testing.T) {
	w, err := dlq.Open(dlq.Options{Dir: t.TempDir(), MaxBytes: 1 << 20, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := 0; i < 3; i++ {
		if err := w.Write(event.NewMessage("bad"), "elasticsearch", "es", "mapper_parsing_exception"); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.ParseOptions{}.Parse("test", []byte(`input { generator { count => 1 } } output { null { } }`))
	if err != nil {
		t.Fatal(err)
	}
	with, err := pipeline.New(cfg, pipeline.Settings{ID: "with", Logger: quiet(), DeadLetter: w})
	if err != nil {
		t.Fatal(err)
	}
	defer with.Close()
	without, err := pipeline.New(cfg, pipeline.Settings{ID: "without", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer without.Close()
	m := testMonitor(with, without)
	var st struct {
		Pipelines map[string]struct {
			DeadLetterQueue *struct {
				QueueSizeInBytes    int64  `json:"queue_size_in_bytes"`
				MaxQueueSizeInBytes int64  `json:"max_queue_size_in_bytes"`
				DroppedEvents       *int64 `json:"dropped_events"`
				StoragePolicy       string `json:"storage_policy"`
				WrittenEvents       int64  `json:"written_events"`
			} `json:"dead_letter_queue"`
		}
	}
	if err := json.Unmarshal(get(t, m.Handler(), "/_node/stats/pipelines", 200), &st); err != nil {
		t.Fatal(err)
	}
	d := st.Pipelines["with"].DeadLetterQueue
	if d == nil || d.WrittenEvents != 3 || d.MaxQueueSizeInBytes != 1<<20 || d.QueueSizeInBytes <= 0 ||
		d.DroppedEvents == nil || *d.DroppedEvents != 0 || d.StoragePolicy == "" {
		t.Errorf("dead_letter_queue = %+v", d)
	}
	if st.Pipelines["without"].DeadLetterQueue != nil {
		t.Errorf("a pipeline without a DLQ reports one: %+v", st.Pipelines["without"].DeadLetterQueue)
	}
}

// A persisted queue is reported as such, with its size on disk, while
// the pipeline runs (and Metrics does not race with Run opening it).
func TestPersistedQueueStats(t *testing.T) {
	cfg, err := config.ParseOptions{}.Parse("test", []byte(`input { generator { count => 0 } } output { null { } }`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(cfg, pipeline.Settings{ID: "pq", Workers: 1, Logger: quiet(),
		Queue: pipeline.QueueSettings{Type: "persisted", Path: t.TempDir(), MaxBytes: 64 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	m := testMonitor(p)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var st struct {
		Pipelines map[string]struct {
			Queue struct {
				Type             string
				QueueSizeInBytes int64 `json:"queue_size_in_bytes"`
				MaxQueueSize     int64 `json:"max_queue_size_in_bytes"`
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := json.Unmarshal(get(t, m.Handler(), "/_node/stats/pipelines", 200), &st); err != nil {
			t.Fatal(err)
		}
		if st.Pipelines["pq"].Queue.QueueSizeInBytes > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	q := st.Pipelines["pq"].Queue
	if q.Type != "persisted" || q.QueueSizeInBytes <= 0 || q.MaxQueueSize != 64<<20 {
		t.Errorf("queue = %+v, want persisted with its bytes and max 64 MiB", q)
	}
}

func TestHealthReportListsDownPipelines(t *testing.T) {
	p := runPipeline(t, countedPipeline)
	m := testMonitor(p)
	m.SetDownSource(func() map[string]Down {
		// main runs (a stale entry is ignored); beats is down.
		return map[string]Down{"main": {Error: "stale"}, "beats": {Error: "address already in use", Attempts: 1}}
	})
	var doc struct {
		Status     string `json:"status"`
		Indicators map[string]struct {
			Indicators map[string]struct {
				Status  string `json:"status"`
				Details struct {
					Status struct {
						State string `json:"state"`
					} `json:"status"`
				} `json:"details"`
			} `json:"indicators"`
		} `json:"indicators"`
	}
	decode(t, get(t, m.Handler(), "/_health_report", 200), &doc)
	ind := doc.Indicators["pipelines"].Indicators
	if doc.Status != "red" || ind["beats"].Status != "red" || ind["beats"].Details.Status.State != "DOWN" {
		t.Fatalf("health report = %+v", doc)
	}
	if ind["main"].Details.Status.State == "DOWN" {
		t.Fatalf("a running pipeline reported down: %+v", ind["main"])
	}
}
