package http

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

// received is one request the test server got.
type received struct {
	method, path, query string
	header              http.Header
	body                []byte
	user, pass          string
	authOK              bool
}

// recorder is a real HTTP server (httptest) that records requests and
// answers with what respond says (200 when nil).
type recorder struct {
	mu      sync.Mutex
	reqs    []received
	changed chan struct{}
	srv     *httptest.Server
	// respond picks the answer for the n-th request (from 1).
	respond func(n int, w http.ResponseWriter, r *http.Request) bool
	n       atomic.Int64
}

func newRecorder(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request) bool) *recorder {
	rec := &recorder{changed: make(chan struct{}, 1), respond: respond}
	rec.srv = httptest.NewServer(http.HandlerFunc(rec.serve))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) serve(w http.ResponseWriter, r *http.Request) {
	n := int(rec.n.Add(1))
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(strings.NewReader(string(body)))
		if err != nil {
			http.Error(w, "bad gzip", 400)
			return
		}
		body, _ = io.ReadAll(zr)
	}
	if rec.respond != nil && !rec.respond(n, w, r) {
		return // answered with a failure: not recorded as delivered
	}
	u, p, ok := r.BasicAuth()
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, received{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, header: r.Header.Clone(), body: body, user: u, pass: p, authOK: ok})
	rec.mu.Unlock()
	select {
	case rec.changed <- struct{}{}:
	default:
	}
}

func (rec *recorder) got() []received {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]received(nil), rec.reqs...)
}

func build(t testing.TB, conf string) *Output {
	t.Helper()
	in := plugintest.Build(t, plugin.KindOutput, "http {\n"+conf+"\n}")
	return in.Plugin.(*Output)
}

