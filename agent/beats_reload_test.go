package agent_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	lumber "github.com/elastic/go-lumber/client/v2"

	"github.com/sluicelog/sluice/agent"
	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/pipeline"
	"github.com/sluicelog/sluice/plugin"
)

// lumberSender sends events numbered by "seq" with go-lumber (the client of
// Filebeat's Logstash output), in windows, resending a window that was not
// acknowledged on a new connection, as Filebeat does. pipelined uses the
// asynchronous client with several windows in flight (Filebeat's
// `pipelining`).
type lumberSender struct {
	addr      string
	n, window int
	pipelined bool

	mu    sync.Mutex
	acked int // events acknowledged, in order
}

func (s *lumberSender) ackedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acked
}

func (s *lumberSender) docs(first int) []any {
	end := min(first+s.window, s.n)
	out := make([]any, 0, end-first)
	for i := first; i < end; i++ {
		out = append(out, map[string]any{"message": "event " + strconv.Itoa(i), "seq": i})
	}
	return out
}

// run sends until every event is acknowledged or stop is closed.
func (s *lumberSender) run(stop <-chan struct{}) error {
	for s.ackedCount() < s.n {
		select {
		case <-stop:
			return fmt.Errorf("stopped with %d of %d events acknowledged", s.ackedCount(), s.n)
		default:
		}
		var err error
		if s.pipelined {
			err = s.sendAsync(stop)
		} else {
			err = s.sendSync(stop)
		}
		if err != nil {
			time.Sleep(10 * time.Millisecond) // the port is between two pipelines: reconnect later
		}
	}
	return nil
}

func (s *lumberSender) sendSync(stop <-chan struct{}) error {
	cl, err := lumber.SyncDial(s.addr, lumber.Timeout(10*time.Second))
	if err != nil {
		return err
	}
	defer cl.Close()
	for next := s.ackedCount(); next < s.n; next = s.ackedCount() {
		select {
		case <-stop:
			return nil
		default:
		}
		batch := s.docs(next)
		k, err := cl.Send(batch)
		if err != nil || k != len(batch) {
			return fmt.Errorf("window at %d: %d acknowledged: %v", next, k, err)
		}
		s.mu.Lock()
		s.acked = next + len(batch)
		s.mu.Unlock()
	}
	return nil
}

// sendAsync keeps up to three windows in flight; at the first window not
// acknowledged it stops, and the caller resends from the first
// unacknowledged event.
func (s *lumberSender) sendAsync(stop <-chan struct{}) error {
	cl, err := lumber.AsyncDial(s.addr, 3, lumber.Timeout(10*time.Second))
	if err != nil {
		return err
	}
	var (
		wg     sync.WaitGroup
		failMu sync.Mutex
		failed bool
	)
	defer func() {
		wg.Wait() // every window's outcome: closing first would lose ACKs on the way
		cl.Close()
	}()
	for next := s.ackedCount(); next < s.n; {
		failMu.Lock()
		f := failed
		failMu.Unlock()
		select {
		case <-stop:
			return nil
		default:
		}
		if f {
			return fmt.Errorf("a window was not acknowledged")
		}
		batch := s.docs(next)
		first := next
		wg.Add(1)
		err := cl.Send(func(seq uint32, err error) {
			defer wg.Done()
			failMu.Lock()
			defer failMu.Unlock()
			// Windows are acknowledged in order; after a failure none
			// counts (the sender resends from the first unacknowledged).
			if failed || err != nil || int(seq) != len(batch) {
				failed = true
				return
			}
			s.mu.Lock()
			s.acked = first + len(batch)
			s.mu.Unlock()
		}, batch)
		if err != nil {
			return err
		}
		next += len(batch)
	}
	return nil
}

