package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary play a fake sluice (BENCH_FAKE_SLUICE set):
// a tcp server that counts lines and logs as `sluice serve --log.format
// json` does, so the harness's orchestration and its checks can be tested
// without the real plugins.
func TestMain(m *testing.M) {
	if mode := os.Getenv("BENCH_FAKE_SLUICE"); mode != "" {
		os.Exit(fakeSluice(mode))
	}
	os.Exit(m.Run())
}

// fakeSluice counts the lines it receives; on SIGTERM it logs "pipeline
// stopped" with out = the count, less one in mode "lose".
func fakeSluice(mode string) int {
	logLine := func(msg string, kv ...any) {
		rec := map[string]any{"time": time.Now().Format(time.RFC3339Nano), "level": "INFO", "msg": msg}
		for i := 0; i+1 < len(kv); i += 2 {
			rec[kv[i].(string)] = kv[i+1]
		}
		b, _ := json.Marshal(rec)
		fmt.Fprintf(os.Stderr, "%s\n", b)
	}
	if to := shipperTarget(); to != "" {
		// A shipper (ship_stdin_to_beats_null): stdin's lines go to the
		// fake server as they are; exit at the end of stdin.
		logLine("pipeline started")
		c, err := net.Dial("tcp", to)
		if err != nil {
			return 1
		}
		n, err := io.Copy(c, os.Stdin)
		if err != nil || c.Close() != nil {
			return 1
		}
		lines := n / int64(shipLineBytes)
		logLine("pipeline stopped", "in", lines, "filtered", lines, "out", lines)
		return 0
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 1
	}
	logLine("listening", "address", ln.Addr().String())
	logLine("pipeline started")
	var count atomic.Int64
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				r := bufio.NewReaderSize(c, 1<<16)
				for {
					b, err := r.ReadSlice('\n')
					if len(b) > 0 && b[len(b)-1] == '\n' {
						count.Add(1)
					}
					if err != nil && err != bufio.ErrBufferFull {
						return
					}
				}
			}()
		}
	}()
	<-sigs
	ln.Close()
	wg.Wait()
	out := count.Load()
	if mode == "lose" {
		out--
	}
	logLine("pipeline stopped", "in", count.Load(), "filtered", out, "out", out)
	return 0
}

// shipLineBytes is the size of every line of TestRunShipChecksCounts's
// payload, so that the fake shipper can count lines from bytes.
const shipLineBytes = 8

// shipperTarget returns the lumberjack output's host when the fake was
// started with a shipper pipeline (`serve -f CONFIG`), else "".
func shipperTarget() string {
	for i, a := range os.Args {
		if a == "-f" && i+1 < len(os.Args) {
			cfg, err := os.ReadFile(os.Args[i+1])
			if err != nil {
				return ""
			}
			_, rest, ok := strings.Cut(string(cfg), "lumberjack { hosts => [\"")
			if !ok {
				return ""
			}
			host, _, _ := strings.Cut(rest, "\"")
			return host
		}
	}
	return ""
}

