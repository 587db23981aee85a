// Package http is the http output: it sends events to an HTTP(S) endpoint,
// one request per event or one per batch, as Logstash's http output does,
// and retries what the endpoint refuses for now (429, 5xx, network errors)
// with exponential backoff until it is accepted or Sluice is forced to stop.
package http

import (
	"crypto/tls"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/netutil"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindOutput,
		Name:        "http",
		Summary:     "Sends events to an HTTP(S) endpoint: JSON, a JSON array or NDJSON per batch, a form, or a text message.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Output{} },
	})
}

const description = "Sends events to a generic HTTP(S) endpoint with `http_method` to `url`. `format` decides what a " +
	"request carries:\n\n" +
	"| `format` | Requests | Body | Default `Content-Type` |\n" +
	"|---|---|---|---|\n" +
	"| `json` (default) | one per event | the event (or `mapping`) as a JSON object | `application/json` |\n" +
	"| `json_batch` | one per pipeline batch | a JSON array of the events (or mappings) | `application/json` |\n" +
	"| `ndjson` | one per pipeline batch | one JSON object per line (Sluice only) | `application/x-ndjson` |\n" +
	"| `form` | one per event | the event's top-level fields (or `mapping`) URL-encoded: `a=1&b=x` | `application/x-www-form-urlencoded` |\n" +
	"| `message` | one per event | the `message` template rendered for the event | `text/plain` |\n\n" +
	"`url`, the values of `headers` and the strings in `mapping` may use `%{field}` references. For the " +
	"batch formats the events of one batch are grouped by their rendered `url` and `headers`: one request " +
	"per group.\n\n" +
	"### Outcomes and retries\n\n" +
	"A 2xx answer, or a code listed in `ignorable_codes`, delivers the request's events. A code listed in " +
	"`retryable_codes` (429 and 500, 502, 503, 504 by default), a timeout or a network error (connection " +
	"refused or reset, DNS failure, TLS handshake failure) is retried with exponential backoff, from " +
	"`retry_initial_interval` doubling up to `retry_max_interval` with jitter, honouring a `Retry-After` answer " +
	"up to that maximum — indefinitely while `retry_failed` is true (the default), so the pipeline's " +
	"acknowledgements wait and backpressure reaches the inputs while the endpoint is down. Any other code " +
	"(400, 401, 404, ...) is final: the events are written to the dead letter queue when it is enabled, " +
	"otherwise logged and counted, and never retried. With `retry_failed => false` every failure is final. " +
	"An event whose rendered `url` is not an http(s) URL, or whose rendered header holds a line break, is " +
	"rejected the same way without a request.\n\n" +
	"Before that, a network error is retried at once up to `automatic_retries` times (only for idempotent " +
	"methods — GET, HEAD, PUT, DELETE — unless `retry_non_idempotent` is true), as Logstash's HTTP client does.\n\n" +
	"When Sluice is forced to stop while requests are still being retried, those events stay " +
	"unacknowledged (a beats sender or the file shipper sends them again later).\n\n" +
	"At most `pool_max` requests are in flight at once for this output, at most `pool_max_per_route` to " +
	"one host; events of one batch are therefore not necessarily sent in order.\n\n" +
	"### Differences from Logstash\n\n" +
	"- `ndjson` is a Sluice format; `json_batch` requests use the rendered `url` and `headers` (Logstash " +
	"sends them unrendered for `json_batch`).\n" +
	"- TLS failures (an untrusted or expired certificate) are retried like other network errors and logged " +
	"as errors, instead of dropping the events.\n" +
	"- The backoff is configurable (`retry_initial_interval`, `retry_max_interval`); Logstash waits about " +
	"attempt² seconds, at most 60.\n" +
	"- `socket_timeout` bounds the wait for the answer's headers; `request_timeout` the whole exchange.\n" +
	"- `proxy` takes a URL (`http://user:pass@proxy:3128`), not a hash. `validate_after_inactivity` is accepted " +
	"and has no effect (closed idle connections are detected anyway).\n" +
	"- Java keystores (`ssl_keystore_*`, `ssl_truststore_*`) are not supported: give PEM files with " +
	"`ssl_certificate`, `ssl_key` and `ssl_certificate_authorities`."

