package compliance_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/trailbridge/trailbridge/compliance"
)

func Example() {
	dir, err := os.MkdirTemp("", "compliance")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	w, err := compliance.New(compliance.Config{Dir: dir, Account: "111122223333", Region: "us-east-1"})
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	go w.Run(ctx) // flushes every 5 minutes and writes the hourly digests

	for _, name := range []string{"CreateUser", "DeleteUser"} {
		rec := `{"eventVersion":"1.11","eventTime":"2026-11-26T12:00:00Z","eventSource":"iam.amazonaws.com","eventName":"` + name +
			`","awsRegion":"eu-west-1","recipientAccountId":"444455556666","eventType":"AwsApiCall","eventCategory":"Management"}`
		if err := w.Add(ctx, []byte(rec)); err != nil {
			panic(err)
		}
	}
	stop()
	if err := w.Close(); err != nil { // flushes, and writes a digest of the hour so far
		panic(err)
	}

	_ = filepath.WalkDir(filepath.Join(dir, "AWSLogs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			parts := strings.Split(filepath.ToSlash(rel), "/")
			fmt.Println(strings.Join(parts[:4], "/")) // AWSLogs/ACCOUNT/CloudTrail[-Digest]/REGION
		}
		return nil
	})
	report, err := compliance.Verify(dir)
	if err != nil {
		panic(err)
	}
	fmt.Println(report.OK(), report.LogFiles, report.Records, report.Digests)
	// Output:
	// AWSLogs/444455556666/CloudTrail/eu-west-1
	// AWSLogs/444455556666/CloudTrail-Digest/eu-west-1
	// true 1 2 1
}

func ExampleReport_String() {
	dir, err := os.MkdirTemp("", "compliance")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	w, err := compliance.New(compliance.Config{Dir: dir, Account: "111122223333", Region: "us-east-1"})
	if err != nil {
		panic(err)
	}
	if err := w.Add(context.Background(), []byte(`{"eventVersion":"1.11","eventName":"GetUser"}`)); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	// Someone changes one byte of the log file.
	logs, _ := filepath.Glob(filepath.Join(dir, "AWSLogs", "*", "CloudTrail", "*", "*", "*", "*", "*.json.gz"))
	b, _ := os.ReadFile(logs[0])
	b[len(b)/2] ^= 1
	_ = os.WriteFile(logs[0], b, 0o644)

	report, err := compliance.Verify(dir)
	if err != nil {
		panic(err)
	}
	for _, p := range report.Problems {
		fmt.Println(filepath.Base(p.File) == filepath.Base(logs[0]), strings.SplitN(p.Reason, ":", 2)[0])
	}
	fmt.Println(report.OK())
	// Output:
	// true changed
	// true unreadable log
	// false
}
