package identity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

// Defaults of JWTConfig.
const (
	DefaultJWTLeeway        = time.Minute
	DefaultJWKSMaxAge       = time.Hour
	DefaultJWKSMinInterval  = 30 * time.Second
	DefaultJWKSFetchTimeout = 3 * time.Second
)

// maxTokenSize bounds the bearer tokens read; larger ones are refused
// before any decoding.
const maxTokenSize = 64 << 10

// JWTConfig configures a JWT identifier. At least one of Secret,
// PublicKeys and JWKSURL is required.
type JWTConfig struct {
	// Issuer, when not empty, is the only iss accepted.
	Issuer string
	// Audiences, when not empty, are the aud values accepted: a token's
	// aud must name at least one.
	Audiences []string
	// Algorithms are the alg values accepted; empty means every one the
	// configured keys can verify: HS256, HS384 and HS512 with Secret;
	// RS*, PS*, ES*, EdDSA (and Ed25519) with PublicKeys or JWKSURL.
	Algorithms []string
	// Secret is the shared secret of HS256, HS384 and HS512, used as its
	// bytes; at least 32 of them.
	Secret string
	// PublicKeys is PEM text of one or more PUBLIC KEY, RSA PUBLIC KEY or
	// CERTIFICATE blocks; every token whose alg fits a key is checked
	// against it, whatever its kid. RSA keys need 2048 bits or more.
	PublicKeys string
	// JWKSURL is the address of a JWK Set (RFC 7517), such as an OpenID
	// provider's jwks_uri. It must be https, or http to a loopback host.
	JWKSURL string
	// JWKSMaxAge is how long a fetched set is used before it is fetched
	// again (in the background: requests go on with the old set); 0
	// means DefaultJWKSMaxAge.
	JWKSMaxAge time.Duration
	// JWKSMinInterval is the least time between two fetches of the set,
	// however many unknown kids arrive; 0 means DefaultJWKSMinInterval.
	JWKSMinInterval time.Duration
	// JWKSFetchTimeout bounds one fetch, and so how long a request may
	// wait for one; 0 means DefaultJWKSFetchTimeout.
	JWKSFetchTimeout time.Duration
	// HTTPClient fetches the set; nil means http.DefaultClient.
	HTTPClient *http.Client
	// UserNameClaim is the claim that becomes userName when the token
	// has it as a non-empty string, such as "preferred_username" or
	// "email"; the subject (sub) otherwise. Empty means "sub".
	UserNameClaim string
	// Claims are the claims copied into the identity's
	// sessionContext.webIdFederationData.attributes, as "PROVIDER:claim",
	// when the token has them; with none, the identity has no
	// sessionContext.
	Claims []string
	// Leeway is the clock difference allowed when checking exp, nbf and
	// iat; 0 means DefaultJWTLeeway.
	Leeway time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger reports failed fetches of the key set, which happen outside
	// any request's answer; nil discards them.
	Logger *slog.Logger
}

// JWT identifies callers by a bearer JSON Web Token
// (Authorization: Bearer <jws>) whose signature verifies with a configured
// key and whose claims hold: exp is required and not past, nbf and iat not
// ahead (each within Leeway), iss and aud as configured, sub not empty.
// Tokens signed with "none", with an algorithm the matching key cannot
// be used for (an RSA key never verifies an HS256 token), with a crit
// header, or that are malformed, expired or unverified give no identity.
//
// The caller is a WebIdentityUser, shaped like CloudTrail's records of
// web-identity callers ("a combination of the issuer, application ID, and
// user ID"): principalId "PROVIDER:AUD:SUB" (PROVIDER is the issuer
// without its https://, AUD the accepted audience, left out when the
// token has none), userName from UserNameClaim, identityProvider
// PROVIDER. Claims chosen in JWTConfig.Claims go to
// sessionContext.webIdFederationData: federatedProvider PROVIDER and
// attributes named "PROVIDER:claim", as AWS names them.
//
// Keys from JWKSURL are fetched on the first token that needs them,
// again when a token names a kid the set does not have (at most once per
// JWKSMinInterval), and in the background once the set is older than
// JWKSMaxAge. One fetch runs at a time; requests that need it wait for it,
// at most JWKSFetchTimeout or until their own context ends. A request
// never waits when the set it has can answer it.
//
// Identify is safe for concurrent use; the key set is swapped whole.
type JWT struct {
	issuer    string
	audiences []string
	algs      map[string]bool
	secret    *verifyKey
	static    []*verifyKey
	jwks      *jwksCache
	userClaim string
	claims    []string
	leeway    time.Duration
	now       func() time.Time
}

