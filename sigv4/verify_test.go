package sigv4

import (
	"net/http"
	"strings"
	"testing"
	"time"

	tb "github.com/trailbridge/trailbridge"
)

func TestVerifyAcceptsSDKSignedRequests(t *testing.T) {
	tests := []struct {
		name    string
		build   func(*testing.T) built
		service string
		region  string        // signing region; testRegion when empty
		token   string        // session token
		at      time.Duration // signing time relative to testNow
		pin     bool          // whether the verifier pins the region
		after   func(*built)  // what happens between client and server
	}{
		{name: "PutEvents", build: putEvents, service: "events", pin: true},
		{name: "PutEvents with a session token", build: putEvents, service: "events", token: "FQoGZXIvYXdzEXAMPLETOKEN", pin: true},
		{name: "PutEvents through a proxy that adds headers", build: putEvents, service: "events", pin: true,
			after: func(b *built) {
				b.r.Header.Add("X-Forwarded-For", "203.0.113.7")
				b.r.Header.Set("Via", "1.1 proxy")
				b.r.Header.Set("User-Agent", "rewritten")
			}},
		{name: "PutEvents with a correct X-Amz-Content-Sha256 added", build: putEvents, service: "events", pin: true,
			after: func(b *built) { b.r.Header.Set("X-Amz-Content-Sha256", hashHex(b.body)) }},
		{name: "PutEvents signed 4m59s ago", build: putEvents, service: "events", at: -4*time.Minute - 59*time.Second, pin: true},
		{name: "PutEvents signed 5m ahead", build: putEvents, service: "events", at: 5 * time.Minute, pin: true},
		{name: "PutEvents in any region when none is pinned", build: putEvents, service: "events", region: "eu-west-1"},
		{name: "SQS SendMessage form post", build: sendMessage, service: "sqs", pin: true},
		{name: "GET with a query of spaces, ~, /, =, + and unicode", build: getWithQuery, service: "sqs", pin: true},
		{name: "GET whose query a proxy re-encoded with + for spaces", build: getWithQuery, service: "sqs", pin: true,
			after: func(b *built) { b.r.URL.RawQuery = specialQuery.Encode() }},
		{name: "header values with runs of spaces and repeats", service: "events", pin: true,
			build: func(t *testing.T) built {
				b := putEvents(t)
				b.r.Header.Set("X-Custom", "  a   b  c ")
				b.r.Header.Add("X-Multi", "one")
				b.r.Header.Add("X-Multi", "two  three")
				return b
			}},
		{name: "escaped path", service: "sqs", pin: true,
			build: func(t *testing.T) built { return newRequest(t, http.MethodGet, "/000000000000/caf%C3%A9%20q~", nil) }},
		{name: "unnormalised path as aws-sdk-go-v2 signs it", service: "sqs", pin: true,
			build: func(t *testing.T) built { return newRequest(t, http.MethodGet, "/a//b/./c/../d", nil) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			region := tc.region
			if region == "" {
				region = testRegion
			}
			at := testNow.Add(tc.at)
			b := tc.build(t)
			s := sdkSign(t, b, testAKID, testSecret, tc.token, tc.service, region, at)
			if tc.after != nil {
				tc.after(&b)
			}
			sb := overWire(t, b)
			v := newVerifier(tc.service)
			if !tc.pin {
				v.Region = ""
			}
			id, err := v.Verify(sb.r, sb.body)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := Identity{AccessKeyID: testAKID, Region: region, Service: tc.service, SessionToken: tc.token, SignedAt: at}
			if *id != want {
				t.Errorf("identity = %+v, want %+v", *id, want)
			}

			// The canonicalizer agrees with the SDK's, line for line.
			p, err := parseAuthHeader(sb.r, sb.r.Header.Get("Authorization"))
			if err != nil {
				t.Fatal(err)
			}
			got := canonicalRequest(sb.r, canonicalURIs(sb.r.URL.EscapedPath())[0], canonicalQuery(sb.r.URL.Query(), false), p.signedHeaders, hashHex(sb.body))
			if got != s.canonical && !strings.Contains(tc.name, "unnormalised") {
				t.Errorf("canonical request:\n%s\nSDK's:\n%s", got, s.canonical)
			}
		})
	}
}