func mkEvent(fields map[string]any) *event.Event {
	e := event.New()
	e.SetTimestamp(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	for k, v := range fields {
		e.SetField(k, v)
	}
	return e
}

func write(t *testing.T, o *Output, events ...*event.Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := o.Write(ctx, events); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func TestFormats(t *testing.T) {
	evs := func() []*event.Event {
		return []*event.Event{
			mkEvent(map[string]any{"message": "héllo & bye", "service": "api", "n": 1}),
			mkEvent(map[string]any{"message": "two", "service": "api", "n": 2}),
		}
	}
	cases := []struct {
		name, conf  string
		wantReqs    int
		contentType string
		check       func(t *testing.T, rs []received)
	}{
		{"json", `http_method => "post" format => "json"`, 2, "application/json", func(t *testing.T, rs []received) {
			for _, r := range rs {
				var m map[string]any
				if err := json.Unmarshal(r.body, &m); err != nil {
					t.Fatalf("body %q: %v", r.body, err)
				}
				if m["@timestamp"] != "2026-11-24T08:00:00.000Z" || m["service"] != "api" || m["message"] == nil {
					t.Errorf("body %s", r.body)
				}
			}
		}},
		{"json_batch", `http_method => "put" format => "json_batch"`, 1, "application/json", func(t *testing.T, rs []received) {
			var arr []map[string]any
			if err := json.Unmarshal(rs[0].body, &arr); err != nil || len(arr) != 2 {
				t.Fatalf("body %q: %v", rs[0].body, err)
			}
			if arr[0]["message"] != "héllo & bye" || arr[1]["message"] != "two" || arr[1]["n"] != 2.0 {
				t.Errorf("body %s", rs[0].body)
			}
			if rs[0].method != "PUT" {
				t.Errorf("method %s", rs[0].method)
			}
		}},
		{"ndjson", `http_method => "post" format => "ndjson" http_compression => true`, 1, "application/x-ndjson", func(t *testing.T, rs []received) {
			lines := strings.Split(string(rs[0].body), "\n")
			if len(lines) != 3 || lines[2] != "" {
				t.Fatalf("body %q", rs[0].body)
			}
			for i, l := range lines[:2] {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil || m["n"] != float64(i+1) {
					t.Errorf("line %q: %v", l, err)
				}
			}
			if rs[0].header.Get("Content-Encoding") != "gzip" {
				t.Errorf("not gzipped: %v", rs[0].header)
			}
		}},
		{"form whole event", `http_method => "post" format => "form"`, 2, "application/x-www-form-urlencoded", func(t *testing.T, rs []received) {
			v, err := url.ParseQuery(string(rs[0].body))
			if err != nil {
				t.Fatal(err)
			}
			if v.Get("message") != "héllo & bye" && v.Get("message") != "two" {
				t.Errorf("form %q", rs[0].body)
			}
			if v.Get("@timestamp") != "2026-11-24T08:00:00.000Z" {
				t.Errorf("form %q", rs[0].body)
			}
		}},
		{"form mapping", `http_method => "post" format => "form" mapping => { "text" => "%{message}" "svc" => "%{service}" "num" => 7 }`, 2,
			"application/x-www-form-urlencoded", func(t *testing.T, rs []received) {
				bodies := map[string]bool{}
				for _, r := range rs {
					bodies[string(r.body)] = true
				}
				want := "text=h%C3%A9llo+%26+bye&svc=api&num=7"
				if !bodies[want] {
					t.Errorf("bodies %v, want one %q", bodies, want)
				}
			}},
		{"json mapping nested", `http_method => "post" mapping => { "msg" => "%{message}" "meta" => { "svc" => "%{service}" "list" => ["%{n}", "x"] } }`, 2,
			"application/json", func(t *testing.T, rs []received) {
				for _, r := range rs {
					var m map[string]any
					if err := json.Unmarshal(r.body, &m); err != nil {
						t.Fatal(err)
					}
					meta, _ := m["meta"].(map[string]any)
					list, _ := meta["list"].([]any)
					if len(m) != 2 || meta["svc"] != "api" || len(list) != 2 || (list[0] != "1" && list[0] != "2") {
						t.Errorf("body %s", r.body)
					}
				}
				if !strings.HasPrefix(string(rs[0].body), `{"msg":`) {
					t.Errorf("mapping order not kept: %s", rs[0].body)
				}
			}},
		{"message", `http_method => "post" format => "message" message => "%{service}: %{message}"`, 2, "text/plain", func(t *testing.T, rs []received) {
			got := map[string]bool{string(rs[0].body): true, string(rs[1].body): true}
			if !got["api: héllo & bye"] || !got["api: two"] {
				t.Errorf("bodies %v", got)
			}
		}},
		{"content_type and headers", `http_method => "post" content_type => "application/vnd.x+json" headers => { "X-Svc" => "%{service}" "x-n" => "%{n}" }`, 2,
			"application/vnd.x+json", func(t *testing.T, rs []received) {
				for _, r := range rs {
					if r.header.Get("X-Svc") != "api" || (r.header.Get("X-N") != "1" && r.header.Get("X-N") != "2") {
						t.Errorf("headers %v", r.header)
					}
				}
			}},
		{"header Content-Type wins over the default", `http_method => "post" headers => { "Content-Type" => "text/x-custom" }`, 2, "text/x-custom", nil},
		{"basic auth", `http_method => "post" user => "u" password => "p@ss"`, 2, "application/json", func(t *testing.T, rs []received) {
			if !rs[0].authOK || rs[0].user != "u" || rs[0].pass != "p@ss" {
				t.Errorf("auth %+v", rs[0])
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := newRecorder(t, nil)
			o := build(t, fmt.Sprintf("url => %q\n%s", rec.srv.URL+"/in/%{service}", c.conf))
			write(t, o, evs()...)
			rs := rec.got()
			if len(rs) != c.wantReqs {
				t.Fatalf("%d requests, want %d", len(rs), c.wantReqs)
			}
			for _, r := range rs {
				if r.path != "/in/api" {
					t.Errorf("path %q, want the url rendered", r.path)
				}
				if ct := r.header.Get("Content-Type"); ct != c.contentType {
					t.Errorf("Content-Type %q, want %q", ct, c.contentType)
				}
			}
			if c.check != nil {
				c.check(t, rs)
			}
			if st := o.Stats(); st.Sent != 2 || st.Failed != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// A batch format groups events by their rendered url: one request per
// destination.
func TestBatchGroupsByURL(t *testing.T) {
	rec := newRecorder(t, nil)
	o := build(t, fmt.Sprintf(`url => %q http_method => "post" format => "ndjson"`, rec.srv.URL+"/%{tenant}"))
	var evs []*event.Event
	for i := range 9 {
		evs = append(evs, mkEvent(map[string]any{"tenant": []string{"a", "b", "c"}[i%3], "i": i}))
	}
	write(t, o, evs...)
	rs := rec.got()
	if len(rs) != 3 {
		t.Fatalf("%d requests, want 3", len(rs))
	}
	for _, r := range rs {
		lines := strings.Split(strings.TrimSuffix(string(r.body), "\n"), "\n")
		if len(lines) != 3 {
			t.Errorf("%s: %d lines", r.path, len(lines))
		}
		for _, l := range lines {
			if !strings.Contains(l, `"tenant":"`+r.path[1:]+`"`) {
				t.Errorf("%s got %s", r.path, l)
			}
		}
	}
}

// A fault-injecting endpoint answers 429 and 503 storms (with and without
// Retry-After): every event still arrives exactly once, after retries.
func TestRetryStorm(t *testing.T) {
	for _, format := range []string{"json", "json_batch"} {
		t.Run(format, func(t *testing.T) {
			var fails atomic.Int64
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
				// Two of every three requests fail, the first 30 always.
				if n <= 30 || n%3 != 0 {
					fails.Add(1)
					if n%2 == 0 {
						w.Header().Set("Retry-After", "0")
						w.WriteHeader(429)
					} else {
						http.Error(w, "overloaded", 503)
					}
					return false
				}
				return true
			})
			o := build(t, fmt.Sprintf(`url => %q http_method => "post" format => %q
				retry_initial_interval => 0.001 retry_max_interval => 0.01`, rec.srv.URL, format))
			const n = 40
			var evs []*event.Event
			for i := range n {
				evs = append(evs, mkEvent(map[string]any{"i": i}))
			}
			write(t, o, evs...)
			seen := map[float64]int{}
			for _, r := range rec.got() {
				var docs []map[string]any
				if format == "json" {
					var m map[string]any
					json.Unmarshal(r.body, &m)
					docs = append(docs, m)
				} else {
					json.Unmarshal(r.body, &docs)
				}
				for _, d := range docs {
					seen[d["i"].(float64)]++
				}
			}
			if len(seen) != n {
				t.Fatalf("%d distinct events delivered, want %d", len(seen), n)
			}
			for i, c := range seen {
				if c != 1 {
					t.Errorf("event %v delivered %d times", i, c)
				}
			}
			st := o.Stats()
			if st.Retries < 30 || st.Sent != n || st.Failed != 0 || int64(st.Retries) != fails.Load() {
				t.Errorf("stats %+v, %d failures injected", st, fails.Load())
			}
		})
	}
}

// The backoff grows and honours Retry-After up to retry_max_interval.
func TestBackoffHonoursRetryAfter(t *testing.T) {
	var times []time.Time
	var mu sync.Mutex
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(503)
			return false
		}
		return true
	})
	o := build(t, fmt.Sprintf(`url => %q http_method => "post" retry_initial_interval => 0.001 retry_max_interval => 0.3`, rec.srv.URL))
	write(t, o, mkEvent(map[string]any{"message": "x"}))
	if len(times) != 2 {
		t.Fatalf("%d requests", len(times))
	}
	// Retry-After: 1 is capped at retry_max_interval (0.3 s), but it is
	// honoured over the 1 ms backoff.
	if d := times[1].Sub(times[0]); d < 250*time.Millisecond || d > 5*time.Second {
		t.Errorf("waited %s before the retry, want about 300ms", d)
	}
}

type dlq struct {
	mu      sync.Mutex
	events  []*event.Event
	reasons []string
}

func (d *dlq) WriteDeadLetter(e *event.Event, id, reason string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.events = append(d.events, e)
	d.reasons = append(d.reasons, id+": "+reason)
	return nil
}

// Codes that are neither success nor retryable are final: no retry, the
// events go to the dead letter queue (or are counted); ignorable codes
// count as success; retry_failed => false makes every failure final.
func TestOutcomes(t *testing.T) {
	cases := []struct {
		name      string
		code      int
		conf      string
		withDLQ   bool
		sent, dlq int64
		failed    int64
		requests  int64
	}{
		{"400 to the DLQ", 400, "", true, 0, 2, 2, 2},
		{"404 counted without DLQ", 404, "", false, 0, 0, 2, 2},
		{"409 ignorable", 409, "ignorable_codes => [409]", true, 2, 0, 0, 2},
		{"503 with retry_failed false", 503, "retry_failed => false", true, 0, 2, 2, 2},
		{"418 made retryable fails then succeeds", 418, "retryable_codes => [418] retry_initial_interval => 0.001", true, 2, 0, 0, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
				if c.code == 418 && n > 2 {
					return true
				}
				http.Error(w, "nope: bad field", c.code)
				return false
			})
			o := build(t, fmt.Sprintf("url => %q http_method => \"post\" %s", rec.srv.URL, c.conf))
			d := &dlq{}
			if c.withDLQ {
				o.dlq = d
			}
			write(t, o, mkEvent(map[string]any{"message": "a"}), mkEvent(map[string]any{"message": "b"}))
			st := o.Stats()
			if st.Sent != c.sent || st.DeadLettered != c.dlq || st.Failed != c.failed || st.Requests != c.requests {
				t.Errorf("stats %+v", st)
			}
			if int64(len(d.events)) != c.dlq {
				t.Errorf("%d events in the DLQ, want %d", len(d.events), c.dlq)
			}
			for _, r := range d.reasons {
				if !strings.Contains(r, "http_test: HTTP ") || !strings.Contains(r, "nope: bad field") {
					t.Errorf("reason %q", r)
				}
			}
		})
	}
}

