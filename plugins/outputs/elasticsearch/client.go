package elasticsearch

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicelog/sluice/internal/netutil"
)

// host is one node with its liveness.
type host struct {
	url       *url.URL
	base      string // url without a trailing slash
	dead      bool
	nextCheck time.Time
	checking  bool
}

// hostPool hands out live hosts in turn. A host that failed to answer is
// dead: skipped until a health check (run by the first pick after
// resurrectDelay) succeeds.
type hostPool struct {
	mu             sync.Mutex
	hosts          []*host
	next           int
	resurrectDelay time.Duration
	check          func(ctx context.Context, h *host) error
	log            *slog.Logger
	now            func() time.Time
	bgRunning      bool
}

// errNoLiveHost means every host is dead and none is due for a check.
var errNoLiveHost = errors.New("no live host: every host failed and none is due for a health check")

// pick returns the next live host, health-checking dead hosts whose turn
// has come.
func (p *hostPool) pick(ctx context.Context) (*host, error) {
	p.mu.Lock()
	n := len(p.hosts)
	for i := 0; i < n; i++ {
		h := p.hosts[(p.next+i)%n]
		if !h.dead {
			p.next = (p.next + i + 1) % n
			p.mu.Unlock()
			return h, nil
		}
	}
	// Every host is dead: check those that are due, one at a time each.
	now := p.now()
	var due []*host
	for _, h := range p.hosts {
		if !h.checking && !now.Before(h.nextCheck) {
			h.checking = true
			due = append(due, h)
		}
	}
	p.mu.Unlock()
	var found *host
	for _, h := range due {
		if found == nil && p.check(ctx, h) == nil {
			found = h
			p.mu.Lock()
			h.dead, h.checking = false, false
			p.mu.Unlock()
			p.log.Info("host is back", "host", h.base)
			continue
		}
		p.mu.Lock()
		h.checking = false
		if h.dead {
			h.nextCheck = p.now().Add(p.resurrectDelay)
		}
		p.mu.Unlock()
	}
	if found != nil {
		return found, nil
	}
	return nil, errNoLiveHost
}

// markDead records that h failed to answer.
func (p *hostPool) markDead(h *host, err error) {
	p.mu.Lock()
	was := h.dead
	h.dead = true
	h.nextCheck = p.now().Add(p.resurrectDelay)
	p.mu.Unlock()
	if !was {
		p.log.Warn("host marked dead", "host", h.base, "error", err)
	}
}

// resurrect checks the dead hosts that are due while others are alive, so
// a recovered host rejoins the rotation.
func (p *hostPool) resurrect(ctx context.Context) {
	p.mu.Lock()
	now := p.now()
	var due []*host
	for _, h := range p.hosts {
		if h.dead && !h.checking && !now.Before(h.nextCheck) {
			h.checking = true
			due = append(due, h)
		}
	}
	p.mu.Unlock()
	for _, h := range due {
		err := p.check(ctx, h)
		p.mu.Lock()
		h.checking = false
		if err == nil {
			h.dead = false
		} else {
			h.nextCheck = p.now().Add(p.resurrectDelay)
		}
		p.mu.Unlock()
		if err == nil {
			p.log.Info("host is back", "host", h.base)
		}
	}
}

// resurrectInBackground starts a health check of the dead hosts that are
// due, unless one runs: a dead host comes back even while the live ones
// serve every request.
func (p *hostPool) resurrectInBackground(ctx context.Context) {
	p.mu.Lock()
	now := p.now()
	due := false
	for _, h := range p.hosts {
		if h.dead && !h.checking && !now.Before(h.nextCheck) {
			due = true
		}
	}
	if !due || p.bgRunning {
		p.mu.Unlock()
		return
	}
	p.bgRunning = true
	p.mu.Unlock()
	go func() {
		p.resurrect(ctx)
		p.mu.Lock()
		p.bgRunning = false
		p.mu.Unlock()
	}()
}

// alive reports whether h is in the rotation.
func (p *hostPool) alive(h *host) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !h.dead
}

// client sends requests to the pool's hosts.
type client struct {
	// bg is cancelled at close: it bounds background health checks.
	bg       context.Context
	stop     context.CancelFunc
	http     *http.Client
	pool     *hostPool
	auth     string // Authorization header value
	headers  http.Header
	gzip     bool
	hcPath   string
	hcClient *http.Client
}

