package http

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func gzipped(t testing.TB, p []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(p)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zlibbed(t testing.TB, p []byte) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write(p)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func deflated(t testing.TB, p []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestSpeed)
	w.Write(p)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func get(e *event.Event, ref string) any {
	v, _ := e.GetField(ref)
	return v
}

func TestBodies(t *testing.T) {
	ndjson := []byte("{\"n\":1}\n{\"n\":2}\nnot json\n{\"n\":3}")
	tests := []struct {
		name     string
		body     []byte
		hdr      []string
		messages []string // want message per event ("" for none)
		ns       []any    // want [n] per event
		failures int      // events tagged _jsonparsefailure
	}{
		{name: "json object", body: []byte(`{"message":"hi","n":1}`), hdr: []string{"Content-Type", "application/json"},
			messages: []string{"hi"}, ns: []any{int64(1)}},
		{name: "json with charset", body: []byte(`{"n":7}`), hdr: []string{"Content-Type", "Application/JSON; charset=utf-8"},
			messages: []string{""}, ns: []any{int64(7)}},
		{name: "json array", body: []byte(`[{"n":1},{"n":2},{"n":3}]`), hdr: []string{"Content-Type", "application/json"},
			messages: []string{"", "", ""}, ns: []any{int64(1), int64(2), int64(3)}},
		{name: "invalid json", body: []byte(`{"n":`), hdr: []string{"Content-Type", "application/json"},
			messages: []string{`{"n":`}, ns: []any{nil}, failures: 1},
		{name: "ndjson", body: ndjson, hdr: []string{"Content-Type", "application/x-ndjson"},
			messages: []string{"", "", "not json", ""}, ns: []any{int64(1), int64(2), nil, int64(3)}, failures: 1},
		{name: "plain text", body: []byte("hello\nworld"), hdr: []string{"Content-Type", "text/plain"},
			messages: []string{"hello\nworld"}, ns: []any{nil}},
		{name: "no content type", body: []byte(`{"n":1}`),
			messages: []string{`{"n":1}`}, ns: []any{nil}},
		{name: "gzip ndjson", body: gzipped(t, ndjson), hdr: []string{"Content-Type", "application/x-ndjson", "Content-Encoding", "gzip"},
			messages: []string{"", "", "not json", ""}, ns: []any{int64(1), int64(2), nil, int64(3)}, failures: 1},
		{name: "deflate zlib json", body: zlibbed(t, []byte(`{"n":5}`)), hdr: []string{"Content-Type", "application/json", "Content-Encoding", "deflate"},
			messages: []string{""}, ns: []any{int64(5)}},
		{name: "deflate raw plain", body: deflated(t, []byte("raw deflate")), hdr: []string{"Content-Encoding", "Deflate"},
			messages: []string{"raw deflate"}, ns: []any{nil}},
		{name: "empty json array", body: []byte(`[]`), hdr: []string{"Content-Type", "application/json"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := build(t, "")
			q := plugintest.NewQueue()
			url, _ := start(t, in, q, "http")
			code, body, _ := post(t, nil, url+"/", tc.body, tc.hdr...)
			if code != 200 || body != "ok" {
				t.Fatalf("answer %d %q, want 200 ok", code, body)
			}
			evs := q.Wait(t, len(tc.messages), 5*time.Second)
			if len(evs) != len(tc.messages) {
				t.Fatalf("got %d events, want %d", len(evs), len(tc.messages))
			}
			failures := 0
			for i, e := range evs {
				if e.HasTag("_jsonparsefailure") {
					failures++
				}
				if got, _ := get(e, "message").(string); got != tc.messages[i] {
					t.Errorf("event %d: message %q, want %q", i, got, tc.messages[i])
				}
				if got := get(e, "n"); got != tc.ns[i] {
					t.Errorf("event %d: n = %#v, want %#v", i, got, tc.ns[i])
				}
			}
			if failures != tc.failures {
				t.Errorf("%d events tagged _jsonparsefailure, want %d", failures, tc.failures)
			}
		})
	}
}

func TestFields(t *testing.T) {
	tests := []struct {
		ecs  string
		want map[string]any
		none []string
	}{
		{ecs: "v8", want: map[string]any{
			"[host][ip]":                   "127.0.0.1",
			"[http][version]":              "HTTP/1.1",
			"[http][method]":               "PUT",
			"[url][path]":                  "/logs/app?x=1",
			"[url][domain]":                "logs.example.com",
			"[url][port]":                  int64(8443),
			"[user_agent][original]":       "test-agent/1.0",
			"[http][request][body][bytes]": "10",
			"[http][request][mime_type]":   "text/plain; charset=utf-8",
			"[@metadata][input][http][request][headers][content_type]":    "text/plain; charset=utf-8",
			"[@metadata][input][http][request][headers][x_request_id]":    "abc-1",
			"[@metadata][input][http][request][headers][x_multi]":         "a, b",
			"[@metadata][input][http][request][headers][http_user_agent]": "test-agent/1.0",
			"[@metadata][input][http][request][headers][http_accept]":     "*/*",
			"[@metadata][input][http][request][headers][http_host]":       "logs.example.com:8443",
			"[@metadata][input][http][request][headers][request_method]":  "PUT",
			"[@metadata][input][http][request][headers][request_path]":    "/logs/app?x=1",
			"[@metadata][input][http][request][headers][http_version]":    "HTTP/1.1",
			"message": "plain body",
		}, none: []string{"headers", "[@metadata][input][http][request][headers][authorization]"}},
		{ecs: "disabled", want: map[string]any{
			"host":                      "127.0.0.1",
			"[headers][content_type]":   "text/plain; charset=utf-8",
			"[headers][x_request_id]":   "abc-1",
			"[headers][http_host]":      "logs.example.com:8443",
			"[headers][request_path]":   "/logs/app?x=1",
			"[headers][http_version]":   "HTTP/1.1",
			"[headers][request_method]": "PUT",
			"message":                   "plain body",
		}, none: []string{"http", "url", "user_agent", "[headers][authorization]", "[@metadata][input]"}},
	}
	for _, tc := range tests {
		t.Run(tc.ecs, func(t *testing.T) {
			in := build(t, fmt.Sprintf(`ecs_compatibility => %s user => "u" password => "p"`, tc.ecs))
			q := plugintest.NewQueue()
			url, _ := start(t, in, q, "http")
			req, _ := http.NewRequest(http.MethodPut, url+"/logs/app?x=1", strings.NewReader("plain body"))
			req.Host = "logs.example.com:8443"
			req.Header.Set("Content-Type", "text/plain; charset=utf-8")
			req.Header.Set("User-Agent", "test-agent/1.0")
			req.Header.Set("Accept", "*/*")
			req.Header.Set("X-Request-Id", "abc-1")
			req.Header.Add("X-Multi", "a")
			req.Header.Add("X-Multi", "b")
			req.SetBasicAuth("u", "p")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			e := q.Wait(t, 1, 5*time.Second)[0]
			for ref, want := range tc.want {
				if got := get(e, ref); got != want {
					t.Errorf("%s = %#v, want %#v", ref, got, want)
				}
			}
			for _, ref := range tc.none {
				if v, ok := e.GetField(ref); ok {
					t.Errorf("%s is set (%#v), want it absent", ref, v)
				}
			}
		})
	}
}

func TestCustomTargets(t *testing.T) {
	in := build(t, `remote_host_target_field => "[client][address]" request_headers_target_field => "[req]"`)
	q := plugintest.NewQueue()
	url, _ := start(t, in, q, "http")
	post(t, nil, url, []byte("x"), "X-A", "1")
	e := q.Wait(t, 1, 5*time.Second)[0]
	if got := get(e, "[client][address]"); got != "127.0.0.1" {
		t.Errorf("[client][address] = %#v", got)
	}
	if got := get(e, "[req][x_a]"); got != "1" {
		t.Errorf("[req][x_a] = %#v", got)
	}
}

// A body field in the way of an ECS field does not lose the event.
func TestConflictingBodyFields(t *testing.T) {
	in := build(t, "")
	q := plugintest.NewQueue()
	url, _ := start(t, in, q, "http")
	code, _, _ := post(t, nil, url, []byte(`{"url":"text","host":"web-1","message":"m"}`), "Content-Type", "application/json")
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	e := q.Wait(t, 1, 5*time.Second)[0]
	if get(e, "url") != "text" || get(e, "host") != "web-1" || get(e, "message") != "m" {
		t.Errorf("event changed: %v", e.Fields())
	}
	if get(e, "[http][method]") != "POST" {
		t.Errorf("[http][method] = %#v", get(e, "[http][method]"))
	}
	// Hashes from the body are merged into, not replaced.
	post(t, nil, url, []byte(`{"http":{"x":1},"url":{"y":2},"user_agent":{"z":3}}`), "Content-Type", "application/json", "User-Agent", "ua/1")
	e = q.Wait(t, 2, 5*time.Second)[1]
	for ref, want := range map[string]any{"[http][x]": int64(1), "[http][method]": "POST", "[http][version]": "HTTP/1.1",
		"[http][request][mime_type]": "application/json", "[url][y]": int64(2), "[url][path]": "/",
		"[user_agent][z]": int64(3), "[user_agent][original]": "ua/1"} {
		if got := get(e, ref); got != want {
			t.Errorf("%s = %#v, want %#v", ref, got, want)
		}
	}
}

func TestAuth(t *testing.T) {
	in := build(t, `user => "alice" password => "s3cret"`)
	q := plugintest.NewQueue()
	url, _ := start(t, in, q, "http")
	tests := []struct {
		name       string
		user, pass string
		set        bool
		want       int
	}{
		{"missing", "", "", false, 401},
		{"wrong password", "alice", "nope", true, 401},
		{"wrong user", "bob", "s3cret", true, 401},
		{"good", "alice", "s3cret", true, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(tc.name))
			if tc.set {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic realm=") {
				t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
	evs := q.Wait(t, 1, 5*time.Second)
	if len(evs) != 1 || evs[0].Message() != "good" {
		t.Fatalf("events %v, want only the authorized one", evs)
	}
}

func TestResponse(t *testing.T) {
	t.Run("204", func(t *testing.T) {
		in := build(t, `response_code => 204`)
		url, _ := start(t, in, plugintest.NewQueue(), "http")
		code, body, _ := post(t, nil, url, []byte("x"))
		if code != 204 || body != "" {
			t.Fatalf("answer %d %q", code, body)
		}
	})
	t.Run("202 with headers", func(t *testing.T) {
		in := build(t, `response_code => 202 response_headers => { "X-Sluice" => "yes" "Content-Type" => "application/json" }`)
		url, _ := start(t, in, plugintest.NewQueue(), "http")
		code, body, h := post(t, nil, url, []byte("x"))
		if code != 202 || body != "ok" || h.Get("X-Sluice") != "yes" || h.Get("Content-Type") != "application/json" {
			t.Fatalf("answer %d %q %v", code, body, h)
		}
	})
}

func TestTooLarge(t *testing.T) {
	in := build(t, `max_content_length => 10000`)
	q := plugintest.NewQueue()
	url, _ := start(t, in, q, "http")
	big := bytes.Repeat([]byte("a"), 10001)
	bomb := gzipped(t, bytes.Repeat([]byte("{}\n"), 1<<20)) // 3 MiB inflated, a few KiB sent
	if len(bomb) > 10000 {
		t.Fatalf("bomb is %d bytes; must be under the limit", len(bomb))
	}
	tests := []struct {
		name    string
		body    io.Reader
		hdr     []string
		chunked bool
	}{
		{name: "content-length", body: bytes.NewReader(big)},
		{name: "chunked", body: io.MultiReader(bytes.NewReader(big)), chunked: true},
		{name: "gzip bomb", body: bytes.NewReader(bomb), hdr: []string{"Content-Encoding", "gzip", "Content-Type", "application/x-ndjson"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, url, tc.body)
			if tc.chunked {
				req.ContentLength = -1
			}
			for i := 0; i < len(tc.hdr); i += 2 {
				req.Header.Set(tc.hdr[i], tc.hdr[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 413 {
				t.Fatalf("status %d, want 413", resp.StatusCode)
			}
		})
	}
	// Exactly at the limit is fine.
	if code, _, _ := post(t, nil, url, big[:10000]); code != 200 {
		t.Fatalf("body at the limit: status %d", code)
	}
	evs := q.Wait(t, 1, 5*time.Second)
	if len(evs) != 1 || len(evs[0].Message()) != 10000 {
		t.Fatalf("got %d events; want only the one at the limit", len(evs))
	}
}

func TestBadEncoding(t *testing.T) {
	in := build(t, "")
	q := plugintest.NewQueue()
	url, _ := start(t, in, q, "http")
	if code, _, _ := post(t, nil, url, []byte("x"), "Content-Encoding", "br"); code != 415 {
		t.Errorf("br: status %d, want 415", code)
	}
	if code, _, _ := post(t, nil, url, []byte("not gzip at all"), "Content-Encoding", "gzip"); code != 400 {
		t.Errorf("corrupt gzip: status %d, want 400", code)
	}
	gz := gzipped(t, []byte("truncated gzip body"))
	if code, _, _ := post(t, nil, url, gz[:len(gz)-6], "Content-Encoding", "gzip"); code != 400 {
		t.Errorf("truncated gzip: status %d, want 400", code)
	}
	if n := len(q.Events()); n != 0 {
		t.Errorf("%d events from bad requests", n)
	}
}

// When the pipeline stays full, the request is answered 429 after
// busy_timeout with nothing accepted; once there is room it goes through.
func TestBusy(t *testing.T) {
	in := build(t, `busy_timeout => 0.2`)
	q := plugintest.NewQueue()
	url, _ := start(t, in, q, "http")
	q.Block()
	startT := time.Now()
	code, _, h := post(t, nil, url, []byte(`{"n":1}`), "Content-Type", "application/json")
	if code != 429 || h.Get("Retry-After") == "" {
		t.Fatalf("blocked pipeline: status %d (Retry-After %q), want 429", code, h.Get("Retry-After"))
	}
	if d := time.Since(startT); d > 3*time.Second {
		t.Errorf("429 took %s", d)
	}
	q.Release()
	if code, _, _ := post(t, nil, url, []byte(`{"n":2}`), "Content-Type", "application/json"); code != 200 {
		t.Fatalf("after release: status %d", code)
	}
	evs := q.Wait(t, 1, 5*time.Second)
	if len(evs) != 1 || get(evs[0], "n") != int64(2) {
		t.Fatalf("events %v, want only n=2", evs)
	}
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Requests beyond threads + max_pending_requests are refused at once.
func TestPendingLimit(t *testing.T) {
	in := build(t, `threads => 1 max_pending_requests => 1 busy_timeout => 60`)
	q := plugintest.NewQueue()
	url, _ := start(t, in, q, "http")
	q.Block()
	codes := make(chan int, 2)
	for i := range 2 {
		go func() {
			code, _, _ := post(t, nil, url, []byte(fmt.Sprint(i)))
			codes <- code
		}()
	}
	waitFor(t, "two admitted requests", func() bool { return len(in.slots) == 2 })
	startT := time.Now()
	code, _, _ := post(t, nil, url, []byte("refused"))
	if code != 429 {
		t.Fatalf("third request: status %d, want 429", code)
	}
	if d := time.Since(startT); d > 2*time.Second {
		t.Errorf("refusal took %s", d)
	}
	q.Release()
	for range 2 {
		if c := <-codes; c != 200 {
			t.Errorf("waiting request: status %d, want 200", c)
		}
	}
	if evs := q.Wait(t, 2, 5*time.Second); len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
}

// A request bigger than one batch is pushed in parts; all arrive.
func TestManyEventsInOneRequest(t *testing.T) {
	in := build(t, "")
	q := plugintest.NewQueue()
	url, _ := start(t, in, q, "http")
	const n = 3*maxBatch + 7
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "{\"i\":%d}\n", i)
	}
	if code, _, _ := post(t, nil, url, b.Bytes(), "Content-Type", "application/x-ndjson"); code != 200 {
		t.Fatalf("status %d", code)
	}
	evs := q.Wait(t, n, 5*time.Second)
	for i, e := range evs {
		if get(e, "i") != int64(i) {
			t.Fatalf("event %d has i=%v", i, get(e, "i"))
		}
	}
}

func TestConcurrentClients(t *testing.T) {
	in := build(t, `max_pending_requests => 1000`)
	q := plugintest.NewQueue()
	url, _ := start(t, in, q, "http")
	const clients, requests, perRequest = 16, 20, 10
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := &http.Client{Transport: &http.Transport{}}
			defer cl.CloseIdleConnections()
			for r := range requests {
				var b bytes.Buffer
				for i := range perRequest {
					fmt.Fprintf(&b, "{\"c\":%d,\"r\":%d,\"i\":%d}\n", c, r, i)
				}
				resp, err := cl.Post(url, "application/x-ndjson", &b)
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	evs := q.Wait(t, clients*requests*perRequest, 10*time.Second)
	seen := map[string]bool{}
	for _, e := range evs {
		k := fmt.Sprint(get(e, "c"), "/", get(e, "r"), "/", get(e, "i"))
		if seen[k] {
			t.Fatalf("duplicate %s", k)
		}
		seen[k] = true
	}
	if len(seen) != clients*requests*perRequest {
		t.Fatalf("%d distinct events", len(seen))
	}
}

// Shutdown answers requests waiting for the pipeline once the grace period
// is over, and returns.
func TestShutdownWhileBlocked(t *testing.T) {
	in := build(t, `busy_timeout => 60`)
	in.shutdownGrace = 300 * time.Millisecond
	q := plugintest.NewQueue()
	url, stop := start(t, in, q, "http")
	q.Block()
	done := make(chan int, 1)
	go func() {
		resp, err := http.Post(url, "text/plain", strings.NewReader("x"))
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	waitFor(t, "admitted request", func() bool { return len(in.slots) == 1 })
	startT := time.Now()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(startT); d > 5*time.Second {
		t.Errorf("shutdown took %s", d)
	}
	if code := <-done; code == 200 {
		t.Errorf("request answered 200 though nothing was accepted")
	}
	// The port is closed.
	if c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://")); err == nil {
		c.Close()
		t.Errorf("still accepting connections after shutdown")
	}
}

func TestOpenReportsPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	in := build(t, fmt.Sprintf(`port => %d`, ln.Addr().(*net.TCPAddr).Port))
	in.Host = "127.0.0.1"
	if err := in.Open(context.Background()); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("Open: %v, want a listen error", err)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ cfg, want string }{
		{`user => "u"`, "must be set together"},
		{`response_code => 500`, "response_code"},
		{`ssl => true`, "obsolete"},
		{`verify_mode => "peer"`, "ssl_client_authentication"},
		{`ssl_keystore_path => "/x.jks"`, "Java keystores"},
		{`additional_codecs => { "text/csv" => "nosuchcodec" }`, "nosuchcodec"},
		{`ssl_enabled => true`, "ssl_certificate"},
		{`threads => 0`, "threads"},
		{`max_content_length => 0`, "max_content_length"},
		{`port => 70000`, "out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.cfg, func(t *testing.T) {
			err := buildErr(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// additional_codecs replaces the default and builds codecs by name.
func TestAdditionalCodecs(t *testing.T) {
	in := build(t, `additional_codecs => { "text/x-lines" => "line" } codec => json`)
	q := plugintest.NewQueue()
	url, _ := start(t, in, q, "http")
	post(t, nil, url, []byte("a\nb\n"), "Content-Type", "text/x-lines")
	post(t, nil, url, []byte(`{"n":1}`), "Content-Type", "text/plain")
	post(t, nil, url, []byte("{\"n\":2}\n"), "Content-Type", "application/x-ndjson") // default json codec now
	evs := q.Wait(t, 4, 5*time.Second)
	if evs[0].Message() != "a" || evs[1].Message() != "b" || get(evs[2], "n") != int64(1) || get(evs[3], "n") != int64(2) {
		t.Fatalf("events: %v %v %v %v", evs[0].Fields(), evs[1].Fields(), evs[2].Fields(), evs[3].Fields())
	}
}

// A request waiting for the pipeline when the input stops is taken and
// answered 200 once the pipeline has room (within the grace period): its
// client does not send it again. New connections are refused meanwhile.
func TestShutdownFinishesRequestInFlight(t *testing.T) {
	in := build(t, `busy_timeout => 60`)
	q := plugintest.NewQueue()
	url, stop := start(t, in, q, "http")
	q.Block()
	done := make(chan int, 1)
	go func() {
		resp, err := http.Post(url, "application/json", strings.NewReader(`{"n":7}`))
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	waitFor(t, "admitted request", func() bool { return len(in.slots) == 1 })
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	waitFor(t, "the listener to close", func() bool {
		c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case code := <-done:
		t.Fatalf("request answered %d before the pipeline took it", code)
	default:
	}
	q.Release()
	if code := <-done; code != 200 {
		t.Fatalf("request in flight at shutdown answered %d, want 200", code)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if evs := q.Wait(t, 1, 5*time.Second); len(evs) != 1 || get(evs[0], "n") != int64(7) {
		t.Fatalf("events %v, want n=7 once", evs)
	}
}
