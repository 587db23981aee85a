package agent_test

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	lumber "github.com/elastic/go-lumber/client/v2"

	"github.com/sluicelog/sluice/agent"
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
