package agent_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/agent"
	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/pipeline"
	_ "github.com/sluicelog/sluice/plugins/all"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// confs is a changeable set of pipelines: id => configuration text.
type confs struct {
	mu  sync.Mutex
	m   map[string]string
	err error
}

func (c *confs) set(id, src string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if src == "" {
		delete(c.m, id)
		return
	}
	c.m[id] = src
}

func (c *confs) load() ([]agent.Spec, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	ids := make([]string, 0, len(c.m))
	for id := range c.m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var specs []agent.Spec
	for _, id := range ids {
		cfg, err := config.ParseString(id+".conf", c.m[id])
		specs = append(specs, agent.NewSpec(id, pipeline.Settings{Workers: 2, BatchSize: 20, Logger: quiet}, cfg, err))
	}
	return specs, nil
}

type harness struct {
	t      *testing.T
	a      *agent.Agent
	c      *confs
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, opts agent.Options, m map[string]string) *harness {
	t.Helper()
	c := &confs{m: m}
	opts.Load, opts.Logger = c.load, quiet
	a := agent.New(opts)
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, a: a, c: c, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- a.Run(ctx) }()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) stop() {
	h.cancel()
	select {
	case <-h.done:
	case <-time.After(20 * time.Second):
		h.t.Fatal("the agent did not stop")
	}
}

func (h *harness) pipeline(id string) *pipeline.Pipeline {
	for _, r := range h.a.Pipelines() {
		if r.ID == id {
			return r.Pipeline
		}
	}
	return nil
}

// waitFor polls cond (the conditions here are files and counters that
// signal nothing).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func readEvents(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func workConf(addr, out, version string) string {
	return `input { pipeline { address => "` + addr + `" } }
filter { mutate { add_field => { "version" => "` + version + `" } } }
output { file { path => ` + strconv.Quote(out) + ` codec => json_lines } }`
}

// Reloading a pipeline with a changed filter while another pipeline feeds
// it loses nothing, and the feeding pipeline is not restarted.
func TestReloadUnderLoadLosesNothing(t *testing.T) {
	const n = 20000
	out := filepath.Join(t.TempDir(), "out.json")
	h := start(t, agent.Options{}, map[string]string{
		"feed": `input { generator { count => ` + strconv.Itoa(n) + ` ecs_compatibility => disabled } }
output { pipeline { send_to => ["reload-work"] } }`,
		"work": workConf("reload-work", out, "v0"),
	})
	feed := h.pipeline("feed")
	for v := 1; v <= 4; v++ {
		before := h.pipeline("work").Stats().Out
		waitFor(t, "events to flow", func() bool {
			p := h.pipeline("work")
			return p != nil && p.Stats().Out > before+200 || feed.Stats().In >= n
		})
		h.c.set("work", workConf("reload-work", out, "v"+strconv.Itoa(v)))
		if err := h.a.Reload(false); err != nil {
			t.Fatalf("reload %d: %v", v, err)
		}
	}
	waitFor(t, "every event", func() bool { return len(readEvents(t, out)) >= n })
	events := readEvents(t, out)
	seen := map[int]int{}
	versions := map[string]int{}
	for _, e := range events {
		seq, _ := e["sequence"].(float64)
		seen[int(seq)]++
		versions[fmt.Sprint(e["version"])]++
	}
	lost, dup := 0, 0
	for i := 0; i < n; i++ {
		switch c := seen[i]; {
		case c == 0:
			lost++
		case c > 1:
			dup += c - 1
		}
	}
	t.Logf("sent %d, received %d, lost %d, duplicated %d, by version %v", n, len(events), lost, dup, versions)
	if lost != 0 {
		t.Fatalf("lost %d events", lost)
	}
	if versions["v4"] == 0 {
		t.Errorf("no event went through the last configuration: %v", versions)
	}
	// The feeding pipeline may have finished (its generator is done); it
	// must not have been replaced (a restarted generator sends more).
	if p := h.pipeline("feed"); (p != nil && p != feed) || len(events)-dup != n || feed.Stats().In != n {
		t.Error("the unchanged feeding pipeline was restarted")
	}
	st := h.a.Reloads()
	if st["work"].Successes != 4 || st["work"].Failures != 0 || st["work"].LastSuccessTimestamp.IsZero() {
		t.Errorf("work reloads = %+v, want 4 successes", st["work"])
	}
	if st["feed"].Successes != 0 {
		t.Errorf("feed reloads = %+v, want none", st["feed"])
	}
}