func TestVerifyAcceptsSDKPresignedRequests(t *testing.T) {
	tests := []struct {
		name        string
		query       string
		token       string
		payloadHash string // empty: SHA-256 of the empty body
		at          time.Duration
		after       func(*built)
	}{
		{name: "ListQueues", query: "Action=ListQueues&Version=2012-11-05"},
		{name: "with a session token", query: "Action=ListQueues", token: "FQoGZXIvYXdzEXAMPLETOKEN"},
		{name: "valid for an hour, used after 50 minutes", query: "Action=ListQueues&X-Amz-Expires=3600", at: -50 * time.Minute},
		{name: "UNSIGNED-PAYLOAD", query: "Action=ListQueues&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD", payloadHash: "UNSIGNED-PAYLOAD"},
		{name: "special query", query: specialQuery.Encode()},
		{name: "with a proxy header", query: "Action=ListQueues",
			after: func(b *built) { b.r.Header.Set("X-Forwarded-For", "203.0.113.7") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hash := tc.payloadHash
			if hash == "" {
				hash = hashHex(nil)
			}
			at := testNow.Add(tc.at)
			p, _ := sdkPresign(t, newRequest(t, http.MethodGet, "/?"+tc.query, nil), tc.token, "sqs", hash, at)
			if tc.after != nil {
				tc.after(&p)
			}
			sb := overWire(t, p)
			id, err := newVerifier("sqs").Verify(sb.r, sb.body)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := Identity{AccessKeyID: testAKID, Region: testRegion, Service: "sqs", SessionToken: tc.token, SignedAt: at}
			if *id != want {
				t.Errorf("identity = %+v, want %+v", *id, want)
			}
		})
	}
}

// handmade returns a PutEvents request dated testNow carrying the given
// Authorization header, for headers no signer would produce.
func handmade(auth string) func(*testing.T) built {
	return func(t *testing.T) built {
		b := putEvents(t)
		b.r.Header.Set("X-Amz-Date", "20240301T120000Z")
		if auth != "" {
			b.r.Header.Set("Authorization", auth)
		}
		return b
	}
}

// sdkSigned returns a PutEvents request signed by the SDK with the given
// key, service and region at testNow+at.
func sdkSigned(akid, secret, service, region string, at time.Duration) func(*testing.T) built {
	return func(t *testing.T) built {
		b := putEvents(t)
		sdkSign(t, b, akid, secret, "", service, region, testNow.Add(at))
		return b
	}
}

const (
	validCred      = "AKIDEXAMPLE/20240301/us-east-1/events/aws4_request"
	prefixMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n"
)

