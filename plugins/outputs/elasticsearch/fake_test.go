package elasticsearch

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

// fakeNode is a peer that speaks enough of the Elasticsearch API for
// fault tests: GET /, templates, and _bulk whose item statuses a test
// chooses per document.
type fakeNode struct {
	t       testing.TB
	srv     *httptest.Server
	version string // GET / version number
	dist    string

	mu        sync.Mutex
	bodies    [][]byte      // decompressed bulk bodies
	headers   []http.Header // of bulk requests
	docs      map[string]int
	templates map[string][]byte
	// status decides an item's status from its source document; nil: 201.
	status func(doc map[string]any, attempt int) int
	// down makes the node drop connections without answering.
	down     atomic.Bool
	requests atomic.Int64
	attempts map[string]int
	// discard keeps nothing (benchmarks).
	discard bool
	// dataStreamStatus answers GET /_data_stream when not 0 (default 200).
	dataStreamStatus int
}

func newFakeNode(t testing.TB) *fakeNode {
	f := &fakeNode{t: t, version: "8.15.0", dist: "", docs: map[string]int{}, templates: map[string][]byte{}, attempts: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeNode) serve(w http.ResponseWriter, r *http.Request) {
	if f.down.Load() {
		hj, _ := w.(http.Hijacker)
		c, _, err := hj.Hijack()
		if err == nil {
			c.Close()
		}
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/":
		fmt.Fprintf(w, `{"version":{"number":%q,"distribution":%q}}`, f.version, f.dist)
	case strings.Contains(r.URL.Path, "_template/"):
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.Method == http.MethodGet {
			if _, ok := f.templates[r.URL.Path]; !ok {
				http.Error(w, `{}`, http.StatusNotFound)
				return
			}
			w.Write(f.templates[r.URL.Path])
			return
		}
		b, _ := io.ReadAll(r.Body)
		f.templates[r.URL.Path] = b
		w.Write([]byte(`{"acknowledged":true}`))
	case r.Method == http.MethodGet && r.URL.Path == "/_data_stream":
		if f.dataStreamStatus != 0 && f.dataStreamStatus != http.StatusOK {
			http.Error(w, `{"error":"no handler","status":`+fmt.Sprint(f.dataStreamStatus)+`}`, f.dataStreamStatus)
			return
		}
		w.Write([]byte(`{"data_streams":[]}`))
	case r.Method == http.MethodPost && r.URL.Path == "/_bulk":
		f.bulk(w, r)
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}

func (f *fakeNode) bulk(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	var rd io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		rd = zr
	}
	body, err := io.ReadAll(rd)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.discard {
		f.bodies = append(f.bodies, body)
		f.headers = append(f.headers, r.Header.Clone())
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 64<<20)
	var items []string
	errorsSeen := false
	for sc.Scan() {
		var action map[string]map[string]any
		if err := json.Unmarshal(sc.Bytes(), &action); err != nil {
			http.Error(w, "bad action line: "+err.Error(), 400)
			return
		}
		var name string
		for k := range action {
			name = k
		}
		var doc map[string]any
		if name != "delete" {
			if !sc.Scan() {
				http.Error(w, "missing source line", 400)
				return
			}
			if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
				http.Error(w, "bad source line: "+err.Error(), 400)
				return
			}
		}
		if f.discard {
			items = append(items, `{"index":{"status":201}}`)
			continue
		}
		key := fmt.Sprint(doc["message"])
		attempt := f.attempts[key]
		f.attempts[key]++
		st := 201
		if f.status != nil {
			st = f.status(doc, attempt)
		}
		if st == 201 {
			f.docs[key]++
		} else {
			errorsSeen = true
		}
		items = append(items, fmt.Sprintf(`{%q:{"status":%d,"error":{"type":"x","reason":"status %d"}}}`, name, st, st))
	}
	fmt.Fprintf(w, `{"took":1,"errors":%v,"items":[%s]}`, errorsSeen, strings.Join(items, ","))
}

func (f *fakeNode) docCount(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.docs[key]
}

// dlq collects dead letters.
type dlq struct {
	mu      sync.Mutex
	events  []*event.Event
	reasons []string
}