// NewJWT checks cfg and returns its identifier. It does not fetch
// JWKSURL; FetchKeys does, for a caller that wants to know at start-up.
// Errors name the field at fault.
func NewJWT(cfg JWTConfig) (*JWT, error) {
	fail := func(field, format string, args ...any) (*JWT, error) {
		return nil, fmt.Errorf("identity: jwt: %s: %s", field, fmt.Sprintf(format, args...))
	}
	j := &JWT{
		issuer:    cfg.Issuer,
		audiences: cfg.Audiences,
		userClaim: cfg.UserNameClaim,
		claims:    cfg.Claims,
		leeway:    cfg.Leeway,
		now:       cfg.Now,
		algs:      map[string]bool{},
	}
	if j.userClaim == "" {
		j.userClaim = "sub"
	}
	if j.leeway == 0 {
		j.leeway = DefaultJWTLeeway
	}
	if j.leeway < 0 {
		return fail("Leeway", "negative (%v)", cfg.Leeway)
	}
	if j.now == nil {
		j.now = time.Now
	}
	if cfg.Secret == "" && cfg.PublicKeys == "" && cfg.JWKSURL == "" {
		return fail("Secret", "one of Secret, PublicKeys and JWKSURL is required")
	}
	for i, a := range cfg.Audiences {
		if a == "" {
			return fail(fmt.Sprintf("Audiences[%d]", i), "empty")
		}
	}
	if cfg.Secret != "" {
		if len(cfg.Secret) < 32 {
			return fail("Secret", "%d bytes; HMAC secrets need at least 32", len(cfg.Secret))
		}
		j.secret = &verifyKey{kind: kindHMAC, key: []byte(cfg.Secret)}
	}
	if cfg.PublicKeys != "" {
		keys, err := parsePEMKeys([]byte(cfg.PublicKeys))
		if err != nil {
			return fail("PublicKeys", "%v", err)
		}
		j.static = keys
	}
	if cfg.JWKSURL != "" {
		u, err := url.Parse(cfg.JWKSURL)
		if err != nil {
			return fail("JWKSURL", "%v", err)
		}
		if u.Host == "" || !(u.Scheme == "https" || u.Scheme == "http" && isLoopback(u.Hostname())) {
			return fail("JWKSURL", "%q: https is required (http only to a loopback host)", cfg.JWKSURL)
		}
		for field, d := range map[string]time.Duration{"JWKSMaxAge": cfg.JWKSMaxAge,
			"JWKSMinInterval": cfg.JWKSMinInterval, "JWKSFetchTimeout": cfg.JWKSFetchTimeout} {
			if d < 0 {
				return fail(field, "negative (%v)", d)
			}
		}
		j.jwks = newJWKSCache(cfg, j.now)
	}
	for _, name := range cfg.Claims {
		if name == "" {
			return fail("Claims", "an empty claim name")
		}
	}
	if len(cfg.Algorithms) == 0 {
		for name, a := range algorithms {
			if a.kind == kindHMAC && j.secret != nil || a.kind != kindHMAC && (j.static != nil || j.jwks != nil) {
				j.algs[name] = true
			}
		}
	}
	for i, name := range cfg.Algorithms {
		a, ok := algorithms[name]
		switch {
		case !ok:
			return fail(fmt.Sprintf("Algorithms[%d]", i), "%q is not a supported algorithm", name)
		case a.kind == kindHMAC && j.secret == nil:
			return fail(fmt.Sprintf("Algorithms[%d]", i), "%s needs Secret", name)
		case a.kind != kindHMAC && j.static == nil && j.jwks == nil:
			return fail(fmt.Sprintf("Algorithms[%d]", i), "%s needs PublicKeys or JWKSURL", name)
		}
		j.algs[name] = true
	}
	return j, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// FetchKeys fetches the key set of JWKSURL now, whatever the cache
// holds, and keeps it. It does nothing without a JWKSURL.
func (j *JWT) FetchKeys(ctx context.Context) error {
	if j.jwks == nil {
		return nil
	}
	return j.jwks.refresh(ctx)
}

// Identify returns the WebIdentityUser of r's bearer token, or nil when
// r has none or it does not verify.
func (j *JWT) Identify(r *http.Request, _ []byte) *cloudtrail.UserIdentity {
	raw, ok := bearerToken(r)
	if !ok {
		return nil
	}
	t, err := j.verify(r, raw)
	if err != nil {
		return nil
	}
	return j.identity(t)
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const scheme = "bearer "
	if len(h) <= len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	t := strings.TrimSpace(h[len(scheme):])
	return t, t != ""
}

// verify parses raw and checks its algorithm, claims and signature, in
// that order: a key set is only fetched for a token that could be valid.
func (j *JWT) verify(r *http.Request, raw string) (*token, error) {
	t, err := parseToken(raw)
	if err != nil {
		return nil, err
	}
	if !j.algs[t.alg] {
		return nil, fmt.Errorf("alg %q not accepted", t.alg)
	}
	if err := j.checkClaims(t); err != nil {
		return nil, err
	}
	alg := algorithms[t.alg]
	if alg.kind == kindHMAC {
		if j.secret != nil && j.secret.verify(alg, t.signingInput, t.signature) {
			return t, nil
		}
		return nil, errors.New("signature does not verify")
	}
	for _, k := range j.static {
		if k.fits(t.alg, alg) && k.verify(alg, t.signingInput, t.signature) {
			return t, nil
		}
	}
	if j.jwks != nil {
		for _, k := range j.jwks.keys(r.Context(), t.kid, t.alg) {
			if k.verify(alg, t.signingInput, t.signature) {
				return t, nil
			}
		}
	}
	return nil, errors.New("signature does not verify")
}

// checkClaims checks the token's time, issuer, audience and subject.
func (j *JWT) checkClaims(t *token) error {
	now := j.now()
	if t.exp.IsZero() {
		return errors.New("no exp")
	}
	if !now.Before(t.exp.Add(j.leeway)) {
		return errors.New("expired")
	}
	if !t.nbf.IsZero() && now.Before(t.nbf.Add(-j.leeway)) {
		return errors.New("not yet valid (nbf)")
	}
	if !t.iat.IsZero() && now.Before(t.iat.Add(-j.leeway)) {
		return errors.New("issued in the future (iat)")
	}
	if j.issuer != "" && t.iss != j.issuer {
		return fmt.Errorf("iss %q not accepted", t.iss)
	}
	if t.sub == "" {
		return errors.New("no sub")
	}
	if len(j.audiences) > 0 {
		i := slices.IndexFunc(t.aud, func(a string) bool { return slices.Contains(j.audiences, a) })
		if i < 0 {
			return fmt.Errorf("aud %q not accepted", t.aud)
		}
		t.acceptedAud = t.aud[i]
	} else if len(t.aud) > 0 {
		t.acceptedAud = t.aud[0]
	}
	return nil
}

// identity shapes a verified token as a WebIdentityUser.
func (j *JWT) identity(t *token) *cloudtrail.UserIdentity {
	provider := strings.TrimSuffix(strings.TrimPrefix(t.iss, "https://"), "/")
	var id []string
	for _, part := range []string{provider, t.acceptedAud, t.sub} {
		if part != "" {
			id = append(id, part)
		}
	}
	u := &cloudtrail.UserIdentity{
		Type:             cloudtrail.IdentityWebIdentityUser,
		PrincipalID:      strings.Join(id, ":"),
		UserName:         t.sub,
		IdentityProvider: provider,
	}
	if name, ok := t.stringClaim(j.userClaim); ok && name != "" {
		u.UserName = name
	}
	if len(j.claims) == 0 {
		return u
	}
	// AWS names these attributes as its condition keys for web
	// identities: "PROVIDER:claim".
	prefix := ""
	if provider != "" {
		prefix = provider + ":"
	}
	selected := map[string]json.RawMessage{}
	for _, c := range j.claims {
		if v, ok := t.claims[c]; ok {
			selected[prefix+c] = v
		}
	}
	attrs, _ := json.Marshal(selected) // raw values from a parsed object: valid JSON
	sc := &cloudtrail.SessionContext{
		WebIDFederationData: &cloudtrail.WebIDFederationData{FederatedProvider: provider, Attributes: attrs},
		Attributes:          &cloudtrail.SessionAttributes{MFAAuthenticated: fmt.Sprint(t.mfa())},
	}
	if !t.iat.IsZero() {
		sc.Attributes.CreationDate = t.iat.UTC().Format(time.RFC3339)
	}
	u.SessionContext = sc
	return u
}

// A token is a parsed JWS compact serialization whose payload is a JSON
// object of claims. Nothing in it is verified by parsing.
type token struct {
	alg, kid     string
	signingInput string // header.payload, as signed
	signature    []byte
	claims       map[string]json.RawMessage

	iss, sub      string
	aud           []string
	exp, nbf, iat time.Time // zero when absent

	acceptedAud string // set by checkClaims
}

// parseToken parses a JWS compact serialization (RFC 7515 section 7.1)
// carrying JWT claims (RFC 7519): three base64url parts, a header with
// alg and no crit, a payload that is a JSON object whose registered
// claims have their registered types.
func parseToken(raw string) (*token, error) {
	if len(raw) > maxTokenSize {
		return nil, errors.New("token too large")
	}
	h, rest, ok1 := strings.Cut(raw, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s, ".") {
		return nil, errors.New("not three dot-separated parts")
	}
	headerJSON, err := b64.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	payload, err := b64.DecodeString(p)
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	sig, err := b64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	var header map[string]json.RawMessage
	if err := unmarshalObject(headerJSON, &header); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	t := &token{signingInput: raw[:len(h)+1+len(p)], signature: sig}
	if err := stringMember(header, "alg", &t.alg); err != nil || t.alg == "" {
		return nil, errors.New("header: alg is not a non-empty string")
	}
	if err := stringMember(header, "kid", &t.kid); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if _, ok := header["crit"]; ok {
		// No extension is understood, so none marked critical can be.
		return nil, errors.New("header: crit names extensions not understood")
	}
	if err := unmarshalObject(payload, &t.claims); err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	if err := stringMember(t.claims, "iss", &t.iss); err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	if err := stringMember(t.claims, "sub", &t.sub); err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	if a, ok := t.claims["aud"]; ok {
		var one string
		if json.Unmarshal(a, &one) == nil {
			t.aud = []string{one}
		} else if err := json.Unmarshal(a, &t.aud); err != nil {
			return nil, errors.New("claims: aud is neither a string nor an array of strings")
		}
	}
	for name, dst := range map[string]*time.Time{"exp": &t.exp, "nbf": &t.nbf, "iat": &t.iat} {
		if err := numericDate(t.claims, name, dst); err != nil {
			return nil, fmt.Errorf("claims: %w", err)
		}
	}
	return t, nil
}

// unmarshalObject decodes data, which must be a JSON object and nothing
// else.
func unmarshalObject(data []byte, v *map[string]json.RawMessage) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return errors.New("not a JSON object")
	}
	return json.Unmarshal(data, v)
}

