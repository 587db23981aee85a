// Package beats is the beats input: a Lumberjack (v1 and v2) server that
// receives events from Filebeat and the other Beats, logstash-forwarder
// and python-logstash-async's Beats transport, acknowledging each window
// of events once the pipeline accepted it.
package beats

import (
	"context"
	"crypto/tls"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"reflect"
	"slices"
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
		Name:        "beats",
		Summary:     "Receives events from Filebeat and other Beats (Lumberjack protocol v1 and v2), acknowledging them once the pipeline accepted them.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Input{} },
	})
}

// Enrichment categories of the `enrich` setting.
const (
	enrichSource  = "source_metadata"
	enrichCodec   = "codec_metadata"
	enrichSSLPeer = "ssl_peer_metadata"
)

var (
	enrichAll     = []string{enrichCodec, enrichSource, enrichSSLPeer}
	enrichDefault = []string{enrichCodec, enrichSource}
)

// Input is the beats input.
type Input struct {
	// Listening offers Ready and Addr (tests bind port 0).
	netutil.Listening

	Host                      string
	Port                      int
	Codec                     plugin.Codec
	SSLEnabled                bool
	SSLCertificate            string
	SSLKey                    string
	SSLKeyPassphrase          string
	SSLCertificateAuthorities []string
	SSLClientAuthentication   string
	SSLSupportedProtocols     []string
	SSLCipherSuites           []string
	SSLHandshakeTimeout       int
	ClientInactivityTimeout   time.Duration
	IncludeCodecTag           bool
	AddHostname               bool
	Enrich                    []string
	ExecutorThreads           int
	EventLoopThreads          int
	MaxConnections            int
	MaxWindowSize             int
	MaxEventSize              int64
	MaxWindowBytes            int64

	obsolete [6]any

	settings struct {
		codec, includeCodecTag, enrich *plugin.Setting
		ssl                            []*plugin.Setting
		obsolete                       []*plugin.Setting
	}

	// Set by Init.
	log          *slog.Logger
	tlsCfg       *tls.Config
	fields       fieldNames
	source       bool // enrich source_metadata
	sslPeer      bool // enrich ssl_peer_metadata
	codecTag     string
	rawTag       string
	fast         fastMode      // how to skip the codec when it only copies the text
	keepAlive    time.Duration // interval of keep-alive ACKs while a push waits
	pushMax      int           // events pushed at once
	pushMaxBytes int           // payload bytes pushed at once
	// shutdownGrace bounds the wait for windows in flight when Run stops
	// (defaultShutdownGrace; tests shorten it).
	shutdownGrace time.Duration

	held netutil.HeldListener // bound by Open, served by Run
	srv  netutil.Server
}

var (
	_ plugin.Input       = (*Input)(nil)
	_ plugin.Initializer = (*Input)(nil)
	_ plugin.Opener      = (*Input)(nil)
	_ plugin.Closer      = (*Input)(nil)
)

