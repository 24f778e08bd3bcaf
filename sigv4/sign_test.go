package sigv4

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// Sign produces, header for header, what aws-sdk-go-v2's signer produces for
// a request carrying only the headers Sign signs.
func TestSignMatchesSDK(t *testing.T) {
	tests := []struct {
		name    string
		build   func(*testing.T) built
		token   string
		service string
	}{
		{name: "PutEvents", service: "events", build: func(t *testing.T) built {
			b := newRequest(t, http.MethodPost, "/", nil)
			b.body = []byte(`{"Entries":[{"Source":"a","DetailType":"b","Detail":"{}"}]}`)
			b.r.Header.Set("Content-Type", "application/x-amz-json-1.1")
			b.r.Header.Set("X-Amz-Target", "AWSEvents.PutEvents")
			return b
		}},
		{name: "PutEvents with a session token", service: "events", token: "FQoGZXIvYXdzEXAMPLETOKEN", build: func(t *testing.T) built {
			b := newRequest(t, http.MethodPost, "/", nil)
			b.body = []byte(`{}`)
			b.r.Header.Set("Content-Type", "application/x-amz-json-1.1")
			b.r.Header.Set("X-Amz-Target", "AWSEvents.ListRules")
			return b
		}},
		{name: "SQS form post", service: "sqs", build: func(t *testing.T) built {
			b := newRequest(t, http.MethodPost, "/000000000000/q", nil)
			b.body = []byte("Action=SendMessage&MessageBody=hi")
			b.r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			return b
		}},
		{name: "GET with a special query", service: "sqs", build: getWithQuery},
		{name: "escaped path", service: "sqs", build: func(t *testing.T) built {
			return newRequest(t, http.MethodGet, "/000000000000/caf%C3%A9%20q", nil)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// ContentLength stays 0 so that the SDK, like Sign, leaves
			// Content-Length unsigned; the body is given separately.
			ours, theirs := tc.build(t), tc.build(t)
			if err := Sign(ours.r, ours.body, testAKID, testSecret, tc.token, tc.service, testRegion, testNow); err != nil {
				t.Fatal(err)
			}
			sdkSign(t, theirs, testAKID, testSecret, tc.token, tc.service, testRegion, testNow)
			for _, h := range []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token"} {
				if got, want := ours.r.Header.Get(h), theirs.r.Header.Get(h); got != want {
					t.Errorf("%s = %q\nSDK's %q", h, got, want)
				}
			}
		})
	}
}

// The get-vanilla case of AWS's SigV4 test suite, an oracle independent of
// the SDK.
func TestSignAWSTestSuiteVanilla(t *testing.T) {
	r, err := http.NewRequest(http.MethodGet, "http://example.amazonaws.com/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Sign(r, nil, testAKID, testSecret, "", "service", "us-east-1", time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	want := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
		"SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	if got := r.Header.Get("Authorization"); got != want {
		t.Errorf("Authorization = %q\nwant            %q", got, want)
	}
}

// What Sign signs verifies, with headers added afterwards and the body's
// length on the wire.
func TestSignThenVerify(t *testing.T) {
	for _, token := range []string{"", "FQoGZXIvYXdzEXAMPLETOKEN"} {
		b := putEvents(t)
		if err := Sign(b.r, b.body, testAKID, testSecret, token, "events", testRegion, testNow.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		b.r.Header.Set("X-Forwarded-For", "203.0.113.7")
		sb := overWire(t, b)
		id, err := newVerifier("events").Verify(sb.r, sb.body)
		if err != nil {
			t.Fatalf("token %q: Verify: %v", token, err)
		}
		want := Identity{AccessKeyID: testAKID, Region: testRegion, Service: "events", SessionToken: token, SignedAt: testNow.Add(-time.Minute)}
		if *id != want {
			t.Errorf("identity = %+v, want %+v", *id, want)
		}
	}
}

func TestSignRemovesAStaleToken(t *testing.T) {
	b := putEvents(t)
	if err := Sign(b.r, b.body, testAKID, testSecret, "old-token", "events", testRegion, testNow); err != nil {
		t.Fatal(err)
	}
	if err := Sign(b.r, b.body, testAKID, testSecret, "", "events", testRegion, testNow); err != nil {
		t.Fatal(err)
	}
	if got := b.r.Header.Get("X-Amz-Security-Token"); got != "" {
		t.Errorf("X-Amz-Security-Token = %q after signing without a token", got)
	}
	sb := overWire(t, b)
	if _, err := newVerifier("events").Verify(sb.r, sb.body); err != nil {
		t.Fatal(err)
	}
}

func TestSignRefusesIncompleteInput(t *testing.T) {
	noHost := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/"}, Header: http.Header{}}
	tests := []struct {
		name                          string
		r                             *http.Request
		akid, secret, service, region string
	}{
		{name: "no access key", r: putEvents(t).r, secret: testSecret, service: "events", region: testRegion},
		{name: "no secret", r: putEvents(t).r, akid: testAKID, service: "events", region: testRegion},
		{name: "no service", r: putEvents(t).r, akid: testAKID, secret: testSecret, region: testRegion},
		{name: "no region", r: putEvents(t).r, akid: testAKID, secret: testSecret, service: "events"},
		{name: "no host", r: noHost, akid: testAKID, secret: testSecret, service: "events", region: testRegion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Sign(tc.r, nil, tc.akid, tc.secret, "", tc.service, tc.region, testNow); err == nil {
				t.Error("signed")
			}
			if got := tc.r.Header.Get("Authorization"); got != "" {
				t.Errorf("Authorization set to %q", got)
			}
		})
	}
}