func (d *dlq) WriteDeadLetter(e *event.Event, pluginID, reason string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.events = append(d.events, e)
	d.reasons = append(d.reasons, pluginID+": "+reason)
	return nil
}

func build(t testing.TB, kind, src string) (*Output, *plugin.Instance) {
	t.Helper()
	in := plugintest.Build(t, plugin.KindOutput, kind+" {\n"+src+"\n}")
	return in.Plugin.(*Output), in
}

func messages(prefix string, n int) []*event.Event {
	evs := make([]*event.Event, n)
	for i := range evs {
		evs[i] = event.NewMessage(fmt.Sprintf("%s%d", prefix, i))
		evs[i].SetTimestamp(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC))
	}
	return evs
}

func TestBulkSplitsAtByteLimit(t *testing.T) {
	f := newFakeNode(t)
	o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] target_bulk_bytes => 2048 manage_template => false`, f.srv.URL))
	evs := messages(strings.Repeat("x", 100)+"-", 100)
	if err := o.Write(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	if len(f.bodies) < 2 {
		t.Fatalf("%d bulk requests, want the batch split", len(f.bodies))
	}
	for i, b := range f.bodies {
		if len(b) > 2048 {
			t.Errorf("request %d has %d bytes, over the 2048 limit", i, len(b))
		}
	}
	for i := range evs {
		if n := f.docCount(evs[i].Message()); n != 1 {
			t.Fatalf("event %d indexed %d times", i, n)
		}
	}
	if got := o.Stats().Indexed.Load(); got != 100 {
		t.Fatalf("indexed %d, want 100", got)
	}
}

func TestItemOutcomes(t *testing.T) {
	f := newFakeNode(t)
	f.status = func(doc map[string]any, attempt int) int {
		msg := doc["message"].(string)
		switch {
		case strings.HasPrefix(msg, "conflict"):
			return 409
		case strings.HasPrefix(msg, "bad"):
			return 400
		case strings.HasPrefix(msg, "missing"):
			return 404
		case strings.HasPrefix(msg, "busy") && attempt < 2:
			return 429
		case strings.HasPrefix(msg, "broken") && attempt < 1:
			return 503
		}
		return 201
	}
	o, in := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] retry_initial_interval => 0.01 retry_max_interval => 0.02`, f.srv.URL))
	d := &dlq{}
	in.Context.DeadLetter = d
	var evs []*event.Event
	for _, p := range []string{"ok", "conflict", "bad", "missing", "busy", "broken"} {
		evs = append(evs, messages(p, 3)...)
	}
	if err := o.Write(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"ok", "busy", "broken"} {
		for i := 0; i < 3; i++ {
			if n := f.docCount(fmt.Sprint(p, i)); n != 1 {
				t.Errorf("%s%d indexed %d times, want 1", p, i, n)
			}
		}
	}
	if len(d.events) != 6 {
		t.Fatalf("%d dead letters, want the 6 bad/missing events", len(d.events))
	}
	for i, e := range d.events {
		if m := e.Message(); !strings.HasPrefix(m, "bad") && !strings.HasPrefix(m, "missing") {
			t.Errorf("dead letter %q", m)
		}
		if !strings.Contains(d.reasons[i], "status 4") || !strings.HasPrefix(d.reasons[i], "elasticsearch_test: ") {
			t.Errorf("reason %q", d.reasons[i])
		}
	}
	st := o.Stats()
	if st.Indexed.Load() != 9 || st.Conflicts.Load() != 3 || st.DeadLettered.Load() != 6 || st.Dropped.Load() != 0 {
		t.Fatalf("stats indexed=%d conflicts=%d dlq=%d dropped=%d", st.Indexed.Load(), st.Conflicts.Load(), st.DeadLettered.Load(), st.Dropped.Load())
	}
	// busy: two retries each, broken: one.
	if got := st.Retried.Load(); got != 3+3+3 {
		t.Fatalf("retried %d item sends, want 9", got)
	}
	// Retried requests carry only the items that failed.
	last := f.bodies[len(f.bodies)-1]
	if n := bytes.Count(last, []byte("\n")); n != 6 {
		t.Fatalf("last request has %d lines, want the 3 busy items' 6", n)
	}
}

