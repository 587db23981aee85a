// Package http is the http input: it receives events in HTTP(S) requests,
// as Logstash's http input does. Each request body is decoded by the codec
// chosen by its Content-Type; the sender's address and the request headers
// are added to every event; the answer is sent once the pipeline accepted
// the events, or 429 when it is full.
package http

import (
	"context"
	"crypto/tls"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/netutil"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindInput,
		Name:        "http",
		Summary:     "Receives events in HTTP(S) requests: JSON, newline-delimited JSON or plain text bodies.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Input{} },
	})
}

const description = "Listens for HTTP requests (any method; usually `POST` or `PUT`) and turns each request body into " +
	"events. The codec is chosen by the request's `Content-Type` (its media type, without parameters such as " +
	"`charset`): `additional_codecs` maps media types to codecs, and any other type uses `codec` (`plain` by " +
	"default: the whole body becomes one event's `message`). Out of the box:\n\n" +
	"| Content-Type | Codec | Events |\n" +
	"|---|---|---|\n" +
	"| `application/json` | `json` | an object gives one event, an array of objects one event per object |\n" +
	"| `application/x-ndjson` | `json_lines` | one event per line |\n" +
	"| anything else | `plain` | one event per body, the body in `message` |\n\n" +
	"Invalid JSON is never dropped: it becomes an event with the raw text in `message`, tagged " +
	"`_jsonparsefailure`. Bodies compressed with `Content-Encoding: gzip` or `deflate` are inflated first. " +
	"A body over `max_content_length` (checked on the inflated size too) is refused with 413; an unknown " +
	"`Content-Encoding` with 415; a corrupt compressed body with 400.\n\n" +
	"### Answers and backpressure\n\n" +
	"The answer is sent once the request's events were accepted by the pipeline (they are in its queue; " +
	"delivery to the outputs happens later): `response_code` (200 by default) with the body `ok` and " +
	"`response_headers`. When the pipeline is full, a request waits at most `busy_timeout` for room and is " +
	"then answered **429 Too Many Requests** (with `Retry-After: 1`) without any of its events accepted, so the " +
	"client can simply retry it. At most `threads` requests are decoded at once and `max_pending_requests` " +
	"more wait for their turn; further requests get 429 at once, without their bodies being read. Memory " +
	"therefore stays bounded whatever the clients do. A body that decodes into more than 1024 events is " +
	"handed to the pipeline in parts of 1024: only the first part can be refused with 429; once it was " +
	"accepted the request waits for the rest (answering 429 then would make the client send the accepted " +
	"events again). When Sluice stops (or reloads the pipeline), it stops accepting connections and gives " +
	"the requests in progress up to 10 seconds to be taken by the pipeline and answered; a request still " +
	"waiting then, or whose client disconnects, gets no success answer: events it then sends again may be " +
	"delivered twice (at-least-once).\n\n" +
	"With `user` and `password` set, requests must carry HTTP Basic credentials; others get 401 with a " +
	"`WWW-Authenticate` header. The `Authorization` header is never copied into events.\n\n" +
	"### Event fields\n\n" +
	"Each event gets the request headers as a hash whose keys are the header names lower-cased with `-` " +
	"turned into `_` (a header sent several times has its values joined with `, `), plus these entries: " +
	"`http_accept`, `http_host`, `http_user_agent` (the `Accept`, `Host` and `User-Agent` headers), " +
	"`request_method`, `request_path` (the path with its query string) and `http_version` (`HTTP/1.1`). " +
	"Where the headers and the sender's IP address go depends on `ecs_compatibility`, as in Logstash:\n\n" +
	"| | ECS `v1`, `v8` | ECS `disabled` |\n" +
	"|---|---|---|\n" +
	"| all headers (`request_headers_target_field`) | `[@metadata][input][http][request][headers]` | `headers` |\n" +
	"| sender IP (`remote_host_target_field`) | `[host][ip]` | `host` |\n" +
	"| HTTP version | `[http][version]` | `[headers][http_version]` |\n" +
	"| method | `[http][method]` | `[headers][request_method]` |\n" +
	"| path and query | `[url][path]` | `[headers][request_path]` |\n" +
	"| `Host` header | `[url][domain]`, `[url][port]` (a number) | `[headers][http_host]` |\n" +
	"| `User-Agent` header | `[user_agent][original]` | `[headers][http_user_agent]` |\n" +
	"| `Content-Length` header | `[http][request][body][bytes]` (text, as Logstash sets it) | `[headers][content_length]` |\n" +
	"| `Content-Type` header | `[http][request][mime_type]` | `[headers][content_type]` |\n\n" +
	"These fields replace fields of the same name from the body, as in Logstash; when one cannot be set " +
	"(the body has, say, `\"url\": \"text\"` where `[url][path]` should go) it is skipped and the event is " +
	"kept.\n\n" +
	"### Differences from Logstash\n\n" +
	"- `application/x-ndjson` is decoded with `json_lines` by default (Logstash's default `additional_codecs` " +
	"only has `application/json`, so ndjson bodies arrive as one plain-text event). Setting `additional_codecs` " +
	"replaces the whole default, as in Logstash.\n" +
	"- Logstash blocks requests while its queue is full and times them out; Sluice answers 429 after " +
	"`busy_timeout` (a Sluice setting) so that clients back off and retry.\n" +
	"- Unknown `Content-Encoding` values are refused (415) instead of being decoded as they are; `deflate` " +
	"accepts both zlib-wrapped and raw deflate data.\n" +
	"- Headers absent from the request (`http_accept`, ...) are left out instead of being set to null.\n" +
	"- Java keystores (`ssl_keystore_path`, `ssl_truststore_path`) are not supported: give PEM files with " +
	"`ssl_certificate`, `ssl_key` and `ssl_certificate_authorities`. Encrypted keys must use legacy OpenSSL PEM " +
	"encryption (`Proc-Type: 4,ENCRYPTED`).\n" +
	"- Only HTTP/1.x is served (as Logstash). `ssl_cipher_suites` applies to TLS 1.2 only."

