package awsapi

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/trailbridge/trailbridge/internal/check"
)

// awsCLIs are the aws command lines to drive the server with.
func awsCLIs(t *testing.T) []string { return check.AWSCLIs(t) }

func TestSQSAWSCLI(t *testing.T) {
	for _, bin := range awsCLIs(t) {
		t.Run(strings.ReplaceAll(bin, "/", "_"), func(t *testing.T) {
			s := startSQS(t)
			home := t.TempDir()
			env := append(os.Environ(),
				"AWS_ACCESS_KEY_ID="+testKeyID,
				"AWS_SECRET_ACCESS_KEY="+testSecret,
				"AWS_DEFAULT_REGION=us-east-1",
				"AWS_CONFIG_FILE="+home+"/config",
				"AWS_SHARED_CREDENTIALS_FILE="+home+"/credentials",
				"AWS_PAGER=",
				"HOME="+home,
			)
			run := func(wantOK bool, args ...string) (string, string) {
				t.Helper()
				cmd := exec.Command(bin, append([]string{"--endpoint-url", s.http.URL, "--output", "json", "sqs"}, args...)...)
				cmd.Env = env
				var out, errOut strings.Builder
				cmd.Stdout, cmd.Stderr = &out, &errOut
				err := cmd.Run()
				if (err == nil) != wantOK {
					t.Fatalf("aws sqs %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errOut.String())
				}
				return out.String(), errOut.String()
			}
			js := func(args ...string) map[string]any {
				t.Helper()
				out, _ := run(true, args...)
				if strings.TrimSpace(out) == "" {
					return nil
				}
				var v map[string]any
				if err := json.Unmarshal([]byte(out), &v); err != nil {
					t.Fatalf("aws sqs %s: output is not JSON: %q", strings.Join(args, " "), out)
				}
				return v
			}
			url := s.http.URL + "/123456789012/cli"
			if got := js("create-queue", "--queue-name", "cli", "--attributes", "VisibilityTimeout=45,DelaySeconds=0")["QueueUrl"]; got != url {
				t.Errorf("create-queue: QueueUrl %v", got)
			}
			if got := js("get-queue-url", "--queue-name", "cli")["QueueUrl"]; got != url {
				t.Errorf("get-queue-url: QueueUrl %v", got)
			}
			// The CLI checks the MD5 digests of what it sends.
			sent := js("send-message", "--queue-url", url, "--message-body", "hello <&> \"world\" €",
				"--message-attributes", `{"colour":{"DataType":"String","StringValue":"blue"},"n":{"DataType":"Number","StringValue":"7"},"b":{"DataType":"Binary","BinaryValue":"AAEC"}}`)
			if sent["MessageId"] == nil || sent["MD5OfMessageAttributes"] == nil {
				t.Errorf("send-message: %v", sent)
			}
			got := js("receive-message", "--queue-url", url, "--message-attribute-names", "All", "--attribute-names", "All", "--max-number-of-messages", "10")
			msgs, _ := got["Messages"].([]any)
			if len(msgs) != 1 {
				t.Fatalf("receive-message: %v", got)
			}
			m := msgs[0].(map[string]any)
			if m["Body"] != "hello <&> \"world\" €" || m["MessageId"] != sent["MessageId"] {
				t.Errorf("received %v", m)
			}
			attrs, _ := m["MessageAttributes"].(map[string]any)
			if len(attrs) != 3 {
				t.Errorf("message attributes %v", attrs)
			}
			sys, _ := m["Attributes"].(map[string]any)
			if sys["ApproximateReceiveCount"] != "1" || sys["SenderId"] != testKeyID {
				t.Errorf("system attributes %v", sys)
			}
			qa := js("get-queue-attributes", "--queue-url", url, "--attribute-names", "All")
			a, _ := qa["Attributes"].(map[string]any)
			if a["VisibilityTimeout"] != "45" || a["ApproximateNumberOfMessagesNotVisible"] != "1" || a["QueueArn"] != "arn:aws:sqs:us-east-1:123456789012:cli" {
				t.Errorf("get-queue-attributes: %v", qa)
			}
			run(true, "delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"].(string))
			qa = js("get-queue-attributes", "--queue-url", url, "--attribute-names", "ApproximateNumberOfMessagesNotVisible")
			if a, _ := qa["Attributes"].(map[string]any); a["ApproximateNumberOfMessagesNotVisible"] != "0" {
				t.Errorf("after delete-message: %v", qa)
			}
			_, stderr := run(false, "get-queue-url", "--queue-name", "nope")
			if !strings.Contains(stderr, "AWS.SimpleQueueService.NonExistentQueue") {
				t.Errorf("get-queue-url of a missing queue: %s", stderr)
			}
			_, stderr = run(false, "delete-message", "--queue-url", url, "--receipt-handle", "bogus")
			if !strings.Contains(stderr, "ReceiptHandleIsInvalid") {
				t.Errorf("delete-message with a bogus receipt: %s", stderr)
			}
			run(true, "delete-queue", "--queue-url", url)
		})
	}
}
