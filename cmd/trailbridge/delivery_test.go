package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	dto "github.com/prometheus/client_model/go"
	"github.com/trailbridge/trailbridge/internal/check"
)

// hook is an HTTP target that records what it receives and answers with
// the status its script gives the nth request (1-based).
type hook struct {
	srv    *httptest.Server
	status func(n int) int
	mu     sync.Mutex
	got    []received
}

type received struct {
	at     time.Time
	method string
	path   string
	query  string
	header http.Header
	body   []byte
}

func newHook(t *testing.T, status func(n int) int) *hook {
	h := &hook{status: status}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, received{time.Now(), r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		n := len(h.got)
		h.mu.Unlock()
		code := http.StatusOK
		if h.status != nil {
			code = h.status(n)
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) requests() []received {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]received(nil), h.got...)
}

// waitRequests waits until the hook has received n requests.
func (h *hook) waitRequests(t *testing.T, n int, within time.Duration) []received {
	t.Helper()
	eventually(t, within, func() bool { return len(h.requests()) >= n })
	return h.requests()
}

// counter is the value of a counter of the app's metrics with the given
// labels (0 when it has not been counted yet).
func counter(t *testing.T, a *app, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := a.Metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if labelsMatch(m, labels) {
				if h := m.GetHistogram(); h != nil {
					return float64(h.GetSampleCount())
				}
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func labelsMatch(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, lp := range m.GetLabel() {
		if v, ok := want[lp.GetName()]; ok {
			if v != lp.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(want)
}

// apiDestination creates a connection and an API destination to url and
// returns the destination's ARN.
func apiDestination(t *testing.T, c *eb.Client, name, url string, auth types.ConnectionAuthorizationType, params *types.CreateConnectionAuthRequestParameters) string {
	t.Helper()
	conn := must(c.CreateConnection(t.Context(), &eb.CreateConnectionInput{
		Name: aws.String(name), AuthorizationType: auth, AuthParameters: params,
	}))
	dest := must(c.CreateApiDestination(t.Context(), &eb.CreateApiDestinationInput{
		Name: aws.String(name), ConnectionArn: conn.ConnectionArn, InvocationEndpoint: aws.String(url),
		HttpMethod: types.ApiDestinationHttpMethodPost,
	}))
	return *dest.ApiDestinationArn
}

func basicAuth() *types.CreateConnectionAuthRequestParameters {
	return &types.CreateConnectionAuthRequestParameters{
		BasicAuthParameters: &types.CreateConnectionBasicAuthRequestParameters{Username: aws.String("u"), Password: aws.String("p4ssword")},
	}
}

func putRuleAndTarget(t *testing.T, c *eb.Client, rule, pattern string, tgt types.Target) {
	t.Helper()
	must(c.PutRule(t.Context(), &eb.PutRuleInput{Name: aws.String(rule), EventPattern: aws.String(pattern)}))
	out := must(c.PutTargets(t.Context(), &eb.PutTargetsInput{Rule: aws.String(rule), Targets: []types.Target{tgt}}))
	if out.FailedEntryCount != 0 {
		t.Fatalf("PutTargets: %+v", out.FailedEntries)
	}
}

func putEvent(t *testing.T, c *eb.Client, source, detail string) string {
	t.Helper()
	out := must(c.PutEvents(t.Context(), &eb.PutEventsInput{Entries: []types.PutEventsRequestEntry{{
		Source: aws.String(source), DetailType: aws.String("test"), Detail: aws.String(detail),
	}}}))
	if out.FailedEntryCount != 0 || out.Entries[0].EventId == nil {
		t.Fatalf("PutEvents: %+v", out.Entries)
	}
	return *out.Entries[0].EventId
}

func TestDeliverAPIDestinationTransformed(t *testing.T) {
	t.Parallel()
	o := testOptions(t)
	a := startTestApp(t, o)
	c := sdkClient(a.URL, "AKID", "secret")
	h := newHook(t, nil)

	dest := apiDestination(t, c, "orders-hook", h.srv.URL+"/orders/*", types.ConnectionAuthorizationTypeApiKey,
		&types.CreateConnectionAuthRequestParameters{
			ApiKeyAuthParameters: &types.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("x-api-key"), ApiKeyValue: aws.String("k3y-v4lue-s3cret")},
			InvocationHttpParameters: &types.ConnectionHttpParameters{HeaderParameters: []types.ConnectionHeaderParameter{
				{Key: aws.String("X-Team"), Value: aws.String("shop")},
			}},
		})
	putRuleAndTarget(t, c, "big-orders", `{"source":["shop"],"detail":{"total":[{"numeric":[">",100]}]}}`, types.Target{
		Id: aws.String("hook"), Arn: aws.String(dest),
		InputTransformer: &types.InputTransformer{
			InputPathsMap: map[string]string{"id": "$.detail.id", "total": "$.detail.total"},
			InputTemplate: aws.String(`{"order": <id>, "total": <total>, "rule": "<aws.events.rule-name>"}`),
		},
		HttpParameters: &types.HttpParameters{
			PathParameterValues:   []string{"$.detail.id"},
			QueryStringParameters: map[string]string{"from": "$.source"},
		},
	})

	putEvent(t, c, "shop", `{"id": 7, "total": 50}`) // does not match
	// The matching one carries an X-Ray trace header, which the API
	// destination passes on as X-Amzn-Trace-Id.
	const trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
	if out := must(c.PutEvents(t.Context(), &eb.PutEventsInput{Entries: []types.PutEventsRequestEntry{{
		Source: aws.String("shop"), DetailType: aws.String("test"), Detail: aws.String(`{"id": 8, "total": 150}`), TraceHeader: aws.String(trace),
	}}})); out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %+v", out.Entries)
	}
	got := h.waitRequests(t, 1, 10*time.Second)[0]
	var body map[string]any
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatalf("body %q: %v", got.body, err)
	}
	want := map[string]any{"order": 8.0, "total": 150.0, "rule": "big-orders"}
	if !equalJSON(body, want) {
		t.Errorf("body = %s, want %v", got.body, want)
	}
	if got.method != "POST" || got.path != "/orders/8" || got.query != "from=shop" {
		t.Errorf("request = %s %s?%s, want POST /orders/8?from=shop", got.method, got.path, got.query)
	}
	for k, v := range map[string]string{"X-Api-Key": "k3y-v4lue-s3cret", "X-Team": "shop", "User-Agent": "Amazon/EventBridge/ApiDestinations", "X-Amzn-Trace-Id": trace} {
		if g := got.header.Get(k); g != v {
			t.Errorf("header %s = %q, want %q", k, g, v)
		}
	}
	eventually(t, 5*time.Second, func() bool {
		return counter(t, a, "trailbridge_Invocations", map[string]string{"rule": "big-orders", "target": "hook"}) == 1
	})
	if n := len(h.requests()); n != 1 {
		t.Errorf("the hook got %d requests, want 1 (the small order does not match)", n)
	}

	// The secret is never answered, nor stored in the clear.
	desc := must(c.DescribeConnection(t.Context(), &eb.DescribeConnectionInput{Name: aws.String("orders-hook")}))
	if b, _ := json.Marshal(desc); bytes.Contains(b, []byte("k3y-v4lue-s3cret")) {
		t.Errorf("DescribeConnection answers the secret: %s", b)
	}
	filepath.WalkDir(o.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b, _ := os.ReadFile(path); bytes.Contains(b, []byte("k3y-v4lue-s3cret")) {
			t.Errorf("%s holds the API key in the clear", path)
		}
		return nil
	})
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestDeliverRetriesWithGrowingGaps(t *testing.T) {
	t.Parallel()
	a := startTestApp(t, testOptions(t))
	c := sdkClient(a.URL, "AKID", "secret")
	h := newHook(t, func(n int) int {
		if n <= 3 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	dest := apiDestination(t, c, "flaky", h.srv.URL, types.ConnectionAuthorizationTypeBasic, basicAuth())
	putRuleAndTarget(t, c, "to-flaky", `{"source":["app"]}`, types.Target{Id: aws.String("flaky"), Arn: aws.String(dest)})
	id := putEvent(t, c, "app", `{"n": 1}`)

	// Backoff from 1 s, doubling, ±25%: the gaps are about 1, 2 and 4 s.
	got := h.waitRequests(t, 4, 30*time.Second)
	eventually(t, 5*time.Second, func() bool {
		return counter(t, a, "trailbridge_Invocations", map[string]string{"rule": "to-flaky"}) == 1
	})
	if len(h.requests()) != 4 {
		t.Fatalf("%d requests, want 4", len(h.requests()))
	}
	var gaps []time.Duration
	for i := 1; i < len(got); i++ {
		gaps = append(gaps, got[i].at.Sub(got[i-1].at))
	}
	t.Logf("gaps between attempts: %v", gaps)
	if !(gaps[0] >= 700*time.Millisecond && gaps[1] > gaps[0] && gaps[2] > gaps[1]) {
		t.Errorf("gaps %v: want about 1 s, 2 s, 4 s, each longer than the one before", gaps)
	}
	var ev map[string]any
	if err := json.Unmarshal(got[3].body, &ev); err != nil || ev["id"] != id || ev["source"] != "app" {
		t.Errorf("delivered %s (%v), want the event %s", got[3].body, err, id)
	}
	labels := map[string]string{"bus": "default", "rule": "to-flaky", "target": "flaky"}
	for name, want := range map[string]float64{
		"trailbridge_InvocationAttempts":                  4,
		"trailbridge_RetryInvocationAttempts":             3,
		"trailbridge_SuccessfulInvocationAttempts":        1,
		"trailbridge_FailedInvocations":                   0,
		"trailbridge_IngestionToInvocationStartLatency":   1,
		"trailbridge_IngestionToInvocationSuccessLatency": 1,
	} {
		if g := counter(t, a, name, labels); g != want {
			t.Errorf("%s = %v, want %v", name, g, want)
		}
	}
	if g := counter(t, a, "trailbridge_MatchedEvents", map[string]string{"bus": "default"}); g != 1 {
		t.Errorf("MatchedEvents = %v, want 1", g)
	}
	if g := counter(t, a, "trailbridge_TriggeredRules", map[string]string{"rule": "to-flaky"}); g != 1 {
		t.Errorf("TriggeredRules = %v, want 1", g)
	}
}

// syncBuffer is a log destination tests read while the app writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDeliverGivesUpAfterMaximumRetryAttempts(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(io.MultiWriter(&logs, testWriter{t}), &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := startApp(t.Context(), testOptions(t), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	c := sdkClient(a.URL, "AKID", "secret")
	h := newHook(t, func(int) int { return http.StatusInternalServerError })
	dest := apiDestination(t, c, "broken", h.srv.URL, types.ConnectionAuthorizationTypeBasic, basicAuth())
	putRuleAndTarget(t, c, "to-broken", `{"source":["app"]}`, types.Target{
		Id: aws.String("broken"), Arn: aws.String(dest),
		RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(2)},
	})
	putEvent(t, c, "app", `{}`)

	labels := map[string]string{"bus": "default", "rule": "to-broken", "target": "broken"}
	eventually(t, 30*time.Second, func() bool { return counter(t, a, "trailbridge_FailedInvocations", labels) == 1 })
	if n := len(h.requests()); n != 3 {
		t.Errorf("the target was tried %d times, want 3 (one attempt and two retries)", n)
	}
	for name, want := range map[string]float64{
		"trailbridge_InvocationAttempts":      3,
		"trailbridge_RetryInvocationAttempts": 2,
		"trailbridge_Invocations":             1,
	} {
		if g := counter(t, a, name, labels); g != want {
			t.Errorf("%s = %v, want %v", name, g, want)
		}
	}
	l := logs.String()
	if !strings.Contains(l, "event dropped") || !strings.Contains(l, "rule=to-broken") || !strings.Contains(l, "exhausted=MaximumRetryAttempts") {
		t.Errorf("the drop is not logged with its reason; log:\n%s", l)
	}
}

func TestDeliverFunctionBusAndLogGroup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "received.json")
	script := filepath.Join(dir, "record.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ncat > \"$OUT.tmp\" && mv \"$OUT.tmp\" \"$OUT\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	o := testOptions(t)
	o.ConfigFile = writeConfig(t, `
EventBuses:
  - Name: audit
Functions:
  - Name: record
    Command: [`+script+`]
    Environment: {OUT: '`+out+`'}
    Timeout: 10s
Rules:
  - Name: users
    EventPattern: {source: [iam]}
    Targets:
      - Id: record
        Arn: arn:aws:lambda:us-east-1:123456789012:function:record
        InputPath: $.detail
      - Id: audit
        Arn: arn:aws:events:us-east-1:123456789012:event-bus/audit
  - Name: keep
    EventBusName: audit
    EventPattern: {source: [iam]}
    Targets:
      - Id: log
        Arn: arn:aws:logs:us-east-1:123456789012:log-group:/trailbridge/audit
      - Id: back
        Arn: arn:aws:events:us-east-1:123456789012:event-bus/default
        RetryPolicy: {MaximumRetryAttempts: 0}
`)
	a := startTestApp(t, o)
	c := sdkClient(a.URL, "AKID", "secret")
	id := putEvent(t, c, "iam", `{"eventName":"CreateUser","user":"mallory"}`)

	var detail []byte
	eventually(t, 10*time.Second, func() bool {
		b, err := os.ReadFile(out)
		detail = b
		return err == nil
	})
	if !equalJSONBytes(detail, []byte(`{"eventName":"CreateUser","user":"mallory"}`)) {
		t.Errorf("the function read %q, want the event's detail", detail)
	}

	// Through the audit bus to its log group, the same event id.
	group := filepath.Join(o.DataDir, "logs", "%2Ftrailbridge%2Faudit")
	var line []byte
	eventually(t, 10*time.Second, func() bool {
		files, _ := filepath.Glob(filepath.Join(group, "*.jsonl"))
		if len(files) == 0 {
			return false
		}
		line, _ = os.ReadFile(files[0])
		return len(line) > 0
	})
	var rec struct {
		Timestamp int64
		Message   string
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		t.Fatalf("log line %q: %v", line, err)
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(rec.Message), &ev); err != nil || ev["id"] != id || ev["source"] != "iam" {
		t.Errorf("log group holds %q, want the event %s", rec.Message, id)
	}
	eventually(t, 5*time.Second, func() bool {
		return counter(t, a, "trailbridge_Invocations", map[string]string{"bus": "audit", "rule": "keep", "target": "log"}) == 1
	})
	// The event came to audit from default: it is not sent on to a bus
	// again (here back to default, where it would loop), as on AWS.
	eventually(t, 5*time.Second, func() bool {
		return counter(t, a, "trailbridge_FailedInvocations", map[string]string{"bus": "audit", "rule": "keep", "target": "back"}) == 1
	})
	if n := counter(t, a, "trailbridge_TriggeredRules", map[string]string{"bus": "default", "rule": "users"}); n != 1 {
		t.Errorf("rule users triggered %v times, want once", n)
	}
}

