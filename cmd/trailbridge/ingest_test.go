package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

const sharedCloudTrail = "../../../shared/data/cloudtrail/invictus-ir"

func needSharedData(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(sharedCloudTrail); err != nil {
		t.Skipf("no shared CloudTrail data at %s", sharedCloudTrail)
	}
}

// ingestRun runs `trailbridge ingest cloudtrail` and returns its counts.
func ingestRun(t *testing.T, url string, paths ...string) (ingestCounts, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := append([]string{"cloudtrail", "--endpoint-url", url, "-json"}, paths...)
	code := ingestCommand(t.Context(), args, &stdout, &stderr)
	var c ingestCounts
	if err := json.Unmarshal(stdout.Bytes(), &c); err != nil {
		t.Fatalf("ingest printed %q (stderr %s): %v", stdout.String(), stderr.String(), err)
	}
	return c, stderr.String(), code
}

// TestIngestSharedDataOnce puts the shared CloudTrail files on the bus,
// twice: every record arrives once, and a rule on a real eventName gets
// the right number of events.
func TestIngestSharedDataOnce(t *testing.T) {
	needSharedData(t)
	t.Parallel()
	a := startTestApp(t, testOptions(t))
	c := sdkClient(a.URL, "AKID", "secret")
	h := newHook(t, nil)
	dest := apiDestination(t, c, "ingest-hook", h.srv.URL, types.ConnectionAuthorizationTypeBasic, basicAuth())
	// 67 PutParameter calls in the data, 25 of them throttled.
	putRuleAndTarget(t, c, "put-parameter",
		`{"source":["aws.ssm"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["PutParameter"]}}`,
		types.Target{Id: aws.String("hook"), Arn: aws.String(dest)})

	// One file gzipped, in a sub-folder, to take the other path.
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(sharedCloudTrail, "*.json"))
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, filepath.Base(f))
		if i == 0 {
			name = filepath.Join(dir, "sub", filepath.Base(f)+".gz")
			os.MkdirAll(filepath.Dir(name), 0o755)
			var gz bytes.Buffer
			w := gzip.NewWriter(&gz)
			w.Write(b)
			w.Close()
			b = gz.Bytes()
		}
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	first, stderr, code := ingestRun(t, a.URL, dir)
	if code != 0 || first.Files != 55 || first.Records != 2900 || first.Put != 2900 || first.Duplicates != 0 {
		t.Fatalf("first run: exit %d, %+v\n%s", code, first, stderr)
	}
	second, stderr, code := ingestRun(t, a.URL, dir)
	if code != 0 || second.Records != 2900 || second.Put != 0 || second.Duplicates != 2900 {
		t.Fatalf("second run: exit %d, %+v\n%s", code, second, stderr)
	}
	reqs := h.waitRequests(t, 67, 60*time.Second)
	ids := map[string]bool{}
	for _, r := range reqs {
		var ev struct {
			Source string `json:"source"`
			Detail struct {
				EventID   string `json:"eventID"`
				EventName string `json:"eventName"`
			} `json:"detail"`
		}
		if err := json.Unmarshal(r.body, &ev); err != nil || ev.Source != "aws.ssm" || ev.Detail.EventName != "PutParameter" {
			t.Fatalf("delivered %s", r.body)
		}
		ids[ev.Detail.EventID] = true
	}
	if len(ids) != 67 {
		t.Errorf("%d distinct PutParameter records delivered, want 67", len(ids))
	}
	if n := counter(t, a, "trailbridge_TriggeredRules", map[string]string{"rule": "put-parameter"}); n != 67 {
		t.Errorf("TriggeredRules = %v, want 67", n)
	}
}

func TestIngestMalformedFileSkipped(t *testing.T) {
	t.Parallel()
	a := startTestApp(t, testOptions(t))
	dir := t.TempDir()
	good := `{"Records":[` + fmt.Sprintf(`{"eventVersion":"1.08","eventTime":"2023-07-10T12:23:05Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","eventID":"%s","eventType":"AwsApiCall","recipientAccountId":"123456789012","eventCategory":"Management"}`, "good-1") + `]}`
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(good), 0o644)
	os.WriteFile(filepath.Join(dir, "b.json"), []byte("{\"Records\":[\n{\"eventTime\": }]}"), 0o644)
	c, stderr, code := ingestRun(t, a.URL, dir)
	if code != 1 || c.Files != 1 || c.Skipped != 1 || c.Put != 1 {
		t.Errorf("exit %d, %+v", code, c)
	}
	if want := filepath.Join(dir, "b.json") + ":2:"; !strings.Contains(stderr, want) {
		t.Errorf("stderr does not name the file and line %q:\n%s", want, stderr)
	}
}

// TestIngestFollow: with --follow, a log file that appears in the folder
// later is put too, once it has stopped growing.
func TestIngestFollow(t *testing.T) {
	t.Parallel()
	a := startTestApp(t, testOptions(t))
	c := sdkClient(a.URL, "AKID", "secret")
	h := hookRule(t, c, "followed", `{"source":["aws.iam"],"detail":{"eventName":["CreateUser"]}}`)
	dir := t.TempDir()
	rec := func(id string) string {
		return `{"eventVersion":"1.08","eventTime":"2023-07-10T12:23:05Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","eventID":"` + id + `","eventType":"AwsApiCall","recipientAccountId":"123456789012","eventCategory":"Management"}`
	}
	os.WriteFile(filepath.Join(dir, "first.json"), []byte(`{"Records":[`+rec("f-1")+`]}`), 0o644)
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- ingestCommand(ctx, []string{"cloudtrail", "--endpoint-url", a.URL, "--follow", "--interval", "50ms", "-json", dir}, &stdout, &stderr)
	}()
	h.waitRequests(t, 1, 20*time.Second)
	os.WriteFile(filepath.Join(dir, "second.json"), []byte(`{"Records":[`+rec("f-2")+`,`+rec("f-3")+`]}`), 0o644)
	h.waitRequests(t, 3, 20*time.Second)
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d\n%s", code, stderr.String())
	}
	var counts ingestCounts
	if err := json.Unmarshal(stdout.Bytes(), &counts); err != nil || counts.Files != 2 || counts.Put != 3 {
		t.Errorf("counts %+v (%v)\n%s", counts, err, stderr.String())
	}
}
