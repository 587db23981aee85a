package syslog

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

// needTool returns the path of a program the interoperability tests run.
// Without it the test is skipped, unless CI is set: CI installs it
// (scripts/rsyslog.sh) and the test must run there.
func needTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		if filepath.IsAbs(n) {
			if _, err := os.Stat(n); err == nil {
				return n
			}
		}
	}
	msg := fmt.Sprintf("%s not installed (scripts/rsyslog.sh installs rsyslog; python3 comes with the system)", names[0])
	if os.Getenv("CI") != "" {
		t.Fatal(msg + "; CI is set, so this test must run")
	}
	t.Skip(msg)
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitEvent waits until an event satisfying match arrived.
func waitEvent(t *testing.T, q *plugintest.Queue, what string, match func(*event.Event) bool) *event.Event {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for n := 1; ; n++ {
		for _, e := range q.Events() {
			if match(e) {
				return e
			}
		}
		if time.Now().After(deadline) {
			var got []string
			for _, e := range q.Events() {
				got = append(got, fmt.Sprintf("%v", e.Fields()))
			}
			t.Fatalf("no event %s; got:\n%s", what, strings.Join(got, "\n"))
		}
		// Wait for one more event than seen (with a short timeout, so the
		// deadline above is checked).
		waitMore(q, len(q.Events())+1, 200*time.Millisecond)
	}
}

func waitMore(q *plugintest.Queue, n int, d time.Duration) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		q.Wait(nopTB{}, n, d)
	}()
	<-done
}

// nopTB lets Queue.Wait time out without failing the test.
type nopTB struct{ testing.TB }

func (nopTB) Helper()               {}
func (nopTB) Fatalf(string, ...any) {}

