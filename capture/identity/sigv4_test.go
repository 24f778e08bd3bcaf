package identity

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/trailbridge/trailbridge/sigv4"
)

const (
	aliceKey    = "AKIAALICEEXAMPLE0001"
	aliceSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	roleKey     = "ASIAROLEEXAMPLE00001"
	roleSecret  = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
	roleToken   = "FwoGZXIvYXdzEXAMPLETOKEN"
)

const (
	aliceJSON = `{"type":"IAMUser","principalId":"AIDA4CI3J2ODRSPTQGIZV","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","accessKeyId":"AKIAALICEEXAMPLE0001","userName":"alice"}`
	roleJSON  = `{"type":"AssumedRole","principalId":"AROAN6G6FGG2CJI75CQQO:build-42","arn":"arn:aws:sts::123456789012:assumed-role/deployer/build-42","accountId":"123456789012","accessKeyId":"ASIAROLEEXAMPLE00001","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAN6G6FGG2CJI75CQQO","arn":"arn:aws:iam::123456789012:role/ci/deployer","accountId":"123456789012","userName":"deployer"},"webIdFederationData":{},"attributes":{"creationDate":"2024-03-01T11:00:00Z","mfaAuthenticated":"false"}}}`
)

func newTestSigV4(t testing.TB) *SigV4 {
	t.Helper()
	s, err := NewSigV4(SigV4Config{
		Account: testAccount,
		Keys: []AccessKey{
			{ID: aliceKey, Secret: aliceSecret, Principal: Principal{Name: "alice"}},
			{ID: roleKey, Secret: roleSecret, SessionToken: roleToken, Principal: Principal{
				Type: "AssumedRole", Path: "/ci/", Name: "deployer", Session: "build-42", Created: testNow.Add(-time.Hour)}},
		},
		Now: fixedNow,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// sdkSign signs r, whose body is body, with aws-sdk-go-v2's signer.
func sdkSign(t *testing.T, r *http.Request, body []byte, key, secret, token, service, region string, at time.Time) {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: token}
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, r, hashHex(body), service, region, at); err != nil {
		t.Fatal(err)
	}
}

func TestSigV4(t *testing.T) {
	putEvents := []byte(`{"Entries":[{"Source":"com.example.orders","DetailType":"OrderPlaced","Detail":"{}"}]}`)
	sendMessage := []byte("Action=SendMessage&MessageBody=hello&Version=2012-11-05")
	tests := []struct {
		name     string
		method   string
		path     string
		body     []byte
		header   map[string]string
		key      string
		secret   string
		token    string
		service  string
		region   string
		at       time.Duration // signing time relative to testNow
		after    func(r *http.Request) *http.Request
		dropBody bool // the capture layer did not keep the body
		want     string
	}{
		{
			name: "IAM user calling EventBridge in us-east-1", method: "POST", path: "/", body: putEvents,
			header: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.PutEvents"},
			key:    aliceKey, secret: aliceSecret, service: "events", region: "us-east-1", want: aliceJSON,
		},
		{
			name: "assumed role calling SQS in eu-west-1 with its session token", method: "POST", path: "/123456789012/q",
			body: sendMessage, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			key: roleKey, secret: roleSecret, token: roleToken, service: "sqs", region: "eu-west-1", want: roleJSON,
		},
		{
			name: "IAM user calling a GET API in ap-southeast-2 without a kept body", method: "GET", path: "/prod/items?limit=10",
			key: aliceKey, secret: aliceSecret, service: "execute-api", region: "ap-southeast-2", dropBody: true, want: aliceJSON,
		},
		{
			name: "IAM user signed 4 minutes ago", method: "POST", path: "/", body: putEvents,
			key: aliceKey, secret: aliceSecret, service: "events", region: "us-east-1", at: -4 * time.Minute, want: aliceJSON,
		},
		{
			name: "no identity for a tampered body", method: "POST", path: "/", body: putEvents,
			key: aliceKey, secret: aliceSecret, service: "events", region: "us-east-1", want: "null",
			after: func(r *http.Request) *http.Request {
				tampered := bytes.Replace(putEvents, []byte("orders"), []byte("ordeRS"), 1)
				return withBody(r, tampered)
			},
		},
		{
			name: "no identity for a body the capture layer did not keep", method: "POST", path: "/", body: putEvents,
			key: aliceKey, secret: aliceSecret, service: "events", region: "us-east-1", dropBody: true, want: "null",
		},
		{
			name: "no identity for a declared hash without the body", method: "POST", path: "/", body: putEvents,
			header: map[string]string{"X-Amz-Content-Sha256": hashHex(putEvents)},
			key:    aliceKey, secret: aliceSecret, service: "s3", region: "us-east-1", dropBody: true, want: "null",
		},
		{
			name: "no identity for an unknown key", method: "POST", path: "/", body: putEvents,
			key: "AKIAUNKNOWN000000000", secret: aliceSecret, service: "events", region: "us-east-1", want: "null",
		},
		{
			name: "no identity for a wrong secret", method: "POST", path: "/", body: putEvents,
			key: aliceKey, secret: roleSecret, service: "events", region: "us-east-1", want: "null",
		},
		{
			name: "no identity for a wrong session token", method: "POST", path: "/", body: sendMessage,
			key: roleKey, secret: roleSecret, token: "another-token", service: "sqs", region: "eu-west-1", want: "null",
		},
		{
			name: "no identity without the required session token", method: "POST", path: "/", body: sendMessage,
			key: roleKey, secret: roleSecret, service: "sqs", region: "eu-west-1", want: "null",
		},
		{
			name: "no identity for a signature 6 minutes old", method: "POST", path: "/", body: putEvents,
			key: aliceKey, secret: aliceSecret, service: "events", region: "us-east-1", at: -6 * time.Minute, want: "null",
		},
		{
			name: "no identity for a path changed after signing", method: "GET", path: "/prod/items",
			key: aliceKey, secret: aliceSecret, service: "execute-api", region: "us-east-1", want: "null",
			after: func(r *http.Request) *http.Request { r.URL.Path = "/prod/admin"; return r },
		},
	}
	srvKeep := serve(t, newTestSigV4(t), true)
	srvDrop := serve(t, newTestSigV4(t), false)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := srvKeep
			if tc.dropBody {
				srv = srvDrop
			}
			r, err := http.NewRequest(tc.method, srv.URL+tc.path, bytes.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body == nil {
				r.Body, r.ContentLength = http.NoBody, 0
			}
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			sdkSign(t, r, tc.body, tc.key, tc.secret, tc.token, tc.service, tc.region, testNow.Add(tc.at))
			if tc.after != nil {
				r = tc.after(r)
			}
			if got, want := do(t, srv.Client(), r), tc.want; got != want {
				t.Errorf("identity\n got %s\nwant %s", got, want)
			}
		})
	}
}