func equalJSONBytes(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return equalJSON(x, y)
}

// eventually polls cond until it holds, failing the test after within.
func eventually(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	check.For(t, within, 20*time.Millisecond, func() error {
		if cond() {
			return nil
		}
		return fmt.Errorf("condition not met within %v", within)
	})
}

func TestServeSecretKeyFromConfig(t *testing.T) {
	t.Parallel()
	o := testOptions(t)
	o.ConfigFile = writeConfig(t, "SecretKey: a passphrase long enough\nConnections:\n  - Name: c\n    AuthorizationType: BASIC\n    AuthParameters: {BasicAuthParameters: {Username: u, Password: pw-in-config}}\n")
	a := startTestApp(t, o)
	c := sdkClient(a.URL, "AKID", "secret")
	out := must(c.DescribeConnection(t.Context(), &eb.DescribeConnectionInput{Name: aws.String("c")}))
	if out.ConnectionState != types.ConnectionStateAuthorized {
		t.Errorf("connection state %s", out.ConnectionState)
	}
	if _, err := os.Stat(filepath.Join(o.DataDir, "secret.key")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a key file was made although the config gives the key: %v", err)
	}
	o.ConfigFile = writeConfig(t, "SecretKey: short\n")
	o.DataDir = t.TempDir()
	if _, err := startApp(t.Context(), o, testLogger(t)); err == nil || !strings.Contains(err.Error(), "SecretKey") {
		t.Errorf("a bad SecretKey: err = %v, want one naming SecretKey", err)
	}
}

