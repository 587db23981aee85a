// Package netutil holds small helpers shared by network plugins: TLS
// configuration from Logstash-style ssl_* settings, a connection-tracking
// accept loop with a connection limit, and a log rate limiter.
package netutil

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sluicelog/sluice/plugin"
)

// TLSOptions are Logstash's ssl_* settings in one struct, shared by the
// network inputs and outputs.
type TLSOptions struct {
	// Certificate is a PEM file with the certificate (and optionally its
	// chain) presented to the peer.
	Certificate string
	// Key is the PEM private key of Certificate (PKCS#1, PKCS#8 or SEC 1;
	// legacy OpenSSL-encrypted PEM with KeyPassphrase).
	Key string
	// KeyPassphrase decrypts an encrypted Key.
	KeyPassphrase string
	// ExtraChainCerts are PEM files appended to the presented chain.
	ExtraChainCerts []string
	// CertificateAuthorities are PEM files (or directories of them) whose
	// certificates are trusted to sign the peer's certificate.
	CertificateAuthorities []string
	// ClientAuthentication is the server's policy for client certificates:
	// "none", "optional" (verified when given) or "required".
	ClientAuthentication string
	// VerificationMode is the client's check of the server certificate:
	// "full" (chain and host name), "certificate" (chain only) or "none".
	VerificationMode string
	// SupportedProtocols lists the allowed versions: "TLSv1.1", "TLSv1.2",
	// "TLSv1.3". Empty means TLS 1.2 and 1.3.
	SupportedProtocols []string
	// CipherSuites lists allowed TLS 1.2 (and older) cipher suites by their
	// IANA names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256). Empty means Go's
	// secure defaults. TLS 1.3 suites are not configurable.
	CipherSuites []string
}

// ServerConfig builds a server-side TLS configuration. Certificate and Key
// are required.
func ServerConfig(o *TLSOptions) (*tls.Config, error) {
	if o.Certificate == "" || o.Key == "" {
		return nil, errors.New("a server needs both a certificate and a key")
	}
	cfg := &tls.Config{}
	if err := o.common(cfg); err != nil {
		return nil, err
	}
	switch o.ClientAuthentication {
	case "", "none":
		cfg.ClientAuth = tls.NoClientCert
	case "optional":
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	case "required":
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	default:
		return nil, fmt.Errorf("unknown client authentication %q (want none, optional or required)", o.ClientAuthentication)
	}
	if cfg.ClientAuth != tls.NoClientCert {
		if len(o.CertificateAuthorities) == 0 {
			return nil, fmt.Errorf("client authentication %q needs certificate authorities to verify client certificates", o.ClientAuthentication)
		}
		pool, err := loadPool(o.CertificateAuthorities)
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs = pool
	}
	return cfg, nil
}

// ClientConfig builds a client-side TLS configuration for a connection to
// serverName (a host name or an IP address). Without CertificateAuthorities
// the system roots are trusted.
func ClientConfig(o *TLSOptions, serverName string) (*tls.Config, error) {
	if (o.Certificate == "") != (o.Key == "") {
		return nil, errors.New("a client certificate needs a key and a key needs a certificate")
	}
	cfg := &tls.Config{ServerName: serverName}
	if err := o.common(cfg); err != nil {
		return nil, err
	}
	if len(o.CertificateAuthorities) > 0 {
		pool, err := loadPool(o.CertificateAuthorities)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	switch o.VerificationMode {
	case "", "full":
	case "certificate":
		// Verify the chain ourselves, without the host name check.
		roots := cfg.RootCAs
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("server presented no certificate")
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
			return err
		}
	case "none":
		cfg.InsecureSkipVerify = true
	default:
		return nil, fmt.Errorf("unknown verification mode %q (want full, certificate or none)", o.VerificationMode)
	}
	return cfg, nil
}