// A rendered url that is not a URL rejects that event only.
func TestInvalidRenderedURL(t *testing.T) {
	rec := newRecorder(t, nil)
	o := build(t, `url => "%{dest}" http_method => "post"`)
	d := &dlq{}
	o.dlq = d
	write(t, o, mkEvent(map[string]any{"dest": rec.srv.URL + "/ok"}), mkEvent(map[string]any{"dest": "ftp://x"}), mkEvent(map[string]any{"other": 1}))
	if len(rec.got()) != 1 || len(d.events) != 2 {
		t.Fatalf("%d delivered, %d dead-lettered", len(rec.got()), len(d.events))
	}
	if !strings.Contains(d.reasons[0], "invalid url") {
		t.Errorf("reason %q", d.reasons[0])
	}
}

// A header rendered with a line break would be refused by the client on
// every retry: that event is rejected at once, the others delivered.
func TestHeaderWithLineBreakIsRejected(t *testing.T) {
	rec := newRecorder(t, nil)
	o := build(t, fmt.Sprintf(`url => %q http_method => "post" headers => { "X-User" => "%%{user}" }`, rec.srv.URL))
	d := &dlq{}
	o.dlq = d
	write(t, o, mkEvent(map[string]any{"user": "ann"}), mkEvent(map[string]any{"user": "bob\r\nX-Evil: 1"}))
	if rs := rec.got(); len(rs) != 1 || rs[0].header.Get("X-User") != "ann" {
		t.Fatalf("delivered %v", rs)
	}
	if len(d.events) != 1 || !strings.Contains(d.reasons[0], "X-User") {
		t.Fatalf("dead letters %v", d.reasons)
	}
}

