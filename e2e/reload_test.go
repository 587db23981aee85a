//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	lumber "github.com/elastic/go-lumber/client/v2"
)

// beatsSender sends n events numbered by "seq" with go-lumber (the client
// Filebeat's Logstash output is built on) in windows of batch, resending a
// window that was not acknowledged on a new connection, as Filebeat does.
type beatsSender struct {
	addr  string
	n     int
	batch int
	pad   string // added to every event as "pad" (to make events bigger)

	mu    sync.Mutex
	acked int
	tries int
}

func (s *beatsSender) ackedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acked
}

func (s *beatsSender) run(stop <-chan struct{}) error {
	var cl *lumber.SyncClient
	defer func() {
		if cl != nil {
			cl.Close()
		}
	}()
	for next := 0; next < s.n; {
		select {
		case <-stop:
			return fmt.Errorf("stopped with %d of %d events acknowledged", next, s.n)
		default:
		}
		if cl == nil {
			c, err := lumber.SyncDial(s.addr, lumber.Timeout(10*time.Second))
			if err != nil {
				time.Sleep(20 * time.Millisecond) // the port is between two pipelines
				continue
			}
			cl = c
		}
		end := min(next+s.batch, s.n)
		docs := make([]any, 0, end-next)
		for i := next; i < end; i++ {
			doc := map[string]any{"message": "event " + strconv.Itoa(i), "seq": i}
			if s.pad != "" {
				doc["pad"] = s.pad
			}
			docs = append(docs, doc)
		}
		n, err := cl.Send(docs)
		s.mu.Lock()
		s.tries++
		s.mu.Unlock()
		if err != nil || n != len(docs) {
			cl.Close()
			cl = nil
			continue // resend the whole window: at least once
		}
		next = end
		s.mu.Lock()
		s.acked = next
		s.mu.Unlock()
	}
	return nil
}

// checkDelivery counts seq values in a json_lines output: every one of
// 0..n-1 must be there; duplicates are allowed (at-least-once).
func checkDelivery(t *testing.T, name string, events []map[string]any, n int) {
	t.Helper()
	seen := make([]int, n)
	for _, ev := range events {
		v, ok := ev["seq"].(float64)
		if !ok || v < 0 || int(v) >= n {
			t.Fatalf("unexpected event %v", ev)
		}
		seen[int(v)]++
	}
	lost, dup := 0, 0
	for _, c := range seen {
		if c == 0 {
			lost++
		}
		if c > 1 {
			dup += c - 1
		}
	}
	line := fmt.Sprintf("%s: sent %d, received %d, lost %d, duplicated %d", name, n, len(events)-dup, lost, dup)
	fmt.Println(line) // the fault suite's one line per scenario
	t.Log(line)
	if lost != 0 {
		t.Fatalf("%d events lost", lost)
	}
}

var reloadedRE = regexp.MustCompile(`msg="reload: pipeline reloaded" pipeline=(\S+)`)

