package sigv4

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// DefaultMaxSkew is how far a request's signing time may be from the
// server's clock, either way, as at AWS.
const DefaultMaxSkew = 5 * time.Minute

// maxPresignExpiry is the longest X-Amz-Expires AWS accepts (seven days).
const maxPresignExpiry = 604800

// A Verifier checks SigV4 signatures for one service. Its fields are read,
// never written, by Verify, so one Verifier may serve concurrent requests as
// long as Lookup and Now are safe for concurrent use.
type Verifier struct {
	// Service is the signing name requests must be scoped to, such as
	// "events" or "sqs". It is required.
	Service string
	// Region, if not empty, is the region requests must be scoped to; when
	// empty any region is accepted and reported in the Identity.
	Region string
	// Lookup returns the secret access key of an access key ID. When nil,
	// the Verifier is in development mode: any well-formed signature from
	// any access key is accepted without being recomputed.
	Lookup func(accessKeyID string) (secret string, ok bool)
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// MaxSkew bounds the difference between a request's signing time and
	// Now in either direction; 0 means DefaultMaxSkew.
	MaxSkew time.Duration
}

// An Identity is who signed an accepted request, and for what.
type Identity struct {
	AccessKeyID string
	Region      string // from the credential scope
	Service     string // from the credential scope
	// SessionToken is the X-Amz-Security-Token the request carried, if
	// any. Verify does not check it: trailbridge issues no temporary
	// credentials.
	SessionToken string
	SignedAt     time.Time
}

// authParams are the signature parameters a request carries, from its
// Authorization header or its query string.
type authParams struct {
	algorithm     string
	credential    string
	signedHeaders []string // lowercase, sorted
	signature     string
	date          string
	sessionToken  string
	presigned     bool
	expires       time.Duration // presigned only, when hasExpires
	hasExpires    bool
}

// Verify checks r's signature over body, the complete request body the
// caller has read. It returns who signed the request, or a
// *trailbridge.Error with the code, message and status AWS answers with. An
// error of another type means the Verifier is misconfigured.
//
// The checks run in AWS's order, so a request with several faults gets the
// answer AWS would give: presence and shape of the signature parameters,
// date format, clock skew, Host being signed, algorithm, credential shape,
// scope, access key, payload hash, signature.
func (v *Verifier) Verify(r *http.Request, body []byte) (*Identity, error) {
	if v.Service == "" {
		return nil, errors.New("sigv4: Verifier.Service is empty")
	}
	// Parse errors are ignored on purpose: a malformed pair is dropped from
	// the canonical query, so the signature fails to match, as at AWS.
	query, _ := url.ParseQuery(r.URL.RawQuery)
	p, err := readAuthParams(r, query)
	if err != nil {
		return nil, err
	}

	signedAt, ok := parseAmzDate(p.date)
	if !ok {
		return nil, errIncomplete(msgBadDate, p.date)
	}
	if err := v.checkTime(p, signedAt); err != nil {
		return nil, err
	}
	if !slices.Contains(p.signedHeaders, "host") {
		return nil, errInvalid(msgHostNotSigned)
	}
	if p.algorithm != algorithm {
		return nil, errIncomplete(msgUnsupportedAlgorithm, p.algorithm)
	}
	sc, err := v.checkScope(p.credential, signedAt)
	if err != nil {
		return nil, err
	}
	id := &Identity{AccessKeyID: sc.accessKeyID, Region: sc.region, Service: sc.service,
		SessionToken: p.sessionToken, SignedAt: signedAt}

	if sc.accessKeyID == "" {
		return nil, errUnrecognized()
	}
	var secret string
	if v.Lookup != nil {
		s, ok := v.Lookup(sc.accessKeyID)
		if !ok {
			return nil, errUnrecognized()
		}
		secret = s
	}

	hash, hashOK := payloadHash(r, query, p.presigned, body)
	uris := canonicalURIs(r.URL.EscapedPath())
	q := canonicalQuery(query, p.presigned)
	// mismatch answers with the canonical request and string to sign the
	// client should have signed, as AWS does, to help debug signers.
	mismatch := func() error {
		c := canonicalRequest(r, uris[0], q, p.signedHeaders, hash)
		return errMismatch(c, stringToSign(p.date, sc, c))
	}
	if !hashOK {
		// A non-S3 service hashes the body itself, so a client that declared
		// another hash signed something else: AWS can only answer that the
		// signature does not match.
		return nil, mismatch()
	}
	if v.Lookup == nil {
		return id, nil
	}
	for _, uri := range uris {
		c := canonicalRequest(r, uri, q, p.signedHeaders, hash)
		want := signature(secret, sc, stringToSign(p.date, sc, c))
		if hmac.Equal([]byte(want), []byte(p.signature)) {
			return id, nil
		}
	}
	return nil, mismatch()
}