// maxBatch is the most events handed to the pipeline in one Push.
const maxBatch = 1024

// Input is the http input.
type Input struct {
	// Listening offers Ready and Addr (tests bind port 0).
	netutil.Listening

	Host                      string
	Port                      int
	Codec                     plugin.Codec
	AdditionalCodecs          plugin.Hash
	User                      string
	Password                  string
	ResponseCode              int
	ResponseHeaders           plugin.Hash
	RemoteHostTargetField     event.Ref
	RequestHeadersTargetField event.Ref
	SSLEnabled                bool
	SSLCertificate            string
	SSLKey                    string
	SSLKeyPassphrase          string
	SSLCertificateAuthorities []string
	SSLClientAuthentication   string
	SSLSupportedProtocols     []string
	SSLCipherSuites           []string
	SSLHandshakeTimeout       int
	Threads                   int
	MaxPendingRequests        int
	MaxContentLength          int64
	BusyTimeout               time.Duration

	obsolete map[string]*plugin.Setting
	unsup    map[string]*plugin.Setting
	sslSet   []*plugin.Setting
	threads  *plugin.Setting
	obsVals  [10]any
	unsVals  [6]string

	// Set by Init.
	log     *slog.Logger
	ecs     bool
	codecs  map[string]plugin.Codec
	tlsCfg  *tls.Config
	auth    bool
	fields  fieldRefs
	respHdr http.Header
	slots   chan struct{} // threads + max_pending_requests: requests admitted
	// shutdownGrace bounds the wait for requests in progress when Run
	// stops (shutdownTimeout; tests shorten it).
	shutdownGrace time.Duration
	workers       chan struct{} // threads: requests being decoded and pushed

	conflictLog netutil.LogLimiter

	held netutil.HeldListener // bound by Open, served by Run
}

var (
	_ plugin.Input       = (*Input)(nil)
	_ plugin.Initializer = (*Input)(nil)
	_ plugin.Opener      = (*Input)(nil)
	_ plugin.Closer      = (*Input)(nil)
)

