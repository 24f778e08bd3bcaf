package capture

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

// Sensitive reports whether a member named key holds a secret, so that
// its value is written as cloudtrail.Hidden. The name is compared in
// lower case without '_', '-' and '.': it is sensitive when it contains
// password, passwd, passphrase, secret, token, credential, cookie or
// signature, or ends in "key" or "authorization" (apiKey, private_key,
// secretAccessKey, key; not keyId, keyName, keyArn). Cursors and
// idempotency tokens that AWS itself logs (nextToken, clientToken,
// clientRequestToken, continuationToken, …) and maxTokens are not. In a
// record, a member named key next to one named value is a tag's name
// ({"key":"team","value":"blue"}) and is kept.
func Sensitive(key string) bool { return sensitive(key) }

func sensitive[T string | []byte](key T) bool {
	var stack [64]byte
	n := stack[:0]
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c == '_' || c == '-' || c == '.':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		n = append(n, c)
	}
	if bytes.HasSuffix(n, []byte("key")) || bytes.HasSuffix(n, []byte("authorization")) {
		return true // authorizationType names a kind, not a credential
	}
	for _, w := range sensitiveWords {
		if bytes.Contains(n, w) {
			if w[0] == 't' && isNotSecretToken(n) || namesASecret(n) {
				continue
			}
			return true
		}
	}
	return false
}

