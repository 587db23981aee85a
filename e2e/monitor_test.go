//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The monitoring API of the running binary: counts after a known number
// of events, /metrics, the health report, JSON logs, and the fallback to
// the next port when the configured one is busy.

var apiListeningRE = regexp.MustCompile(`monitoring API listening`)

// apiGet fetches path from the API and returns the body (status 200).
func apiGet(t testing.TB, base, path string) []byte {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: status %d, %v: %s", path, resp.StatusCode, err, b)
	}
	return b
}

type e2eStats struct {
	Events    map[string]int64
	Pipelines map[string]struct {
		Events  map[string]int64
		Plugins map[string][]struct {
			ID     string
			Events map[string]int64
		}
	}
}

func TestMonitoringAPIWhileRunning(t *testing.T) {
	// A busy port just below the API's: sluice must take the next free one.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	if busyPort > 65000 {
		t.Skip("ephemeral port too close to the end of the port range")
	}
	tcpPort := freePort(t, "tcp")
	conf := fmt.Sprintf(`input { tcp { id => "in" port => %d codec => json_lines } }
filter { if [level] == "DEBUG" { drop { id => "nodebug" } } }
output { null { id => "sink" } }`, tcpPort)
	p := startSluice(t, procOpts{args: []string{"serve", "-e", conf, "--log.format", "json",
		"--api.http.port", fmt.Sprintf("%d-%d", busyPort, busyPort+100)}})

	line := p.waitFor(p.stderr, "the API's log line", startTimeout, firstLine(apiListeningRE))
	var rec struct {
		Msg     string
		Address string
		Port    int
	}
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatalf("log line is not JSON: %q: %v", line, err)
	}
	if rec.Port == busyPort || rec.Port <= 0 || !strings.HasSuffix(rec.Address, ":"+strconv.Itoa(rec.Port)) {
		t.Fatalf("API on %q port %d; want a port other than the busy %d", rec.Address, rec.Port, busyPort)
	}
	base := rec.Address
	p.waitFor(p.stderr, "pipeline started", startTimeout, firstLine(regexp.MustCompile(`"msg":"pipeline started"`)))

	// The API answers while the pipeline runs. The agent hands the
	// started pipeline to the API just after the pipeline logs "pipeline
	// started": until then the node's status is "unknown" (no pipelines).
	var root map[string]any
	for deadline := time.Now().Add(10 * time.Second); ; {
		root = nil
		if err := json.Unmarshal(apiGet(t, base, "/"), &root); err != nil {
			t.Fatal(err)
		}
		if root["status"] != "unknown" || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond) // polling the API
	}
	if root["http_address"] != strings.TrimPrefix(base, "http://") || root["status"] != "green" {
		t.Errorf("GET / = %v", root)
	}

	var b strings.Builder
	for i := 0; i < 30; i++ {
		level := "INFO"
		if i%3 == 0 {
			level = "DEBUG"
		}
		fmt.Fprintf(&b, `{"message":"m%d","level":%q}`+"\n", i, level)
	}
	sendTCP(t, tcpPort, []byte(b.String()))

	var st e2eStats
	waitUntil(t, 20*time.Second, "20 events out in /_node/stats", func() bool {
		st = e2eStats{}
		_ = json.Unmarshal(apiGet(t, base, "/_node/stats"), &st)
		return st.Events["out"] >= 20
	})
	if st.Events["in"] != 30 || st.Events["filtered"] != 20 || st.Events["out"] != 20 {
		t.Errorf("events = %v, want in 30, filtered 20, out 20", st.Events)
	}
	got := map[string]map[string]int64{}
	for _, list := range st.Pipelines["main"].Plugins {
		for _, pl := range list {
			got[pl.ID] = pl.Events
		}
	}
	if got["in"]["out"] != 30 || got["nodebug"]["in"] != 10 || got["nodebug"]["out"] != 0 || got["sink"]["in"] != 20 || got["sink"]["out"] != 20 {
		t.Errorf("plugin events = %v", got)
	}

	metrics := string(apiGet(t, base, "/metrics"))
	for _, want := range []string{
		`sluice_events_in_total{pipeline="main"} 30`,
		`sluice_plugin_events_in_total{id="nodebug",pipeline="main",plugin="drop",plugin_type="filter"} 10`,
		`sluice_pipeline_up{pipeline="main"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	var health struct {
		Status     string
		Indicators map[string]struct {
			Status     string
			Indicators map[string]struct{ Status string }
		}
	}
	if err := json.Unmarshal(apiGet(t, base, "/_health_report"), &health); err != nil {
		t.Fatal(err)
	}
	if health.Status != "green" || health.Indicators["pipelines"].Indicators["main"].Status != "green" {
		t.Errorf("health = %+v", health)
	}

	p.stop()
	// --log.format json: every line of stderr is a JSON object.
	for _, l := range strings.Split(strings.TrimSpace(p.stderr.String()), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil || v["msg"] == nil || v["level"] == nil {
			t.Errorf("log line is not a JSON record: %q (%v)", l, err)
		}
	}
}

func TestMonitoringAPIDisabled(t *testing.T) {
	tcpPort := freePort(t, "tcp")
	p := startSluice(t, procOpts{args: []string{"serve", "--api.enabled=false", "-e",
		fmt.Sprintf(`input { tcp { port => %d } } output { null {} }`, tcpPort)}})
	p.waitReady()
	p.stop()
	if apiListeningRE.MatchString(p.stderr.String()) {
		t.Errorf("API started with --api.enabled=false:\n%s", p.stderr)
	}
}

// A busy API port does not stop the pipeline: the error is logged and
// events still flow.
func TestMonitoringAPIPortBusyPipelineRuns(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tcpPort := freePort(t, "tcp")
	p := startSluice(t, procOpts{args: []string{"serve", "--api.http.port", strconv.Itoa(busy.Addr().(*net.TCPAddr).Port), "-e",
		fmt.Sprintf(`input { tcp { port => %d } } output { stdout { codec => line } }`, tcpPort)}})
	p.waitReady()
	line := p.waitStderr(regexp.MustCompile(`monitoring API not started`), time.Second)
	if !strings.Contains(line, "level=ERROR") || !strings.Contains(line, "address already in use") {
		t.Errorf("log line = %q, want an error naming the busy port", line)
	}
	sendTCP(t, tcpPort, []byte("hello\n"))
	p.waitStdoutCount(regexp.MustCompile(`hello`), 1, 10*time.Second)
	p.stop()
}
