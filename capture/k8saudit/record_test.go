package k8saudit_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trailbridge/trailbridge/capture"
	"github.com/trailbridge/trailbridge/capture/k8saudit"
	"github.com/trailbridge/trailbridge/cloudtrail"
)

var update = flag.Bool("update", false, "write the golden files in testdata/records")

// conv is the converter of the tests' cluster.
var conv = k8saudit.Converter{Cluster: "prod-eu", Account: "123456789012", Region: "eu-west-1"}

// secretValues are the secrets in testdata/eventlist.json, as they are
// written there (base64 of a Secret's data, stringData, a ConfigMap's
// password). None of them may appear in a record.
var secretValues = []string{
	"c2tfbGl2ZV81MUhxVzJ4", // data api-key
	"whsec_Kx81fQ2pLm",     // stringData webhook-signing, also inside last-applied-configuration
	"d2hzZWNfS3g4MWZRMnBMbQ",
	"Tr0ub4dor", // a ConfigMap's DB_PASSWORD
}

func readList(t testing.TB) *k8saudit.EventList {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "eventlist.json"))
	if err != nil {
		t.Fatal(err)
	}
	list, err := k8saudit.ParseEventList(b)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestConverterCapturedMatchesGoldenFiles(t *testing.T) {
	list := readList(t)
	batch, err := conv.Captured(list)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "records")
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	names := make([]string, len(batch))
	for i, c := range batch {
		var r cloudtrail.Record
		if err := json.Unmarshal(c.Record, &r); err != nil {
			t.Fatal(err)
		}
		names[i] = r.EventName
		t.Run(r.EventName, func(t *testing.T) {
			if got, want := c.Source, k8saudit.Source; got != want {
				t.Errorf("Source = %q, want %q", got, want)
			}
			if got, want := c.DetailType, k8saudit.DetailType; got != want {
				t.Errorf("DetailType = %q, want %q", got, want)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, c.Record, "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			path := filepath.Join(dir, fmt.Sprintf("%02d-%s.json", i+1, r.EventName))
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to write the golden files)", err)
			}
			if !sameJSON(t, pretty.Bytes(), want) {
				t.Errorf("record differs from %s:\n got: %s", path, pretty.Bytes())
			}
		})
	}
	wantNames := []string{"CreateSecret", "GetSecret", "ListPods", "CreatePodExec", "DeleteDeployment", "PatchConfigMap", "GetVersion", "CreateClusterRoleBinding"}
	if got, want := names, wantNames; !reflect.DeepEqual(got, want) {
		t.Errorf("eventNames = %q, want %q (RequestReceived and ResponseStarted skipped)", got, want)
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

func TestConverterCapturedNeverCarriesSecrets(t *testing.T) {
	batch, err := conv.Captured(readList(t))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(batch)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secretValues {
		if bytes.Contains(out, []byte(s)) {
			t.Errorf("the records contain the secret %q", s)
		}
	}
	// The keys stay, with CloudTrail's placeholder, so that a pattern
	// testing for them still matches.
	for _, s := range []string{`"api-key":"` + cloudtrail.Hidden + `"`, `"DB_PASSWORD":"` + cloudtrail.Hidden + `"`, `"LOG_LEVEL":"debug"`} {
		if !bytes.Contains(out, []byte(s)) {
			t.Errorf("the records lack %s", s)
		}
	}
}

func TestConverterRecord(t *testing.T) {
	list := readList(t)
	byID := map[string]*cloudtrail.Record{}
	for i := range list.Items {
		e := &list.Items[i]
		if !e.Recorded() {
			continue
		}
		r, err := conv.Record(e)
		if err != nil {
			t.Fatal(err)
		}
		byID[r.EventName] = r
	}

	t.Run("a successful write keeps its response", func(t *testing.T) {
		r := byID["CreateSecret"]
		if got, want := *r.ReadOnly, false; got != want {
			t.Errorf("readOnly = %v, want %v", got, want)
		}
		if got := string(r.ResponseElements); got == "null" {
			t.Errorf("responseElements = null, want the created Secret")
		}
		if got, want := r.EventTime, "2026-03-14T09:26:53Z"; got != want {
			t.Errorf("eventTime = %q, want %q", got, want)
		}
		if got, want := r.SourceIPAddress, "203.0.113.24"; got != want {
			t.Errorf("sourceIPAddress = %q, want %q", got, want)
		}
		if got, want := r.Resources, []cloudtrail.Resource{{ARN: "k8s:prod-eu:payments:secrets/stripe-api", AccountID: "123456789012", Type: "K8s::Secret"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("resources = %+v, want %+v", got, want)
		}
		if got, want := r.RequestID, "4f0a7c2e-6f1b-4d55-9b1e-2a8c3d9e7f10"; got != want {
			t.Errorf("requestID = %q, want the auditID %q", got, want)
		}
	})
	t.Run("a read has null responseElements", func(t *testing.T) {
		r := byID["GetSecret"]
		if got, want := string(r.ResponseElements), "null"; got != want {
			t.Errorf("responseElements = %s, want %s", got, want)
		}
		if got, want := *r.ReadOnly, true; got != want {
			t.Errorf("readOnly = %v, want %v", got, want)
		}
	})
	t.Run("a service account is named by its user name", func(t *testing.T) {
		id := byID["GetSecret"].UserIdentity
		want := &cloudtrail.UserIdentity{
			Type:        k8saudit.IdentityServiceAccount,
			PrincipalID: "2a9f3c71-5d4e-4b8a-a1c6-7e0d9f8b6c53",
			ARN:         "k8s:prod-eu:monitoring:serviceaccounts/secret-exporter",
			AccountID:   "123456789012",
			UserName:    "system:serviceaccount:monitoring:secret-exporter",
		}
		if !reflect.DeepEqual(id, want) {
			t.Errorf("userIdentity = %+v, want %+v", id, want)
		}
	})
	t.Run("a forbidden call has the reason as errorCode and null responseElements", func(t *testing.T) {
		r := byID["DeleteDeployment"]
		if got, want := r.ErrorCode, "Forbidden"; got != want {
			t.Errorf("errorCode = %q, want %q", got, want)
		}
		if got, want := r.ErrorMessage, `deployments.apps "checkout" is forbidden`; !strings.HasPrefix(got, want) {
			t.Errorf("errorMessage = %q, want it to start %q", got, want)
		}
		if got, want := string(r.ResponseElements), "null"; got != want {
			t.Errorf("responseElements = %s, want %s", got, want)
		}
		if got, want := r.EventSource, "apps.k8s.io"; got != want {
			t.Errorf("eventSource = %q, want %q", got, want)
		}
		if got, want := r.Resources[0].ARN, "k8s:prod-eu:payments:deployments.apps/checkout"; got != want {
			t.Errorf("ARN = %q, want %q", got, want)
		}
	})
	t.Run("a non-resource request has no resources", func(t *testing.T) {
		r := byID["GetVersion"]
		if got, want := r.EventSource, "nonresource.k8s.io"; got != want {
			t.Errorf("eventSource = %q, want %q", got, want)
		}
		if r.Resources != nil {
			t.Errorf("resources = %+v, want none", r.Resources)
		}
	})
	t.Run("an impersonating user stays the identity", func(t *testing.T) {
		r := byID["CreateClusterRoleBinding"]
		if got, want := r.UserIdentity.UserName, "alice@example.com"; got != want {
			t.Errorf("userName = %q, want %q", got, want)
		}
		var extra struct {
			ImpersonatedUser k8saudit.UserInfo `json:"impersonatedUser"`
		}
		if err := json.Unmarshal(r.AdditionalEventData, &extra); err != nil {
			t.Fatal(err)
		}
		if got, want := extra.ImpersonatedUser.Username, "system:admin"; got != want {
			t.Errorf("additionalEventData.impersonatedUser.username = %q, want %q", got, want)
		}
		if got, want := r.Resources[0].ARN, "k8s:prod-eu::clusterrolebindings.rbac.authorization.k8s.io/ci-deployer-admin"; got != want {
			t.Errorf("ARN = %q, want %q", got, want)
		}
	})
	t.Run("the eventID is stable and not the auditID", func(t *testing.T) {
		e := &list.Items[0]
		r1, _ := conv.Record(e)
		r2, _ := conv.Record(e)
		if r1.EventID != r2.EventID {
			t.Errorf("eventIDs %q and %q differ for one event", r1.EventID, r2.EventID)
		}
		if r1.EventID == e.AuditID {
			t.Errorf("eventID is the auditID %q, which clients can set", e.AuditID)
		}
		if got := r1.EventID; len(got) != 36 || got[14] != '8' {
			t.Errorf("eventID = %q, want a version 8 UUID", got)
		}
		other := *e
		other.SourceIPs = []string{"10.0.0.99"}
		if r3, _ := conv.Record(&other); r3.EventID == r1.EventID {
			t.Errorf("two different events with one auditID have one eventID %q", r1.EventID)
		}
	})
}

func TestConverterCapturedSkipsUnfinishedStages(t *testing.T) {
	list := readList(t)
	for _, stage := range []string{k8saudit.StageRequestReceived, k8saudit.StageResponseStarted, k8saudit.StageResponseComplete, k8saudit.StagePanic} {
		one := &k8saudit.EventList{Kind: "EventList", APIVersion: k8saudit.APIVersion, Items: []k8saudit.Event{list.Items[0]}}
		one.Items[0].Stage = stage
		batch, err := conv.Captured(one)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		if stage == k8saudit.StageResponseComplete || stage == k8saudit.StagePanic {
			want = 1
		}
		t.Run(fmt.Sprintf("%s makes %d records", stage, want), func(t *testing.T) {
			if got := len(batch); got != want {
				t.Errorf("%d records, want %d", got, want)
			}
		})
	}
}

func TestConverterRecordOfAPanicIsAnInternalError(t *testing.T) {
	e := readList(t).Items[2]
	e.Stage = k8saudit.StagePanic
	e.ResponseStatus = nil
	r, err := conv.Record(&e)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.ErrorCode, "InternalError"; got != want {
		t.Errorf("errorCode = %q, want %q", got, want)
	}
}

func TestConverterRecordErrorCodes(t *testing.T) {
	for _, tc := range []struct {
		status *k8saudit.Status
		want   string
	}{
		{&k8saudit.Status{Code: 200}, ""},
		{&k8saudit.Status{Code: 101}, ""},
		{&k8saudit.Status{Code: 404, Reason: "NotFound"}, "NotFound"},
		{&k8saudit.Status{Code: 409, Reason: "AlreadyExists"}, "AlreadyExists"},
		{&k8saudit.Status{Code: 500}, "InternalServerError"},
		{&k8saudit.Status{Code: 429}, "TooManyRequests"},
		{&k8saudit.Status{Code: 599}, "HTTP599"},
	} {
		name := tc.want
		if name == "" {
			name = "no error"
		}
		t.Run(fmt.Sprintf("%d is %s", tc.status.Code, name), func(t *testing.T) {
			e := readList(t).Items[2]
			e.ResponseStatus = tc.status
			r, err := conv.Record(&e)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := r.ErrorCode, tc.want; got != want {
				t.Errorf("errorCode = %q, want %q", got, want)
			}
		})
	}
}

func TestConverterRecordTruncatesLargeEvents(t *testing.T) {
	e := readList(t).Items[6] // patch configmap
	big := strings.Repeat("x", k8saudit.MaxRecordSize)
	e.RequestObject = json.RawMessage(`{"data":{"blob":"` + big + `"}}`)
	e.ResponseObject = e.RequestObject
	r, err := conv.Record(&e)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(b), k8saudit.MaxRecordSize; got > want {
		t.Errorf("record of %d bytes, want at most %d", got, want)
	}
	if !bytes.Contains(r.AdditionalEventData, []byte(`"truncated":true`)) {
		t.Errorf("additionalEventData = %s, want truncated", r.AdditionalEventData)
	}
}

func TestConverterRecordCutsLongStrings(t *testing.T) {
	e := readList(t).Items[2] // list pods
	e.RequestURI = "/api/v1/pods?labelSelector=" + strings.Repeat("a", k8saudit.MaxRecordSize)
	e.UserAgent = strings.Repeat("é", k8saudit.MaxRecordSize)
	r, err := conv.Record(&e)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(b), k8saudit.MaxRecordSize; got > want {
		t.Errorf("record of %d bytes, want at most %d", got, want)
	}
	if !utf8.ValidString(r.UserAgent) {
		t.Errorf("userAgent cut inside a character")
	}
}

var _ capture.Sink = (*memorySink)(nil)