// stringMember sets *dst to the string member name of m, if m has it.
func stringMember(m map[string]json.RawMessage, name string, dst *string) error {
	raw, ok := m[name]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil || string(raw) == "null" {
		return fmt.Errorf("%s is not a string", name)
	}
	return nil
}

// numericDate sets *dst to the NumericDate member name of m (seconds
// since the epoch, maybe fractional), if m has it.
func numericDate(m map[string]json.RawMessage, name string, dst *time.Time) error {
	raw, ok := m[name]
	if !ok {
		return nil
	}
	var f float64
	if string(raw) == "null" || json.Unmarshal(raw, &f) != nil {
		return fmt.Errorf("%s is not a number", name)
	}
	// Out of time.Time's comfortable range: clamp rather than overflow.
	const limit = 1 << 40
	f = max(min(f, limit), -limit)
	sec, frac := math.Modf(f)
	*dst = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	return nil
}

// stringClaim returns the claim name when it is a string.
func (t *token) stringClaim(name string) (string, bool) {
	var s string
	raw, ok := t.claims[name]
	if !ok || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// mfa reports whether the token's amr (RFC 8176) says a second factor
// was used.
func (t *token) mfa() bool {
	var amr []string
	if raw, ok := t.claims["amr"]; ok && json.Unmarshal(raw, &amr) == nil {
		return slices.Contains(amr, "mfa")
	}
	return false
}
