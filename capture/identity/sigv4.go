package identity

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
	"github.com/trailbridge/trailbridge/sigv4"
)

// SigV4Config configures a SigV4 identifier.
type SigV4Config struct {
	// Account is the account of principals that name none; empty means
	// DefaultAccount.
	Account string
	// Keys are the access keys callers sign with.
	Keys []AccessKey
	// Now returns the current time, for the signature's clock-skew check;
	// nil means time.Now.
	Now func() time.Time
	// MaxSkew bounds the difference between a signature's time and Now;
	// 0 means sigv4.DefaultMaxSkew.
	MaxSkew time.Duration
}

// An AccessKey is a SigV4 credential and the principal it belongs to.
type AccessKey struct {
	// ID is the access key ID (AKIA… for a user's long-term key, ASIA…
	// for a session's, by AWS's convention; not enforced).
	ID string
	// Secret is the secret access key.
	Secret string
	// SessionToken, when not empty, must be the X-Amz-Security-Token of
	// every request signed with the key; when empty, any token or none is
	// accepted.
	SessionToken string
	// Principal is who the key belongs to.
	Principal Principal
}

// SigV4 identifies callers by their AWS Signature Version 4: a request
// whose signature verifies with a configured access key is made by that
// key's principal. The request may be for any service: the service and
// region are those of the request's credential scope, and the signature
// is verified by a sigv4.Verifier for that service. Both Authorization
// headers and presigned URLs are verified.
//
// The body must be the whole request body: sigv4 hashes it itself and
// requires any X-Amz-Content-Sha256 the request declares to equal that
// hash. So when the capture layer did not keep the body (body is nil) only
// requests whose body is known to be empty (Content-Length 0) and presigned
// requests with X-Amz-Content-Sha256 UNSIGNED-PAYLOAD can be verified;
// other requests without their body get no identity, whatever hash they
// declare. For the same reason a request whose Authorization header signs
// UNSIGNED-PAYLOAD or S3's streaming (chunked) payloads gets none either.
//
// A SigV4 is immutable once built; Identify is safe for concurrent use
// when Now is.
type SigV4 struct {
	keys    map[string]*sigv4Key
	now     func() time.Time
	maxSkew time.Duration
}

type sigv4Key struct {
	secret, token string
	principal     *principal
}

// NewSigV4 checks cfg and returns its identifier. Errors name the field
// at fault, such as "Keys[1].Principal.Name".
func NewSigV4(cfg SigV4Config) (*SigV4, error) {
	s := &SigV4{keys: make(map[string]*sigv4Key, len(cfg.Keys)), now: cfg.Now, maxSkew: cfg.MaxSkew}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.MaxSkew < 0 {
		return nil, fmt.Errorf("identity: sigv4: MaxSkew: negative (%v)", cfg.MaxSkew)
	}
	built := s.now()
	for i, k := range cfg.Keys {
		field := fmt.Sprintf("Keys[%d]", i)
		switch {
		case k.ID == "":
			return nil, fmt.Errorf("identity: sigv4: %s.ID: required", field)
		case strings.ContainsAny(k.ID, "/ ,="):
			return nil, fmt.Errorf("identity: sigv4: %s.ID: %q holds a character a credential cannot", field, k.ID)
		case k.Secret == "":
			return nil, fmt.Errorf("identity: sigv4: %s.Secret: required", field)
		case s.keys[k.ID] != nil:
			return nil, fmt.Errorf("identity: sigv4: %s.ID: %q is configured twice", field, k.ID)
		}
		p, err := k.Principal.resolve(cfg.Account, built)
		if err != nil {
			return nil, fmt.Errorf("identity: sigv4: %w", under(field+".Principal", err))
		}
		s.keys[k.ID] = &sigv4Key{secret: k.Secret, token: k.SessionToken, principal: p}
	}
	return s, nil
}

// Identify returns the principal of the access key r is signed with, or
// nil when r is unsigned, signed with an unknown key, or its signature,
// scope, time, session token or payload hash does not verify.
func (s *SigV4) Identify(r *http.Request, body []byte) *cloudtrail.UserIdentity {
	akid, service, presigned, ok := credentialScope(r)
	if !ok {
		return nil
	}
	k := s.keys[akid]
	if k == nil {
		return nil
	}
	if body == nil && r.ContentLength != 0 && !(presigned && unsignedPayload(r)) {
		// The body was not kept: the signature can only be checked over
		// an empty one, and a replayed signature must not vouch for a body
		// its signer never sent.
		return nil
	}
	// A Verifier is a handful of fields; one per request costs nothing
	// and lets each request name its own service.
	v := sigv4.Verifier{
		Service: service,
		Lookup: func(id string) (string, bool) {
			if id != akid {
				return "", false
			}
			return k.secret, true
		},
		Now:     s.now,
		MaxSkew: s.maxSkew,
	}
	id, err := v.Verify(r, body)
	if err != nil {
		return nil
	}
	if k.token != "" && subtle.ConstantTimeCompare([]byte(id.SessionToken), []byte(k.token)) != 1 {
		return nil
	}
	return k.principal.identity(id.AccessKeyID)
}

// credentialScope reads the access key ID and the service of r's SigV4
// credential, from its Authorization header or, presigned, its
// X-Amz-Credential query parameter. ok is false when r carries neither or
// the credential is not AKID/DATE/REGION/SERVICE/aws4_request.
func credentialScope(r *http.Request) (accessKeyID, service string, presigned, ok bool) {
	var credential string
	if h := r.Header.Get("Authorization"); h != "" {
		const param = "Credential="
		i := strings.Index(h, param)
		if !strings.HasPrefix(h, "AWS4-") || i < 0 {
			return "", "", false, false
		}
		credential = h[i+len(param):]
		if j := strings.IndexAny(credential, ", \t"); j >= 0 {
			credential = credential[:j]
		}
	} else {
		credential = r.URL.Query().Get("X-Amz-Credential")
		presigned = true
	}
	parts := strings.Split(strings.TrimRight(credential, "/"), "/")
	if len(parts) != 5 || parts[0] == "" || parts[3] == "" {
		return "", "", false, false
	}
	return parts[0], parts[3], presigned, true
}

// unsignedPayload reports whether a presigned request declares that its
// signature does not cover the body.
func unsignedPayload(r *http.Request) bool {
	declared := r.Header.Get("X-Amz-Content-Sha256")
	if declared == "" {
		declared = r.URL.Query().Get("X-Amz-Content-Sha256")
	}
	return declared == "UNSIGNED-PAYLOAD"
}
