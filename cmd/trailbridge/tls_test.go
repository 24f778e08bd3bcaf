package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testPKI is a CA with a server certificate for 127.0.0.1 and a client
// certificate, written as PEM files.
type testPKI struct {
	caFile, certFile, keyFile string
	pool                      *x509.CertPool
	client                    tls.Certificate
}

func newTestPKI(t *testing.T, clientCN string) *testPKI {
	t.Helper()
	dir := t.TempDir()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := key()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(tmpl *x509.Certificate) ([]byte, *ecdsa.PrivateKey) {
		k := key()
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	pemOf := func(typ string, b []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}) }
	keyPEM := func(k *ecdsa.PrivateKey) []byte {
		b, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pemOf("EC PRIVATE KEY", b)
	}
	srvDER, srvKey := issue(&x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	cliDER, cliKey := issue(&x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: clientCN},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	p := &testPKI{caFile: filepath.Join(dir, "ca.pem"), certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem"), pool: x509.NewCertPool()}
	os.WriteFile(p.caFile, pemOf("CERTIFICATE", caDER), 0o600)
	os.WriteFile(p.certFile, pemOf("CERTIFICATE", srvDER), 0o600)
	os.WriteFile(p.keyFile, keyPEM(srvKey), 0o600)
	p.pool.AddCert(ca)
	p.client, err = tls.X509KeyPair(pemOf("CERTIFICATE", cliDER), keyPEM(cliKey))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// httpsClient trusts the test CA and presents the client certificate when
// withCert.
func (p *testPKI) httpsClient(withCert bool) *http.Client {
	cfg := &tls.Config{RootCAs: p.pool}
	if withCert {
		cfg.Certificates = []tls.Certificate{p.client}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
}

// TestInterceptorTLSClientCertificate: an interceptor serving TLS records
// the connection's tlsDetails and the caller of a verified client
// certificate.
func TestInterceptorTLSClientCertificate(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t, "billing-service")
	api := ordersAPI(t)
	o := testOptions(t)
	o.ConfigFile = writeConfig(t, `
Interceptors:
  - Name: shop-tls
    Listen: 127.0.0.1:0
    Upstream: `+api.URL+`
    EventSource: orders.example.com
    Routes: [{Method: POST, Path: /orders, EventName: CreateOrder}]
    TLS: {CertFile: `+pki.certFile+`, KeyFile: `+pki.keyFile+`, ClientCAFile: `+pki.caFile+`}
`)
	a := startTestApp(t, o)
	if !strings.HasPrefix(a.Interceptors[0], "https://") {
		t.Fatalf("interceptor at %s", a.Interceptors[0])
	}
	c := sdkClient(a.URL, "AKID", "secret")
	h := hookRule(t, c, "tls-orders", `{"source":["orders.example.com"],"detail":{"eventName":["CreateOrder"]}}`)
	resp, err := pki.httpsClient(true).Post(a.Interceptors[0]+"/orders", "application/json", strings.NewReader(`{"item":"pen"}`))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	reqs := h.waitRequests(t, 1, 20*time.Second)
	_, d := detailOf(t, reqs[0].body)
	expectFields(t, "record", d, map[string]any{"userIdentity.userName": "billing-service", "userIdentity.type": "Unknown",
		"tlsDetails.tlsVersion": "TLSv1.3", "tlsDetails.clientProvidedHostHeader": strings.TrimPrefix(a.Interceptors[0], "https://")})
}

// TestK8sAuditClientCertificate: the API over TLS accepts the Kubernetes
// webhook by its client certificate, and refuses it without one.
func TestK8sAuditClientCertificate(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t, "kube-apiserver-audit")
	o := testOptions(t)
	o.TLSCert, o.TLSKey, o.TLSClientCA = pki.certFile, pki.keyFile, pki.caFile
	o.ConfigFile = writeConfig(t, "K8sAudit:\n  ClientCertSubjects: [kube-apiserver-audit]\n")
	a := startTestApp(t, o)
	if !strings.HasPrefix(a.URL, "https://") {
		t.Fatalf("API at %s", a.URL)
	}
	list, err := os.ReadFile("../../capture/k8saudit/testdata/eventlist.json")
	if err != nil {
		t.Fatal(err)
	}
	post := func(withCert bool) int {
		resp, err := pki.httpsClient(withCert).Post(a.URL+"/k8s/audit", "application/json", strings.NewReader(string(list)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(false); got != http.StatusUnauthorized {
		t.Errorf("without a client certificate: %d, want 401", got)
	}
	if got := post(true); got != http.StatusOK {
		t.Errorf("with the client certificate: %d, want 200", got)
	}
}