// TestRsyslogForwarding runs Debian's rsyslogd with a private
// configuration (TCP and UDP inputs on a loopback port, no system inputs)
// that forwards to the syslog input in four ways: RSYSLOG_ForwardFormat
// over TCP, the default RSYSLOG_TraditionalForwardFormat over UDP, and
// RSYSLOG_SyslogProtocol23Format over UDP and over TCP with octet-counted
// framing. Messages enter rsyslog from util-linux's logger.
func TestRsyslogForwarding(t *testing.T) {
	rsyslogd := needTool(t, "rsyslogd", "/usr/sbin/rsyslogd")
	logger := needTool(t, "logger")

	in := build(t, `host => "127.0.0.1" port => 0 ecs_compatibility => v8`)
	q := plugintest.NewQueue()
	start(t, in, q)
	sluicePort := in.Addr().(*net.TCPAddr).Port
	rsPort := freePort(t)

	dir := t.TempDir()
	// Control characters are kept (not escaped as #012), so that a
	// newline inside an octet-counted message reaches the input.
	conf := fmt.Sprintf(`global(workDirectory=%[1]q maxMessageSize="64k" parser.escapeControlCharactersOnReceive="off")
module(load="imtcp")
module(load="imudp")
input(type="imtcp" address="127.0.0.1" port="%[2]d")
input(type="imudp" address="127.0.0.1" port="%[2]d")
if $programname == "fwd-tcp" or $programname == "fwd-udpin" then {
  action(type="omfwd" target="127.0.0.1" port="%[3]d" protocol="tcp" template="RSYSLOG_ForwardFormat")
}
if $programname == "fwd-udp5424" then {
  action(type="omfwd" target="127.0.0.1" port="%[3]d" protocol="udp" template="RSYSLOG_SyslogProtocol23Format")
}
if $programname == "fwd-default" then {
  action(type="omfwd" target="127.0.0.1" port="%[3]d" protocol="udp")
}
if $programname == "fwd-octet" then {
  action(type="omfwd" target="127.0.0.1" port="%[3]d" protocol="tcp" tcp_framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
}
`, dir, rsPort, sluicePort)
	confPath := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(rsyslogd, "-n", "-f", confPath, "-i", filepath.Join(dir, "rsyslogd.pid"))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("rsyslogd output:\n%s", out.String())
		}
	})

	// Wait until rsyslog accepts connections.
	rsAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(rsPort))
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", rsAddr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			t.Fatalf("rsyslogd exited: %s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("rsyslogd does not listen on %s: %v\n%s", rsAddr, err, out.String())
		}
	}

	send := func(args ...string) {
		t.Helper()
		base := []string{"--server", "127.0.0.1", "--port", strconv.Itoa(rsPort)}
		if o, err := exec.Command(logger, append(base, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("logger %v: %v: %s", args, err, o)
		}
	}
	send("--tcp", "-t", "fwd-tcp", "--id=4242", "-p", "local3.warning", "hello via forward format")
	send("--tcp", "-t", "fwd-udp5424", "--id=77", "-p", "auth.err", "--msgid", "LOGIN",
		"--sd-id", "origin@32473", "--sd-param", `ip="10.9.8.7"`, "hello via protocol 23 over udp")
	send("--tcp", "--rfc3164", "-t", "fwd-default", "-p", "mail.crit", "hello via the traditional format")
	send("--tcp", "--octet-count", "-t", "fwd-octet", "-p", "daemon.info", "hello via octet counting\nsecond line")

	hostname, _ := os.Hostname()
	hostOK := func(e *event.Event) bool {
		h, _ := get(e, "[host][hostname]").(string)
		return h != "" && (h == hostname || strings.HasPrefix(hostname, h+"."))
	}
	byMsg := func(msg string) func(*event.Event) bool {
		return func(e *event.Event) bool { return e.Message() == msg }
	}

	e := waitEvent(t, q, "from the forward format", byMsg("hello via forward format"))
	checkFields(t, e, map[string]any{
		"[log][syslog][priority]": int64(19*8 + 4), "[log][syslog][facility][name]": "local3",
		"[log][syslog][severity][code]": int64(4), "[log][syslog][severity][name]": "Warning",
		"[process][name]": "fwd-tcp", "[process][pid]": int64(4242), "[host][ip]": "127.0.0.1", "tags": nil,
		"[log][syslog][version]": nil,
	})
	if !hostOK(e) {
		t.Errorf("[host][hostname] = %v, want %q", get(e, "[host][hostname]"), hostname)
	}
	if d := time.Since(e.Timestamp()); d < 0 || d > time.Minute {
		t.Errorf("@timestamp %v is not the message's recent timestamp", e.Timestamp())
	}

	e = waitEvent(t, q, "from protocol 23 over UDP", byMsg("hello via protocol 23 over udp"))
	checkFields(t, e, map[string]any{
		"[log][syslog][priority]": int64(4*8 + 3), "[log][syslog][facility][code]": int64(4),
		"[log][syslog][severity][name]": "Error", "[process][name]": "fwd-udp5424", "[process][pid]": int64(77),
		"[log][syslog][msgid]": "LOGIN", "[log][syslog][version]": "1",
		"[log][syslog][structured_data][origin@32473][ip]": "10.9.8.7", "tags": nil,
	})
	if !hostOK(e) {
		t.Errorf("[host][hostname] = %v, want %q", get(e, "[host][hostname]"), hostname)
	}

	// omfwd's default template, RSYSLOG_TraditionalForwardFormat: a BSD
	// timestamp without year or zone (the machine's local time).
	e = waitEvent(t, q, "from the traditional format", byMsg("hello via the traditional format"))
	checkFields(t, e, map[string]any{
		"[log][syslog][priority]": int64(2*8 + 2), "[log][syslog][facility][name]": "mail",
		"[log][syslog][severity][name]": "Critical", "[process][name]": "fwd-default", "tags": nil,
	})
	if !hostOK(e) {
		t.Errorf("[host][hostname] = %v, want %q", get(e, "[host][hostname]"), hostname)
	}
	if d := time.Since(e.Timestamp()); d < -time.Second || d > time.Minute {
		t.Errorf("@timestamp %v is not the message's recent timestamp", e.Timestamp())
	}

	e = waitEvent(t, q, "from octet counting", byMsg("hello via octet counting\nsecond line"))
	checkFields(t, e, map[string]any{
		"[log][syslog][priority]": int64(3*8 + 6), "[log][syslog][facility][name]": "system",
		"[log][syslog][severity][name]": "Informational", "[process][name]": "fwd-octet", "tags": nil,
	})

	// UDP into rsyslog: datagrams sent before imudp is up are lost, so
	// send again until one comes through.
	for i := 0; ; i++ {
		seen := len(q.Events())
		send("--udp", "--rfc3164", "-t", "fwd-udpin", "-p", "user.notice", "hello from udp "+strconv.Itoa(i))
		found := false
		waitMore(q, seen+1, time.Second)
		for _, e := range q.Events() {
			if strings.HasPrefix(e.Message(), "hello from udp ") {
				checkFields(t, e, map[string]any{"[log][syslog][priority]": int64(13), "[process][name]": "fwd-udpin"})
				if !hostOK(e) {
					t.Errorf("[host][hostname] = %v, want %q", get(e, "[host][hostname]"), hostname)
				}
				found = true
			}
		}
		if found {
			break
		}
		if i == 10 {
			t.Fatal("no message sent to rsyslog over UDP came through")
		}
	}
	for _, e := range q.Events() {
		if e.HasTag(FailureTag) || e.HasTag(DateFailureTag) {
			t.Errorf("event tagged %v: %v", e.Tags(), e.Fields())
		}
	}
}

