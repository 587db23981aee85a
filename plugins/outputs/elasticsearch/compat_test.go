package elasticsearch

// The compatibility matrix: the output's core behaviour against every real
// node scripts/test.sh started (OpenSearch 1.3, 2.19 and 3.8, Elasticsearch
// 7.10.2). SLUICE_COMPAT_NODES lists them as flavor=URL pairs, the flavors
// of scripts/searchnode.sh:
//
//	SLUICE_COMPAT_NODES="opensearch1=http://127.0.0.1:9201 opensearch3=http://127.0.0.1:9203"
//
// Elasticsearch 8 has no runner on Maven Central: the fake node of
// fake_test.go stands in for it (TestActionLines, TestTemplateInstalledOnce,
// TestDataStreamNeedsSupport).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
)

// compatNode is what the output should find and do on one flavor.
type compatNode struct {
	distribution string
	major        int
	// composable: the template API the elasticsearch output picks by
	// itself (template_api => auto).
	composable bool
	// dataStreams: the node has them (the codelibs Elasticsearch runner
	// has only the OSS modules: no data streams).
	dataStreams bool
}

var compatNodes = map[string]compatNode{
	"opensearch1":   {"opensearch", 1, true, true},
	"opensearch":    {"opensearch", 2, true, true},
	"opensearch3":   {"opensearch", 3, true, true},
	"elasticsearch": {"elasticsearch", 7, false, false},
}

// compatFromEnv parses SLUICE_COMPAT_NODES.
func compatFromEnv(t *testing.T) [][2]string {
	v := strings.TrimSpace(os.Getenv("SLUICE_COMPAT_NODES"))
	if v == "" {
		t.Skip("SLUICE_COMPAT_NODES not set: scripts/test.sh sets it to the nodes it started " +
			`("opensearch1=URL opensearch3=URL ..."; start one with scripts/searchnode.sh start opensearch3)`)
	}
	var out [][2]string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == '\n' }) {
		name, u, ok := strings.Cut(f, "=")
		if _, known := compatNodes[name]; !ok || !known || !strings.HasPrefix(u, "http") {
			t.Fatalf("SLUICE_COMPAT_NODES: %q is not flavor=URL with a flavor among opensearch1, opensearch, opensearch3, elasticsearch", f)
		}
		out = append(out, [2]string{name, strings.TrimRight(u, "/")})
	}
	return out
}

func TestCompat(t *testing.T) {
	for _, nu := range compatFromEnv(t) {
		name, want := nu[0], compatNodes[nu[0]]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			n := &node{t: t, name: name, url: nu[1]}
			// scripts/searchnode.sh waited for yellow already; a node
			// shared with other tests may be busy: wait on its health.
			var h struct {
				Status string `json:"status"`
			}
			n.mustReq(http.MethodGet, "/_cluster/health?wait_for_status=yellow&timeout=60s", "", &h)
			if h.Status != "yellow" && h.Status != "green" {
				t.Fatalf("cluster health %q", h.Status)
			}
			t.Run("version", func(t *testing.T) { compatVersion(t, n, want) })
			t.Run("index_search_daily_template", func(t *testing.T) { compatIndexSearch(t, n, want) })
			t.Run("legacy_template_document_id_pipeline_conflict", func(t *testing.T) { compatDocuments(t, n) })
			t.Run("data_stream", func(t *testing.T) { compatDataStream(t, n, want) })
		})
	}
}

