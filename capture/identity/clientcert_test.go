package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// testCA is a certificate authority issuing client certificates.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key}
}

func (ca *testCA) pem() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}))
}

func (ca *testCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// issue makes a client certificate for subject (and uris) signed by ca.
func (ca *testCA) issue(t *testing.T, subject pkix.Name, uris ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      subject,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	for _, u := range uris {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.URIs = append(tmpl.URIs, pu)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// serveTLS starts a TLS server that asks for client certificates with
// auth, trusting ca, and answers with the identity id gives.
func serveTLS(t *testing.T, id Identifier, auth tls.ClientAuthType, ca *testCA) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(identityHandler(t, id, true))
	srv.TLS = &tls.Config{ClientAuth: auth, ClientCAs: ca.pool()}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// clientWith is a client of srv presenting cert (none when nil), on its
// own connections.
func clientWith(srv *httptest.Server, cert *tls.Certificate) *http.Client {
	tr := srv.Client().Transport.(*http.Transport).Clone()
	if cert != nil {
		tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: tr}
}

func TestClientCert(t *testing.T) {
	ca := newTestCA(t, "Test Client CA")
	other := newTestCA(t, "Other CA")
	alice := ca.issue(t, pkix.Name{CommonName: "alice", Organization: []string{"Example"}})
	bob := ca.issue(t, pkix.Name{CommonName: "bob"})
	runner := ca.issue(t, pkix.Name{CommonName: "ci-runner", OrganizationalUnit: []string{"CI"}})
	spiffe := ca.issue(t, pkix.Name{}, "spiffe://example.org/ns/prod/sa/api")
	outsider := other.issue(t, pkix.Name{CommonName: "alice"})

	cfg := ClientCertConfig{
		Account: testAccount,
		Subjects: []CertSubject{
			{Name: "bob"},
			{Name: "ci-runner", Principal: Principal{Type: "AssumedRole", Path: "/ci/", Name: "deployer", Session: "ci-runner", Created: testNow}},
		},
	}
	only := cfg
	only.OnlySubjects = true
	strict := cfg
	strict.CAs = other.pem()
	tests := []struct {
		name string
		cfg  ClientCertConfig
		auth tls.ClientAuthType
		cert *tls.Certificate
		want string
	}{
		{"unmapped certificate is an Unknown caller", cfg, tls.RequireAndVerifyClientCert, &alice,
			`{"type":"Unknown","principalId":"CN=alice,O=Example","userName":"alice"}`},
		{"mapped certificate is its IAM user", cfg, tls.VerifyClientCertIfGiven, &bob,
			`{"type":"IAMUser","principalId":"AIDA4DNKPEYDN5ETK6ILE","arn":"arn:aws:iam::123456789012:user/bob","accountId":"123456789012","userName":"bob"}`},
		{"mapped certificate is its assumed role", cfg, tls.RequireAndVerifyClientCert, &runner,
			`{"type":"AssumedRole","principalId":"AROAN6G6FGG2CJI75CQQO:ci-runner","arn":"arn:aws:sts::123456789012:assumed-role/deployer/ci-runner","accountId":"123456789012","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAN6G6FGG2CJI75CQQO","arn":"arn:aws:iam::123456789012:role/ci/deployer","accountId":"123456789012","userName":"deployer"},"webIdFederationData":{},"attributes":{"creationDate":"2024-03-01T12:00:00Z","mfaAuthenticated":"false"}}}`},
		{"SPIFFE certificate named by its URI", cfg, tls.RequireAndVerifyClientCert, &spiffe,
			`{"type":"Unknown","principalId":"spiffe://example.org/ns/prod/sa/api","userName":"spiffe://example.org/ns/prod/sa/api"}`},
		{"no identity without a certificate", cfg, tls.VerifyClientCertIfGiven, nil, "null"},
		{"no identity for a certificate the TLS layer did not verify", cfg, tls.RequestClientCert, &outsider, "null"},
		{"no identity for an unlisted certificate when only subjects are allowed", only, tls.RequireAndVerifyClientCert, &alice, "null"},
		{"listed certificate when only subjects are allowed", only, tls.RequireAndVerifyClientCert, &bob,
			`{"type":"IAMUser","principalId":"AIDA4DNKPEYDN5ETK6ILE","arn":"arn:aws:iam::123456789012:user/bob","accountId":"123456789012","userName":"bob"}`},
		{"no identity for a certificate outside the configured CAs", strict, tls.RequireAndVerifyClientCert, &alice, "null"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClientCert(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			srv := serveTLS(t, c, tc.auth, ca)
			r, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
			if got, want := do(t, clientWith(srv, tc.cert), r), tc.want; got != want {
				t.Errorf("identity\n got %s\nwant %s", got, want)
			}
		})
	}
	t.Run("certificate within the configured CAs", func(t *testing.T) {
		cfg := cfg
		cfg.CAs = other.pem() + ca.pem()
		c, err := NewClientCert(cfg)
		if err != nil {
			t.Fatal(err)
		}
		srv := serveTLS(t, c, tls.RequireAndVerifyClientCert, ca)
		r, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		if got, want := do(t, clientWith(srv, &alice), r), `{"type":"Unknown","principalId":"CN=alice,O=Example","userName":"alice"}`; got != want {
			t.Errorf("identity\n got %s\nwant %s", got, want)
		}
	})
	t.Run("no identity over plain HTTP", func(t *testing.T) {
		c, err := NewClientCert(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Identify(httptest.NewRequest(http.MethodGet, "/", nil), nil); got != nil {
			t.Errorf("identity = %s, want nil", identityJSON(t, got))
		}
	})
}

func TestNewClientCertRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  ClientCertConfig
		want string
	}{
		{"no CA in CAs", ClientCertConfig{CAs: "not PEM"}, "identity: clientcert: CAs: no certificate found"},
		{"subject without name", ClientCertConfig{Subjects: []CertSubject{{}}}, "identity: clientcert: Subjects[0].Name: required"},
		{"subject twice", ClientCertConfig{Subjects: []CertSubject{{Name: "a"}, {Name: "a"}}}, `identity: clientcert: Subjects[1].Name: "a" is configured twice`},
		{"SPIFFE name without a principal name", ClientCertConfig{Subjects: []CertSubject{{Name: "spiffe://x/y"}}},
			`identity: clientcert: Subjects[0].Principal.Name: "spiffe://x/y" is not an IAM user name`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewClientCert(tc.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q…", err, tc.want)
			}
		})
	}
}
