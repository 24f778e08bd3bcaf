package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
)

const exampleConfig = `
AccessKeys:
  - AccessKeyId: AKIDCONFIG
    SecretAccessKey: ${TB_TEST_SECRET}
EventBuses:
  - Name: orders
    Description: orders from the shop
    Tags: [{Key: team, Value: shop}]
Rules:
  - Name: new-iam-user
    EventPattern:
      source: [aws.iam]
      detail-type: [AWS API Call via CloudTrail]
      detail: {eventName: [CreateUser]}
    Targets:
      - Id: disable
        Arn: arn:aws:lambda:us-east-1:123456789012:function:disable-user
  - Name: big-orders
    EventBusName: orders
    State: DISABLED
    EventPattern: '{"source":["shop"],"detail":{"total":[{"numeric":[">",1000]}]}}'
    Tags: [{Key: k, Value: v}]
    Targets:
      - Id: queue
        Arn: arn:aws:sqs:us-east-1:123456789012:orders
        InputPath: $.detail
  - Name: tick
    ScheduleExpression: rate(5 minutes)
    Targets:
      - Id: t
        Arn: arn:aws:lambda:us-east-1:123456789012:function:tick
Functions:
  - Name: disable-user
    Command: [./disable-user.sh]
`

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trailbridge.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestServeConfigFile(t *testing.T) {
	t.Setenv("TB_TEST_SECRET", "from-the-environment")
	o := testOptions(t)
	o.ConfigFile = writeConfig(t, exampleConfig)
	a := startTestApp(t, o)
	c := sdkClient(a.URL, "AKIDCONFIG", "from-the-environment")
	ctx := t.Context()

	check := func() {
		t.Helper()
		d := must(c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("big-orders"), EventBusName: aws.String("orders")}))
		if d.State != "DISABLED" || aws.ToString(d.EventPattern) != `{"source":["shop"],"detail":{"total":[{"numeric":[">",1000]}]}}` {
			t.Errorf("big-orders = %+v", d)
		}
		d = must(c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("new-iam-user")}))
		if aws.ToString(d.EventPattern) != `{"source":["aws.iam"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["CreateUser"]}}` {
			t.Errorf("new-iam-user pattern = %s", aws.ToString(d.EventPattern))
		}
		tg := must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("big-orders"), EventBusName: aws.String("orders")}))
		if len(tg.Targets) != 1 || aws.ToString(tg.Targets[0].InputPath) != "$.detail" {
			t.Errorf("big-orders targets = %+v", tg.Targets)
		}
		if d := must(c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("tick")})); aws.ToString(d.ScheduleExpression) != "rate(5 minutes)" {
			t.Errorf("tick = %+v", d)
		}
		bus := must(c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("orders")}))
		tags := must(c.ListTagsForResource(ctx, &eb.ListTagsForResourceInput{ResourceARN: bus.Arn}))
		if aws.ToString(bus.Description) != "orders from the shop" || len(tags.Tags) != 1 {
			t.Errorf("bus %+v, tags %+v", bus, tags.Tags)
		}
	}
	check()

	// The file's keys are the only ones accepted: dev mode is off.
	if _, err := sdkClient(a.URL, "AKIDOTHER", "x").ListEventBuses(ctx, &eb.ListEventBusesInput{}); err == nil {
		t.Error("an unknown key was accepted although the config declares keys")
	}

	// The API can change what the file declared; a restart applies the
	// file again, idempotently, and keeps what the file does not mention.
	must(c.EnableRule(ctx, &eb.EnableRuleInput{Name: aws.String("big-orders"), EventBusName: aws.String("orders")}))
	must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("api-only"), EventPattern: aws.String(`{"source":["x"]}`)}))
	a.Close()
	a = startTestApp(t, o)
	c = sdkClient(a.URL, "AKIDCONFIG", "from-the-environment")
	check()
	if _, err := c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("api-only")}); err != nil {
		t.Errorf("a rule made through the API is gone after a restart: %v", err)
	}
	buses := must(c.ListEventBuses(ctx, &eb.ListEventBusesInput{}))
	if len(buses.EventBuses) != 2 {
		t.Errorf("%d buses after applying twice", len(buses.EventBuses))
	}
}

// interceptor is an Interceptors section with one proxy on a free port,
// with extra keys (indented by four) added to it.
func interceptor(extra string) string {
	return "  - Name: second\n    EventPattern: '{\"source\":[\"x\"]}'\nInterceptors:\n  - Name: x\n    Listen: 127.0.0.1:0\n    Upstream: http://127.0.0.1:9\n    EventSource: x.example.com\n    " + extra
}

func TestServeConfigFileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"unknown key", "Rules:\n  - Name: r\n    EventPatern: '{}'\n", "Rules[1].EventPatern: unknown key, did you mean EventPattern?"},
		{"bad value", "Rules:\n  - Name: r\n    EventPattern: '{}'\n    Targets:\n      - Id: a\n        Arn: arn:aws:sqs:us-east-1:1:q\n        RetryPolicy: {MaximumRetryAttempts: 999}\n",
			"Rules[1].Targets[0].RetryPolicy.MaximumRetryAttempts: must be between 0 and 185, got 999"},
		{"missing variable", "AccessKeys:\n  - AccessKeyId: A\n    SecretAccessKey: ${TB_SURELY_UNSET}\n", "AccessKeys[0].SecretAccessKey: environment variable TB_SURELY_UNSET is not set"},
		{"refused by the API", "Rules:\n  - Name: r\n    EventPattern: '{\"source\":\"x\"}'\n",
			`trailbridge.yaml:4: Rules[1] (r): InvalidEventPatternException: Event pattern is not valid. Reason: "source" must be an object or an array`},
		{"bad target id", "Rules:\n  - Name: r\n    EventPattern: '{\"source\":[\"x\"]}'\n    Targets:\n      - Id: 'a b'\n        Arn: arn:aws:sqs:us-east-1:1:q\n",
			"trailbridge.yaml:6: Rules[1].Targets (r): ValidationException: 1 validation error detected: Value 'a b' at 'targets.1.member.id' failed to satisfy constraint"},
		{"schedule on a custom bus", "EventBuses:\n  - Name: b\nRules:\n  - Name: r\n    EventBusName: b\n    ScheduleExpression: rate(1 minute)\n",
			"Rules[1] (r): ValidationException: ScheduleExpression is supported only on the default event bus."},
		// Refused by what is built after the checks: still nothing applied.
		{"interceptor identity", "Queues:\n  - Name: q-partial\nEventBuses:\n  - Name: b-partial\nRules:\n" + interceptor("Identity:\n      Jwt: {Issuer: https://id.example.com, Audience: [orders], Secret: short}\n"),
			"trailbridge.yaml:11: Interceptors[0] (interceptor \"x\"): Identity: identity: jwt: Secret: 5 bytes; HMAC secrets need at least 32"},
		{"interceptor OpenAPI", "Rules:\n" + interceptor("OpenAPI: nosuch.yaml\n"), "(interceptor \"x\"): OpenAPI"},
		{"interceptor on an undeclared bus", "Rules:\n" + interceptor("EventBusName: b-partial\n"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(t)
			// A valid rule before the refused item: it must not be
			// applied either.
			o.ConfigFile = writeConfig(t, strings.Replace(tc.text, "Rules:\n", "Rules:\n  - Name: first\n    EventPattern: '{\"source\":[\"x\"]}'\n", 1))
			a, err := startApp(t.Context(), o, testLogger(t))
			if tc.want == "" {
				// An interceptor may name a bus the file declares;
				// "b-partial" is not declared.
				if err == nil {
					a.Close()
				}
				if err == nil || !strings.Contains(err.Error(), `event bus "b-partial" does not exist`) {
					t.Fatalf("startApp = %v\nwant the missing bus named", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("startApp = %v\nwant an error containing %q", err, tc.want)
			}
			o.ConfigFile = ""
			a = startTestApp(t, o)
			if r := a.Config.Rule("default", "first"); r != nil {
				t.Errorf("a refused file was partly applied: %+v", r)
			}
			if r := a.Config.Rule("default", "second"); r != nil {
				t.Errorf("a refused file was partly applied: %+v", r)
			}
			if a.Config.Bus("b-partial") != nil || a.Config.Resource("queue", "q-partial") != nil {
				t.Errorf("a refused file left a bus or a queue")
			}
		})
	}
}

// TestServeConfigFileKeepsUnlistedTargets: a target the file no longer
// lists is left alone, as everything the file does not mention; when such
// targets fill the rule, the refusal says which to remove.
func TestServeConfigFileKeepsUnlistedTargets(t *testing.T) {
	targets := func(ids ...string) string {
		text := "Rules:\n  - Name: r\n    EventPattern: '{\"source\":[\"x\"]}'\n    Targets:\n"
		for _, id := range ids {
			text += "      - {Id: " + id + ", Arn: 'arn:aws:sqs:us-east-1:123456789012:q'}\n"
		}
		return text
	}
	o := testOptions(t)
	o.ConfigFile = writeConfig(t, targets("t1", "t2", "t3", "t4", "t5"))
	a := startTestApp(t, o)
	a.Close()

	o.ConfigFile = writeConfig(t, targets("t1", "t2", "t3", "t4"))
	a = startTestApp(t, o)
	if n := len(a.Config.Rule("default", "r").Targets); n != 5 {
		t.Errorf("after dropping t5 from the file: %d targets, want 5 (kept)", n)
	}
	a.Close()

	o.ConfigFile = writeConfig(t, targets("t1", "t2", "t3", "t4", "t6"))
	_, err := startApp(t.Context(), o, testLogger(t))
	want := "LimitExceededException: The requested resource exceeds the maximum number allowed. (the rule keeps targets the file does not list: t5; remove them with RemoveTargets, such as aws events remove-targets --rule r --event-bus-name default --ids t5)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("startApp = %v\nwant an error containing %q", err, want)
	}
}

// TestServeConfigFileAgainChangesNothing: starting again with the same
// file leaves what it declares untouched, modification times included
// (connections excepted: their secrets are sealed and not compared).
func TestServeConfigFileAgainChangesNothing(t *testing.T) {
	o := testOptions(t)
	o.ConfigFile = writeConfig(t, `
EventBuses:
  - Name: orders
    Description: orders from the shop
Queues:
  - Name: dlq
  - Name: work
    Attributes: {VisibilityTimeout: "45", RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":"3"}'}
Connections:
  - Name: hook
    AuthorizationType: API_KEY
    AuthParameters: {ApiKeyAuthParameters: {ApiKeyName: x-api-key, ApiKeyValue: k}}
ApiDestinations:
  - Name: hook
    Connection: hook
    InvocationEndpoint: http://127.0.0.1:9/hook
    HttpMethod: POST
    InvocationRateLimitPerSecond: 5
`)
	times := func(a *app) []string {
		c := a.Config
		out := []string{c.Bus("orders").LastModifiedTime.String()}
		for _, kind := range []string{"queue", "api-destination"} {
			for _, name := range c.ResourceNames(kind) {
				out = append(out, kind+" "+name+" "+string(c.Resource(kind, name)))
			}
		}
		return out
	}
	a := startTestApp(t, o)
	before := times(a)
	a.Close()
	b := startTestApp(t, o)
	after := times(b)
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Errorf("the same file applied again changed:\nbefore %q\nafter  %q", before, after)
	}
}
