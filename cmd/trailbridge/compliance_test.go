package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// verifyLogs runs `trailbridge verify-logs` and returns its exit code and
// output.
func verifyLogs(t *testing.T, dir string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := verifyLogsCommand(t.Context(), []string{dir}, &out, &errOut)
	return code, out.String() + errOut.String()
}

// TestComplianceCopy captures a call through an interceptor and ingests
// records, stops the server (which flushes the copy) and checks the
// folder with verify-logs, before and after one byte of a log file
// changes.
func TestComplianceCopy(t *testing.T) {
	t.Parallel()
	trail := t.TempDir()
	api := ordersAPI(t)
	o := testOptions(t)
	o.ConfigFile = writeConfig(t, "Audit:\n  SelfAudit: false\n  ComplianceDir: "+trail+"\n"+
		"Interceptors:\n  - {Name: shop, Listen: '127.0.0.1:0', Upstream: '"+api.URL+"', EventSource: orders.example.com}\n")
	a := startTestApp(t, o)
	resp, err := http.Post(a.Interceptors[0]+"/orders", "application/json", strings.NewReader(`{"item":"book"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	logs := t.TempDir()
	rec := `{"eventVersion":"1.08","eventTime":"2023-07-10T12:23:05Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","eventID":"ID","eventType":"AwsApiCall","recipientAccountId":"123837392027","eventCategory":"Management"}`
	var recs []string
	for _, id := range []string{"c-1", "c-2", "c-3"} {
		recs = append(recs, strings.Replace(rec, `"ID"`, `"`+id+`"`, 1))
	}
	os.WriteFile(filepath.Join(logs, "x.json"), []byte(`{"Records":[`+strings.Join(recs, ",")+`]}`), 0o644)
	if c, stderr, code := ingestRun(t, a.URL, logs); code != 0 || c.Put != 3 {
		t.Fatalf("ingest: exit %d, %+v\n%s", code, c, stderr)
	}
	// The captured record reaches the copy through the hand-off, soon after.
	eventually(t, 10*time.Second, func() bool {
		st := a.handoffs[0].h.Stats()
		return st.Sent == 1
	})
	a.Close()

	captured, _ := filepath.Glob(filepath.Join(trail, "AWSLogs", "123456789012", "CloudTrail", "us-east-1", "2*", "*", "*", "123456789012_CloudTrail_us-east-1_*.json.gz"))
	if len(captured) != 1 {
		t.Fatalf("log files of captured records in the copy: %v", captured)
	}
	files, _ := filepath.Glob(filepath.Join(trail, "AWSLogs", "123837392027", "CloudTrail", "us-east-1", "2*", "*", "*", "123837392027_CloudTrail_us-east-1_*.json.gz"))
	if len(files) != 1 {
		t.Fatalf("log files in the copy: %v", files)
	}
	code, out := verifyLogs(t, trail)
	if code != 0 || !strings.Contains(out, "2 log files, 4 records") {
		t.Fatalf("verify-logs on the fresh copy: exit %d\n%s", code, out)
	}
	b, _ := os.ReadFile(files[0])
	b[len(b)/2] ^= 0x01
	os.WriteFile(files[0], b, 0o644)
	code, out = verifyLogs(t, trail)
	if code != 1 || !strings.Contains(out, filepath.Base(files[0])) {
		t.Errorf("verify-logs after one byte changed: exit %d, does not name %s\n%s", code, filepath.Base(files[0]), out)
	}
}