// A slow endpoint: the first answer never comes; socket_timeout gives up
// on it and the retry is delivered.
func TestSlowResponseTimesOut(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n == 1 {
			select {
			case <-r.Context().Done(): // the client gave up
			case <-release:
			}
			return false
		}
		return true
	})
	o := build(t, fmt.Sprintf(`url => %q http_method => "post" socket_timeout => 0.2 retry_initial_interval => 0.001`, rec.srv.URL))
	start := time.Now()
	write(t, o, mkEvent(map[string]any{"message": "slow"}))
	if len(rec.got()) != 1 {
		t.Fatalf("%d delivered", len(rec.got()))
	}
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Errorf("delivered after %s: the timeout did not apply", el)
	}
	if st := o.Stats(); st.Retries < 1 {
		t.Errorf("stats %+v", st)
	}
}

// request_timeout bounds the whole exchange, including a body that
// trickles in.
func TestRequestTimeout(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n == 1 {
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return false
		}
		return true
	})
	o := build(t, fmt.Sprintf(`url => %q http_method => "post" request_timeout => 0.3 retry_initial_interval => 0.001`, rec.srv.URL))
	write(t, o, mkEvent(map[string]any{"message": "x"}))
	// The 200 arrived before the body stalled: delivered on the first try.
	if st := o.Stats(); st.Sent != 1 || st.Requests != 1 {
		t.Errorf("stats %+v", st)
	}
}

