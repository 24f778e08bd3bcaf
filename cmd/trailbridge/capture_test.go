package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/trailbridge/trailbridge/capture"
	"github.com/trailbridge/trailbridge/config"
)

// ordersAPI is a small HTTP API of the user's own: POST /orders answers
// with the new order and a token that must not reach a record.
func ordersAPI(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-42")
		switch {
		case r.Method == "POST" && r.URL.Path == "/orders":
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"id":"o-1","status":"created","apiToken":"tok-very-secret"}`)
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/orders/"):
			io.WriteString(w, `{"id":"o-1"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"code":"NotFound","message":"no such route"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// detailOf decodes a delivered event's detail.
func detailOf(t *testing.T, body []byte) (env map[string]any, detail map[string]any) {
	t.Helper()
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("delivered %s: %v", body, err)
	}
	d, ok := env["detail"].(map[string]any)
	if !ok {
		t.Fatalf("no detail in %s", body)
	}
	return env, d
}

func expectFields(t *testing.T, what string, v any, want map[string]any) {
	t.Helper()
	for path, w := range want {
		if got := at(v, path); got != w {
			t.Errorf("%s: %s = %#v, want %#v", what, path, got, w)
		}
	}
}

// hookRule makes a rule with pattern whose target posts to a new hook.
func hookRule(t *testing.T, c *eb.Client, name, pattern string) *hook {
	t.Helper()
	h := newHook(t, nil)
	dest := apiDestination(t, c, name, h.srv.URL, types.ConnectionAuthorizationTypeBasic, basicAuth())
	putRuleAndTarget(t, c, name, pattern, types.Target{Id: aws.String("hook"), Arn: aws.String(dest)})
	return h
}

// TestInterceptorToTarget: a call to the user's HTTP API through the
// interceptor serve runs reaches a rule's target as a CloudTrail event,
// with the caller's identity and secrets hidden.
func TestInterceptorToTarget(t *testing.T) {
	t.Parallel()
	api := ordersAPI(t)
	o := testOptions(t)
	o.ConfigFile = writeConfig(t, `
Interceptors:
  - Name: shop
    Listen: 127.0.0.1:0
    Upstream: `+api.URL+`
    EventSource: orders.example.com
    Routes:
      - {Method: POST, Path: /orders, EventName: CreateOrder}
      - {Method: GET, Path: "/orders/{id}", EventName: GetOrder}
    Identity:
      BasicUsers: [{UserName: alice, Password: wonderland}]
`)
	a := startTestApp(t, o)
	c := sdkClient(a.URL, "AKID", "secret")
	h := hookRule(t, c, "orders-created",
		`{"source":["orders.example.com"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventSource":["orders.example.com"],"eventName":["CreateOrder"]}}`)

	req, _ := http.NewRequest("POST", a.Interceptors[0]+"/orders", strings.NewReader(`{"item":"book","qty":2,"password":"hunter2"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "shop-client/1.0")
	req.SetBasicAuth("alice", "wonderland")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.Contains(string(body), "tok-very-secret") {
		t.Fatalf("through the proxy: %d %s (the caller gets the answer unchanged)", resp.StatusCode, body)
	}
	// A read: recorded, but not matched by the rule.
	if resp, err := http.Get(a.Interceptors[0] + "/orders/o-1"); err == nil {
		resp.Body.Close()
	}

	reqs := h.waitRequests(t, 1, 20*time.Second)
	env, d := detailOf(t, reqs[0].body)
	expectFields(t, "envelope", env, map[string]any{"source": "orders.example.com", "detail-type": "AWS API Call via CloudTrail", "account": "123456789012", "region": "us-east-1"})
	expectFields(t, "record", d, map[string]any{
		"eventVersion": "1.11", "eventSource": "orders.example.com", "eventName": "CreateOrder", "awsRegion": "us-east-1",
		"sourceIPAddress": "127.0.0.1", "userAgent": "shop-client/1.0", "eventType": "AwsApiCall", "readOnly": false,
		"managementEvent": true, "eventCategory": "Management", "recipientAccountId": "123456789012", "requestID": "req-42",
		"userIdentity.type": "IAMUser", "userIdentity.userName": "alice",
		"requestParameters.item": "book", "requestParameters.password": "HIDDEN_DUE_TO_SECURITY_REASONS",
		"responseElements.id": "o-1", "responseElements.apiToken": "HIDDEN_DUE_TO_SECURITY_REASONS",
	})
	eventually(t, 10*time.Second, func() bool {
		return counter(t, a, "trailbridge_capture_records_total", map[string]string{"handoff": "shop", "outcome": "sent"}) == 2
	})
	for _, secret := range []string{"hunter2", "tok-very-secret", "wonderland"} {
		if strings.Contains(string(reqs[0].body), secret) {
			t.Errorf("the delivered event holds %q: %s", secret, reqs[0].body)
		}
	}
	if d["eventTime"] == d["eventID"] || len(d["eventID"].(string)) != 36 {
		t.Errorf("eventID %v", d["eventID"])
	}
}

// TestMiddlewareToTarget: a Go service with the capture middleware sends
// its records to the server through the API.
func TestMiddlewareToTarget(t *testing.T) {
	t.Parallel()
	a := startTestApp(t, testOptions(t))
	c := sdkClient(a.URL, "AKID", "secret")
	h := hookRule(t, c, "mw-orders",
		`{"source":["orders.example.com"],"detail":{"eventSource":["orders.example.com"],"eventName":["CreateOrder"]}}`)

	handoff, err := capture.NewHandoff(capture.HandoffConfig{Dir: t.TempDir(), Sink: &capture.APISink{Client: &capture.Client{
		Endpoint: a.URL, AccessKeyID: "AKIDSERVICE", SecretAccessKey: "x", Region: "us-east-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { handoff.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	routes, err := capture.NewRoutes([]capture.Route{{Method: "POST", Path: "/orders", Name: "CreateOrder"}})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := capture.NewRecorder(capture.Config{EventSource: "orders.example.com", Account: "123456789012", Namer: routes}, handoff)
	if err != nil {
		t.Fatal(err)
	}
	svc := httptest.NewServer(rec.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var order struct{ Item string }
		json.NewDecoder(r.Body).Decode(&order) // the record holds the body the handler read
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		io.WriteString(w, `{"id":"o-7","clientSecret":"cs-123"}`)
	})))
	t.Cleanup(svc.Close)
	resp, err := http.Post(svc.URL+"/orders", "application/json", strings.NewReader(`{"item":"pen"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs := h.waitRequests(t, 1, 20*time.Second)
	_, d := detailOf(t, reqs[0].body)
	expectFields(t, "record", d, map[string]any{"eventName": "CreateOrder", "requestParameters.item": "pen",
		"responseElements.id": "o-7", "responseElements.clientSecret": "HIDDEN_DUE_TO_SECURITY_REASONS", "userIdentity.type": "Unknown"})
}

// TestInterceptorAWSMode: an aws-sdk-go-v2 client signs a call to an
// AWS-style endpoint through the interceptor in AWS mode; the record
// names the service, the operation and the verified caller as AWS would.
func TestInterceptorAWSMode(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("x-amzn-RequestId", "upstream-req-1")
		io.WriteString(w, `{"EventBusArn":"arn:aws:events:eu-west-1:123456789012:event-bus/payments"}`)
	}))
	t.Cleanup(upstream.Close)
	o := testOptions(t)
	o.ConfigFile = writeConfig(t, `
Interceptors:
  - Name: cloud
    Listen: 127.0.0.1:0
    Upstream: `+upstream.URL+`
    Mode: aws
    Identity:
      AccessKeys:
        - {AccessKeyId: AKIAALICE0000000001, SecretAccessKey: alice-secret, UserName: alice}
        - {AccessKeyId: ASIABOB000000000001, SecretAccessKey: bob-secret, Type: AssumedRole, RoleName: deployer, SessionName: bob}
`)
	a := startTestApp(t, o)
	c := sdkClient(a.URL, "AKID", "secret")
	h := hookRule(t, c, "bus-created",
		`{"source":["aws.events"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventSource":["events.amazonaws.com"],"eventName":["CreateEventBus"]}}`)

	for _, k := range [][2]string{{"AKIAALICE0000000001", "alice-secret"}, {"ASIABOB000000000001", "bob-secret"}, {"AKIAUNKNOWN00000001", "x"}} {
		client := eb.New(eb.Options{BaseEndpoint: aws.String(a.Interceptors[0]), Region: "eu-west-1", RetryMaxAttempts: 1,
			Credentials: aws.NewCredentialsCache(staticCreds(k[0], k[1]))})
		out, err := client.CreateEventBus(t.Context(), &eb.CreateEventBusInput{Name: aws.String("payments")})
		if err != nil || aws.ToString(out.EventBusArn) == "" {
			t.Fatalf("CreateEventBus through the interceptor: %v", err)
		}
	}
	reqs := h.waitRequests(t, 3, 20*time.Second)
	byKey := map[string]map[string]any{}
	for _, r := range reqs {
		_, d := detailOf(t, r.body)
		byKey[at(d, "userIdentity.accessKeyId").(string)] = d
	}
	expectFields(t, "alice", byKey["AKIAALICE0000000001"], map[string]any{
		"eventSource": "events.amazonaws.com", "eventName": "CreateEventBus", "awsRegion": "eu-west-1",
		"requestParameters.name": "payments", "responseElements.eventBusArn": "arn:aws:events:eu-west-1:123456789012:event-bus/payments",
		"requestID": "upstream-req-1", "userIdentity.type": "IAMUser", "userIdentity.userName": "alice",
		"userIdentity.arn": "arn:aws:iam::123456789012:user/alice",
	})
	expectFields(t, "bob", byKey["ASIABOB000000000001"], map[string]any{
		"userIdentity.type": "AssumedRole", "userIdentity.arn": "arn:aws:sts::123456789012:assumed-role/deployer/bob",
		"userIdentity.sessionContext.sessionIssuer.userName": "deployer",
	})
	// A key the interceptor does not know is not verified: no identity is
	// claimed beyond the key the request names.
	expectFields(t, "unknown key", byKey["AKIAUNKNOWN00000001"], map[string]any{"userIdentity.type": "Unknown"})
}

// TestSelfAuditReachesRules: a call to trailbridge's own API becomes an
// "AWS API Call via CloudTrail" event that rules can match.
func TestSelfAuditReachesRules(t *testing.T) {
	t.Parallel()
	a := startTestApp(t, testOptions(t))
	c := sdkClient(a.URL, "AKIDOPS", "secret")
	h := hookRule(t, c, "rule-changes",
		`{"source":["aws.events"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["PutRule"],"requestParameters":{"name":["watched"]}}}`)
	must(c.PutRule(t.Context(), &eb.PutRuleInput{Name: aws.String("watched"), EventPattern: aws.String(`{"source":["x"]}`)}))
	reqs := h.waitRequests(t, 1, 20*time.Second)
	_, d := detailOf(t, reqs[0].body)
	expectFields(t, "record", d, map[string]any{"eventSource": "events.amazonaws.com", "eventName": "PutRule",
		"userIdentity.accessKeyId": "AKIDOPS", "responseElements.ruleArn": "arn:aws:events:us-east-1:123456789012:rule/watched"})

	// Queues too, as SQS records them; sending a message is a data event.
	q := hookRule(t, c, "queue-changes", `{"source":["aws.sqs"],"detail":{"eventSource":["sqs.amazonaws.com"],"eventName":["CreateQueue","SendMessage"]}}`)
	out := must(sqsClient(a.URL).CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("audited")}))
	must(sqsClient(a.URL).SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: out.QueueUrl, MessageBody: aws.String("hi")}))
	reqs = q.waitRequests(t, 1, 20*time.Second)
	_, d = detailOf(t, reqs[0].body)
	expectFields(t, "queue record", d, map[string]any{"eventName": "CreateQueue", "requestParameters.queueName": "audited",
		"responseElements.queueUrl": aws.ToString(out.QueueUrl)})
	if n := counter(t, a, "trailbridge_TriggeredRules", map[string]string{"rule": "queue-changes"}); n != 1 {
		t.Errorf("queue-changes triggered %v times, want 1 (SendMessage is not recorded)", n)
	}
}