func TestRejectedWithoutDeadLetterQueueIsCounted(t *testing.T) {
	f := newFakeNode(t)
	f.status = func(map[string]any, int) int { return 400 }
	o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q]`, f.srv.URL))
	if err := o.Write(context.Background(), messages("m", 5)); err != nil {
		t.Fatal(err)
	}
	if got := o.Stats().Dropped.Load(); got != 5 {
		t.Fatalf("dropped %d, want 5", got)
	}
}

func TestShutdownStopsRetrying(t *testing.T) {
	f := newFakeNode(t)
	f.status = func(map[string]any, int) int { return 429 }
	o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] retry_initial_interval => 0.05`, f.srv.URL))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Write(ctx, messages("m", 5)) }()
	// Wait until it has retried at least twice, then stop.
	deadline := time.Now().Add(10 * time.Second)
	for f.requests.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Write returned %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Write did not return after shutdown")
	}
}

func TestConnectionErrorRetriesWholeRequest(t *testing.T) {
	f := newFakeNode(t)
	o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] retry_initial_interval => 0.01 retry_max_interval => 0.05 resurrect_delay => 0.01`, f.srv.URL))
	if err := o.Write(context.Background(), messages("warm", 1)); err != nil {
		t.Fatal(err)
	}
	f.down.Store(true)
	done := make(chan error, 1)
	go func() { done <- o.Write(context.Background(), messages("m", 20)) }()
	time.Sleep(100 * time.Millisecond) // the node is down for a while: a fault, not synchronisation
	f.down.Store(false)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Write did not finish after the node came back")
	}
	for i := 0; i < 20; i++ {
		if n := f.docCount(fmt.Sprint("m", i)); n != 1 {
			t.Fatalf("m%d indexed %d times", i, n)
		}
	}
}

func TestDeadHostSkippedAndRechecked(t *testing.T) {
	a, b := newFakeNode(t), newFakeNode(t)
	o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q, %q] manage_template => false retry_initial_interval => 0.01`, a.srv.URL, b.srv.URL))
	now := time.Unix(1000, 0)
	var nowMu sync.Mutex
	o.pool.now = func() time.Time { nowMu.Lock(); defer nowMu.Unlock(); return now }
	o.pool.resurrectDelay = 5 * time.Second
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		if err := o.Write(ctx, messages(fmt.Sprint("r", i, "-"), 1)); err != nil {
			t.Fatal(err)
		}
	}
	if a.requests.Load() != 2 || b.requests.Load() != 2 {
		t.Fatalf("round robin: a=%d b=%d bulk requests, want 2 each", a.requests.Load(), b.requests.Load())
	}
	a.down.Store(true)
	for i := 0; i < 6; i++ {
		if err := o.Write(ctx, messages(fmt.Sprint("d", i, "-"), 1)); err != nil {
			t.Fatal(err)
		}
	}
	if got := b.requests.Load(); got != 8 {
		t.Fatalf("b got %d bulk requests, want all 6 while a is dead (8 in all)", got)
	}
	a.down.Store(false)
	// Not yet due for a check: a stays out of the rotation.
	if err := o.Write(ctx, messages("n", 1)); err != nil {
		t.Fatal(err)
	}
	if a.requests.Load() != 2 {
		t.Fatal("a dead host was used before its health check")
	}
	nowMu.Lock()
	now = now.Add(6 * time.Second)
	nowMu.Unlock()
	// The next Write starts a health check in the background; a rejoins.
	if err := o.Write(ctx, messages("trigger", 1)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !o.pool.alive(o.pool.hosts[0]) {
		if time.Now().After(deadline) {
			t.Fatal("the recovered host was not brought back by a health check")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i := 0; i < 4; i++ {
		if err := o.Write(ctx, messages(fmt.Sprint("back", i, "-"), 1)); err != nil {
			t.Fatal(err)
		}
	}
	if a.requests.Load() != 4 {
		t.Fatalf("a got %d bulk requests after it came back, want 4", a.requests.Load())
	}
}

func TestAllHostsDeadWaitsForHealthCheck(t *testing.T) {
	f := newFakeNode(t)
	o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] retry_initial_interval => 0.01 retry_max_interval => 0.02 resurrect_delay => 0.05`, f.srv.URL))
	if err := o.Write(context.Background(), messages("w", 1)); err != nil {
		t.Fatal(err)
	}
	f.down.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := o.Write(ctx, messages("x", 1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Write with the only host down returned %v, want the deadline", err)
	}
	f.down.Store(false)
	if err := o.Write(context.Background(), messages("y", 1)); err != nil {
		t.Fatal(err)
	}
	if f.docCount("y0") != 1 {
		t.Fatal("event not delivered after the host came back")
	}
}

func TestBackoffSchedule(t *testing.T) {
	want := []time.Duration{2, 4, 8, 16, 32, 64, 64, 64}
	for n, w := range want {
		if got := backoff(2*time.Second, 64*time.Second, n); got != w*time.Second {
			t.Errorf("retry %d waits %v, want %v", n, got, w*time.Second)
		}
	}
	if got := backoff(3*time.Second, 10*time.Second, 2); got != 10*time.Second {
		t.Errorf("capped backoff %v, want 10s", got)
	}
}

func TestCompressionAndAuthHeaders(t *testing.T) {
	for _, tc := range []struct {
		name, conf, auth string
		gzip             bool
	}{
		{"basic", `user => "elastic" password => "s3cret"`, "Basic ZWxhc3RpYzpzM2NyZXQ=", false},
		{"api key id:key", `api_key => "id1:key1" http_compression => true`, "ApiKey aWQxOmtleTE=", true},
		{"api key encoded", `api_key => "aWQxOmtleTE="`, "ApiKey aWQxOmtleTE=", false},
		{"custom header", `custom_headers => { "X-Tenant" => "t1" }`, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeNode(t)
			o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] %s`, f.srv.URL, tc.conf))
			if err := o.Write(context.Background(), messages("m", 3)); err != nil {
				t.Fatal(err)
			}
			h := f.headers[0]
			if got := h.Get("Authorization"); got != tc.auth {
				t.Errorf("Authorization %q, want %q", got, tc.auth)
			}
			if got := h.Get("Content-Encoding") == "gzip"; got != tc.gzip {
				t.Errorf("gzip %v, want %v", got, tc.gzip)
			}
			if h.Get("Content-Type") != "application/x-ndjson" {
				t.Errorf("Content-Type %q", h.Get("Content-Type"))
			}
			if strings.Contains(tc.conf, "X-Tenant") && h.Get("X-Tenant") != "t1" {
				t.Errorf("custom header missing: %v", h)
			}
			if f.docCount("m2") != 1 {
				t.Error("not indexed")
			}
		})
	}
}