// readAuthParams finds the signature parameters in the Authorization header
// or, for a presigned request, the query string, and checks that none is
// missing.
func readAuthParams(r *http.Request, query url.Values) (*authParams, error) {
	header := r.Header.Get("Authorization")
	_, presigned := query["X-Amz-Algorithm"]
	switch {
	case header != "" && presigned:
		return nil, errInvalid(msgBothAuth)
	case header != "":
		return parseAuthHeader(r, header)
	case presigned:
		return parseAuthQuery(query)
	}
	return nil, errMissingToken()
}

// parseAuthHeader reads "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…". Like AWS, it separates the parameters at commas and at
// white space, keeps the last value of a repeated one, and reports every
// missing part at once.
func parseAuthHeader(r *http.Request, header string) (*authParams, error) {
	h := strings.TrimSpace(header)
	// AWS answers a header of another scheme (or none) as if there were no
	// header at all, and looks at the algorithm only after the parameters.
	if !strings.HasPrefix(h, "AWS4-") {
		return nil, errMissingToken()
	}
	p := &authParams{}
	rest := ""
	if i := strings.IndexFunc(h, unicode.IsSpace); i >= 0 {
		p.algorithm, rest = h[:i], h[i:]
	} else {
		p.algorithm = h
	}
	fields := make(map[string]string, 3)
	for _, part := range strings.FieldsFunc(rest, func(c rune) bool { return c == ',' || unicode.IsSpace(c) }) {
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, errIncomplete(msgNotKeyValue, part, header)
		}
		fields[k] = val
	}

	var missing []string
	if p.credential = fields["Credential"]; p.credential == "" {
		missing = append(missing, msgRequiresCredential)
	}
	if p.signature = fields["Signature"]; p.signature == "" {
		missing = append(missing, msgRequiresSignature)
	}
	signed, ok := fields["SignedHeaders"]
	if !ok {
		missing = append(missing, msgRequiresSignedHeaders)
	}
	if p.date = r.Header.Get("X-Amz-Date"); p.date == "" {
		p.date = r.Header.Get("Date")
	}
	if p.date == "" {
		missing = append(missing, msgRequiresDate)
	}
	if len(missing) > 0 {
		return nil, errMissingParts(missing, header)
	}
	p.signedHeaders = splitSignedHeaders(signed)
	p.sessionToken = r.Header.Get("X-Amz-Security-Token")
	return p, nil
}

// parseAuthQuery reads the X-Amz-* parameters of a presigned request.
func parseAuthQuery(query url.Values) (*authParams, error) {
	p := &authParams{presigned: true, algorithm: query.Get("X-Amz-Algorithm")}
	// AWS treats a presigned request with another algorithm as unsigned
	// (scratchstack-aws-signature's rule 7a).
	if p.algorithm != algorithm {
		return nil, errMissingToken()
	}
	var missing []string
	if p.credential = query.Get("X-Amz-Credential"); p.credential == "" {
		missing = append(missing, "X-Amz-Credential")
	}
	if p.signature = query.Get("X-Amz-Signature"); p.signature == "" {
		missing = append(missing, "X-Amz-Signature")
	}
	signed, ok := query["X-Amz-SignedHeaders"]
	if !ok {
		missing = append(missing, "X-Amz-SignedHeaders")
	}
	if p.date = query.Get("X-Amz-Date"); p.date == "" {
		missing = append(missing, "X-Amz-Date")
	}
	if len(missing) > 0 {
		return nil, errMissingQueryParams(missing)
	}
	p.signedHeaders = splitSignedHeaders(signed[0])
	p.sessionToken = query.Get("X-Amz-Security-Token")
	if e, ok := query["X-Amz-Expires"]; ok {
		secs, err := strconv.ParseInt(e[0], 10, 64)
		switch {
		case err != nil:
			return nil, errIncomplete(msgExpiresNotNumber)
		case secs < 0:
			return nil, errIncomplete(msgExpiresNegative)
		case secs > maxPresignExpiry:
			return nil, errIncomplete(msgExpiresTooLong)
		}
		p.expires, p.hasExpires = time.Duration(secs)*time.Second, true
	}
	return p, nil
}