// withBody replaces r's body, keeping its signature.
func withBody(r *http.Request, body []byte) *http.Request {
	r.Body = http.NoBody
	if len(body) > 0 {
		r.Body = nopCloser{bytes.NewReader(body)}
	}
	r.ContentLength = int64(len(body))
	return r
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func TestSigV4Presigned(t *testing.T) {
	tests := []struct {
		name     string
		service  string
		region   string
		payload  string // the payload hash signed; empty means the hash of no body
		dropBody bool
		after    func(u string) string
		want     string
	}{
		{name: "presigned GET to SQS", service: "sqs", region: "us-west-2", want: aliceJSON},
		{name: "presigned GET with UNSIGNED-PAYLOAD and no kept body", service: "s3", region: "eu-central-1",
			payload: "UNSIGNED-PAYLOAD", dropBody: true, want: aliceJSON},
		{name: "no identity for a presigned URL whose query was changed", service: "sqs", region: "us-west-2",
			after: func(u string) string { return strings.Replace(u, "QueueNamePrefix=a", "QueueNamePrefix=b", 1) }, want: "null"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, newTestSigV4(t), !tc.dropBody)
			r, err := http.NewRequest(http.MethodGet, srv.URL+"/?Action=ListQueues&QueueNamePrefix=a&X-Amz-Expires=300", nil)
			if err != nil {
				t.Fatal(err)
			}
			payload := tc.payload
			if payload == "" {
				payload = hashHex(nil)
			} else {
				q := r.URL.Query()
				q.Set("X-Amz-Content-Sha256", payload)
				r.URL.RawQuery = q.Encode()
			}
			creds := aws.Credentials{AccessKeyID: aliceKey, SecretAccessKey: aliceSecret}
			u, _, err := v4.NewSigner().PresignHTTP(t.Context(), creds, r, payload, tc.service, tc.region, testNow.Add(-time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if tc.after != nil {
				u = tc.after(u)
			}
			r, err = http.NewRequest(http.MethodGet, u, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := do(t, srv.Client(), r), tc.want; got != want {
				t.Errorf("identity\n got %s\nwant %s", got, want)
			}
		})
	}
}

// sigv4.Sign, trailbridge's own signer, agrees.
func TestSigV4AcceptsTrailbridgeSigner(t *testing.T) {
	srv := serve(t, newTestSigV4(t), true)
	body := []byte(`{"Name":"orders"}`)
	r, err := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Target", "AWSEvents.DescribeEventBus")
	if err := sigv4.Sign(r, body, roleKey, roleSecret, roleToken, "events", "us-east-1", testNow); err != nil {
		t.Fatal(err)
	}
	if got, want := do(t, srv.Client(), r), roleJSON; got != want {
		t.Errorf("identity\n got %s\nwant %s", got, want)
	}
}

func TestSigV4NoIdentityWithoutSignature(t *testing.T) {
	s := newTestSigV4(t)
	tests := map[string]string{
		"no Authorization":                "",
		"Bearer token":                    "Bearer abc.def.ghi",
		"credential with too few parts":   "AWS4-HMAC-SHA256 Credential=" + aliceKey + "/20240301/us-east-1, SignedHeaders=host, Signature=00",
		"credential without service":      "AWS4-HMAC-SHA256 Credential=" + aliceKey + "/20240301/us-east-1//aws4_request, SignedHeaders=host, Signature=00",
		"well-formed but wrong signature": "AWS4-HMAC-SHA256 Credential=" + aliceKey + "/20240301/us-east-1/events/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
	}
	for name, auth := range tests {
		t.Run(name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:4010/", nil)
			r.Header.Set("X-Amz-Date", "20240301T120000Z")
			if auth != "" {
				r.Header.Set("Authorization", auth)
			}
			if got := s.Identify(r, nil); got != nil {
				t.Errorf("Identify = %s, want nil", identityJSON(t, got))
			}
		})
	}
}

func TestNewSigV4RefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  SigV4Config
		want string
	}{
		{"key without ID", SigV4Config{Keys: []AccessKey{{Secret: "s", Principal: Principal{Name: "a"}}}},
			"identity: sigv4: Keys[0].ID: required"},
		{"key without secret", SigV4Config{Keys: []AccessKey{{ID: "AKIA1", Principal: Principal{Name: "a"}}}},
			"identity: sigv4: Keys[0].Secret: required"},
		{"key twice", SigV4Config{Keys: []AccessKey{
			{ID: "AKIA1", Secret: "s", Principal: Principal{Name: "a"}},
			{ID: "AKIA1", Secret: "t", Principal: Principal{Name: "b"}}}},
			`identity: sigv4: Keys[1].ID: "AKIA1" is configured twice`},
		{"bad principal", SigV4Config{Keys: []AccessKey{
			{ID: "AKIA1", Secret: "s", Principal: Principal{Name: "a"}},
			{ID: "AKIA2", Secret: "s", Principal: Principal{Type: "AssumedRole", Name: "r"}}}},
			`identity: sigv4: Keys[1].Principal.Session: "" is not a role session name`},
		{"bad account", SigV4Config{Account: "acct", Keys: []AccessKey{{ID: "AKIA1", Secret: "s", Principal: Principal{Name: "a"}}}},
			`identity: sigv4: Keys[0].Principal.Account: "acct" is not a 12-digit account ID`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSigV4(tc.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q…", err, tc.want)
			}
		})
	}
}
