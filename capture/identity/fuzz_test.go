package identity

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func FuzzParseToken(f *testing.F) {
	secret := []byte(testSecret)
	for _, seed := range []string{
		signToken(f, "HS256", secret, claims(), nil),
		signToken(f, "HS512", secret, claims("aud", []string{"a", "b"}, "nbf", 1.5), map[string]any{"kid": "k"}),
		signToken(f, "none", nil, claims(), nil),
		signToken(f, "HS256", secret, map[string]any{"exp": "soon", "sub": 7}, nil),
		"e30.e30.",
		"..",
		"a.b.c.d",
		"eyJhbGciOiJIUzI1NiJ9.bnVsbA.",
	} {
		f.Add(seed)
	}
	j := newTestJWT(f, JWTConfig{Secret: testSecret, Audiences: []string{"trailbridge"}})
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := parseToken(raw)
		if err == nil {
			if tok.alg == "" {
				t.Errorf("parsed %q with no alg", raw)
			}
			if !strings.HasPrefix(raw, tok.signingInput+".") {
				t.Errorf("signing input %q is not the head of %q", tok.signingInput, raw)
			}
			if tok.claims == nil {
				t.Errorf("parsed %q with no claims object", raw)
			}
		}
		r := bearer(httptest.NewRequest(http.MethodGet, "/", nil), raw)
		if u := j.Identify(r, nil); u != nil {
			// Only a token signed with the secret verifies, and it is
			// then shaped from its claims.
			if err != nil {
				t.Fatalf("identity %+v for a token that does not parse (%v)", u, err)
			}
			if u.Type != "WebIdentityUser" || u.UserName != tok.sub {
				t.Errorf("identity %+v for %q", u, raw)
			}
		}
	})
}

func FuzzBasicHeader(f *testing.F) {
	for _, seed := range []string{
		basicHeader("alice", "correct horse battery staple"),
		basicHeader("bob", "s3cret!"),
		basicHeader("mallory", "x"),
		"Basic ",
		"basic YWxpY2U=",
		"Basic YWxpY2U6",
		"Basic !!",
		"Bearer x",
	} {
		f.Add(seed)
	}
	b := newTestBasic(f)
	valid := map[string]string{"alice": "correct horse battery staple", "bob": "s3cret!", "ci": "ci-password"}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Authorization"] = []string{header}
		u := b.Identify(r, nil)
		user, password, ok := r.BasicAuth()
		wantIdentity := ok && valid[user] != "" && valid[user] == password
		if got := u != nil; got != wantIdentity {
			t.Errorf("Identify(%q) = %+v, want identity %v", header, u, wantIdentity)
		}
	})
}

func FuzzParseJWKS(f *testing.F) {
	for _, seed := range []string{
		mustJSON(map[string]any{"keys": []any{jwkOf("rsa", "r"), jwkOf("p256", "e", "alg", "ES256"), jwkOf("ed25519", "o")}}),
		mustJSON(map[string]any{"keys": []any{jwkOf("p521", "e", "alg", "RS256"), map[string]any{"kty": "oct", "k": "AAAA"}}}),
		`{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`,
		`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`,
		`{"keys":null}`,
		`[]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := parseJWKS(data)
		if err != nil && keys != nil {
			t.Errorf("keys %v with error %v", keys, err)
		}
		for _, k := range keys {
			if k.key == nil || k.kind == 0 || k.kind == kindHMAC {
				t.Errorf("unusable key %+v from %s", k, data)
			}
			if k.alg != "" && !k.fits(k.alg, algorithms[k.alg]) {
				t.Errorf("key %+v does not fit its own alg", k)
			}
		}
		if err == nil && !json.Valid(data) {
			t.Errorf("accepted invalid JSON %s", data)
		}
	})
}

func FuzzSigV4Authorization(f *testing.F) {
	for _, seed := range []string{
		"AWS4-HMAC-SHA256 Credential=" + aliceKey + "/20240301/us-east-1/events/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
		"AWS4-HMAC-SHA256 Credential=" + aliceKey + "/20240301/us-east-1//aws4_request",
		"AWS4-HMAC-SHA256 Credential=/////",
		"AWS4-",
		"Bearer x",
	} {
		f.Add(seed, "20240301T120000Z")
	}
	s := newTestSigV4(f)
	f.Fuzz(func(t *testing.T, auth, date string) {
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:4010/", nil)
		r.Header["Authorization"] = []string{auth}
		r.Header["X-Amz-Date"] = []string{date}
		// No signature can be guessed, whatever the header says.
		if u := s.Identify(r, nil); u != nil {
			t.Errorf("identity %+v for Authorization %q", u, auth)
		}
	})
}
