package awsapi

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

func TestRules(t *testing.T) {
	s := startServer(t)
	ctx, c := t.Context(), s.client
	must(c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("shop")}))

	t.Run("ARNs", func(t *testing.T) {
		out := must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("r1"), EventPattern: aws.String(`{"source":["a"]}`)}))
		if got, want := aws.ToString(out.RuleArn), "arn:aws:events:us-east-1:123456789012:rule/r1"; got != want {
			t.Errorf("default bus rule ARN = %s, want %s", got, want)
		}
		out = must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("r1"), EventBusName: aws.String("shop"), EventPattern: aws.String(`{"source":["a"]}`)}))
		if got, want := aws.ToString(out.RuleArn), "arn:aws:events:us-east-1:123456789012:rule/shop/r1"; got != want {
			t.Errorf("custom bus rule ARN = %s, want %s", got, want)
		}
		// A bus ARN works as EventBusName.
		out = must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("r2"), EventBusName: aws.String("arn:aws:events:us-east-1:123456789012:event-bus/shop"), EventPattern: aws.String(`{"source":["a"]}`)}))
		if got, want := aws.ToString(out.RuleArn), "arn:aws:events:us-east-1:123456789012:rule/shop/r2"; got != want {
			t.Errorf("rule ARN by bus ARN = %s, want %s", got, want)
		}
	})

	t.Run("replace resets omitted fields and keeps targets", func(t *testing.T) {
		must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("rep"), EventPattern: aws.String(`{"source":["a"]}`), Description: aws.String("first"), State: types.RuleStateDisabled,
			Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))
		must(c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("rep"), Targets: []types.Target{{Id: aws.String("t"), Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:q")}}}))
		must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("rep"), ScheduleExpression: aws.String("rate(5 minutes)"),
			Tags: []types.Tag{{Key: aws.String("ignored"), Value: aws.String("on update")}}}))
		d := must(c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("rep")}))
		if d.Description != nil || d.EventPattern != nil || aws.ToString(d.ScheduleExpression) != "rate(5 minutes)" || d.State != types.RuleStateEnabled {
			t.Errorf("after replace: %+v", d)
		}
		if aws.ToString(d.CreatedBy) != "123456789012" || aws.ToString(d.EventBusName) != "default" {
			t.Errorf("CreatedBy %v, EventBusName %v", d.CreatedBy, d.EventBusName)
		}
		tg := must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("rep")}))
		if len(tg.Targets) != 1 {
			t.Errorf("targets after replace: %+v", tg.Targets)
		}
		tags := must(c.ListTagsForResource(ctx, &eb.ListTagsForResourceInput{ResourceARN: aws.String("arn:aws:events:us-east-1:123456789012:rule/rep")}))
		if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "k" {
			t.Errorf("tags after replace: %+v", tags.Tags)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			in      eb.PutRuleInput
			code    string
			message string
		}{
			{"neither pattern nor schedule", eb.PutRuleInput{Name: aws.String("x")},
				"ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified."},
			{"schedule on a custom bus", eb.PutRuleInput{Name: aws.String("x"), EventBusName: aws.String("shop"), ScheduleExpression: aws.String("rate(1 minute)")},
				"ValidationException", "ScheduleExpression is supported only on the default event bus."},
			{"bad schedule", eb.PutRuleInput{Name: aws.String("x"), ScheduleExpression: aws.String("rate(1 minutes)")},
				"ValidationException", "Parameter ScheduleExpression is not valid."},
			{"bad cron", eb.PutRuleInput{Name: aws.String("x"), ScheduleExpression: aws.String("cron(0 1 * * * *)")},
				"ValidationException", "Parameter ScheduleExpression is not valid."},
			{"bad pattern", eb.PutRuleInput{Name: aws.String("x"), EventPattern: aws.String(`{"source":"a"}`)},
				"InvalidEventPatternException", "Event pattern is not valid. Reason: \"source\" must be an object or an array\n at [Source: (String)\"{\"source\":\"a\"}\"; line: 1, column: 12]"},
			{"missing bus", eb.PutRuleInput{Name: aws.String("x"), EventBusName: aws.String("nope"), EventPattern: aws.String(`{"source":["a"]}`)},
				"ResourceNotFoundException", "Event bus nope does not exist."},
			{"bad name and state", eb.PutRuleInput{Name: aws.String("a b"), State: "ON", EventPattern: aws.String(`{}`)},
				"ValidationException", `2 validation errors detected: Value 'a b' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+; Value 'ON' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := c.PutRule(ctx, &tc.in)
				wantAPIError(t, err, tc.code, tc.message)
			})
		}
		if r, err := c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("x")}); err == nil {
			t.Errorf("a refused PutRule stored a rule: %+v", r)
		}
	})

	t.Run("describe missing", func(t *testing.T) {
		_, err := c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("nope")})
		wantAPIError(t, err, "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")
		_, err = c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("nope"), EventBusName: aws.String("shop")})
		wantAPIError(t, err, "ResourceNotFoundException", "Rule nope does not exist on EventBus shop.")
	})

	t.Run("enable and disable", func(t *testing.T) {
		must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("st"), EventPattern: aws.String(`{"source":["a"]}`)}))
		must(c.DisableRule(ctx, &eb.DisableRuleInput{Name: aws.String("st")}))
		if d := must(c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("st")})); d.State != types.RuleStateDisabled {
			t.Errorf("after DisableRule: %s", d.State)
		}
		must(c.EnableRule(ctx, &eb.EnableRuleInput{Name: aws.String("st")}))
		if d := must(c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("st")})); d.State != types.RuleStateEnabled {
			t.Errorf("after EnableRule: %s", d.State)
		}
		_, err := c.EnableRule(ctx, &eb.EnableRuleInput{Name: aws.String("nope")})
		wantAPIError(t, err, "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")
	})

	t.Run("list", func(t *testing.T) {
		for i := range 5 {
			must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String(fmt.Sprintf("lst-%d", i)), EventBusName: aws.String("shop"), EventPattern: aws.String(`{"source":["a"]}`)}))
		}
		var names []string
		var token *string
		for {
			l := must(c.ListRules(ctx, &eb.ListRulesInput{EventBusName: aws.String("shop"), NamePrefix: aws.String("lst-"), Limit: aws.Int32(3), NextToken: token}))
			for _, r := range l.Rules {
				names = append(names, aws.ToString(r.Name))
				if aws.ToString(r.EventBusName) != "shop" || aws.ToString(r.Arn) != "arn:aws:events:us-east-1:123456789012:rule/shop/"+aws.ToString(r.Name) {
					t.Errorf("listed rule %+v", r)
				}
			}
			if token = l.NextToken; token == nil {
				break
			}
		}
		if want := []string{"lst-0", "lst-1", "lst-2", "lst-3", "lst-4"}; !slices.Equal(names, want) {
			t.Errorf("listed %v, want %v", names, want)
		}
		_, err := c.ListRules(ctx, &eb.ListRulesInput{EventBusName: aws.String("nope")})
		wantAPIError(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")
	})

	t.Run("delete", func(t *testing.T) {
		must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("del"), EventPattern: aws.String(`{"source":["a"]}`)}))
		must(c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("del"), Targets: []types.Target{{Id: aws.String("t"), Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:q")}}}))
		_, err := c.DeleteRule(ctx, &eb.DeleteRuleInput{Name: aws.String("del")})
		wantAPIError(t, err, "ValidationException", "Rule can't be deleted since it has targets.")
		must(c.RemoveTargets(ctx, &eb.RemoveTargetsInput{Rule: aws.String("del"), Ids: []string{"t"}}))
		must(c.DeleteRule(ctx, &eb.DeleteRuleInput{Name: aws.String("del")}))
		_, err = c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("del")})
		wantAPIError(t, err, "ResourceNotFoundException", "Rule del does not exist on EventBus default.")
		// A missing rule deletes fine; a missing bus does not.
		must(c.DeleteRule(ctx, &eb.DeleteRuleInput{Name: aws.String("del")}))
		_, err = c.DeleteRule(ctx, &eb.DeleteRuleInput{Name: aws.String("del"), EventBusName: aws.String("nope")})
		wantAPIError(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")
	})
}

func TestTargets(t *testing.T) {
	s := startServer(t)
	ctx, c := t.Context(), s.client
	must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["a"]}`)}))
	queue := func(n string) *string { return aws.String("arn:aws:sqs:us-east-1:123456789012:" + n) }

	t.Run("put, replace by Id, list only set fields", func(t *testing.T) {
		out := must(c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{
			{Id: aws.String("a"), Arn: queue("qa")},
			{Id: aws.String("b"), Arn: queue("qa"), InputPath: aws.String("$.detail"),
				RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(3), MaximumEventAgeInSeconds: aws.Int32(600)}},
		}}))
		if out.FailedEntryCount != 0 || len(out.FailedEntries) != 0 {
			t.Errorf("PutTargets = %+v", out)
		}
		must(c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{
			{Id: aws.String("a"), Arn: queue("qb"), InputTransformer: &types.InputTransformer{
				InputPathsMap: map[string]string{"src": "$.source"}, InputTemplate: aws.String(`"from <src> by <aws.events.rule-name>"`)}},
		}}))
		l := must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r")}))
		if len(l.Targets) != 2 {
			t.Fatalf("targets = %+v", l.Targets)
		}
		a, b := l.Targets[0], l.Targets[1]
		if aws.ToString(a.Id) != "a" || aws.ToString(a.Arn) != *queue("qb") || a.InputTransformer == nil || a.InputTransformer.InputPathsMap["src"] != "$.source" {
			t.Errorf("replaced target = %+v", a)
		}
		if aws.ToString(b.InputPath) != "$.detail" || b.Input != nil || b.InputTransformer != nil || aws.ToInt32(b.RetryPolicy.MaximumRetryAttempts) != 3 || b.DeadLetterConfig != nil {
			t.Errorf("second target = %+v", b)
		}
		names := must(c.ListRuleNamesByTarget(ctx, &eb.ListRuleNamesByTargetInput{TargetArn: queue("qa")}))
		if !slices.Equal(names.RuleNames, []string{"r"}) {
			t.Errorf("ListRuleNamesByTarget = %v", names.RuleNames)
		}
		names = must(c.ListRuleNamesByTarget(ctx, &eb.ListRuleNamesByTargetInput{TargetArn: queue("nowhere")}))
		if len(names.RuleNames) != 0 {
			t.Errorf("ListRuleNamesByTarget(nowhere) = %v", names.RuleNames)
		}
	})

	t.Run("refusals change nothing", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			targets []types.Target
			code    string
			message string
		}{
			{"bad id", []types.Target{{Id: aws.String("!@#$@!#$"), Arn: queue("q")}},
				"ValidationException", `1 validation error detected: Value '!@#$@!#$' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`},
			{"long id", []types.Target{{Id: aws.String("ok"), Arn: queue("q")}, {Id: aws.String(fmt.Sprintf("%065d", 0)), Arn: queue("q")}},
				"ValidationException", fmt.Sprintf(`1 validation error detected: Value '%065d' at 'targets.2.member.id' failed to satisfy constraint: Member must have length less than or equal to 64`, 0)},
			{"two inputs", []types.Target{{Id: aws.String("x"), Arn: queue("q"), Input: aws.String(`{}`), InputPath: aws.String("$.detail")}},
				"ValidationException", "Only one of Input, InputPath, or InputTransformer must be provided for target x."},
			{"unknown placeholder", []types.Target{{Id: aws.String("x"), Arn: queue("q"), InputTransformer: &types.InputTransformer{
				InputPathsMap: map[string]string{"a": "$.source"}, InputTemplate: aws.String(`{"a": <a>, "b": <b>}`)}}},
				"ValidationException", "InputTemplate for target x contains invalid placeholder b."},
			{"retry policy out of range", []types.Target{{Id: aws.String("x"), Arn: queue("q"), RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(186), MaximumEventAgeInSeconds: aws.Int32(59)}}},
				"ValidationException", "2 validation errors detected: Value '186' at 'targets.1.member.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 185; Value '59' at 'targets.1.member.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"},
			{"not an ARN", []types.Target{{Id: aws.String("x"), Arn: aws.String("my-queue")}},
				"ValidationException", "Parameter my-queue is not valid. Reason: Provided Arn is not in correct format."},
			{"too many", []types.Target{{Id: aws.String("c"), Arn: queue("q")}, {Id: aws.String("d"), Arn: queue("q")}, {Id: aws.String("e"), Arn: queue("q")}, {Id: aws.String("f"), Arn: queue("q")}},
				"LimitExceededException", "The requested resource exceeds the maximum number allowed."},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("r"), Targets: tc.targets})
				wantAPIError(t, err, tc.code, tc.message)
				if l := must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r")})); len(l.Targets) != 2 {
					t.Errorf("targets after a refusal: %d", len(l.Targets))
				}
			})
		}
		_, err := c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("nope"), Targets: []types.Target{{Id: aws.String("x"), Arn: queue("q")}}})
		wantAPIError(t, err, "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")
		_, err = c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("nope")})
		wantAPIError(t, err, "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")
	})

	t.Run("five is the limit", func(t *testing.T) {
		must(c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{
			{Id: aws.String("c"), Arn: queue("q")}, {Id: aws.String("d"), Arn: queue("q")}, {Id: aws.String("e"), Arn: queue("q")}}}))
		var ids []string
		var token *string
		for {
			l := must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r"), Limit: aws.Int32(2), NextToken: token}))
			for _, t := range l.Targets {
				ids = append(ids, aws.ToString(t.Id))
			}
			if token = l.NextToken; token == nil {
				break
			}
		}
		if want := []string{"a", "b", "c", "d", "e"}; !slices.Equal(ids, want) {
			t.Errorf("paged targets = %v, want %v", ids, want)
		}
		// A target removed between pages makes none of the others be
		// skipped: the token names the last one returned.
		first := must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r"), Limit: aws.Int32(2)}))
		must(c.RemoveTargets(ctx, &eb.RemoveTargetsInput{Rule: aws.String("r"), Ids: []string{"a", "zz"}}))
		rest := must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r"), NextToken: first.NextToken}))
		ids = nil
		for _, t := range rest.Targets {
			ids = append(ids, aws.ToString(t.Id))
		}
		if want := []string{"c", "d", "e"}; !slices.Equal(ids, want) {
			t.Errorf("after a and b, with a removed: %v, want %v", ids, want)
		}
		// The last one returned removed too: the next page starts where it was.
		first = must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r"), Limit: aws.Int32(2)}))
		must(c.RemoveTargets(ctx, &eb.RemoveTargetsInput{Rule: aws.String("r"), Ids: []string{"c"}}))
		rest = must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r"), NextToken: first.NextToken}))
		if len(rest.Targets) != 2 || aws.ToString(rest.Targets[0].Id) != "d" {
			t.Errorf("after b and c, with c removed: %+v", rest.Targets)
		}
		// A token belongs to its listing.
		_, err := c.ListRuleNamesByTarget(ctx, &eb.ListRuleNamesByTargetInput{TargetArn: queue("q"), NextToken: first.NextToken})
		wantAPIError(t, err, "ValidationException", "The NextToken provided is invalid.")
		must(c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("other")}))
		must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("r2"), EventPattern: aws.String(`{"source":["a"]}`)}))
		rules := must(c.ListRules(ctx, &eb.ListRulesInput{Limit: aws.Int32(1)}))
		_, err = c.ListRules(ctx, &eb.ListRulesInput{EventBusName: aws.String("other"), NextToken: rules.NextToken})
		wantAPIError(t, err, "ValidationException", "The NextToken provided is invalid.")
		l := must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r")}))
		if len(l.Targets) != 3 {
			t.Errorf("after RemoveTargets: %d targets", len(l.Targets))
		}
	})
}

