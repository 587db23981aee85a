//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	lumber "github.com/elastic/go-lumber/client/v2"
)

// TestPersistedQueueSurvivesKill9 is the fault-suite scenario "kill -9 of
// sluice serve with the persisted queue": a go-lumber client (the library
// Filebeat's Logstash output is built on) sends windows of events to the
// beats input while sluice is killed with SIGKILL; after a restart on the
// same queue, every event the client got an ACK for must reach the file
// output. Duplicates are allowed (at-least-once), losses are not.
func TestPersistedQueueSurvivesKill9(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	port := freePort(t, "tcp")
	writeFile(t, filepath.Join(dir, "sluice.yml"),
		"queue.type: persisted\nqueue.page_capacity: 256kb\npipeline.workers: 2\n")
	conf := fmt.Sprintf(`input { beats { host => "127.0.0.1" port => %d } }
output { file { path => %q codec => json_lines } }`, port, out)
	args := []string{"serve", "--path.settings", dir, "-e", conf}

	p := startSluice(t, procOpts{args: args, dir: dir})
	p.waitReady()

	var (
		mu     sync.Mutex
		acked  = map[int64]bool{}
		sendTo = 0
	)
	stop := make(chan struct{})
	senderDone := make(chan error, 1)
	go func() {
		senderDone <- func() error {
			c, err := lumber.SyncDial("127.0.0.1:"+strconv.Itoa(port), lumber.Timeout(30*time.Second))
			if err != nil {
				return err
			}
			defer c.Close()
			const window = 200
			for seq := int64(0); ; seq += window {
				select {
				case <-stop:
					return nil
				default:
				}
				batch := make([]any, window)
				for i := range batch {
					batch[i] = map[string]any{"seq": seq + int64(i), "message": fmt.Sprintf("event %d of the kill -9 test", seq+int64(i))}
				}
				n, err := c.Send(batch)
				mu.Lock()
				for i := 0; i < n; i++ {
					acked[seq+int64(i)] = true
				}
				sendTo = int(seq) + window
				mu.Unlock()
				if err != nil {
					return nil // the server went away
				}
			}
		}()
	}()
	ackedCount := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	deadline := time.Now().Add(60 * time.Second)
	for ackedCount() < 20000 {
		select {
		case err := <-senderDone:
			t.Fatalf("sender stopped early: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d events acknowledged after 60s", ackedCount())
		}
	}
	p.signal(syscall.SIGKILL)
	<-p.done
	if ws, ok := p.state.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("sluice was not killed: %v", p.describeExit())
	}
	close(stop)
	if err := <-senderDone; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	sent := len(acked)
	attempted := sendTo
	mu.Unlock()

	// The file output is not crash-atomic: cut a torn last line, as a
	// reader of the file would ignore it.
	cutTornLine(t, out)

	p2 := startSluice(t, procOpts{args: args, dir: dir})
	p2.waitReady()
	replay := regexp.MustCompile(`.*msg="persisted queue opened".*`).FindString(p2.stderr.String())
	// Wait until every acknowledged event is in the file.
	var got map[int64]int
	deadline = time.Now().Add(60 * time.Second)
	for {
		got = readSeqs(t, out)
		missing := 0
		for s := range acked {
			if got[s] == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sent %d, received %d, lost %d after the restart (queue: %s)", sent, len(got), missing, replay)
		}
		time.Sleep(50 * time.Millisecond)
	}
	p2.stop()
	got = readSeqs(t, out)
	dups, extra := 0, 0
	for s, n := range got {
		dups += n - 1
		if !acked[s] {
			extra++ // written but the ACK did not reach the client before the kill
		}
		if s >= int64(attempted) {
			t.Errorf("event %d was never sent", s)
		}
	}
	t.Logf("kill -9 with the persisted queue: sent %d, received %d, lost 0, duplicated %d (plus %d unacknowledged that arrived; %s events to replay at restart)",
		sent, len(got)-extra, dups, extra, logAttr(replay, "events_to_replay"))
}

func cutTornLine(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.LastIndexByte(b, '\n'); i+1 != len(b) {
		if err := os.Truncate(path, int64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
}

// readSeqs counts the seq field of each line of the output file.
func readSeqs(t *testing.T, path string) map[int64]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[int64]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct {
			Seq *int64 `json:"seq"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Seq == nil {
			// The last line may be incomplete while sluice writes.
			continue
		}
		out[*ev.Seq]++
	}
	return out
}
