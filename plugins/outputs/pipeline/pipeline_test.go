package pipeline_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/agent"
	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/pipebus"
	"github.com/sluicelog/sluice/pipeline"
	_ "github.com/sluicelog/sluice/plugins/all"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// runPipelines starts one pipeline per id => config text with an agent
// and returns a stop function that waits until the agent stopped them.
func runPipelines(t *testing.T, confs map[string]string) func() {
	t.Helper()
	load := func() ([]agent.Spec, error) {
		var specs []agent.Spec
		for id, src := range confs {
			cfg, err := config.ParseString(id+".conf", src)
			specs = append(specs, agent.NewSpec(id, pipeline.Settings{Workers: 2, BatchSize: 50, Logger: quiet}, cfg, err))
		}
		return specs, nil
	}
	a := agent.New(agent.Options{Load: load, Logger: quiet})
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the agent did not stop")
		}
	}
}

// readLines returns the JSON events of a json_lines file.
func readLines(t *testing.T, path string) []map[string]any {
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
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			continue // a line being written
		}
		out = append(out, m)
	}
	return out
}

// waitLines waits until path holds n events.
func waitLines(t *testing.T, path string, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := readLines(t, path)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d events, want %d", filepath.Base(path), len(got), n)
		}
		time.Sleep(20 * time.Millisecond) // polling a file; no event to wait on
	}
}

func fileOut(path string) string {
	return `file { path => ` + strconv.Quote(path) + ` codec => json_lines }`
}

func countBy(events []map[string]any, field string) map[string]int {
	out := map[string]int{}
	for _, e := range events {
		out[fmt.Sprint(e[field])]++
	}
	return out
}

// The distributor pattern: one pipeline routes each event to the pipeline
// for its kind.
func TestDistributor(t *testing.T) {
	dir := t.TempDir()
	web, sys := filepath.Join(dir, "web.json"), filepath.Join(dir, "sys.json")
	stop := runPipelines(t, map[string]string{
		"dist": `input { generator { lines => ["web", "sys", "web"] count => 100 } }
output {
  if [message] == "web" { pipeline { send_to => ["dist-web"] } }
  else { pipeline { send_to => ["dist-sys"] } }
}`,
		"web": `input { pipeline { address => "dist-web" } } output { ` + fileOut(web) + ` }`,
		"sys": `input { pipeline { address => "dist-sys" } } output { ` + fileOut(sys) + ` }`,
	})
	defer stop()
	if got := countBy(waitLines(t, web, 200), "message"); got["web"] != 200 || len(got) != 1 {
		t.Errorf("web pipeline got %v, want 200 web", got)
	}
	if got := countBy(waitLines(t, sys, 100), "message"); got["sys"] != 100 || len(got) != 1 {
		t.Errorf("sys pipeline got %v, want 100 sys", got)
	}
}

// The forked-path pattern: one output sends every event to two pipelines,
// each changing its own copy.
func TestForkedPaths(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	stop := runPipelines(t, map[string]string{
		"up": `input { generator { message => "m" count => 300 } }
output { pipeline { send_to => ["fork-a", "fork-b"] } }`,
		"a": `input { pipeline { address => "fork-a" } } filter { mutate { add_field => { "path" => "a" } } } output { ` + fileOut(a) + ` }`,
		"b": `input { pipeline { address => "fork-b" } } filter { mutate { remove_field => ["message"] } } output { ` + fileOut(b) + ` }`,
	})
	defer stop()
	gotA := waitLines(t, a, 300)
	gotB := waitLines(t, b, 300)
	for _, e := range gotA {
		if e["path"] != "a" || e["message"] != "m" {
			t.Fatalf("path a event %v: want path a and the message", e)
		}
	}
	for _, e := range gotB {
		if _, ok := e["path"]; ok || e["message"] != nil {
			t.Fatalf("path b event %v: the other path's change leaked, or the message was kept", e)
		}
	}
}

