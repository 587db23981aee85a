package elasticsearch

// Fault tests against the real OpenSearch node: a fault-injecting proxy
// (429 storm), a TLS-terminating proxy with basic auth, and the node
// stopped for 30 s in the middle of a 100k-event stream.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
)

// stormProxy forwards to a real node but, for its first `storm` bulk
// requests, rejects the whole request with 429 (every third one) or every
// other item with an item-level 429 (the rest): rejected items are not
// forwarded, the others are, and the answers are merged back in order.
type stormProxy struct {
	target   *url.URL
	storm    int64
	bulks    atomic.Int64
	rejected atomic.Int64 // items answered 429
	whole    atomic.Int64 // requests answered 429
	proxy    *httputil.ReverseProxy
}

func newStormProxy(t *testing.T, target string, storm int64) *httptest.Server {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &stormProxy{target: u, storm: storm, proxy: httputil.NewSingleHostReverseProxy(u)}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	stormProxies.Store(srv.URL, p)
	return srv
}

var stormProxies sync.Map

func (p *stormProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/_bulk" {
		p.proxy.ServeHTTP(w, r)
		return
	}
	n := p.bulks.Add(1)
	if n > p.storm {
		p.proxy.ServeHTTP(w, r)
		return
	}
	if n%3 == 1 {
		p.whole.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":{"type":"es_rejected_execution_exception","reason":"rejected execution (storm)"},"status":429}`)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// Index actions only: two lines per item.
	lines := bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n"))
	var fwd bytes.Buffer
	var rejectedAt []bool
	for i := 0; i+1 < len(lines); i += 2 {
		rej := (i/2)%2 == 0
		rejectedAt = append(rejectedAt, rej)
		if !rej {
			fwd.Write(lines[i])
			fwd.WriteByte('\n')
			fwd.Write(lines[i+1])
			fwd.WriteByte('\n')
		}
	}
	var items []json.RawMessage
	if fwd.Len() > 0 {
		resp, err := http.Post(p.target.String()+"/_bulk", "application/x-ndjson", &fwd)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		var br struct {
			Items []json.RawMessage `json:"items"`
		}
		err = json.NewDecoder(resp.Body).Decode(&br)
		resp.Body.Close()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		items = br.Items
	}
	var out []json.RawMessage
	k := 0
	for _, rej := range rejectedAt {
		if rej {
			p.rejected.Add(1)
			out = append(out, json.RawMessage(`{"index":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"storm"}}}`))
			continue
		}
		if k >= len(items) {
			http.Error(w, "short answer from the node", http.StatusBadGateway)
			return
		}
		out = append(out, items[k])
		k++
	}
	b, _ := json.Marshal(map[string]any{"took": 1, "errors": true, "items": out})
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

func TestNode429StormRetried(t *testing.T) {
	n := nodeFromEnv(t, "opensearch")
	idx := uniq("sluice-storm")
	t.Cleanup(func() { n.deleteIndex(idx) })
	px := newStormProxy(t, n.url, 12)
	p, _ := stormProxies.Load(px.URL)
	sp := p.(*stormProxy)
	// No document_id: a retried item that had been indexed would show as a duplicate.
	o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] index => %q manage_template => false
		retry_initial_interval => 0.05 retry_max_interval => 0.2`, px.URL, idx))
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < 5; b++ {
				writeAll(t, o, messages(fmt.Sprintf("w%d-b%d-", w, b), 100))
			}
		}()
	}
	wg.Wait()
	if got := n.count(idx); got != 2000 {
		t.Fatalf("%d documents, want 2000 exactly", got)
	}
	if sp.whole.Load() == 0 || sp.rejected.Load() == 0 {
		t.Fatalf("the storm did not happen: whole=%d items=%d", sp.whole.Load(), sp.rejected.Load())
	}
	if got := o.Stats().Retried.Load(); got < sp.rejected.Load() {
		t.Fatalf("retried %d items, fewer than the %d rejected", got, sp.rejected.Load())
	}
	// 12 storm requests over 4 writers: several rounds of backoff happened.
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Fatalf("finished in %v: no backoff between retries", el)
	}
}

// tlsProxy terminates TLS with basic auth in front of the node.
func tlsProxy(t *testing.T, target, user, pass string) (*httptest.Server, string) {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, `{"error":"unauthorized","status":401}`, http.StatusUnauthorized)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, ca
}

func TestNodeTLSAndBasicAuth(t *testing.T) {
	n := nodeFromEnv(t, "opensearch")
	srv, ca := tlsProxy(t, n.url, "sluice", "s3cret")
	for _, tc := range []struct{ name, plugin, conf string }{
		{"elasticsearch", "elasticsearch", fmt.Sprintf(`ssl_certificate_authorities => [%q]`, ca)},
		{"opensearch names", "opensearch", fmt.Sprintf(`ssl => true cacert => %q`, ca)},
		{"verification none", "elasticsearch", `ssl_verification_mode => "none"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idx := uniq("sluice-tls")
			t.Cleanup(func() { n.deleteIndex(idx) })
			o, _ := build(t, tc.plugin, fmt.Sprintf(`hosts => [%q] index => %q user => "sluice" password => "s3cret" %s`, srv.URL, idx, tc.conf))
			writeAll(t, o, messages("tls", 10))
			if got := n.count(idx); got != 10 {
				t.Fatalf("%d documents through TLS, want 10", got)
			}
		})
	}
	t.Run("untrusted certificate", func(t *testing.T) {
		o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] user => "sluice" password => "s3cret" retry_initial_interval => 0.05`, srv.URL))
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		if err := o.Write(ctx, messages("x", 1)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Write to an untrusted server returned %v, want it to keep retrying", err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] user => "sluice" password => "nope" ssl_certificate_authorities => [%q] retry_initial_interval => 0.05`, srv.URL, ca))
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		if err := o.Write(ctx, messages("x", 1)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Write with a wrong password returned %v, want it to keep retrying", err)
		}
	})
}

