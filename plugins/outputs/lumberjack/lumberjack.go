// Package lumberjack is the lumberjack output: it sends events to a
// Logstash beats input (or `sluice serve`'s) over the Lumberjack v2
// protocol, as Filebeat's Logstash output does, and returns from Write only
// once the server acknowledged every event.
package lumberjack

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/netutil"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

const description = `Sends events to a Lumberjack v2 server: a Logstash ` + "`beats`" + ` input, ` +
	"`sluice serve`" + `'s beats input, or anything else that speaks to Filebeat. It is the output ` +
	"`sluice ship`" + ` uses for Filebeat's ` + "`output.logstash`" + `, and takes the same settings.

Events are sent in windows of at most ` + "`bulk_max_size`" + ` events (zlib-compressed unless
` + "`compression_level`" + ` is 0). ` + "`Write`" + ` returns only once the server acknowledged every event of
the batch, so an input that saves its position on acknowledgement (the file input) loses nothing when
the server or the network fails: delivery is at least once.

When a connection fails, the events the server did not acknowledge yet (a server may acknowledge part
of a window) are sent again on another connection, to another host when there is one. A failed host
is retried after a backoff that starts at ` + "`backoff_init`" + ` and doubles up to ` + "`backoff_max`" + `
with jitter. A window that fails before any of it is acknowledged is halved for the next attempt (a
server may refuse windows larger than its limit) and grows back with each success. With ` + "`loadbalance`" + ` the batches are spread over every host; without it one host
is used and the others take over when it fails.

Each event is sent as its JSON document with an ` + "`@metadata`" + ` object holding ` + "`beat`" + `,
` + "`type`" + ` and ` + "`version`" + ` (taken from the event's own ` + "`[@metadata][beat]`" + ` etc. when it has
them), which Logstash's beats input expects.

Differences from Logstash's lumberjack output (which speaks the older v1 protocol and always uses TLS):
this one speaks v2, TLS is optional (` + "`ssl_enabled`" + `), and the Filebeat settings ` + "`loadbalance`" + `,
` + "`worker`" + `, ` + "`bulk_max_size`" + `, ` + "`compression_level`" + `, ` + "`ttl`" + `, ` + "`timeout`" + ` and
the backoff are supported. Windows are not pipelined (Filebeat's ` + "`pipelining: 0`" + `).`

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindOutput,
		Name:        "lumberjack",
		Summary:     "Sends events to a Logstash beats input over Lumberjack v2 (Filebeat's Logstash output), at least once.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Output{} },
	})
}

// Output is the lumberjack output.
type Output struct {
	Hosts            []string
	Port             int
	LoadBalance      bool
	Worker           int
	BulkMaxSize      int
	CompressionLevel int
	TTL              time.Duration
	Timeout          time.Duration
	BackoffInit      time.Duration
	BackoffMax       time.Duration
	MaxEventBytes    int64

	SSLEnabled            bool
	SSLCertificate        string
	SSLCertAuthorities    []string
	SSLClientCertificate  string
	SSLClientKey          string
	SSLKeyPassphrase      string
	SSLVerificationMode   string
	SSLSupportedProtocols []string
	SSLCipherSuites       []string
	sslSettings           []*plugin.Setting
	sslEnabledSetting     *plugin.Setting

	pool *pool
	log  *slog.Logger
}

var (
	_ plugin.Output      = (*Output)(nil)
	_ plugin.Initializer = (*Output)(nil)
	_ plugin.Closer      = (*Output)(nil)
)