// TestTargetParameters checks the parameters of target kinds trailbridge
// stores without acting on them: objects only, and Kinesis's required
// PartitionKeyPath (sent raw: the SDK would refuse the request itself).
func TestTargetParameters(t *testing.T) {
	s := startServer(t)
	ctx, c := t.Context(), s.client
	must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["a"]}`)}))
	put := func(params string) wireError {
		return s.call(t, "POST", "/", "AWSEvents.PutTargets",
			`{"Rule":"r","Targets":[{"Id":"k","Arn":"arn:aws:kinesis:us-east-1:123456789012:stream/s"`+params+`}]}`,
			testKeyID, testSecret, time.Now())
	}
	for _, tc := range []struct {
		name, params, code, message string
	}{
		{"kinesis without its key path", `,"KinesisParameters":{}`, "ValidationException",
			"1 validation error detected: Value null at 'targets.1.member.kinesisParameters.partitionKeyPath' failed to satisfy constraint: Member must not be null"},
		{"kinesis key path too long", `,"KinesisParameters":{"PartitionKeyPath":"` + strings.Repeat("a", 257) + `"}`, "ValidationException",
			"1 validation error detected: Value '" + strings.Repeat("a", 257) + "' at 'targets.1.member.kinesisParameters.partitionKeyPath' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"kinesis unknown member", `,"KinesisParameters":{"PartitionKey":"$.id"}`, "SerializationException",
			`Unrecognized field "PartitionKey": it is not part of this operation's request.`},
		{"kinesis not an object", `,"KinesisParameters":5`, "SerializationException",
			"Value of Targets.KinesisParameters must be an object, not number."},
		{"ecs not an object", `,"EcsParameters":"x"`, "SerializationException",
			"Value of Targets.EcsParameters must be an object, not string."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := put(tc.params)
			if got.status != 400 || got.Type != tc.code || got.Message != tc.message {
				t.Errorf("got %d %s %q\nwant 400 %s %q", got.status, got.Type, got.Message, tc.code, tc.message)
			}
		})
	}
	if l := must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r")})); len(l.Targets) != 0 {
		t.Fatalf("refused requests stored %d targets", len(l.Targets))
	}
	if got := put(`,"RoleArn":"arn:aws:iam::123456789012:role/r","KinesisParameters":{"PartitionKeyPath":"$.id"},"EcsParameters":null`); got.status != 200 {
		t.Fatalf("valid parameters: %d %s %q", got.status, got.Type, got.Message)
	}
	l := must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r")}))
	if len(l.Targets) != 1 || l.Targets[0].KinesisParameters == nil || aws.ToString(l.Targets[0].KinesisParameters.PartitionKeyPath) != "$.id" || l.Targets[0].EcsParameters != nil {
		t.Fatalf("stored %+v", l.Targets)
	}
}