// namesASecret reports whether a name that contains a secret-like word
// identifies a secret rather than holding one (secretId, secretArn,
// secretName, tokenType), which CloudTrail logs: Secrets Manager's records
// keep secretId.
func namesASecret(n []byte) bool {
	for _, suffix := range identifierSuffixes {
		if bytes.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

var identifierSuffixes = [][]byte{
	[]byte("id"), []byte("ids"), []byte("arn"), []byte("arns"), []byte("name"), []byte("names"), []byte("type"),
}

var sensitiveWords = [][]byte{
	[]byte("password"), []byte("passwd"), []byte("passphrase"), []byte("secret"), []byte("token"),
	[]byte("credential"), []byte("cookie"), []byte("signature"), []byte("plaintext"),
}

func isNotSecretToken(n []byte) bool {
	switch string(n) {
	case "nexttoken", "continuationtoken", "paginationtoken", "pagetoken", "nextpagetoken",
		"clienttoken", "clientrequesttoken", "idempotencytoken", "maxtokens", "tokencount":
		return true
	}
	return false
}

// rewrite options for appendJSON.
type rewrite struct {
	lowerKeys bool // lower-case the first letter of member names (AWS JSON protocols)
	// aws: an AWS service's document, where an object named credentials
	// (STS's and SSO's temporary credentials) is redacted member by member
	// as CloudTrail does, keeping its accessKeyId and expiration; elsewhere
	// an object under a secret-like name is hidden whole, since its members
	// may be secrets whatever their names.
	aws bool
}

// appendJSON appends src, a valid JSON value, compacted, with the values
// of sensitive members hidden (the member is kept) at any depth.
func (o rewrite) appendJSON(dst, src []byte) []byte {
	dst, _ = o.value(dst, src, skipWS(src, 0))
	return dst
}

// value appends the value starting at src[i] and returns the index after it.
func (o rewrite) value(dst, src []byte, i int) ([]byte, int) {
	switch src[i] {
	case '{':
		objStart := i
		dst = append(dst, '{')
		i = skipWS(src, i+1)
		first := true
		for src[i] != '}' {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			ks := i
			i = stringEnd(src, i)
			keyRaw := src[ks:i]
			i = skipWS(src, i)
			i = skipWS(src, i+1) // the colon
			dst = o.appendKey(dst, keyRaw)
			dst = append(dst, ':')
			// The enclosing object is read again only for the two
			// names whose fate depends on their siblings (a tag's key,
			// a parameter's value), not for every member.
			hide := sensitiveRaw(keyRaw)
			if hide && isKeyName(keyRaw) {
				hide = !hasMember(src[objStart:skipValue(src, objStart)], "value")
			} else if !hide && isValueName(keyRaw) {
				hide = isSecureString(src[objStart:skipValue(src, objStart)])
			}
			switch {
			case hide && o.aws && src[i] == '{' && strings.EqualFold(unquote(keyRaw), "credentials"):
				dst, i = o.value(dst, src, i)
			case hide:
				dst = append(dst, `"`+cloudtrail.Hidden+`"`...)
				i = skipValue(src, i)
			default:
				dst, i = o.value(dst, src, i)
			}
			i = skipWS(src, i)
			if src[i] == ',' {
				i = skipWS(src, i+1)
			}
		}
		return append(dst, '}'), i + 1
	case '[':
		dst = append(dst, '[')
		i = skipWS(src, i+1)
		first := true
		for src[i] != ']' {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst, i = o.value(dst, src, i)
			i = skipWS(src, i)
			if src[i] == ',' {
				i = skipWS(src, i+1)
			}
		}
		return append(dst, ']'), i + 1
	case '"':
		j := stringEnd(src, i)
		return append(dst, src[i:j]...), j
	}
	j := scalarEnd(src, i)
	return append(dst, src[i:j]...), j
}

func (o rewrite) appendKey(dst, keyRaw []byte) []byte {
	if o.lowerKeys && len(keyRaw) > 2 && keyRaw[1] >= 'A' && keyRaw[1] <= 'Z' {
		dst = append(dst, '"', keyRaw[1]+'a'-'A')
		return append(dst, keyRaw[2:]...)
	}
	return append(dst, keyRaw...)
}

// isKeyName reports whether a raw member name is "key" in any case.
// isValueName reports whether raw is the name value (or Value).
func isValueName(raw []byte) bool {
	return len(raw) == 7 && bytes.EqualFold(raw[1:6], []byte("value"))
}

// isSecureString reports whether obj is an SSM parameter of type
// SecureString, whose value CloudTrail hides.
func isSecureString(obj []byte) bool {
	secure := false
	members(obj, func(k, v []byte) {
		secure = secure || strings.EqualFold(unquote(k), "type") && bytes.Equal(v, []byte(`"SecureString"`))
	})
	return secure
}

func isKeyName(raw []byte) bool {
	return len(raw) == 5 && bytes.EqualFold(raw[1:4], []byte("key"))
}

// hasMember reports whether the JSON object obj has a member named name
// in any case.
func hasMember(obj []byte, name string) bool {
	found := false
	members(obj, func(keyRaw, _ []byte) {
		found = found || strings.EqualFold(unquote(keyRaw), name)
	})
	return found
}

// members calls fn for each member of the JSON object src (valid JSON),
// with the member's raw (quoted) name and its raw value.
func members(src []byte, fn func(keyRaw, val []byte)) {
	i := skipWS(src, 0)
	if src[i] != '{' {
		return
	}
	i = skipWS(src, i+1)
	for src[i] != '}' {
		ks := i
		i = stringEnd(src, i)
		keyRaw := src[ks:i]
		i = skipWS(src, i)
		vs := skipWS(src, i+1)
		i = skipValue(src, vs)
		fn(keyRaw, src[vs:i])
		i = skipWS(src, i)
		if src[i] == ',' {
			i = skipWS(src, i+1)
		}
	}
}

func skipWS(src []byte, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the string starting at src[i].
func stringEnd(src []byte, i int) int {
	for i++; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(src)
}

func scalarEnd(src []byte, i int) int {
	for i < len(src) {
		switch src[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// skipValue returns the index after the value starting at src[i].
func skipValue(src []byte, i int) int {
	switch src[i] {
	case '"':
		return stringEnd(src, i)
	case '{', '[':
		depth := 0
		for ; i < len(src); i++ {
			switch src[i] {
			case '"':
				i = stringEnd(src, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	return scalarEnd(src, i)
}

// sensitiveRaw is Sensitive of a raw (quoted) JSON member name.
func sensitiveRaw(raw []byte) bool {
	if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 {
		return sensitive(raw[1 : len(raw)-1])
	}
	return sensitive(unquote(raw))
}

// unquote returns the text of a raw JSON string.
func unquote(raw []byte) string {
	if len(raw) < 2 {
		return ""
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// lowerFirst lower-cases the first letter of an ASCII member name, as
// CloudTrail writes query-protocol members (UserName → userName).
func lowerFirst(s string) string {
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}

// isJSONType reports whether a Content-Type names JSON (application/json,
// application/x-amz-json-1.1, application/problem+json, …).
func isJSONType(ct string) bool {
	ct, _, _ = strings.Cut(ct, ";")
	ct = strings.TrimSpace(strings.ToLower(ct))
	return strings.HasSuffix(ct, "/json") || strings.HasSuffix(ct, "+json") || strings.HasPrefix(ct, "application/x-amz-json")
}

// AWSMembers returns an AWS JSON protocol's request or answer as
// CloudTrail writes it in a record: compacted, each member name's first
// letter in lower case (DBSnapshotIdentifier → dBSnapshotIdentifier, as in
// real records), sensitive members' values replaced by cloudtrail.Hidden
// (see Sensitive). It is the choke point for records made elsewhere, such
// as trailbridge's audit of its own API. What is not valid JSON, and an
// empty document, come back as null.
func AWSMembers(doc []byte) json.RawMessage {
	if len(doc) == 0 || !json.Valid(doc) {
		return json.RawMessage("null")
	}
	return rewrite{lowerKeys: true, aws: true}.appendJSON(nil, doc)
}
