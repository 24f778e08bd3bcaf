package capture

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

func TestRedaction(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"nested keys are hidden", `{"user":{"name":"bob","Password":"p","profile":{"api_key":"k","keyId":"kid"}}}`,
			`{"user":{"name":"bob","Password":"HIDDEN_DUE_TO_SECURITY_REASONS","profile":{"api_key":"HIDDEN_DUE_TO_SECURITY_REASONS","keyId":"kid"}}}`},
		{"arrays are walked", `[{"token":"t1"},{"x-api-key":"k"},{"nextToken":"n","keyName":"kn"}]`,
			`[{"token":"HIDDEN_DUE_TO_SECURITY_REASONS"},{"x-api-key":"HIDDEN_DUE_TO_SECURITY_REASONS"},{"nextToken":"n","keyName":"kn"}]`},
		{"whole objects are hidden", `{"credentials":{"accessKeyId":"AKIA","sessionToken":"s"},"keyArn":"arn"}`,
			`{"credentials":"HIDDEN_DUE_TO_SECURITY_REASONS","keyArn":"arn"}`},
		{"names of secrets are kept", `{"secretId":"arn:aws:secretsmanager:us-east-1:1:secret:db","SecretName":"db","tokenType":"Bearer","secretValue":"v"}`,
			`{"secretId":"arn:aws:secretsmanager:us-east-1:1:secret:db","SecretName":"db","tokenType":"Bearer","secretValue":"HIDDEN_DUE_TO_SECURITY_REASONS"}`},
		{"KMS plaintext is hidden", `{"KeyId":"k","Plaintext":"UExB","CiphertextBlob":"Q0lQ"}`,
			`{"KeyId":"k","Plaintext":"HIDDEN_DUE_TO_SECURITY_REASONS","CiphertextBlob":"Q0lQ"}`},
		{"SecureString values are hidden", `{"Name":"p1","Value":"sekrit","Type":"SecureString","x":{"value":"plain","type":"String"}}`,
			`{"Name":"p1","Value":"HIDDEN_DUE_TO_SECURITY_REASONS","Type":"SecureString","x":{"value":"plain","type":"String"}}`},
		{"tag keys are kept", `{"tags":[{"Key":"team","Value":"blue"}],"key":"secret-value"}`,
			`{"tags":[{"Key":"team","Value":"blue"}],"key":"HIDDEN_DUE_TO_SECURITY_REASONS"}`},
		{"escaped names are read", `{"pass\u0077ord":"p","a\"b":1}`, `{"pass\u0077ord":"HIDDEN_DUE_TO_SECURITY_REASONS","a\"b":1}`},
		{"whitespace is compacted", " { \"a\" : [ 1 , true , null ] , \"Cookie\" : \"c\" } ", `{"a":[1,true,null],"Cookie":"HIDDEN_DUE_TO_SECURITY_REASONS"}`},
		{"scalars pass", `"text"`, `"text"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(rewrite{}.appendJSON(nil, []byte(tc.in))); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	// In an AWS service's document, STS's credentials are redacted member
	// by member, as CloudTrail's records show them; other secret-named
	// objects are still hidden whole.
	in := `{"credentials":{"accessKeyId":"ASIA1","secretAccessKey":"s","sessionToken":"t","expiration":"2026-01-01T00:00:00Z"},"secretStuff":{"a":"b"}}`
	want := `{"credentials":{"accessKeyId":"ASIA1","secretAccessKey":"HIDDEN_DUE_TO_SECURITY_REASONS","sessionToken":"HIDDEN_DUE_TO_SECURITY_REASONS","expiration":"2026-01-01T00:00:00Z"},"secretStuff":"HIDDEN_DUE_TO_SECURITY_REASONS"}`
	if got := string(rewrite{aws: true}.appendJSON(nil, []byte(in))); got != want {
		t.Errorf("AWS credentials:\ngot  %s\nwant %s", got, want)
	}
}

func TestCloudTrailErrorCodes(t *testing.T) {
	for _, tc := range []struct{ source, code, want string }{
		{"ec2.amazonaws.com", "UnauthorizedOperation", "Client.UnauthorizedOperation"},
		{"ec2.amazonaws.com", "RequestLimitExceeded", "Client.RequestLimitExceeded"},
		{"ec2.amazonaws.com", "InsufficientInstanceCapacity", "Server.InsufficientInstanceCapacity"},
		{"ec2.amazonaws.com", "Client.InvalidVpcID.NotFound", "Client.InvalidVpcID.NotFound"},
		{"iam.amazonaws.com", "NoSuchEntity", "NoSuchEntityException"},
		{"iam.amazonaws.com", "AccessDenied", "AccessDenied"},
		{"s3.amazonaws.com", "NoSuchBucketPolicy", "NoSuchBucketPolicy"},
	} {
		if got := cloudTrailErrorCode(tc.source, tc.code); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.source, tc.code, got, tc.want)
		}
	}
	for _, name := range []string{"Decrypt", "GenerateDataKey", "AssumeRole", "GetRole", "LookupEvents"} {
		if !awsReadOnly(name) {
			t.Errorf("%s is not read-only", name)
		}
	}
	for _, name := range []string{"CreateKey", "ScheduleKeyDeletion", "PutParameter", "Getaway"} {
		if awsReadOnly(name) {
			t.Errorf("%s is read-only", name)
		}
	}
}

func TestSensitive(t *testing.T) {
	for _, k := range []string{"password", "userPassword", "passwd", "client_secret", "SecretAccessKey", "accessKey", "apiKey", "private-key", "key",
		"x-amz-security-token", "Authorization", "set-cookie", "credentials", "X-Amz-Signature", "sessionToken", "refresh_token"} {
		if !Sensitive(k) {
			t.Errorf("%q is not sensitive, want sensitive", k)
		}
	}
	for _, k := range []string{"keyId", "keyName", "keyArn", "keyType", "accessKeyId", "nextToken", "clientRequestToken", "userName", "monkeys", "max_tokens"} {
		if Sensitive(k) {
			t.Errorf("%q is sensitive, want not", k)
		}
	}
}

func TestBodyCapsAndSummaries(t *testing.T) {
	sink := &memSink{}
	h := runHandoff(t, HandoffConfig{Sink: sink})
	rec, err := NewRecorder(Config{EventSource: "orders.example.com", MaxBody: 64, Logger: quietLogger()}, h)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rec.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/big":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"data":"`+strings.Repeat("x", 100)+`"}`)
		case "/xml":
			w.Header().Set("Content-Type", "application/xml")
			_, _ = io.WriteString(w, `<ok/>`)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `[1,2]`)
		}
	})))
	defer srv.Close()
	for _, tc := range []struct {
		name, path, contentType, body string
		wantReq, wantResp             string
	}{
		{"large bodies are summarised and marked", "/big", "application/json", `{"data":"` + strings.Repeat("y", 200) + `"}`,
			`{"body":{"contentType":"application/json","contentLength":211,"truncated":true}}`,
			`{"contentType":"application/json","contentLength":111,"truncated":true}`},
		{"non-JSON bodies are summarised", "/xml", "application/x-www-form-urlencoded", `a=1&password=2`,
			`{"body":{"contentType":"application/x-www-form-urlencoded","contentLength":14}}`,
			`{"contentType":"application/xml","contentLength":5}`},
		{"JSON arrays come as body", "/array", "application/json", `[{"secret":"s"}]`,
			`{"body":[{"secret":"HIDDEN_DUE_TO_SECURITY_REASONS"}]}`, `[1,2]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(sink.all())
			resp, err := http.Post(srv.URL+tc.path, tc.contentType, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := sink.waitFor(t, before+1)[before]
			for field, want := range map[string]string{"requestParameters": tc.wantReq, "responseElements": tc.wantResp} {
				b, _ := json.Marshal(got[field])
				var w any
				_ = json.Unmarshal([]byte(want), &w)
				wb, _ := json.Marshal(w)
				if string(b) != string(wb) {
					t.Errorf("%s = %s, want %s", field, b, wb)
				}
			}
		})
	}
}

func TestTLSDetails(t *testing.T) {
	for _, tc := range []struct {
		name           string
		client         *tls.Config
		version, suite string
	}{
		{"TLS 1.3 keeps IANA names", &tls.Config{MinVersion: tls.VersionTLS13}, "TLSv1.3", ""},
		{"TLS 1.2 gets OpenSSL names", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, "TLSv1.2", "ECDHE-*-AES128-GCM-SHA256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := &memSink{}
			h := runHandoff(t, HandoffConfig{Sink: sink})
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
			defer upstream.Close()
			u, _ := url.Parse(upstream.URL)
			p, err := NewProxy(Config{EventSource: "orders.example.com", Logger: quietLogger()}, u, h)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewTLSServer(p)
			defer srv.Close()
			client := srv.Client()
			cfg := client.Transport.(*http.Transport).TLSClientConfig
			cfg.MinVersion, cfg.MaxVersion, cfg.CipherSuites = tc.client.MinVersion, tc.client.MaxVersion, tc.client.CipherSuites
			resp, err := client.Get(srv.URL + "/orders")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := sink.waitFor(t, 1)[0]["tlsDetails"].(map[string]any)
			if got, want := got["tlsVersion"], tc.version; got != want {
				t.Errorf("tlsVersion %v, want %v", got, want)
			}
			wantSuite := cipherSuiteName(resp.TLS.CipherSuite)
			if got := got["cipherSuite"]; got != wantSuite {
				t.Errorf("cipherSuite %v, want %v", got, wantSuite)
			}
			if tc.suite != "" && !strings.HasPrefix(wantSuite, "ECDHE-") {
				t.Errorf("cipherSuite %v, want %v", wantSuite, tc.suite)
			}
			if tc.suite == "" && !strings.HasPrefix(wantSuite, "TLS_") {
				t.Errorf("cipherSuite %v, want a TLS_ name", wantSuite)
			}
			if got, want := got["clientProvidedHostHeader"], strings.TrimPrefix(srv.URL, "https://"); got != want {
				t.Errorf("clientProvidedHostHeader %v, want %v", got, want)
			}
		})
	}
}

// fixedIdentity says every caller is alice, and notes the body it saw.
type fixedIdentity struct{ body chan []byte }

func (f fixedIdentity) Identify(r *http.Request, body []byte) *cloudtrail.UserIdentity {
	f.body <- append([]byte(nil), body...)
	return &cloudtrail.UserIdentity{Type: cloudtrail.IdentityIAMUser, UserName: "alice", AccountID: "111122223333", AccessKeyID: "AKIAALICE"}
}

func TestIdentifierIsAsked(t *testing.T) {
	sink := &memSink{}
	h := runHandoff(t, HandoffConfig{Sink: sink})
	id := fixedIdentity{body: make(chan []byte, 1)}
	rec, err := NewRecorder(Config{EventSource: "orders.example.com", Identity: id, Logger: quietLogger()}, h)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rec.Middleware(ordersAPI()))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/orders", "application/json", strings.NewReader(`{"item":"book"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := sink.waitFor(t, 1)[0]["userIdentity"]
	b, _ := json.Marshal(got)
	if want := `{"accessKeyId":"AKIAALICE","accountId":"111122223333","type":"IAMUser","userName":"alice"}`; string(b) != want {
		t.Errorf("userIdentity %s, want %s", b, want)
	}
	if got, want := string(<-id.body), `{"item":"book"}`; got != want {
		t.Errorf("Identifier saw body %q, want %q", got, want)
	}
}

func TestAWSMembers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"Name": "c", "Password": "p", "DBSnapshotIdentifier": "s1", "Nested": [{"ClientSecret": "s", "KeyId": "k"}]}`,
			`{"name":"c","password":"HIDDEN_DUE_TO_SECURITY_REASONS","dBSnapshotIdentifier":"s1","nested":[{"clientSecret":"HIDDEN_DUE_TO_SECURITY_REASONS","keyId":"k"}]}`},
		{`null`, `null`},
		{`{"a":`, `null`},
		{``, `null`},
	} {
		if got := string(AWSMembers([]byte(tc.in))); got != tc.want {
			t.Errorf("AWSMembers(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