// TestTargetModelConstraints checks PutTargets against the constraints of
// the API model on the members of each target kind, the keys and values of
// its maps (shown as a Java HashMap prints them, which is how AWS's
// messages show them), and the two checks AWS makes of a target's kind: a
// FIFO queue needs SqsParameters, and some kinds need a role. Nothing is
// stored by a refused call.
func TestTargetModelConstraints(t *testing.T) {
	s := startServer(t)
	ctx, c := t.Context(), s.client
	must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["a"]}`)}))
	const q = `"Arn":"arn:aws:sqs:us-east-1:123456789012:q"`
	const role = `"RoleArn":"arn:aws:iam::123456789012:role/r"`
	const ecs = `"Arn":"arn:aws:ecs:us-east-1:123456789012:cluster/c",` + role
	v1 := "1 validation error detected: "
	for _, tc := range []struct{ name, target, code, message string }{
		// The map keys message as AWS gave it for these three keys
		// (their HashMap order is not the order they were sent in).
		{"input paths keys", `{"Id":"t",` + q + `,"InputTransformer":{"InputPathsMap":{"Quem foi?":"$.detail.a","o que?":"$.detail.b","de onde?":"$.detail.c"},"InputTemplate":"\"x\""}}`,
			"ValidationException", v1 + `Value '{de onde?=$.detail.c, Quem foi?=$.detail.a, o que?=$.detail.b}' at 'targets.1.member.inputTransformer.inputPathsMap' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [A-Za-z0-9\_\-]+]`},
		{"input paths value", `{"Id":"t",` + q + `,"InputTransformer":{"InputPathsMap":{"a":"$.` + strings.Repeat("x", 255) + `"},"InputTemplate":"<a>"}}`,
			"ValidationException", v1 + `Value '{a=$.` + strings.Repeat("x", 255) + `}' at 'targets.1.member.inputTransformer.inputPathsMap' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256]`},
		{"header key", `{"Id":"t",` + q + `,"HttpParameters":{"HeaderParameters":{"bad key":"v"}}}`,
			"ValidationException", v1 + "Value '{bad key=v}' at 'targets.1.member.httpParameters.headerParameters' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 512, Member must satisfy regular expression pattern: ^[!#$%&'*+-.^_`|~0-9a-zA-Z]+$]"},
		{"header value and query key", `{"Id":"t",` + q + `,"HttpParameters":{"HeaderParameters":{"k":"v\u0001"},"QueryStringParameters":{"q\u0001":"v"}}}`,
			"ValidationException", "2 validation errors detected: Value '{k=v\x01}' at 'targets.1.member.httpParameters.headerParameters' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 512, Member must satisfy regular expression pattern: " + `^[ \t]*[\x20-\x7E]+([ \t]+[\x20-\x7E]+)*[ \t]*$]; ` + "Value '{q\x01=v}' at 'targets.1.member.httpParameters.queryStringParameters' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 512, Member must satisfy regular expression pattern: " + `[^\x00-\x1F\x7F]+]`},
		{"blank path parameter", `{"Id":"t",` + q + `,"HttpParameters":{"PathParameterValues":["a"," "]}}`,
			"ValidationException", v1 + `Value '[a,  ]' at 'targets.1.member.httpParameters.pathParameterValues' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy regular expression pattern: ^(?!\s*$).+]`},
		{"message group id", `{"Id":"t",` + q + `,"SqsParameters":{"MessageGroupId":"` + strings.Repeat("g", 101) + `"}}`,
			"ValidationException", v1 + "Value '" + strings.Repeat("g", 101) + "' at 'targets.1.member.sqsParameters.messageGroupId' failed to satisfy constraint: Member must have length less than or equal to 100"},
		{"input that is not json", `{"Id":"1",` + q + `,"Input":"env:dev"}`,
			"ValidationException", `JSON syntax error in input for target 1: [Source: (String)"env:dev"; line: 1, column: 4]`},
		{"fifo queue without sqs parameters", `{"Id":"f","Arn":"arn:aws:sqs:us-east-1:123456789012:q.fifo"}`,
			"ValidationException", "Parameter(s) SqsParameters must be specified for target: f."},
		{"pipeline without role", `{"Id":"p","Arn":"arn:aws:codepipeline:us-east-1:123456789012:MyPipeline"}`,
			"ValidationException", "RoleArn is required for target arn:aws:codepipeline:us-east-1:123456789012:MyPipeline."},
		{"state machine without role", `{"Id":"p","Arn":"arn:aws:states:us-east-1:123456789012:stateMachine:Workflow"}`,
			"ValidationException", "RoleArn is required for target arn:aws:states:us-east-1:123456789012:stateMachine:Workflow."},
		{"ecs", `{"Id":"e",` + ecs + `,"EcsParameters":{"TaskCount":0,"LaunchType":"BAD"}}`,
			"ValidationException", "3 validation errors detected: Value null at 'targets.1.member.ecsParameters.taskDefinitionArn' failed to satisfy constraint: Member must not be null; Value '0' at 'targets.1.member.ecsParameters.taskCount' failed to satisfy constraint: Member must have value greater than or equal to 1; Value 'BAD' at 'targets.1.member.ecsParameters.launchType' failed to satisfy constraint: Member must satisfy enum value set: [EC2, FARGATE, EXTERNAL]"},
		{"ecs unknown member", `{"Id":"e",` + ecs + `,"EcsParameters":{"TaskDefinitionArn":"arn:x","Cpu":1}}`,
			"SerializationException", `Unrecognized field "Cpu": it is not part of this operation's request.`},
		{"batch", `{"Id":"b","Arn":"arn:aws:batch:us-east-1:123456789012:job-queue/q",` + role + `,"BatchParameters":{"JobDefinition":"d"}}`,
			"ValidationException", v1 + "Value null at 'targets.1.member.batchParameters.jobName' failed to satisfy constraint: Member must not be null"},
		{"run command", `{"Id":"c","Arn":"arn:aws:ssm:us-east-1:123456789012:document/AWS-RunShellScript",` + role + `,"RunCommandParameters":{"RunCommandTargets":[{"Key":"tag:Env","Values":[]}]}}`,
			"ValidationException", v1 + "Value '[]' at 'targets.1.member.runCommandParameters.runCommandTargets.1.member.values' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"redshift", `{"Id":"d","Arn":"arn:aws:redshift:us-east-1:123456789012:cluster:c",` + role + `,"RedshiftDataParameters":{"Sql":"select 1"}}`,
			"ValidationException", v1 + "Value null at 'targets.1.member.redshiftDataParameters.database' failed to satisfy constraint: Member must not be null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := s.call(t, "POST", "/", "AWSEvents.PutTargets", `{"Rule":"r","Targets":[`+tc.target+`]}`, testKeyID, testSecret, time.Now())
			if got.status != 400 || got.Type != tc.code || got.Message != tc.message {
				t.Errorf("got %d %s %q\nwant 400 %s %q", got.status, got.Type, got.Message, tc.code, tc.message)
			}
		})
	}
	if l := must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r")})); len(l.Targets) != 0 {
		t.Fatalf("refused requests stored %d targets", len(l.Targets))
	}
	for _, target := range []string{
		`{"Id":"f","Arn":"arn:aws:sqs:us-east-1:123456789012:q.fifo","SqsParameters":{"MessageGroupId":"g"}}`,
		`{"Id":"p","Arn":"arn:aws:codepipeline:us-east-1:123456789012:MyPipeline",` + role + `}`,
		`{"Id":"e",` + ecs + `,"EcsParameters":{"TaskDefinitionArn":"arn:aws:ecs:us-east-1:123456789012:task-definition/t:1","TaskCount":2,"LaunchType":"FARGATE","NetworkConfiguration":{"awsvpcConfiguration":{"Subnets":["s-1"],"AssignPublicIp":"ENABLED"}}}}`,
		`{"Id":"h",` + q + `,"HttpParameters":{"PathParameterValues":["a"],"HeaderParameters":{"X-Env":"$.detail.env"},"QueryStringParameters":{"q":"v w"}}}`,
	} {
		if got := s.call(t, "POST", "/", "AWSEvents.PutTargets", `{"Rule":"r","Targets":[`+target+`]}`, testKeyID, testSecret, time.Now()); got.status != 200 {
			t.Errorf("%s: %d %s %q", target, got.status, got.Type, got.Message)
		}
	}
	if l := must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r")})); len(l.Targets) != 4 {
		t.Fatalf("stored %d targets, want 4", len(l.Targets))
	}
}

