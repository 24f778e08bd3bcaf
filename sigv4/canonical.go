package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

const (
	algorithm       = "AWS4-HMAC-SHA256"
	terminator      = "aws4_request"
	amzDateLayout   = "20060102T150405Z"
	scopeDateLayout = "20060102"
	unsignedPayload = "UNSIGNED-PAYLOAD"
)

// scope is a parsed credential: the access key and the four scope parts.
type scope struct {
	accessKeyID, date, region, service, terminator string
}

// String is the credential scope as it appears in the string to sign.
func (s scope) String() string {
	return s.date + "/" + s.region + "/" + s.service + "/" + s.terminator
}

// canonicalRequest builds SigV4's canonical request for r. signed holds the
// lowercase names of the signed headers, sorted; uri and query are already
// canonical.
func canonicalRequest(r *http.Request, uri, query string, signed []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range headerValues(r, name) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(canonicalHeaderValue(v))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// headerValues returns the values r carries for the lowercase header name.
// Host and Content-Length are not in r.Header on a server (net/http moves
// them to fields), so they come from the fields.
func headerValues(r *http.Request, name string) []string {
	switch name {
	case "host":
		if r.Host != "" {
			return []string{r.Host}
		}
		return []string{r.URL.Host}
	case "content-length":
		if r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	}
	return r.Header.Values(name)
}

// canonicalHeaderValue trims v and collapses its runs of spaces to one.
func canonicalHeaderValue(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// canonicalURIs returns the canonical URI of an escaped path as AWS's non-S3
// services compute it (dot segments and repeated slashes removed, then every
// byte but the unreserved ones and '/' encoded again, so "%20" becomes
// "%2520"), followed by the same without normalisation when that differs:
// aws-sdk-go-v2 signs paths unnormalised, and a request it signed must still
// verify.
func canonicalURIs(escapedPath string) []string {
	if escapedPath == "" {
		escapedPath = "/"
	}
	normalized := uriEncode(normalizePath(escapedPath), false)
	if raw := uriEncode(escapedPath, false); raw != normalized {
		return []string{normalized, raw}
	}
	return []string{normalized}
}

// normalizePath removes "." and ".." segments and empty segments (RFC 3986
// section 5.2.4, plus AWS's collapsing of repeated slashes), keeping a
// trailing slash.
func normalizePath(p string) string {
	var out []string
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	n := "/" + strings.Join(out, "/")
	if len(out) > 0 && strings.HasSuffix(p, "/") {
		n += "/"
	}
	return n
}

// canonicalQuery returns the canonical query string of parsed query values:
// each name and value URI-encoded, the pairs sorted by encoded name, then encoded
// value (SigV4 sorts after encoding). X-Amz-Signature is left out of
// presigned requests, whose signature cannot cover itself.
func canonicalQuery(values url.Values, presigned bool) string {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range values {
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		ek := uriEncode(k, true)
		for _, v := range vs {
			pairs = append(pairs, pair{ek, uriEncode(v, true)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// uriEncode percent-encodes every byte of s except A-Z a-z 0-9 - _ . ~ (and
// '/' unless encodeSlash), with uppercase hex.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// stringToSign is the second input of the signature: algorithm, request
// time, scope and the hash of the canonical request.
func stringToSign(amzDate string, sc scope, canonical string) string {
	return algorithm + "\n" + amzDate + "\n" + sc.String() + "\n" + hashHex([]byte(canonical))
}

// signature computes the hex HMAC of the string to sign with the key derived
// from secret and the scope.
func signature(secret string, sc scope, sts string) string {
	key := hmacSHA256([]byte("AWS4"+secret), sc.date)
	key = hmacSHA256(key, sc.region)
	key = hmacSHA256(key, sc.service)
	key = hmacSHA256(key, sc.terminator)
	return hex.EncodeToString(hmacSHA256(key, sts))
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
