// Package tcp is the tcp input: it reads events from TCP connections (as a
// server, or as a client of a remote server), optionally over TLS, decoding
// each connection's byte stream with a codec (one line per event by
// default).
package tcp

import (
	"context"
	"crypto/tls"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/sluicelog/sluice/internal/netutil"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindInput,
		Name:        "tcp",
		Summary:     "Reads events from TCP connections, with optional TLS.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Input{} },
	})
}

const description = "Listens on a TCP port (or, with `mode => client`, connects to a server) and decodes each " +
	"connection's byte stream with the codec: by default one event per line (`line`); use `json_lines` for " +
	"newline-delimited JSON such as python-logstash or Log4j2's `JsonLayout` with `eventEol`.\n\n" +
	"Every connection has its own decoder, so lines from different clients never mix. When a client closes " +
	"its side of the connection, a last line without a trailing newline is still delivered. With `codec => " +
	"multiline { ... auto_flush_interval => N }` (for example `preset => \"python\"` to join tracebacks), a " +
	"connection's pending event is delivered once the connection was idle for N seconds. While the pipeline " +
	"is full, connections stop being read: the clients' TCP send windows fill up and they slow down " +
	"(backpressure) instead of events piling up in memory.\n\n" +
	"### Connection metadata\n\n" +
	"Each event gets the sender's address, in fields that depend on `ecs_compatibility` (a field the event " +
	"already has is left alone):\n\n" +
	"| | ECS `v1`, `v8` | ECS `disabled` |\n" +
	"|---|---|---|\n" +
	"| sender name (reverse DNS, or the IP when `dns_reverse_lookup_enabled => false`) | `[@metadata][input][tcp][source][name]` | `host` |\n" +
	"| sender IP | `[@metadata][input][tcp][source][ip]` | `[@metadata][ip_address]` |\n" +
	"| sender port | `[@metadata][input][tcp][source][port]` | `port` |\n" +
	"| proxy address (`proxy_protocol => true`) | `[@metadata][input][tcp][proxy][ip]` | `proxy_host` |\n" +
	"| proxy port (`proxy_protocol => true`) | `[@metadata][input][tcp][proxy][port]` | `proxy_port` |\n" +
	"| client certificate subject (TLS with client authentication) | `[@metadata][input][tcp][tls][client][subject]` | `sslsubject` |\n\n" +
	"### Differences from Logstash\n\n" +
	"- `max_event_size` bounds one event (a line or a JSON document); longer input is cut and tagged by the " +
	"codec, and the connection goes on. `max_connections` limits concurrent connections; further ones are " +
	"closed at once and logged.\n" +
	"- When `ssl_client_authentication` is not set and no `ssl_certificate_authorities` are given, client " +
	"certificates are not requested (Logstash would require a certificate signed by a JVM-trusted CA).\n" +
	"- `ssl_enable` is accepted as a deprecated spelling of `ssl_enabled` (Logstash 8 rejects it).\n" +
	"- Encrypted private keys must use legacy OpenSSL PEM encryption (`Proc-Type: 4,ENCRYPTED`); " +
	"encrypted PKCS#8 keys are refused with advice on converting them.\n" +
	"- `ssl_cipher_suites` applies to TLS 1.2 only: TLS 1.3 suites are not configurable in Go.\n" +
	"- Logstash documents the certificate subject under `[@metadata][input][tcp][ssl][subject]` but sets " +
	"`[@metadata][input][tcp][tls][client][subject]`; Sluice sets the latter, as Logstash really does."

// Input is the tcp input.
type Input struct {
	// Listening offers Ready and Addr (tests bind port 0).
	netutil.Listening

	Host                      string
	Port                      int
	Mode                      string
	ProxyProtocol             bool
	Codec                     plugin.Codec
	SSLEnabled                bool
	SSLEnable                 bool
	SSLCertificate            string
	SSLKey                    string
	SSLKeyPassphrase          string
	SSLExtraChainCerts        []string
	SSLCertificateAuthorities []string
	SSLClientAuthentication   string
	SSLVerificationMode       string
	SSLSupportedProtocols     []string
	SSLCipherSuites           []string
	TCPKeepAlive              bool
	DNSReverseLookup          bool
	MaxConnections            int
	MaxEventSize              int64

	obsoleteSSLCert, obsoleteSSLVerify any

	settings struct {
		clientAuth, verifyMode, sslEnable, sslCert, sslVerify *plugin.Setting
		ssl                                                   []*plugin.Setting
	}

	// Set by Init.
	log      *slog.Logger
	fields   fieldNames
	tlsCfg   *tls.Config
	peerSubj bool
	dns      dnsCache

	held netutil.HeldListener // bound by Open, served by Run
	srv  netutil.Server
}