func TestRunShipChecksCounts(t *testing.T) {
	lines := [][]byte{[]byte("line 01"), []byte("line 02"), []byte("line 03")}
	e := fakeEnv(t, "ok")
	e.dataFile = filepath.Join(t.TempDir(), "lines")
	if err := os.WriteFile(e.dataFile, bytes.Join(lines, []byte("\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := runShip(e, 1000)
	if err != nil {
		t.Fatalf("runShip: %v", err)
	}
	if r.Events != 1000 || r.Bytes != 1000*shipLineBytes {
		t.Errorf("events %d bytes %d, want 1000 and %d", r.Events, r.Bytes, 1000*shipLineBytes)
	}
	if s := r.Shipper; s == nil || s.PeakRSSMiB <= 0 || s.ShipperCPUPerGiB <= 0 || r.Seconds <= 0 {
		t.Errorf("missing measurements: %+v %+v", r, s)
	}

	e = fakeEnv(t, "lose")
	e.dataFile = filepath.Join(t.TempDir(), "lines")
	if err := os.WriteFile(e.dataFile, bytes.Join(lines, []byte("\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runShip(e, 10); err == nil || !strings.Contains(err.Error(), "EVENTS LOST: sent 10") {
		t.Fatalf("err = %v, want EVENTS LOST", err)
	}
}

func fakeEnv(t *testing.T, mode string) *env {
	t.Helper()
	t.Setenv("BENCH_FAKE_SLUICE", mode)
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &env{bin: bin, conns: 3, timeout: 30 * time.Second}
}

func TestRunTCPChecksCounts(t *testing.T) {
	p := jsonPayload(100)
	const n = 1234
	r, err := runTCP(fakeEnv(t, "ok"), "fake", "json_lines", p, n, nullOutput, nil)
	if err != nil {
		t.Fatalf("runTCP: %v", err)
	}
	// 3 connections, each sending from the start of the block.
	if want := p.size(412) + 2*p.size(411); r.Events != n || r.Bytes != want {
		t.Errorf("events %d bytes %d, want %d and %d", r.Events, r.Bytes, n, want)
	}
	if r.Seconds <= 0 || r.EventsPerSec <= 0 || r.PeakRSSMiB <= 0 {
		t.Errorf("missing measurements: %+v", r)
	}
}

func TestRunTCPFailsWhenEventsAreLost(t *testing.T) {
	_, err := runTCP(fakeEnv(t, "lose"), "fake", "line", jsonPayload(10), 500, nullOutput, nil)
	if err == nil || !strings.Contains(err.Error(), "EVENTS LOST: sent 500") {
		t.Fatalf("err = %v, want EVENTS LOST", err)
	}
}

func TestWriteEventsAndSize(t *testing.T) {
	p := newPayload([][]byte{[]byte("a"), []byte("bb"), []byte("ccc")})
	for _, n := range []int64{0, 1, 2, 3, 4, 7, 100} {
		var buf bytes.Buffer
		k, err := writeEvents(&buf, p, n)
		if err != nil {
			t.Fatal(err)
		}
		if got := int64(bytes.Count(buf.Bytes(), []byte{'\n'})); got != n {
			t.Errorf("n=%d: wrote %d lines", n, got)
		}
		if k != int64(buf.Len()) || k != p.size(n) {
			t.Errorf("n=%d: wrote %d bytes, returned %d, size() %d", n, buf.Len(), k, p.size(n))
		}
	}
}

func TestJSONPayload(t *testing.T) {
	p := jsonPayload(500)
	if avg := p.avgEventSize(); avg < 170 || avg > 260 {
		t.Errorf("average document is %.0f bytes, want about 200", avg)
	}
	start := 0
	for i, end := range p.ends {
		var doc map[string]any
		if err := json.Unmarshal(p.block[start:end], &doc); err != nil {
			t.Fatalf("document %d: %v: %s", i, err, p.block[start:end])
		}
		for _, k := range []string{"@timestamp", "message", "level", "logger_name", "host", "path"} {
			if _, ok := doc[k]; !ok {
				t.Fatalf("document %d has no %s: %s", i, k, p.block[start:end])
			}
		}
		start = end
	}
}

func TestGeneratedApacheLines(t *testing.T) {
	for _, l := range generatedApacheLines(50) {
		if bytes.IndexByte(l, '\n') >= 0 || !bytes.Contains(l, []byte(`] "GET /`)) {
			t.Fatalf("bad line %q", l)
		}
	}
}

func TestParseHWM(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"Name:\tsluice\nVmPeak:\t  1000 kB\nVmHWM:\t    2048 kB\nVmRSS:\t1 kB\n", 2048 * 1024},
		{"Name:\tzombie\nState:\tZ\n", 0},
		{"VmHWM:\t12 MB\n", 0},
		{"VmHWM:\tx kB\n", 0},
	} {
		if got := parseHWM([]byte(tc.in)); got != tc.want {
			t.Errorf("parseHWM(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestPercentile(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	for _, tc := range []struct{ p, want float64 }{{50, 10}, {95, 19}, {100, 20}, {0, 1}} {
		if got := percentile(v, tc.p); got != tc.want {
			t.Errorf("p%.0f = %v, want %v", tc.p, got, tc.want)
		}
	}
}

func TestLogFollowerAcrossWrites(t *testing.T) {
	l := newLogFollower()
	lines := `{"time":"2025-01-02T03:04:05.123456789Z","level":"INFO","msg":"listening","address":"127.0.0.1:5044"}
{"time":"2025-01-02T03:04:05.2Z","level":"INFO","msg":"pipeline started"}
{"time":"2025-01-02T03:04:06Z","level":"WARN","msg":"slow"}
not json
{"time":"2025-01-02T03:04:07Z","level":"INFO","msg":"pipeline stopped","in":10,"filtered":9,"out":8}
`
	// Cut the stream at every few bytes: lines arrive in pieces.
	for i := 0; i < len(lines); i += 7 {
		l.Write([]byte(lines[i:min(i+7, len(lines))]))
	}
	select {
	case a := <-l.addrC:
		if a != "127.0.0.1:5044" {
			t.Errorf("address %q", a)
		}
	default:
		t.Error("no address")
	}
	if want := time.Date(2025, 1, 2, 3, 4, 5, 200000000, time.UTC); !l.started.Equal(want) {
		t.Errorf("started %v, want %v", l.started, want)
	}
	if l.stop == nil || *l.stop != (counters{In: 10, Filtered: 9, Out: 8}) {
		t.Errorf("stopped %+v", l.stop)
	}
	if len(l.errs) != 1 || !strings.Contains(l.errs[0], "slow") {
		t.Errorf("warnings %q", l.errs)
	}
}

func TestMachineBusy(t *testing.T) {
	if _, err := os.Stat("/proc/stat"); err != nil {
		t.Skip("no /proc/stat")
	}
	if b := machineBusy(); b <= 0 {
		t.Errorf("machineBusy() = %v", b)
	}
}
