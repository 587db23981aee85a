package elasticsearch

// Tests against real nodes started by scripts/searchnode.sh (make test
// starts them and exports SLUICE_OPENSEARCH_URL and
// SLUICE_ELASTICSEARCH_URL). Outside CI and make test they are skipped
// when the variables are unset; there a missing node fails the test.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
)

// node is a real cluster under test.
type node struct {
	t    testing.TB
	name string
	url  string
}

func nodeFromEnv(t testing.TB, flavor string) *node {
	t.Helper()
	env := "SLUICE_" + strings.ToUpper(flavor) + "_URL"
	u := os.Getenv(env)
	if u == "" {
		if os.Getenv("CI") == "true" || os.Getenv("SLUICE_REQUIRE_SEARCHNODES") == "1" {
			t.Fatalf("%s is not set: make test (scripts/test.sh) starts the node with scripts/searchnode.sh", env)
		}
		t.Skipf("%s not set (start one: scripts/searchnode.sh start %s, and export its URL)", env, flavor)
	}
	return &node{t: t, name: flavor, url: strings.TrimRight(u, "/")}
}

// flavors returns the nodes a test should run against.
func flavors(t *testing.T) []string {
	return []string{"opensearch", "elasticsearch"}
}

// uniq returns a lower-case name unique to this test run.
func uniq(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// req sends a request and decodes a JSON answer into out (when not nil).
func (n *node) req(method, path, body string, out any) int {
	n.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, n.url+path, rd)
	if err != nil {
		n.t.Fatal(err)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		n.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			n.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

func (n *node) mustReq(method, path, body string, out any) {
	n.t.Helper()
	if st := n.req(method, path, body, out); st/100 != 2 {
		n.t.Fatalf("%s %s: HTTP %d", method, path, st)
	}
}

func (n *node) count(index string) int {
	n.t.Helper()
	n.mustReq(http.MethodPost, "/"+index+"/_refresh", "", nil)
	var r struct {
		Count int `json:"count"`
	}
	n.mustReq(http.MethodGet, "/"+index+"/_count", "", &r)
	return r.Count
}

func (n *node) deleteIndex(pattern string) {
	n.req(http.MethodDelete, "/"+pattern, "", nil)
}

// search returns the sources of the hits of a query_string query.
func (n *node) search(index, q string) []map[string]any {
	n.t.Helper()
	n.mustReq(http.MethodPost, "/"+index+"/_refresh", "", nil)
	body, _ := json.Marshal(map[string]any{"size": 1000, "query": map[string]any{"query_string": map[string]any{"query": q}}})
	var r struct {
		Hits struct {
			Hits []struct {
				Index  string         `json:"_index"`
				Source map[string]any `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	n.mustReq(http.MethodPost, "/"+index+"/_search", string(body), &r)
	out := make([]map[string]any, len(r.Hits.Hits))
	for i, h := range r.Hits.Hits {
		out[i] = h.Source
		out[i]["_index"] = h.Index
	}
	return out
}

func writeAll(t testing.TB, o *Output, evs []*event.Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := o.Write(ctx, evs); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func day(d int) time.Time { return time.Date(2024, 3, d, 10, 30, 0, 0, time.UTC) }

func TestNodeIndexedAndSearchable(t *testing.T) {
	for _, fl := range flavors(t) {
		t.Run(fl, func(t *testing.T) {
			n := nodeFromEnv(t, fl)
			idx := uniq("sluice-search")
			t.Cleanup(func() { n.deleteIndex(idx + "-*") })
			o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] index => "%s-%%{+yyyy.MM.dd}" template_name => %q http_compression => true`, n.url, idx, idx))
			var evs []*event.Event
			for i := 0; i < 30; i++ {
				e := event.NewMessage(fmt.Sprintf("user %d logged in from host-%d", i, i%3))
				e.SetTimestamp(day(1 + i%3))
				e.SetField("[user][id]", int64(i))
				e.SetField("[http][duration]", float64(i)+0.5)
				e.SetField("[ok]", i%2 == 0)
				evs = append(evs, e)
			}
			writeAll(t, o, evs)
			for d := 1; d <= 3; d++ {
				name := fmt.Sprintf("%s-2024.03.%02d", idx, d)
				if got := n.count(name); got != 10 {
					t.Errorf("%s holds %d documents, want 10", name, got)
				}
			}
			hits := n.search(idx+"-*", `message:"user 7 logged"`)
			if len(hits) != 1 {
				t.Fatalf("full-text search found %d documents, want 1", len(hits))
			}
			if hits[0]["_index"] != idx+"-2024.03.02" || hits[0]["@timestamp"] != "2024-03-02T10:30:00.000Z" {
				t.Errorf("hit %v", hits[0])
			}
			// Types: @timestamp is a date (range queries work), numbers are numbers.
			if got := len(n.search(idx+"-*", `@timestamp:[2024-03-02 TO 2024-03-03}`)); got != 10 {
				t.Errorf("date range found %d, want 10", got)
			}
			if got := len(n.search(idx+"-*", `user.id:>=25`)); got != 5 {
				t.Errorf("numeric range found %d, want 5", got)
			}
			var mapping map[string]struct {
				Mappings struct {
					Properties map[string]map[string]any `json:"properties"`
				} `json:"mappings"`
			}
			n.mustReq(http.MethodGet, "/"+idx+"-2024.03.01/_mapping", "", &mapping)
			props := mapping[idx+"-2024.03.01"].Mappings.Properties
			if props["@timestamp"]["type"] != "date" || props["message"]["type"] != "text" {
				t.Errorf("mapping %v", props)
			}
		})
	}
}