func TestActionLines(t *testing.T) {
	ts := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, conf, version, want string
	}{
		{"defaults ecs", ``, "7.10.2", `{"index":{"_index":"ecs-logstash-2024.03.01"}}`},
		{"es6 type", `index => "i"`, "6.8.0", `{"index":{"_index":"i","_type":"doc"}}`},
		{"id routing pipeline", `index => "i-%{[svc]}" document_id => "%{[id]}" routing => "%{[svc]}" pipeline => "p1"`, "8.1.0",
			`{"index":{"_index":"i-api","_id":"42","routing":"api","pipeline":"p1"}}`},
		{"create", `action => "create" index => "i" document_id => "%{[id]}"`, "8.1.0", `{"create":{"_index":"i","_id":"42"}}`},
		{"update upsert", `action => "update" doc_as_upsert => true index => "i" document_id => "%{[id]}"`, "8.1.0",
			`{"update":{"_index":"i","_id":"42"}}` + "\n" + `{"doc":{"@timestamp":"2024-03-01T12:00:00.000Z","@version":"1","id":42,"message":"hello","svc":"api"},"doc_as_upsert":true}`},
		{"delete", `action => "delete" index => "i" document_id => "%{[id]}"`, "8.1.0", `{"delete":{"_index":"i","_id":"42"}}`},
		{"sprintf action", `action => "%{[@metadata][op]}" index => "i"`, "8.1.0", `{"create":{"_index":"i"}}`},
		{"data stream", `data_stream => true data_stream_dataset => "app"`, "8.1.0",
			`{"create":{"_index":"logs-app-default"}}` + "\n" + `{"@timestamp":"2024-03-01T12:00:00.000Z","@version":"1","data_stream":{"dataset":"app","namespace":"default","type":"logs"},"id":42,"message":"hello","svc":"api"}`},
		{"data stream auto on es8", ``, "8.1.0", `{"create":{"_index":"logs-generic-default"}}`},
		{"data stream auto routing", `data_stream => true`, "8.1.0", `{"create":{"_index":"metrics-nginx-prod"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeNode(t)
			f.version = tc.version
			o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] %s`, f.srv.URL, tc.conf))
			e := event.NewMessage("hello")
			e.SetTimestamp(ts)
			e.SetField("id", int64(42))
			e.SetField("svc", "api")
			if tc.name == "sprintf action" {
				e.SetField("[@metadata][op]", "create")
			}
			if tc.name == "data stream auto routing" {
				e.SetField("[data_stream][type]", "metrics")
				e.SetField("[data_stream][dataset]", "nginx")
				e.SetField("[data_stream][namespace]", "prod")
			}
			if err := o.Write(context.Background(), []*event.Event{e}); err != nil {
				t.Fatal(err)
			}
			got := strings.TrimSuffix(string(f.bodies[0]), "\n")
			if !strings.Contains(tc.want, "\n") {
				got, _, _ = strings.Cut(got, "\n")
			}
			if got != tc.want {
				t.Fatalf("bulk body\n%s\nwant\n%s", got, tc.want)
			}
			if _, ok := e.GetField("data_stream"); ok && tc.name == "data stream" {
				t.Error("the pipeline's event was changed by data_stream_sync_fields")
			}
		})
	}
}

