package identity

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func newTestBasic(t testing.TB) *Basic {
	t.Helper()
	b, err := NewBasic(BasicConfig{
		Account: testAccount,
		Users: []BasicUser{
			{Name: "alice", Password: "correct horse battery staple"},
			// sha256("s3cret!")
			{Name: "bob", Password: "sha256:" + hashHex([]byte("s3cret!"))},
			{Name: "ci", Password: "ci-password", Principal: Principal{
				Type: "AssumedRole", Name: "deployer", Session: "ci", Path: "/ci/", Created: testNow.Add(-time.Hour)}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func basicHeader(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

func TestBasic(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   string
	}{
		{"plain password", basicHeader("alice", "correct horse battery staple"),
			`{"type":"IAMUser","principalId":"AIDA4CI3J2ODRSPTQGIZV","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","userName":"alice"}`},
		{"hashed password", basicHeader("bob", "s3cret!"),
			`{"type":"IAMUser","principalId":"AIDA4DNKPEYDN5ETK6ILE","arn":"arn:aws:iam::123456789012:user/bob","accountId":"123456789012","userName":"bob"}`},
		{"lower-case scheme", "basic " + base64.StdEncoding.EncodeToString([]byte("bob:s3cret!")),
			`{"type":"IAMUser","principalId":"AIDA4DNKPEYDN5ETK6ILE","arn":"arn:aws:iam::123456789012:user/bob","accountId":"123456789012","userName":"bob"}`},
		{"user mapped to an assumed role", basicHeader("ci", "ci-password"),
			`{"type":"AssumedRole","principalId":"AROAN6G6FGG2CJI75CQQO:ci","arn":"arn:aws:sts::123456789012:assumed-role/deployer/ci","accountId":"123456789012","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAN6G6FGG2CJI75CQQO","arn":"arn:aws:iam::123456789012:role/ci/deployer","accountId":"123456789012","userName":"deployer"},"webIdFederationData":{},"attributes":{"creationDate":"2024-03-01T11:00:00Z","mfaAuthenticated":"false"}}}`},
		{"no identity for a wrong password", basicHeader("alice", "wrong"), "null"},
		{"no identity for the hash sent as the password", basicHeader("bob", "sha256:"+hashHex([]byte("s3cret!"))), "null"},
		{"no identity for an unknown user", basicHeader("mallory", "correct horse battery staple"), "null"},
		{"no identity for an empty password", basicHeader("alice", ""), "null"},
		{"no identity for a malformed header", "Basic !!!", "null"},
		{"no identity for another scheme", "Bearer " + base64.StdEncoding.EncodeToString([]byte("alice:correct horse battery staple")), "null"},
		{"no identity without a header", "", "null"},
	}
	b := newTestBasic(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			if got, want := identityJSON(t, b.Identify(r, nil)), tc.want; got != want {
				t.Errorf("identity\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestNewBasicRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  BasicConfig
		want string
	}{
		{"user without name", BasicConfig{Users: []BasicUser{{Password: "p"}}}, "identity: basic: Users[0].Name: required"},
		{"user with a colon", BasicConfig{Users: []BasicUser{{Name: "a:b", Password: "p"}}}, `identity: basic: Users[0].Name: "a:b" holds a colon`},
		{"user without password", BasicConfig{Users: []BasicUser{{Name: "a"}}}, "identity: basic: Users[0].Password: required"},
		{"short hash", BasicConfig{Users: []BasicUser{{Name: "a", Password: "sha256:abcd"}}}, "identity: basic: Users[0].Password: sha256: wants 64 hex digits"},
		{"user twice", BasicConfig{Users: []BasicUser{{Name: "a", Password: "p"}, {Name: "a", Password: "q"}}}, `identity: basic: Users[1].Name: "a" is configured twice`},
		{"name that is no IAM name", BasicConfig{Users: []BasicUser{{Name: "a b", Password: "p"}}}, `identity: basic: Users[0].Principal.Name: "a b" is not an IAM user name`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewBasic(tc.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q…", err, tc.want)
			}
		})
	}
}
