package identity

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/internal/check"
)

// jwkOf is the public JWK of the named test key, with kid and the extra
// members.
func jwkOf(name, kid string, extra ...any) map[string]any {
	m := map[string]any{"kid": kid, "use": "sig"}
	switch k := key(name).Public().(type) {
	case *rsa.PublicKey:
		m["kty"], m["n"], m["e"] = "RSA", b64.EncodeToString(k.N.Bytes()), b64.EncodeToString(big.NewInt(int64(k.E)).Bytes())
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		raw, _ := k.Bytes()
		m["kty"], m["crv"] = "EC", k.Curve.Params().Name
		m["x"], m["y"] = b64.EncodeToString(raw[1:1+size]), b64.EncodeToString(raw[1+size:])
	case ed25519.PublicKey:
		m["kty"], m["crv"], m["x"] = "OKP", "Ed25519", b64.EncodeToString(k)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

// A jwksServer serves a JWK Set that tests change, and counts fetches.
type jwksServer struct {
	*httptest.Server
	hits atomic.Int32

	mu     sync.Mutex
	keys   []map[string]any
	status int
	gate   chan struct{} // when not nil, answers wait for it to close
}

func newJWKSServer(t *testing.T, keys ...map[string]any) *jwksServer {
	s := &jwksServer{keys: keys, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		gate, status := s.gate, s.status
		body, _ := json.Marshal(map[string]any{"keys": s.keys})
		s.mu.Unlock()
		if gate != nil {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(keys ...map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

func (s *jwksServer) setGate(gate chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = gate
}

func jwksConfig(s *jwksServer, c *check.Clock) JWTConfig {
	return JWTConfig{
		Issuer:          testIssuer,
		Audiences:       []string{"trailbridge"},
		JWKSURL:         s.URL + "/.well-known/jwks.json",
		JWKSMinInterval: 10 * time.Second,
		JWKSMaxAge:      time.Hour,
		UserNameClaim:   "preferred_username",
		Now:             c.Now,
	}
}

// identifyJSON runs j over a request bearing token, as JSON.
func identifyJSON(t *testing.T, j *JWT, token string) string {
	t.Helper()
	r := bearer(httptest.NewRequest(http.MethodGet, "/", nil), token)
	return identityJSON(t, j.Identify(r, nil))
}

func TestJWKSRotation(t *testing.T) {
	s := newJWKSServer(t, jwkOf("rsa", "k1", "alg", "RS256"))
	c := check.NewClock(testNow)
	j := newTestJWT(t, jwksConfig(s, c))
	k1 := signToken(t, "RS256", key("rsa"), claims(), map[string]any{"kid": "k1"})
	k2 := signToken(t, "ES256", key("p256"), claims(), map[string]any{"kid": "k2"})
	k3 := signToken(t, "ES256", key("p256"), claims(), map[string]any{"kid": "k3"})

	steps := []struct {
		name    string
		advance time.Duration
		rotate  []map[string]any
		token   string
		want    string
		hits    int32
	}{
		{name: "first token fetches the set", token: k1, want: aliceWebJSON, hits: 1},
		{name: "second token uses the cached set", token: k1, want: aliceWebJSON, hits: 1},
		{name: "a new kid after rotation fetches again", advance: 11 * time.Second,
			rotate: []map[string]any{jwkOf("p256", "k2")}, token: k2, want: aliceWebJSON, hits: 2},
		{name: "no identity for the retired kid, and no fetch so soon", token: k1, want: "null", hits: 2},
		{name: "no identity for an unknown kid after a fetch", advance: 11 * time.Second, token: k3, want: "null", hits: 3},
		{name: "no identity for the unknown kid again, without a fetch", advance: 5 * time.Second, token: k3, want: "null", hits: 3},
		{name: "the current kid still verifies", token: k2, want: aliceWebJSON, hits: 3},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			c.Add(st.advance)
			if st.rotate != nil {
				s.serve(st.rotate...)
			}
			if got, want := identifyJSON(t, j, st.token), st.want; got != want {
				t.Errorf("identity\n got %s\nwant %s", got, want)
			}
			if got, want := s.hits.Load(), st.hits; got != want {
				t.Errorf("fetches = %d, want %d", got, want)
			}
		})
	}
}

func TestJWKSRefreshesAnOldSetInTheBackground(t *testing.T) {
	s := newJWKSServer(t, jwkOf("ed25519", "k1"))
	c := check.NewClock(testNow)
	cfg := jwksConfig(s, c)
	cfg.JWKSMaxAge = time.Minute
	j := newTestJWT(t, cfg)
	token := signToken(t, "EdDSA", key("ed25519"), claims(), map[string]any{"kid": "k1"})
	if got, want := identifyJSON(t, j, token), aliceWebJSON; got != want {
		t.Fatalf("identity\n got %s\nwant %s", got, want)
	}
	c.Add(2 * time.Minute)
	gate := make(chan struct{})
	s.setGate(gate) // the background fetch cannot finish: the answer must not wait for it
	if got, want := identifyJSON(t, j, token), aliceWebJSON; got != want {
		t.Errorf("identity from the old set\n got %s\nwant %s", got, want)
	}
	close(gate)
	check.For(t, 5*time.Second, 5*time.Millisecond, func() error {
		if got := s.hits.Load(); got != 2 {
			return fmt.Errorf("fetches = %d, want 2", got)
		}
		return nil
	})
}

func TestJWKSOneFetchAtATime(t *testing.T) {
	s := newJWKSServer(t, jwkOf("p384", "k1"))
	c := check.NewClock(testNow)
	j := newTestJWT(t, jwksConfig(s, c))
	token := signToken(t, "ES384", key("p384"), claims(), map[string]any{"kid": "k1"})
	gate := make(chan struct{})
	s.setGate(gate)
	var wg sync.WaitGroup
	got := make([]string, 20)
	for i := range got {
		wg.Go(func() { got[i] = identifyJSON(t, j, token) })
	}
	check.For(t, 5*time.Second, time.Millisecond, func() error {
		if s.hits.Load() == 0 {
			return fmt.Errorf("no fetch started")
		}
		return nil
	})
	close(gate)
	wg.Wait()
	for i, g := range got {
		if g != aliceWebJSON {
			t.Errorf("request %d: identity %s, want %s", i, g, aliceWebJSON)
		}
	}
	if got, want := s.hits.Load(), int32(1); got != want {
		t.Errorf("fetches = %d, want %d", got, want)
	}
}

func TestJWKSWaitIsBounded(t *testing.T) {
	token := signToken(t, "RS256", key("rsa"), claims(), map[string]any{"kid": "k1"})
	t.Run("no identity when the fetch times out", func(t *testing.T) {
		s := newJWKSServer(t, jwkOf("rsa", "k1"))
		gate := make(chan struct{})
		defer close(gate)
		s.setGate(gate)
		cfg := jwksConfig(s, check.NewClock(testNow))
		cfg.JWKSFetchTimeout = 50 * time.Millisecond
		j := newTestJWT(t, cfg)
		start := time.Now()
		if got := identifyJSON(t, j, token); got != "null" {
			t.Errorf("identity = %s, want null", got)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Identify took %v", d)
		}
	})
	t.Run("no identity when the request ends first", func(t *testing.T) {
		s := newJWKSServer(t, jwkOf("rsa", "k1"))
		gate := make(chan struct{})
		defer close(gate)
		s.setGate(gate)
		j := newTestJWT(t, jwksConfig(s, check.NewClock(testNow)))
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		r := bearer(httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil), token)
		if got := j.Identify(r, nil); got != nil {
			t.Errorf("identity = %s, want nil", identityJSON(t, got))
		}
	})
	t.Run("no identity when the set cannot be fetched", func(t *testing.T) {
		s := newJWKSServer(t, jwkOf("rsa", "k1"))
		s.status = http.StatusInternalServerError
		j := newTestJWT(t, jwksConfig(s, check.NewClock(testNow)))
		if got := identifyJSON(t, j, token); got != "null" {
			t.Errorf("identity = %s, want null", got)
		}
		if err := j.FetchKeys(t.Context()); err == nil || !strings.Contains(err.Error(), "500 Internal Server Error") {
			t.Errorf("FetchKeys = %v, want the 500 answer", err)
		}
	})
}

func TestFetchKeys(t *testing.T) {
	s := newJWKSServer(t, jwkOf("rsa", "k1"))
	j := newTestJWT(t, jwksConfig(s, check.NewClock(testNow)))
	if err := j.FetchKeys(t.Context()); err != nil {
		t.Fatal(err)
	}
	token := signToken(t, "RS256", key("rsa"), claims(), map[string]any{"kid": "k1"})
	if got, want := identifyJSON(t, j, token), aliceWebJSON; got != want {
		t.Errorf("identity\n got %s\nwant %s", got, want)
	}
	if got, want := s.hits.Load(), int32(1); got != want {
		t.Errorf("fetches = %d, want %d", got, want)
	}
}

func TestParseJWKS(t *testing.T) {
	set := func(keys ...map[string]any) string {
		b, _ := json.Marshal(map[string]any{"keys": keys})
		return string(b)
	}
	rsaKey := jwkOf("rsa", "rsa")
	tests := []struct {
		name    string
		jwks    string
		kids    []string
		wantErr bool
	}{
		{name: "every key type", jwks: set(rsaKey, jwkOf("p256", "p256"), jwkOf("p384", "p384"), jwkOf("p521", "p521"), jwkOf("ed25519", "ed")),
			kids: []string{"rsa", "p256", "p384", "p521", "ed"}},
		{name: "keys without use or kid", jwks: set(jwkOf("p256", "", "use", nil)), kids: []string{""}},
		{name: "encryption keys skipped", jwks: set(jwkOf("rsa", "enc", "use", "enc"), jwkOf("p256", "sig")), kids: []string{"sig"}},
		{name: "key_ops without verify skipped", jwks: set(jwkOf("rsa", "wrap", "key_ops", []string{"wrapKey"}), jwkOf("rsa", "v", "key_ops", []string{"verify"})), kids: []string{"v"}},
		{name: "symmetric keys skipped", jwks: set(map[string]any{"kty": "oct", "kid": "oct", "k": b64.EncodeToString([]byte(testSecret))}, rsaKey), kids: []string{"rsa"}},
		{name: "a key whose alg its type cannot do skipped", jwks: set(jwkOf("p256", "bad", "alg", "RS256"), jwkOf("p256", "good", "alg", "ES256")), kids: []string{"good"}},
		{name: "an EC key on the wrong curve for its alg skipped", jwks: set(jwkOf("p384", "bad", "alg", "ES256")), kids: nil},
		{name: "an EC point off the curve skipped", jwks: set(jwkOf("p256", "off", "y", jwkOf("p256b", "")["y"])), kids: nil},
		{name: "short EC coordinates skipped", jwks: set(jwkOf("p256", "short", "x", b64.EncodeToString(make([]byte, 31)))), kids: nil},
		{name: "a 1024-bit RSA key skipped", jwks: set(map[string]any{"kty": "RSA", "kid": "small", "n": b64.EncodeToString(make1024()), "e": "AQAB"}), kids: nil},
		{name: "padded base64 skipped", jwks: set(jwkOf("ed25519", "pad", "x", jwkOf("ed25519", "")["x"].(string)+"=")), kids: nil},
		{name: "unknown members ignored", jwks: `{"keys":[` + mustJSON(jwkOf("ed25519", "ed", "x5t", "abc")) + `],"extra":1}`, kids: []string{"ed"}},
		{name: "a key that is not an object skipped", jwks: `{"keys":["x", 1, null, ` + mustJSON(rsaKey) + `]}`, kids: []string{"rsa"}},
		{name: "no keys member", jwks: `{"kty":"RSA"}`, wantErr: true},
		{name: "not JSON", jwks: `<html>`, wantErr: true},
		{name: "keys not an array", jwks: `{"keys":{}}`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := parseJWKS([]byte(tc.jwks))
			if got, want := err != nil, tc.wantErr; got != want {
				t.Fatalf("error = %v, want error %v", err, want)
			}
			var kids []string
			for _, k := range keys {
				kids = append(kids, k.kid)
			}
			if !slices.Equal(kids, tc.kids) {
				t.Errorf("kids = %q, want %q", kids, tc.kids)
			}
		})
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// make1024 is a 1024-bit odd modulus-shaped number.
func make1024() []byte {
	n := make([]byte, 128)
	n[0], n[127] = 0xc5, 0x01
	return n
}
