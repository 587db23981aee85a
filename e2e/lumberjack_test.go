//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/internal/netutil/netutiltest"
)

// receiverConf is a `sluice serve` that takes beats over TLS with
// required client certificates and writes what it gets to out.
func receiverConf(t *testing.T, certs *netutiltest.Certs, port int, out string) string {
	return fmt.Sprintf(`input { beats { host => "127.0.0.1" port => %d ssl_enabled => true
	  ssl_certificate => %s ssl_key => %s ssl_certificate_authorities => [%s] ssl_client_authentication => "required" } }
	output { file { path => %s codec => json_lines } }`,
		port, confString(t, certs.ServerCert), confString(t, certs.ServerKey), confString(t, certs.CA), confString(t, out))
}

// senderConf reads stdin and sends it with the lumberjack output.
func senderConf(t *testing.T, certs *netutiltest.Certs, port int) string {
	return fmt.Sprintf(`input { stdin { } }
	output { lumberjack { hosts => ["127.0.0.1:%d"] ssl_certificate => %s
	  ssl_client_certificate => %s ssl_client_key => %s backoff_init => 0.1 backoff_max => 0.5 } }`,
		port, confString(t, certs.CA), confString(t, certs.ClientCert), confString(t, certs.ClientKey))
}

// checkMessages compares the messages in a json_lines file with the lines
// of want as multisets; duplicates are allowed when dupOK (at least once).
func checkMessages(t *testing.T, out string, want []string, dupOK bool) {
	t.Helper()
	counts := map[string]int{}
	for _, l := range want {
		counts[l]++
	}
	events := readJSONLines(t, out)
	seen := map[string]int{}
	for _, ev := range events {
		seen[str(ev, "message")]++
	}
	for l, n := range counts {
		if seen[l] < n || (!dupOK && seen[l] != n) {
			t.Fatalf("line %q arrived %d times, want %d (%d events in all)", l, seen[l], n, len(events))
		}
	}
	if !dupOK && len(events) != len(want) {
		t.Fatalf("%d events, want %d", len(events), len(want))
	}
}

func apacheLines(t *testing.T) (string, []string) {
	logs := dataFile(t, "apache_logs")
	src, err := os.ReadFile(logs)
	if err != nil {
		t.Fatal(err)
	}
	return logs, strings.Split(strings.TrimSuffix(string(src), "\n"), "\n")
}

// TestLumberjackToBeatsTLS: sluice serve (stdin → lumberjack) sends to
// another sluice serve (beats with client certificates → file); the
// sender exits once every line is acknowledged.
func TestLumberjackToBeatsTLS(t *testing.T) {
	t.Parallel()
	certs := netutiltest.New(t)
	logs, want := apacheLines(t)
	port := freePort(t, "tcp")
	out := filepath.Join(t.TempDir(), "received.json")
	recv := startSluice(t, procOpts{args: []string{"serve", "-e", receiverConf(t, certs, port, out)}})
	recv.waitReady()

	in, err := os.Open(logs)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	send := startSluice(t, procOpts{args: []string{"serve", "-e", senderConf(t, certs, port)}, stdin: in})
	if code := send.wait(exitTimeout); code != 0 {
		t.Fatalf("sender exit code %d", code)
	}
	waitUntil(t, 20*time.Second, "every line in the receiver's file", func() bool { return countLines(t, out) >= len(want) })
	recv.stop()
	checkMessages(t, out, want, false)
}

var failedRE = regexp.MustCompile(`connection to host failed`)

// TestLumberjackWaitsForServer: the server is down when the sender
// starts; the sender retries with backoff and delivers everything once
// the server is up.
func TestLumberjackWaitsForServer(t *testing.T) {
	t.Parallel()
	certs := netutiltest.New(t)
	logs, want := apacheLines(t)
	port := freePort(t, "tcp")
	out := filepath.Join(t.TempDir(), "received.json")

	in, err := os.Open(logs)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	send := startSluice(t, procOpts{args: []string{"serve", "-e", senderConf(t, certs, port)}, stdin: in})
	send.waitStderr(failedRE, startTimeout)

	recv := startSluice(t, procOpts{args: []string{"serve", "-e", receiverConf(t, certs, port, out)}})
	recv.waitReady()
	if code := send.wait(exitTimeout); code != 0 {
		t.Fatalf("sender exit code %d", code)
	}
	waitUntil(t, 20*time.Second, "every line in the receiver's file", func() bool { return countLines(t, out) >= len(want) })
	recv.stop()
	checkMessages(t, out, want, true)
}
