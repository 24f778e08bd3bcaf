package awsapi

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/smithy-go"
	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/cloudtrail"
	"github.com/trailbridge/trailbridge/natsjs"
	"github.com/trailbridge/trailbridge/sigv4"
)

const (
	testKeyID  = "AKIDTRAILBRIDGETEST"
	testSecret = "trailbridge-test-secret"
)

var testPlace = tb.Place{Region: "us-east-1", Account: "123456789012"}

// server is an API server on an embedded JetStream in a temporary folder.
type server struct {
	t      *testing.T
	dir    string
	engine *natsjs.Engine
	config *natsjs.Config
	http   *httptest.Server
	client *eventbridge.Client
	cancel context.CancelFunc
	copy   AuditCopy // the compliance copy the next start uses
	audit  func(context.Context, *cloudtrail.Record)
}

func startServer(t *testing.T) *server {
	t.Helper()
	s := &server{t: t, dir: t.TempDir()}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *server) start() {
	t := s.t
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	e, err := natsjs.Open(ctx, natsjs.Options{DataDir: s.dir})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := e.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.engine, s.config = e, cfg
	seen, err := e.Seen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	api := &Server{
		EventBridge: &EventBridge{Store: cfg, Resources: cfg, Events: e, Place: testPlace, Seen: seen, AuditCopy: s.copy},
		Verifier: &sigv4.Verifier{Service: "events", Region: testPlace.Region, Lookup: func(id string) (string, bool) {
			return testSecret, id == testKeyID
		}},
		Audit: s.audit,
	}
	s.http = httptest.NewServer(api.Handler())
	s.client = newClient(s.http.URL, testKeyID, testSecret)
}

func (s *server) stop() {
	if s.http == nil {
		return
	}
	s.http.Close()
	s.cancel()
	s.engine.Close()
	s.http = nil
}

func (s *server) restart() {
	s.stop()
	s.start()
}

func newClient(url, id, secret string) *eventbridge.Client {
	return eventbridge.New(eventbridge.Options{
		BaseEndpoint:     aws.String(url),
		Region:           testPlace.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(id, secret, ""),
		RetryMaxAttempts: 1,
	})
}

// wantAPIError checks that err is an AWS error with code and message.
func wantAPIError(t *testing.T, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want %s: %s", err, code, message)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != message {
		t.Fatalf("error = %s: %q\n      want %s: %q", ae.ErrorCode(), ae.ErrorMessage(), code, message)
	}
}

// must returns v, or stops the test (by panicking, which fails it) when
// the call that gave it failed. Tests that expect an error check it with
// wantAPIError instead.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