// The collector pattern: several pipelines send to one.
func TestCollector(t *testing.T) {
	out := filepath.Join(t.TempDir(), "all.json")
	stop := runPipelines(t, map[string]string{
		"one": `input { generator { message => "one" count => 150 } } output { pipeline { send_to => ["collect"] } }`,
		"two": `input { generator { message => "two" count => 250 } } output { pipeline { send_to => ["collect"] } }`,
		"all": `input { pipeline { address => "collect" } } output { ` + fileOut(out) + ` }`,
	})
	defer stop()
	got := countBy(waitLines(t, out, 400), "message")
	if got["one"] != 150 || got["two"] != 250 {
		t.Errorf("collector got %v, want 150 one and 250 two", got)
	}
}

// Without ensure_delivery, events for an address nobody listens on are
// dropped and counted; the sending pipeline is not held back.
func TestNoEnsureDeliveryDrops(t *testing.T) {
	cfg, err := config.ParseString("t.conf", `input { generator { count => 40 } }
output { pipeline { send_to => ["nobody-listens"] ensure_delivery => false } }`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(cfg, pipeline.Settings{Workers: 1, BatchSize: 10, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	before := pipebus.Default.Dropped()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Out != 40 {
		t.Errorf("out = %d, want 40 (dropped events count as handled)", st.Out)
	}
	if d := pipebus.Default.Dropped() - before; d != 40 {
		t.Errorf("dropped = %d, want 40", d)
	}
}

// With ensure_delivery, a sender waits for a late listener and loses
// nothing.
func TestEnsureDeliveryWaitsForListener(t *testing.T) {
	out := filepath.Join(t.TempDir(), "late.json")
	cfg, err := config.ParseString("up.conf", `input { generator { count => 100 } }
output { pipeline { send_to => ["late-listener"] } }`)
	if err != nil {
		t.Fatal(err)
	}
	up, err := pipeline.New(cfg, pipeline.Settings{ID: "up", Workers: 1, BatchSize: 10, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	upDone := make(chan error, 1)
	go func() { upDone <- up.Run(context.Background()) }()
	<-up.Started()
	select {
	case err := <-upDone:
		t.Fatalf("the sender finished without a listener: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	stop := runPipelines(t, map[string]string{
		"late": `input { pipeline { address => "late-listener" } } output { ` + fileOut(out) + ` }`,
	})
	defer stop()
	select {
	case err := <-upDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the sender did not finish once the listener came")
	}
	// The sender finished: everything it sent was delivered downstream.
	if got := readLines(t, out); len(got) != 100 {
		t.Errorf("downstream wrote %d events when the sender finished, want 100", len(got))
	}
}

func TestSettingsErrors(t *testing.T) {
	for _, src := range []string{
		`output { pipeline { } }`,
		`output { pipeline { send_to => [] } }`,
		`output { pipeline { send_to => ["a", "a"] } }`,
		`output { pipeline { send_to => [""] } }`,
	} {
		cfg, err := config.ParseString("t.conf", `input { generator { count => 1 } } `+src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pipeline.New(cfg, pipeline.Settings{Logger: quiet}); err == nil {
			t.Errorf("%s: accepted", src)
		}
	}
}

// A forked path where one receiver refuses once: only that address is
// sent to again; the other gets every event exactly once.
func TestFailedAddressRetriedAlone(t *testing.T) {
	var mu sync.Mutex
	got := map[string]int{}
	refused := false
	recv := func(addr string) pipebus.Receiver {
		return func(_ context.Context, events []*event.Event, ack func()) error {
			mu.Lock()
			defer mu.Unlock()
			if addr == "flaky-addr" && !refused {
				refused = true
				return errors.New("stopping")
			}
			got[addr] += len(events)
			ack()
			return nil
		}
	}
	for _, addr := range []string{"steady-addr", "flaky-addr"} {
		l, err := pipebus.Default.Listen(addr, "test", recv(addr))
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
	}
	cfg, err := config.ParseString("t.conf", `input { generator { count => 30 } }
output { pipeline { send_to => ["steady-addr", "flaky-addr"] } }`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(cfg, pipeline.Settings{Workers: 1, BatchSize: 10, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !refused || got["steady-addr"] != 30 || got["flaky-addr"] != 30 {
		t.Fatalf("received %v (refused once: %v); want 30 at each address", got, refused)
	}
}
