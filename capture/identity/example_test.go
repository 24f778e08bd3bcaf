package identity_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/trailbridge/trailbridge/capture"
	"github.com/trailbridge/trailbridge/capture/identity"
	"github.com/trailbridge/trailbridge/sigv4"
)

// Every identifier, and their combination, is a capture.Identifier.
var (
	_ capture.Identifier = (*identity.SigV4)(nil)
	_ capture.Identifier = (*identity.Basic)(nil)
	_ capture.Identifier = (*identity.JWT)(nil)
	_ capture.Identifier = (*identity.ClientCert)(nil)
	_ capture.Identifier = identity.First()
)

// A server identifies its callers by SigV4 first, then by HTTP Basic.
func ExampleFirst() {
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	sv4, err := identity.NewSigV4(identity.SigV4Config{
		Account: "123456789012",
		Keys: []identity.AccessKey{{
			ID:        "AKIAIOSFODNN7EXAMPLE",
			Secret:    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
			Principal: identity.Principal{Name: "alice"},
		}},
		Now: func() time.Time { return now },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	basic, err := identity.NewBasic(identity.BasicConfig{
		Account: "123456789012",
		Users:   []identity.BasicUser{{Name: "bob", Password: "sha256:" + sha256Hex("hunter2")}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	id := identity.First(sv4, basic)

	body := []byte(`{"Name":"default"}`)
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4010/", bytes.NewReader(body))
	r.Header.Set("X-Amz-Target", "AWSEvents.DescribeEventBus")
	sigv4.Sign(r, body, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", "events", "us-east-1", now)
	printJSON(id.Identify(r, body))

	r = httptest.NewRequest(http.MethodGet, "/orders", nil)
	r.SetBasicAuth("bob", "hunter2")
	printJSON(id.Identify(r, nil))

	r.SetBasicAuth("bob", "wrong")
	fmt.Println(id.Identify(r, nil) == nil)
	// Output:
	// {"type":"IAMUser","principalId":"AIDA4CI3J2ODRSPTQGIZV","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"alice"}
	// {"type":"IAMUser","principalId":"AIDA4DNKPEYDN5ETK6ILE","arn":"arn:aws:iam::123456789012:user/bob","accountId":"123456789012","userName":"bob"}
	// true
}

// A bearer token signed with a shared secret; its email claim is kept.
func ExampleNewJWT() {
	const secret = "a shared secret of at least 32 bytes"
	j, err := identity.NewJWT(identity.JWTConfig{
		Issuer:        "https://login.example.com",
		Audiences:     []string{"orders-api"},
		Secret:        secret,
		UserNameClaim: "preferred_username",
		Claims:        []string{"email"},
		Now:           func() time.Time { return time.Unix(1709294400, 0) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	token := hs256(secret, map[string]any{
		"iss": "https://login.example.com", "aud": "orders-api", "sub": "00u1a2b3c",
		"preferred_username": "carol", "email": "carol@example.com",
		"iat": 1709294000, "exp": 1709298000,
	})
	r := httptest.NewRequest(http.MethodGet, "/orders", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	printJSON(j.Identify(r, nil))
	// Output:
	// {"type":"WebIdentityUser","principalId":"login.example.com:orders-api:00u1a2b3c","userName":"carol","sessionContext":{"webIdFederationData":{"federatedProvider":"login.example.com","attributes":{"login.example.com:email":"carol@example.com"}},"attributes":{"creationDate":"2024-03-01T11:53:20Z","mfaAuthenticated":"false"}},"identityProvider":"login.example.com"}
}

func printJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", sum)
}

// hs256 makes a JWT signed with HS256, as an identity provider would.
func hs256(secret string, claims map[string]any) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	payload, _ := json.Marshal(claims)
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(input))
	return input + "." + enc.EncodeToString(m.Sum(nil))
}