// TestTargetRequiredMembers checks that a required member left out is
// reported as null, and one given empty by its length.
func TestTargetRequiredMembers(t *testing.T) {
	s := startServer(t)
	must(s.client.PutRule(t.Context(), &eb.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["a"]}`)}))
	arn := `"Arn":"arn:aws:sqs:us-east-1:123456789012:q"`
	for _, tc := range []struct{ name, target, message string }{
		{"no arn", `{"Id":"x"}`,
			"1 validation error detected: Value null at 'targets.1.member.arn' failed to satisfy constraint: Member must not be null"},
		{"null id", `{"Id":null,` + arn + `}`,
			"1 validation error detected: Value null at 'targets.1.member.id' failed to satisfy constraint: Member must not be null"},
		{"neither", `{}`,
			"2 validation errors detected: Value null at 'targets.1.member.id' failed to satisfy constraint: Member must not be null; Value null at 'targets.1.member.arn' failed to satisfy constraint: Member must not be null"},
		{"empty arn", `{"Id":"x","Arn":""}`,
			"1 validation error detected: Value '' at 'targets.1.member.arn' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"no template", `{"Id":"x",` + arn + `,"InputTransformer":{"InputPathsMap":{"a":"$.source"}}}`,
			"1 validation error detected: Value null at 'targets.1.member.inputTransformer.inputTemplate' failed to satisfy constraint: Member must not be null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := s.call(t, "POST", "/", "AWSEvents.PutTargets", `{"Rule":"r","Targets":[`+tc.target+`]}`, testKeyID, testSecret, time.Now())
			if got.status != 400 || got.Type != "ValidationException" || got.Message != tc.message {
				t.Errorf("got %d %s %q\nwant 400 ValidationException %q", got.status, got.Type, got.Message, tc.message)
			}
		})
	}
}
