//go:build linux

package e2e

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestSIGTERMDrains: on SIGTERM, sluice stops its inputs and delivers
// every event it had read before exiting 0.
func TestSIGTERMDrains(t *testing.T) {
	t.Parallel()
	const (
		conns   = 4
		perConn = 5000
		total   = conns * perConn
	)
	port := freePort(t, "tcp")
	out := filepath.Join(t.TempDir(), "out.json")
	conf := fmt.Sprintf(`input { tcp { host => "127.0.0.1" port => %d codec => json_lines } }
output { file { path => %s codec => json_lines } }`, port, confString(t, out))
	// Two workers taking batches of 3,000 and waiting up to a minute for a
	// batch to fill: whatever is left after the last full batch (20,000 =
	// 6 × 3,000 + 2,000) stays in flight until the stop drains it.
	p := startSluice(t, procOpts{args: []string{"serve", "-w", "2", "-b", "3000", "-u", "60000", "-e", conf}})
	p.waitReady()

	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b strings.Builder
			for i := 0; i < perConn; i++ {
				fmt.Fprintf(&b, `{"conn":%d,"seq":%d,"message":"drain test event %d/%d"}`+"\n", c, i, c, i)
			}
			if err := writeTCP(port, []byte(b.String())); err != nil {
				errs <- fmt.Errorf("connection %d: %w", c, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// The clients have finished: wait until the server has read every byte
	// they sent (nothing left in the kernel's socket queues), so what
	// follows tests the drain of events sluice holds, not what it never read.
	waitUntil(t, 30*time.Second, "sluice to read everything the clients sent", func() bool {
		return tcpPending(t, port) == 0
	})
	written := countLines(t, out)
	if written >= total {
		t.Fatalf("all %d events were written before the signal (batch delay not honoured?): the drain was not exercised", written)
	}
	t.Logf("%d of %d events written before SIGTERM", written, total)

	start := time.Now()
	p.signal(syscall.SIGTERM)
	if code := p.wait(exitTimeout); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}
	// The partial batches must not wait for the 60 s batch delay.
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the drain took %v; in-flight batches should be flushed at once on stop", d)
	}

	events := readJSONLines(t, out)
	seen := make(map[[2]int]int, total)
	for _, ev := range events {
		c, _ := ev["conn"].(float64)
		s, _ := ev["seq"].(float64)
		seen[[2]int{int(c), int(s)}]++
	}
	var missing, dup int
	for c := 0; c < conns; c++ {
		for i := 0; i < perConn; i++ {
			switch n := seen[[2]int{c, i}]; {
			case n == 0:
				missing++
			case n > 1:
				dup++
			}
		}
	}
	if len(events) != total || missing > 0 || dup > 0 {
		t.Errorf("output has %d events (want %d): %d missing, %d duplicated", len(events), total, missing, dup)
	}
	stopped := p.waitStderr(regexp.MustCompile(`msg="pipeline stopped"`), time.Second)
	if in, outN := logAttr(stopped, "in"), logAttr(stopped, "out"); in != fmt.Sprint(total) || outN != fmt.Sprint(total) {
		t.Errorf("pipeline stopped with in=%s out=%s, want %d and %d: %s", in, outN, total, total, stopped)
	}
}

// TestSecondSIGTERMExitsAtOnce: when the drain cannot finish (the output
// is a FIFO nobody reads, so writes block), a second SIGTERM makes sluice
// exit at once with a non-zero code.
//
// Not parallel: it measures a 2 s deadline, which the other tests' load
// on a small machine must not eat into (sequential tests run alone).
func TestSecondSIGTERMExitsAtOnce(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "out.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	// Hold the read end open without reading: the writer can open the FIFO
	// but blocks once the pipe's buffer is full.
	rfd, err := syscall.Open(fifo, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open fifo: %v", err)
	}
	defer syscall.Close(rfd)
	pipeSize, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(rfd), syscall.F_GETPIPE_SZ, 0)
	if errno != 0 {
		t.Fatalf("F_GETPIPE_SZ: %v", errno)
	}

	port := freePort(t, "tcp")
	conf := fmt.Sprintf(`input { tcp { host => "127.0.0.1" port => %d codec => json_lines } }
output { file { path => %s codec => json_lines } }`, port, confString(t, fifo))
	p := startSluice(t, procOpts{args: []string{"serve", "-w", "1", "-b", "125", "-e", conf}})
	p.waitReady()

	// Several times the pipe's capacity, so the output blocks and the
	// queue behind it fills.
	var b strings.Builder
	for i := 0; b.Len() < 8*int(pipeSize); i++ {
		fmt.Fprintf(&b, `{"seq":%d,"message":"this event is written into a FIFO that nobody reads"}`+"\n", i)
	}
	conn := dialTCP(t, port)
	defer conn.Close()
	go func() { _, _ = conn.Write([]byte(b.String())) }() // blocks too once sluice stops reading

	waitUntil(t, 30*time.Second, "the FIFO to fill up (the output to block)", func() bool {
		var n int32
		_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(rfd), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
		if errno != 0 {
			t.Fatalf("FIONREAD: %v", errno)
		}
		return int(n) >= int(pipeSize)-4096
	})

	p.signal(syscall.SIGTERM)
	p.waitStderr(regexp.MustCompile(`msg="signal received`), 10*time.Second)
	// The output cannot finish: sluice must keep draining, not exit.
	select {
	case <-p.done:
		t.Fatalf("sluice exited (%s) after the first SIGTERM although its output could not deliver", p.describeExit())
	case <-time.After(time.Second):
	}

	start := time.Now()
	p.signal(syscall.SIGTERM)
	code := p.wait(10 * time.Second)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("sluice took %v to exit after the second SIGTERM, want < 2s", d)
	}
	if code == 0 {
		t.Errorf("exit code 0 after a forced stop; want non-zero (events were not delivered)")
	}
	if !regexp.MustCompile(`msg="second signal`).MatchString(p.stderr.String()) {
		t.Errorf("stderr should say the second signal forces the exit")
	}
}
