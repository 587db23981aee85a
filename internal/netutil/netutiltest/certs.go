// Package netutiltest makes throwaway TLS certificates for tests: a CA,
// and server and client certificates it signs, written as PEM files.
package netutiltest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// Certs are PEM files in a temporary directory.
type Certs struct {
	Dir string
	// CA is the certificate authority's certificate file.
	CA string
	// ServerCert and ServerKey are for 127.0.0.1, ::1 and localhost.
	ServerCert, ServerKey string
	// ClientCert and ClientKey have the subject CN=test-client,O=Sluice.
	ClientCert, ClientKey string
	// OtherCA is a second, unrelated CA; OtherClientCert/Key are signed by it.
	OtherCA                         string
	OtherClientCert, OtherClientKey string

	caPool *x509.CertPool
}

// New makes a CA and certificates signed by it in t.TempDir().
func New(t testing.TB) *Certs {
	t.Helper()
	dir := t.TempDir()
	c := &Certs{Dir: dir}
	caCert, caKey := makeCA(t, "Sluice Test CA")
	otherCert, otherKey := makeCA(t, "Other CA")
	c.CA = writeCert(t, dir, "ca.crt", caCert)
	c.OtherCA = writeCert(t, dir, "other-ca.crt", otherCert)
	c.caPool = x509.NewCertPool()
	c.caPool.AddCert(caCert)

	srv := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	c.ServerCert, c.ServerKey = issue(t, dir, "server", srv, caCert, caKey)
	cli := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "test-client", Organization: []string{"Sluice"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	c.ClientCert, c.ClientKey = issue(t, dir, "client", cli, caCert, caKey)
	other := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "intruder"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	c.OtherClientCert, c.OtherClientKey = issue(t, dir, "other-client", other, otherCert, otherKey)
	return c
}

// ClientConfig returns a client TLS configuration trusting the CA, with
// the client certificate when withCert is true.
func (c *Certs) ClientConfig(t testing.TB, withCert bool) *tls.Config {
	t.Helper()
	cfg := &tls.Config{RootCAs: c.caPool, ServerName: "localhost"}
	if withCert {
		kp, err := tls.LoadX509KeyPair(c.ClientCert, c.ClientKey)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{kp}
	}
	return cfg
}

// ServerConfig returns a server TLS configuration with the server
// certificate.
func (c *Certs) ServerConfig(t testing.TB) *tls.Config {
	t.Helper()
	kp, err := tls.LoadX509KeyPair(c.ServerCert, c.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{kp}}
}

var serial atomic.Int64

func template(t testing.TB) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
}

func makeCA(t testing.TB, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := template(t)
	tpl.Subject = pkix.Name{CommonName: name}
	tpl.IsCA = true
	tpl.BasicConstraintsValid = true
	tpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func issue(t testing.TB, dir, name string, spec, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := template(t)
	tpl.Subject = spec.Subject
	tpl.DNSNames = spec.DNSNames
	tpl.IPAddresses = spec.IPAddresses
	tpl.ExtKeyUsage = spec.ExtKeyUsage
	tpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	certPath = writeCert(t, dir, name+".crt", cert)
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPath = filepath.Join(dir, name+".key")
	writePEM(t, keyPath, "PRIVATE KEY", kder)
	return certPath, keyPath
}

func writeCert(t testing.TB, dir, name string, c *x509.Certificate) string {
	p := filepath.Join(dir, name)
	writePEM(t, p, "CERTIFICATE", c.Raw)
	return p
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