// compatVersion: GET / as the output reads it, and what it decides from it.
func compatVersion(t *testing.T, n *node, want compatNode) {
	var root struct {
		Version struct {
			Number       string `json:"number"`
			Distribution string `json:"distribution"`
		} `json:"version"`
	}
	n.t = t
	n.mustReq(http.MethodGet, "/", "", &root)
	o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] manage_template => false`, n.url))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := o.setup(ctx); err != nil {
		t.Fatal(err)
	}
	si := o.server
	if si.distribution != want.distribution || si.major != want.major || si.version != root.Version.Number {
		t.Fatalf("detected %s (major %d), want %s %d.x; GET / says %+v", si, si.major, want.distribution, want.major, root.Version)
	}
	if got := o.composable(si); got != want.composable {
		t.Errorf("composable templates: %v, want %v", got, want.composable)
	}
	if o.useDS {
		t.Errorf("data streams on by default against %s", si)
	}
	t.Logf("%s: %s", n.name, si)
}

// compatIndexSearch: daily indices from @timestamp, the default template
// through the API the output picks, field types, searches.
func compatIndexSearch(t *testing.T, n *node, want compatNode) {
	n.t = t
	idx := uniq("sluice-compat")
	api, other := "/_template/", "/_index_template/"
	if want.composable {
		api, other = other, api
	}
	t.Cleanup(func() {
		n.deleteIndex(idx + "-*")
		n.req(http.MethodDelete, api+idx, "", nil)
	})
	o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] index => "%s-%%{+yyyy.MM.dd}" template_name => %q`, n.url, idx, idx))
	var evs []*event.Event
	for i := 0; i < 20; i++ {
		e := event.NewMessage(fmt.Sprintf("request %d served by web-%d", i, i%4))
		e.SetTimestamp(day(1 + i%2))
		e.SetField("[user][id]", int64(i))
		e.SetField("[host][name]", fmt.Sprintf("web-%d", i%4))
		evs = append(evs, e)
	}
	writeAll(t, o, evs)
	if st := n.req(http.MethodGet, api+idx, "", nil); st != http.StatusOK {
		t.Errorf("GET %s%s: HTTP %d, want the template there", api, idx, st)
	}
	if st := n.req(http.MethodGet, other+idx, "", nil); st != http.StatusNotFound {
		t.Errorf("GET %s%s: HTTP %d, want 404", other, idx, st)
	}
	for d := 1; d <= 2; d++ {
		if got := n.count(fmt.Sprintf("%s-2024.03.%02d", idx, d)); got != 10 {
			t.Errorf("%s-2024.03.%02d holds %d documents, want 10", idx, d, got)
		}
	}
	if got := len(n.search(idx+"-*", `@timestamp:[2024-03-02 TO 2024-03-03}`)); got != 10 {
		t.Errorf("date range found %d, want 10", got)
	}
	if got := len(n.search(idx+"-*", `user.id:>=15`)); got != 5 {
		t.Errorf("numeric range found %d, want 5", got)
	}
	hits := n.search(idx+"-*", `message:"request 7 served"`)
	if len(hits) != 1 || hits[0]["_index"] != idx+"-2024.03.02" || hits[0]["@timestamp"] != "2024-03-02T10:30:00.000Z" {
		t.Errorf("full-text search: %v", hits)
	}
	if got := len(n.search(idx+"-*", `host.name:"web-3"`)); got != 5 {
		t.Errorf("host.name search found %d, want 5", got)
	}
	name := idx + "-2024.03.01"
	var mapping map[string]struct {
		Mappings struct {
			Properties map[string]map[string]any `json:"properties"`
		} `json:"mappings"`
	}
	n.mustReq(http.MethodGet, "/"+name+"/_mapping", "", &mapping)
	props := mapping[name].Mappings.Properties
	if props["@timestamp"]["type"] != "date" || props["message"]["type"] != "text" || props["@version"]["type"] != "keyword" {
		t.Errorf("mapping %v", props)
	}
	// The template's dynamic templates: strings are keywords in ECS mode,
	// text with a keyword sub-field otherwise.
	hostProps, _ := props["host"]["properties"].(map[string]any)
	hostName, _ := hostProps["name"].(map[string]any)
	wantType := "text"
	if o.pctx.ECS() {
		wantType = "keyword"
	}
	if hostName["type"] != wantType {
		t.Errorf("host.name mapped as %v, want %s (the template's dynamic mapping)", hostName, wantType)
	}
	if got := indexSetting(n, name, "refresh_interval"); got != "5s" {
		t.Errorf("refresh_interval %q, want the template's 5s", got)
	}
}

// indexSetting returns one index.* setting of an index.
func indexSetting(n *node, index, key string) string {
	var s map[string]struct {
		Settings struct {
			Index map[string]any `json:"index"`
		} `json:"settings"`
	}
	n.mustReq(http.MethodGet, "/"+index+"/_settings", "", &s)
	v, _ := s[index].Settings.Index[key].(string)
	return v
}

