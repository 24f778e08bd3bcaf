package awsapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/trailbridge/trailbridge/sigv4"
)

type wireError struct {
	status  int
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// call sends a raw request, signed unless id is empty.
func (s *server) call(t *testing.T, method, path, target, body, id, secret string, at time.Time) wireError {
	t.Helper()
	req, err := http.NewRequest(method, s.http.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if id != "" {
		if err := sigv4.Sign(req, []byte(body), id, secret, "", "events", "us-east-1", at); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var we wireError
	we.status = resp.StatusCode
	if resp.StatusCode != 200 {
		if err := json.Unmarshal(b, &we); err != nil {
			t.Fatalf("error body is not JSON: %q", b)
		}
		if resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
			t.Errorf("error Content-Type %q", resp.Header.Get("Content-Type"))
		}
	}
	if resp.Header.Get("x-amzn-RequestId") == "" {
		t.Error("no x-amzn-RequestId")
	}
	return we
}

func TestProtocolErrors(t *testing.T) {
	s := startServer(t)
	now := time.Now()
	for _, tc := range []struct {
		name                 string
		method, path, target string
		body                 string
		id, secret           string
		at                   time.Time
		status               int
		code, prefix         string
	}{
		{"unsigned", "POST", "/", "AWSEvents.ListRules", `{}`, "", "", now,
			400, "MissingAuthenticationTokenException", "Request is missing Authentication Token"},
		{"unknown key", "POST", "/", "AWSEvents.ListRules", `{}`, "AKIDUNKNOWN", "x", now,
			400, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"wrong secret", "POST", "/", "AWSEvents.ListRules", `{}`, testKeyID, "wrong", now,
			400, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided."},
		{"six minutes old", "POST", "/", "AWSEvents.ListRules", `{}`, testKeyID, testSecret, now.Add(-6 * time.Minute),
			400, "InvalidSignatureException", "Signature expired: "},
		{"malformed JSON", "POST", "/", "AWSEvents.ListRules", `{"Limit":`, testKeyID, testSecret, now,
			400, "SerializationException", "Request body is not valid JSON"},
		{"unknown field", "POST", "/", "AWSEvents.ListRules", `{"Limmit":5}`, testKeyID, testSecret, now,
			400, "SerializationException", `Unrecognized field "Limmit"`},
		{"wrong type", "POST", "/", "AWSEvents.DescribeEventBus", `{"Name":5}`, testKeyID, testSecret, now,
			400, "SerializationException", "Value of Name must be a string, not number."},
		{"not an object", "POST", "/", "AWSEvents.DescribeEventBus", `[1]`, testKeyID, testSecret, now,
			400, "SerializationException", "Request body must be a JSON object, not array."},
		{"trailing text", "POST", "/", "AWSEvents.DescribeEventBus", `{} {}`, testKeyID, testSecret, now,
			400, "SerializationException", "Request body holds text after the JSON object."},
		{"unknown operation", "POST", "/", "AWSEvents.Frobnicate", `{}`, testKeyID, testSecret, now,
			400, "UnknownOperationException", "Operation AWSEvents.Frobnicate is not known."},
		{"other service", "POST", "/", "DynamoDB_20120810.ListTables", `{}`, testKeyID, testSecret, now,
			400, "UnknownOperationException", `Operation "DynamoDB_20120810.ListTables" is not known`},
		{"not implemented yet", "POST", "/", "AWSEvents.CreateArchive", `{"ArchiveName":"a"}`, testKeyID, testSecret, now,
			400, "NotImplementedException", "trailbridge does not implement AWSEvents.CreateArchive yet."},
		{"a page that does not exist", "GET", "/index.html", "", "", testKeyID, testSecret, now,
			400, "UnknownOperationException", "Only POST / with an X-Amz-Target header is served here, not GET /index.html."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := s.call(t, tc.method, tc.path, tc.target, tc.body, tc.id, tc.secret, tc.at)
			if got.status != tc.status || got.Type != tc.code || !strings.HasPrefix(got.Message, tc.prefix) {
				t.Errorf("got %d %s %q\nwant %d %s %q…", got.status, got.Type, got.Message, tc.status, tc.code, tc.prefix)
			}
		})
	}
	// None of the refused requests changed anything.
	if n := len(s.config.Buses()); n != 1 {
		t.Errorf("%d buses after refused requests", n)
	}
}

func TestSDKRefusals(t *testing.T) {
	s := startServer(t)
	ctx := t.Context()
	_, err := newClient(s.http.URL, testKeyID, "wrong-secret").ListEventBuses(ctx, &eb.ListEventBusesInput{})
	var we interface{ ErrorCode() string }
	if !errorsAs(err, &we) || we.ErrorCode() != "InvalidSignatureException" {
		t.Errorf("wrong secret: %v", err)
	}
	_, err = newClient(s.http.URL, "AKIDNOBODY", testSecret).CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("x")})
	wantAPIError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
	if s.config.Bus("x") != nil {
		t.Error("a refused request created a bus")
	}
}

// TestOversizeRefusedUnread sends headers announcing 2 MiB and only a few
// bytes of body: the answer must come without the server waiting for the
// rest.
func TestOversizeRefusedUnread(t *testing.T) {
	s := startServer(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.http.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSEvents.PutEvents\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n{\"Entries\":", 2<<20)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer before the body was sent: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 413 || !bytes.Contains(b, []byte(`"__type":"RequestEntityTooLargeException"`)) {
		t.Errorf("answer %d %s", resp.StatusCode, b)
	}
}
