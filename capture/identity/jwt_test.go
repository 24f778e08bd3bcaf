package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testIssuer = "https://login.example.com"
	testSecret = "0123456789abcdef0123456789abcdef-hmac"
)

// testKeys are generated once: RSA generation is slow.
var testKeys = sync.OnceValue(func() map[string]crypto.Signer {
	keys := map[string]crypto.Signer{}
	for _, name := range []string{"rsa", "rsa2"} {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[name] = k
	}
	for name, c := range map[string]elliptic.Curve{"p256": elliptic.P256(), "p384": elliptic.P384(), "p521": elliptic.P521(), "p256b": elliptic.P256()} {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			panic(err)
		}
		keys[name] = k
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	keys["ed25519"] = ed
	return keys
})

func key(name string) crypto.Signer { return testKeys()[name] }

// pemOf is the PEM PUBLIC KEY block of the named keys' public halves.
func pemOf(t testing.TB, names ...string) string {
	t.Helper()
	var b strings.Builder
	for _, n := range names {
		der, err := x509.MarshalPKIXPublicKey(key(n).Public())
		if err != nil {
			t.Fatal(err)
		}
		pem.Encode(&b, &pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	return b.String()
}

// claims returns the claims of a valid token, changed by the pairs of
// set (a nil value removes the claim).
func claims(set ...any) map[string]any {
	c := map[string]any{
		"iss":                testIssuer,
		"sub":                "user-123",
		"aud":                "trailbridge",
		"exp":                testNow.Add(time.Hour).Unix(),
		"iat":                testNow.Add(-time.Minute).Unix(),
		"preferred_username": "alice",
	}
	for i := 0; i+1 < len(set); i += 2 {
		if set[i+1] == nil {
			delete(c, set[i].(string))
		} else {
			c[set[i].(string)] = set[i+1]
		}
	}
	return c
}

// signToken makes a JWS of claims with alg and key (a []byte secret or
// a crypto.Signer), with the extra header members.
func signToken(t testing.TB, alg string, k any, claims map[string]any, header map[string]any) string {
	t.Helper()
	h := map[string]any{"alg": alg, "typ": "JWT"}
	maps.Copy(h, header)
	hj, _ := json.Marshal(h)
	cj, _ := json.Marshal(claims)
	input := b64.EncodeToString(hj) + "." + b64.EncodeToString(cj)
	return input + "." + b64.EncodeToString(rawSign(t, alg, k, input))
}

func rawSign(t testing.TB, alg string, k any, input string) []byte {
	t.Helper()
	a, ok := algorithms[alg]
	if !ok { // "none" and other unknown algorithms: no signature
		return nil
	}
	var digest []byte
	if a.hash != 0 {
		h := a.hash.New()
		h.Write([]byte(input))
		digest = h.Sum(nil)
	}
	var (
		sig []byte
		err error
	)
	switch k := k.(type) {
	case []byte:
		m := hmac.New(a.hash.New, k)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	case *rsa.PrivateKey:
		if a.pss {
			sig, err = rsa.SignPSS(rand.Reader, k, a.hash, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, err = rsa.SignPKCS1v15(nil, k, a.hash, digest)
		}
	case *ecdsa.PrivateKey:
		r, s, serr := ecdsa.Sign(rand.Reader, k, digest)
		size := (k.Curve.Params().BitSize + 7) / 8
		sig, err = make([]byte, 2*size), serr
		if serr == nil {
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
		}
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, []byte(input))
	default:
		t.Fatalf("no signer for %T", k)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func bearer(r *http.Request, token string) *http.Request {
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

const aliceWebJSON = `{"type":"WebIdentityUser","principalId":"login.example.com:trailbridge:user-123","userName":"alice","identityProvider":"login.example.com"}`

func newTestJWT(t testing.TB, cfg JWTConfig) *JWT {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = fixedNow
	}
	j, err := NewJWT(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestJWT(t *testing.T) {
	staticKeys := JWTConfig{
		Issuer:        testIssuer,
		Audiences:     []string{"trailbridge", "other-app"},
		Secret:        testSecret,
		PublicKeys:    pemOf(t, "rsa", "p256", "p384", "p521", "ed25519"),
		UserNameClaim: "preferred_username",
	}
	secret := []byte(testSecret)
	tests := []struct {
		name  string
		cfg   *JWTConfig // staticKeys when nil
		token string
		want  string
	}{
		{"HS256", nil, signToken(t, "HS256", secret, claims(), nil), aliceWebJSON},
		{"HS384", nil, signToken(t, "HS384", secret, claims(), nil), aliceWebJSON},
		{"HS512", nil, signToken(t, "HS512", secret, claims(), nil), aliceWebJSON},
		{"RS256", nil, signToken(t, "RS256", key("rsa"), claims(), nil), aliceWebJSON},
		{"RS384", nil, signToken(t, "RS384", key("rsa"), claims(), nil), aliceWebJSON},
		{"RS512", nil, signToken(t, "RS512", key("rsa"), claims(), nil), aliceWebJSON},
		{"PS256", nil, signToken(t, "PS256", key("rsa"), claims(), nil), aliceWebJSON},
		{"PS384", nil, signToken(t, "PS384", key("rsa"), claims(), nil), aliceWebJSON},
		{"PS512", nil, signToken(t, "PS512", key("rsa"), claims(), nil), aliceWebJSON},
		{"ES256", nil, signToken(t, "ES256", key("p256"), claims(), nil), aliceWebJSON},
		{"ES384", nil, signToken(t, "ES384", key("p384"), claims(), nil), aliceWebJSON},
		{"ES512", nil, signToken(t, "ES512", key("p521"), claims(), nil), aliceWebJSON},
		{"EdDSA", nil, signToken(t, "EdDSA", key("ed25519"), claims(), nil), aliceWebJSON},
		{"Ed25519", nil, signToken(t, "Ed25519", key("ed25519"), claims(), nil), aliceWebJSON},
		{"a kid the static keys ignore", nil, signToken(t, "ES256", key("p256"), claims(), map[string]any{"kid": "whatever"}), aliceWebJSON},
		{"expired within the leeway", nil, signToken(t, "ES256", key("p256"), claims("exp", testNow.Add(-30*time.Second).Unix()), nil), aliceWebJSON},
		{"fractional exp", nil, signToken(t, "ES256", key("p256"), claims("exp", float64(testNow.Unix())+3600.5), nil), aliceWebJSON},
		{"aud array naming the second configured audience", nil,
			signToken(t, "ES256", key("p256"), claims("aud", []string{"unrelated", "other-app"}), nil),
			`{"type":"WebIdentityUser","principalId":"login.example.com:other-app:user-123","userName":"alice","identityProvider":"login.example.com"}`},
		{"userName falls back to sub", nil, signToken(t, "ES256", key("p256"), claims("preferred_username", nil), nil),
			`{"type":"WebIdentityUser","principalId":"login.example.com:trailbridge:user-123","userName":"user-123","identityProvider":"login.example.com"}`},
		{"no iss, aud or issuer configured", &JWTConfig{Secret: testSecret},
			signToken(t, "HS256", secret, claims("iss", nil, "aud", nil), nil),
			`{"type":"WebIdentityUser","principalId":"user-123","userName":"user-123"}`},
		{"selected claims and MFA in the session context",
			&JWTConfig{Secret: testSecret, Claims: []string{"email", "groups", "absent"}},
			signToken(t, "HS256", secret, claims("email", "alice@example.com", "groups", []string{"admins", "ops"}, "amr", []string{"pwd", "mfa"}), nil),
			`{"type":"WebIdentityUser","principalId":"login.example.com:trailbridge:user-123","userName":"user-123","sessionContext":{"webIdFederationData":{"federatedProvider":"login.example.com","attributes":{"login.example.com:email":"alice@example.com","login.example.com:groups":["admins","ops"]}},"attributes":{"creationDate":"2024-03-01T11:59:00Z","mfaAuthenticated":"true"}},"identityProvider":"login.example.com"}`},

		{"no identity when expired", nil, signToken(t, "ES256", key("p256"), claims("exp", testNow.Add(-2*time.Minute).Unix()), nil), "null"},
		{"no identity without exp", nil, signToken(t, "ES256", key("p256"), claims("exp", nil), nil), "null"},
		{"no identity for exp as a string", nil, signToken(t, "ES256", key("p256"), claims("exp", "4102444800"), nil), "null"},
		{"no identity before nbf", nil, signToken(t, "ES256", key("p256"), claims("nbf", testNow.Add(5*time.Minute).Unix()), nil), "null"},
		{"no identity when issued in the future", nil, signToken(t, "ES256", key("p256"), claims("iat", testNow.Add(5*time.Minute).Unix()), nil), "null"},
		{"no identity for a wrong aud", nil, signToken(t, "ES256", key("p256"), claims("aud", "someone-else"), nil), "null"},
		{"no identity without aud when audiences are configured", nil, signToken(t, "ES256", key("p256"), claims("aud", nil), nil), "null"},
		{"no identity for a wrong iss", nil, signToken(t, "ES256", key("p256"), claims("iss", "https://evil.example.com"), nil), "null"},
		{"no identity without sub", nil, signToken(t, "ES256", key("p256"), claims("sub", nil), nil), "null"},
		{"no identity for alg none", nil, signToken(t, "none", nil, claims(), nil), "null"},
		{"no identity for alg None", nil, signToken(t, "None", nil, claims(), nil), "null"},
		{"no identity for HS256 keyed with the RSA public key", &JWTConfig{PublicKeys: pemOf(t, "rsa")},
			signToken(t, "HS256", []byte(pemOf(t, "rsa")), claims(), nil), "null"},
		{"no identity for ES256 signed on P-384", nil, signToken(t, "ES256", key("p384"), claims(), nil), "null"},
		{"no identity for ES384 claimed with a P-256 signature", nil, relabel(t, signToken(t, "ES256", key("p256"), claims(), nil), "ES384"), "null"},
		{"no identity for RS256 claimed with a PSS signature", nil, relabel(t, signToken(t, "PS256", key("rsa"), claims(), nil), "RS256"), "null"},
		{"no identity for an unknown key", nil, signToken(t, "ES256", key("p256b"), claims(), nil), "null"},
		{"no identity for another RSA key", nil, signToken(t, "RS256", key("rsa2"), claims(), nil), "null"},
		{"no identity for a wrong secret", nil, signToken(t, "HS256", []byte("another secret, also 32 bytes long"), claims(), nil), "null"},
		{"no identity for a changed payload", nil, tamper(t, signToken(t, "ES256", key("p256"), claims(), nil)), "null"},
		{"no identity for a crit header", nil, signToken(t, "ES256", key("p256"), claims(), map[string]any{"crit": []string{"exp"}}), "null"},
		{"no identity for an algorithm not allowed", &JWTConfig{PublicKeys: pemOf(t, "rsa", "p256"), Algorithms: []string{"RS256"}},
			signToken(t, "ES256", key("p256"), claims(), nil), "null"},
		{"no identity for HS256 without a secret", &JWTConfig{PublicKeys: pemOf(t, "p256")}, signToken(t, "HS256", secret, claims(), nil), "null"},
		{"no identity for two parts", nil, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0", "null"},
		{"no identity for padded base64", nil, strings.Replace(signToken(t, "HS256", secret, claims(), nil), ".", "=.", 1), "null"},
		{"no identity for garbage", nil, "not a token", "null"},
	}
	static := newTestJWT(t, staticKeys)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := static
			if tc.cfg != nil {
				j = newTestJWT(t, *tc.cfg)
			}
			r := bearer(httptest.NewRequest(http.MethodGet, "/", nil), tc.token)
			if got, want := identityJSON(t, j.Identify(r, nil)), tc.want; got != want {
				t.Errorf("identity\n got %s\nwant %s", got, want)
			}
		})
	}
}

// relabel replaces a token's header with {"alg": alg}, keeping the
// signature.
func relabel(t *testing.T, token, alg string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	hj, _ := json.Marshal(map[string]string{"alg": alg})
	parts[0] = b64.EncodeToString(hj)
	return strings.Join(parts, ".")
}

// tamper changes the subject of a token, keeping its signature.
func tamper(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	cj, _ := json.Marshal(claims("sub", "admin"))
	parts[1] = b64.EncodeToString(cj)
	return strings.Join(parts, ".")
}

func TestJWTNoIdentityWithoutBearer(t *testing.T) {
	j := newTestJWT(t, JWTConfig{Secret: testSecret})
	token := signToken(t, "HS256", []byte(testSecret), claims(), nil)
	for name, header := range map[string]string{
		"no header":      "",
		"Basic":          basicHeader("alice", "x"),
		"bearer alone":   "Bearer ",
		"token alone":    token,
		"token as Basic": "Basic " + token,
	} {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if header != "" {
				r.Header.Set("Authorization", header)
			}
			if got := j.Identify(r, nil); got != nil {
				t.Errorf("Identify = %s, want nil", identityJSON(t, got))
			}
		})
	}
	t.Run("lower-case bearer is accepted", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "bearer "+token)
		if j.Identify(r, nil) == nil {
			t.Error("Identify = nil, want an identity")
		}
	})
}

func TestNewJWTRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  JWTConfig
		want string
	}{
		{"no key", JWTConfig{}, "identity: jwt: Secret: one of Secret, PublicKeys and JWKSURL is required"},
		{"short secret", JWTConfig{Secret: "short"}, "identity: jwt: Secret: 5 bytes; HMAC secrets need at least 32"},
		{"bad PEM", JWTConfig{PublicKeys: "nothing"}, "identity: jwt: PublicKeys: no PEM block found"},
		{"private key PEM", JWTConfig{PublicKeys: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
			"identity: jwt: PublicKeys: PEM block 1: a PRIVATE KEY block is not a public key"},
		{"plain http JWKS", JWTConfig{JWKSURL: "http://login.example.com/jwks"}, `identity: jwt: JWKSURL: "http://login.example.com/jwks": https is required`},
		{"unknown algorithm", JWTConfig{Secret: testSecret, Algorithms: []string{"HS256", "none"}}, `identity: jwt: Algorithms[1]: "none" is not a supported algorithm`},
		{"algorithm without its key", JWTConfig{Secret: testSecret, Algorithms: []string{"RS256"}}, "identity: jwt: Algorithms[0]: RS256 needs PublicKeys or JWKSURL"},
		{"empty audience", JWTConfig{Secret: testSecret, Audiences: []string{""}}, "identity: jwt: Audiences[0]: empty"},
		{"negative leeway", JWTConfig{Secret: testSecret, Leeway: -time.Second}, "identity: jwt: Leeway: negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewJWT(tc.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q…", err, tc.want)
			}
		})
	}
}