var (
	_ plugin.Input       = (*Input)(nil)
	_ plugin.Initializer = (*Input)(nil)
	_ plugin.Opener      = (*Input)(nil)
	_ plugin.Closer      = (*Input)(nil)
)

// Settings declares the tcp input's settings.
func (in *Input) Settings(s *plugin.Settings) {
	s.String(&in.Host, "host", "When `mode` is `server`, the address to listen on; when `client`, the server to connect to.").Default("0.0.0.0")
	s.Int(&in.Port, "port", "When `mode` is `server`, the port to listen on (0 picks a free port); when `client`, the port to connect to.").Required().Example("5000")
	s.String(&in.Mode, "mode", "`server` accepts connections from clients; `client` connects to a server and reads from it, reconnecting when the connection ends.").
		Default("server").Enum("server", "client")
	s.Bool(&in.ProxyProtocol, "proxy_protocol", "Expect a PROXY protocol v1 header (as sent by HAProxy) at the start of each connection; the sender's address is then taken from it.").Default(false)
	s.Codec(&in.Codec, "codec", "The codec that decodes each connection's bytes into events.").Default("line")
	in.settings.sslEnable = s.Bool(&in.SSLEnabled, "ssl_enabled", "Use TLS. The other `ssl_` settings take effect only when this is true.").Default(false)
	ssl := []*plugin.Setting{
		s.Bool(&in.SSLEnable, "ssl_enable", "Old name of `ssl_enabled`.").Deprecated("use `ssl_enabled`"),
		s.Path(&in.SSLCertificate, "ssl_certificate", "Path to the PEM certificate presented to the other side (required for a TLS server). It may hold the whole chain."),
		s.Path(&in.SSLKey, "ssl_key", "Path to the PEM private key of `ssl_certificate`."),
		s.Password(&in.SSLKeyPassphrase, "ssl_key_passphrase", "Passphrase of an encrypted `ssl_key`."),
		s.Strings(&in.SSLExtraChainCerts, "ssl_extra_chain_certs", "Paths to extra PEM certificates sent after `ssl_certificate` to complete the chain.").Default([]string{}),
		s.Strings(&in.SSLCertificateAuthorities, "ssl_certificate_authorities", "PEM files (or directories of them) with the certificate authorities trusted to sign the peer's certificate: client certificates in `server` mode, the server's certificate in `client` mode (the system's roots when empty).").Default([]string{}),
	}
	in.settings.clientAuth = s.String(&in.SSLClientAuthentication, "ssl_client_authentication",
		"Server mode: whether clients must present a certificate signed by `ssl_certificate_authorities`: `none`, `optional` (verified when presented) or `required`. "+
			"When not set and no `ssl_certificate_authorities` are given, client certificates are not requested.").
		Default("required").Enum("none", "optional", "required")
	in.settings.verifyMode = s.String(&in.SSLVerificationMode, "ssl_verification_mode",
		"Client mode: how to check the server's certificate: `full` (trusted chain and matching host name), `certificate` (trusted chain only) or `none` (no check: dangerous).").
		Default("full").Enum("full", "certificate", "none")
	ssl = append(ssl,
		in.settings.clientAuth, in.settings.verifyMode,
		s.Strings(&in.SSLSupportedProtocols, "ssl_supported_protocols", "Allowed TLS versions among `TLSv1.1`, `TLSv1.2` and `TLSv1.3`; empty means TLS 1.2 and 1.3.").Default([]string{}),
		s.Strings(&in.SSLCipherSuites, "ssl_cipher_suites", "Allowed TLS 1.2 cipher suites by IANA name, e.g. `TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`; empty means Go's secure defaults.").Default([]string{}),
	)
	in.settings.ssl = ssl
	in.settings.sslCert = s.Any(&in.obsoleteSSLCert, "ssl_cert", "Obsolete: use `ssl_certificate`.")
	in.settings.sslVerify = s.Any(&in.obsoleteSSLVerify, "ssl_verify", "Obsolete: use `ssl_client_authentication` (server mode) or `ssl_verification_mode` (client mode).")
	s.Bool(&in.TCPKeepAlive, "tcp_keep_alive", "Enable TCP keep-alive probes on connections (with the operating system's timings).").Default(false)
	s.Bool(&in.DNSReverseLookup, "dns_reverse_lookup_enabled", "Put the sender's host name (reverse DNS, cached for 5 minutes) in the sender name field; when false, its IP address.").Default(true)
	s.Int(&in.MaxConnections, "max_connections", "Most connections open at once; further ones are closed right away (and logged). 0 means no limit.").Default(10000)
	s.Bytes(&in.MaxEventSize, "max_event_size", "Largest event (line, JSON document) the codec accepts, e.g. `\"1MiB\"`; longer input is cut and tagged, and the connection goes on.").Default(int64(1 << 20))
}

