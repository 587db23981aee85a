package http

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/netutil/netutiltest"
)

func listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// An HTTPS endpoint that requires a client certificate signed by its CA.
func TestTLSWithClientCertificate(t *testing.T) {
	certs := netutiltest.New(t)
	rec := &recorder{changed: make(chan struct{}, 1)}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 || r.TLS.PeerCertificates[0].Subject.CommonName != "test-client" {
			http.Error(w, "who are you", 403)
			return
		}
		rec.serve(w, r)
	}))
	srv.TLS = certs.ServerConfig(t)
	pool := certs.ClientConfig(t, false).RootCAs
	srv.TLS.ClientCAs = pool
	srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
	srv.StartTLS()
	t.Cleanup(srv.Close)
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	cases := []struct {
		name, conf string
		delivered  bool
	}{
		{"client cert, full verification by host name", fmt.Sprintf(`url => "https://localhost:%d/x"
			ssl_certificate_authorities => [%q] ssl_certificate => %q ssl_key => %q`, port, certs.CA, certs.ClientCert, certs.ClientKey), true},
		{"client cert, by IP", fmt.Sprintf(`url => "https://127.0.0.1:%d/x"
			ssl_certificate_authorities => %q ssl_certificate => %q ssl_key => %q`, port, certs.CA, certs.ClientCert, certs.ClientKey), true},
		{"no client cert", fmt.Sprintf(`url => "https://localhost:%d/x" ssl_certificate_authorities => [%q]`, port, certs.CA), false},
		{"client cert from another CA", fmt.Sprintf(`url => "https://localhost:%d/x"
			ssl_certificate_authorities => [%q] ssl_certificate => %q ssl_key => %q`, port, certs.CA, certs.OtherClientCert, certs.OtherClientKey), false},
		{"server not trusted", fmt.Sprintf(`url => "https://localhost:%d/x"
			ssl_certificate_authorities => [%q] ssl_certificate => %q ssl_key => %q`, port, certs.OtherCA, certs.ClientCert, certs.ClientKey), false},
		{"server not trusted, verification none", fmt.Sprintf(`url => "https://localhost:%d/x" ssl_verification_mode => "none"
			ssl_certificate_authorities => [%q] ssl_certificate => %q ssl_key => %q`, port, certs.OtherCA, certs.ClientCert, certs.ClientKey), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(rec.got())
			o := build(t, `http_method => "post" retry_initial_interval => 0.01 retry_max_interval => 0.02 `+c.conf)
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			if !c.delivered {
				// TLS failures are retried (never dropped) until shutdown.
				ctx, cancel = context.WithCancel(context.Background())
				go func() {
					for o.Stats().Retries < 2 {
						time.Sleep(5 * time.Millisecond)
					}
					cancel()
				}()
			}
			err := o.Write(ctx, []*event.Event{mkEvent(map[string]any{"message": "secret"})})
			got := len(rec.got()) - before
			if c.delivered && (err != nil || got != 1) {
				t.Fatalf("err %v, %d delivered", err, got)
			}
			if !c.delivered && (err == nil || got != 0 || o.Stats().Failed != 0) {
				t.Fatalf("err %v, %d delivered, stats %+v", err, got, o.Stats())
			}
		})
	}
	if b := rec.got(); len(b) == 0 || !strings.Contains(string(b[0].body), "secret") {
		t.Errorf("bodies %v", b)
	}
}
