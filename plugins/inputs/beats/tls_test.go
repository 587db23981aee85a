package beats

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	lumber "github.com/elastic/go-lumber/client/v2"

	"github.com/sluicelog/sluice/internal/netutil/netutiltest"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func TestTLS(t *testing.T) {
	certs := netutiltest.New(t)
	base := []any{"host", "127.0.0.1", "port", 0, "ssl_enabled", true,
		"ssl_certificate", certs.ServerCert, "ssl_key", certs.ServerKey}
	withCAs := func(auth string, enrich ...string) []any {
		kv := append(append([]any{}, base...), "ssl_certificate_authorities", []string{certs.CA}, "ssl_client_authentication", auth)
		if len(enrich) > 0 {
			kv = append(kv, "enrich", enrich)
		}
		return kv
	}
	const subject = "CN=test-client,O=Sluice"
	type client struct {
		cert     string // "", "good", "other"
		accepted bool
		status   string // [@metadata][tls_peer][status]
	}
	cases := []struct {
		name    string
		ecs     string
		kv      []any
		clients []client
	}{
		{"no client authentication", "v8", base, []client{{"", true, ""}, {"good", true, ""}}},
		{"required", "v8", withCAs("required", "all"), []client{{"", false, ""}, {"other", false, ""}, {"good", true, "verified"}}},
		{"optional", "v8", withCAs("optional", "all"), []client{{"", true, "unverified"}, {"other", false, ""}, {"good", true, "verified"}}},
		{"required, legacy fields", "disabled", withCAs("required", "ssl_peer_metadata"), []client{{"good", true, "verified"}}},
		{"required, no peer metadata", "v8", withCAs("required"), []client{{"good", true, ""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := build(t, tc.ecs, tc.kv...)
			q := plugintest.NewQueue()
			addr, _ := start(t, in, q)
			accepted := 0
			for i, cl := range tc.clients {
				cfg := certs.ClientConfig(t, cl.cert == "good")
				if cl.cert == "other" {
					kp, err := tls.LoadX509KeyPair(certs.OtherClientCert, certs.OtherClientKey)
					if err != nil {
						t.Fatal(err)
					}
					cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &kp, nil }
				}
				dial := func(network, address string) (net.Conn, error) {
					return tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, network, address, cfg)
				}
				c, err := lumber.SyncDialWith(dial, addr, lumber.Timeout(5*time.Second), lumber.CompressionLevel(3))
				if err != nil {
					if cl.accepted {
						t.Fatalf("client %d: dial: %v", i, err)
					}
					continue
				}
				n, err := c.Send(docs(i, 3))
				c.Close()
				ok := err == nil && n == 3
				if ok != cl.accepted {
					t.Fatalf("client %d (cert %q): accepted=%v (%d, %v), want %v", i, cl.cert, ok, n, err, cl.accepted)
				}
				if !ok {
					continue
				}
				accepted += 3
				e := q.Wait(t, accepted, 5*time.Second)[accepted-1]
				if got := get(e, "[@metadata][tls_peer][status]"); (cl.status == "" && got != nil) || (cl.status != "" && got != cl.status) {
					t.Errorf("client %d: status %v, want %q", i, got, cl.status)
				}
				subjRef, protoRef, cipherRef := "[@metadata][input][beats][tls][client][subject]", "[@metadata][input][beats][tls][version_protocol]", "[@metadata][input][beats][tls][cipher]"
				if tc.ecs == "disabled" {
					subjRef, protoRef, cipherRef = "[@metadata][tls_peer][subject]", "[@metadata][tls_peer][protocol]", "[@metadata][tls_peer][cipher_suite]"
				}
				if cl.status == "verified" {
					if got := get(e, subjRef); got != subject {
						t.Errorf("%s = %v, want %q", subjRef, got, subject)
					}
					if got := get(e, protoRef); got != "TLSv1.3" {
						t.Errorf("%s = %v, want TLSv1.3", protoRef, got)
					}
					if got, _ := get(e, cipherRef).(string); got == "" {
						t.Errorf("%s missing", cipherRef)
					}
				} else if got := get(e, subjRef); got != nil {
					t.Errorf("%s = %v for an unverified client", subjRef, got)
				}
			}
			if n := len(q.Events()); n != accepted {
				t.Errorf("%d events, want %d (a rejected client's events got through)", n, accepted)
			}
		})
	}
}

// A plain-text client of a TLS server is refused without harm.
func TestTLSPlainClientRefused(t *testing.T) {
	certs := netutiltest.New(t)
	in := build(t, "v8", "host", "127.0.0.1", "port", 0, "ssl_enabled", true,
		"ssl_certificate", certs.ServerCert, "ssl_key", certs.ServerKey, "ssl_handshake_timeout", 500)
	lb := captureLogs(t, in)
	q := plugintest.NewQueue()
	addr, _ := start(t, in, q)
	cl, err := lumber.SyncDial(addr, lumber.Timeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := cl.Send(docs(0, 1)); err == nil {
		t.Fatal("a plain-text client got an ACK from a TLS server")
	}
	waitFor(t, 5*time.Second, "the log line", func() bool { return contains(lb.String(), "TLS handshake failed") })
}