// TestPythonSysLogHandler sends records with Python's standard
// logging.handlers.SysLogHandler over UDP and TCP.
func TestPythonSysLogHandler(t *testing.T) {
	python := needTool(t, "python3")
	in := build(t, `host => "127.0.0.1" port => 0 ecs_compatibility => disabled`)
	q := plugintest.NewQueue()
	start(t, in, q)
	port := in.Addr().(*net.TCPAddr).Port
	script := `
import logging, logging.handlers, socket, sys
port = int(sys.argv[1])
for name, socktype in (("udp", socket.SOCK_DGRAM), ("tcp", socket.SOCK_STREAM)):
    h = logging.handlers.SysLogHandler(address=("127.0.0.1", port), socktype=socktype,
                                       facility=logging.handlers.SysLogHandler.LOG_LOCAL0)
    log = logging.getLogger("app." + name)
    log.propagate = False
    log.addHandler(h)
    log.setLevel(logging.DEBUG)
    log.warning("python %s warning", name)
    log.error("python %s error", name)
    h.ident = "myapp[123]: "
    log.info("python %s with ident", name)
    log.critical("python %s multi\nline", name)
    h.close()
`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if o, err := exec.CommandContext(ctx, python, "-c", script, strconv.Itoa(port)).CombinedOutput(); err != nil {
		t.Fatalf("python: %v: %s", err, o)
	}
	evs := byMessage(q.Wait(t, 8, waitFor))
	for _, proto := range []string{"udp", "tcp"} {
		for msg, want := range map[string]map[string]any{
			"python " + proto + " warning": {"facility": int64(16), "severity": int64(4), "priority": int64(132),
				"facility_label": "local0", "severity_label": "Warning", "program": nil, "tags": nil},
			"python " + proto + " error":       {"facility": int64(16), "severity": int64(3), "severity_label": "Error"},
			"python " + proto + " with ident":  {"severity": int64(6), "program": "myapp", "pid": "123"},
			"python " + proto + " multi\nline": {"severity": int64(2), "severity_label": "Critical"},
		} {
			e := evs[msg]
			if e == nil {
				t.Errorf("no event %q; got %q", msg, keys(evs))
				continue
			}
			want["host"] = "127.0.0.1"
			checkFields(t, e, want)
		}
	}
}

func keys(m map[string]*event.Event) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
