// Package syslog is the syslog input: it listens on one port over TCP and
// UDP and turns RFC 3164 and RFC 5424 syslog messages into events with the
// fields Logstash's syslog input sets.
package syslog

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
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
		Name:        "syslog",
		Summary:     "Reads syslog messages (RFC 3164 and RFC 5424) over TCP and UDP on one port.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Input{} },
	})
}

const description = "Listens on `port` over both TCP and UDP and parses each message as syslog, as " +
	"Logstash's syslog input does: point rsyslog, syslog-ng, network devices or Python's " +
	"`logging.handlers.SysLogHandler` at it.\n\n" +
	"Each UDP datagram is one message. On TCP, messages are framed as RFC 6587 allows: octet-counted " +
	"(`LENGTH SP MESSAGE`, rsyslog's `TCP_Framing=\"octet-counted\"`) or terminated by a newline or a NUL byte " +
	"(Python's SysLogHandler ends each message with NUL and no newline); a connection may mix both. When the " +
	"first newline- or NUL-terminated message of a connection ends with NUL, only NUL ends messages on that connection " +
	"from then on, so that Python's multi-line records (tracebacks) stay whole. Each " +
	"message is then decoded by the codec (`plain`: the text becomes the syslog field) and parsed.\n\n" +
	"### Formats understood\n\n" +
	"- RFC 3164: `<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`, also without HOST, without TAG (the text after " +
	"HOST is then the message, as in Logstash), with `TAG[PID]` and no colon, with an " +
	"ISO-8601 timestamp (rsyslog's `RSYSLOG_ForwardFormat`), with fractional seconds, and with no " +
	"timestamp and host at all: `<PRI>MSG` or `<PRI>ident: MSG` as Python's SysLogHandler sends (a trailing NUL " +
	"is dropped).\n" +
	"- RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD...] MSG` (rsyslog's " +
	"`RSYSLOG_SyslogProtocol23Format`); a UTF-8 BOM before MSG is dropped; structured data is parsed into " +
	"`{SD-ID => {PARAM => value}}` (a parameter repeated in one element gives an array).\n" +
	"- Anything else (no valid `<PRI>` from 0 to 191) is not syslog: the text is kept whole in `message`, " +
	"tagged `_grokparsefailure_sysloginput`, and gets priority 13 (user-level, notice) as RFC 3164 and " +
	"Logstash say.\n\n" +
	"### Fields\n\n" +
	"| | ECS `disabled` | ECS `v1`, `v8` |\n" +
	"|---|---|---|\n" +
	"| priority (facility × 8 + severity) | `priority` | `[log][syslog][priority]` |\n" +
	"| facility code / label | `facility` / `facility_label` | `[log][syslog][facility][code]` / `[log][syslog][facility][name]` |\n" +
	"| severity code / label | `severity` / `severity_label` | `[log][syslog][severity][code]` / `[log][syslog][severity][name]` |\n" +
	"| timestamp as written (parsed into `@timestamp`) | `timestamp` (and `timestamp8601` for an ISO-8601 RFC 3164 one) | — |\n" +
	"| host name from the header | `logsource` | `[host][hostname]` |\n" +
	"| program (TAG, RFC 5424 APP-NAME) | `program` | `[process][name]` |\n" +
	"| pid (RFC 5424 PROCID) | `pid` (text) | `[process][pid]` (number, when numeric) and, for RFC 5424 or a non-numeric one, `[log][syslog][procid]` |\n" +
	"| RFC 5424 MSGID | `msgid` | `[log][syslog][msgid]` |\n" +
	"| RFC 5424 structured data | `structured_data` | `[log][syslog][structured_data]` |\n" +
	"| RFC 5424 VERSION | — | `[log][syslog][version]` |\n" +
	"| sender's IP address | `host` | `[host][ip]` |\n" +
	"| the whole received text | — | `[event][original]` |\n" +
	"| `service_type` | — | `[service][type]` |\n" +
	"| the free-form message | `message` | `message` |\n\n" +
	"`@timestamp` is the message's timestamp, else the time it arrived. A timestamp without an offset is " +
	"read in `timezone`. RFC 3164 timestamps have no year: it is the current year, except that a December " +
	"timestamp received in January is taken from last year and a January one received in December from next " +
	"year (the rule of Logstash's date filter, which its syslog input uses). A timestamp naming no valid date " +
	"(`Feb 30`) leaves `@timestamp` at the arrival time and tags the event `_dateparsefailure`.\n\n" +
	"### Forwarding from rsyslog\n\n" +
	"Prefer `template=\"RSYSLOG_SyslogProtocol23Format\"` (RFC 5424, with the year, the offset, MSGID and " +
	"structured data) and, over TCP, `TCP_Framing=\"octet-counted\"` (messages may then hold newlines):\n\n" +
	"```\n" +
	"action(type=\"omfwd\" target=\"sluice.example.com\" port=\"5514\" protocol=\"tcp\"\n" +
	"       tcp_framing=\"octet-counted\" template=\"RSYSLOG_SyslogProtocol23Format\")\n" +
	"```\n\n" +
	"With `RSYSLOG_ForwardFormat`, a message that reached rsyslog as RFC 5424 without a PROCID is forwarded with its " +
	"tag but no colon (`host app text`): the tag then cannot be told from the text and stays in `message`.\n\n" +
	"### Differences from Logstash\n\n" +
	"- Logstash parses with the grok pattern `<%{POSINT:priority}>%{SYSLOGLINE}`: it fails on RFC 5424, on " +
	"messages without a timestamp or host (Python's SysLogHandler) and on `<0>`. Sluice parses all of " +
	"these. `grok_pattern` is accepted with its default value only: a custom pattern is a configuration error " +
	"until the grok filter exists.\n" +
	"- Octet-counted TCP framing and NUL-terminated messages are understood (Logstash splits on newlines only), " +
	"and messages may hold newlines when octet-counted.\n" +
	"- `max_event_size` bounds one message: longer ones are cut, tagged `_messagetoolong`, and the connection " +
	"goes on. `max_connections` bounds concurrent TCP connections.\n" +
	"- PRI values above 191 are not syslog (Logstash accepts any number).\n" +
	"- With `syslog_field` other than `message`, the parsed message replaces `message` (Logstash would make " +
	"`message` an array of both).\n" +
	"- Month names are English (any case, abbreviated or full); `locale` is accepted for compatibility."