// TestReloadUnderLoad: beats events stream in while the pipeline's filter
// is changed and SIGHUP sent, several times; a broken configuration on the
// way is refused and the running pipeline keeps going. Every acknowledged
// event reaches the output: "sent N, received N, lost 0".
//
// Two layouts: a single pipeline (-f; the beats port passes from the old
// pipeline to the new one, the client reconnects and resends) and
// pipelines.yml with an intake pipeline feeding a work pipeline through
// the pipeline bus (only the work pipeline reloads; the beats connection
// stays up and waits: ensure_delivery).
func TestReloadUnderLoad(t *testing.T) {
	for _, layout := range []string{"single", "pipelines.yml"} {
		t.Run(layout, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			port := freePortOutsideEphemeral(t)
			out := filepath.Join(dir, "out.json")
			work := filepath.Join(dir, "work.conf")
			beats := `beats { host => "127.0.0.1" port => ` + strconv.Itoa(port) + ` }`
			fileOut := `file { path => ` + confString(t, out) + ` codec => json_lines }`
			workConf := func(version string) string {
				in := beats
				if layout != "single" {
					in = `pipeline { address => "work" }`
				}
				return "input { " + in + " }\nfilter { mutate { add_field => { \"version\" => \"" + version + "\" } } }\noutput { " + fileOut + " }\n"
			}
			write := func(path, s string) {
				t.Helper()
				if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write(work, workConf("v0"))
			args := []string{"serve", "-f", work, "-w", "2"}
			if layout != "single" {
				intake := filepath.Join(dir, "intake.conf")
				write(intake, "input { "+beats+" }\noutput { pipeline { send_to => [\"work\"] } }\n")
				write(filepath.Join(dir, "pipelines.yml"), "- pipeline.id: intake\n  path.config: "+intake+
					"\n- pipeline.id: work\n  path.config: "+work+"\n  pipeline.workers: 2\n")
				args = []string{"serve", "--path.settings", dir}
			}
			p := startSluice(t, procOpts{args: args})
			p.waitReady()
			if layout != "single" {
				// Both pipelines started.
				p.waitFor(p.stderr, "two pipelines", startTimeout, func(s string) (string, bool) {
					return "", strings.Count(s, `msg="pipeline started"`) >= 2
				})
			}

			const n = 30000
			s := &beatsSender{addr: "127.0.0.1:" + strconv.Itoa(port), n: n, batch: 200}
			stop := make(chan struct{})
			sent := make(chan error, 1)
			go func() { sent <- s.run(stop) }()
			defer close(stop)

			waitAcked := func(k int) {
				t.Helper()
				deadline := time.Now().Add(60 * time.Second)
				for s.ackedCount() < k {
					if time.Now().After(deadline) {
						t.Fatalf("only %d events acknowledged, waiting for %d", s.ackedCount(), k)
					}
					time.Sleep(10 * time.Millisecond) // polling the sender's counter
				}
			}
			reloads := 0
			for v := 1; v <= 3; v++ {
				waitAcked(v * n / 6)
				write(work, workConf("v"+strconv.Itoa(v)))
				p.signal(syscall.SIGHUP)
				reloads++
				p.waitFor(p.stderr, fmt.Sprintf("reload %d", reloads), 60*time.Second, func(s string) (string, bool) {
					return "", len(reloadedRE.FindAllString(s, -1)) >= reloads
				})
			}
			// A broken configuration: refused, the running pipeline stays.
			waitAcked(4 * n / 6)
			write(work, workConf("v4")+"filter { nosuchfilter { } }\n")
			p.signal(syscall.SIGHUP)
			p.waitStderr(regexp.MustCompile(`reload failed; the running pipeline is kept.*nosuchfilter`), 60*time.Second)
			before := s.ackedCount()
			waitAcked(min(n, before+1000))

			select {
			case err := <-sent:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(120 * time.Second):
				t.Fatalf("sender stuck at %d of %d acknowledged", s.ackedCount(), n)
			}
			p.signal(syscall.SIGTERM)
			if code := p.wait(exitTimeout); code != 0 {
				t.Fatalf("exit code %d", code)
			}
			events := readJSONLines(t, out)
			checkDelivery(t, "SIGHUP reload with a changed filter under load ("+layout+")", events, n)
			versions := map[string]int{}
			for _, ev := range events {
				versions[str(ev, "version")]++
			}
			t.Logf("events by filter version: %v; sender windows sent %d", versions, s.tries)
			if versions["v3"] == 0 || versions["v0"] == 0 {
				t.Errorf("events by version %v: want the first and last good configurations to have run", versions)
			}
			if versions["v4"] != 0 {
				t.Errorf("%d events went through the broken configuration", versions["v4"])
			}
		})
	}
}

// TestAutomaticReload: with -r the configuration file is watched; a change
// reloads the pipeline, a broken change is reported once and the running
// pipeline is kept.
func TestAutomaticReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "main.conf")
	// Written atomically: a watcher reading between a truncate and a write
	// would see a different (empty) configuration, a second failure.
	write := func(s string) {
		t.Helper()
		tmp := conf + ".tmp"
		if err := os.WriteFile(tmp, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, conf); err != nil {
			t.Fatal(err)
		}
	}
	write(`input { generator { count => 0 } } output { null { } }`)
	p := startSluice(t, procOpts{args: []string{"serve", "-f", conf, "-w", "1", "-r", "--config.reload.interval", "100ms", "--api.http.port", "0"}})
	p.waitReady()
	apiLine := p.waitStderr(regexp.MustCompile(`monitoring API listening" address=(\S+)`), 30*time.Second)
	base := regexp.MustCompile(`address=(\S+)`).FindStringSubmatch(apiLine)[1]
	write(`input { generator { count => 0 } } filter { mutate { add_tag => ["v1"] } } output { null { } }`)
	p.waitStderr(reloadedRE, 30*time.Second)
	write(`input { generator { count => 0 } } filter { mutate { add_tag => ["v2"] } output { null { } }`)
	line := p.waitStderr(regexp.MustCompile(`reload failed; the running pipeline is kept`), 30*time.Second)
	if !strings.Contains(line, "main.conf:1") {
		t.Errorf("the failure does not name the file and line: %s", line)
	}
	write(`input { generator { count => 0 } } filter { mutate { add_tag => ["v3"] } } output { null { } }`)
	p.waitFor(p.stderr, "the second reload", 30*time.Second, func(s string) (string, bool) {
		return "", len(reloadedRE.FindAllString(s, -1)) >= 2
	})
	if n := strings.Count(p.stderr.String(), "reload failed"); n != 1 {
		t.Errorf("the broken configuration was reported %d times, want once", n)
	}
	// The monitoring API follows the reloads: the running pipeline is the
	// new one, and the counts survived the swaps.
	var st struct {
		Pipelines map[string]struct {
			Events  map[string]int64
			Reloads struct {
				Successes, Failures int64
				LastError           *struct{ Message string } `json:"last_error"`
			}
		}
	}
	if err := json.Unmarshal(apiGet(t, base, "/_node/stats/pipelines/main"), &st); err != nil {
		t.Fatal(err)
	}
	r := st.Pipelines["main"].Reloads
	if r.Successes != 2 || r.Failures != 1 || r.LastError == nil || !strings.Contains(r.LastError.Message, "main.conf:1") {
		t.Errorf("reloads = %+v, want 2 successes, 1 failure naming main.conf:1", r)
	}
	var pl struct {
		Pipelines map[string]json.RawMessage
	}
	if err := json.Unmarshal(apiGet(t, base, "/_node/pipelines"), &pl); err != nil || len(pl.Pipelines) != 1 {
		t.Errorf("/_node/pipelines lists %d pipelines (%v), want only main", len(pl.Pipelines), err)
	}
	p.signal(syscall.SIGTERM)
	if code := p.wait(exitTimeout); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// TestCheckPipelinesYML: sluice check builds every pipeline of
