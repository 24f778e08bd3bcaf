package cloudtrail

import (
	"encoding/json"
	"errors"
	"regexp"
	"testing"
)

func TestDetailTypeAndSource(t *testing.T) {
	for _, tc := range []struct{ eventType, want string }{
		{EventTypeAPICall, DetailTypeAPICall},
		{EventTypeConsoleSignIn, DetailTypeConsoleSignIn},
		{EventTypeServiceEvent, DetailTypeServiceEvent},
		{EventTypeConsoleAction, DetailTypeConsoleAction},
		{EventTypeInsight, DetailTypeInsight},
		{EventTypeVpceEvent, DetailTypeAPICall},
	} {
		if got := DetailType(tc.eventType); got != tc.want {
			t.Errorf("DetailType(%q) = %q, want %q", tc.eventType, got, tc.want)
		}
	}
	for in, want := range map[string]string{"iam.amazonaws.com": "aws.iam", "resource-explorer-2.amazonaws.com": "aws.resource-explorer-2", "orders.example.com": "orders.example.com", ".amazonaws.com": ".amazonaws.com"} {
		if got := Source(in); got != want {
			t.Errorf("Source(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewEnvelopeKeepsRecord(t *testing.T) {
	rec := []byte(`{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","accountId":"123837392027"},"eventTime":"2023-07-10T12:23:05Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","eventID":"66d008e1","eventType":"AwsApiCall","recipientAccountId":"123837392027","eventCategory":"Management"}`)
	env, err := NewEnvelope(rec)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":"0","id":"` + env.ID + `","detail-type":"AWS API Call via CloudTrail","source":"aws.iam","account":"123837392027","time":"2023-07-10T12:23:05Z","region":"us-east-1","resources":[],"detail":` + string(rec) + `}`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	if env.EventID != "66d008e1" {
		t.Errorf("EventID %q", env.EventID)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(env.ID) {
		t.Errorf("id %q is not a v4 UUID", env.ID)
	}
}

func TestNewEnvelopeAccountFallsBackToCaller(t *testing.T) {
	env, err := NewEnvelope([]byte(`{"eventTime":"2023-07-10T12:23:05Z","eventType":"AwsServiceEvent","eventSource":"health.amazonaws.com","userIdentity":{"accountId":"111122223333","invokedBy":"health.amazonaws.com"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if env.Account != "111122223333" || env.DetailType != DetailTypeServiceEvent || env.Source != "aws.health" {
		t.Errorf("got %+v", env)
	}
}

func TestNewEnvelopeRefusesNonRecords(t *testing.T) {
	for _, in := range []string{`[]`, `{}`, `nope`, `{"eventTime":5}`} {
		if _, err := NewEnvelope([]byte(in)); !errors.Is(err, ErrNotRecord) {
			t.Errorf("%s: got %v, want ErrNotRecord", in, err)
		}
	}
}

func TestSharedRecordsEnvelope(t *testing.T) {
	types := map[string]int{}
	for _, raw := range sharedRecords(t) {
		env, err := NewEnvelope(raw)
		if err != nil {
			t.Fatal(err)
		}
		types[env.DetailType]++
		if env.Account != "123837392027" || env.Region != "us-east-1" || len(env.Source) < 5 {
			t.Fatalf("envelope %+v", env)
		}
	}
	if types[DetailTypeAPICall] != 2855 || types[DetailTypeServiceEvent] != 42 || types[DetailTypeConsoleSignIn] != 3 {
		t.Errorf("detail-types: %v", types)
	}
}
