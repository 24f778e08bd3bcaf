package k8saudit

import (
	"encoding/json"
	"testing"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

func TestRedact(t *testing.T) {
	const H = cloudtrail.Hidden
	for _, tc := range []struct {
		name   string
		in     string
		secret bool
		want   string // "" when unchanged
	}{
		{"a secret's data and stringData are hidden", `{"kind":"Secret","data":{"a":"YQ=="},"stringData":{"b":"b"},"type":"Opaque"}`, false,
			`{"data":{"a":"` + H + `"},"kind":"Secret","stringData":{"b":"` + H + `"},"type":"Opaque"}`},
		{"a secret list's items are hidden", `{"kind":"SecretList","items":[{"metadata":{"name":"x"},"data":{"a":"YQ=="}}]}`, false,
			`{"items":[{"data":{"a":"` + H + `"},"metadata":{"name":"x"}}],"kind":"SecretList"}`},
		{"a merge patch of a secret is hidden", `{"data":{"a":"YQ=="}}`, true, `{"data":{"a":"` + H + `"}}`},
		{"a JSON patch of a secret is hidden", `[{"op":"replace","path":"/data/a","value":"YQ=="}]`, true,
			`[{"op":"replace","path":"/data/a","value":"` + H + `"}]`},
		{"a secret call's string body is hidden", `"apiVersion: v1\ndata:\n  a: YQ==\n"`, true, `"` + H + `"`},
		{"a configmap's data is kept", `{"kind":"ConfigMap","data":{"a":"1"}}`, false, ""},
		{"credential-like fields are hidden anywhere", `{"spec":{"token":"abc","DB_PASSWORD":"p","client-key-data":"k","apiKey":"q","nested":{"secret":{"x":"y","n":3}}}}`, false,
			`{"spec":{"DB_PASSWORD":"` + H + `","apiKey":"` + H + `","client-key-data":"` + H + `","nested":{"secret":{"n":3,"x":"` + H + `"}},"token":"` + H + `"}}`},
		{"references to secrets are kept", `{"secretName":"tls","secretKeyRef":{"name":"db","key":"password"},"key":"app","topologyKey":"zone"}`, false, ""},
		{"booleans and numbers are kept", `{"automountServiceAccountToken":false,"tokenTTL":3600}`, false, ""},
		{"last-applied-configuration is redacted inside", `{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"kind\":\"Secret\",\"data\":{\"a\":\"YQ==\"}}\n"}}}`, false,
			`{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"a\":\"` + H + `\"},\"kind\":\"Secret\"}"}}}`},
		{"last-applied-configuration that is not JSON is hidden", `{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{oops"}}}`, false,
			`{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"` + H + `"}}}`},
		{"numbers keep their digits", `{"password":"x","big":12345678901234567890}`, false, `{"big":12345678901234567890,"password":"` + H + `"}`},
		{"null is kept", `null`, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := redact(json.RawMessage(tc.in), tc.secret)
			want := tc.want
			if want == "" {
				want = tc.in
			}
			if g, w := changed, tc.want != ""; g != w {
				t.Errorf("changed = %v, want %v", g, w)
			}
			if string(got) != want {
				t.Errorf("redact(%s)\n got %s\nwant %s", tc.in, got, want)
			}
		})
	}
}

func TestSensitiveName(t *testing.T) {
	for name, want := range map[string]bool{
		"password": true, "DB_PASSWORD": true, "token": true, "bearerToken": true, "secret": true,
		"clientSecret": true, "client-key-data": true, "privateKey": true, "apiKey": true, "aws_access_key_id": true,
		"key": false, "topologyKey": false, "secretName": false, "secretKeyRef": false, "name": false,
		"tokenSecretRef": false, "data": false,
	} {
		t.Run(name, func(t *testing.T) {
			if got := sensitiveName(name); got != want {
				t.Errorf("sensitiveName(%q) = %v, want %v", name, got, want)
			}
		})
	}
}
