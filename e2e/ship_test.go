//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/internal/netutil/netutiltest"
)

// TestShipFileToServe: a log file → sluice ship (Filebeat YAML, TLS with a
// client certificate) → sluice serve (beats) → file. Every line arrives
// once with Filebeat's event layout.
func TestShipFileToServe(t *testing.T) {
	t.Parallel()
	certs := netutiltest.New(t)
	dir := t.TempDir()
	logFile := filepath.Join(dir, "app.log")
	var want []string
	var b strings.Builder
	for i := range 2000 {
		line := fmt.Sprintf("2026-11-24 07:40:%02d,%03d INFO shop.checkout: order %d paid", i%60, i%1000, i)
		want = append(want, line)
		b.WriteString(line + "\n")
	}
	if err := os.WriteFile(logFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t, "tcp")
	out := filepath.Join(dir, "received.json")
	shipper := writeFile(t, filepath.Join(dir, "shipper.yml"), fmt.Sprintf(`
filebeat.inputs:
  - type: filestream
    id: app
    paths: [%q]
    fields: {service: shop}
output.logstash:
  hosts: ["127.0.0.1:%d"]
  ssl.certificate_authorities: [%q]
  ssl.certificate: %q
  ssl.key: %q
path.data: %q
`, logFile, port, certs.CA, certs.ClientCert, certs.ClientKey, filepath.Join(dir, "ship-data")))

	code, _, stderr := runSluice(t, procOpts{args: []string{"ship", "-c", shipper, "-t"}})
	if code != 0 {
		t.Fatalf("sluice ship -t: exit %d\n%s", code, stderr)
	}

	recv := startSluice(t, procOpts{args: []string{"serve", "-e", receiverConf(t, certs, port, out)}})
	recv.waitReady()
	ship := startSluice(t, procOpts{args: []string{"ship", "-c", shipper}})
	waitUntil(t, 30*time.Second, "every line in the receiver's file", func() bool { return countLines(t, out) >= len(want) })
	ship.stop()
	recv.stop()
	checkMessages(t, out, want, false)
	ev := readJSONLines(t, out)[0]
	for path, wantV := range map[string]string{
		"agent.type": "filebeat", "input.type": "filestream", "fields.service": "shop", "log.file.path": logFile,
	} {
		if got := str(ev, strings.Split(path, ".")...); got != wantV {
			t.Errorf("%s = %q, want %q (event %v)", path, got, wantV, ev)
		}
	}
	if _, ok := field(ev, "log", "offset"); !ok {
		t.Errorf("no log.offset in %v", ev)
	}
}

// TestShipFileToOpenSearch: a log file → sluice ship with Filebeat's
// output.elasticsearch → the real OpenSearch node make test starts. Every
// line is indexed once, searchable, with Filebeat's layout.
func TestShipFileToOpenSearch(t *testing.T) {
	t.Parallel()
	base := os.Getenv("SLUICE_OPENSEARCH_URL")
	if base == "" {
		if os.Getenv("CI") == "true" || os.Getenv("SLUICE_REQUIRE_SEARCHNODES") == "1" {
			t.Fatal("SLUICE_OPENSEARCH_URL is not set: make test (scripts/test.sh) starts the node")
		}
		t.Skip("SLUICE_OPENSEARCH_URL not set (scripts/searchnode.sh start opensearch)")
	}
	base = strings.TrimRight(base, "/")
	dir := t.TempDir()
	logFile := filepath.Join(dir, "app.log")
	const n = 3000
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "2026-11-24 07:41:%02d,%03d ERROR shop.pay: order %d failed\n", i%60, i%1000, i)
	}
	if err := os.WriteFile(logFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	index := fmt.Sprintf("ship-e2e-%d", time.Now().UnixNano())
	shipper := writeFile(t, filepath.Join(dir, "shipper.yml"), fmt.Sprintf(`
filebeat.inputs:
  - type: filestream
    id: pay
    paths: [%q]
    fields: {service: pay}
output.elasticsearch:
  hosts: [%q]
  index: %q
path.data: %q
`, logFile, base, index, filepath.Join(dir, "ship-data")))
	ship := startSluice(t, procOpts{args: []string{"ship", "-c", shipper}})
	count := func() int64 {
		c := http.Client{Timeout: 5 * time.Second}
		if resp, err := c.Post(base+"/"+index+"/_refresh", "application/json", nil); err == nil {
			resp.Body.Close()
		}
		resp, err := c.Get(base + "/" + index + "/_count")
		if err != nil {
			return -1
		}
		defer resp.Body.Close()
		var r struct{ Count int64 }
		if json.NewDecoder(resp.Body).Decode(&r) != nil {
			return -1
		}
		return r.Count
	}
	waitUntil(t, 60*time.Second, "every line indexed", func() bool { return count() >= n })
	ship.stop()
	if got := count(); got != n {
		t.Fatalf("%d documents in %s, want %d", got, index, n)
	}
	// One line, searched for by its text, with Filebeat's fields.
	q := `{"query":{"match_phrase":{"message":"order 1234 failed"}}}`
	resp, err := http.Post(base+"/"+index+"/_search", "application/json", strings.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res struct {
		Hits struct {
			Hits []struct {
				Source map[string]any `json:"_source"`
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Hits.Hits) != 1 {
		t.Fatalf("%d hits for one line, want 1", len(res.Hits.Hits))
	}
	ev := res.Hits.Hits[0].Source
	for path, want := range map[string]string{
		"agent.type": "filebeat", "fields.service": "pay", "log.file.path": logFile, "input.type": "filestream",
	} {
		if got := str(ev, strings.Split(path, ".")...); got != want {
			t.Errorf("%s = %q, want %q (document %v)", path, got, want, ev)
		}
	}
}

// TestShipSendsFilebeatsDocument: the documents sluice ship makes carry
// the line once (message), with Filebeat's fields and no ECS copy of the
// line in [event][original] (Filebeat sends none; the beats input adds it
// on the server).
func TestShipSendsFilebeatsDocument(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	logFile := filepath.Join(dir, "app.log")
	if err := os.WriteFile(logFile, []byte("first line\nsecond line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "shipper.yml")
	src := "filebeat.inputs:\n  - type: filestream\n    id: app\n    paths: [" + logFile + "]\npath.data: " + filepath.Join(dir, "data") + "\noutput.console: {}\n"
	if err := os.WriteFile(cfg, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	ship := startSluice(t, procOpts{args: []string{"ship", "-c", cfg}})
	ship.waitStdoutCount(regexp.MustCompile(`"message":"second line"`), 1, 30*time.Second)
	ship.stop()
	var evs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(ship.stdout.String()), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not a JSON document: %q: %v", line, err)
		}
		evs = append(evs, ev)
	}
	if len(evs) != 2 {
		t.Fatalf("%d documents, want 2: %v", len(evs), evs)
	}
	for i, ev := range evs {
		if _, ok := field(ev, "event", "original"); ok {
			t.Errorf("document %d carries [event][original]: %v", i, ev)
		}
		for path, want := range map[string]string{"agent.type": "filebeat", "input.type": "filestream", "log.file.path": logFile} {
			if got := str(ev, strings.Split(path, ".")...); got != want {
				t.Errorf("document %d: %s = %q, want %q", i, path, got, want)
			}
		}
	}
}