// automatic_retries repeats a request at once after a network error, for
// idempotent methods; POST waits for the backoff retry instead.
func TestAutomaticRetries(t *testing.T) {
	for _, c := range []struct {
		method      string
		extra       string
		wantRetries int64
	}{
		{"put", "", 0},
		{"post", "", 1},
		{"post", "retry_non_idempotent => true", 0},
	} {
		t.Run(c.method+c.extra, func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
				if n == 1 {
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						conn.Close() // a connection reset mid-request
					}
					return false
				}
				return true
			})
			o := build(t, fmt.Sprintf(`url => %q http_method => %q keepalive => false automatic_retries => 1 retry_initial_interval => 0.001 %s`,
				rec.srv.URL, c.method, c.extra))
			write(t, o, mkEvent(map[string]any{"message": "x"}))
			if st := o.Stats(); st.Sent != 1 || st.Retries != c.wantRetries || st.Requests != 2 {
				t.Errorf("stats %+v, want %d backoff retries", st, c.wantRetries)
			}
		})
	}
}

// Shutdown while retrying: Write returns promptly with every undelivered
// event named in a BatchError, and nothing is counted as sent.
func TestShutdownWhileRetrying(t *testing.T) {
	seen := make(chan struct{}, 100)
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		seen <- struct{}{}
		http.Error(w, "down", 503)
		return false
	})
	for _, format := range []string{"json", "ndjson"} {
		t.Run(format, func(t *testing.T) {
			o := build(t, fmt.Sprintf(`url => %q http_method => "post" format => %q retry_initial_interval => 0.01 retry_max_interval => 0.05 pool_max => 2`,
				rec.srv.URL, format))
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			evs := []*event.Event{mkEvent(nil), mkEvent(nil), mkEvent(nil), mkEvent(nil)}
			go func() { done <- o.Write(ctx, evs) }()
			for range 3 {
				select {
				case <-seen:
				case <-time.After(10 * time.Second):
					t.Fatal("no requests")
				}
			}
			cancel()
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Write did not return after shutdown")
			}
			var be *plugin.BatchError
			if !errors.As(err, &be) || len(be.Failed) != 4 || !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v, want a BatchError naming the 4 events", err)
			}
			for i, f := range be.Failed {
				if f != i {
					t.Errorf("failed %v", be.Failed)
				}
			}
			if st := o.Stats(); st.Sent != 0 || st.Failed != 0 {
				t.Errorf("stats %+v", st)
			}
			for len(seen) > 0 {
				<-seen
			}
		})
	}
}