// TestInterceptFailsOpen: with the server down, calls through a
// standalone interceptor still succeed, and their records arrive once the
// server is back.
func TestInterceptFailsOpen(t *testing.T) {
	t.Parallel()
	api := ordersAPI(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	o := testOptions(t)
	o.Addr = addr
	a := startTestApp(t, o)
	c := sdkClient(a.URL, "AKID", "secret")
	h := hookRule(t, c, "offline-orders", `{"source":["orders.example.com"],"detail":{"eventName":["CreateOrder"]}}`)

	proxyLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxyAddr := proxyLn.Addr().String()
	proxyLn.Close()
	ic := config.Interceptor{Name: "offline", Listen: proxyAddr, Upstream: api.URL, EventSource: "orders.example.com",
		Routes: []config.Route{{Method: "POST", Path: "/orders", EventName: "CreateOrder"}}}
	endpoint, region := a.URL, "us-east-1"
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() {
		stopped <- runIntercept(ctx, &configFile{File: &config.File{}}, ic, &apiClientFlags{endpoint: &endpoint, region: &region},
			"123456789012", t.TempDir(), testLogger(t))
	}()
	t.Cleanup(func() { cancel(); <-stopped })

	a.Close() // the bus is gone
	for i := range 3 {
		var resp *http.Response
		eventually(t, 10*time.Second, func() bool { // the proxy may still be starting
			resp, err = http.Post("http://"+proxyAddr+"/orders", "application/json", strings.NewReader(`{"n":`+string(rune('1'+i))+`}`))
			return err == nil
		})
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("call %d through the proxy with the server down: %d", i, resp.StatusCode)
		}
	}
	a = startTestApp(t, o) // back, same address and data
	reqs := h.waitRequests(t, 3, 60*time.Second)
	if len(reqs) != 3 {
		t.Errorf("%d records delivered, want 3", len(reqs))
	}
}

func staticCreds(id, secret string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, Source: "test"}, nil
	})
}

// TestInterceptorFetchesJWKSAtStart: an interceptor verifying bearer
// tokens against a JWK Set fetches it when serve starts.
func TestInterceptorFetchesJWKSAtStart(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"keys":[]}`)
	}))
	t.Cleanup(jwks.Close)
	o := testOptions(t)
	o.ConfigFile = writeConfig(t, `
Interceptors:
  - Name: jwt
    Listen: 127.0.0.1:0
    Upstream: `+ordersAPI(t).URL+`
    EventSource: orders.example.com
    Identity: {Jwt: {JwksUrl: '`+jwks.URL+`/jwks'}}
`)
	startTestApp(t, o)
	if hits.Load() == 0 {
		t.Error("the JWK Set was not fetched at start")
	}
}
