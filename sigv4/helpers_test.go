package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/logging"

	tb "github.com/trailbridge/trailbridge"
)

// The credentials of AWS's SigV4 test suite.
const (
	testAKID   = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testRegion = "us-east-1"
	testHost   = "127.0.0.1:4010"
)

var testNow = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func testLookup(id string) (string, bool) {
	if id == testAKID {
		return testSecret, true
	}
	return "", false
}

// newVerifier returns a Verifier for service in us-east-1 that knows the test
// key and whose clock reads testNow.
func newVerifier(service string) *Verifier {
	return &Verifier{Service: service, Region: testRegion, Lookup: testLookup, Now: func() time.Time { return testNow }}
}

// A built request and the body it carries, before signing.
type built struct {
	r    *http.Request
	body []byte
}

func newRequest(t *testing.T, method, target string, body []byte) built {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, "http://"+testHost+target, rd)
	if err != nil {
		t.Fatal(err)
	}
	return built{r, body}
}

// putEvents is shaped like aws-sdk-go-v2's EventBridge PutEvents call.
func putEvents(t *testing.T) built {
	t.Helper()
	b := newRequest(t, http.MethodPost, "/",
		[]byte(`{"Entries":[{"Source":"com.example.orders","DetailType":"OrderPlaced","Detail":"{\"id\":42}"}]}`))
	b.r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	b.r.Header.Set("X-Amz-Target", "AWSEvents.PutEvents")
	b.r.Header.Set("Amz-Sdk-Invocation-Id", "0b7d2a5c-2d0c-4c5e-9a4e-7f3f2f7f9d11")
	b.r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	b.r.Header.Set("User-Agent", "aws-sdk-go-v2/1.48.0 os/linux lang/go#1.26 api/eventbridge#1.55.11")
	return b
}

// sendMessage is an SQS query-protocol form post.
func sendMessage(t *testing.T) built {
	t.Helper()
	b := newRequest(t, http.MethodPost, "/000000000000/q",
		[]byte("Action=SendMessage&MessageBody=hello+world%21&Version=2012-11-05"))
	b.r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return b
}

// specialQuery is a query with spaces, '~', '/', '=', '+', unicode and a
// repeated name whose values sort differently before and after encoding.
var specialQuery = url.Values{
	"Action":          {"ListQueues"},
	"QueueNamePrefix": {"a b~c"},
	"path":            {"/x/y"},
	"eq":              {"k=v"},
	"plus":            {"1+1"},
	"unicode":         {"café €"},
	"dup":             {"a/b", "a-b"},
	"empty":           {""},
}

func getWithQuery(t *testing.T) built {
	t.Helper()
	return newRequest(t, http.MethodGet, "/?"+specialQuery.Encode(), nil)
}

// signed records what the oracle signed: its canonical request and string
// to sign, from the SDK's signing log.
type signed struct {
	canonical, stringToSign string
}

func sdkOptions(s *signed) func(*v4.SignerOptions) {
	return func(o *v4.SignerOptions) {
		o.LogSigning = true
		o.Logger = logging.LoggerFunc(func(_ logging.Classification, _ string, v ...any) {
			if len(v) >= 2 {
				s.canonical, _ = v[0].(string)
				s.stringToSign, _ = v[1].(string)
			}
		})
	}
}

// sdkSign signs b.r with aws-sdk-go-v2's signer, the test oracle.
func sdkSign(t *testing.T, b built, akid, secret, token, service, region string, at time.Time) signed {
	t.Helper()
	var s signed
	creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: token}
	err := v4.NewSigner(sdkOptions(&s)).SignHTTP(context.Background(), creds, b.r, hashHex(b.body), service, region, at)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sdkPresign presigns b.r with the SDK and returns a request for the URL it
// produced, carrying the headers it signed.
func sdkPresign(t *testing.T, b built, token, service, payloadHash string, at time.Time) (built, signed) {
	t.Helper()
	var s signed
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret, SessionToken: token}
	u, hdr, err := v4.NewSigner(sdkOptions(&s)).PresignHTTP(context.Background(), creds, b.r, payloadHash, service, testRegion, at)
	if err != nil {
		t.Fatal(err)
	}
	p := newRequest(t, b.r.Method, "", b.body)
	if p.r.URL, err = url.Parse(u); err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		if k != "Host" {
			p.r.Header[k] = vs
		}
	}
	return p, s
}

// overWire sends r through HTTP/1.1 serialisation and parsing, so that the
// verifier sees what a net/http server would: Host moved out of the header
// map, Content-Length parsed, the path and query as sent.
func overWire(t *testing.T, b built) built {
	t.Helper()
	if b.body != nil {
		b.r.Body = io.NopCloser(bytes.NewReader(b.body))
		b.r.ContentLength = int64(len(b.body))
	}
	var buf bytes.Buffer
	if err := b.r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(sr.Body)
	if err != nil {
		t.Fatal(err)
	}
	return built{sr, body}
}

// asAuthError returns the *trailbridge.Error err is, failing the test when
// it is another kind of error.
func asAuthError(t *testing.T, err error) *tb.Error {
	t.Helper()
	var e *tb.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *trailbridge.Error", err, err)
	}
	return e
}

// mismatchMessage is AWS's answer to a wrong signature, typed out rather
// than taken from the package so that a change to the text fails the tests.
func mismatchMessage(canonical, sts string) string {
	return "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details." +
		"\n\nThe Canonical String for this request should have been\n'" + canonical +
		"'\n\nThe String-to-Sign should have been\n'" + sts + "'\n"
}