func TestNodeDocumentIDIdempotent(t *testing.T) {
	for _, fl := range flavors(t) {
		t.Run(fl, func(t *testing.T) {
			n := nodeFromEnv(t, fl)
			idx := uniq("sluice-id")
			t.Cleanup(func() { n.deleteIndex(idx) })
			o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] index => %q document_id => "%%{[id]}" manage_template => false`, n.url, idx))
			mk := func() []*event.Event {
				evs := messages("m", 200)
				for i, e := range evs {
					e.SetField("id", fmt.Sprint("doc-", i))
				}
				return evs
			}
			writeAll(t, o, mk())
			writeAll(t, o, mk())
			if got := n.count(idx); got != 200 {
				t.Fatalf("%d documents after sending 200 twice with document_id, want 200", got)
			}
			// create with existing ids: every one is a 409, dropped and counted.
			oc, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] index => %q document_id => "%%{[id]}" action => "create" manage_template => false`, n.url, idx))
			writeAll(t, oc, mk())
			if got := oc.Stats().Conflicts.Load(); got != 200 {
				t.Fatalf("%d conflicts, want 200", got)
			}
		})
	}
}

func TestNodeIngestPipeline(t *testing.T) {
	for _, fl := range flavors(t) {
		t.Run(fl, func(t *testing.T) {
			n := nodeFromEnv(t, fl)
			idx, pipe := uniq("sluice-pipe"), uniq("sluice-pipeline")
			t.Cleanup(func() {
				n.deleteIndex(idx)
				n.req(http.MethodDelete, "/_ingest/pipeline/"+pipe, "", nil)
			})
			n.mustReq(http.MethodPut, "/_ingest/pipeline/"+pipe,
				`{"processors":[{"set":{"field":"enriched","value":"yes"}},{"uppercase":{"field":"level"}}]}`, nil)
			o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] index => %q pipeline => %q manage_template => false`, n.url, idx, pipe))
			evs := messages("p", 5)
			for _, e := range evs {
				e.SetField("level", "warn")
			}
			writeAll(t, o, evs)
			hits := n.search(idx, "*")
			if len(hits) != 5 {
				t.Fatalf("%d documents, want 5", len(hits))
			}
			for _, h := range hits {
				if h["enriched"] != "yes" || h["level"] != "WARN" {
					t.Fatalf("ingest pipeline not applied: %v", h)
				}
			}
		})
	}
}

func TestNodeMappingConflictDeadLettered(t *testing.T) {
	for _, fl := range flavors(t) {
		t.Run(fl, func(t *testing.T) {
			n := nodeFromEnv(t, fl)
			idx := uniq("sluice-conflict")
			t.Cleanup(func() { n.deleteIndex(idx) })
			n.mustReq(http.MethodPut, "/"+idx, `{"mappings":{"properties":{"n":{"type":"long"}}}}`, nil)
			o, in := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] index => %q manage_template => false`, n.url, idx))
			d := &dlq{}
			in.Context.DeadLetter = d
			evs := messages("c", 50)
			bad := map[string]bool{}
			for i, e := range evs {
				if i%10 == 3 {
					e.SetField("n", "not a number")
					bad[e.Message()] = true
				} else {
					e.SetField("n", int64(i))
				}
			}
			writeAll(t, o, evs)
			if got := n.count(idx); got != 45 {
				t.Errorf("%d documents indexed, want 45", got)
			}
			if len(d.events) != 5 {
				t.Fatalf("%d dead letters, want 5", len(d.events))
			}
			for i, e := range d.events {
				if !bad[e.Message()] {
					t.Errorf("dead letter %q was a good event", e.Message())
				}
				if !strings.Contains(d.reasons[i], "status 400") || !strings.Contains(d.reasons[i], "mapper_parsing_exception") {
					t.Errorf("reason %q", d.reasons[i])
				}
			}
		})
	}
}

func TestNodeDataStream(t *testing.T) {
	n := nodeFromEnv(t, "opensearch")
	ds := strings.ReplaceAll(uniq("sluicetest"), "-", "")
	name := "logs-" + ds + "-default"
	t.Cleanup(func() { n.req(http.MethodDelete, "/_data_stream/"+name, "", nil) })
	o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] data_stream => true data_stream_dataset => %q`, n.url, ds))
	evs := messages("ds", 20)
	writeAll(t, o, evs)
	n.checkDataStream(t, ds, 20)
}

// checkDataStream checks that the data stream logs-<ds>-default exists
// and holds want documents, in backing indices, with the data_stream.*
// fields.
func (n *node) checkDataStream(t testing.TB, ds string, want int) {
	t.Helper()
	name := "logs-" + ds + "-default"
	var r struct {
		DataStreams []struct {
			Name    string `json:"name"`
			Indices []struct {
				Name string `json:"index_name"`
			} `json:"indices"`
		} `json:"data_streams"`
	}
	n.mustReq(http.MethodGet, "/_data_stream/"+name, "", &r)
	if len(r.DataStreams) != 1 || r.DataStreams[0].Name != name || len(r.DataStreams[0].Indices) == 0 {
		t.Fatalf("data stream %s: %+v", name, r)
	}
	hits := n.search(name, "*")
	if len(hits) != want {
		t.Fatalf("%d documents in %s, want %d", len(hits), name, want)
	}
	if !strings.HasPrefix(hits[0]["_index"].(string), ".ds-"+name) {
		t.Errorf("document in %v, not a backing index", hits[0]["_index"])
	}
	dsf, _ := hits[0]["data_stream"].(map[string]any)
	if dsf["dataset"] != ds || dsf["type"] != "logs" || dsf["namespace"] != "default" {
		t.Errorf("data_stream fields %v", hits[0]["data_stream"])
	}
}
