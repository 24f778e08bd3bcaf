package identity

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

// ClientCertConfig configures a ClientCert identifier.
type ClientCertConfig struct {
	// Account is the account of principals that name none; empty means
	// DefaultAccount.
	Account string
	// Subjects map certificate names to principals.
	Subjects []CertSubject
	// OnlySubjects refuses certificates whose name Subjects does not
	// list; otherwise they are identified as "Unknown" callers.
	OnlySubjects bool
	// CAs, when not empty, is PEM text of CA certificates the client
	// certificate must also chain to, for client authentication, on top
	// of the TLS layer's own verification: for a server whose
	// tls.Config.ClientCAs trusts more than this identifier should.
	CAs string
	// Now returns the current time, for the check against CAs; nil means
	// time.Now.
	Now func() time.Time
}

// A CertSubject maps the certificates of one name to a principal.
type CertSubject struct {
	// Name is the certificate's name as CertName gives it.
	Name string
	// Principal is who the certificate stands for. An empty
	// Principal.Name means Name (which must then be a valid IAM name).
	Principal Principal
}

// ClientCert identifies callers by the TLS client certificate the
// connection verified (r.TLS.VerifiedChains; the server's tls.Config
// must ask for one, with ClientAuth VerifyClientCertIfGiven or
// RequireAndVerifyClientCert, and ClientCAs). A certificate the TLS layer
// did not verify gives no identity.
//
// A certificate whose name Subjects lists is that principal, without an
// accessKeyId. Any other is, unless OnlySubjects, an "Unknown" caller
// (CloudTrail's type for identities it cannot place in AWS): principalId
// the certificate's subject DN (its name when the subject is empty),
// userName its name, no arn and no accountId, because the certificate
// names no AWS principal.
//
// A ClientCert is immutable once built; Identify is safe for concurrent
// use when Now is.
type ClientCert struct {
	subjects map[string]*principal
	only     bool
	roots    *x509.CertPool
	now      func() time.Time
}

// NewClientCert checks cfg and returns its identifier. Errors name the
// field at fault.
func NewClientCert(cfg ClientCertConfig) (*ClientCert, error) {
	c := &ClientCert{subjects: make(map[string]*principal, len(cfg.Subjects)), only: cfg.OnlySubjects, now: cfg.Now}
	if c.now == nil {
		c.now = time.Now
	}
	if cfg.CAs != "" {
		c.roots = x509.NewCertPool()
		if !c.roots.AppendCertsFromPEM([]byte(cfg.CAs)) {
			return nil, fmt.Errorf("identity: clientcert: CAs: no certificate found")
		}
	}
	for i, s := range cfg.Subjects {
		field := fmt.Sprintf("Subjects[%d]", i)
		switch {
		case s.Name == "":
			return nil, fmt.Errorf("identity: clientcert: %s.Name: required", field)
		case c.subjects[s.Name] != nil:
			return nil, fmt.Errorf("identity: clientcert: %s.Name: %q is configured twice", field, s.Name)
		}
		pr := s.Principal
		if pr.Name == "" {
			pr.Name = s.Name
		}
		p, err := pr.resolve(cfg.Account, c.now())
		if err != nil {
			return nil, fmt.Errorf("identity: clientcert: %w", under(field+".Principal", err))
		}
		c.subjects[s.Name] = p
	}
	return c, nil
}

// CertName is the name a client certificate is known by: its subject's
// common name, or else its first URI (such as a SPIFFE ID), DNS name or
// e-mail address, in that order; "" when it has none.
func CertName(c *x509.Certificate) string {
	switch {
	case c.Subject.CommonName != "":
		return c.Subject.CommonName
	case len(c.URIs) > 0:
		return c.URIs[0].String()
	case len(c.DNSNames) > 0:
		return c.DNSNames[0]
	case len(c.EmailAddresses) > 0:
		return c.EmailAddresses[0]
	}
	return ""
}

// Identify returns the principal of r's verified client certificate, or
// nil when the connection has none.
func (c *ClientCert) Identify(r *http.Request, _ []byte) *cloudtrail.UserIdentity {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return nil
	}
	leaf := r.TLS.VerifiedChains[0][0]
	if c.roots != nil {
		inter := x509.NewCertPool()
		for _, cert := range r.TLS.PeerCertificates[min(1, len(r.TLS.PeerCertificates)):] {
			inter.AddCert(cert)
		}
		_, err := leaf.Verify(x509.VerifyOptions{Roots: c.roots, Intermediates: inter,
			CurrentTime: c.now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		if err != nil {
			return nil
		}
	}
	name := CertName(leaf)
	if name == "" {
		return nil
	}
	if p := c.subjects[name]; p != nil {
		return p.identity("")
	}
	if c.only {
		return nil
	}
	id := leaf.Subject.String()
	if id == "" {
		id = name
	}
	return &cloudtrail.UserIdentity{Type: cloudtrail.IdentityUnknown, PrincipalID: id, UserName: name}
}