// A broken configuration leaves the running pipeline alone and is
// counted; the automatic reload does not report the same failure again.
func TestBrokenConfigKeepsRunningPipeline(t *testing.T) {
	h := start(t, agent.Options{}, map[string]string{
		"main": `input { generator { count => 0 } } output { null { } }`,
	})
	old := h.pipeline("main")
	h.c.set("main", `input { generator { count => 0 } } filter { nosuchfilter { } } output { null { } }`)
	err := h.a.Reload(false)
	if err == nil || !strings.Contains(err.Error(), "nosuchfilter") {
		t.Fatalf("reload err = %v, want the unknown filter named", err)
	}
	if h.pipeline("main") != old {
		t.Fatal("the running pipeline was replaced by a broken configuration")
	}
	in := old.Stats().In
	waitFor(t, "the old pipeline to keep running", func() bool { return old.Stats().In > in })
	_ = h.a.Reload(true)
	_ = h.a.Reload(true)
	st := h.a.Reloads()["main"]
	if st.Failures != 1 || !strings.Contains(st.LastError, "nosuchfilter") || st.LastFailureTimestamp.IsZero() {
		t.Errorf("reloads = %+v, want one failure naming the filter", st)
	}
	// A fixed configuration reloads.
	h.c.set("main", `input { generator { count => 0 } } filter { mutate { } } output { null { } }`)
	if err := h.a.Reload(true); err != nil {
		t.Fatal(err)
	}
	if h.pipeline("main") == old || h.a.Reloads()["main"].Successes != 1 {
		t.Errorf("fixed configuration not applied: %+v", h.a.Reloads()["main"])
	}
}

// A pipelines list that does not load changes nothing.
func TestBrokenListChangesNothing(t *testing.T) {
	h := start(t, agent.Options{}, map[string]string{"main": `input { generator { count => 0 } } output { null { } }`})
	old := h.pipeline("main")
	h.c.mu.Lock()
	h.c.err = fmt.Errorf("pipelines.yml:3: broken")
	h.c.mu.Unlock()
	if err := h.a.Reload(false); err == nil {
		t.Fatal("no error")
	}
	if h.pipeline("main") != old {
		t.Fatal("pipeline replaced")
	}
}

func freePort(t *testing.T) (net.Listener, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l, l.Addr().(*net.TCPAddr).Port
}

// When the new configuration cannot start (its port is taken), the old
// configuration runs again and the failure is reported.
func TestStartFailureRestoresOldConfig(t *testing.T) {
	l, oldPort := freePort(t)
	l.Close()
	taken, takenPort := freePort(t)
	defer taken.Close()
	tcp := func(port int) string {
		return `input { tcp { host => "127.0.0.1" port => ` + strconv.Itoa(port) + ` } } output { null { } }`
	}
	h := start(t, agent.Options{}, map[string]string{"main": tcp(oldPort)})
	h.c.set("main", tcp(takenPort))
	err := h.a.Reload(false)
	if err == nil || !strings.Contains(err.Error(), "previous configuration runs again") {
		t.Fatalf("err = %v, want the start failure and the old configuration back", err)
	}
	c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(oldPort))
	if err != nil {
		t.Fatalf("the old configuration does not listen again: %v", err)
	}
	c.Close()
	if st := h.a.Reloads()["main"]; st.Failures != 1 {
		t.Errorf("reloads = %+v", st)
	}
}

// Pipelines added to the configuration start; removed ones stop.
func TestAddAndRemovePipelines(t *testing.T) {
	h := start(t, agent.Options{}, map[string]string{"a": `input { generator { count => 0 } } output { null { } }`})
	h.c.set("b", `input { generator { count => 0 } } output { null { } }`)
	h.c.set("a", "")
	if err := h.a.Reload(false); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range h.a.Pipelines() {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, ",") != "b" {
		t.Fatalf("running %v, want [b]", ids)
	}
}