// Output is the http output.
type Output struct {
	URL                string
	HTTPMethod         string
	Format             string
	Message            string
	ContentType        string
	Headers            plugin.Hash
	Mapping            plugin.Hash
	User               string
	Password           string
	HTTPCompression    bool
	RetryFailed        bool
	AutomaticRetries   int
	RetryNonIdempotent bool
	RetryableCodes     []any
	IgnorableCodes     []any
	RetryInitial       time.Duration
	RetryMax           time.Duration
	ConnectTimeout     time.Duration
	SocketTimeout      time.Duration
	RequestTimeout     time.Duration
	PoolMax            int
	PoolMaxPerRoute    int
	Keepalive          bool
	Cookies            bool
	FollowRedirects    bool
	Proxy              string
	ValidateAfter      int

	SSLCertificate            string
	SSLKey                    string
	SSLKeyPassphrase          string
	SSLCertificateAuthorities []string
	SSLVerificationMode       string
	SSLSupportedProtocols     []string
	SSLCipherSuites           []string

	obsolete map[string]*plugin.Setting
	unsup    map[string]*plugin.Setting
	obsVals  [8]any
	unsVals  [6]string

	// Set by Init.
	log         *slog.Logger
	id          string
	dlq         plugin.DeadLetterWriter
	url         *event.Template
	message     *event.Template
	headers     []headerTemplate
	mapping     *mapping
	format      format
	contentType string
	method      string
	retryable   map[int]bool
	ignorable   map[int]bool
	client      *http.Client
	transport   *http.Transport
	sem         chan struct{}
	autoRetry   bool
	retryLog    netutil.LogLimiter
	failLog     netutil.LogLimiter
	sent        atomic.Int64
	failed      atomic.Int64
	retried     atomic.Int64
	requests    atomic.Int64
	deadLetter  atomic.Int64
}

var (
	_ plugin.Output      = (*Output)(nil)
	_ plugin.Initializer = (*Output)(nil)
	_ plugin.Closer      = (*Output)(nil)
)

type format int

const (
	formatJSON format = iota
	formatJSONBatch
	formatNDJSON
	formatForm
	formatMessage
)

var formats = map[string]format{
	"json": formatJSON, "json_batch": formatJSONBatch, "ndjson": formatNDJSON, "form": formatForm, "message": formatMessage,
}

var contentTypes = map[format]string{
	formatJSON:      "application/json",
	formatJSONBatch: "application/json",
	formatNDJSON:    "application/x-ndjson",
	formatForm:      "application/x-www-form-urlencoded",
	formatMessage:   "text/plain",
}

func (f format) batched() bool { return f == formatJSONBatch || f == formatNDJSON }

type headerTemplate struct {
	name  string
	value *event.Template
}

// obsoleteSettings are names older Logstash versions used, with their
// replacements (Logstash 8's http output refuses them too).
var obsoleteSettings = []struct{ name, use string }{
	{"cacert", "ssl_certificate_authorities"},
	{"client_cert", "ssl_certificate"},
	{"client_key", "ssl_key"},
	{"keystore", "ssl_keystore_path (not supported: PEM files with ssl_certificate and ssl_key)"},
	{"keystore_password", "ssl_keystore_password (not supported)"},
	{"keystore_type", "ssl_keystore_type (not supported)"},
	{"truststore", "ssl_certificate_authorities"},
	{"truststore_password", "ssl_certificate_authorities"},
}

var unsupportedSettings = []string{
	"ssl_keystore_path", "ssl_keystore_password", "ssl_keystore_type",
	"ssl_truststore_path", "ssl_truststore_password", "ssl_truststore_type",
}

