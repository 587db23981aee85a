// Package gelf is the gelf input: it receives GELF (Graylog Extended Log
// Format) messages over UDP (plain, zlib or gzip compressed, chunked) and
// TCP (null-byte delimited), as graypy and Docker's gelf logging driver
// send them, and maps their fields as Logstash's gelf input does.
package gelf

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/sluicelog/sluice/internal/netutil"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindInput,
		Name:        "gelf",
		Summary:     "Receives GELF messages (graypy, Docker's gelf log driver, Graylog senders) over UDP and TCP.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Input{} },
	})
}

const description = "Listens for GELF (Graylog Extended Log Format) " +
	"messages, the JSON log format of Graylog that Python's `graypy` handlers and Docker's `gelf` logging driver " +
	"send. On UDP (`use_udp`, on by default) each datagram is a message, uncompressed or compressed with zlib or " +
	"gzip (told apart by their first bytes), or one chunk of a message sent in up to 128 chunks, which are " +
	"reassembled. On TCP (`use_tcp`) messages are uncompressed JSON documents, each followed by a null byte.\n\n" +
	"Mind the ports: graypy's `GELFUDPHandler` sends to port 12202 unless told otherwise, its `GELFTCPHandler` to 12201, " +
	"the port Docker's gelf-address examples use too. Give graypy the port (`GELFUDPHandler(\"sluice-host\", 12201)`) or set `port_udp => 12202`.\n\n" +
	"### Fields\n\n" +
	"As in Logstash's gelf input:\n\n" +
	"- a numeric `timestamp` (seconds since the epoch, with a fraction) becomes `@timestamp` (to the microsecond) and is removed;\n" +
	"- with `remap` (the default), a non-empty `full_message` becomes `message` (`short_message` is kept when it differs), " +
	"else `short_message` becomes `message`;\n" +
	"- with `strip_leading_underscore` (the default), additional fields lose their leading underscore: `_logger_name` becomes `logger_name`;\n" +
	"- `version`, `level` (the syslog severity number), `facility`, `line`, `file` and the other fields are kept as sent.\n\n" +
	"graypy puts only the traceback in `full_message`: with `remap`, a logged exception's `message` is its traceback " +
	"and `short_message` the log line. Docker's gelf driver sends `short_message` (the line) and " +
	"`_container_name`, `_image_name`, `_tag`... which arrive as `container_name`, `image_name`, `tag`.\n\n" +
	"Where the GELF `host` and the sender's address go depends on `ecs_compatibility`:\n\n" +
	"| | ECS `v1`, `v8` | ECS `disabled` |\n" +
	"|---|---|---|\n" +
	"| GELF `host` (the name the sender reports) | `[host][hostname]` | `host` |\n" +
	"| sender's IP address | `[host][ip]` | `source_host` |\n\n" +
	"A message that is not a JSON object is kept: its text goes to `message` with the tag `_jsonparsefailure`.\n\n" +
	"### Limits\n\n" +
	"Reassembly keeps memory bounded: a message's chunks may add up to `max_message_size`; a message whose " +
	"chunks do not all arrive within `chunk_timeout` (5 seconds, as the GELF specification says) is dropped; at " +
	"most `max_pending_messages` incomplete messages holding at most `max_pending_bytes` are kept, the oldest being " +
	"dropped first. Duplicate chunks are ignored. Compressed payloads are inflated up to `max_message_size` only " +
	"(a \"zip bomb\" is dropped). Every drop is counted and logged (rate-limited) with its reason.\n\n" +
	"### Differences from Logstash\n\n" +
	"- Logstash's gelf input has no ECS mode: it always writes `host` and `source_host`. Sluice does so with " +
	"`ecs_compatibility => disabled`; in ECS modes it writes `[host][hostname]` and `[host][ip]` instead, so that " +
	"the events fit an ECS index template.\n" +
	"- Logstash reads at most 8192 bytes of a UDP datagram and silently cuts longer ones; Sluice reads whole datagrams.\n" +
	"- On TCP, Logstash drops a message that is not JSON (with a log line); Sluice keeps it, tagged `_jsonparsefailure`. " +
	"A TCP message longer than `max_message_size` is cut and tagged `_messagetoolong`.\n" +
	"- A numeric `timestamp` that is not a representable time is left in place and the event tagged `_gelftimestampfailure`.\n" +
	"- Logstash adds the tag `_fromjsonparser` besides `_jsonparsefailure`; Sluice adds only `_jsonparsefailure`.\n" +
	"- The `codec` setting is accepted and ignored, as in Logstash: GELF is always JSON."

