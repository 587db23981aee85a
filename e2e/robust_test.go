//go:build linux

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// raiseFileLimit lifts the soft RLIMIT_NOFILE to the hard limit and fails
// the test if that is still below need.
func raiseFileLimit(t *testing.T, need uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("getrlimit: %v", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatalf("setrlimit: %v", err)
		}
	}
	if lim.Cur < need {
		t.Fatalf("RLIMIT_NOFILE is %d; this test needs %d open files (raise the hard limit)", lim.Cur, need)
	}
}

// TestManyConnectionsAndBadClients: 1,000 concurrent clients, an idle one
// and one sending garbage, invalid UTF-8 and a 2 MiB line without a
// newline. Every valid client's events arrive, the server survives, its
// memory stays bounded, and it still stops cleanly with the idle
// connection open.
//
// The memory bound is checked on the binary built without the race
// detector (which multiplies memory use); under -race the scenario also
// runs on the race-enabled binary, for data races.
func TestManyConnectionsAndBadClients(t *testing.T) {
	t.Parallel()
	const clients = 1000
	raiseFileLimit(t, 4*clients+400)
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		manyConnections(t, sluicePlainBin, clients, 300<<20)
	})
	if sluiceBin != sluicePlainBin {
		t.Run("race", func(t *testing.T) {
			t.Parallel()
			manyConnections(t, sluiceBin, clients, 0)
		})
	}
}

