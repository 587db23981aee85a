//go:build linux

package e2e

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/sluicelog/sluice/internal/netutil/netutiltest"
)

// TestHTTPOutputToHTTPInput sends events from one sluice (generator →
// http output) to another (http input → file). The sender starts first,
// while nothing listens: its requests are refused and retried with
// backoff, and once the receiver is up every event arrives exactly once.
func TestHTTPOutputToHTTPInput(t *testing.T) {
	t.Parallel()
	const n = 3000
	certs := netutiltest.New(t)
	for _, c := range []struct{ name, format, scheme, path, extra, inputExtra string }{
		{"ndjson", "ndjson", "http", "batch", "http_compression => true", ""},
		{"json_batch", "json_batch", "http", "batch", `headers => { "X-Sender" => "e2e" }`, ""},
		{"json", "json", "http", "%{[event][sequence]}", "pool_max => 8", ""},
		// TLS with a client certificate that the input requires.
		{"ndjson over TLS", "ndjson", "https", "batch",
			fmt.Sprintf("ssl_certificate_authorities => [%q] ssl_certificate => %q ssl_key => %q", certs.CA, certs.ClientCert, certs.ClientKey),
			fmt.Sprintf(`ssl_enabled => true ssl_certificate => %q ssl_key => %q ssl_certificate_authorities => [%q] ssl_client_authentication => "required"`,
				certs.ServerCert, certs.ServerKey, certs.CA)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			port := freePort(t, "tcp")
			out := filepath.Join(t.TempDir(), "out.json")
			sender := startSluice(t, procOpts{args: []string{"serve", "-e", fmt.Sprintf(`
				input { generator { count => %d message => "hello from sender" } }
				output { http {
					url => "%s://127.0.0.1:%d/ingest/%s"
					http_method => "post" format => %q %s
					retry_initial_interval => 0.05 retry_max_interval => 0.3
				} }`, n, c.scheme, port, c.path, c.format, c.extra)}})
			sender.waitReady()
			sender.waitStderr(regexp.MustCompile(`request failed; retrying.*connection refused`), 20*time.Second)

			receiver := startSluice(t, procOpts{args: []string{"serve", "-e", fmt.Sprintf(`
				input { http { host => "127.0.0.1" port => %d %s } }
				output { file { path => %s codec => json_lines } }`, port, c.inputExtra, confString(t, out))}})
			receiver.waitReady()
			// The generator is finite: the sender exits once every event
			// was delivered (its outputs acknowledged them).
			if code := sender.wait(60 * time.Second); code != 0 {
				t.Fatalf("sender exit code %d", code)
			}
			var events []map[string]any
			waitUntil(t, 20*time.Second, fmt.Sprintf("%d events in the receiver's file", n), func() bool {
				events = readJSONLinesPartial(t, out)
				return len(events) >= n
			})
			receiver.stop()
			events = readJSONLines(t, out)
			seen := map[float64]int{}
			for _, ev := range events {
				seq, ok := field(ev, "event", "sequence")
				f, isNum := seq.(float64)
				if !ok || !isNum || str(ev, "message") != "hello from sender" {
					t.Fatalf("unexpected event %v", ev)
				}
				seen[f]++
				want := "/ingest/batch"
				if c.format == "json" {
					want = fmt.Sprintf("/ingest/%d", int(f))
				}
				if p := str(ev, "url", "path"); p != want {
					t.Errorf("event %v arrived at %q, want %q", f, p, want)
				}
			}
			if len(events) != n || len(seen) != n {
				t.Fatalf("%d events, %d distinct sequences, want %d each", len(events), len(seen), n)
			}
		})
	}
}