// Input is the gelf input.
type Input struct {
	// Listening offers Ready, UDPAddr (AddrAt(0)) and TCPAddr (AddrAt(1)).
	netutil.Listening

	Host                   string
	Port                   int
	PortTCP                int
	PortUDP                int
	UseUDP                 bool
	UseTCP                 bool
	Remap                  bool
	StripLeadingUnderscore bool
	Codec                  any // ignored
	ChunkTimeout           time.Duration
	MaxMessageSize         int64
	MaxPendingMessages     int
	MaxPendingBytes        int64
	ReceiveBufferBytes     int
	Workers                int
	QueueSize              int
	MaxConnections         int

	settings struct{ portTCP, portUDP, rcvbuf *plugin.Setting }

	log *slog.Logger
	ecs bool
	asm *assembler
	// now is the clock of chunk reassembly (tests replace it).
	now func() time.Time

	mu      sync.Mutex
	udpConn *net.UDPConn // opened, not yet read
	tcpLn   net.Listener // opened, not yet served
	srv     netutil.Server

	stats      counters
	dropLog    netutil.LogLimiter
	chunkLog   netutil.LogLimiter
	fullLog    netutil.LogLimiter
	dropLogMsg netutil.LogLimiter
	tcpLog     netutil.LogLimiter
}

var (
	_ plugin.Input       = (*Input)(nil)
	_ plugin.Initializer = (*Input)(nil)
	_ plugin.Opener      = (*Input)(nil)
	_ plugin.Closer      = (*Input)(nil)
)

// Settings declares the gelf input's settings.
func (in *Input) Settings(s *plugin.Settings) {
	s.String(&in.Host, "host", "The address to listen on (`0.0.0.0` for every IPv4 address, `::` for every address).").Default("0.0.0.0")
	s.Int(&in.Port, "port", "The port to listen on, for UDP and TCP (0 picks a free port). Ports below 1024 need privileges.").Default(12201)
	in.settings.portTCP = s.Int(&in.PortTCP, "port_tcp", "The TCP port, when it must differ from `port`.")
	in.settings.portUDP = s.Int(&in.PortUDP, "port_udp", "The UDP port, when it must differ from `port`.")
	s.Bool(&in.UseUDP, "use_udp", "Listen for GELF over UDP (plain, zlib, gzip and chunked datagrams).").Default(true)
	s.Bool(&in.UseTCP, "use_tcp", "Listen for GELF over TCP (uncompressed JSON documents, each followed by a null byte).").Default(false)
	s.Bool(&in.Remap, "remap", "Move `full_message` (or, when it is absent or empty, `short_message`) to `message`.").Default(true)
	s.Bool(&in.StripLeadingUnderscore, "strip_leading_underscore", "Remove the leading underscore of GELF's additional fields: `_foo` becomes `foo`.").Default(true)
	s.Any(&in.Codec, "codec", "Accepted for compatibility with Logstash and ignored: GELF messages are always JSON.")
	s.Seconds(&in.ChunkTimeout, "chunk_timeout", "Seconds within which every chunk of a chunked UDP message must arrive (counted from its first chunk); an incomplete message is then dropped and logged.").Default(5 * time.Second)
	s.Bytes(&in.MaxMessageSize, "max_message_size", "Largest message: the chunks of a UDP message together, a message once inflated, a TCP message. Larger UDP messages are dropped and logged; TCP ones are cut and tagged `_messagetoolong`.").Default(int64(8 << 20))
	s.Int(&in.MaxPendingMessages, "max_pending_messages", "Most chunked UDP messages being reassembled at once; beyond that the oldest incomplete one is dropped (and logged).").Default(4096)
	s.Bytes(&in.MaxPendingBytes, "max_pending_bytes", "Most bytes held by chunked UDP messages being reassembled; beyond that the oldest incomplete messages are dropped (and logged).").Default(int64(64 << 20))
	in.settings.rcvbuf = s.Int(&in.ReceiveBufferBytes, "receive_buffer_bytes", "The UDP socket's receive buffer size in bytes (SO_RCVBUF). When not set, the operating system's default; the system may grant less (a warning says so).")
	s.Int(&in.Workers, "workers", "Goroutines inflating and decoding UDP messages.").Default(2)
	s.Int(&in.QueueSize, "queue_size", "UDP messages held in memory between the socket reader and the workers; beyond that, datagrams wait in the socket's receive buffer.").Default(2000)
	s.Int(&in.MaxConnections, "max_connections", "Most TCP connections open at once; further ones are closed right away (and logged). 0 means no limit.").Default(10000)
}

