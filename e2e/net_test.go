//go:build linux

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// freePort returns a loopback port that was free a moment ago for the
// network ("tcp" or "udp"). The tiny window before sluice binds it is
// acceptable: the kernel hands out ephemeral ports round-robin.
// freePortOutsideEphemeral returns a free tcp port below Linux's ephemeral
// range (32768–60999). A test whose sluice releases and binds its port
// again (a reload) needs one: a port from the ephemeral range can be taken
// in between as the source port of any outgoing connection on the machine.
func freePortOutsideEphemeral(t testing.TB) int {
	t.Helper()
	for range 200 {
		port := 20000 + rand.IntN(12000)
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		ln.Close()
		return port
	}
	t.Fatal("no free tcp port in 20000-31999")
	return 0
}

func freePort(t testing.TB, network string) int {
	t.Helper()
	switch network {
	case "tcp":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free tcp port: %v", err)
		}
		defer ln.Close()
		return ln.Addr().(*net.TCPAddr).Port
	case "udp":
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free udp port: %v", err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	t.Fatalf("BUG: freePort(%q)", network)
	return 0
}

// dialTCP connects to a loopback port.
func dialTCP(t testing.TB, port int) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 10*time.Second)
	if err != nil {
		t.Fatalf("connect to sluice on port %d: %v", port, err)
	}
	return c.(*net.TCPConn)
}

// sendTCP writes data on a fresh connection and closes it.
func sendTCP(t testing.TB, port int, data []byte) {
	t.Helper()
	c := dialTCP(t, port)
	defer c.Close()
	_ = c.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(data); err != nil {
		t.Fatalf("write to sluice: %v", err)
	}
}

// sendUDP sends one datagram.
func sendUDP(t testing.TB, port int, data []byte) {
	t.Helper()
	c, err := net.Dial("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("udp: %v", err)
	}
	defer c.Close()
	if _, err := c.Write(data); err != nil {
		t.Fatalf("udp write: %v", err)
	}
}

// tcpPending returns the bytes sent to a local TCP port that its server
// has not read yet, from /proc/net/tcp and /proc/net/tcp6: the receive
// queues of the server's sockets (local port = port; a listening socket's
// is its accept backlog) plus the send queues of client sockets connected
// to it (remote port = port). 0 means every connection was accepted and
// the server read everything sent to it.
func tcpPending(t testing.TB, port int) int {
	t.Helper()
	total := 0
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		lines := strings.Split(string(b), "\n")
		for _, line := range lines[1:] {
			// sl local_address rem_address st tx_queue:rx_queue ...
			fields := strings.Fields(line)
			if len(fields) < 5 {
				continue
			}
			tx, rx, ok := strings.Cut(fields[4], ":")
			if !ok {
				continue
			}
			switch port {
			case hexPort(fields[1]):
				total += hexInt(rx)
			case hexPort(fields[2]):
				total += hexInt(tx)
			}
		}
	}
	return total
}

// hexPort returns the port of a /proc/net/tcp address (HEXIP:HEXPORT).
func hexPort(addr string) int {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return -1
	}
	return hexInt(addr[i+1:])
}

func hexInt(s string) int {
	n, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return -1
	}
	return int(n)
}

// waitUntil polls cond every few milliseconds until it holds or timeout
// passes (then it fails the test with what).
func waitUntil(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !pollUntil(timeout, cond) {
		t.Fatalf("timed out after %v waiting for %s", timeout, what)
	}
}

// pollUntil polls cond every few milliseconds until it holds (true) or
// timeout passes (false).
func pollUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not synchronisation
	}
	return true
}

// countLines returns the number of complete lines in a file (0 when it
// does not exist yet).
func countLines(t testing.TB, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return bytes.Count(b, []byte{'\n'})
}

// readJSONLines parses a json_lines file into events. Every line must be a
// JSON object and the file must end with a newline.
func readJSONLines(t testing.TB, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read output: %v", err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Fatalf("%s does not end with a newline: %.200q", path, b[max(0, len(b)-200):])
	}
	return parseJSONLines(t, path, b)
}

// readJSONLinesPartial is readJSONLines for a file still being written:
// it ignores a last line without a newline.
func readJSONLinesPartial(t testing.TB, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("read output: %v", err)
	}
	return parseJSONLines(t, path, b[:bytes.LastIndexByte(b, '\n')+1])
}

func parseJSONLines(t testing.TB, path string, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	for n := 1; len(b) > 0; n++ {
		line, rest, _ := bytes.Cut(b, []byte{'\n'})
		b = rest
		var ev map[string]any
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatalf("%s:%d: not a JSON object (%v): %.200q", path, n, err, line)
		}
		out = append(out, ev)
	}
	return out
}

// field returns the value at a path of nested objects, e.g. field(ev,
// "log", "level").
func field(ev map[string]any, path ...string) (any, bool) {
	var cur any = ev
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[k]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

// str is field as a string ("" when absent or not a string).
func str(ev map[string]any, path ...string) string {
	v, _ := field(ev, path...)
	s, _ := v.(string)
	return s
}

// confString quotes s (a temp path) for the pipeline language.
func confString(t testing.TB, s string) string {
	t.Helper()
	if strings.ContainsAny(s, "\"\\\n") {
		t.Fatalf("BUG: %q needs escapes in a pipeline string", s)
	}
	return `"` + s + `"`
}

// writeTCP connects, writes data and closes; for use from goroutines.
func writeTCP(port int, data []byte) error {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 10*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetWriteDeadline(time.Now().Add(60 * time.Second))
	_, err = c.Write(data)
	return err
}