// Connection refused is retried until the endpoint comes up.
func TestEndpointDownThenUp(t *testing.T) {
	rec := newRecorder(t, nil)
	rec.srv.Close()
	addr := rec.srv.Listener.Addr().String()
	o := build(t, fmt.Sprintf(`url => "http://%s/x" http_method => "post" retry_initial_interval => 0.005 retry_max_interval => 0.02`, addr))
	done := make(chan error, 1)
	go func() {
		done <- o.Write(context.Background(), []*event.Event{mkEvent(map[string]any{"message": "late"})})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for o.Stats().Retries < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no retries")
		}
		time.Sleep(5 * time.Millisecond)
	}
	srv2 := newListenerServer(t, addr, rec)
	defer srv2.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("not delivered after the endpoint came up")
	}
	if len(rec.got()) != 1 {
		t.Fatalf("%d delivered", len(rec.got()))
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct{ conf, want string }{
		{`url => "http://x" http_method => "post" format => "message"`, "needs the `message` setting"},
		{`url => "ftp://x" http_method => "post"`, "scheme must be http or https"},
		{`url => "http://x" http_method => "fetch"`, "fetch"},
		{`http_method => "post"`, "url"},
		{`url => "http://x" http_method => "post" user => "u"`, "must be set together"},
		{`url => "http://x" http_method => "post" retryable_codes => [600]`, "not a status code"},
		{`url => "http://x" http_method => "post" cacert => "/ca.pem"`, "obsolete: use `ssl_certificate_authorities`"},
		{`url => "http://x" http_method => "post" ssl_keystore_path => "/k.jks"`, "Java keystores are not supported"},
		{`url => "http://x" http_method => "post" ssl_certificate => "/c.pem"`, "needs a key"},
		{`url => "http://x" http_method => "post" headers => { "Bad Header" => "x" }`, "not a valid header name"},
		{`url => "http://x" http_method => "post" proxy => "::"`, "proxy"},
		{`url => "http://x" http_method => "post" pool_max => 0`, "pool_max"},
		{`url => "http://x/%{[a}" http_method => "post"`, "url"},
	} {
		_, err := plugintest.BuildErr(plugin.KindOutput, "http {\n"+c.conf+"\n}")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.conf, err, c.want)
		}
	}
}

// newListenerServer serves rec on a given address (to bring an endpoint
// back on the same port).
func newListenerServer(t *testing.T, addr string, rec *recorder) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(rec.serve))
	srv.Listener.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ln, err := listen(addr)
		if err == nil {
			srv.Listener = ln
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("listen %s: %v", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv.Start()
	return srv
}

// The HTTP client options: proxy, cookies, redirects, keepalive.
func TestClientOptions(t *testing.T) {
	t.Run("proxy", func(t *testing.T) {
		var host, uri string
		rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
			host, uri = r.Host, r.RequestURI
			return true
		})
		o := build(t, fmt.Sprintf(`url => "http://collector.invalid/in" http_method => "post" proxy => %q`, rec.srv.URL))
		write(t, o, mkEvent(map[string]any{"message": "via proxy"}))
		if host != "collector.invalid" || uri != "http://collector.invalid/in" {
			t.Errorf("the proxy got Host %q, request URI %q", host, uri)
		}
	})
	t.Run("cookies", func(t *testing.T) {
		for _, enabled := range []bool{true, false} {
			var got []string
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
				c, err := r.Cookie("session")
				if err == nil {
					got = append(got, c.Value)
				} else {
					got = append(got, "")
				}
				http.SetCookie(w, &http.Cookie{Name: "session", Value: fmt.Sprint("s", n)})
				return true
			})
			o := build(t, fmt.Sprintf(`url => %q http_method => "post" cookies => %v pool_max => 1`, rec.srv.URL, enabled))
			write(t, o, mkEvent(nil))
			write(t, o, mkEvent(nil))
			want := []string{"", "s1"}
			if !enabled {
				want = []string{"", ""}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("cookies %v: the server saw %q, want %q", enabled, got, want)
			}
		}
	})
	t.Run("redirects", func(t *testing.T) {
		for _, follow := range []bool{true, false} {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/old" {
					http.Redirect(w, r, "/new", http.StatusTemporaryRedirect)
					return false
				}
				return true
			})
			o := build(t, fmt.Sprintf(`url => %q http_method => "post" follow_redirects => %v`, rec.srv.URL+"/old", follow))
			write(t, o, mkEvent(map[string]any{"message": "moved"}))
			rs, st := rec.got(), o.Stats()
			if follow && (len(rs) != 1 || rs[0].path != "/new" || !strings.Contains(string(rs[0].body), "moved") || st.Sent != 1) {
				t.Errorf("follow: delivered %v, stats %+v", rs, st)
			}
			if !follow && (len(rs) != 0 || st.Failed != 1) {
				t.Errorf("no follow: delivered %v, stats %+v (a 307 is final)", rs, st)
			}
		}
	})
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:secret@example.com/x": "https://user:xxxxx@example.com/x",
		"http://example.com/a?b=c":          "http://example.com/a?b=c",
		"%{not a url":                       "%{not a url",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