// compatDocuments: the opensearch output (legacy template by default),
// document_id idempotency and 409s, an ingest pipeline, and a mapping
// conflict answered 400 and dead-lettered, in one index.
func compatDocuments(t *testing.T, n *node) {
	n.t = t
	idx, pipe := uniq("sluice-compat-docs"), uniq("sluice-compat-pipe")
	t.Cleanup(func() {
		n.deleteIndex(idx)
		n.req(http.MethodDelete, "/_template/"+idx, "", nil)
		n.req(http.MethodDelete, "/_ingest/pipeline/"+pipe, "", nil)
	})
	o, _ := build(t, "opensearch", fmt.Sprintf(`hosts => [%q] index => %q template_name => %q document_id => "%%{[id]}"`, n.url, idx, idx))
	mk := func(prefix string, count int) []*event.Event {
		evs := messages(prefix, count)
		for i, e := range evs {
			e.SetField("id", fmt.Sprint(prefix, "-", i))
			e.SetField("n", int64(i))
		}
		return evs
	}
	writeAll(t, o, mk("doc", 30))
	writeAll(t, o, mk("doc", 30))
	if got := n.count(idx); got != 30 {
		t.Fatalf("%d documents after sending 30 twice with document_id, want 30", got)
	}
	if st := n.req(http.MethodGet, "/_template/"+idx, "", nil); st != http.StatusOK {
		t.Errorf("legacy template: GET /_template/%s: HTTP %d", idx, st)
	}
	if got := indexSetting(n, idx, "refresh_interval"); got != "5s" {
		t.Errorf("refresh_interval %q, want the legacy template's 5s", got)
	}
	oc, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] index => %q document_id => "%%{[id]}" action => "create" manage_template => false`, n.url, idx))
	writeAll(t, oc, mk("doc", 30))
	if got := oc.Stats().Conflicts.Load(); got != 30 {
		t.Errorf("%d conflicts re-creating 30 existing ids, want 30", got)
	}

	n.mustReq(http.MethodPut, "/_ingest/pipeline/"+pipe,
		`{"processors":[{"set":{"field":"enriched","value":"yes"}},{"uppercase":{"field":"level"}}]}`, nil)
	op, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] index => %q document_id => "%%{[id]}" pipeline => %q manage_template => false`, n.url, idx, pipe))
	pevs := mk("piped", 5)
	for _, e := range pevs {
		e.SetField("level", "warn")
	}
	writeAll(t, op, pevs)
	hits := n.search(idx, "enriched:yes")
	if len(hits) != 5 {
		t.Fatalf("%d documents through the ingest pipeline, want 5", len(hits))
	}
	for _, h := range hits {
		if h["level"] != "WARN" || !strings.HasPrefix(fmt.Sprint(h["id"]), "piped-") {
			t.Errorf("ingest pipeline: %v", h)
		}
	}

	// n is a long in this index (dynamic mapping of the first events).
	od, in := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] index => %q manage_template => false`, n.url, idx))
	d := &dlq{}
	in.Context.DeadLetter = d
	cevs := mk("clash", 10)
	bad := map[string]bool{}
	for i, e := range cevs {
		if i%3 == 1 {
			e.SetField("n", "not a number")
			bad[e.Message()] = true
		}
	}
	writeAll(t, od, cevs)
	if got := od.Stats().Indexed.Load(); got != 7 {
		t.Errorf("%d indexed, want 7", got)
	}
	if len(d.events) != len(bad) {
		t.Fatalf("%d dead letters, want %d: %v", len(d.events), len(bad), d.reasons)
	}
	for i, e := range d.events {
		if !bad[e.Message()] || !strings.Contains(d.reasons[i], "status 400") || !strings.Contains(d.reasons[i], "mapper_parsing_exception") {
			t.Errorf("dead letter %q: %s", e.Message(), d.reasons[i])
		}
	}
	if got := n.count(idx); got != 30+5+7 {
		t.Errorf("%d documents in the end, want %d", got, 30+5+7)
	}
}

// compatDataStream: data_stream => true on a node with data streams
// writes to a stream (OpenSearch needs the output's template for it); on
// one without, the output sends nothing and says why.
func compatDataStream(t *testing.T, n *node, want compatNode) {
	n.t = t
	ds := strings.ReplaceAll(uniq("sluicecompat"), "-", "")
	name := "logs-" + ds + "-default"
	t.Cleanup(func() {
		n.req(http.MethodDelete, "/_data_stream/"+name, "", nil)
		n.deleteIndex(name)
	})
	o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] data_stream => true data_stream_dataset => %q`, n.url, ds))
	if !want.dataStreams {
		err := o.trySetup(context.Background())
		if err == nil || !strings.Contains(err.Error(), "data stream") {
			t.Fatalf("setup with data_stream => true: %v, want an error about data streams", err)
		}
		t.Logf("as expected: %v", err)
		if st := n.req(http.MethodHead, "/"+name, "", nil); st != http.StatusNotFound {
			t.Errorf("HEAD /%s: HTTP %d: something was created", name, st)
		}
		return
	}
	writeAll(t, o, messages("ds", 12))
	n.checkDataStream(t, ds, 12)
	var tpl json.RawMessage
	n.mustReq(http.MethodGet, "/_index_template/sluice-logs-data-stream", "", &tpl)
	if !strings.Contains(string(tpl), `"data_stream"`) {
		t.Errorf("data stream template %s", tpl)
	}
}