// obsoleteSettings are Logstash 7 names that Logstash 8 refuses, with their
// replacements.
var obsoleteSettings = []struct{ name, use string }{
	{"ssl", "ssl_enabled"},
	{"ssl_verify_mode", "ssl_client_authentication"},
	{"verify_mode", "ssl_client_authentication"},
	{"cipher_suites", "ssl_cipher_suites"},
	{"tls_min_version", "ssl_supported_protocols"},
	{"tls_max_version", "ssl_supported_protocols"},
	{"keystore", "ssl_certificate and ssl_key (PEM)"},
	{"keystore_password", "ssl_key_passphrase"},
}

// unsupportedSettings are Logstash settings for Java keystores.
var unsupportedSettings = []string{
	"ssl_keystore_path", "ssl_keystore_password", "ssl_keystore_type",
	"ssl_truststore_path", "ssl_truststore_password", "ssl_truststore_type",
}

// Settings declares the http input's settings.
func (in *Input) Settings(s *plugin.Settings) {
	s.String(&in.Host, "host", "The address to listen on.").Default("0.0.0.0")
	s.Int(&in.Port, "port", "The TCP port to listen on (0 picks a free port).").Default(8080)
	s.Codec(&in.Codec, "codec", "The codec for request bodies whose Content-Type is not in `additional_codecs`.").Default("plain")
	s.Hash(&in.AdditionalCodecs, "additional_codecs",
		"Codecs by Content-Type media type (compared without parameters and case): `{ \"application/json\" => \"json\" }`. "+
			"Setting it replaces the default, which also maps `application/x-ndjson` to `json_lines`.").
		Default(plugin.Hash{{Key: "application/json", Value: "json"}, {Key: "application/x-ndjson", Value: "json_lines"}})
	s.String(&in.User, "user", "User name for HTTP Basic authentication (with `password`).")
	s.Password(&in.Password, "password", "Password for HTTP Basic authentication (with `user`).")
	s.Int(&in.ResponseCode, "response_code", "Status code answered when the request's events were accepted: 200, 201, 202 or 204 (204 sends no body).").Default(200)
	s.Hash(&in.ResponseHeaders, "response_headers", "Headers of the success answer.").
		Default(plugin.Hash{{Key: "Content-Type", Value: "text/plain"}})
	s.FieldRef(&in.RemoteHostTargetField, "remote_host_target_field",
		"Field for the sender's IP address: `[host][ip]` by default in ECS mode, `host` when `ecs_compatibility => disabled`.")
	s.FieldRef(&in.RequestHeadersTargetField, "request_headers_target_field",
		"Field for the request headers: `[@metadata][input][http][request][headers]` by default in ECS mode, `headers` when `ecs_compatibility => disabled`.")
	var ssl []*plugin.Setting
	s.Bool(&in.SSLEnabled, "ssl_enabled", "Serve HTTPS. Needs `ssl_certificate` and `ssl_key`; the other `ssl_` settings take effect only when this is true.").Default(false)
	ssl = append(ssl,
		s.Path(&in.SSLCertificate, "ssl_certificate", "Path to the PEM certificate (it may hold the whole chain)."),
		s.Path(&in.SSLKey, "ssl_key", "Path to the PEM private key of `ssl_certificate`."),
		s.Password(&in.SSLKeyPassphrase, "ssl_key_passphrase", "Passphrase of an encrypted `ssl_key`."),
		s.Strings(&in.SSLCertificateAuthorities, "ssl_certificate_authorities", "PEM files (or directories of them) with the certificate authorities trusted to sign client certificates.").Default([]string{}),
		s.String(&in.SSLClientAuthentication, "ssl_client_authentication",
			"Whether clients must present a certificate signed by `ssl_certificate_authorities`: `none`, `optional` (verified when presented) or `required`.").
			Default("none").Enum("none", "optional", "required"),
		s.Strings(&in.SSLSupportedProtocols, "ssl_supported_protocols", "Allowed TLS versions among `TLSv1.1`, `TLSv1.2` and `TLSv1.3`; empty means TLS 1.2 and 1.3.").Default([]string{}),
		s.Strings(&in.SSLCipherSuites, "ssl_cipher_suites", "Allowed TLS 1.2 cipher suites by IANA name, e.g. `TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`; empty means Go's secure defaults.").Default([]string{}),
		s.Int(&in.SSLHandshakeTimeout, "ssl_handshake_timeout", "Milliseconds a client has to complete the TLS handshake and send the request headers.").Default(10000),
	)
	in.sslSet = ssl
	in.threads = s.Int(&in.Threads, "threads", "How many requests are decoded and handed to the pipeline at once. Defaults to the number of CPU cores.")
	s.Int(&in.MaxPendingRequests, "max_pending_requests", "How many more requests may wait for one of the `threads`; requests beyond that are answered 429 at once.").Default(200)
	s.Bytes(&in.MaxContentLength, "max_content_length", "Largest request body, after decompression, e.g. `\"10MiB\"`; larger bodies are answered 413.").Default(int64(100 << 20))
	s.Seconds(&in.BusyTimeout, "busy_timeout", "How long a request waits for room in a full pipeline before it is answered 429 (none of its events accepted). Sluice only.").Default(5 * time.Second)
	in.obsolete = map[string]*plugin.Setting{}
	for i, o := range obsoleteSettings {
		in.obsolete[o.name] = s.Any(&in.obsVals[i], o.name, "Obsolete: use `"+o.use+"`.")
	}
	in.unsup = map[string]*plugin.Setting{}
	for i, n := range unsupportedSettings {
		in.unsup[n] = s.String(&in.unsVals[i], n, "Not supported (Java keystores): use PEM files with `ssl_certificate`, `ssl_key` and `ssl_certificate_authorities`.")
	}
}

