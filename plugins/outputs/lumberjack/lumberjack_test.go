package lumberjack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elastic/go-lumber/lj"
	lumbersrv "github.com/elastic/go-lumber/server/v2"

	"github.com/sluicelog/sluice/event"
	ljproto "github.com/sluicelog/sluice/internal/lumberjack"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

// build builds the output through the configuration parser, as the engine
// does; settings is the text between the braces.
func build(t testing.TB, settings string) *Output {
	t.Helper()
	inst := plugintest.Build(t, plugin.KindOutput, "lumberjack { "+settings+" }")
	return inst.Plugin.(*Output)
}

func events(n int, prefix string) []*event.Event {
	out := make([]*event.Event, n)
	for i := range out {
		out[i] = event.NewMessage(fmt.Sprintf("%s %d", prefix, i))
	}
	return out
}

// goLumber is go-lumber's v2 server: the reference implementation of the
// receiving side. It acknowledges every batch unless hold is set.
type goLumber struct {
	srv       *lumbersrv.Server
	addr      string
	closeOnce sync.Once

	mu       sync.Mutex
	messages []string
	metas    []map[string]any
	batches  int
}

func startGoLumber(t *testing.T, ack func(b *lj.Batch), opts ...lumbersrv.Option) *goLumber {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := lumbersrv.NewWithListener(l, opts...)
	if err != nil {
		t.Fatal(err)
	}
	g := &goLumber{srv: srv, addr: l.Addr().String()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range srv.ReceiveChan() {
			g.mu.Lock()
			g.batches++
			for _, e := range b.Events {
				m := e.(map[string]any)
				g.messages = append(g.messages, fmt.Sprint(m["message"]))
				md, _ := m["@metadata"].(map[string]any)
				g.metas = append(g.metas, md)
			}
			g.mu.Unlock()
			if ack != nil {
				ack(b)
			} else {
				b.ACK()
			}
		}
	}()
	t.Cleanup(func() { g.close(); <-done })
	return g
}

func (g *goLumber) close() { g.closeOnce.Do(func() { g.srv.Close() }) }

func (g *goLumber) got() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.messages...)
}

func checkAll(t *testing.T, got []string, n int, prefix string) {
	t.Helper()
	seen := map[string]int{}
	for _, m := range got {
		seen[m]++
	}
	for i := range n {
		if seen[fmt.Sprintf("%s %d", prefix, i)] == 0 {
			t.Fatalf("event %q missing (got %d events)", fmt.Sprintf("%s %d", prefix, i), len(got))
		}
	}
}

func TestGoLumberServer(t *testing.T) {
	for _, level := range []int{0, 1, 9} {
		t.Run(fmt.Sprintf("compression_level %d", level), func(t *testing.T) {
			g := startGoLumber(t, nil)
			o := build(t, fmt.Sprintf(`hosts => [%q] compression_level => %d bulk_max_size => 100`, g.addr, level))
			evs := events(1050, "hello")
			evs[0].Metadata()["beat"] = "filebeat"
			evs[0].Metadata()["version"] = "8.15.0"
			evs[0].Metadata()["private"] = "stays here"
			if err := o.Write(context.Background(), evs); err != nil {
				t.Fatal(err)
			}
			got := g.got()
			if len(got) != 1050 {
				t.Fatalf("server got %d events, want 1050", len(got))
			}
			checkAll(t, got, 1050, "hello")
			g.mu.Lock()
			defer g.mu.Unlock()
			if g.batches != 11 {
				t.Errorf("%d windows, want 11 (bulk_max_size 100)", g.batches)
			}
			if fmt.Sprint(g.metas[0]) != "map[beat:filebeat type:_doc version:8.15.0]" {
				t.Errorf("@metadata of the first event: %v", g.metas[0])
			}
			if fmt.Sprint(g.metas[1]) != "map[beat:sluice type:_doc]" {
				t.Errorf("default @metadata: %v", g.metas[1])
			}
		})
	}
}

// A server that accepts the window and then dies without acknowledging
// it: the whole window goes to the other host.
func TestFailoverServerKilledMidWindow(t *testing.T) {
	received := make(chan struct{})
	var once sync.Once
	var dead *goLumber
	dead = startGoLumber(t, func(b *lj.Batch) {
		once.Do(func() { close(received) })
	})
	good := startGoLumber(t, nil)
	o := build(t, fmt.Sprintf(`hosts => [%q, %q] backoff_init => 0.05 timeout => 5`, dead.addr, good.addr))
	o.pool.primary.Store(0) // start on the host that dies
	go func() {
		<-received
		dead.close()
	}()
	if err := o.Write(context.Background(), events(500, "ev")); err != nil {
		t.Fatal(err)
	}
	if n := len(dead.got()); n != 500 {
		t.Errorf("first server saw %d events, want the whole window (500)", n)
	}
	got := good.got()
	if len(got) != 500 {
		t.Fatalf("second server got %d events, want 500", len(got))
	}
	checkAll(t, got, 500, "ev")
	// Later batches stay on the healthy host.
	if err := o.Write(context.Background(), events(10, "later")); err != nil {
		t.Fatal(err)
	}
	checkAll(t, good.got(), 10, "later")
}

