package tcp

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/internal/netutil/netutiltest"
)

func TestTLSServer(t *testing.T) {
	certs := netutiltest.New(t)
	base := []any{"host", "127.0.0.1", "port", 0, "ssl_enabled", true,
		"ssl_certificate", certs.ServerCert, "ssl_key", certs.ServerKey, "dns_reverse_lookup_enabled", false}
	withCAs := append(append([]any{}, base...), "ssl_certificate_authorities", []string{certs.CA})
	subjectRef := "[@metadata][input][tcp][tls][client][subject]"
	const subject = "CN=test-client,O=Sluice"

	type client struct {
		cert     string // "", "good", "other"
		accepted bool
		subject  string
	}
	cases := []struct {
		name    string
		kv      []any
		clients []client
	}{
		{"no client authentication by default", base, []client{{"", true, ""}, {"good", true, ""}}},
		{"required", append(append([]any{}, withCAs...), "ssl_client_authentication", "required"),
			[]client{{"", false, ""}, {"other", false, ""}, {"good", true, subject}}},
		{"required is the default with CAs", withCAs, []client{{"", false, ""}, {"good", true, subject}}},
		{"optional", append(append([]any{}, withCAs...), "ssl_client_authentication", "optional"),
			[]client{{"", true, ""}, {"other", false, ""}, {"good", true, subject}}},
		{"none", append(append([]any{}, withCAs...), "ssl_client_authentication", "none"),
			[]client{{"", true, ""}, {"good", true, ""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := build(t, "v8", tc.kv...)
			q := newQueue()
			addr, _ := start(t, in, q)
			accepted := 0
			for i, cl := range tc.clients {
				cfg := certs.ClientConfig(t, cl.cert == "good")
				if cl.cert == "other" {
					kp, err := tls.LoadX509KeyPair(certs.OtherClientCert, certs.OtherClientKey)
					if err != nil {
						t.Fatal(err)
					}
					// Present it even though the server asks for other CAs.
					cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &kp, nil }
				}
				msg := fmt.Sprintf("client %d", i)
				ok := sendTLS(t, addr, cfg, msg)
				if ok != cl.accepted {
					t.Fatalf("client %d (cert %q): accepted=%v, want %v", i, cl.cert, ok, cl.accepted)
				}
				if !ok {
					continue
				}
				accepted++
				evs := q.Wait(t, accepted, 5*time.Second)
				e := evs[accepted-1]
				if e.Message() != msg {
					t.Fatalf("message %q, want %q", e.Message(), msg)
				}
				got, _ := e.GetField(subjectRef)
				if cl.subject == "" && got != nil || cl.subject != "" && got != cl.subject {
					t.Errorf("%s = %v, want %q", subjectRef, got, cl.subject)
				}
			}
			if n := len(q.Events()); n != accepted {
				t.Errorf("%d events, want %d (a rejected client's data got through)", n, accepted)
			}
		})
	}
}

// sendTLS sends one line over TLS and reports whether the server took
// the connection: it half-closes and waits for the server to close, which
// a rejected client sees as a TLS alert instead of EOF.
func sendTLS(t *testing.T, addr string, cfg *tls.Config, line string) bool {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return false
	}
	if err := c.CloseWrite(); err != nil {
		return false
	}
	_, err = c.Read(make([]byte, 1))
	if err == io.EOF {
		return true
	}
	if !strings.Contains(err.Error(), "tls") && !strings.Contains(err.Error(), "reset") {
		t.Logf("unexpected read error: %v", err)
	}
	return false
}

func TestTLSPlaintextClientRejected(t *testing.T) {
	certs := netutiltest.New(t)
	in := build(t, "v8", "host", "127.0.0.1", "port", 0, "ssl_enabled", true,
		"ssl_certificate", certs.ServerCert, "ssl_key", certs.ServerKey)
	q := newQueue()
	addr, _ := start(t, in, q)
	c := dial(t, addr)
	io.WriteString(c, "plain text is not TLS\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(c); isTimeout(err) {
		t.Fatal("server kept a plaintext connection open")
	}
	if sendTLS(t, addr, certs.ClientConfig(t, false), "ok") {
		q.Wait(t, 1, 5*time.Second)
	} else {
		t.Fatal("TLS client refused")
	}
	if n := len(q.Events()); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
}

// tlsServer serves "secret line" over TLS to every client and reports
// each handshake's outcome.
func tlsServer(t *testing.T, certs *netutiltest.Certs) (port int, handshakes chan error) {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", certs.ServerConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	handshakes = make(chan error, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			err = c.(*tls.Conn).Handshake()
			select {
			case handshakes <- err:
			default:
			}
			if err == nil {
				io.WriteString(c, "secret line\n")
			}
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, handshakes
}

func TestTLSClientMode(t *testing.T) {
	certs := netutiltest.New(t)
	cases := []struct {
		name string
		kv   []any
		ok   bool
	}{
		{"trusted CA", []any{"ssl_certificate_authorities", []string{certs.CA}}, true},
		{"certificate mode", []any{"ssl_certificate_authorities", []string{certs.CA}, "ssl_verification_mode", "certificate"}, true},
		{"untrusted CA", []any{"ssl_certificate_authorities", []string{certs.OtherCA}}, false},
		{"no verification", []any{"ssl_verification_mode", "none"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			port, handshakes := tlsServer(t, certs)
			kv := append([]any{"mode", "client", "host", "127.0.0.1", "port", port, "ssl_enabled", true}, tc.kv...)
			in := build(t, "v8", kv...)
			q := newQueue()
			_, stop := start(t, in, q)
			if tc.ok {
				if e := q.Wait(t, 1, 5*time.Second)[0]; e.Message() != "secret line" {
					t.Fatalf("message %q", e.Message())
				}
				return
			}
			select {
			case err := <-handshakes:
				if err == nil {
					t.Fatal("handshake succeeded with an untrusted server")
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no connection attempt")
			}
			stop()
			if n := len(q.Events()); n != 0 {
				t.Fatalf("%d events through an untrusted connection", n)
			}
		})
	}
}
