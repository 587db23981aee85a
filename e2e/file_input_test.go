//go:build linux

package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestFileInputSurvivesKill9 tails a file that is written at 10,000
// lines/s and rotated, kills `sluice serve` with SIGKILL at random moments
// and restarts it: every line must arrive, and duplicates stay within the
// window of lines not yet acknowledged and saved. With the memory queue a
// line is acknowledged (its offset saved) once the output wrote it; with
// the persisted queue once it is in the queue's pages, which replay it
// after the crash.
func TestFileInputSurvivesKill9(t *testing.T) {
	t.Run("memory", func(t *testing.T) { testFileInputKill9(t, false) })
	t.Run("persisted", func(t *testing.T) { testFileInputKill9(t, true) })
}

func testFileInputKill9(t *testing.T, persisted bool) {
	const (
		total = 60_000
		rate  = 10_000
		every = 15_000 // rotation
		kills = 4
	)
	dir := t.TempDir()
	logPath := filepath.Join(dir, "app.log")
	reg := filepath.Join(dir, "registry.json")
	var extra []string
	if persisted {
		sdir := filepath.Join(dir, "settings")
		if err := os.Mkdir(sdir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(sdir, "sluice.yml"), fmt.Sprintf(
			"queue.type: persisted\npath.queue: %s\napi.enabled: false\n", filepath.Join(dir, "queue")))
		extra = []string{"--path.settings", sdir}
	}
	config := func(out string) string {
		return `input { file { path => ` + confString(t, logPath+"*") + ` start_position => beginning
			sincedb_path => ` + confString(t, reg) + ` sincedb_write_interval => 0.2 stat_interval => 0.1 discover_interval => 0.5 } }
			output { file { path => ` + confString(t, out) + ` codec => json_lines } }`
	}
	line := func(i int) string { return fmt.Sprintf("seq=%08d %s", i, strings.Repeat("y", 40)) }

	// The writer: 10,000 lines/s, renamed away every 15,000 lines.
	var written atomic.Int64
	writerDone := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			writerDone <- err
			return
		}
		start := time.Now()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		n := 0
		for n < total {
			due := min(int(time.Since(start).Seconds()*rate)+100, total)
			var b strings.Builder
			for ; n < due; n++ {
				b.WriteString(line(n) + "\n")
				if (n+1)%every == 0 {
					f.WriteString(b.String())
					b.Reset()
					f.Close()
					if err := os.Rename(logPath, fmt.Sprintf("%s.%d", logPath, (n+1)/every)); err != nil {
						writerDone <- err
						return
					}
					if f, err = os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err != nil {
						writerDone <- err
						return
					}
				}
			}
			f.WriteString(b.String())
			written.Store(int64(n))
			<-tick.C
		}
		f.Close()
		writerDone <- nil
	}()

	var outs []string
	// saved[k] holds the lines the registry had saved when run k was
	// killed: later runs must not send them again.
	var saved []map[int]bool
	for k := 0; k <= kills; k++ {
		out := filepath.Join(dir, fmt.Sprintf("out-%d.jsonl", k))
		outs = append(outs, out)
		p := startSluice(t, procOpts{args: append([]string{"serve", "-e", config(out)}, extra...), dir: dir})
		p.waitReady()
		if k == kills {
			if err := <-writerDone; err != nil {
				t.Fatal(err)
			}
			waitUntil(t, 60*time.Second, "every line in the outputs", func() bool {
				return len(collectSeqs(t, outs)) == total
			})
			p.stop()
			break
		}
		time.Sleep(time.Duration(300+rand.IntN(1200)) * time.Millisecond) // a random moment to crash at
		p.signal(syscall.SIGKILL)
		select {
		case <-p.done:
		case <-time.After(exitTimeout):
			t.Fatal("sluice still running after SIGKILL")
		}
		saved = append(saved, savedLines(t, dir, reg))
		t.Logf("killed run %d after %d lines written, %d lines saved as delivered", k, written.Load(), len(saved[k]))
	}
	seqs := collectSeqs(t, outs)
	dups := 0
	for i := range total {
		switch c := seqs[i]; {
		case c == 0:
			t.Fatalf("line %d lost", i)
		case c > 1:
			dups += c - 1
		}
	}
	// Duplicates only come from the window not yet saved: no run sends a
	// line that the registry had saved before it started. (With the
	// persisted queue a saved line may still be in the queue when the
	// process dies, and the next run delivers it from there: only the
	// no-loss check above applies.)
	for k, sv := range saved {
		if persisted {
			break
		}
		for j := k + 1; j < len(outs); j++ {
			for i := range collectSeqs(t, outs[j:j+1]) {
				if sv[i] {
					t.Fatalf("line %d was saved as delivered before run %d was killed, and run %d sent it again", i, k, j)
				}
			}
		}
	}
	queueType := "memory"
	if persisted {
		queueType = "persisted"
	}
	t.Logf("kill -9 (x%d) of sluice serve tailing a rotated file, %s queue: sent %d, received %d, lost 0, duplicated %d",
		kills, queueType, total, total, dups)
}

// savedLines reads the registry and returns the sequence numbers of the
// lines before each file's saved offset.
func savedLines(t *testing.T, dir, reg string) map[int]bool {
	t.Helper()
	out := map[int]bool{}
	b, err := os.ReadFile(reg)
	if errors.Is(err, os.ErrNotExist) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Files []struct {
			Offset int64  `json:"offset"`
			Inode  uint64 `json:"inode"`
		} `json:"files"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("registry after kill -9: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, f := range doc.Files {
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil || !strings.HasPrefix(e.Name(), "app.log") {
				continue
			}
			if st, ok := fi.Sys().(*syscall.Stat_t); !ok || st.Ino != f.Inode {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil || int64(len(data)) < f.Offset {
				t.Fatalf("%s: %v (offset %d, %d bytes)", e.Name(), err, f.Offset, len(data))
			}
			for _, line := range strings.Split(strings.TrimSuffix(string(data[:f.Offset]), "\n"), "\n") {
				if len(line) < 12 || !strings.HasPrefix(line, "seq=") {
					continue
				}
				if i, err := strconv.Atoi(line[4:12]); err == nil {
					out[i] = true
				}
			}
		}
	}
	return out
}

// collectSeqs counts the sequence numbers in the outputs' complete lines.
func collectSeqs(t *testing.T, outs []string) map[int]int {
	seqs := map[int]int{}
	for _, out := range outs {
		for _, ev := range readJSONLinesPartial(t, out) {
			msg, _ := ev["message"].(string)
			if !strings.HasPrefix(msg, "seq=") || len(msg) < 12 {
				t.Fatalf("unexpected event %v", ev)
			}
			i, err := strconv.Atoi(msg[4:12])
			if err != nil {
				t.Fatalf("bad line %q", msg)
			}
			seqs[i]++
		}
	}
	return seqs
}