// Settings declares the http output's settings.
func (o *Output) Settings(s *plugin.Settings) {
	s.String(&o.URL, "url", "The endpoint, `http://` or `https://`; may use `%{field}` references.").Required().
		Example(`"https://collector.example.com/logs/%{[service][name]}"`)
	s.String(&o.HTTPMethod, "http_method", "The request method.").Required().
		Enum("post", "put", "patch", "delete", "get", "head")
	s.String(&o.Format, "format", "What a request carries: `json` (one event per request), `json_batch` (a JSON array per batch), "+
		"`ndjson` (one JSON object per line, per batch), `form` (URL-encoded fields) or `message` (the `message` template).").
		Default("json").Enum("json", "json_batch", "ndjson", "form", "message")
	s.String(&o.Message, "message", "The body for `format => message`, with `%{field}` references. Required by that format.").
		Example(`"%{host}: %{message}"`)
	s.String(&o.ContentType, "content_type", "The `Content-Type` header. Defaults from `format`: `application/json`, "+
		"`application/x-ndjson`, `application/x-www-form-urlencoded` or `text/plain`; a `Content-Type` in `headers` replaces that default.")
	s.Hash(&o.Headers, "headers", "Extra request headers; values may use `%{field}` references.").Default(plugin.Hash{}).
		Example(`{ "X-Tenant" => "%{[tenant][id]}" }`)
	s.Hash(&o.Mapping, "mapping", "Sends this structure instead of the whole event: a hash whose string values (nested "+
		"hashes and arrays included) are `%{field}` templates rendered for each event. Values are sent as strings, as in Logstash.").
		Example(`{ "msg" => "%{message}" "host" => "%{[host][name]}" }`)
	s.String(&o.User, "user", "User name for HTTP Basic authentication (with `password`).")
	s.Password(&o.Password, "password", "Password for HTTP Basic authentication (with `user`).")
	s.Bool(&o.HTTPCompression, "http_compression", "Compress request bodies with gzip (`Content-Encoding: gzip`).").Default(false)
	s.Bool(&o.RetryFailed, "retry_failed", "Retry requests answered with a `retryable_codes` code or failed by a network error, "+
		"indefinitely, with backoff. When false, such events are given up (dead letter queue, or logged and counted).").Default(true)
	s.Int(&o.AutomaticRetries, "automatic_retries", "Immediate retries of a request that failed with a network error, before the "+
		"backoff of `retry_failed` starts (idempotent methods only, unless `retry_non_idempotent`).").Default(1)
	s.Bool(&o.RetryNonIdempotent, "retry_non_idempotent", "Let `automatic_retries` also retry POST and PATCH requests.").Default(false)
	s.Array(&o.RetryableCodes, "retryable_codes", "HTTP status codes retried with backoff.").
		Default([]any{int64(429), int64(500), int64(502), int64(503), int64(504)})
	s.Array(&o.IgnorableCodes, "ignorable_codes", "Non-2xx status codes that count as success (e.g. 409 for an endpoint that refuses duplicates).").
		Default([]any{})
	s.Seconds(&o.RetryInitial, "retry_initial_interval", "Seconds before the first retry; the wait doubles with each retry. Sluice only.").
		Default(time.Second)
	s.Seconds(&o.RetryMax, "retry_max_interval", "Longest wait between retries, in seconds. Sluice only.").Default(60 * time.Second)
	s.Seconds(&o.ConnectTimeout, "connect_timeout", "Seconds to wait for a connection (and its TLS handshake).").Default(10 * time.Second)
	s.Seconds(&o.SocketTimeout, "socket_timeout", "Seconds to wait for the answer once the request was sent.").Default(10 * time.Second)
	s.Seconds(&o.RequestTimeout, "request_timeout", "Seconds a whole request may take, connection and answer included.").Default(60 * time.Second)
	s.Int(&o.PoolMax, "pool_max", "Most requests in flight at once (and idle connections kept).").Default(50)
	s.Int(&o.PoolMaxPerRoute, "pool_max_per_route", "Most connections to one host.").Default(25)
	s.Bool(&o.Keepalive, "keepalive", "Reuse connections between requests.").Default(true)
	s.Bool(&o.Cookies, "cookies", "Keep cookies the endpoint sets and send them back, as a browser does.").Default(true)
	s.Bool(&o.FollowRedirects, "follow_redirects", "Follow 3xx redirects (at most 10).").Default(true)
	s.String(&o.Proxy, "proxy", "An HTTP proxy URL, e.g. `http://user:pass@proxy.example.com:3128`.")
	s.Int(&o.ValidateAfter, "validate_after_inactivity", "Accepted for compatibility with Logstash; no effect.").Default(200)

	s.Path(&o.SSLCertificate, "ssl_certificate", "Client certificate (PEM) presented to endpoints that ask for one.")
	s.Path(&o.SSLKey, "ssl_key", "Private key (PEM) of `ssl_certificate`.")
	s.Password(&o.SSLKeyPassphrase, "ssl_key_passphrase", "Passphrase of an encrypted `ssl_key`.")
	s.Strings(&o.SSLCertificateAuthorities, "ssl_certificate_authorities", "PEM files (or directories of them) with the certificate "+
		"authorities trusted to sign the endpoint's certificate; empty means the system's.").Default([]string{})
	s.String(&o.SSLVerificationMode, "ssl_verification_mode", "How the endpoint's certificate is checked: `full` (chain and host name), "+
		"`certificate` (chain only) or `none` (not at all: only for tests).").Default("full").Enum("full", "certificate", "none")
	s.Strings(&o.SSLSupportedProtocols, "ssl_supported_protocols", "Allowed TLS versions among `TLSv1.1`, `TLSv1.2` and `TLSv1.3`; empty means TLS 1.2 and 1.3.").Default([]string{})
	s.Strings(&o.SSLCipherSuites, "ssl_cipher_suites", "Allowed TLS 1.2 cipher suites by IANA name; empty means Go's secure defaults.").Default([]string{})

	o.obsolete = map[string]*plugin.Setting{}
	for i, ob := range obsoleteSettings {
		o.obsolete[ob.name] = s.Any(&o.obsVals[i], ob.name, "Obsolete: use `"+ob.use+"`.")
	}
	o.unsup = map[string]*plugin.Setting{}
	for i, n := range unsupportedSettings {
		o.unsup[n] = s.String(&o.unsVals[i], n, "Not supported (Java keystores): use PEM files with `ssl_certificate`, `ssl_key` and `ssl_certificate_authorities`.")
	}
}