// fakeServer reads windows with Sluice's decoder and answers with a script:
// a partial ACK then a dropped connection, to inject faults a real server
// does not produce on demand.
func fakeServer(t *testing.T, handle func(nc net.Conn, d *ljproto.Decoder)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				handle(nc, ljproto.NewDecoder(nc, ljproto.Limits{}))
			}()
		}
	}()
	return l.Addr().String()
}

func ack(nc net.Conn, seq uint32) {
	nc.Write(ljproto.AppendACK(nil, ljproto.V2, seq))
}

func TestPartialACKThenFailure(t *testing.T) {
	// The first server acknowledges 30 of the window's 100 events and
	// drops the connection: only the other 70 are sent again.
	var mu sync.Mutex
	var first []string
	bad := fakeServer(t, func(nc net.Conn, d *ljproto.Decoder) {
		for {
			f, err := d.Next()
			if err != nil {
				return
			}
			if f.Type == ljproto.TypeJSON {
				var m map[string]any
				json.Unmarshal(f.JSON, &m)
				mu.Lock()
				first = append(first, fmt.Sprint(m["message"]))
				mu.Unlock()
				if f.Seq == 100 {
					ack(nc, 0) // keep-alive
					ack(nc, 30)
					return
				}
			}
		}
	})
	good := startGoLumber(t, nil)
	o := build(t, fmt.Sprintf(`hosts => [%q, %q] backoff_init => 0.05`, bad, good.addr))
	o.pool.primary.Store(0)
	if err := o.Write(context.Background(), events(100, "ev")); err != nil {
		t.Fatal(err)
	}
	got := good.got()
	if len(got) != 70 {
		t.Fatalf("second server got %d events, want the 70 unacknowledged", len(got))
	}
	if got[0] != "ev 30" || got[69] != "ev 99" {
		t.Errorf("resent %q..%q, want ev 30..ev 99", got[0], got[69])
	}
	mu.Lock()
	defer mu.Unlock()
	if len(first) != 100 {
		t.Errorf("first server got %d events", len(first))
	}
}

// A slow server that sends keep-alive ACKs (go-lumber's keepalive option,
// as Logstash's beats input does) is waited for, however long it takes,
// without failing over.
func TestSlowServerKeepAlive(t *testing.T) {
	release := make(chan struct{})
	slow := startGoLumber(t, func(b *lj.Batch) {
		go func() { <-release; b.ACK() }()
	}, lumbersrv.Keepalive(20*time.Millisecond))
	other := startGoLumber(t, nil)
	o := build(t, fmt.Sprintf(`hosts => [%q, %q] timeout => 0.3`, slow.addr, other.addr))
	o.pool.primary.Store(0)
	done := make(chan error, 1)
	go func() { done <- o.Write(context.Background(), events(20, "ev")) }()
	// Hold the acknowledgement for several timeouts.
	select {
	case err := <-done:
		t.Fatalf("Write returned %v before the server acknowledged", err)
	case <-time.After(time.Second):
	}
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Write did not return after the ACK")
	}
	if n := len(other.got()); n != 0 {
		t.Errorf("other server got %d events: the slow one should have been waited for", n)
	}
}

// A server that never answers and sends no keep-alive times out; the
// events go to the other host.
func TestSilentServerTimesOut(t *testing.T) {
	silent := fakeServer(t, func(nc net.Conn, d *ljproto.Decoder) { io.Copy(io.Discard, nc) })
	good := startGoLumber(t, nil)
	o := build(t, fmt.Sprintf(`hosts => [%q, %q] timeout => 0.2 backoff_init => 0.05`, silent, good.addr))
	o.pool.primary.Store(0)
	if err := o.Write(context.Background(), events(10, "ev")); err != nil {
		t.Fatal(err)
	}
	checkAll(t, good.got(), 10, "ev")
}