// Settings declares the beats input's settings.
func (in *Input) Settings(s *plugin.Settings) {
	s.String(&in.Host, "host", "The address to listen on.").Default("0.0.0.0")
	s.Int(&in.Port, "port", "The port to listen on (Beats send to 5044 by default; 0 picks a free port).").Required().Example("5044")
	in.settings.codec = s.Codec(&in.Codec, "codec", "The codec applied to the `message` field (`line` for logstash-forwarder) of each event, as Logstash does; the other fields of the Beats document are merged into what it decodes. Events without that field are taken as they are.").Default("plain")
	s.Bool(&in.SSLEnabled, "ssl_enabled", "Accept TLS connections only. The other `ssl_` settings take effect only when this is true.").Default(false)
	in.settings.ssl = []*plugin.Setting{
		s.Path(&in.SSLCertificate, "ssl_certificate", "Path to the PEM certificate of the server (required with `ssl_enabled`). It may hold the whole chain."),
		s.Path(&in.SSLKey, "ssl_key", "Path to the PEM private key of `ssl_certificate`."),
		s.Password(&in.SSLKeyPassphrase, "ssl_key_passphrase", "Passphrase of an encrypted `ssl_key`."),
		s.Strings(&in.SSLCertificateAuthorities, "ssl_certificate_authorities", "PEM files (or directories of them) with the certificate authorities trusted to sign client certificates.").Default([]string{}),
		s.String(&in.SSLClientAuthentication, "ssl_client_authentication", "Whether clients must present a certificate signed by `ssl_certificate_authorities`: `none`, `optional` (verified when presented) or `required`.").
			Default("none").Enum("none", "optional", "required"),
		s.Strings(&in.SSLSupportedProtocols, "ssl_supported_protocols", "Allowed TLS versions among `TLSv1.1`, `TLSv1.2` and `TLSv1.3`; empty means TLS 1.2 and 1.3.").Default([]string{}),
		s.Strings(&in.SSLCipherSuites, "ssl_cipher_suites", "Allowed TLS 1.2 cipher suites by IANA name, e.g. `TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`; empty means Go's secure defaults.").Default([]string{}),
		s.Int(&in.SSLHandshakeTimeout, "ssl_handshake_timeout", "Milliseconds a client has to complete the TLS handshake.").Default(10000),
	}
	s.Seconds(&in.ClientInactivityTimeout, "client_inactivity_timeout", "Close a connection after this many seconds without a byte from the client (while a window waits for the pipeline, the connection is not read and does not time out).").Default(60 * time.Second)
	in.settings.enrich = s.Strings(&in.Enrich, "enrich", "Which metadata to add to events: any of `source_metadata` (the client's address), `codec_metadata` (the `beats_input_codec_*_applied` / `beats_input_raw_event` tags) and `ssl_peer_metadata` (the client certificate), or one of the aliases `all` and `none`.").
		Default(slices.Clone(enrichDefault))
	in.settings.includeCodecTag = s.Bool(&in.IncludeCodecTag, "include_codec_tag", "Old switch for the codec tags; use `enrich`.").Default(true).Deprecated("use `enrich` (with or without `codec_metadata`)")
	s.Bool(&in.AddHostname, "add_hostname", "Copy `[beat][hostname]` (or `[agent][hostname]`) into `host` (`[@metadata][input][beats][host][name]` with ECS) when that is not set.").Default(false).Deprecated("Beats decide the event schema; use a filter if you need this")
	s.Int(&in.ExecutorThreads, "executor_threads", "Accepted for compatibility with Logstash; Sluice serves each connection on its own goroutine.").Default(0)
	s.Int(&in.EventLoopThreads, "event_loop_threads", "Accepted for compatibility with Logstash; has no effect.").Default(0)
	s.Int(&in.MaxConnections, "max_connections", "Most connections open at once; further ones are closed right away (and logged). 0 means no limit.").Default(10000)
	s.Int(&in.MaxWindowSize, "max_window_size", "Largest window (events sent before waiting for an acknowledgement) a client may announce; a larger one closes the connection with an error. Filebeat's `bulk_max_size` is 2048 by default.").Default(65536)
	s.Bytes(&in.MaxEventSize, "max_event_size", "Largest single event (JSON document) accepted, e.g. `\"16MiB\"`; a larger one closes the connection with an error.").Default(int64(16 << 20))
	s.Bytes(&in.MaxWindowBytes, "max_window_bytes", "Largest total size of one window's events (after decompression), e.g. `\"256MiB\"`; more closes the connection with an error. This bounds the work a compressed frame can cause (zip bombs); memory is bounded separately, as events are passed on in small batches.").Default(int64(256 << 20))
	for i, name := range []string{"ssl", "ssl_peer_metadata", "ssl_verify_mode", "cipher_suites", "tls_min_version", "tls_max_version"} {
		in.settings.obsolete = append(in.settings.obsolete, s.Any(&in.obsolete[i], name, "Obsolete: "+obsoleteAdvice[name]+"."))
	}
}

var obsoleteAdvice = map[string]string{
	"ssl":               "use `ssl_enabled`",
	"ssl_peer_metadata": "use `enrich => [ssl_peer_metadata, ...]`",
	"ssl_verify_mode":   "use `ssl_client_authentication`",
	"cipher_suites":     "use `ssl_cipher_suites`",
	"tls_min_version":   "use `ssl_supported_protocols`",
	"tls_max_version":   "use `ssl_supported_protocols`",
}