// With automatic reload, a changed configuration is picked up by itself.
func TestAutomaticReload(t *testing.T) {
	h := start(t, agent.Options{Automatic: true, Interval: 20 * time.Millisecond},
		map[string]string{"main": `input { generator { count => 0 } } output { null { } }`})
	old := h.pipeline("main")
	// A change in comments only is not a change.
	h.c.set("main", "# comment\ninput { generator { count => 0 } } output { null { } }")
	h.c.set("main", `input { generator { count => 0 } } filter { mutate { } } output { null { } }`)
	waitFor(t, "the automatic reload", func() bool { return h.a.Reloads()["main"].Successes == 1 })
	if h.pipeline("main") == old {
		t.Error("pipeline not replaced")
	}
}

// Without automatic reload, Run returns once every pipeline finished.
func TestRunReturnsWhenPipelinesFinish(t *testing.T) {
	c := &confs{m: map[string]string{
		"a": `input { generator { count => 5 } } output { null { } }`,
		"b": `input { generator { count => 7 } } output { null { } }`,
	}}
	a := agent.New(agent.Options{Load: c.load, Logger: quiet})
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}

// Start reports every broken pipeline and starts none.
func TestStartReportsConfigErrors(t *testing.T) {
	c := &confs{m: map[string]string{
		"a": `input { generator { count => 0 } } output { null { } }`,
		"b": `input { nope { } } output { null { } }`,
		"c": `input { generator { } output`,
	}}
	a := agent.New(agent.Options{Load: c.load, Logger: quiet})
	err := a.Start()
	if err == nil || !strings.Contains(err.Error(), "pipeline b") || !strings.Contains(err.Error(), "pipeline c") {
		t.Fatalf("err = %v, want pipelines b and c named", err)
	}
	if n := len(a.Pipelines()); n != 0 {
		t.Fatalf("%d pipelines running", n)
	}
}

// A pipeline that finished its work is not started again by a reload
// unless its configuration changed.
func TestFinishedPipelineNotRestarted(t *testing.T) {
	out := filepath.Join(t.TempDir(), "once.json")
	once := `input { generator { count => 5 } } output { file { path => ` + strconv.Quote(out) + ` codec => json_lines } }`
	h := start(t, agent.Options{}, map[string]string{
		"once":    once,
		"forever": `input { generator { count => 0 } } output { null { } }`,
	})
	waitFor(t, "the finite pipeline to finish", func() bool { return h.pipeline("once") == nil })
	if err := h.a.Reload(false); err != nil {
		t.Fatal(err)
	}
	if h.pipeline("once") != nil {
		t.Fatal("an unchanged finished pipeline was started again")
	}
	if n := len(readEvents(t, out)); n != 5 {
		t.Fatalf("%d events, want 5", n)
	}
	h.c.set("once", strings.Replace(once, "count => 5", "count => 3", 1))
	if err := h.a.Reload(false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the changed pipeline to run", func() bool { return len(readEvents(t, out)) == 8 })
}

// A pipeline that cannot deliver holds its shutdown until ForceStop.
func TestForceStop(t *testing.T) {
	c := &confs{m: map[string]string{
		"stuck": `input { generator { count => 1 } } output { pipeline { send_to => ["force-nobody"] } }`,
	}}
	a := agent.New(agent.Options{Load: c.load, Logger: quiet, Automatic: true})
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	// Stop only once the event is in flight (else there is nothing to wait for).
	waitFor(t, "the event to enter the pipeline", func() bool {
		ps := a.Pipelines()
		return len(ps) == 1 && ps[0].Pipeline.Stats().In == 1
	})
	cancel()
	select {
	case <-done:
		t.Fatal("stopped although its event was not delivered")
	case <-time.After(100 * time.Millisecond):
	}
	a.ForceStop()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ForceStop did not end the shutdown")
	}
}

// Two pipelines may not listen on one address.
func TestAddressConflict(t *testing.T) {
	in := `input { pipeline { address => "conflict-addr" } } output { null { } }`
	c := &confs{m: map[string]string{"a": in, "b": in}}
	a := agent.New(agent.Options{Load: c.load, Logger: quiet})
	if err := a.Start(); err == nil || !strings.Contains(err.Error(), `"conflict-addr" is also used by pipeline a`) {
		t.Fatalf("err = %v", err)
	}
	h := start(t, agent.Options{}, map[string]string{"a": in})
	h.c.set("b", in)
	if err := h.a.Reload(false); err == nil || !strings.Contains(err.Error(), "used by pipeline a") {
		t.Fatalf("reload err = %v", err)
	}
	if st := h.a.Reloads()["b"]; st.Failures != 1 {
		t.Errorf("b reloads = %+v", st)
	}
}