func newClient(o *Output, hosts []*url.URL, tlsOpts *netutil.TLSOptions) (*client, error) {
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     false,
	}
	useTLS := false
	for _, u := range hosts {
		if u.Scheme == "https" {
			useTLS = true
		}
	}
	if useTLS {
		cfg, err := netutil.ClientConfig(tlsOpts, "")
		if err != nil {
			return nil, fmt.Errorf("TLS: %w", err)
		}
		// The server name comes from each request's host.
		cfg.ServerName = ""
		tr.TLSClientConfig = cfg
	} else if tlsOpts.Certificate != "" || len(tlsOpts.CertificateAuthorities) > 0 {
		return nil, errors.New("ssl settings are given but no host uses https (set ssl_enabled => true or use https:// hosts)")
	}
	c := &client{
		http:     &http.Client{Transport: tr, Timeout: o.Timeout},
		hcClient: &http.Client{Transport: tr, Timeout: min(o.Timeout, 10*time.Second)},
		gzip:     o.HTTPCompression,
		hcPath:   "/" + strings.TrimLeft(o.HealthcheckPath, "/"),
		headers:  http.Header{},
	}
	switch {
	case o.User != "":
		c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(o.User+":"+o.Password))
	case o.APIKey != "":
		k := o.APIKey
		if strings.Contains(k, ":") {
			k = base64.StdEncoding.EncodeToString([]byte(k))
		}
		c.auth = "ApiKey " + k
	}
	for _, kv := range o.CustomHeaders {
		c.headers.Set(kv.Key, fmt.Sprint(kv.Value))
	}
	pool := &hostPool{resurrectDelay: o.ResurrectDelay, log: o.log, now: time.Now}
	for _, u := range hosts {
		pool.hosts = append(pool.hosts, &host{url: u, base: u.String()})
	}
	pool.check = c.healthcheck
	c.pool = pool
	c.bg, c.stop = context.WithCancel(context.Background())
	return c, nil
}

func (c *client) close() {
	c.stop()
	c.http.CloseIdleConnections()
}

// connError marks an error as the host's fault (it did not answer): the
// host is marked dead and the request goes elsewhere.
type connError struct{ err error }

func (e *connError) Error() string { return e.err.Error() }
func (e *connError) Unwrap() error { return e.err }

// statusError is a non-2xx answer to a whole request.
type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.status, e.body)
}

// do sends one request to a live host and returns the body of a 2xx
// answer. A failure to connect or to read the answer marks the host dead.
func (c *client) do(ctx context.Context, method, path string, body []byte, gzipped bool, contentType string) ([]byte, int, *host, error) {
	h, err := c.pool.pick(ctx)
	if err != nil {
		return nil, 0, nil, &connError{err}
	}
	b, status, err := c.doHost(ctx, h, method, path, body, gzipped, contentType, c.http)
	var ce *connError
	if errors.As(err, &ce) && ctx.Err() == nil {
		c.pool.markDead(h, err)
	}
	return b, status, h, err
}

func (c *client) doHost(ctx context.Context, h *host, method, path string, body []byte, gzipped bool, contentType string, hc *http.Client) ([]byte, int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, rd)
	if err != nil {
		return nil, 0, fmt.Errorf("build request: %w", err)
	}
	for k, v := range c.headers {
		req.Header[k] = v
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
		if gzipped {
			req.Header.Set("Content-Encoding", "gzip")
		}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, 0, &connError{fmt.Errorf("%s %s: %w", method, h.base+path, err)}
	}
	defer resp.Body.Close()
	// Bulk answers are about 100 bytes per item; 256 MiB bounds a broken peer.
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, resp.StatusCode, &connError{fmt.Errorf("%s %s: read answer: %w", method, h.base+path, err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return b, resp.StatusCode, &statusError{status: resp.StatusCode, body: truncate(string(b), 512)}
	}
	return b, resp.StatusCode, nil
}

