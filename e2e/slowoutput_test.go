//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSlowOutputBackpressure is the fault-suite scenario "a slow output":
// a go-lumber client streams 4 KiB events to the beats input of sluice
// (the binary without the race detector, as users run it; memory queue,
// 2 workers × 125 events), whose http output posts them to a test server
// that first answers every request only after a second. Meanwhile:
//
//   - the sender is held back: the events it got an ACK for never run
//     ahead of what the server received by more than the memory queue,
//     one batch per worker and one window;
//   - sluice's peak resident memory (VmHWM) stays far below what the
//     sender would have pushed: memory is bounded by the queue, not by
//     the backlog.
//
// Then the server answers at once, and every event arrives exactly once:
// "sent N, received N, lost 0, duplicated D".
func TestSlowOutputBackpressure(t *testing.T) {
	const (
		n       = 20000
		window  = 200
		workers = 2
		batch   = 125
		msgSize = 4 << 10
		// The most events sluice may hold acknowledged and not yet sent:
		// its memory queue (workers × batch by default) and a batch in
		// each worker; plus one window, as the two counts are sampled one
		// after the other.
		holdable = workers*batch + workers*batch + window
		// Peak memory allowed: far below the 80 MiB the sender offers.
		maxHWM = 64 << 20
	)
	var (
		slow     atomic.Bool
		mu       sync.Mutex
		seen     = make([]int, n)
		received atomic.Int64 // events in requests that arrived
		requests atomic.Int64
	)
	slow.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var evs []struct {
			Seq *int `json:"seq"`
		}
		if err := json.Unmarshal(body, &evs); err != nil {
			t.Errorf("request body is not a JSON array: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		requests.Add(1)
		received.Add(int64(len(evs)))
		if slow.Load() {
			time.Sleep(time.Second) // the slow downstream
		}
		mu.Lock()
		for _, e := range evs {
			if e.Seq == nil || *e.Seq < 0 || *e.Seq >= n {
				t.Errorf("unexpected event seq %v", e.Seq)
				continue
			}
			seen[*e.Seq]++
		}
		mu.Unlock()
	}))
	defer srv.Close()

	port := freePort(t, "tcp")
	conf := fmt.Sprintf(`input { beats { host => "127.0.0.1" port => %d } }
output { http { url => "%s/ingest" http_method => "post" format => "json_batch" } }`, port, srv.URL)
	p := startSluice(t, procOpts{bin: sluicePlainBin, args: []string{"serve", "-w", strconv.Itoa(workers), "-b", strconv.Itoa(batch), "-e", conf}})
	p.waitReady()
	baseline := vmHWM(t, p.pid())

	s := &beatsSender{addr: "127.0.0.1:" + strconv.Itoa(port), n: n, batch: window, pad: strings.Repeat("x", msgSize)}
	stop := make(chan struct{})
	sent := make(chan error, 1)
	go func() { sent <- s.run(stop) }()
	defer close(stop)

	// The slow phase: 6 seconds, watching how far the sender's
	// acknowledged count runs ahead of the server.
	slowUntil := time.Now().Add(6 * time.Second)
	ahead := 0
	for time.Now().Before(slowUntil) {
		r := int(received.Load())
		a := s.ackedCount()
		ahead = max(ahead, a-r)
		if a-r > holdable {
			t.Fatalf("the sender got ACKs for %d events, the server received %d: sluice holds %d, more than %d", a, r, a-r, holdable)
		}
		select {
		case err := <-sent:
			t.Fatalf("the sender finished during the slow phase (%v): no backpressure", err)
		case <-time.After(20 * time.Millisecond): // sampling interval
		}
	}
	slowAcked, slowRequests := s.ackedCount(), requests.Load()
	hwm := vmHWM(t, p.pid())
	if slowAcked > n/4 {
		t.Fatalf("%d of %d events acknowledged while the output took a second per request", slowAcked, n)
	}
	if hwm > maxHWM {
		t.Errorf("sluice's peak RSS is %d MiB while the output was slow, want at most %d MiB", hwm>>20, maxHWM>>20)
	}

	slow.Store(false)
	select {
	case err := <-sent:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("sender stuck at %d of %d acknowledged after the output sped up", s.ackedCount(), n)
	}
	waitUntil(t, 30*time.Second, "every event at the server", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range seen {
			if c == 0 {
				return false
			}
		}
		return true
	})
	finalHWM := vmHWM(t, p.pid())
	p.stop()
	mu.Lock()
	lost, dups := 0, 0
	for _, c := range seen {
		if c == 0 {
			lost++
		}
		dups += max(c-1, 0)
	}
	mu.Unlock()
	line := fmt.Sprintf("slow output (http, 1 s per request for 6 s): sent %d, received %d, lost %d, duplicated %d", n, n-lost, lost, dups)
	fmt.Println(line)
	t.Log(line)
	t.Logf("slow phase: %d events acknowledged in %d requests, at most %d ahead of the server (bound %d); VmHWM %d MiB at start, %d MiB after the slow phase, %d MiB at the end (sender offered %d MiB)",
		slowAcked, slowRequests, ahead, holdable, baseline>>20, hwm>>20, finalHWM>>20, n*msgSize>>20)
	if lost != 0 {
		t.Fatalf("%d events lost", lost)
	}
	if dups != 0 {
		t.Errorf("%d events delivered twice; the server never failed a request", dups)
	}
}