// Init checks the settings and prepares TLS.
func (in *Input) Init(ctx *plugin.Context) error {
	in.log = ctx.Logger
	if in.log == nil {
		in.log = slog.Default()
	}
	for _, st := range in.settings.obsolete {
		if st.Set {
			return fmt.Errorf("`%s` is obsolete: %s", st.Name, obsoleteAdvice[st.Name])
		}
	}
	if in.Port < 0 || in.Port > 65535 {
		return fmt.Errorf("port %d is out of range (0-65535)", in.Port)
	}
	if in.MaxConnections < 0 {
		return fmt.Errorf("max_connections must be >= 0, got %d", in.MaxConnections)
	}
	if in.MaxWindowSize < 1 {
		return fmt.Errorf("max_window_size must be >= 1, got %d", in.MaxWindowSize)
	}
	if in.MaxEventSize <= 0 || in.MaxEventSize > 1<<30 {
		return fmt.Errorf("max_event_size must be between 1 byte and 1GiB, got %d", in.MaxEventSize)
	}
	if in.MaxWindowBytes < in.MaxEventSize {
		return fmt.Errorf("max_window_bytes (%d) must be at least max_event_size (%d)", in.MaxWindowBytes, in.MaxEventSize)
	}
	if in.ClientInactivityTimeout <= 0 {
		return errors.New("client_inactivity_timeout must be > 0")
	}
	if in.SSLHandshakeTimeout <= 0 {
		return fmt.Errorf("ssl_handshake_timeout must be > 0, got %d", in.SSLHandshakeTimeout)
	}
	enrich, err := in.resolveEnrich()
	if err != nil {
		return err
	}
	in.source = slices.Contains(enrich, enrichSource)
	in.sslPeer = slices.Contains(enrich, enrichSSLPeer)
	codecTag := slices.Contains(enrich, enrichCodec)
	if in.settings.includeCodecTag.Set {
		codecTag = in.IncludeCodecTag
	}
	in.fields = newFieldNames(ctx.ECS())
	name := codecName(in.Codec)
	if codecTag {
		in.codecTag = "beats_input_codec_" + name + "_applied"
		in.rawTag = "beats_input_raw_event"
	}
	// The default codec follows this input's ECS mode and, as in
	// Logstash, leaves ECS (and so [event][original]) off when
	// codec_metadata is not wanted.
	if !in.settings.codec.Set {
		if ini, ok := in.Codec.(plugin.Initializer); ok {
			cctx := *ctx
			if !slices.Contains(enrich, enrichCodec) {
				cctx.ECSCompatibility = "disabled"
			}
			if err := ini.Init(&cctx); err != nil {
				return fmt.Errorf("codec: %w", err)
			}
		}
	}
	if name == "plain" {
		in.fast = probeCodec(in.Codec)
	}
	if err := in.initTLS(); err != nil {
		return err
	}
	if in.sslPeer && (in.tlsCfg == nil || in.SSLClientAuthentication == "none") {
		return errors.New("`enrich => [ssl_peer_metadata]` needs `ssl_enabled => true` and `ssl_client_authentication` set to `optional` or `required`")
	}
	if in.keepAlive == 0 {
		in.keepAlive = defaultKeepAlive
	}
	in.pushMax, in.pushMaxBytes = defaultPushMax, defaultPushMaxBytes
	return nil
}

// defaultKeepAlive is how often a connection whose window waits for the
// pipeline gets an empty ACK, so that the client's timeout (Filebeat's
// `timeout`, 30 s by default) does not expire.
const defaultKeepAlive = 5 * time.Second

// A window is passed to the pipeline in batches of at most these many
// events and bytes, so that memory does not grow with the window size.
const (
	defaultPushMax      = 128
	defaultPushMaxBytes = 4 << 20
)

func (in *Input) resolveEnrich() ([]string, error) {
	if in.settings.enrich.Set && in.settings.includeCodecTag.Set {
		return nil, errors.New("both `enrich` and the deprecated `include_codec_tag` are set; use only `enrich`")
	}
	var out []string
	for _, e := range in.Enrich {
		switch e {
		case "all", "none":
			if len(in.Enrich) > 1 {
				return nil, fmt.Errorf("`enrich => %s` is an alias and must be the only value (got %v)", e, in.Enrich)
			}
			if e == "all" {
				return slices.Clone(enrichAll), nil
			}
			return nil, nil
		case enrichSource, enrichCodec, enrichSSLPeer:
			if !slices.Contains(out, e) {
				out = append(out, e)
			}
		default:
			return nil, fmt.Errorf("unknown `enrich` value %q (want %s, all or none)", e, strings.Join(enrichAll, ", "))
		}
	}
	return out, nil
}

