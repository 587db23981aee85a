//go:build linux

package e2e

import (
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	code, out, errOut := runSluice(t, procOpts{args: []string{"version"}})
	if code != 0 {
		t.Fatalf("sluice version: exit code %d, want 0; stderr: %s", code, errOut)
	}
	if !strings.HasPrefix(out, "sluice ") || strings.Count(out, "\n") != 1 {
		t.Errorf("sluice version printed %q, want one line starting with \"sluice \"", out)
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	code, out, errOut := runSluice(t, procOpts{args: []string{"frobnicate"}})
	if code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
	if !strings.Contains(errOut, `unknown command "frobnicate"`) || !strings.Contains(errOut, "Usage:") {
		t.Errorf("stderr should name the command and show the usage; got:\n%s", errOut)
	}
	if out != "" {
		t.Errorf("nothing should go to stdout; got %q", out)
	}
}

// TestDefaultPipeline runs `sluice serve` without a configuration: JSON on
// tcp and udp port 5000, printed with rubydebug.
func TestDefaultPipeline(t *testing.T) {
	t.Parallel()
	// The default pipeline listens on a fixed port.
	for _, network := range []string{"tcp", "udp"} {
		var err error
		if network == "tcp" {
			var ln net.Listener
			if ln, err = net.Listen("tcp", ":5000"); err == nil {
				ln.Close()
			}
		} else {
			var c net.PacketConn
			if c, err = net.ListenPacket("udp", ":5000"); err == nil {
				c.Close()
			}
		}
		if err != nil {
			t.Skipf("%s port 5000 is busy (%v): the default pipeline cannot be tested here", network, err)
		}
	}

	p := startSluice(t, procOpts{args: []string{"serve"}})
	p.waitReady()
	p.waitStderr(regexp.MustCompile(`no -f or -e given: running the default pipeline`), time.Second)

	msg := regexp.MustCompile(`"message"\s*=>\s*"hi"`)
	sendTCP(t, 5000, []byte(`{"message":"hi","level":"INFO"}`+"\n"))
	p.waitStdoutCount(msg, 1, 10*time.Second)
	sendUDP(t, 5000, []byte(`{"message":"hi","level":"INFO"}`))
	p.waitStdoutCount(msg, 2, 10*time.Second)
	p.stop()

	out := p.stdout.String()
	if n := len(regexp.MustCompile(`"level"\s*=>\s*"INFO"`).FindAllString(out, -1)); n != 2 {
		t.Errorf(`found "level" => "INFO" %d times in stdout, want 2:\n%s`, n, out)
	}
	if n := len(regexp.MustCompile(`"@timestamp"\s*=>`).FindAllString(out, -1)); n != 2 {
		t.Errorf(`found "@timestamp" %d times in stdout, want 2 (every event gets one):\n%s`, n, out)
	}
}