// Init checks the settings and prepares TLS.
func (in *Input) Init(ctx *plugin.Context) error {
	in.log = ctx.Logger
	if in.log == nil {
		in.log = slog.Default()
	}
	if in.settings.sslCert != nil && in.settings.sslCert.Set {
		return errors.New("`ssl_cert` is obsolete: use `ssl_certificate`")
	}
	if in.settings.sslVerify != nil && in.settings.sslVerify.Set {
		return errors.New("`ssl_verify` is obsolete: use `ssl_client_authentication` (server mode) or `ssl_verification_mode` (client mode)")
	}
	if in.Port < 0 || in.Port > 65535 {
		return fmt.Errorf("port %d is out of range (0-65535)", in.Port)
	}
	if in.Mode == "client" && in.Port == 0 {
		return errors.New("client mode needs a port to connect to")
	}
	if in.MaxConnections < 0 {
		return fmt.Errorf("max_connections must be >= 0, got %d", in.MaxConnections)
	}
	if in.MaxEventSize <= 0 || in.MaxEventSize > 1<<30 {
		return fmt.Errorf("max_event_size must be between 1 byte and 1GiB, got %d", in.MaxEventSize)
	}
	in.fields = newFieldNames(ctx.ECS())
	if err := in.initTLS(); err != nil {
		return err
	}
	return nil
}

func (in *Input) initTLS() error {
	enabled := in.SSLEnabled || in.SSLEnable
	if !enabled {
		if ignored := netutil.IgnoredTLSSettings(in.settings.ssl); len(ignored) > 0 {
			in.log.Warn("SSL settings are ignored because ssl_enabled is false", "settings", ignored)
		}
		return nil
	}
	if (in.SSLCertificate == "") != (in.SSLKey == "") {
		if in.SSLKey == "" {
			return errors.New("`ssl_certificate` needs `ssl_key`")
		}
		return errors.New("`ssl_key` needs `ssl_certificate`")
	}
	opts := &netutil.TLSOptions{
		Certificate:            in.SSLCertificate,
		Key:                    in.SSLKey,
		KeyPassphrase:          in.SSLKeyPassphrase,
		ExtraChainCerts:        in.SSLExtraChainCerts,
		CertificateAuthorities: in.SSLCertificateAuthorities,
		SupportedProtocols:     in.SSLSupportedProtocols,
		CipherSuites:           in.SSLCipherSuites,
	}
	var err error
	if in.Mode == "client" {
		if in.settings.clientAuth.Set {
			return errors.New("`ssl_client_authentication` applies to server mode; use `ssl_verification_mode` in client mode")
		}
		opts.VerificationMode = in.SSLVerificationMode
		in.tlsCfg, err = netutil.ClientConfig(opts, in.Host)
		in.peerSubj = in.SSLVerificationMode != "none"
	} else {
		if in.settings.verifyMode.Set {
			return errors.New("`ssl_verification_mode` applies to client mode; use `ssl_client_authentication` in server mode")
		}
		if in.SSLCertificate == "" {
			return errors.New("`ssl_certificate` and `ssl_key` are required when `ssl_enabled => true`")
		}
		opts.ClientAuthentication = in.SSLClientAuthentication
		if !in.settings.clientAuth.Set && len(in.SSLCertificateAuthorities) == 0 {
			opts.ClientAuthentication = "none"
		}
		if opts.ClientAuthentication != "none" && len(in.SSLCertificateAuthorities) == 0 {
			return fmt.Errorf("`ssl_client_authentication => %s` needs `ssl_certificate_authorities`", opts.ClientAuthentication)
		}
		in.tlsCfg, err = netutil.ServerConfig(opts)
		in.peerSubj = opts.ClientAuthentication != "none"
	}
	if err != nil {
		return fmt.Errorf("TLS: %w", err)
	}
	return nil
}