func (c *client) healthcheck(ctx context.Context, h *host) error {
	_, _, err := c.doHost(ctx, h, http.MethodGet, c.hcPath, nil, false, "", c.hcClient)
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// serverInfo is what GET / says.
type serverInfo struct {
	distribution string // "elasticsearch" or "opensearch"
	version      string
	major        int
	minor        int
}

func (s serverInfo) String() string { return s.distribution + " " + s.version }

// parseServerInfo reads the answer of GET /.
func parseServerInfo(b []byte) (serverInfo, error) {
	var r struct {
		Version struct {
			Number       string `json:"number"`
			Distribution string `json:"distribution"`
		} `json:"version"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return serverInfo{}, fmt.Errorf("GET / answered something that is not JSON: %w", err)
	}
	if r.Version.Number == "" {
		return serverInfo{}, errors.New("GET / answered without a version number: not Elasticsearch or OpenSearch?")
	}
	si := serverInfo{distribution: "elasticsearch", version: r.Version.Number}
	if r.Version.Distribution == "opensearch" {
		si.distribution = "opensearch"
	}
	major, rest, _ := strings.Cut(r.Version.Number, ".")
	m, err := strconv.Atoi(major)
	if err != nil {
		return serverInfo{}, fmt.Errorf("GET / answered version %q", r.Version.Number)
	}
	si.major = m
	// "7.10.2", "8.0.0-rc1", "3.0": a minor that does not parse is 0.
	minor, _, _ := strings.Cut(rest, ".")
	minor, _, _ = strings.Cut(minor, "-")
	si.minor, _ = strconv.Atoi(minor)
	return si, nil
}

// setup detects the server and installs templates, once; it retries with
// backoff until it succeeds or ctx is done.
func (o *Output) setup(ctx context.Context) error {
	if o.setupDone.Load() {
		return nil
	}
	o.setupMu.Lock()
	defer o.setupMu.Unlock()
	for attempt := 0; !o.setupDone.Load(); attempt++ {
		err := o.trySetup(ctx)
		if err == nil {
			o.setupDone.Store(true)
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := backoff(o.RetryInitialInterval, o.RetryMaxInterval, attempt)
		var ce *connError
		if errors.As(err, &ce) {
			o.log.Warn("cannot reach the cluster yet; retrying", "error", err, "retry_in", wait)
		} else {
			// The cluster answered but cannot take the events as
			// configured: nothing is sent (and nothing acknowledged)
			// until that changes.
			o.log.Error("the cluster cannot take events as configured; retrying", "error", err, "retry_in", wait)
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
	return nil
}

func (o *Output) trySetup(ctx context.Context) error {
	b, _, _, err := o.client.do(ctx, http.MethodGet, "/", nil, false, "")
	if err != nil {
		return fmt.Errorf("GET /: %w", err)
	}
	si, err := parseServerInfo(b)
	if err != nil {
		return err
	}
	o.server = si
	o.useDS = o.decideDataStream(si)
	o.log.Info("connected", "server", si.String(), "data_stream", o.useDS)
	if o.useDS {
		if err := o.checkDataStreams(ctx, si); err != nil {
			return err
		}
	}
	if !o.ManageTemplate {
		return nil
	}
	switch {
	case o.useDS && si.distribution == "opensearch":
		err = o.installTemplate(ctx, true, "sluice-"+o.DataStreamType+"-data-stream", dataStreamTemplate(o.DataStreamType))
	case o.useDS:
		// Elasticsearch has built-in data stream templates.
	default:
		composable := o.composable(si)
		tpl := o.templateJS
		if tpl == nil {
			tpl = defaultTemplate(o.Index, o.pctx.ECS(), composable)
		}
		err = o.installTemplate(ctx, composable, o.TemplateName, tpl)
	}
	var ce *connError
	if err != nil && !errors.As(err, &ce) {
		// Refused (no privilege to manage templates, a bad template): as
		// Logstash, say so and index without it.
		o.log.Error("cannot install the index template; events are sent without it", "error", err)
		return nil
	}
	return err
}

// checkDataStreams makes sure the cluster has data streams before events
// are written to them: Elasticsearch before 7.9 and the OSS distribution
// of Elasticsearch 7 have none, and a create to logs-generic-default
// would silently make a plain index of that name there.
func (o *Output) checkDataStreams(ctx context.Context, si serverInfo) error {
	if si.distribution == "elasticsearch" && (si.major < 7 || si.major == 7 && si.minor < 9) {
		return fmt.Errorf("data_stream: %s has no data streams (Elasticsearch 7.9 or later, or OpenSearch, has them); "+
			"set data_stream => false to write to an index", si)
	}
	_, _, _, err := o.client.do(ctx, http.MethodGet, "/_data_stream", nil, false, "")
	var se *statusError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && (se.status == http.StatusUnauthorized || se.status == http.StatusForbidden):
		// A user who may write but not list: assume the streams exist.
		return nil
	case errors.As(err, &se):
		return fmt.Errorf("data_stream: %s has no data stream API (GET /_data_stream answered HTTP %d; the OSS "+
			"distribution of Elasticsearch has none); set data_stream => false to write to an index", si, se.status)
	}
	return fmt.Errorf("GET /_data_stream: %w", err)
}

func (o *Output) composable(si serverInfo) bool {
	if o.flavor == flavorOpenSearch {
		return !o.LegacyTemplate
	}
	switch o.TemplateAPI {
	case "legacy":
		return false
	case "composable":
		return true
	}
	return si.distribution == "opensearch" || si.major >= 8
}

// decideDataStream applies data_stream (auto as Logstash 8).
func (o *Output) decideDataStream(si serverInfo) bool {
	switch o.DataStream {
	case "true":
		return true
	case "false":
		return false
	}
	if !o.pctx.ECS() || si.distribution != "elasticsearch" || si.major < 8 {
		return false
	}
	for _, n := range []string{"index", "template", "template_name", "document_id", "routing", "pipeline", "action"} {
		if o.isSet(n) {
			return false
		}
	}
	return true
}

func (o *Output) installTemplate(ctx context.Context, composable bool, name string, body []byte) error {
	api := "/_template/"
	if composable {
		api = "/_index_template/"
	}
	path := api + url.PathEscape(name)
	if !o.TemplateOverwrite {
		_, _, _, err := o.client.do(ctx, http.MethodGet, path, nil, false, "")
		if err == nil {
			o.log.Debug("index template exists; not overwriting", "template", name)
			return nil
		}
		var se *statusError
		if !errors.As(err, &se) || se.status != http.StatusNotFound {
			return fmt.Errorf("GET %s: %w", path, err)
		}
	}
	if _, _, _, err := o.client.do(ctx, http.MethodPut, path, body, false, "application/json"); err != nil {
		return fmt.Errorf("PUT %s: %w", path, err)
	}
	o.log.Info("installed index template", "template", name, "api", api)
	return nil
}

func jsonObject(b []byte) bool {
	var m map[string]any
	return json.Unmarshal(b, &m) == nil
}