// Init checks the settings, compiles the templates and builds the client.
func (o *Output) Init(ctx *plugin.Context) error {
	o.log = ctx.Logger
	if o.log == nil {
		o.log = slog.Default()
	}
	o.id = ctx.ID
	o.dlq = ctx.DeadLetter
	for _, ob := range obsoleteSettings {
		if o.obsolete[ob.name].Set {
			return fmt.Errorf("`%s` is obsolete: use `%s`", ob.name, ob.use)
		}
	}
	for _, n := range unsupportedSettings {
		if o.unsup[n].Set {
			return fmt.Errorf("`%s`: Java keystores are not supported; give PEM files with `ssl_certificate`, `ssl_key` and `ssl_certificate_authorities`", n)
		}
	}
	var err error
	if o.url, err = event.ParseTemplate(o.URL); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	if o.url.IsStatic() {
		if _, err := parseURL(o.URL); err != nil {
			return fmt.Errorf("url: %w", err)
		}
	}
	o.method = strings.ToUpper(o.HTTPMethod)
	o.format = formats[o.Format]
	if o.format == formatMessage {
		if o.Message == "" {
			return errors.New("`format => message` needs the `message` setting")
		}
		if len(o.Mapping) > 0 {
			o.log.Warn("`mapping` is ignored with `format => message`")
		}
	}
	if o.Message != "" {
		if o.message, err = event.ParseTemplate(o.Message); err != nil {
			return fmt.Errorf("message: %w", err)
		}
	}
	if len(o.Mapping) > 0 {
		if o.mapping, err = compileMapping(o.Mapping); err != nil {
			return fmt.Errorf("mapping: %w", err)
		}
	}
	o.contentType = o.ContentType
	if o.contentType == "" {
		o.contentType = contentTypes[o.format]
	}
	o.headers = nil
	for _, h := range o.Headers {
		if !validHeaderName(h.Key) {
			return fmt.Errorf("headers: %q is not a valid header name", h.Key)
		}
		name := http.CanonicalHeaderKey(h.Key)
		if name == "Content-Type" && o.ContentType == "" {
			// An explicit header wins over the format's default.
			o.contentType = ""
		}
		v, ok := h.Value.(string)
		if !ok {
			v = fmt.Sprint(h.Value)
		}
		t, err := event.ParseTemplate(v)
		if err != nil {
			return fmt.Errorf("headers %q: %w", h.Key, err)
		}
		o.headers = append(o.headers, headerTemplate{name: name, value: t})
	}
	if (o.User == "") != (o.Password == "") {
		return errors.New("`user` and `password` must be set together")
	}
	if o.retryable, err = codeSet("retryable_codes", o.RetryableCodes); err != nil {
		return err
	}
	if o.ignorable, err = codeSet("ignorable_codes", o.IgnorableCodes); err != nil {
		return err
	}
	if o.AutomaticRetries < 0 {
		return fmt.Errorf("automatic_retries must be >= 0, got %d", o.AutomaticRetries)
	}
	if o.PoolMax < 1 || o.PoolMaxPerRoute < 1 {
		return fmt.Errorf("pool_max and pool_max_per_route must be >= 1, got %d and %d", o.PoolMax, o.PoolMaxPerRoute)
	}
	if o.RetryInitial <= 0 || o.RetryMax < o.RetryInitial {
		return fmt.Errorf("retry_initial_interval must be > 0 and at most retry_max_interval, got %s and %s", o.RetryInitial, o.RetryMax)
	}
	for name, d := range map[string]time.Duration{"connect_timeout": o.ConnectTimeout, "socket_timeout": o.SocketTimeout, "request_timeout": o.RequestTimeout} {
		if d <= 0 {
			return fmt.Errorf("%s must be > 0 seconds", name)
		}
	}
	switch o.method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete:
		o.autoRetry = true
	default:
		o.autoRetry = o.RetryNonIdempotent
	}
	if err := o.buildClient(); err != nil {
		return err
	}
	o.sem = make(chan struct{}, o.PoolMax)
	return nil
}

