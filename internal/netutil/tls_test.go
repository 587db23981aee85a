package netutil

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicelog/sluice/internal/netutil/netutiltest"
)

func TestServerConfig(t *testing.T) {
	certs := netutiltest.New(t)
	cases := []struct {
		name string
		opts TLSOptions
		want string // error substring; "" for success
		auth tls.ClientAuthType
		min  uint16
		max  uint16
	}{
		{"defaults", TLSOptions{Certificate: certs.ServerCert, Key: certs.ServerKey}, "", tls.NoClientCert, tls.VersionTLS12, tls.VersionTLS13},
		{"required", TLSOptions{Certificate: certs.ServerCert, Key: certs.ServerKey, ClientAuthentication: "required", CertificateAuthorities: []string{certs.CA}}, "", tls.RequireAndVerifyClientCert, tls.VersionTLS12, tls.VersionTLS13},
		{"optional with CA directory", TLSOptions{Certificate: certs.ServerCert, Key: certs.ServerKey, ClientAuthentication: "optional", CertificateAuthorities: []string{certs.Dir}}, "", tls.VerifyClientCertIfGiven, tls.VersionTLS12, tls.VersionTLS13},
		{"protocols", TLSOptions{Certificate: certs.ServerCert, Key: certs.ServerKey, SupportedProtocols: []string{"TLSv1.3"}}, "", tls.NoClientCert, tls.VersionTLS13, tls.VersionTLS13},
		{"old protocols", TLSOptions{Certificate: certs.ServerCert, Key: certs.ServerKey, SupportedProtocols: []string{"TLSv1.2", "TLSv1.1"}}, "", tls.NoClientCert, tls.VersionTLS11, tls.VersionTLS12},
		{"bad protocol", TLSOptions{Certificate: certs.ServerCert, Key: certs.ServerKey, SupportedProtocols: []string{"SSLv3"}}, "unknown TLS protocol", 0, 0, 0},
		{"bad cipher", TLSOptions{Certificate: certs.ServerCert, Key: certs.ServerKey, CipherSuites: []string{"TLS_NOPE"}}, "unknown cipher suite", 0, 0, 0},
		{"required without CA", TLSOptions{Certificate: certs.ServerCert, Key: certs.ServerKey, ClientAuthentication: "required"}, "needs certificate authorities", 0, 0, 0},
		{"no key", TLSOptions{Certificate: certs.ServerCert}, "certificate and a key", 0, 0, 0},
		{"mismatched key", TLSOptions{Certificate: certs.ServerCert, Key: certs.ClientKey}, "private key does not match", 0, 0, 0},
		{"CA file without certificates", TLSOptions{Certificate: certs.ServerCert, Key: certs.ServerKey, ClientAuthentication: "optional", CertificateAuthorities: []string{certs.ServerKey}}, "no PEM certificate", 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ServerConfig(&tc.opts)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ClientAuth != tc.auth || cfg.MinVersion != tc.min || cfg.MaxVersion != tc.max {
				t.Errorf("auth %v versions %x-%x, want %v %x-%x", cfg.ClientAuth, cfg.MinVersion, cfg.MaxVersion, tc.auth, tc.min, tc.max)
			}
		})
	}
}

func TestCipherSuites(t *testing.T) {
	ids, err := cipherSuites([]string{"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"})
	if err != nil || len(ids) != 1 || ids[0] != tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 {
		t.Fatalf("ids %v err %v", ids, err)
	}
}

func TestEncryptedKeys(t *testing.T) {
	certs := netutiltest.New(t)
	der, _ := pem.Decode(must(os.ReadFile(certs.ServerKey)))
	//lint:ignore SA1019 testing legacy encrypted keys on purpose
	blk, err := x509.EncryptPEMBlock(rand.Reader, "PRIVATE KEY", der.Bytes, []byte("s3cret"), x509.PEMCipherAES256) //nolint:staticcheck
	if err != nil {
		t.Fatal(err)
	}
	legacy := filepath.Join(t.TempDir(), "legacy.key")
	os.WriteFile(legacy, pem.EncodeToMemory(blk), 0o600)
	pkcs8 := filepath.Join(t.TempDir(), "pkcs8.key")
	os.WriteFile(pkcs8, pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1, 2, 3}}), 0o600)

	cases := []struct {
		key, pass, want string
	}{
		{legacy, "s3cret", ""},
		{legacy, "", "ssl_key_passphrase"},
		{legacy, "wrong", "decrypt"},
		{pkcs8, "s3cret", "PKCS#8"},
	}
	for _, tc := range cases {
		_, err := ServerConfig(&TLSOptions{Certificate: certs.ServerCert, Key: tc.key, KeyPassphrase: tc.pass})
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("key %s pass %q: error %v, want %q", filepath.Base(tc.key), tc.pass, err, tc.want)
		}
	}
}

func TestClientConfigHandshakes(t *testing.T) {
	certs := netutiltest.New(t)
	srv := certs.ServerConfig(t)
	cases := []struct {
		name       string
		opts       TLSOptions
		serverName string
		ok         bool
	}{
		{"full", TLSOptions{CertificateAuthorities: []string{certs.CA}}, "localhost", true},
		{"full wrong name", TLSOptions{CertificateAuthorities: []string{certs.CA}}, "example.com", false},
		{"certificate ignores name", TLSOptions{CertificateAuthorities: []string{certs.CA}, VerificationMode: "certificate"}, "example.com", true},
		{"certificate untrusted", TLSOptions{CertificateAuthorities: []string{certs.OtherCA}, VerificationMode: "certificate"}, "localhost", false},
		{"none", TLSOptions{VerificationMode: "none"}, "example.com", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ClientConfig(&tc.opts, tc.serverName)
			if err != nil {
				t.Fatal(err)
			}
			err = handshake(t, srv, cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("handshake error %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func handshake(t *testing.T, srv, cli *tls.Config) error {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), cli)
	if err == nil {
		c.Close()
	}
	return err
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestCheckedServerConfig(t *testing.T) {
	certs := netutiltest.New(t)
	cases := []struct {
		opts TLSOptions
		want string
	}{
		{TLSOptions{Certificate: certs.ServerCert}, "`ssl_certificate` and `ssl_key` are required"},
		{TLSOptions{Certificate: certs.ServerCert, Key: certs.ServerKey, ClientAuthentication: "required"}, "needs `ssl_certificate_authorities`"},
		{TLSOptions{Certificate: certs.ServerCert, Key: certs.ServerKey, CertificateAuthorities: []string{certs.CA}, ClientAuthentication: "none"}, "set it to `optional` or `required`"},
		{TLSOptions{Certificate: certs.ServerCert, Key: certs.ServerKey, CertificateAuthorities: []string{certs.CA}, ClientAuthentication: "required"}, ""},
		{TLSOptions{Certificate: certs.ServerCert, Key: certs.ServerKey, ClientAuthentication: "none"}, ""},
	}
	for i, tc := range cases {
		cfg, err := CheckedServerConfig(&tc.opts)
		if tc.want == "" {
			if err != nil || cfg == nil {
				t.Errorf("case %d: %v", i, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: err %v, want %q", i, err, tc.want)
		}
	}
}
