package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// verifyLogs runs `trailbridge verify-logs` and returns its exit code and
// output.
func verifyLogs(t *testing.T, dir string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := verifyLogsCommand(t.Context(), []string{dir}, &out, &errOut)
	return code, out.String() + errOut.String()
}

// TestComplianceCopyFromIngest ingests records, stops the server (which
// flushes the copy) and checks the folder with verify-logs, before and
// after one byte of a log file changes.
func TestComplianceCopyFromIngest(t *testing.T) {
	t.Parallel()
	trail := t.TempDir()
	o := testOptions(t)
	o.ConfigFile = writeConfig(t, "Audit:\n  SelfAudit: false\n  ComplianceDir: "+trail+"\n")
	a := startTestApp(t, o)
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
	a.Close()

	files, _ := filepath.Glob(filepath.Join(trail, "AWSLogs", "123837392027", "CloudTrail", "us-east-1", "2*", "*", "*", "123837392027_CloudTrail_us-east-1_*.json.gz"))
	if len(files) != 1 {
		t.Fatalf("log files in the copy: %v", files)
	}
	code, out := verifyLogs(t, trail)
	if code != 0 || !strings.Contains(out, "1 log files, 3 records") {
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