// Reloading a pipeline whose beats input go-lumber clients stream to
// (sync and pipelining) delivers every acknowledged event exactly once:
// the old pipeline's input finishes and acknowledges the windows in
// flight before it closes, so the clients resend nothing that was taken.
func TestBeatsReloadUnderLoadNoDuplicates(t *testing.T) {
	for _, pipelined := range []bool{false, true} {
		t.Run(fmt.Sprintf("pipelined=%v", pipelined), func(t *testing.T) {
			l, port := freePort(t)
			l.Close()
			out := filepath.Join(t.TempDir(), "out.json")
			conf := func(version string) string {
				return `input { beats { host => "127.0.0.1" port => ` + strconv.Itoa(port) + ` } }
filter { mutate { add_field => { "version" => "` + version + `" } } }
output { file { path => ` + strconv.Quote(out) + ` codec => json_lines } }`
			}
			h := start(t, agent.Options{}, map[string]string{"main": conf("v0")})
			const n = 20000
			s := &lumberSender{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), n: n, window: 200, pipelined: pipelined}
			stop := make(chan struct{})
			defer close(stop)
			sent := make(chan error, 1)
			go func() { sent <- s.run(stop) }()
			for v := 1; v <= 3; v++ {
				waitFor(t, "events to be acknowledged", func() bool { return s.ackedCount() >= v*n/5 })
				h.c.set("main", conf("v"+strconv.Itoa(v)))
				t0 := time.Now()
				if err := h.a.Reload(false); err != nil {
					t.Fatalf("reload %d: %v", v, err)
				}
				t.Logf("reload %d took %s", v, time.Since(t0))
			}
			select {
			case err := <-sent:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("sender stuck at %d of %d", s.ackedCount(), n)
			}
			waitFor(t, "every event in the output", func() bool { return len(readEvents(t, out)) >= n })
			events := readEvents(t, out)
			seen := make([]int, n)
			versions := map[string]int{}
			for _, e := range events {
				seq, ok := e["seq"].(float64)
				if !ok || seq < 0 || int(seq) >= n {
					t.Fatalf("unexpected event %v", e)
				}
				seen[int(seq)]++
				versions[fmt.Sprint(e["version"])]++
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
			t.Logf("sent %d, received %d, lost %d, duplicated %d; by version %v", n, len(events)-dup, lost, dup, versions)
			if lost != 0 || dup != 0 {
				t.Errorf("lost %d, duplicated %d; want neither", lost, dup)
			}
			if versions["v3"] == 0 || versions["v0"] == 0 {
				t.Errorf("by version %v: want the first and the last configuration to have run", versions)
			}
		})
	}
}

// stuckOutput takes nothing until its context ends (an output whose
// destination is down), and says when it was first called.
type stuckOutput struct{ called chan struct{} }

func (*stuckOutput) Settings(*plugin.Settings) {}
func (o *stuckOutput) Write(ctx context.Context, _ []*event.Event) error {
	select {
	case o.called <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
}

// A forced stop (a second SIGTERM) while the beats input waits, in its
// grace period, for a full pipeline whose output is stuck: the window is
// not acknowledged (its events are thrown away, the client must resend
// them), and the stop does not wait for the grace period to end.
func TestForceStopDuringInputGraceDoesNotAcknowledge(t *testing.T) {
	l, port := freePort(t)
	l.Close()
	out := &stuckOutput{called: make(chan struct{}, 1)}
	reg := plugin.Default.Clone()
	reg.Register(plugin.Spec{Kind: plugin.KindOutput, Name: "stuck_test", New: func() plugin.Plugin { return out }})
	src := `input { beats { host => "127.0.0.1" port => ` + strconv.Itoa(port) + ` } } output { stuck_test { } }`
	cfg, err := config.ParseString("main.conf", src)
	if err != nil {
		t.Fatal(err)
	}
	a := agent.New(agent.Options{Logger: quiet, Load: func() ([]agent.Spec, error) {
		return []agent.Spec{agent.NewSpec("main", pipeline.Settings{Workers: 1, BatchSize: 10, Logger: quiet, Registry: reg}, cfg, nil)}, nil
	}})
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		a.ForceStop()
		<-done
	}()

	cl, err := lumber.SyncDial(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), lumber.Timeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	type result struct {
		n   int
		err error
	}
	res := make(chan result, 1)
	go func() {
		n, err := cl.Send(lumberDocs(0, 200)) // more than the queue and the batch in the worker
		res <- result{n, err}
	}()
	select {
	case <-out.called:
	case <-time.After(10 * time.Second):
		t.Fatal("the output was never called")
	}
	select {
	case r := <-res:
		t.Fatalf("the window was answered (%d, %v) while the pipeline is full", r.n, r.err)
	default:
	}
	cancel() // SIGTERM: the input waits for the window (grace period)
	t0 := time.Now()
	a.ForceStop() // the second SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("the forced stop waited for the input's grace period")
	}
	done <- nil // for the deferred cleanup
	t.Logf("stopped %s after the forced stop", time.Since(t0))
	r := <-res
	if r.err == nil && r.n > 0 {
		t.Fatalf("%d events acknowledged after a forced stop: they were thrown away", r.n)
	}
}

func lumberDocs(first, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"message": "event " + strconv.Itoa(first+i), "seq": first + i}
	}
	return out
}