// searchnodeScript finds scripts/searchnode.sh from the package directory.
func searchnodeScript(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "scripts", "searchnode.sh")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("scripts/searchnode.sh not found above the test's directory")
		}
		dir = parent
	}
}

func runScript(t *testing.T, script string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(script, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", script, args, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// The node is really stopped for 30 s while 100k events stream to it, then
// started again on the same port with the same data: every event arrives,
// none twice (document_id).
func TestNodeDownThirtySecondsMidStream(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a minute")
	}
	nodeFromEnv(t, "opensearch") // the shared node's presence says the script and its jars are ready
	script := searchnodeScript(t)
	const name = "opensearch-restart"
	u := runScript(t, script, []string{"SEARCHNODE_FRESH=1"}, "start", "opensearch", name)
	t.Cleanup(func() { runScript(t, script, nil, "stop", "opensearch", name) })
	n := &node{t: t, name: name, url: u}
	idx := uniq("sluice-restart")

	o, _ := build(t, "elasticsearch", fmt.Sprintf(`hosts => [%q] index => %q document_id => "%%{[id]}"
		retry_initial_interval => 0.5 retry_max_interval => 2 resurrect_delay => 1 timeout => 10`, u, idx))
	const total, batch, writers = 100_000, 500, 2
	next := atomic.Int64{}
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			evs := make([]*event.Event, 0, batch)
			for {
				first := next.Add(batch) - batch
				if first >= total {
					return
				}
				evs = evs[:0]
				for i := first; i < first+batch && i < total; i++ {
					e := event.NewMessage(fmt.Sprint("event ", i))
					e.SetField("id", fmt.Sprint("e", i))
					evs = append(evs, e)
				}
				if err := o.Write(ctx, evs); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	// Stop the node once a quarter of the stream is in.
	for o.Stats().Indexed.Load() < total/4 {
		if ctx.Err() != nil {
			t.Fatal("the stream did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	runScript(t, script, nil, "stop", "opensearch", name)
	// The outage itself: 30 s. Answers read just before the stop are
	// counted within the first second.
	time.Sleep(time.Second)
	stoppedAt := o.Stats().Indexed.Load()
	t.Logf("node stopped after %d events", stoppedAt)
	outage := 30 * time.Second
	if s := os.Getenv("SLUICE_ES_OUTAGE"); s != "" { // shorter while debugging
		outage, _ = time.ParseDuration(s)
	}
	time.Sleep(outage - time.Second)
	if got := o.Stats().Indexed.Load(); got != stoppedAt {
		t.Fatalf("%d events indexed while the node was down", got-stoppedAt)
	}
	runScript(t, script, nil, "start", "opensearch", name)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Write: %v", err)
	}
	got := n.count(idx)
	if got != total {
		t.Fatalf("%d documents after the outage, want %d", got, total)
	}
	t.Logf("node stopped for %s mid-stream: sent %d, received %d, lost 0, duplicated 0 (document_id)", outage, total, got)
	st := o.Stats()
	t.Logf("indexed %d items (%d retried item sends, %d requests)", st.Indexed.Load(), st.Retried.Load(), st.Requests.Load())
	if st.Retried.Load() == 0 {
		t.Fatal("nothing was retried: the outage did not happen")
	}
}
