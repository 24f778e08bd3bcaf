package cloudtrail

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sharedData is where CI lays the shared CloudTrail log files.
const sharedData = "../../shared/data/cloudtrail/invictus-ir"

func sharedRecords(t testing.TB) []json.RawMessage {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(sharedData, "*.json"))
	if len(files) == 0 {
		t.Skipf("no shared CloudTrail data in %s", sharedData)
	}
	var all []json.RawMessage
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var log struct{ Records []json.RawMessage }
		if err := json.Unmarshal(b, &log); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		all = append(all, log.Records...)
	}
	return all
}

func sameJSON(t testing.TB, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(g, w)
}

func TestSharedRecordsRoundTrip(t *testing.T) {
	recs := sharedRecords(t)
	if got, want := len(recs), 2900; got != want {
		t.Fatalf("records: got %d, want %d", got, want)
	}
	versions := map[string]int{}
	for i, raw := range recs {
		var r Record
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		versions[r.EventVersion]++
		out, err := json.Marshal(&r)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !sameJSON(t, out, raw) {
			t.Fatalf("record %d changed:\n got %s\nwant %s", i, out, raw)
		}
	}
	if versions["1.08"] != 2865 || versions["1.09"] != 35 {
		t.Errorf("eventVersion counts: %v", versions)
	}
}

func TestKeepsUnknownAndEmptyFields(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"unknown top-level field", `{"eventVersion":"1.12","eventTime":"2026-01-01T00:00:00Z","awsRegion":"us-east-1","eventID":"x","eventType":"AwsApiCall","eventCategory":"Management","newThing":{"a":[1,2]}}`},
		{"empty access key of a console sign-in", `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","accessKeyId":""},"eventTime":"t","awsRegion":"r","eventID":"x","eventType":"AwsConsoleSignIn","eventCategory":"Management"}`},
		{"empty resources and null parameters", `{"eventVersion":"1.08","eventTime":"t","awsRegion":"r","eventID":"x","eventType":"AwsApiCall","eventCategory":"Management","resources":[],"requestParameters":null,"responseElements":null}`},
		{"empty session issuer", `{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","sessionContext":{"sessionIssuer":{},"webIdFederationData":{},"attributes":{"creationDate":"2023-07-10T11:42:18Z","mfaAuthenticated":"false"},"futureKey":true}},"eventTime":"t","awsRegion":"r","eventID":"x","eventType":"AwsApiCall","eventCategory":"Management"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Record
			if err := json.Unmarshal([]byte(tc.in), &r); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(&r)
			if err != nil {
				t.Fatal(err)
			}
			if !sameJSON(t, out, []byte(tc.in)) {
				t.Errorf("changed:\n got %s\nwant %s", out, tc.in)
			}
		})
	}
}

func TestKeptEmptyFieldNotWrittenTwice(t *testing.T) {
	var u UserIdentity
	if err := json.Unmarshal([]byte(`{"type":"IAMUser","accessKeyId":""}`), &u); err != nil {
		t.Fatal(err)
	}
	u.AccessKeyID = "AKIAEXAMPLE"
	out, err := json.Marshal(&u)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), `{"type":"IAMUser","accessKeyId":"AKIAEXAMPLE"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestMarshalDoesNotEscapeHTML(t *testing.T) {
	r := Record{EventVersion: Version, EventTime: "t", AWSRegion: "r", EventID: "x", EventType: EventTypeAPICall,
		EventCategory: CategoryManagement, UserAgent: "a<b>&c", RequestParameters: json.RawMessage(`{"q":"<x>"}`)}
	// json.Marshal would HTML-escape a Marshaler's output again; the method itself does not.
	out, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"userAgent":"a<b>&c"`) || !strings.Contains(string(out), `{"q":"<x>"}`) {
		t.Errorf("escaped: %s", out)
	}
}

func TestUnmarshalRejectsNonObjects(t *testing.T) {
	for _, in := range []string{`[]`, `"x"`, `{"eventVersion":1}`, `{`} {
		var r Record
		if err := json.Unmarshal([]byte(in), &r); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
}

func FuzzRecordRoundTrip(f *testing.F) {
	f.Add([]byte(`{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","accessKeyId":""},"eventTime":"t","awsRegion":"r","eventID":"x","eventType":"AwsApiCall","eventCategory":"Management","x":1}`))
	f.Add([]byte(`{"resources":[{"ARN":"a","type":"t"}],"readOnly":true,"requestParameters":null}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var r Record
		if json.Unmarshal(in, &r) != nil {
			return
		}
		out, err := json.Marshal(&r)
		if err != nil {
			t.Fatalf("marshal after unmarshal: %v", err)
		}
		var again Record
		if err := json.Unmarshal(out, &again); err != nil {
			t.Fatalf("output does not read back: %v\n%s", err, out)
		}
		out2, err := json.Marshal(&again)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(t, out2, out) {
			t.Fatalf("second round trip changed:\n%s\n%s", out, out2)
		}
	})
}