// Open listens on host:port (server mode), so that a port in use is
// reported when the pipeline starts. Run calls it when the engine did not.
func (in *Input) Open(ctx context.Context) error {
	if in.log == nil {
		in.log = slog.Default()
	}
	if in.Mode == "client" {
		in.MarkReady(nil)
		return nil
	}
	lc := net.ListenConfig{KeepAlive: -1}
	if in.TCPKeepAlive {
		lc.KeepAliveConfig = net.KeepAliveConfig{Enable: true, Idle: -1, Interval: -1, Count: -1}
	}
	addr := net.JoinHostPort(in.Host, strconv.Itoa(in.Port))
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		in.MarkReady(nil)
		return fmt.Errorf("tcp: listen on %s: %w", addr, err)
	}
	in.held.Hold(ln)
	in.MarkReady(ln.Addr())
	in.log.Info("listening", "address", ln.Addr().String(), "ssl_enabled", in.tlsCfg != nil)
	return nil
}

// Close closes the listener if Run did not take it.
func (in *Input) Close() error { return in.held.CloseHeld() }

// Run accepts connections (server mode) or connects to the server (client
// mode) until ctx ends, then closes every connection and returns nil.
func (in *Input) Run(ctx context.Context, q plugin.Queue) error {
	if in.Mode == "client" {
		if in.log == nil {
			in.log = slog.Default()
		}
		in.MarkReady(nil)
		return in.runClient(ctx, q)
	}
	ln := in.held.Take()
	if ln == nil {
		if err := in.Open(ctx); err != nil {
			return err
		}
		ln = in.held.Take()
	}
	in.srv.MaxConns = in.MaxConnections
	in.srv.Logger = in.log
	in.srv.Handle = func(ctx context.Context, c net.Conn) { in.serveConn(ctx, q, c, in.tlsCfg != nil) }
	if err := in.srv.Serve(ctx, ln); err != nil {
		return fmt.Errorf("tcp: accept on %s: %w", ln.Addr(), err)
	}
	return nil
}

// ActiveConnections returns the number of open connections (server mode).
func (in *Input) ActiveConnections() int { return in.srv.Active() }

// handshakeTimeout bounds a TLS handshake, so that a client that connects
// and stays silent holds only its own connection.
const handshakeTimeout = 30 * time.Second

// serveConn reads one connection until it ends. The caller closes c.
func (in *Input) serveConn(ctx context.Context, q plugin.Queue, c net.Conn, useTLS bool) {
	peer := c.RemoteAddr().String()
	log := in.log.With("peer", peer)
	st := newStream(in, q, log)
	st.src = in.source(ctx, c.RemoteAddr())
	r := net.Conn(c)
	if useTLS {
		var tc *tls.Conn
		if in.Mode == "client" {
			tc = tls.Client(c, in.tlsCfg)
		} else {
			tc = tls.Server(c, in.tlsCfg)
		}
		hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("TLS handshake failed; closing connection", "error", err)
			}
			return
		}
		if certs := tc.ConnectionState().PeerCertificates; in.peerSubj && len(certs) > 0 {
			st.src.subject = certs[0].Subject.String()
			st.src.box()
		}
		r = tc
	}
	log.Debug("connection opened")
	err := st.run(ctx, r)
	switch {
	case err == nil:
		log.Debug("connection closed")
	case ctx.Err() != nil:
		log.Debug("connection closed at shutdown", "error", err)
	case errors.Is(err, syscall.ECONNRESET):
		log.Debug("connection reset by peer")
	default:
		log.Warn("connection error; closing connection", "error", err)
	}
}

// runClient connects to the server, reads until the connection ends and
// reconnects, with a growing delay after failures.
func (in *Input) runClient(ctx context.Context, q plugin.Queue) error {
	addr := net.JoinHostPort(in.Host, strconv.Itoa(in.Port))
	d := net.Dialer{KeepAlive: -1}
	if in.TCPKeepAlive {
		d.KeepAliveConfig = net.KeepAliveConfig{Enable: true, Idle: -1, Interval: -1, Count: -1}
	}
	const minDelay, maxDelay = time.Second, 30 * time.Second
	delay := minDelay
	for ctx.Err() == nil {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			in.log.Warn("cannot connect to server; retrying", "address", addr, "error", err, "retry_in", delay)
		} else {
			start := time.Now()
			stop := context.AfterFunc(ctx, func() { c.Close() })
			in.serveConn(ctx, q, c, in.tlsCfg != nil)
			stop()
			c.Close()
			if time.Since(start) > maxDelay {
				delay = minDelay
			}
			if ctx.Err() != nil {
				break
			}
			in.log.Info("connection to server ended; reconnecting", "address", addr, "retry_in", delay)
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
		delay = min(2*delay, maxDelay)
	}
	return nil
}