func TestVerifyRefusals(t *testing.T) {
	goodSigned := sdkSigned(testAKID, testSecret, "events", testRegion, 0)
	tests := []struct {
		name    string
		build   func(*testing.T) built
		after   func(*built)
		verify  func(*Verifier) // adjusts the verifier
		code    string
		message string // exact
		prefix  string // or just the start of the message
	}{
		{name: "no Authorization header", build: handmade(""),
			code: tb.CodeMissingAuthToken, message: "Request is missing Authentication Token"},
		{name: "another scheme", build: handmade("Bearer abc.def"),
			code: tb.CodeMissingAuthToken, message: "Request is missing Authentication Token"},
		{name: "AWS4 alone", build: handmade("AWS4"),
			code: tb.CodeMissingAuthToken, message: "Request is missing Authentication Token"},
		{name: "AWS4- without a date", build: handmade("AWS4-"),
			after: func(b *built) { b.r.Header.Del("X-Amz-Date") },
			code:  tb.CodeIncompleteSignature,
			message: "Authorization header requires 'Credential' parameter. " +
				"Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-"},
		{name: "no Signature", build: handmade("AWS4-HMAC-SHA256 Credential=" + validCred + ", SignedHeaders=host;x-amz-date"),
			code: tb.CodeIncompleteSignature,
			message: "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=" +
				validCred + ", SignedHeaders=host;x-amz-date"},
		{name: "no Credential nor SignedHeaders", build: handmade("AWS4-HMAC-SHA256 Signature=abc"),
			code: tb.CodeIncompleteSignature,
			message: "Authorization header requires 'Credential' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Signature=abc"},
		{name: "space inside a parameter",
			build: handmade("AWS4-HMAC-SHA256 Credential= " + validCred + ", SignedHeaders=host;x-amz-date, Signature=abc"),
			code:  tb.CodeIncompleteSignature,
			message: "'" + validCred + "' not a valid key=value pair (missing equal-sign) in Authorization header: " +
				"'AWS4-HMAC-SHA256 Credential= " + validCred + ", SignedHeaders=host;x-amz-date, Signature=abc'."},
		{name: "date in extended ISO 8601", build: goodSigned,
			after: func(b *built) { b.r.Header.Set("X-Amz-Date", "2024-03-01T12:00:00Z") },
			code:  tb.CodeIncompleteSignature,
			message: "Date must be in ISO-8601 'basic format'. Got '2024-03-01T12:00:00Z'. " +
				"See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "date with a one-digit hour", build: handmade("AWS4-HMAC-SHA256 Credential=" + validCred + ", SignedHeaders=host;x-amz-date, Signature=abc"),
			after: func(b *built) { b.r.Header.Set("X-Amz-Date", "20240301T10000Z") },
			code:  tb.CodeIncompleteSignature,
			message: "Date must be in ISO-8601 'basic format'. Got '20240301T10000Z'. " +
				"See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "signed 6 minutes ago", build: sdkSigned(testAKID, testSecret, "events", testRegion, -6*time.Minute),
			code:    tb.CodeInvalidSignature,
			message: "Signature expired: 20240301T115400Z is now earlier than 20240301T115500Z (20240301T120000Z - 5 min.)"},
		{name: "signed 6 minutes ahead", build: sdkSigned(testAKID, testSecret, "events", testRegion, 6*time.Minute),
			code:    tb.CodeInvalidSignature,
			message: "Signature not yet current: 20240301T120600Z is still later than 20240301T120500Z (20240301T120000Z + 5 min.)"},
		{name: "signed 20 minutes ago with a 15 minute allowance", build: sdkSigned(testAKID, testSecret, "events", testRegion, -20*time.Minute),
			verify:  func(v *Verifier) { v.MaxSkew = 15 * time.Minute },
			code:    tb.CodeInvalidSignature,
			message: "Signature expired: 20240301T114000Z is now earlier than 20240301T114500Z (20240301T120000Z - 15 min.)"},
		{name: "Host not signed", build: handmade("AWS4-HMAC-SHA256 Credential=" + validCred + ", SignedHeaders=x-amz-date, Signature=abc"),
			code: tb.CodeInvalidSignature, message: "'Host' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "another algorithm", build: handmade("AWS4-HMAC-SHA512 Credential=" + validCred + ", SignedHeaders=host;x-amz-date, Signature=abc"),
			code: tb.CodeIncompleteSignature, message: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "},
		{name: "credential of four parts", build: handmade("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240301/us-east-1/events, SignedHeaders=host;x-amz-date, Signature=abc"),
			code: tb.CodeIncompleteSignature,
			message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, " +
				"got 'AKIDEXAMPLE/20240301/us-east-1/events'"},
		{name: "scoped to another region", build: sdkSigned(testAKID, testSecret, "events", "us-west-2", 0),
			code: tb.CodeInvalidSignature, message: "Credential should be scoped to a valid region, not 'us-west-2'. "},
		{name: "scoped to another service", build: sdkSigned(testAKID, testSecret, "sqs", testRegion, 0),
			code: tb.CodeInvalidSignature, message: "Credential should be scoped to correct service: 'events'. "},
		{name: "every scope part wrong",
			build: handmade("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240229/eu-west-1/sqs/aws5_request, SignedHeaders=host;x-amz-date, Signature=abc"),
			code:  tb.CodeInvalidSignature,
			message: "Credential should be scoped to a valid region, not 'eu-west-1'. " +
				"Credential should be scoped to correct service: 'events'. " +
				"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. " +
				"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
				"'20240229' != '20240301', from '20240301T120000Z'."},
		{name: "unknown access key", build: sdkSigned("AKIDUNKNOWN", testSecret, "events", testRegion, 0),
			code: tb.CodeUnrecognizedClient, message: "The security token included in the request is invalid."},
		{name: "empty access key", build: handmade("AWS4-HMAC-SHA256 Credential=/20240301/us-east-1/events/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"),
			code: tb.CodeUnrecognizedClient, message: "The security token included in the request is invalid."},
		{name: "tampered body", build: goodSigned,
			after: func(b *built) { b.body = []byte(strings.Replace(string(b.body), "42", "43", 1)) },
			code:  tb.CodeInvalidSignature, prefix: prefixMismatch},
		{name: "tampered X-Amz-Target", build: goodSigned,
			after: func(b *built) { b.r.Header.Set("X-Amz-Target", "AWSEvents.DeleteRule") },
			code:  tb.CodeInvalidSignature, prefix: prefixMismatch},
		{name: "tampered signed header", build: goodSigned,
			after: func(b *built) { b.r.Header.Set("Amz-Sdk-Invocation-Id", "00000000-0000-0000-0000-000000000000") },
			code:  tb.CodeInvalidSignature, prefix: prefixMismatch},
		{name: "signed header removed", build: goodSigned,
			after: func(b *built) { b.r.Header.Del("Amz-Sdk-Request") },
			code:  tb.CodeInvalidSignature, prefix: prefixMismatch},
		{name: "tampered path", build: goodSigned,
			after: func(b *built) { b.r.URL.Path = "/other" },
			code:  tb.CodeInvalidSignature, prefix: prefixMismatch},
		{name: "added query", build: goodSigned,
			after: func(b *built) { b.r.URL.RawQuery = "a=b" },
			code:  tb.CodeInvalidSignature, prefix: prefixMismatch},
		{name: "another method", build: goodSigned,
			after: func(b *built) { b.r.Method = http.MethodPut },
			code:  tb.CodeInvalidSignature, prefix: prefixMismatch},
		{name: "declared payload hash differs from the body", build: goodSigned,
			after: func(b *built) { b.r.Header.Set("X-Amz-Content-Sha256", hashHex([]byte("other"))) },
			code:  tb.CodeInvalidSignature, prefix: prefixMismatch},
		{name: "UNSIGNED-PAYLOAD in a header-signed request", build: goodSigned,
			after: func(b *built) { b.r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD") },
			code:  tb.CodeInvalidSignature, prefix: prefixMismatch},
		{name: "both header and query signature", build: func(t *testing.T) built {
			b := putEvents(t)
			b.r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
			sdkSign(t, b, testAKID, testSecret, "", "events", testRegion, testNow)
			return b
		},
			code: tb.CodeInvalidSignature, message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.build(t)
			if tc.after != nil {
				tc.after(&b)
			}
			sb := overWire(t, b)
			v := newVerifier("events")
			if tc.verify != nil {
				tc.verify(v)
			}
			id, err := v.Verify(sb.r, sb.body)
			if err == nil {
				t.Fatalf("accepted, identity %+v", id)
			}
			e := asAuthError(t, err)
			if e.Code != tc.code {
				t.Errorf("code = %s, want %s (%s)", e.Code, tc.code, e.Message)
			}
			if tc.message != "" && e.Message != tc.message {
				t.Errorf("message = %q\nwant      %q", e.Message, tc.message)
			}
			if !strings.HasPrefix(e.Message, tc.prefix) {
				t.Errorf("message = %q\nwant prefix %q", e.Message, tc.prefix)
			}
			if got, want := e.HTTPStatus(), 400; got != want {
				t.Errorf("status = %d, want %d", got, want)
			}
		})
	}
}

// A wrong secret is answered with the canonical request and string to sign
// the client should have signed, which are the SDK's.
func TestVerifyMismatchShowsCanonicalRequest(t *testing.T) {
	b := putEvents(t)
	s := sdkSign(t, b, testAKID, "not-the-secret", "", "events", testRegion, testNow)
	sb := overWire(t, b)
	_, err := newVerifier("events").Verify(sb.r, sb.body)
	e := asAuthError(t, err)
	if got, want := e.Message, mismatchMessage(s.canonical, s.stringToSign); got != want {
		t.Errorf("message =\n%s\nwant\n%s", got, want)
	}
}

func TestVerifyPresignedRefusals(t *testing.T) {
	tests := []struct {
		name    string
		build   func(*testing.T) built
		code    string
		message string
		prefix  string
	}{
		{name: "missing parameters",
			build: func(t *testing.T) built {
				return newRequest(t, http.MethodGet, "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240301T120000Z", nil)
			},
			code: tb.CodeIncompleteSignature,
			message: "AWS query-string parameters must include 'X-Amz-Credential'. " +
				"AWS query-string parameters must include 'X-Amz-Signature'. " +
				"AWS query-string parameters must include 'X-Amz-SignedHeaders'. " +
				"Re-examine the query-string parameters."},
		{name: "another algorithm",
			build: func(t *testing.T) built {
				return newRequest(t, http.MethodGet, "/?X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256", nil)
			},
			code: tb.CodeMissingAuthToken, message: "Request is missing Authentication Token"},
		{name: "expired after X-Amz-Expires",
			build: func(t *testing.T) built {
				p, _ := sdkPresign(t, newRequest(t, http.MethodGet, "/?Action=ListQueues&X-Amz-Expires=60", nil), "", "sqs", hashHex(nil), testNow.Add(-2*time.Minute))
				return p
			},
			code:    tb.CodeInvalidSignature,
			message: "Signature expired: 20240301T115800Z is now earlier than 20240301T115900Z (20240301T120000Z - 1 min.)"},
		{name: "X-Amz-Expires not a number",
			build: func(t *testing.T) built {
				p, _ := sdkPresign(t, newRequest(t, http.MethodGet, "/?Action=ListQueues&X-Amz-Expires=soon", nil), "", "sqs", hashHex(nil), testNow)
				return p
			},
			code: tb.CodeIncompleteSignature, message: "X-Amz-Expires should be a number"},
		{name: "X-Amz-Expires over a week",
			build: func(t *testing.T) built {
				p, _ := sdkPresign(t, newRequest(t, http.MethodGet, "/?Action=ListQueues&X-Amz-Expires=604801", nil), "", "sqs", hashHex(nil), testNow)
				return p
			},
			code: tb.CodeIncompleteSignature,
			message: "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires " +
				"must be less than 604800 seconds"},
		{name: "tampered query",
			build: func(t *testing.T) built {
				p, _ := sdkPresign(t, newRequest(t, http.MethodGet, "/?Action=ListQueues", nil), "", "sqs", hashHex(nil), testNow)
				p.r.URL.RawQuery = strings.Replace(p.r.URL.RawQuery, "ListQueues", "DeleteQueue", 1)
				return p
			},
			code: tb.CodeInvalidSignature, prefix: prefixMismatch},
		{name: "body sent with a presigned URL signed for none",
			build: func(t *testing.T) built {
				p, _ := sdkPresign(t, newRequest(t, http.MethodPost, "/?Action=ListQueues", nil), "", "sqs", hashHex(nil), testNow)
				p.body = []byte("Action=DeleteQueue")
				return p
			},
			code: tb.CodeInvalidSignature, prefix: prefixMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sb := overWire(t, tc.build(t))
			id, err := newVerifier("sqs").Verify(sb.r, sb.body)
			if err == nil {
				t.Fatalf("accepted, identity %+v", id)
			}
			e := asAuthError(t, err)
			if e.Code != tc.code {
				t.Errorf("code = %s, want %s (%s)", e.Code, tc.code, e.Message)
			}
			if tc.message != "" && e.Message != tc.message {
				t.Errorf("message = %q\nwant      %q", e.Message, tc.message)
			}
			if !strings.HasPrefix(e.Message, tc.prefix) {
				t.Errorf("message = %q\nwant prefix %q", e.Message, tc.prefix)
			}
		})
	}
}