// Init checks the settings, builds the additional codecs and prepares TLS.
func (in *Input) Init(ctx *plugin.Context) error {
	in.log = ctx.Logger
	if in.log == nil {
		in.log = slog.Default()
	}
	for _, o := range obsoleteSettings {
		if in.obsolete[o.name].Set {
			return fmt.Errorf("`%s` is obsolete: use `%s`", o.name, o.use)
		}
	}
	for _, n := range unsupportedSettings {
		if in.unsup[n].Set {
			return fmt.Errorf("`%s`: Java keystores are not supported; give PEM files with `ssl_certificate`, `ssl_key` and `ssl_certificate_authorities` (convert with `openssl pkcs12` or `keytool -exportcert -rfc`)", n)
		}
	}
	if in.Port < 0 || in.Port > 65535 {
		return fmt.Errorf("port %d is out of range (0-65535)", in.Port)
	}
	switch in.ResponseCode {
	case 200, 201, 202, 204:
	default:
		return fmt.Errorf("response_code must be one of 200, 201, 202, 204, got %d", in.ResponseCode)
	}
	if (in.User == "") != (in.Password == "") {
		return errors.New("`user` and `password` must be set together")
	}
	in.auth = in.User != ""
	if !in.threads.Set {
		in.Threads = runtime.NumCPU()
	}
	if in.Threads < 1 {
		return fmt.Errorf("threads must be >= 1, got %d", in.Threads)
	}
	if in.MaxPendingRequests < 0 {
		return fmt.Errorf("max_pending_requests must be >= 0, got %d", in.MaxPendingRequests)
	}
	if in.MaxContentLength <= 0 || in.MaxContentLength > 1<<30 {
		return fmt.Errorf("max_content_length must be between 1 byte and 1GiB, got %d", in.MaxContentLength)
	}
	if in.SSLHandshakeTimeout <= 0 {
		return fmt.Errorf("ssl_handshake_timeout must be > 0 milliseconds, got %d", in.SSLHandshakeTimeout)
	}
	in.respHdr = http.Header{}
	for _, h := range in.ResponseHeaders {
		v, ok := h.Value.(string)
		if !ok {
			v = fmt.Sprint(h.Value)
		}
		in.respHdr.Set(h.Key, v)
	}
	if in.respHdr.Get("Content-Type") == "" {
		in.respHdr.Set("Content-Type", "text/plain")
	}
	in.codecs = map[string]plugin.Codec{}
	for _, h := range in.AdditionalCodecs {
		name, ok := h.Value.(string)
		if !ok {
			return fmt.Errorf("additional_codecs: the codec for %q must be a codec name", h.Key)
		}
		c, err := ctx.BuildCodec(name)
		if err != nil {
			return fmt.Errorf("additional_codecs %q: %w", h.Key, err)
		}
		in.codecs[mediaType(h.Key)] = c
	}
	in.ecs = ctx.ECS()
	in.fields = newFieldRefs(in.ecs, in.RemoteHostTargetField, in.RequestHeadersTargetField)
	in.slots = make(chan struct{}, in.Threads+in.MaxPendingRequests)
	in.workers = make(chan struct{}, in.Threads)
	return in.initTLS()
}