// common applies the certificate, protocols and cipher suites.
func (o *TLSOptions) common(cfg *tls.Config) error {
	if o.Certificate != "" {
		cert, err := loadKeyPair(o.Certificate, o.Key, o.KeyPassphrase, o.ExtraChainCerts)
		if err != nil {
			return err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	lo, hi, err := protocolRange(o.SupportedProtocols)
	if err != nil {
		return err
	}
	cfg.MinVersion, cfg.MaxVersion = lo, hi
	if len(o.CipherSuites) > 0 {
		ids, err := cipherSuites(o.CipherSuites)
		if err != nil {
			return err
		}
		cfg.CipherSuites = ids
	}
	return nil
}

var protocolVersions = map[string]uint16{
	"TLSv1.1": tls.VersionTLS11,
	"TLSv1.2": tls.VersionTLS12,
	"TLSv1.3": tls.VersionTLS13,
}

// protocolRange turns a list of protocol names into the smallest version
// range holding them (Go cannot leave a gap inside the range).
func protocolRange(names []string) (lo, hi uint16, err error) {
	if len(names) == 0 {
		return tls.VersionTLS12, tls.VersionTLS13, nil
	}
	for _, n := range names {
		v, ok := protocolVersions[n]
		if !ok {
			return 0, 0, fmt.Errorf("unknown TLS protocol %q (want TLSv1.1, TLSv1.2 or TLSv1.3)", n)
		}
		if lo == 0 || v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	return lo, hi, nil
}

func cipherSuites(names []string) ([]uint16, error) {
	known := map[string]uint16{}
	for _, s := range tls.CipherSuites() {
		known[s.Name] = s.ID
	}
	for _, s := range tls.InsecureCipherSuites() {
		known[s.Name] = s.ID
	}
	ids := make([]uint16, 0, len(names))
	for _, n := range names {
		id, ok := known[n]
		if !ok {
			list := make([]string, 0, len(known))
			for k := range known {
				list = append(list, k)
			}
			sort.Strings(list)
			return nil, fmt.Errorf("unknown cipher suite %q; known: %s", n, strings.Join(list, ", "))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func loadKeyPair(certPath, keyPath, passphrase string, extra []string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("read certificate: %w", err)
	}
	for _, p := range extra {
		b, err := os.ReadFile(p)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("read extra chain certificate: %w", err)
		}
		certPEM = append(append(certPEM, '\n'), b...)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("read key: %w", err)
	}
	keyPEM, err = decryptKey(keyPEM, passphrase)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("key %s: %w", keyPath, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificate %s with key %s: %w", certPath, keyPath, err)
	}
	return cert, nil
}

// decryptKey returns keyPEM with its first private key decrypted when it is
// a legacy OpenSSL-encrypted PEM block.
func decryptKey(keyPEM []byte, passphrase string) ([]byte, error) {
	rest := keyPEM
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return keyPEM, nil
		}
		switch {
		case b.Type == "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("encrypted PKCS#8 keys are not supported; convert the key with `openssl pkcs8 -topk8 -nocrypt`, or to legacy PEM encryption with `openssl rsa -aes256`")
		//lint:ignore SA1019 legacy PEM encryption is what OpenSSL-made keys use; Logstash reads them too.
		case x509.IsEncryptedPEMBlock(b): //nolint:staticcheck
			if passphrase == "" {
				return nil, errors.New("the key is encrypted: set ssl_key_passphrase")
			}
			der, err := x509.DecryptPEMBlock(b, []byte(passphrase)) //nolint:staticcheck
			if err == nil && !isPrivateKey(der) {
				// Legacy PEM encryption has no integrity check: a wrong
				// passphrase passes the padding check 1 time in 256 and
				// yields garbage.
				err = errors.New("the result is not a private key")
			}
			if err != nil {
				return nil, fmt.Errorf("decrypt: %w (is ssl_key_passphrase right?)", err)
			}
			return pem.EncodeToMemory(&pem.Block{Type: b.Type, Bytes: der}), nil
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			return keyPEM, nil
		}
	}
}

func isPrivateKey(der []byte) bool {
	if _, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return true
	}
	if _, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return true
	}
	_, err := x509.ParseECPrivateKey(der)
	return err == nil
}

// loadPool reads CA certificates from PEM files or directories of them
// (files in a directory that hold no PEM certificate are skipped).
func loadPool(paths []string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("certificate authority: %w", err)
		}
		if !st.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("read certificate authority: %w", err)
			}
			if !pool.AppendCertsFromPEM(b) {
				return nil, fmt.Errorf("certificate authority %s: no PEM certificate found", p)
			}
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("read certificate authorities directory: %w", err)
		}
		found := false
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(p, e.Name()))
			if err != nil {
				return nil, fmt.Errorf("read certificate authority: %w", err)
			}
			if pool.AppendCertsFromPEM(b) {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("certificate authorities directory %s: no PEM certificate found", p)
		}
	}
	return pool, nil
}

// CheckedServerConfig checks the server-side combination of Logstash's
// ssl_* settings (certificate and key both given; client authentication
// and certificate authorities given together) and builds the
// configuration.
func CheckedServerConfig(o *TLSOptions) (*tls.Config, error) {
	if o.Certificate == "" || o.Key == "" {
		return nil, errors.New("`ssl_certificate` and `ssl_key` are required when `ssl_enabled => true`")
	}
	auth := o.ClientAuthentication
	if auth != "" && auth != "none" && len(o.CertificateAuthorities) == 0 {
		return nil, fmt.Errorf("`ssl_client_authentication => %s` needs `ssl_certificate_authorities`", auth)
	}
	if (auth == "" || auth == "none") && len(o.CertificateAuthorities) > 0 {
		return nil, errors.New("`ssl_certificate_authorities` is set but `ssl_client_authentication` is `none`: set it to `optional` or `required`")
	}
	cfg, err := ServerConfig(o)
	if err != nil {
		return nil, fmt.Errorf("TLS: %w", err)
	}
	return cfg, nil
}

// IgnoredTLSSettings names the settings among ssl that the configuration
// gave although ssl_enabled is false (to warn about them).
func IgnoredTLSSettings(ssl []*plugin.Setting) []string {
	var ignored []string
	for _, st := range ssl {
		if st.Set && st.Name != "ssl_enabled" && st.Name != "ssl_enable" {
			ignored = append(ignored, st.Name)
		}
	}
	return ignored
}