func TestVerifyDevelopmentMode(t *testing.T) {
	accepted := []struct {
		name  string
		build func(*testing.T) built
		akid  string
	}{
		{name: "any key and secret", build: sdkSigned("AKIDANYTHING", "any-secret", "events", testRegion, 0), akid: "AKIDANYTHING"},
		{name: "a signature no one computed",
			build: handmade("AWS4-HMAC-SHA256 Credential=" + validCred + ", SignedHeaders=host;x-amz-date, Signature=deadbeef"),
			akid:  testAKID},
		{name: "Date header instead of X-Amz-Date",
			build: func(t *testing.T) built {
				b := handmade("AWS4-HMAC-SHA256 Credential=" + validCred + ", SignedHeaders=date;host, Signature=deadbeef")(t)
				b.r.Header.Del("X-Amz-Date")
				b.r.Header.Set("Date", "20240301T120000Z")
				return b
			},
			akid: testAKID},
	}
	for _, tc := range accepted {
		t.Run("accepts "+tc.name, func(t *testing.T) {
			sb := overWire(t, tc.build(t))
			v := newVerifier("events")
			v.Lookup = nil
			id, err := v.Verify(sb.r, sb.body)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if id.AccessKeyID != tc.akid || !id.SignedAt.Equal(testNow) || id.Service != "events" {
				t.Errorf("identity = %+v", *id)
			}
		})
	}

	refused := []struct {
		name  string
		build func(*testing.T) built
		after func(*built)
		code  string
	}{
		{name: "no signature", build: handmade(""), code: tb.CodeMissingAuthToken},
		{name: "malformed header", build: handmade("AWS4-HMAC-SHA256 Credential=" + validCred), code: tb.CodeIncompleteSignature},
		{name: "skew of 6 minutes", build: sdkSigned(testAKID, "x", "events", testRegion, -6*time.Minute), code: tb.CodeInvalidSignature},
		{name: "another service", build: sdkSigned(testAKID, "x", "sqs", testRegion, 0), code: tb.CodeInvalidSignature},
		{name: "another region", build: sdkSigned(testAKID, "x", "events", "ap-south-1", 0), code: tb.CodeInvalidSignature},
		{name: "payload hash that is not the body's", build: sdkSigned(testAKID, "x", "events", testRegion, 0),
			after: func(b *built) { b.r.Header.Set("X-Amz-Content-Sha256", hashHex(nil)) }, code: tb.CodeInvalidSignature},
	}
	for _, tc := range refused {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			b := tc.build(t)
			if tc.after != nil {
				tc.after(&b)
			}
			sb := overWire(t, b)
			v := newVerifier("events")
			v.Lookup = nil
			_, err := v.Verify(sb.r, sb.body)
			if e := asAuthError(t, err); e.Code != tc.code {
				t.Errorf("code = %s, want %s (%s)", e.Code, tc.code, e.Message)
			}
		})
	}
}

func TestVerifyWithoutServiceIsAConfigurationError(t *testing.T) {
	b := putEvents(t)
	sdkSign(t, b, testAKID, testSecret, "", "events", testRegion, testNow)
	_, err := (&Verifier{Lookup: testLookup}).Verify(b.r, b.body)
	if err == nil {
		t.Fatal("accepted")
	}
	if e, ok := err.(*tb.Error); ok {
		t.Fatalf("got %v, want an error that is not a client's fault", e)
	}
}

func TestVerifyDefaultsToTheClock(t *testing.T) {
	b := putEvents(t)
	sdkSign(t, b, testAKID, testSecret, "", "events", testRegion, time.Now())
	sb := overWire(t, b)
	v := &Verifier{Service: "events", Lookup: testLookup}
	if _, err := v.Verify(sb.r, sb.body); err != nil {
		t.Fatal(err)
	}
}