func TestTemplateInstalledOnce(t *testing.T) {
	for _, tc := range []struct {
		version, conf, path string
	}{
		{"7.10.2", ``, "/_template/ecs-logstash"},
		{"8.12.0", `index => "app-%{+yyyy}"`, "/_index_template/ecs-logstash"},
		{"7.10.2", `template_api => "composable" template_name => "mine"`, "/_index_template/mine"},
	} {
		f := newFakeNode(t)
		f.version = tc.version
		o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] %s`, f.srv.URL, tc.conf))
		if err := o.Write(context.Background(), messages("m", 1)); err != nil {
			t.Fatal(err)
		}
		b, ok := f.templates[tc.path]
		if !ok {
			t.Fatalf("%s %s: no template at %s (have %v)", tc.version, tc.conf, tc.path, f.templates)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(tc.conf, "app-") && fmt.Sprint(m["index_patterns"]) != "[app-*]" {
			t.Errorf("index_patterns %v", m["index_patterns"])
		}
	}
}

func TestInitErrors(t *testing.T) {
	for _, conf := range []string{
		`action => "update"`,
		`action => "upsert"`,
		`hosts => ["ftp://x"]`,
		`hosts => []`,
		`user => "u"`,
		`data_stream => true action => "index"`,
		`data_stream => true data_stream_dataset => "a-b"`,
		`target_bulk_bytes => 10`,
		`template => "/does/not/exist.json"`,
		`ssl_enabled => true hosts => ["http://x:9200"]`,
		`ssl_certificate_authorities => ["/x.pem"]`,
	} {
		if _, err := plugintest.BuildErr(plugin.KindOutput, "elasticsearch {\n"+conf+"\n}"); err == nil {
			t.Errorf("%s: accepted", conf)
		}
	}
}

func TestParseHost(t *testing.T) {
	for _, tc := range []struct {
		in   string
		ssl  bool
		path string
		want string
	}{
		{"localhost", false, "", "http://localhost:9200"},
		{"//es1:9201", false, "", "http://es1:9201"},
		{"es1", true, "", "https://es1:9200"},
		{"https://es1/proxy/", false, "", "https://es1:9200/proxy"},
		{"http://es1:80", false, "/es/", "http://es1:80/es"},
	} {
		u, err := parseHost(tc.in, tc.ssl, tc.path)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if u.String() != tc.want {
			t.Errorf("%s: %s, want %s", tc.in, u, tc.want)
		}
	}
}

func TestParseServerInfo(t *testing.T) {
	for _, tc := range []struct {
		body, dist   string
		major, minor int
	}{
		{`{"version":{"number":"7.10.2","build_flavor":"default"}}`, "elasticsearch", 7, 10},
		{`{"version":{"number":"8.15.1"}}`, "elasticsearch", 8, 15},
		{`{"version":{"number":"8.0.0-rc1"}}`, "elasticsearch", 8, 0},
		{`{"version":{"number":"9"}}`, "elasticsearch", 9, 0},
		{`{"version":{"distribution":"opensearch","number":"2.19.1"}}`, "opensearch", 2, 19},
		{`{"version":{"distribution":"opensearch","number":"3.0.0"}}`, "opensearch", 3, 0},
		{`{"version":{"distribution":"opensearch","number":"3.8.0"}}`, "opensearch", 3, 8},
		{`{"version":{"distribution":"opensearch","number":"1.3.13","build_type":"tar"}}`, "opensearch", 1, 3},
		// compatibility.override_main_response_version: OpenSearch 1.x
		// claims 7.10.2 but keeps its distribution.
		{`{"version":{"distribution":"opensearch","number":"7.10.2"}}`, "opensearch", 7, 10},
	} {
		si, err := parseServerInfo([]byte(tc.body))
		if err != nil || si.distribution != tc.dist || si.major != tc.major || si.minor != tc.minor {
			t.Errorf("%s: %+v %v", tc.body, si, err)
		}
	}
	for _, bad := range []string{`<html>`, `{}`, `{"version":{"number":"x.y"}}`} {
		if _, err := parseServerInfo([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// A template the cluster refuses (no privilege) does not stop indexing.
func TestTemplateRefusedIndexesAnyway(t *testing.T) {
	f := newFakeNode(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "_template") {
			http.Error(w, `{"error":"security_exception","status":403}`, http.StatusForbidden)
			return
		}
		f.serve(w, r)
	}))
	t.Cleanup(srv.Close)
	o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q]`, srv.URL))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := o.Write(ctx, messages("m", 2)); err != nil {
		t.Fatal(err)
	}
	if f.docCount("m1") != 1 {
		t.Fatal("not indexed")
	}
}

