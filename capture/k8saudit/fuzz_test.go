package k8saudit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/trailbridge/trailbridge/capture/k8saudit"
	"github.com/trailbridge/trailbridge/cloudtrail"
)

// FuzzParseEventList: a body is either refused with ErrMalformed or
// converted whole, into records of valid JSON no larger than
// MaxRecordSize, with the same eventIDs every time.
func FuzzParseEventList(f *testing.F) {
	f.Add(eventList(f))
	f.Add([]byte(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[]}`))
	f.Add([]byte(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{"level":"Metadata","auditID":"1","stage":"Panic","requestURI":"/","verb":"get","user":{},"stageTimestamp":"2026-01-01T00:00:00Z"}]}`))
	f.Add([]byte(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{"level":"Request","auditID":"1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/a/secrets","verb":"create","user":{"username":"system:serviceaccount:a:b"},"objectRef":{"resource":"secrets","namespace":"a","name":"s"},"requestObject":"c2VjcmV0","stageTimestamp":"2026-01-01T00:00:00.5Z"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		list, err := k8saudit.ParseEventList(body)
		if err != nil {
			if !errors.Is(err, k8saudit.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		batch, err := conv.Captured(list)
		if err != nil {
			t.Fatalf("a parsed list fails to convert: %v", err)
		}
		again, err := conv.Captured(list)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range batch {
			if len(c.Record) > k8saudit.MaxRecordSize {
				t.Errorf("record %d of %d bytes", i, len(c.Record))
			}
			var r, s cloudtrail.Record
			if err := json.Unmarshal(c.Record, &r); err != nil {
				t.Fatalf("record %d is not a record: %v", i, err)
			}
			if err := json.Unmarshal(again[i].Record, &s); err != nil {
				t.Fatal(err)
			}
			if r.EventID != s.EventID {
				t.Errorf("record %d: eventIDs %q and %q", i, r.EventID, s.EventID)
			}
			if _, err := cloudtrail.NewEnvelope(c.Record); err != nil {
				t.Errorf("record %d has no envelope: %v", i, err)
			}
		}
	})
}

// FuzzSecretNeverInRecord: whatever a Secret's data holds, no record
// carries it.
func FuzzSecretNeverInRecord(f *testing.F) {
	f.Add("c2tfbGl2ZV81MUhxVzJ4", "api-key")
	f.Add("hunter2-hunter2", "password")
	f.Add(`"quoted\" value"`, "tls.key")
	f.Fuzz(func(t *testing.T, value, key string) {
		if len(value) < 8 {
			return
		}
		baseline := record(t, key, "placeholder")
		if bytes.Contains(baseline, []byte(value)) {
			return // the value is a part of every such record: a field name, say
		}
		out := record(t, key, value)
		enc, _ := json.Marshal(value)
		enc = enc[1 : len(enc)-1]
		for _, s := range [][]byte{enc, []byte(value)} {
			if bytes.Contains(out, s) {
				t.Fatalf("the record carries the secret %q:\n%s", value, out)
			}
		}
	})
}

// record returns the record of the creation of a Secret holding value.
func record(t *testing.T, key, value string) []byte {
	secret, _ := json.Marshal(map[string]any{
		"kind": "Secret", "apiVersion": "v1",
		"metadata":   map[string]any{"name": "s", "namespace": "ns"},
		"data":       map[string]string{key: value},
		"stringData": map[string]string{key: value},
	})
	e := k8saudit.Event{
		Level: k8saudit.LevelRequestResponse, AuditID: "a", Stage: k8saudit.StageResponseComplete,
		RequestURI: "/api/v1/namespaces/ns/secrets", Verb: "create", User: k8saudit.UserInfo{Username: "u"},
		ObjectRef:     &k8saudit.ObjectReference{Resource: "secrets", Namespace: "ns", Name: "s", APIVersion: "v1"},
		RequestObject: secret, ResponseObject: secret,
		ResponseStatus: &k8saudit.Status{Code: 201},
	}
	e.StageTimestamp = e.StageTimestamp.AddDate(2025, 0, 0)
	r, err := conv.Record(&e)
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return out
}