// grokDefaults are the values of Logstash's grok_pattern default (legacy
// and ECS); the parser implements exactly them.
var grokDefaults = []string{
	"<%{POSINT:priority}>%{SYSLOGLINE}",
	"<%{POSINT:[log][syslog][priority]}>%{SYSLOGLINE}",
	"<%{POSINT:[log][syslog][priority]:int}>%{SYSLOGLINE}",
}

// Input is the syslog input.
type Input struct {
	// Listening offers Ready, Addr (TCP) and AddrAt(1) (UDP).
	netutil.Listening

	Host           string
	Port           int
	Codec          plugin.Codec
	FacilityLabels []string
	SeverityLabels []string
	Locale         string
	Timezone       string
	UseLabels      bool
	ProxyProtocol  bool
	GrokPattern    string
	SyslogField    event.Ref
	ServiceType    string
	MaxEventSize   int64
	MaxConnections int

	grokSetting *plugin.Setting

	log    *slog.Logger
	fields *fieldNames
	parser Parser

	mu  sync.Mutex
	ln  net.Listener // opened, not yet served
	udp *net.UDPConn // opened, not yet read
	srv netutil.Server
	// Drop counters for rate-limited warnings.
	fullLog netutil.LogLimiter
	longLog netutil.LogLimiter
}

var (
	_ plugin.Input       = (*Input)(nil)
	_ plugin.Initializer = (*Input)(nil)
	_ plugin.Opener      = (*Input)(nil)
	_ plugin.Closer      = (*Input)(nil)
)