// With every host down, Write keeps retrying (backoff) until a host comes
// up, and returns ctx's error when cancelled.
func TestAllHostsDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	o := build(t, fmt.Sprintf(`hosts => [%q] backoff_init => 0.02 backoff_max => 0.1`, addr))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := o.Write(ctx, events(5, "ev")); err != context.DeadlineExceeded {
		t.Fatalf("Write with no server: %v, want context.DeadlineExceeded", err)
	}
	o.pool.hosts[0].mu.Lock()
	failures := o.pool.hosts[0].failures
	o.pool.hosts[0].mu.Unlock()
	if failures < 2 {
		t.Errorf("%d connection attempts, want retries", failures)
	}
}

func TestLoadBalance(t *testing.T) {
	a := startGoLumber(t, nil)
	b := startGoLumber(t, nil)
	o := build(t, fmt.Sprintf(`hosts => [%q, %q] loadbalance => true worker => 2`, a.addr, b.addr))
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := o.Write(context.Background(), events(50, fmt.Sprintf("w%d", w))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	na, nb := len(a.got()), len(b.got())
	if na+nb != 400 || na == 0 || nb == 0 {
		t.Fatalf("hosts got %d and %d events, want 400 spread over both", na, nb)
	}
}

func TestTTLReconnects(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	addr := fakeServer(t, func(nc net.Conn, d *ljproto.Decoder) {
		mu.Lock()
		conns++
		mu.Unlock()
		for {
			f, err := d.Next()
			if err != nil {
				return
			}
			if f.Type == ljproto.TypeJSON && f.Seq == 1 {
				ack(nc, 1)
			}
		}
	})
	o := build(t, fmt.Sprintf(`hosts => [%q] ttl => 60`, addr))
	for range 3 {
		if err := o.Write(context.Background(), events(1, "ev")); err != nil {
			t.Fatal(err)
		}
		// Age the idle connection past ttl.
		c := <-o.pool.hosts[0].idle
		c.created = c.created.Add(-time.Hour)
		o.pool.hosts[0].idle <- c
	}
	mu.Lock()
	defer mu.Unlock()
	if conns != 3 {
		t.Errorf("%d connections, want 3 (one per write, each older than ttl)", conns)
	}
}

func TestProtocolErrors(t *testing.T) {
	cases := map[string][]byte{
		"not an ACK":      []byte("2X\x00\x00\x00\x01"),
		"seq beyond size": ljproto.AppendACK(nil, ljproto.V2, 7),
	}
	for name, reply := range cases {
		t.Run(name, func(t *testing.T) {
			addr := fakeServer(t, func(nc net.Conn, d *ljproto.Decoder) {
				for {
					f, err := d.Next()
					if err != nil {
						return
					}
					if f.Type == ljproto.TypeJSON && f.Seq == 2 {
						nc.Write(reply)
					}
				}
			})
			o := build(t, fmt.Sprintf(`hosts => [%q] backoff_init => 0.05`, addr))
			h, c, err := o.pool.acquire(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			d := getDocs()
			for _, e := range events(2, "x") {
				d.buf = appendDoc(d.buf, e)
				d.ends = append(d.ends, len(d.buf))
			}
			if _, err := c.sendWindow(context.Background(), d, 0, 2, o.pool.opts); err == nil {
				t.Fatal("bad reply accepted")
			}
			o.pool.fail(h, c, err, 2)
		})
	}
}

func TestSettingsErrors(t *testing.T) {
	cases := map[string]string{
		`port => 5044`:                                        "missing required setting \"hosts\"",
		`hosts => ["a:x"]`:                                    "bad port",
		`hosts => ["a"] compression_level => 10`:              "compression_level must be 0 to 9",
		`hosts => ["a"] worker => 0`:                          "worker must be at least 1",
		`hosts => ["a"] backoff_init => 5 backoff_max => 1`:   "backoff_init",
		`hosts => ["a"] ssl_certificate => "/nonexistent"`:    "TLS",
		`hosts => ["a"] ssl_client_certificate => "/x.pem"`:   "needs a key",
		`hosts => ["a"] ssl_verification_mode => "sometimes"`: "not one of",
	}
	for src, want := range cases {
		_, err := plugintest.BuildErr(plugin.KindOutput, "lumberjack { "+src+" }")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", src, err, want)
		}
	}
}

func TestHostPort(t *testing.T) {
	cases := []struct{ in, want string }{
		{"logstash", "logstash:5044"},
		{"logstash:6000", "logstash:6000"},
		{"10.0.0.1", "10.0.0.1:5044"},
		{"::1", "[::1]:5044"},
		{"[::1]", "[::1]:5044"},
		{"[::1]:6000", "[::1]:6000"},
	}
	for _, c := range cases {
		got, err := hostPort(c.in, 5044)
		if err != nil || got != c.want {
			t.Errorf("hostPort(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", ":5044", "h:0", "h:99999"} {
		if _, err := hostPort(bad, 5044); err == nil {
			t.Errorf("hostPort(%q) accepted", bad)
		}
	}
}

func TestAppendDoc(t *testing.T) {
	e := event.FromMap(map[string]any{"message": "m", "@timestamp": "2026-11-24T05:31:46.123Z", "@version": "1"})
	e.Metadata()["beat"] = "filebeat"
	got := string(appendDoc([]byte("prefix"), e))
	want := `prefix{"@metadata":{"beat":"filebeat","type":"_doc"},"@timestamp":"2026-11-24T05:31:46.123Z","@version":"1","message":"m"}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(got[len("prefix"):]), &m); err != nil {
		t.Fatal(err)
	}
}

func TestBackoff(t *testing.T) {
	for n := 1; n <= 10; n++ {
		d := backoff(time.Second, 60*time.Second, n)
		full := min(time.Second<<(n-1), 60*time.Second)
		if d < full/2 || d > full {
			t.Errorf("failure %d: backoff %s outside [%s, %s]", n, d, full/2, full)
		}
	}
}

// Cancelling ctx while a window waits for its ACK returns at once, and
// does not count against the host.
func TestCancelWhileWaiting(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	g := startGoLumber(t, func(b *lj.Batch) { go func() { <-hold; b.ACK() }() })
	o := build(t, fmt.Sprintf(`hosts => [%q] timeout => 30`, g.addr))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Write(ctx, events(5, "ev")) }()
	waitFor(t, func() bool { return len(g.got()) == 5 })
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Fatalf("Write: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Write did not return after cancel")
	}
	h := o.pool.hosts[0]
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failures != 0 {
		t.Errorf("cancel counted as %d host failures", h.failures)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(2 * time.Millisecond) // polling, not synchronisation
	}
}

func BenchmarkEncode(b *testing.B) {
	e := event.NewMessage("2026-11-24 05:31:46,123 INFO app.views GET /api/v1/items?page=7 200 in 12ms user=42")
	e.SetField("[log][file][path]", "/var/log/app.log")
	e.SetField("[log][offset]", int64(120))
	e.SetField("[host][name]", "web-7")
	e.Metadata()["beat"] = "filebeat"
	buf := appendDoc(nil, e)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = appendDoc(buf[:0], e)
	}
}

func TestWindowSizing(t *testing.T) {
	w := window{size: 2048, ceiling: 2048, max: 2048}
	w.failed(5) // a short remainder failed: no evidence about the size
	if w.get() != 2048 {
		t.Fatalf("size %d after a short window failed", w.get())
	}
	w.failed(2048)
	w.failed(1024)
	if w.get() != 512 {
		t.Fatalf("size %d after two full windows failed, want 512", w.get())
	}
	w.succeeded()
	if w.get() != 512 {
		t.Fatalf("size %d grew past the ceiling", w.get())
	}
	for range resetAfter {
		w.succeeded()
	}
	if w.get() != 2048 {
		t.Fatalf("size %d after %d successes, want 2048 again", w.get(), resetAfter+1)
	}
}

// Workers failing at once on a host count as one failure: the backoff
// doubles per round, not per worker.
func TestConcurrentFailuresCountOnce(t *testing.T) {
	o := build(t, `hosts => ["127.0.0.1:1"] worker => 2 backoff_init => 1 backoff_max => 60`)
	p := o.pool
	h := p.hosts[0]
	a, b := <-h.idle, <-h.idle // both workers' slots
	p.fail(h, a, errors.New("connect: refused"), 0)
	p.fail(h, b, errors.New("connect: refused"), 0)
	h.mu.Lock()
	failures, wait := h.failures, time.Until(h.retryAt)
	h.mu.Unlock()
	if failures != 1 {
		t.Errorf("two workers failing in one round counted %d failures, want 1", failures)
	}
	if wait > time.Second || wait < 400*time.Millisecond {
		t.Errorf("retry in %v, want the first failure's [0.5 s, 1 s]", wait)
	}
	// The next round's failure doubles it.
	h.mu.Lock()
	h.retryAt = time.Now()
	h.mu.Unlock()
	<-h.idle
	p.fail(h, nil, errors.New("connect: refused"), 0)
	h.mu.Lock()
	failures, wait = h.failures, time.Until(h.retryAt)
	h.mu.Unlock()
	if failures != 2 || wait < 900*time.Millisecond || wait > 2*time.Second {
		t.Errorf("after the next round: %d failures, retry in %v; want 2 and [1 s, 2 s]", failures, wait)
	}
}