// Settings declares the output's settings.
func (o *Output) Settings(s *plugin.Settings) {
	s.Strings(&o.Hosts, "hosts", "Servers to send to, as `host` or `host:port` (IPv6 as `[addr]:port`); a host without a port uses `port`.").
		Required().Example(`["logstash1:5044", "logstash2:5044"]`)
	s.Int(&o.Port, "port", "Port for hosts given without one.").Default(5044)
	s.Bool(&o.LoadBalance, "loadbalance", "Spread batches over every host. When false, one host (chosen at random) gets everything and the others take over when it fails.").Default(false)
	s.Int(&o.Worker, "worker", "Connections per host.").Default(1)
	s.Int(&o.BulkMaxSize, "bulk_max_size", "Most events in one Lumberjack window; larger batches are split.").Default(2048)
	s.Int(&o.CompressionLevel, "compression_level", "zlib level 0 (no compression) to 9.").Default(3)
	s.Seconds(&o.TTL, "ttl", "Close and reopen a connection once it is this old (seconds), so that a load balancer in front of several servers spreads the load; 0 keeps connections open.").Default(time.Duration(0))
	s.Seconds(&o.Timeout, "timeout", "Seconds to wait for the server (connect, write, and the next acknowledgement of a window; the server's keep-alive acknowledgements count) before the connection counts as failed.").Default(30 * time.Second)
	s.Seconds(&o.BackoffInit, "backoff_init", "Seconds to wait before reconnecting to a host that failed; doubles on each further failure, with jitter.").Default(time.Second)
	s.Seconds(&o.BackoffMax, "backoff_max", "Longest wait before reconnecting to a failed host (seconds).").Default(60 * time.Second)
	s.Bytes(&o.MaxEventBytes, "max_event_bytes", "Largest JSON document sent for one event; a larger event is logged and dropped rather than blocking delivery forever (the server would refuse it).").Default(int64(16 << 20))

	o.sslEnabledSetting = s.Bool(&o.SSLEnabled, "ssl_enabled", "Use TLS. Turned on by any other ssl_* setting when not given.")
	o.sslSettings = []*plugin.Setting{
		s.Path(&o.SSLCertificate, "ssl_certificate", "PEM certificate(s) of the CA that signed the server's certificate (Logstash's lumberjack output name; same as one `ssl_certificate_authorities` entry)."),
		s.Strings(&o.SSLCertAuthorities, "ssl_certificate_authorities", "PEM files (or directories of them) of the CAs trusted to sign the server's certificate. Without either this or `ssl_certificate` the system roots are trusted."),
		s.Path(&o.SSLClientCertificate, "ssl_client_certificate", "PEM certificate presented to the server, for servers that require client certificates (Filebeat's `ssl.certificate`)."),
		s.Path(&o.SSLClientKey, "ssl_client_key", "PEM private key of `ssl_client_certificate` (Filebeat's `ssl.key`)."),
		s.Password(&o.SSLKeyPassphrase, "ssl_key_passphrase", "Passphrase of an encrypted `ssl_client_key`."),
		s.String(&o.SSLVerificationMode, "ssl_verification_mode", "How the server's certificate is checked: `full` (chain and host name), `certificate` (chain only) or `none` (no check: testing only).").
			Enum("full", "certificate", "none").Default("full"),
		s.Strings(&o.SSLSupportedProtocols, "ssl_supported_protocols", "Allowed TLS versions: `TLSv1.1`, `TLSv1.2`, `TLSv1.3` (default 1.2 and 1.3)."),
		s.Strings(&o.SSLCipherSuites, "ssl_cipher_suites", "Allowed TLS 1.2 cipher suites by IANA name (default: Go's secure list)."),
	}
}

// Init checks the settings and prepares the connections (opened on first
// use).
func (o *Output) Init(ctx *plugin.Context) error {
	o.log = ctx.Logger
	if len(o.Hosts) == 0 {
		return errors.New("hosts is empty")
	}
	if o.Port < 1 || o.Port > 65535 {
		return fmt.Errorf("port %d out of range 1-65535", o.Port)
	}
	if o.Worker < 1 {
		return fmt.Errorf("worker must be at least 1, got %d", o.Worker)
	}
	if o.BulkMaxSize < 1 {
		return fmt.Errorf("bulk_max_size must be at least 1, got %d", o.BulkMaxSize)
	}
	if o.CompressionLevel < 0 || o.CompressionLevel > 9 {
		return fmt.Errorf("compression_level must be 0 to 9, got %d", o.CompressionLevel)
	}
	if o.Timeout <= 0 {
		return errors.New("timeout must be more than 0")
	}
	if o.BackoffInit <= 0 || o.BackoffMax < o.BackoffInit {
		return fmt.Errorf("backoff_init (%s) must be more than 0 and at most backoff_max (%s)", o.BackoffInit, o.BackoffMax)
	}
	if o.MaxEventBytes < 64 {
		return fmt.Errorf("max_event_bytes must be at least 64, got %d", o.MaxEventBytes)
	}
	addrs := make([]string, 0, len(o.Hosts))
	for _, h := range o.Hosts {
		a, err := hostPort(h, o.Port)
		if err != nil {
			return err
		}
		addrs = append(addrs, a)
	}
	useTLS := o.SSLEnabled
	if !o.sslEnabledSetting.Set {
		for _, st := range o.sslSettings {
			if st.Set {
				useTLS = true
			}
		}
	} else if !o.SSLEnabled {
		var ignored []string
		for _, st := range o.sslSettings {
			if st.Set {
				ignored = append(ignored, st.Name)
			}
		}
		if len(ignored) > 0 {
			o.log.Warn("ssl_enabled is false: TLS settings ignored", "settings", ignored)
		}
	}
	var tlsOpts *netutil.TLSOptions
	if useTLS {
		tlsOpts = &netutil.TLSOptions{
			Certificate:            o.SSLClientCertificate,
			Key:                    o.SSLClientKey,
			KeyPassphrase:          o.SSLKeyPassphrase,
			CertificateAuthorities: o.SSLCertAuthorities,
			VerificationMode:       o.SSLVerificationMode,
			SupportedProtocols:     o.SSLSupportedProtocols,
			CipherSuites:           o.SSLCipherSuites,
		}
		if o.SSLCertificate != "" {
			tlsOpts.CertificateAuthorities = append([]string{o.SSLCertificate}, tlsOpts.CertificateAuthorities...)
		}
		// Check the files now, so that a mistake is a configuration
		// error rather than a retry loop.
		if _, err := netutil.ClientConfig(tlsOpts, "localhost"); err != nil {
			return fmt.Errorf("TLS: %w", err)
		}
	}
	o.pool = newPool(addrs, o.options(tlsOpts), o.log)
	return nil
}