// Settings declares the syslog input's settings.
func (in *Input) Settings(s *plugin.Settings) {
	s.String(&in.Host, "host", "The address to listen on, over TCP and UDP (`0.0.0.0` for every IPv4 address, `::` for every address).").Default("0.0.0.0")
	s.Int(&in.Port, "port", "The port to listen on, over TCP and UDP (0 picks a free port). Ports below 1024 need privileges (root or CAP_NET_BIND_SERVICE).").Default(514)
	s.Codec(&in.Codec, "codec", "The codec that decodes each message (a datagram, or one framed TCP message) before it is parsed as syslog.").Default("plain")
	s.Strings(&in.FacilityLabels, "facility_labels", "Labels of the facility codes 0, 1, 2, ...: the facility label is the entry at the facility's code (none when the list is shorter).").
		Default([]string{"kernel", "user-level", "mail", "system", "security/authorization", "syslogd", "line printer", "network news", "UUCP", "clock", "security/authorization", "FTP", "NTP", "log audit", "log alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"})
	s.Strings(&in.SeverityLabels, "severity_labels", "Labels of the severity codes 0 to 7 (none when the list is shorter).").
		Default([]string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"})
	s.Bool(&in.UseLabels, "use_labels", "Add the facility and severity labels.").Default(true)
	s.String(&in.Timezone, "timezone", "Time zone (an IANA name such as `Europe/Paris`, or `UTC`) of timestamps that carry no offset, such as RFC 3164's. The machine's local zone when not set.").Example(`"UTC"`)
	s.String(&in.Locale, "locale", "Accepted for compatibility with Logstash: month names are read in English, whatever the locale.").Example(`"en"`)
	s.Bool(&in.ProxyProtocol, "proxy_protocol", "Expect a PROXY protocol v1 header (as HAProxy sends) at the start of each TCP connection; the sender's address is then taken from it.").Default(false)
	in.grokSetting = s.String(&in.GrokPattern, "grok_pattern", "Logstash's grok pattern for the syslog line. Only its default is accepted (Sluice parses RFC 3164 and RFC 5424 natively); a custom pattern needs the grok filter, which is not yet available.").
		Default("<%{POSINT:priority}>%{SYSLOGLINE}")
	s.FieldRef(&in.SyslogField, "syslog_field", "The field holding the syslog text after the codec ran (a codec such as cef may move it elsewhere).").Default("message")
	s.String(&in.ServiceType, "service_type", "With ECS enabled, the value of `[service][type]` (unless the event has one); empty for none.").Default("system")
	s.Bytes(&in.MaxEventSize, "max_event_size", "Largest message accepted, e.g. `\"64KiB\"`; longer ones are cut and tagged `_messagetoolong`, and the connection goes on.").Default(int64(1 << 20))
	s.Int(&in.MaxConnections, "max_connections", "Most TCP connections open at once; further ones are closed right away (and logged). 0 means no limit.").Default(10000)
}

// Init checks the settings.
func (in *Input) Init(ctx *plugin.Context) error {
	in.log = ctx.Logger
	if in.log == nil {
		in.log = slog.Default()
	}
	if in.grokSetting != nil && in.grokSetting.Set {
		known := false
		for _, d := range grokDefaults {
			known = known || in.GrokPattern == d
		}
		if !known {
			return fmt.Errorf("grok_pattern: custom grok_pattern needs the grok filter (not yet available); remove grok_pattern to parse RFC 3164 and RFC 5424 natively")
		}
	}
	switch {
	case in.Port < 0 || in.Port > 65535:
		return fmt.Errorf("port %d is out of range (0-65535)", in.Port)
	case in.MaxEventSize < 64 || in.MaxEventSize > 1<<30:
		return fmt.Errorf("max_event_size must be between 64 bytes and 1GiB, got %d", in.MaxEventSize)
	case in.MaxConnections < 0:
		return fmt.Errorf("max_connections must be >= 0, got %d", in.MaxConnections)
	}
	if in.Timezone != "" {
		loc, err := time.LoadLocation(in.Timezone)
		if err != nil {
			return fmt.Errorf("timezone %q: unknown time zone (use an IANA name such as \"Europe/Paris\" or \"UTC\")", in.Timezone)
		}
		in.parser.Location = loc
	}
	if l := strings.ToLower(in.Locale); l != "" && !strings.HasPrefix(l, "en") && l != "c" && l != "posix" && l != "root" {
		in.log.Warn("locale is ignored: month names are read in English", "locale", in.Locale)
	}
	in.fields = newFieldNames(ctx.ECS(), in.SyslogField, in.FacilityLabels, in.SeverityLabels, in.UseLabels, in.ServiceType)
	return nil
}

// UDPAddr returns the UDP address the input listens on, once Ready is
// closed (the same port as Addr, the TCP address).
func (in *Input) UDPAddr() net.Addr { return in.AddrAt(1) }

// Open binds the TCP and UDP sockets, so that a port in use is reported
// when the pipeline starts. With port 0, both get the same free port. Run
// calls it when the engine did not.
func (in *Input) Open(ctx context.Context) error {
	if in.log == nil {
		in.log = slog.Default()
	}
	ln, udp, err := in.listen(ctx)
	if err != nil {
		in.MarkReady(nil, nil)
		return err
	}
	in.mu.Lock()
	if in.ln != nil {
		in.ln.Close()
	}
	if in.udp != nil {
		in.udp.Close()
	}
	in.ln, in.udp = ln, udp
	in.mu.Unlock()
	in.MarkReady(ln.Addr(), udp.LocalAddr())
	in.log.Info("listening", "tcp", ln.Addr().String(), "udp", udp.LocalAddr().String())
	return nil
}

func (in *Input) listen(ctx context.Context) (net.Listener, *net.UDPConn, error) {
	lc := net.ListenConfig{KeepAlive: -1}
	addr := net.JoinHostPort(in.Host, strconv.Itoa(in.Port))
	var lastErr error
	// With port 0 the TCP port is free but the same UDP port may not be:
	// try a few.
	for range 20 {
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("syslog: listen on tcp %s: %w", addr, err)
		}
		uaddr := net.JoinHostPort(in.Host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
		pc, err := lc.ListenPacket(ctx, "udp", uaddr)
		if err == nil {
			return ln, pc.(*net.UDPConn), nil
		}
		ln.Close()
		lastErr = fmt.Errorf("syslog: listen on udp %s: %w", uaddr, err)
		if in.Port != 0 {
			break
		}
	}
	return nil, nil, lastErr
}

// Close closes the sockets if Run did not take them.
func (in *Input) Close() error {
	ln, udp := in.take()
	var errs []error
	if ln != nil {
		errs = append(errs, ln.Close())
	}
	if udp != nil {
		errs = append(errs, udp.Close())
	}
	return errors.Join(errs...)
}

func (in *Input) take() (net.Listener, *net.UDPConn) {
	in.mu.Lock()
	defer in.mu.Unlock()
	ln, udp := in.ln, in.udp
	in.ln, in.udp = nil, nil
	return ln, udp
}

// ActiveConnections returns the number of open TCP connections.
func (in *Input) ActiveConnections() int { return in.srv.Active() }

// Run serves TCP connections and UDP datagrams until ctx ends, then
// closes every connection and returns nil. If one of the two listeners
// fails for good, the other is stopped too and the error returned.
func (in *Input) Run(ctx context.Context, q plugin.Queue) error {
	ln, udp := in.take()
	if ln == nil || udp == nil {
		if ln != nil {
			ln.Close()
		}
		if udp != nil {
			udp.Close()
		}
		if err := in.Open(ctx); err != nil {
			return err
		}
		ln, udp = in.take()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	go func() {
		err := in.serveUDP(ctx, q, udp)
		if err != nil {
			cancel()
		}
		errs <- err
	}()
	in.srv.MaxConns = in.MaxConnections
	in.srv.Logger = in.log
	in.srv.Handle = func(ctx context.Context, c net.Conn) { in.serveConn(ctx, q, c) }
	err := in.srv.Serve(ctx, ln)
	if err != nil {
		err = fmt.Errorf("syslog: accept on %s: %w", ln.Addr(), err)
		cancel()
	}
	return errors.Join(err, <-errs)
}