// manyConnections runs the scenario against bin; maxHWM > 0 bounds the
// server's peak resident memory.
func manyConnections(t *testing.T, bin string, clients int, maxHWM int64) {
	const (
		perConn  = 20
		hugeLine = 2 << 20
	)

	port := freePort(t, "tcp")
	out := filepath.Join(t.TempDir(), "out.json")
	conf := fmt.Sprintf(`input { tcp { host => "127.0.0.1" port => %d codec => json_lines } }
output { file { path => %s codec => json_lines } }`, port, confString(t, out))
	p := startSluice(t, procOpts{bin: bin, args: []string{"serve", "-e", conf}})
	p.waitReady()

	// A client that connects and sends nothing, open until after the stop.
	idle := dialTCP(t, port)
	defer idle.Close()

	// A client sending garbage, then a valid line, then a 2 MiB line with
	// no newline, then half-closing its side.
	garbageDone := make(chan error, 1)
	go func() {
		garbageDone <- func() error {
			c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 10*time.Second)
			if err != nil {
				return err
			}
			defer c.Close()
			tc := c.(*net.TCPConn)
			_ = tc.SetDeadline(time.Now().Add(60 * time.Second))
			var b bytes.Buffer
			b.WriteString("this is not json\n")
			b.WriteString("{\"unterminated\": \n")
			b.WriteString("\xff\xfe\xfd invalid utf-8 \xc3\x28\n")
			b.WriteString("{\"message\":\"bad utf-8 inside a string: \xc3\x28 \xed\xa0\x80\"}\n")
			b.Write([]byte{0, 1, 2, 3, '\r', '\n'})
			b.WriteString("{\"message\":\"valid after garbage\",\"conn\":-1,\"seq\":0}\n")
			b.Write(bytes.Repeat([]byte("x"), hugeLine))
			if _, err := tc.Write(b.Bytes()); err != nil {
				return fmt.Errorf("write: %w", err)
			}
			if err := tc.CloseWrite(); err != nil {
				return fmt.Errorf("half-close: %w", err)
			}
			// The server must finish the connection after our half-close.
			if _, err := io.Copy(io.Discard, tc); err != nil {
				return fmt.Errorf("waiting for the server to close the connection: %w", err)
			}
			return nil
		}()
	}()

	// 1,000 clients: all connect first, then all send, then close.
	var connected, wg sync.WaitGroup
	release := make(chan struct{})
	errs := make(chan error, clients)
	connected.Add(clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 30*time.Second)
			connected.Done()
			if err != nil {
				errs <- fmt.Errorf("client %d: %w", i, err)
				return
			}
			defer c.Close()
			<-release
			var b []byte
			for j := 0; j < perConn; j++ {
				b = fmt.Appendf(b, `{"conn":%d,"seq":%d,"message":"client %d line %d: ünïcødé ✓"}`+"\n", i, j, i, j)
			}
			_ = c.SetWriteDeadline(time.Now().Add(60 * time.Second))
			if _, err := c.Write(b); err != nil {
				errs <- fmt.Errorf("client %d: write: %w", i, err)
			}
		}()
	}
	connected.Wait()
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	select {
	case err := <-garbageDone:
		if err != nil {
			t.Errorf("garbage client: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Errorf("garbage client: the server did not close the connection 60s after the half-close")
	}
	if t.Failed() {
		t.FailNow()
	}

	// Wait until everything expected is in the output (or the deadline
	// passes); then check it.
	want := clients * perConn
	pollUntil(60*time.Second, func() bool {
		return countLines(t, out) >= want &&
			checkRobustOutput(readJSONLinesPartial(t, out), clients, perConn).complete(want)
	})
	res := checkRobustOutput(readJSONLinesPartial(t, out), clients, perConn)
	if p.exited() {
		t.Fatalf("sluice exited (%s) during the test", p.describeExit())
	}
	hwm := vmHWM(t, p.pid())
	t.Logf("sluice peak RSS (VmHWM): %.1f MiB", float64(hwm)/(1<<20))
	if maxHWM > 0 && hwm > maxHWM {
		t.Errorf("sluice peak RSS %d MiB exceeds %d MiB", hwm>>20, maxHWM>>20)
	}

	// Exactly perConn events per connection.
	for i, n := range res.perClient {
		if n != perConn {
			t.Errorf("client %d: %d events in the output, want %d", i, n, perConn)
		}
	}
	if !res.afterGarbage {
		t.Errorf("the valid line sent after garbage on the same connection is missing")
	}
	// Logstash's json_lines: a line that is not JSON becomes an event with
	// the line as message, tagged _jsonparsefailure.
	if !slices.Contains(res.parseFailures, "this is not json") {
		t.Errorf("no _jsonparsefailure event with message %q; parse failures: %.200q", "this is not json", res.parseFailures)
	}
	// The 2 MiB line without a newline, flushed at the half-close: it
	// arrives whole, or cut to the size limit and tagged as such.
	switch {
	case res.huge == nil:
		t.Errorf("the 2 MiB line sent before the half-close is missing")
	case len(str(res.huge, "message")) < hugeLine && res.huge["tags"] == nil:
		t.Errorf("the 2 MiB line arrived cut to %d bytes without a tag saying so", len(str(res.huge, "message")))
	}

	// Stop with the idle connection still open.
	p.stop()
	_ = idle.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := idle.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("idle connection after the stop: read returned %v, want EOF (closed by the server)", err)
	}
}

// robustResult is what the output of the robustness scenario holds.
type robustResult struct {
	perClient     []int // events per valid client
	afterGarbage  bool  // the valid line after the garbage arrived
	parseFailures []string
	huge          map[string]any // the event of the 2 MiB line
}

func (r robustResult) complete(want int) bool {
	n := 0
	for _, c := range r.perClient {
		n += c
	}
	return n >= want && r.afterGarbage && r.huge != nil
}

func checkRobustOutput(events []map[string]any, clients, perConn int) robustResult {
	r := robustResult{perClient: make([]int, clients)}
	for _, ev := range events {
		c, ok1 := ev["conn"].(float64)
		s, ok2 := ev["seq"].(float64)
		if ok1 && ok2 && c >= 0 && int(c) < clients && s >= 0 && int(s) < perConn {
			r.perClient[int(c)]++
		}
		msg := str(ev, "message")
		if msg == "valid after garbage" {
			r.afterGarbage = true
		}
		if tags, _ := ev["tags"].([]any); slices.Contains(tags, any("_jsonparsefailure")) {
			r.parseFailures = append(r.parseFailures, msg)
		}
		if len(msg) >= 1024 && strings.Trim(msg[:1024], "x") == "" {
			r.huge = ev
		}
	}
	return r
}