func sqsClient(url string) *sqs.Client {
	return sqs.New(sqs.Options{
		BaseEndpoint:     aws.String(url),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

func TestDeliverQueueTargetAndDeadLetterQueue(t *testing.T) {
	t.Parallel()
	o := testOptions(t)
	a := startTestApp(t, o)
	c := sdkClient(a.URL, "AKID", "secret")
	q := sqsClient(a.URL)
	users := must(q.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("users")}))
	dlq := must(q.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("dlq")}))

	// A queue target with InputPath: the JSON string, quotes and all.
	putRuleAndTarget(t, c, "new-users", `{"source":["iam"]}`, types.Target{
		Id: aws.String("users"), Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:users"), InputPath: aws.String("$.detail.user"),
	})
	putEvent(t, c, "iam", `{"user":"ana"}`)
	var got []sqstypes.Message
	eventually(t, 10*time.Second, func() bool {
		out := must(q.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: users.QueueUrl, WaitTimeSeconds: 1}))
		got = out.Messages
		return len(got) > 0
	})
	if body := aws.ToString(got[0].Body); body != `"ana"` {
		t.Errorf("queue target body = %s, want \"ana\" with its quotes", body)
	}

	// A target that always fails, with two retries and a dead-letter queue.
	h := newHook(t, func(int) int { return http.StatusInternalServerError })
	dest := apiDestination(t, c, "broken", h.srv.URL, types.ConnectionAuthorizationTypeBasic, basicAuth())
	putRuleAndTarget(t, c, "to-broken", `{"source":["app"]}`, types.Target{
		Id: aws.String("broken"), Arn: aws.String(dest),
		RetryPolicy:      &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(2)},
		DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:dlq")},
	})
	id := putEvent(t, c, "app", `{"n":1}`)
	eventually(t, 30*time.Second, func() bool {
		out := must(q.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl, WaitTimeSeconds: 1,
			MessageAttributeNames: []string{"All"}}))
		got = out.Messages
		return len(got) > 0
	})
	m := got[0]
	var ev map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &ev); err != nil || ev["id"] != id {
		t.Errorf("dead letter body = %s, want the event %s", aws.ToString(m.Body), id)
	}
	want := map[string]string{
		"RULE_ARN":                  "arn:aws:events:us-east-1:123456789012:rule/to-broken",
		"TARGET_ARN":                dest,
		"EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
		"RETRY_ATTEMPTS":            "2",
	}
	for k, v := range want {
		a, ok := m.MessageAttributes[k]
		if !ok || aws.ToString(a.StringValue) != v {
			t.Errorf("attribute %s = %+v, want %q", k, a, v)
		}
	}
	t.Logf("ERROR_CODE %s, ERROR_MESSAGE %s", aws.ToString(m.MessageAttributes["ERROR_CODE"].StringValue), aws.ToString(m.MessageAttributes["ERROR_MESSAGE"].StringValue))
	if aws.ToString(m.MessageAttributes["ERROR_CODE"].StringValue) == "" {
		t.Errorf("no ERROR_CODE")
	}
	if a, ok := m.MessageAttributes["ERROR_MESSAGE"]; !ok || !strings.Contains(aws.ToString(a.StringValue), "500") {
		t.Errorf("ERROR_MESSAGE = %+v, want the target's failure", a)
	}
	if len(m.MessageAttributes) != 6 {
		t.Errorf("%d attributes, want 6: %v", len(m.MessageAttributes), m.MessageAttributes)
	}
	// Counted once the write to the queue returned: just after the message
	// became readable.
	labels := map[string]string{"bus": "default", "rule": "to-broken", "target": "broken"}
	eventually(t, 5*time.Second, func() bool { return counter(t, a, "trailbridge_InvocationsSentToDlq", labels) == 1 })
	if n := len(h.requests()); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}

	// A dead-letter queue that does not exist: counted and logged.
	putRuleAndTarget(t, c, "to-nowhere", `{"source":["lost"]}`, types.Target{
		Id: aws.String("broken"), Arn: aws.String(dest),
		RetryPolicy:      &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(0)},
		DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:missing")},
	})
	putEvent(t, c, "lost", `{}`)
	eventually(t, 10*time.Second, func() bool {
		return counter(t, a, "trailbridge_InvocationsFailedToBeSentToDlq", map[string]string{"rule": "to-nowhere"}) == 1
	})
}