func (in *Input) initTLS() error {
	if !in.SSLEnabled {
		if ignored := netutil.IgnoredTLSSettings(in.sslSet); len(ignored) > 0 {
			in.log.Warn("SSL settings are ignored because ssl_enabled is false", "settings", ignored)
		}
		return nil
	}
	cfg, err := netutil.CheckedServerConfig(&netutil.TLSOptions{
		Certificate:            in.SSLCertificate,
		Key:                    in.SSLKey,
		KeyPassphrase:          in.SSLKeyPassphrase,
		CertificateAuthorities: in.SSLCertificateAuthorities,
		ClientAuthentication:   in.SSLClientAuthentication,
		SupportedProtocols:     in.SSLSupportedProtocols,
		CipherSuites:           in.SSLCipherSuites,
	})
	if err != nil {
		return err
	}
	cfg.NextProtos = []string{"http/1.1"}
	in.tlsCfg = cfg
	return nil
}

// Open listens on host:port, so that a port in use is reported when the
// pipeline starts. Run calls it when the engine did not.
func (in *Input) Open(ctx context.Context) error {
	if in.log == nil {
		in.log = slog.Default()
	}
	addr := net.JoinHostPort(in.Host, strconv.Itoa(in.Port))
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		in.MarkReady(nil)
		return fmt.Errorf("http: listen on %s: %w", addr, err)
	}
	in.held.Hold(ln)
	in.MarkReady(ln.Addr())
	in.log.Info("listening", "address", ln.Addr().String(), "ssl_enabled", in.tlsCfg != nil)
	return nil
}

// Close closes the listener if Run did not take it.
func (in *Input) Close() error { return in.held.CloseHeld() }

// shutdownTimeout bounds how long Run waits for requests in progress at
// shutdown before closing their connections.
const shutdownTimeout = 10 * time.Second

// Run serves requests until ctx ends, then stops accepting, lets requests
// in progress finish (at most shutdownTimeout) and returns nil. Requests in
// progress keep their context until then: one waiting for room in the
// pipeline is taken and answered with the response code when the pipeline
// drains in time, so its client does not send it again (a duplicate).
func (in *Input) Run(ctx context.Context, q plugin.Queue) error {
	ln := in.held.Take()
	if ln == nil {
		if err := in.Open(ctx); err != nil {
			return err
		}
		ln = in.held.Take()
	}
	if in.tlsCfg != nil {
		ln = tls.NewListener(ln, in.tlsCfg)
	}
	headerTimeout := 30 * time.Second
	if in.tlsCfg != nil {
		// Go bounds the TLS handshake by the header timeout.
		headerTimeout = time.Duration(in.SSLHandshakeTimeout) * time.Millisecond
	}
	grace := in.shutdownGrace
	if grace <= 0 {
		grace = shutdownTimeout
	}
	reqCtx, stopRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRequests()
	srv := &http.Server{
		Handler:           &handler{in: in, q: q, ctx: reqCtx},
		ReadHeaderTimeout: headerTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(in.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return reqCtx },
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		if ctx.Err() == nil {
			return fmt.Errorf("http: serve on %s: %w", ln.Addr(), err)
		}
		return nil
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		in.log.Warn("requests still in progress after the grace period; answering them 503 and closing their connections", "grace", grace, "error", err)
		stopRequests()
		srv.Close()
	}
	<-done
	return nil
}

// mediaType returns the media type of a Content-Type value: lower case,
// without parameters.
func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}
