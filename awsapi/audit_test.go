package awsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/trailbridge/trailbridge/cloudtrail"
	"github.com/trailbridge/trailbridge/sigv4"
)

// putAudit calls PutAuditRecords and returns the status and the answer.
func (s *server) putAudit(t *testing.T, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", s.http.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrailBridge.PutAuditRecords")
	if err := sigv4.Sign(req, []byte(body), testKeyID, testSecret, "", "events", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("answer is not JSON: %s", b)
	}
	return resp.StatusCode, out
}

const auditRecord = `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","accountId":"123837392027","userName":"bert-jan"},"eventTime":"2023-07-10T12:23:05Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","eventID":"%s","eventType":"AwsApiCall","recipientAccountId":"123837392027","eventCategory":"Management"}`

func TestPutAuditRecords(t *testing.T) {
	s := startServer(t)
	got := s.collect(t)
	rec1 := fmt.Sprintf(auditRecord, "id-1")
	body := `{"Deduplicate":true,"Entries":[
		{"Record":` + rec1 + `},
		{"Record":[1]},
		{"Record":{"eventName":"x"}},
		{"Record":` + fmt.Sprintf(auditRecord, "id-2") + `,"Source":"com.example.orders","DetailType":"Orders API Call"},
		{"Record":` + rec1 + `},
		{}]}`
	status, out := s.putAudit(t, body)
	if status != 200 {
		t.Fatalf("status %d: %v", status, out)
	}
	entries := out["Entries"].([]any)
	want := []string{"EventId", "MalformedDetail", "MalformedDetail", "EventId", "Duplicate", "InvalidArgument"}
	for i, w := range want {
		e := entries[i].(map[string]any)
		got := fmt.Sprint(e["ErrorCode"])
		if e["EventId"] != nil {
			got = "EventId"
		} else if e["Duplicate"] == true {
			got = "Duplicate"
		}
		if got != w {
			t.Errorf("entry %d: %v, want %s", i, e, w)
		}
	}
	if out["FailedEntryCount"] != float64(3) {
		t.Errorf("FailedEntryCount %v", out["FailedEntryCount"])
	}
	evs := got.waitFor(t, 2)
	wantFirst := `{"version":"0","id":"` + entries[0].(map[string]any)["EventId"].(string) + `","detail-type":"AWS API Call via CloudTrail","source":"aws.iam","account":"123837392027","time":"2023-07-10T12:23:05Z","region":"us-east-1","resources":[],"detail":` + rec1 + `}`
	if string(evs[0].Event) != wantFirst || evs[0].Bus != "default" {
		t.Errorf("first event on %s:\n got %s\nwant %s", evs[0].Bus, evs[0].Event, wantFirst)
	}
	if !strings.Contains(string(evs[1].Event), `"detail-type":"Orders API Call","source":"com.example.orders"`) {
		t.Errorf("second event: %s", evs[1].Event)
	}

	// Again, after a restart: everything is a duplicate, nothing is put.
	s.restart()
	got = s.collect(t)
	_, out = s.putAudit(t, `{"Deduplicate":true,"Entries":[{"Record":`+rec1+`},{"Record":`+fmt.Sprintf(auditRecord, "id-3")+`}]}`)
	entries = out["Entries"].([]any)
	if entries[0].(map[string]any)["Duplicate"] != true || entries[1].(map[string]any)["EventId"] == nil {
		t.Errorf("second run: %v", entries)
	}
	evs = got.waitFor(t, 1)
	if len(evs) != 1 || !strings.Contains(string(evs[0].Event), `"eventID":"id-3"`) {
		t.Errorf("after the second run %d new events, first %s", len(evs), evs[0].Event)
	}
	info, err := s.engine.JetStream().Stream(t.Context(), "TB_EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	if n := info.CachedInfo().State.Msgs; n != 2 {
		t.Errorf("%d messages in the events stream, want 2 (one per call that put something)", n)
	}
}

func TestPutAuditRecordsRefusals(t *testing.T) {
	s := startServer(t)
	rec := fmt.Sprintf(auditRecord, "x")
	many := strings.Repeat(`{"Record":`+rec+`},`, MaxAuditEntries)
	for _, tc := range []struct{ name, body, code string }{
		{"no entries", `{"Entries":[]}`, "ValidationException"},
		{"too many entries", `{"Entries":[` + many + `{"Record":` + rec + `}]}`, "ValidationException"},
		{"missing bus", `{"EventBusName":"nope","Entries":[{"Record":` + rec + `}]}`, "ResourceNotFoundException"},
		{"unknown field", `{"Entries":[{"Record":` + rec + `}],"Extra":1}`, "SerializationException"},
		{"malformed JSON", `{"Entries":[`, "SerializationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := s.putAudit(t, tc.body)
			if status != 400 || out["__type"] != tc.code {
				t.Errorf("status %d, %v; want 400 %s", status, out, tc.code)
			}
		})
	}
}

