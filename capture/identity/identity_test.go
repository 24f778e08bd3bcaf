package identity

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

func TestDeriveIDIsStableAndAWSShaped(t *testing.T) {
	tests := []struct {
		prefix, arn, want string
	}{
		{"AIDA", "arn:aws:iam::123456789012:user/alice", "AIDA4CI3J2ODRSPTQGIZV"},
		{"AIDA", "arn:aws:iam::123456789012:user/ops/alice", "AIDA42QYU5LGH2RGGMQ7Q"},
		{"AROA", "arn:aws:iam::123456789012:role/ci/deployer", "AROAN6G6FGG2CJI75CQQO"},
	}
	for _, tc := range tests {
		t.Run(tc.arn, func(t *testing.T) {
			got := DeriveID(tc.prefix, tc.arn)
			if got != tc.want {
				t.Errorf("DeriveID(%q, %q) = %q, want %q", tc.prefix, tc.arn, got, tc.want)
			}
			if got, want := len(got), 21; got != want {
				t.Errorf("len = %d, want %d", got, want)
			}
			if strings.Trim(got, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
				t.Errorf("%q has characters outside A-Z 2-7", got)
			}
		})
	}
}

func TestPrincipalShapes(t *testing.T) {
	tests := []struct {
		name string
		p    Principal
		key  string
		want string
	}{
		{
			name: "IAM user by default",
			p:    Principal{Name: "alice"},
			key:  "AKIAEXAMPLE",
			want: `{"type":"IAMUser","principalId":"AIDA4CI3J2ODRSPTQGIZV","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","accessKeyId":"AKIAEXAMPLE","userName":"alice"}`,
		},
		{
			name: "IAM user with a path and a configured ID",
			p:    Principal{Type: "IAMUser", Path: "/ops/", Name: "alice", ID: "AIDACONFIGUREDID00001"},
			want: `{"type":"IAMUser","principalId":"AIDACONFIGUREDID00001","arn":"arn:aws:iam::123456789012:user/ops/alice","accountId":"123456789012","userName":"alice"}`,
		},
		{
			name: "assumed role with its session context",
			p:    Principal{Type: "AssumedRole", Path: "/ci/", Name: "deployer", Session: "build-42", MFA: true},
			key:  "ASIAEXAMPLE",
			want: `{"type":"AssumedRole","principalId":"AROAN6G6FGG2CJI75CQQO:build-42","arn":"arn:aws:sts::123456789012:assumed-role/deployer/build-42","accountId":"123456789012","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAN6G6FGG2CJI75CQQO","arn":"arn:aws:iam::123456789012:role/ci/deployer","accountId":"123456789012","userName":"deployer"},"webIdFederationData":{},"attributes":{"creationDate":"2024-03-01T12:00:00Z","mfaAuthenticated":"true"}}}`,
		},
		{
			name: "assumed role created at a configured time, in another account",
			p: Principal{Type: "AssumedRole", Account: "210987654321", Name: "deployer", Session: "s1", ID: "AROAROLEID",
				Created: time.Date(2024, 2, 29, 8, 30, 0, 0, time.FixedZone("x", 3600))},
			want: `{"type":"AssumedRole","principalId":"AROAROLEID:s1","arn":"arn:aws:sts::210987654321:assumed-role/deployer/s1","accountId":"210987654321","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAROLEID","arn":"arn:aws:iam::210987654321:role/deployer","accountId":"210987654321","userName":"deployer"},"webIdFederationData":{},"attributes":{"creationDate":"2024-02-29T07:30:00Z","mfaAuthenticated":"false"}}}`,
		},
		{
			name: "root",
			p:    Principal{Type: "Root"},
			key:  "AKIAROOT",
			want: `{"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012","accessKeyId":"AKIAROOT"}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.p.resolve(testAccount, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := identityJSON(t, p.identity(tc.key)), tc.want; got != want {
				t.Errorf("identity\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestPrincipalRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		p    Principal
		want string
	}{
		{"unknown type", Principal{Type: "Role", Name: "x"}, `Type: "Role" is not one of IAMUser, AssumedRole, Root`},
		{"user without name", Principal{}, `Name: "" is not an IAM user name`},
		{"name with a slash", Principal{Name: "a/b"}, `Name: "a/b" is not an IAM user name`},
		{"role without session", Principal{Type: "AssumedRole", Name: "r"}, `Session: "" is not a role session name`},
		{"path without trailing slash", Principal{Name: "a", Path: "/ops"}, `Path: "/ops" must begin and end with /`},
		{"short account", Principal{Name: "a", Account: "1234"}, `Account: "1234" is not a 12-digit account ID`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.p.resolve(testAccount, testNow)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

type fixed struct{ u *cloudtrail.UserIdentity }

func (f fixed) Identify(*http.Request, []byte) *cloudtrail.UserIdentity { return f.u }

func TestFirst(t *testing.T) {
	a := &cloudtrail.UserIdentity{Type: "IAMUser", UserName: "a"}
	b := &cloudtrail.UserIdentity{Type: "IAMUser", UserName: "b"}
	tests := []struct {
		name string
		ids  []Identifier
		want *cloudtrail.UserIdentity
	}{
		{"first non-nil wins", []Identifier{fixed{nil}, fixed{a}, fixed{b}}, a},
		{"nil identifiers are skipped", []Identifier{nil, fixed{b}}, b},
		{"no identity when none gives one", []Identifier{fixed{nil}, fixed{nil}}, nil},
		{"no identity from no identifiers", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if got, want := First(tc.ids...).Identify(r, nil), tc.want; got != want {
				t.Errorf("Identify = %v, want %v", got, want)
			}
		})
	}
}
