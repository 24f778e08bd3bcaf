package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/trailbridge/trailbridge/natsjs"
)

// awsCLI runs the real aws command line against a test server. CI installs
// it (Debian's awscli); elsewhere the test is skipped when it is missing.
type awsCLI struct {
	t   *testing.T
	url string
	bin string
	env []string
}

func newAWSCLI(t *testing.T, url, id, secret string) *awsCLI {
	bin, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the aws CLI is not installed (.ci/run installs the awscli package)")
		}
		t.Skip("the aws CLI is not installed")
	}
	home := t.TempDir()
	return &awsCLI{t: t, url: url, bin: bin, env: append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+id,
		"AWS_SECRET_ACCESS_KEY="+secret,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE="+home+"/config",
		"AWS_SHARED_CREDENTIALS_FILE="+home+"/credentials",
		"AWS_PAGER=",
		"HOME="+home,
	)}
}

// run runs `aws --endpoint-url URL events args...`; it returns the output
// and the error output, failing the test when the exit status differs from
// wantOK.
func (c *awsCLI) run(wantOK bool, args ...string) (stdout, stderr string) {
	c.t.Helper()
	cmd := exec.Command(c.bin, append([]string{"--endpoint-url", c.url, "--output", "json", "events"}, args...)...)
	cmd.Env = c.env
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if (err == nil) != wantOK {
		c.t.Fatalf("aws events %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

func (c *awsCLI) json(args ...string) map[string]any {
	c.t.Helper()
	out, _ := c.run(true, args...)
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		c.t.Fatalf("aws events %s: output is not JSON: %q", strings.Join(args, " "), out)
	}
	return v
}

func TestAWSCLI(t *testing.T) {
	o := testOptions(t)
	o.AccessKeys = map[string]string{"AKIDCLITEST": "cli-test-secret"}
	a := startTestApp(t, o)
	cli := newAWSCLI(t, a.URL, "AKIDCLITEST", "cli-test-secret")

	if got := cli.json("create-event-bus", "--name", "orders")["EventBusArn"]; got != "arn:aws:events:us-east-1:123456789012:event-bus/orders" {
		t.Errorf("create-event-bus: EventBusArn %v", got)
	}
	pat := `{"source":["shop"],"detail":{"total":[{"numeric":[">",100]}]}}`
	if got := cli.json("put-rule", "--name", "big", "--event-bus-name", "orders", "--event-pattern", pat)["RuleArn"]; got != "arn:aws:events:us-east-1:123456789012:rule/orders/big" {
		t.Errorf("put-rule: RuleArn %v", got)
	}
	if got := cli.json("put-targets", "--rule", "big", "--event-bus-name", "orders", "--targets",
		`[{"Id":"ops","Arn":"arn:aws:sqs:us-east-1:123456789012:ops","InputPath":"$.detail"}]`)["FailedEntryCount"]; got != 0.0 {
		t.Errorf("put-targets: FailedEntryCount %v", got)
	}
	event := `{"id":"1","account":"123456789012","source":"shop","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail-type":"Order","detail":{"total":120}}`
	if got := cli.json("test-event-pattern", "--event-pattern", pat, "--event", event)["Result"]; got != true {
		t.Errorf("test-event-pattern: Result %v", got)
	}
	put := cli.json("put-events", "--entries", `[{"Source":"shop","DetailType":"Order","Detail":"{\"total\":120}","EventBusName":"orders"},{"Source":"shop","DetailType":"Order","Detail":"{\"total\":5}","EventBusName":"orders"}]`)
	if put["FailedEntryCount"] != 0.0 || len(put["Entries"].([]any)) != 2 {
		t.Errorf("put-events: %v", put)
	}
	rules := cli.json("list-rules", "--event-bus-name", "orders")["Rules"].([]any)
	if len(rules) != 1 || rules[0].(map[string]any)["EventPattern"] != pat || rules[0].(map[string]any)["State"] != "ENABLED" {
		t.Errorf("list-rules: %v", rules)
	}
	d := cli.json("describe-rule", "--name", "big", "--event-bus-name", "orders")
	if d["CreatedBy"] != "123456789012" || d["EventBusName"] != "orders" {
		t.Errorf("describe-rule: %v", d)
	}
	tg := cli.json("list-targets-by-rule", "--rule", "big", "--event-bus-name", "orders")["Targets"].([]any)
	if len(tg) != 1 || tg[0].(map[string]any)["InputPath"] != "$.detail" {
		t.Errorf("list-targets-by-rule: %v", tg)
	}
	bus := cli.json("describe-event-bus", "--name", "orders")
	if bus["Name"] != "orders" || bus["CreationTime"] == nil {
		t.Errorf("describe-event-bus: %v", bus)
	}
	buses := cli.json("list-event-buses")["EventBuses"].([]any)
	if len(buses) != 2 {
		t.Errorf("list-event-buses: %v", buses)
	}
	_, stderr := cli.run(false, "describe-rule", "--name", "nope")
	if want := "An error occurred (ResourceNotFoundException) when calling the DescribeRule operation: Rule nope does not exist on EventBus default."; !strings.Contains(stderr, want) {
		t.Errorf("describe-rule nope: %q, want %q", stderr, want)
	}
	_, stderr = cli.run(false, "put-rule", "--name", "bad", "--event-pattern", `{"source":"shop"}`)
	if !strings.Contains(stderr, "(InvalidEventPatternException) when calling the PutRule operation: Event pattern is not valid. Reason: \"source\" must be an object or an array") {
		t.Errorf("put-rule with a bad pattern: %q", stderr)
	}
	// The matching event is recorded for delivery.
	waitDeliveries(t, a.Engine.JetStream(), map[string]uint64{natsjs.DeliverySubject("orders", "big", "ops"): 1})

	// A wrong secret is refused, as AWS refuses it.
	bad := newAWSCLI(t, a.URL, "AKIDCLITEST", "wrong")
	_, stderr = bad.run(false, "list-event-buses")
	if !strings.Contains(stderr, "(InvalidSignatureException)") {
		t.Errorf("wrong secret: %q", stderr)
	}
}