// pipelines.yml and names the broken one.
func TestCheckPipelinesYML(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	yml := "- pipeline.id: good\n  config.string: 'input { generator { count => 1 } } output { null { } }'\n" +
		"- pipeline.id: bad\n  config.string: 'input { generator { count => 1 } } output { nosuch { } }'\n"
	if err := os.WriteFile(filepath.Join(dir, "pipelines.yml"), []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runSluice(t, procOpts{args: []string{"check", "--path.settings", dir}})
	if code != 1 || !strings.Contains(stderr, "pipeline bad") || !strings.Contains(stderr, "nosuch") || strings.Contains(stderr, "pipeline good") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "pipelines.yml"), []byte("- pipeline.id: good\n  pipeline.wrokers: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runSluice(t, procOpts{args: []string{"check", "--path.settings", dir}})
	if code != 1 || !strings.Contains(stderr, "pipelines.yml:2") || !strings.Contains(stderr, `did you mean "pipeline.workers"`) {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
}

// TestPipelineDownAfterReloadIsRetried: a pipeline added to pipelines.yml
// by a reload cannot start (its port is taken by another process); the
// health report shows it down and red, and once the port is free the
// agent's retry starts it.
func TestPipelineDownAfterReloadIsRetried(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(path, s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a := filepath.Join(dir, "a.conf")
	b := filepath.Join(dir, "b.conf")
	write(a, `input { generator { count => 0 } } output { null { } }`)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	write(b, `input { tcp { host => "127.0.0.1" port => `+strconv.Itoa(port)+` } } output { null { } }`)
	yml := filepath.Join(dir, "pipelines.yml")
	write(yml, "- pipeline.id: a\n  path.config: "+a+"\n")
	p := startSluice(t, procOpts{args: []string{"serve", "--path.settings", dir, "--api.http.port", "0"}})
	p.waitReady()
	apiLine := p.waitStderr(regexp.MustCompile(`monitoring API listening" address=(\S+)`), 30*time.Second)
	base := regexp.MustCompile(`address=(\S+)`).FindStringSubmatch(apiLine)[1]

	write(yml, "- pipeline.id: a\n  path.config: "+a+"\n- pipeline.id: b\n  path.config: "+b+"\n")
	p.signal(syscall.SIGHUP)
	p.waitStderr(regexp.MustCompile(`pipeline=b.*retry_in|retry_in.*pipeline=b`), 60*time.Second)

	type report struct {
		Status     string `json:"status"`
		Indicators map[string]struct {
			Indicators map[string]struct {
				Status  string `json:"status"`
				Details struct {
					Status struct{ State string } `json:"status"`
				} `json:"details"`
				Diagnosis []struct{ Cause string } `json:"diagnosis"`
			} `json:"indicators"`
		} `json:"indicators"`
	}
	health := func() report {
		t.Helper()
		var r report
		if err := json.Unmarshal(apiGet(t, base, "/_health_report"), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := health()
	bi := r.Indicators["pipelines"].Indicators["b"]
	if r.Status != "red" || bi.Status != "red" || bi.Details.Status.State != "DOWN" ||
		len(bi.Diagnosis) == 0 || !strings.Contains(bi.Diagnosis[0].Cause, strconv.Itoa(port)) {
		t.Fatalf("while b cannot start, the health report says %+v", r)
	}
	if ai := r.Indicators["pipelines"].Indicators["a"]; ai.Details.Status.State != "RUNNING" {
		t.Errorf("pipeline a: %+v, want it running", ai)
	}

	taken.Close()
	// The retry (1 s, doubling) starts b once the port is free.
	deadline := time.Now().Add(60 * time.Second)
	for {
		r = health()
		if bi := r.Indicators["pipelines"].Indicators["b"]; bi.Details.Status.State == "RUNNING" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("b did not start after its port was freed: %+v", r)
		}
		time.Sleep(100 * time.Millisecond) // polling the API
	}
	p.signal(syscall.SIGTERM)
	if code := p.wait(exitTimeout); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}