// When another process takes the port between the old pipeline's stop and
// the new one's start, neither configuration can start: the pipeline is
// down, the failure is reported, and the agent tries again with backoff
// until the port is free, then runs the new configuration.
func TestReloadRetriesWhenPortTaken(t *testing.T) {
	l, port := freePort(t)
	l.Close()
	conf := func(tag string) string {
		return `input { tcp { host => "127.0.0.1" port => ` + strconv.Itoa(port) + ` } } filter { mutate { add_tag => ["` + tag + `"] } } output { null { } }`
	}
	h := start(t, agent.Options{RetryInitial: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond}, map[string]string{"main": conf("v1")})
	oldHash := h.a.Pipelines()[0].Hash
	var taken net.Listener
	agent.SetAfterStop(h.a, func(id string) {
		var err error
		if taken, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port)); err != nil {
			t.Errorf("taking the port: %v", err)
		}
	})
	h.c.set("main", conf("v2"))
	err := h.a.Reload(false)
	if err == nil || !strings.Contains(err.Error(), "pipeline is down, retrying in") {
		t.Fatalf("err = %v, want both configurations failing and a retry", err)
	}
	if taken == nil {
		t.FailNow()
	}
	if n := len(h.a.Pipelines()); n != 0 {
		t.Fatalf("%d pipelines run, want none while the port is taken", n)
	}
	waitFor(t, "several start attempts", func() bool { return h.a.Reloads()["main"].StartRetries >= 3 })
	if st := h.a.Reloads()["main"]; st.Failures != 1 || st.NextStartRetry.IsZero() || !strings.Contains(st.LastError, "address already in use") {
		t.Errorf("reloads while down = %+v, want one failure naming the taken port and a next retry", st)
	}
	taken.Close()
	waitFor(t, "the pipeline to start", func() bool { return len(h.a.Pipelines()) == 1 })
	r := h.a.Pipelines()[0]
	if r.Hash == oldHash {
		t.Error("the previous configuration started; want the new one (the reload's)")
	}
	if st := h.a.Reloads()["main"]; st.Successes != 1 || st.StartRetries != 0 || !st.NextStartRetry.IsZero() {
		t.Errorf("reloads after the start = %+v, want one success and no retry pending", st)
	}
	c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("the new pipeline does not listen: %v", err)
	}
	c.Close()
}

// While a pipeline is down, a retry starts the previous configuration when
// the new one still cannot start but the old one can.
func TestRetryFallsBackToPreviousConfig(t *testing.T) {
	l, oldPort := freePort(t)
	l.Close()
	takenNew, newPort := freePort(t)
	defer takenNew.Close()
	tcp := func(port int) string {
		return `input { tcp { host => "127.0.0.1" port => ` + strconv.Itoa(port) + ` } } output { null { } }`
	}
	h := start(t, agent.Options{RetryInitial: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond}, map[string]string{"main": tcp(oldPort)})
	oldHash := h.a.Pipelines()[0].Hash
	var takenOld net.Listener
	agent.SetAfterStop(h.a, func(string) {
		var err error
		if takenOld, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(oldPort)); err != nil {
			t.Errorf("taking the port: %v", err)
		}
	})
	h.c.set("main", tcp(newPort))
	if err := h.a.Reload(false); err == nil || !strings.Contains(err.Error(), "retrying") {
		t.Fatalf("err = %v, want a retry", err)
	}
	if takenOld == nil {
		t.FailNow()
	}
	waitFor(t, "a start attempt", func() bool { return h.a.Reloads()["main"].StartRetries >= 2 })
	takenOld.Close()
	waitFor(t, "the previous configuration to start", func() bool { return len(h.a.Pipelines()) == 1 })
	if h.a.Pipelines()[0].Hash != oldHash {
		t.Error("want the previous configuration running")
	}
	if st := h.a.Reloads()["main"]; st.Successes != 0 || st.Failures != 1 || st.StartRetries != 0 {
		t.Errorf("reloads = %+v, want the one failure and no retry pending", st)
	}
}
