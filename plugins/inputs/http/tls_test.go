package http

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/internal/netutil/netutiltest"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func TestTLS(t *testing.T) {
	certs := netutiltest.New(t)
	base := fmt.Sprintf(`ssl_enabled => true ssl_certificate => "%s" ssl_key => "%s"`, certs.ServerCert, certs.ServerKey)
	withCAs := base + fmt.Sprintf(` ssl_certificate_authorities => ["%s"]`, certs.CA)
	type client struct {
		cert     string // "", "good", "other"
		accepted bool
	}
	cases := []struct {
		name    string
		cfg     string
		clients []client
	}{
		{"server only", base, []client{{"", true}, {"good", true}}},
		{"required", withCAs + ` ssl_client_authentication => required`, []client{{"", false}, {"other", false}, {"good", true}}},
		{"optional", withCAs + ` ssl_client_authentication => optional`, []client{{"", true}, {"other", false}, {"good", true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := build(t, tc.cfg)
			q := plugintest.NewQueue()
			url, _ := start(t, in, q, "https")
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
				c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
				msg := fmt.Sprintf("client %d", i)
				resp, err := c.Post(url, "text/plain", strings.NewReader(msg))
				ok := err == nil && resp.StatusCode == 200
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				c.CloseIdleConnections()
				if ok != cl.accepted {
					t.Fatalf("client %d (cert %q): accepted=%v (err %v), want %v", i, cl.cert, ok, err, cl.accepted)
				}
				if ok {
					accepted++
					evs := q.Wait(t, accepted, 5*time.Second)
					if m := evs[accepted-1].Message(); m != msg {
						t.Fatalf("message %q, want %q", m, msg)
					}
				}
			}
			if n := len(q.Events()); n != accepted {
				t.Errorf("%d events, want %d", n, accepted)
			}
		})
	}
	t.Run("plain HTTP to the TLS port fails", func(t *testing.T) {
		in := build(t, base)
		q := plugintest.NewQueue()
		url, _ := start(t, in, q, "http")
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Post(url, "text/plain", strings.NewReader("x"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				t.Fatal("plain HTTP accepted on the TLS port")
			}
		}
		if n := len(q.Events()); n != 0 {
			t.Errorf("%d events", n)
		}
	})
	t.Run("CAs without client authentication is an error", func(t *testing.T) {
		if err := buildErr(withCAs); err == nil || !strings.Contains(err.Error(), "ssl_client_authentication") {
			t.Fatalf("error %v", err)
		}
	})
}