// Init checks the settings.
func (in *Input) Init(ctx *plugin.Context) error {
	in.log = ctx.Logger
	if in.log == nil {
		in.log = slog.Default()
	}
	in.ecs = ctx.ECS()
	if !in.settings.portTCP.Set {
		in.PortTCP = in.Port
	}
	if !in.settings.portUDP.Set {
		in.PortUDP = in.Port
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"port", in.Port}, {"port_tcp", in.PortTCP}, {"port_udp", in.PortUDP}} {
		if p.v < 0 || p.v > 65535 {
			return fmt.Errorf("%s %d is out of range (0-65535)", p.name, p.v)
		}
	}
	switch {
	case !in.UseUDP && !in.UseTCP:
		return errors.New("use_udp and use_tcp are both false: nothing to listen on")
	case in.ChunkTimeout <= 0:
		return errors.New("chunk_timeout must be positive")
	case in.MaxMessageSize < 1 || in.MaxMessageSize > 1<<30:
		return fmt.Errorf("max_message_size must be between 1 byte and 1GiB, got %d", in.MaxMessageSize)
	case in.MaxPendingMessages < 1:
		return fmt.Errorf("max_pending_messages must be at least 1, got %d", in.MaxPendingMessages)
	case in.MaxPendingBytes < 1 || in.MaxPendingBytes > 1<<40:
		return fmt.Errorf("max_pending_bytes must be positive, got %d", in.MaxPendingBytes)
	case in.Workers < 1:
		return fmt.Errorf("workers must be at least 1, got %d", in.Workers)
	case in.QueueSize < 1:
		return fmt.Errorf("queue_size must be at least 1, got %d", in.QueueSize)
	case in.MaxConnections < 0:
		return fmt.Errorf("max_connections must be >= 0, got %d", in.MaxConnections)
	case in.settings.rcvbuf.Set && in.ReceiveBufferBytes < 1:
		return fmt.Errorf("receive_buffer_bytes must be positive, got %d", in.ReceiveBufferBytes)
	}
	if in.settings.rcvbuf.Set && !in.UseUDP {
		in.log.Warn("receive_buffer_bytes is ignored because use_udp is false")
	}
	in.asm = newAssembler(in.ChunkTimeout, int(in.MaxMessageSize), in.MaxPendingMessages, int(min(in.MaxPendingBytes, 1<<40)))
	return nil
}

// setup fills what Init prepares when a test skips it.
func (in *Input) setup() {
	if in.log == nil {
		in.log = slog.Default()
	}
	if in.now == nil {
		in.now = time.Now
	}
}