// data_stream => true needs a cluster with data streams: Elasticsearch
// before 7.9 and the OSS distribution of 7.x (no /_data_stream API) would
// make a plain index named logs-generic-default instead. The output sends
// nothing there and says why.
func TestDataStreamNeedsSupport(t *testing.T) {
	for _, tc := range []struct {
		dist, version string
		dsStatus      int
		wantErr       string // empty: data streams are used
	}{
		{"", "8.15.0", 0, ""},
		{"", "7.9.0", 0, ""},
		{"", "7.8.1", 0, "has no data streams"},
		{"", "6.8.0", 0, "has no data streams"},
		{"", "7.10.2", http.StatusMethodNotAllowed, "has no data stream API (GET /_data_stream answered HTTP 405"},
		{"", "7.10.2", http.StatusBadRequest, "HTTP 400"},
		{"", "8.15.0", http.StatusForbidden, ""},
		{"opensearch", "1.3.13", 0, ""},
		{"opensearch", "3.8.0", 0, ""},
	} {
		t.Run(tc.dist+tc.version+fmt.Sprint(tc.dsStatus), func(t *testing.T) {
			f := newFakeNode(t)
			f.dist, f.version, f.dataStreamStatus = tc.dist, tc.version, tc.dsStatus
			o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] data_stream => true manage_template => false`, f.srv.URL))
			err := o.trySetup(context.Background())
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("setup: %v", err)
				}
				if err := o.Write(context.Background(), messages("m", 1)); err != nil {
					t.Fatal(err)
				}
				if got, _, _ := strings.Cut(string(f.bodies[0]), "\n"); got != `{"create":{"_index":"logs-generic-default"}}` {
					t.Fatalf("action line %s", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "data_stream => false") {
				t.Fatalf("setup error %v, want one with %q", err, tc.wantErr)
			}
			// Write keeps the events (retrying setup) and sends nothing.
			o.RetryInitialInterval = time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if err := o.Write(ctx, messages("m", 1)); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Write: %v, want the context's deadline", err)
			}
			if n := f.requests.Load(); n != 0 {
				t.Fatalf("%d bulk requests sent to a cluster without data streams", n)
			}
		})
	}
}