func (o *Output) options(tlsOpts *netutil.TLSOptions) options {
	return options{
		loadBalance: o.LoadBalance,
		workers:     o.Worker,
		bulkMax:     o.BulkMaxSize,
		level:       o.CompressionLevel,
		ttl:         o.TTL,
		timeout:     o.Timeout,
		backoffInit: o.BackoffInit,
		backoffMax:  o.BackoffMax,
		tls:         tlsOpts,
	}
}

// hostPort adds the default port to a host without one.
func hostPort(h string, port int) (string, error) {
	if h == "" {
		return "", errors.New("empty host in hosts")
	}
	if host, p, err := net.SplitHostPort(h); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("host %q: bad port %q", h, p)
		}
		if host == "" {
			return "", fmt.Errorf("host %q has no host name", h)
		}
		return h, nil
	}
	if h[0] == '[' && h[len(h)-1] == ']' {
		h = h[1 : len(h)-1]
	}
	return net.JoinHostPort(h, strconv.Itoa(port)), nil
}

// Write sends events and returns once the server acknowledged all of them,
// or ctx is done.
func (o *Output) Write(ctx context.Context, events []*event.Event) error {
	docs := getDocs()
	defer putDocs(docs)
	for _, e := range events {
		before := len(docs.buf)
		docs.buf = appendDoc(docs.buf, e)
		if int64(len(docs.buf)-before) > o.MaxEventBytes {
			o.log.Warn("event dropped: its JSON document is larger than max_event_bytes", "bytes", len(docs.buf)-before, "max_event_bytes", o.MaxEventBytes)
			docs.buf = docs.buf[:before]
			continue
		}
		docs.ends = append(docs.ends, len(docs.buf))
	}
	return o.pool.send(ctx, docs)
}

// Close closes the connections.
func (o *Output) Close() error {
	if o.pool != nil {
		o.pool.close()
	}
	return nil
}

// metaKeys are the @metadata fields forwarded to the server; the rest of
// an event's metadata (what inputs put there) stays behind.
var metaKeys = []string{"beat", "type", "version", "pipeline"}

// metaRefs are metaKeys' references: getting each value on its own leaves
// a shared (event.Patch) metadata shared.
var metaRefs = func() []event.Ref {
	refs := make([]event.Ref, len(metaKeys))
	for i, k := range metaKeys {
		refs[i] = event.MustRef("[@metadata][" + k + "]")
	}
	return refs
}()

// appendDoc appends e's JSON document with an @metadata object as Beats
// send it: `{"@metadata":{...},` then the event's own fields.
func appendDoc(dst []byte, e *event.Event) []byte {
	dst = append(dst, `{"@metadata":{`...)
	n := 0
	for i, k := range metaKeys {
		v, ok := e.Get(metaRefs[i])
		if !ok {
			switch k {
			case "beat":
				v, ok = "sluice", true
			case "type":
				v, ok = "_doc", true
			}
		}
		if !ok {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = event.AppendJSONString(dst, k)
		dst = append(dst, ':')
		dst = event.AppendJSONValue(dst, v)
		n++
	}
	dst = append(dst, '}')
	// The event's object, with its opening brace turned into a comma.
	at := len(dst)
	dst = e.AppendJSON(dst)
	switch {
	case len(dst)-at == 2: // {}
		dst = append(dst[:at], '}')
	case len(dst) > at && dst[at] == '{':
		dst[at] = ','
	}
	return dst
}