// splitSignedHeaders turns "host;x-amz-date" into sorted lowercase names, the
// order the canonical request lists them in whatever order the client sent.
func splitSignedHeaders(s string) []string {
	names := strings.Split(strings.ToLower(s), ";")
	slices.Sort(names)
	return names
}

// parseAmzDate parses SigV4's basic ISO 8601 form, 20060102T150405Z, and
// nothing else (time.Parse alone would also take one-digit hours).
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(amzDateLayout) {
		return time.Time{}, false
	}
	for i := 0; i < len(s); i++ {
		if i == 8 || i == 15 {
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, false
		}
	}
	t, err := time.Parse(amzDateLayout, s)
	return t, err == nil
}

// checkTime refuses a request signed too long ago or too far ahead. A
// presigned request with X-Amz-Expires stays valid that long instead of
// MaxSkew.
func (v *Verifier) checkTime(p *authParams, signedAt time.Time) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	now = now.UTC()
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	past := skew
	if p.hasExpires {
		past = p.expires
	}
	if signedAt.Before(now.Add(-past)) {
		return errExpired(signedAt, now, past)
	}
	if signedAt.After(now.Add(skew)) {
		return errNotYetCurrent(signedAt, now, skew)
	}
	return nil
}

// checkScope parses the credential and checks its scope against the
// Verifier and the request date, reporting every wrong part at once.
func (v *Verifier) checkScope(credential string, signedAt time.Time) (scope, error) {
	// AWS ignores trailing slashes here.
	parts := strings.Split(strings.TrimRight(credential, "/"), "/")
	if len(parts) != 5 {
		return scope{}, errIncomplete(msgCredentialParts, credential)
	}
	sc := scope{accessKeyID: parts[0], date: parts[1], region: parts[2], service: parts[3], terminator: parts[4]}
	var b strings.Builder
	if v.Region != "" && sc.region != v.Region {
		fmt.Fprintf(&b, msgScopeRegion, sc.region)
	}
	if sc.service != v.Service {
		fmt.Fprintf(&b, msgScopeService, v.Service)
	}
	if sc.terminator != terminator {
		fmt.Fprintf(&b, msgScopeTerminator, sc.terminator)
	}
	if want := signedAt.Format(scopeDateLayout); sc.date != want {
		fmt.Fprintf(&b, msgScopeDate, sc.date, want, signedAt.Format(amzDateLayout))
	}
	if b.Len() > 0 {
		return scope{}, errInvalid("%s", b.String())
	}
	return sc, nil
}

// payloadHash is the payload hash the canonical request ends with: the
// SHA-256 of body, or UNSIGNED-PAYLOAD for a presigned request that says so.
// ok is false when the request declares, in X-Amz-Content-Sha256, a hash its
// body does not have.
func payloadHash(r *http.Request, query url.Values, presigned bool, body []byte) (hash string, ok bool) {
	declared := r.Header.Get("X-Amz-Content-Sha256")
	if declared == "" && presigned {
		declared = query.Get("X-Amz-Content-Sha256")
	}
	if presigned && declared == unsignedPayload {
		return unsignedPayload, true
	}
	hash = hashHex(body)
	return hash, declared == "" || declared == hash
}
