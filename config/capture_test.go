package config

import (
	"strings"
	"testing"
	"time"
)

const captureYAML = `
Interceptors:
  - Name: shop
    Listen: 127.0.0.1:4020
    Upstream: http://127.0.0.1:8080
    EventSource: shop.example.com
    Routes:
      - {Method: POST, Path: "/orders", EventName: CreateOrder}
      - {Method: GET, Path: "/orders/{id}", EventName: GetOrder, DataEvent: true}
      - {Method: POST, Path: "/search", EventName: SearchOrders, ReadOnly: true}
    TrustedProxies: [10.0.0.0/8, 127.0.0.1]
    Identity:
      AccessKeys:
        - {AccessKeyId: AKIAALICE, SecretAccessKey: s, UserName: alice}
        - {AccessKeyId: ASIAOPS, SecretAccessKey: s, Type: AssumedRole, RoleName: ops, SessionName: bob, MFAAuthenticated: true}
      Jwt: {Issuer: https://id.example.com, Audience: [shop], JwksUrl: https://id.example.com/jwks}
      BasicUsers: [{UserName: carol, Password: "sha256:00"}]
  - Name: cloud
    Listen: 127.0.0.1:4021
    Upstream: https://demo.example.com
    Mode: aws
    FailClosed: true
Audit:
  SelfAudit: false
  ComplianceDir: ./trail
  ComplianceMaxAge: 1m
K8sAudit:
  Tokens: [0123456789abcdef0123]
  Cluster: prod
`

func TestParseCapture(t *testing.T) {
	f, err := Parse([]byte(captureYAML), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(f.Interceptors), 2; got != want {
		t.Fatalf("%d interceptors, want %d", got, want)
	}
	shop := f.Interceptors[0]
	if shop.Routes[1].EventName != "GetOrder" || !shop.Routes[1].DataEvent || shop.Routes[0].ReadOnly != nil || !*shop.Routes[2].ReadOnly {
		t.Errorf("routes %+v", shop.Routes)
	}
	if k := shop.Identity.AccessKeys[1]; k.Type != "AssumedRole" || k.RoleName != "ops" || !k.MFAAuthenticated {
		t.Errorf("principal %+v", k)
	}
	if j := shop.Identity.Jwt; j == nil || j.JwksUrl != "https://id.example.com/jwks" || j.Audience[0] != "shop" {
		t.Errorf("jwt %+v", j)
	}
	if f.Interceptors[1].Mode != "aws" || !f.Interceptors[1].FailClosed {
		t.Errorf("cloud %+v", f.Interceptors[1])
	}
	if f.Audit.SelfAudit == nil || *f.Audit.SelfAudit || f.Audit.ComplianceDir != "./trail" || f.Audit.ComplianceMaxAge != time.Minute {
		t.Errorf("audit %+v", f.Audit)
	}
	if f.K8sAudit == nil || f.K8sAudit.Cluster != "prod" || len(f.K8sAudit.Tokens) != 1 {
		t.Errorf("k8s %+v", f.K8sAudit)
	}
}

func TestParseCaptureInvalid(t *testing.T) {
	base := "Interceptors:\n  - Name: a\n    Listen: 127.0.0.1:1\n    Upstream: http://x\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", base + "    EventSource: s\n    Upstreem: x\n", "Interceptors[0].Upstreem: unknown key, did you mean Upstream?"},
		{"no event source in http mode", base, "Interceptors[0]: needs EventSource"},
		{"bad mode", base + "    Mode: grpc\n", `Interceptors[0].Mode: must be one of http, aws, got "grpc"`},
		{"bad listen", "Interceptors:\n  - {Name: a, Listen: nope, Upstream: 'http://x', Mode: aws}\n", `Interceptors[0].Listen: must be host:port, got "nope"`},
		{"bad upstream", "Interceptors:\n  - {Name: a, Listen: ':1', Upstream: 'ftp://x', Mode: aws}\n", `Interceptors[0].Upstream: must be an http:// or https:// URL`},
		{"aws source", base + "    Mode: aws\n    Source: aws.iam\n", "Interceptors[0].Source: aws.* sources are AWS's own"},
		{"route without name", base + "    EventSource: s\n    Routes: [{Method: GET, Path: /x}]\n", "Interceptors[0].Routes[0].EventName: required"},
		{"bad proxy", base + "    EventSource: s\n    TrustedProxies: [nope]\n", `Interceptors[0].TrustedProxies[0]: must be a CIDR or an IP address, got "nope"`},
		{"two jwt keys", base + "    EventSource: s\n    Identity: {Jwt: {Secret: x, JwksUrl: 'https://x'}}\n", "Interceptors[0].Identity.Jwt: needs exactly one of Secret, PublicKeyFile and JwksUrl"},
		{"role without name", base + "    EventSource: s\n    Identity: {AccessKeys: [{AccessKeyId: a, SecretAccessKey: b, Type: AssumedRole}]}\n", "Interceptors[0].Identity.AccessKeys[0].RoleName: required"},
		{"name escaping the data folder", "Interceptors:\n  - {Name: ../x, Listen: ':1', Upstream: 'http://x', Mode: aws}\n", `Interceptors[0].Name: must be letters, digits`},
		{"anonymous webhook", "K8sAudit: {Cluster: c}\n", "K8sAudit: needs Tokens or ClientCertSubjects"},
		{"short token", "K8sAudit: {Tokens: [abc]}\n", "K8sAudit.Tokens[0]: is too short"},
		{"unknown audit key", "Audit: {SelfAudits: true}\n", "Audit.SelfAudits: unknown key, did you mean SelfAudit?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