func TestServeConfigQueues(t *testing.T) {
	t.Parallel()
	o := testOptions(t)
	o.ConfigFile = writeConfig(t, `
Queues:
  - Name: ops
    Attributes:
      VisibilityTimeout: "45"
      RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:ops-dlq","maxReceiveCount":3}'
  - Name: ops-dlq
Rules:
  - Name: to-ops
    EventPattern: {source: [ops]}
    Targets:
      - Id: q
        Arn: arn:aws:sqs:us-east-1:123456789012:ops
`)
	for range 2 { // applying the file again changes nothing
		a := startTestApp(t, o)
		q := sqsClient(a.URL)
		url := must(q.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String("ops")})).QueueUrl
		attrs := must(q.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: url,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})).Attributes
		if attrs["VisibilityTimeout"] != "45" || !strings.Contains(attrs["RedrivePolicy"], "ops-dlq") {
			t.Errorf("attributes = %v", attrs)
		}
		putEvent(t, sdkClient(a.URL, "AKID", "secret"), "ops", `{"alarm":"disk"}`)
		eventually(t, 10*time.Second, func() bool {
			out := must(q.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: url, WaitTimeSeconds: 1}))
			for _, m := range out.Messages {
				must(q.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle}))
			}
			return len(out.Messages) == 1 && strings.Contains(aws.ToString(out.Messages[0].Body), `"alarm":"disk"`)
		})
		a.Close()
	}
}