// Open binds the sockets, so that a port in use is reported when the
// pipeline starts. Run calls it when the engine did not.
func (in *Input) Open(ctx context.Context) error {
	in.setup()
	var udpConn *net.UDPConn
	var tcpLn net.Listener
	fail := func(err error) error {
		if udpConn != nil {
			udpConn.Close()
		}
		in.MarkReady(nil, nil)
		return err
	}
	if in.UseUDP {
		addr := net.JoinHostPort(in.Host, strconv.Itoa(in.PortUDP))
		var lc net.ListenConfig
		pc, err := lc.ListenPacket(ctx, "udp", addr)
		if err != nil {
			return fail(fmt.Errorf("gelf: listen on udp %s: %w", addr, err))
		}
		udpConn = pc.(*net.UDPConn)
		in.setReceiveBuffer(udpConn)
	}
	if in.UseTCP {
		addr := net.JoinHostPort(in.Host, strconv.Itoa(in.PortTCP))
		lc := net.ListenConfig{KeepAlive: -1}
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			return fail(fmt.Errorf("gelf: listen on tcp %s: %w", addr, err))
		}
		tcpLn = ln
	}
	in.mu.Lock()
	if in.udpConn != nil {
		in.udpConn.Close()
	}
	if in.tcpLn != nil {
		in.tcpLn.Close()
	}
	in.udpConn, in.tcpLn = udpConn, tcpLn
	in.mu.Unlock()
	var ua, ta net.Addr
	if udpConn != nil {
		ua = udpConn.LocalAddr()
		in.log.Info("listening", "protocol", "udp", "address", ua.String())
	}
	if tcpLn != nil {
		ta = tcpLn.Addr()
		in.log.Info("listening", "protocol", "tcp", "address", ta.String())
	}
	in.MarkReady(ua, ta)
	return nil
}

func (in *Input) setReceiveBuffer(c *net.UDPConn) {
	if !in.settings.rcvbuf.Set {
		return
	}
	if err := c.SetReadBuffer(in.ReceiveBufferBytes); err != nil {
		in.log.Warn("cannot set receive_buffer_bytes", "error", err)
		return
	}
	if got := receiveBufferSize(c); got >= 0 && got < in.ReceiveBufferBytes {
		in.log.Warn("the system granted a smaller receive buffer than receive_buffer_bytes (see net.core.rmem_max)",
			"requested", in.ReceiveBufferBytes, "obtained", got)
	}
}

// Close closes the sockets if Run did not take them.
func (in *Input) Close() error {
	c, ln := in.take()
	var err error
	if c != nil {
		err = c.Close()
	}
	if ln != nil {
		err = errors.Join(err, ln.Close())
	}
	return err
}

func (in *Input) take() (*net.UDPConn, net.Listener) {
	in.mu.Lock()
	defer in.mu.Unlock()
	c, ln := in.udpConn, in.tcpLn
	in.udpConn, in.tcpLn = nil, nil
	return c, ln
}

// UDPAddr returns the UDP address listened on, once Ready is closed (nil
// on failure or when UDP is off).
func (in *Input) UDPAddr() net.Addr { return in.AddrAt(0) }

// TCPAddr returns the TCP address listened on, once Ready is closed (nil
// on failure or when TCP is off).
func (in *Input) TCPAddr() net.Addr { return in.AddrAt(1) }

// Run receives messages until ctx ends, then delivers those already
// received and returns nil.
func (in *Input) Run(ctx context.Context, q plugin.Queue) error {
	conn, ln := in.take()
	if conn == nil && ln == nil {
		if err := in.Open(ctx); err != nil {
			return err
		}
		conn, ln = in.take()
	}
	in.setup()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	if conn != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[0] = in.runUDP(ctx, conn, q)
		}()
	}
	if ln != nil {
		in.srv.MaxConns = in.MaxConnections
		in.srv.Logger = in.log
		in.srv.Handle = func(ctx context.Context, c net.Conn) { in.serveTCP(ctx, q, c) }
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := in.srv.Serve(ctx, ln); err != nil {
				errs[1] = fmt.Errorf("gelf: accept on tcp %s: %w", ln.Addr(), err)
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return errors.Join(errs...)
}