func (in *Input) initTLS() error {
	if !in.SSLEnabled {
		if ignored := netutil.IgnoredTLSSettings(in.settings.ssl); len(ignored) > 0 {
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
	in.tlsCfg = cfg
	return nil
}

// codecName returns the registered name of the codec c.
func codecName(c plugin.Codec) string {
	t := reflect.TypeOf(c)
	for _, spec := range plugin.Default.Specs(plugin.KindCodec) {
		if reflect.TypeOf(spec.New()) == t {
			return spec.Name
		}
	}
	return strings.ToLower(t.Elem().Name())
}

// fastMode says how the codec can be skipped.
type fastMode int

const (
	fastNone     fastMode = iota // run the codec
	fastMessage                  // the codec makes {message}: keep the document's
	fastOriginal                 // the codec makes {message, [event][original]}
)

// probeCodec finds out whether the (plain) codec c decodes a text into an
// event holding just that text as message (and [event][original]), besides
// @timestamp and @version: then decoding can be skipped, which saves two
// copies of every message.
func probeCodec(c plugin.Codec) fastMode {
	const probe = "probe text"
	var got []*event.Event
	plugin.DecodeMessage(c.NewDecoder(plugin.DecoderOptions{}), []byte(probe), func(e *event.Event) { got = append(got, e) })
	if len(got) != 1 || got[0].Message() != probe || len(got[0].Metadata()) != 0 {
		return fastNone
	}
	mode := fastMessage
	for k, v := range got[0].Fields() {
		switch k {
		case event.MessageField, event.TimestampField, event.VersionField:
		case "event":
			if m, ok := v.(map[string]any); !ok || len(m) != 1 || m["original"] != probe {
				return fastNone
			}
			mode = fastOriginal
		default:
			return fastNone
		}
	}
	return mode
}

// Open listens on host:port, so that a port in use is reported when the
// pipeline starts. Run calls it when the engine did not.
func (in *Input) Open(ctx context.Context) error {
	if in.log == nil {
		in.log = slog.Default()
	}
	lc := net.ListenConfig{}
	addr := net.JoinHostPort(in.Host, strconv.Itoa(in.Port))
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		in.MarkReady(nil)
		return fmt.Errorf("beats: listen on %s: %w", addr, err)
	}
	in.held.Hold(ln)
	in.MarkReady(ln.Addr())
	in.log.Info("listening", "protocol", "beats", "address", ln.Addr().String(), "ssl_enabled", in.tlsCfg != nil)
	return nil
}

// Close closes the listener if Run did not take it.
func (in *Input) Close() error { return in.held.CloseHeld() }

// Run accepts connections until ctx ends, then stops gracefully (see
// shutdown.go): it stops accepting, lets every connection finish the window
// it is in (pushed and acknowledged) for at most the grace period, closes
// the connections and returns nil. Windows not acknowledged by then are
// left to the clients to send again.
func (in *Input) Run(ctx context.Context, q plugin.Queue) error {
	ln := in.held.Take()
	if ln == nil {
		if err := in.Open(ctx); err != nil {
			return err
		}
		ln = in.held.Take()
	}
	grace := in.shutdownGrace
	if grace <= 0 {
		grace = defaultShutdownGrace
	}
	d := newDrainer(grace)
	drained := make(chan struct{})
	// The connections' context outlives ctx by the grace period: pushes
	// of windows in flight still wait for room in the pipeline.
	connCtx, stopConns := context.WithCancel(context.WithoutCancel(ctx))
	defer stopConns()
	stopWatch := context.AfterFunc(ctx, func() {
		ln.Close() // new connections are refused from now on
		n := d.stop()
		if n > 0 {
			in.log.Info("stopping: no new connections; waiting for the windows in flight to be acknowledged", "connections", n, "grace", grace)
		}
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-d.idle:
		case <-t.C:
			in.log.Warn("stopping: windows still unacknowledged after the grace period; closing their connections (the clients will resend them)", "connections", d.left(), "grace", grace)
		}
		stopConns()
		close(drained)
	})
	defer func() {
		if stopWatch() { // Serve failed before ctx ended
			close(drained)
		}
	}()
	in.srv.MaxConns = in.MaxConnections
	in.srv.Logger = in.log
	in.srv.Handle = func(ctx context.Context, c net.Conn) { in.serveConn(ctx, q, c, d) }
	if err := in.srv.Serve(connCtx, &drainListener{Listener: ln, drained: drained}); err != nil {
		return fmt.Errorf("beats: accept on %s: %w", ln.Addr(), err)
	}
	return nil
}

// ActiveConnections returns the number of open connections.
func (in *Input) ActiveConnections() int { return in.srv.Active() }