func (o *Output) buildClient() error {
	tlsOpts := &netutil.TLSOptions{
		Certificate:            o.SSLCertificate,
		Key:                    o.SSLKey,
		KeyPassphrase:          o.SSLKeyPassphrase,
		CertificateAuthorities: o.SSLCertificateAuthorities,
		VerificationMode:       o.SSLVerificationMode,
		SupportedProtocols:     o.SSLSupportedProtocols,
		CipherSuites:           o.SSLCipherSuites,
	}
	var tlsCfg *tls.Config
	var err error
	if tlsCfg, err = netutil.ClientConfig(tlsOpts, ""); err != nil {
		return fmt.Errorf("TLS: %w", err)
	}
	dialer := &net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second}
	o.transport = &http.Transport{
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsCfg,
		TLSHandshakeTimeout:   o.ConnectTimeout,
		ResponseHeaderTimeout: o.SocketTimeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          o.PoolMax,
		MaxIdleConnsPerHost:   o.PoolMaxPerRoute,
		MaxConnsPerHost:       o.PoolMaxPerRoute,
		IdleConnTimeout:       90 * time.Second,
		DisableKeepAlives:     !o.Keepalive,
	}
	if o.Proxy != "" {
		pu, err := url.Parse(o.Proxy)
		if err != nil || pu.Host == "" {
			return fmt.Errorf("proxy: %q is not a URL such as http://proxy.example.com:3128", o.Proxy)
		}
		o.transport.Proxy = http.ProxyURL(pu)
	}
	o.client = &http.Client{Transport: o.transport}
	if o.Cookies {
		jar, _ := cookiejar.New(nil)
		o.client.Jar = jar
	}
	if !o.FollowRedirects {
		o.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return nil
}

// Close releases idle connections.
func (o *Output) Close() error {
	if o.transport != nil {
		o.transport.CloseIdleConnections()
	}
	return nil
}

// Stats are the output's counters.
type Stats struct {
	// Sent counts events delivered (2xx or an ignorable code).
	Sent int64
	// Failed counts events given up (a final error code, or any failure
	// with retry_failed false); DeadLettered of them went to the DLQ.
	Failed, DeadLettered int64
	// Requests counts requests made, Retries those repeated after a failure.
	Requests, Retries int64
}

// Stats returns the counters so far.
func (o *Output) Stats() Stats {
	return Stats{Sent: o.sent.Load(), Failed: o.failed.Load(), DeadLettered: o.deadLetter.Load(),
		Requests: o.requests.Load(), Retries: o.retried.Load()}
}

func codeSet(name string, codes []any) (map[int]bool, error) {
	m := make(map[int]bool, len(codes))
	for _, c := range codes {
		var n int64
		switch x := c.(type) {
		case int64:
			n = x
		case string:
			if _, err := fmt.Sscanf(x, "%d", &n); err != nil {
				return nil, fmt.Errorf("%s: %q is not a status code", name, x)
			}
		default:
			return nil, fmt.Errorf("%s: %v is not a status code", name, c)
		}
		if n < 100 || n > 599 {
			return nil, fmt.Errorf("%s: %d is not a status code (100-599)", name, n)
		}
		m[int(n)] = true
	}
	return m, nil
}

func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: the scheme must be http or https", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", s)
	}
	return u, nil
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