// failingCopy is a compliance copy that cannot be written.
type failingCopy struct {
	mu sync.Mutex
	n  int
}

func (f *failingCopy) Add(context.Context, []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	return errors.New("disk full")
}

func TestPutAuditRecordsCopyFailsNothingPut(t *testing.T) {
	s := &server{t: t, dir: t.TempDir(), copy: &failingCopy{}}
	s.start()
	t.Cleanup(s.stop)
	status, out := s.putAudit(t, `{"Entries":[{"Record":`+fmt.Sprintf(auditRecord, "x")+`}]}`)
	entries := out["Entries"].([]any)
	if status != 200 || out["FailedEntryCount"] != float64(1) || entries[0].(map[string]any)["ErrorCode"] != "InternalFailure" {
		t.Fatalf("status %d: %v", status, out)
	}
	info, err := s.engine.JetStream().Stream(t.Context(), "TB_EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	if n := info.CachedInfo().State.Msgs; n != 0 {
		t.Errorf("%d messages stored although the copy failed", n)
	}
}

func TestSelfAudit(t *testing.T) {
	var mu sync.Mutex
	var recs []*cloudtrail.Record
	s := &server{t: t, dir: t.TempDir(), audit: func(_ context.Context, r *cloudtrail.Record) {
		mu.Lock()
		defer mu.Unlock()
		recs = append(recs, r)
	}}
	s.start()
	t.Cleanup(s.stop)
	ctx := t.Context()
	must(s.client.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("r1"), EventPattern: aws.String(`{"source":["x"]}`)}))
	must(s.client.ListRules(ctx, &eb.ListRulesInput{}))
	must(s.client.PutEvents(ctx, &eb.PutEventsInput{Entries: []types.PutEventsRequestEntry{{Source: aws.String("x"), DetailType: aws.String("y"), Detail: aws.String("{}")}}}))
	if _, err := s.client.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("nope")}); err == nil {
		t.Fatal("DescribeRule of a missing rule succeeded")
	}
	s.call(t, "POST", "/", "AWSEvents.ListRules", "{}", "", "", time.Now()) // unsigned: refused, not audited

	mu.Lock()
	defer mu.Unlock()
	var names []string
	for _, r := range recs {
		names = append(names, r.EventName)
	}
	if got, want := strings.Join(names, ","), "PutRule,ListRules,DescribeRule"; got != want {
		t.Fatalf("audited %s, want %s (PutEvents is a data event; unsigned calls are refused)", got, want)
	}
	put, _ := recs[0].MarshalJSON()
	var m map[string]any
	if err := json.Unmarshal(put, &m); err != nil {
		t.Fatal(err)
	}
	ruleArn := "arn:aws:events:us-east-1:123456789012:rule/r1"
	for path, want := range map[string]any{
		"eventSource": "events.amazonaws.com", "eventName": "PutRule", "awsRegion": "us-east-1",
		"eventType": "AwsApiCall", "readOnly": false, "managementEvent": true, "eventCategory": "Management",
		"recipientAccountId": "123456789012", "sourceIPAddress": "127.0.0.1",
		"userIdentity.type": "IAMUser", "userIdentity.accessKeyId": testKeyID,
		"userIdentity.arn":       "arn:aws:iam::123456789012:user/" + testKeyID,
		"requestParameters.name": "r1", "requestParameters.eventPattern": `{"source":["x"]}`,
		"responseElements.ruleArn": ruleArn,
	} {
		var v any = m
		for _, k := range strings.Split(path, ".") {
			v = v.(map[string]any)[k]
		}
		if v != want {
			t.Errorf("%s = %v, want %v", path, v, want)
		}
	}
	if recs[1].ResponseElements == nil || string(recs[1].ResponseElements) != "null" || !*recs[1].ReadOnly {
		t.Errorf("ListRules: readOnly %v, responseElements %s", *recs[1].ReadOnly, recs[1].ResponseElements)
	}
	if recs[2].ErrorCode != "ResourceNotFoundException" || recs[2].ErrorMessage == "" {
		t.Errorf("DescribeRule: errorCode %q, errorMessage %q", recs[2].ErrorCode, recs[2].ErrorMessage)
	}
}

func TestHideAuth(t *testing.T) {
	in := json.RawMessage(`{"name":"c","authParameters":{"apiKeyAuthParameters":{"apiKeyName":"x-api-key","apiKeyValue":"s3cret"}}}`)
	got := string(hideAuth("CreateConnection", in))
	if strings.Contains(got, "s3cret") || !strings.Contains(got, `"authParameters":"HIDDEN_DUE_TO_SECURITY_REASONS"`) || !strings.Contains(got, `"name":"c"`) {
		t.Errorf("CreateConnection: %s", got)
	}
	if got := string(hideAuth("PutRule", in)); got != string(in) {
		t.Errorf("PutRule changed: %s", got)
	}
}
