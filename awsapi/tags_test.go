package awsapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func TestTags(t *testing.T) {
	s := startServer(t)
	ctx, c := t.Context(), s.client
	bus := must(c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("shop"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}}})).EventBusArn
	rule := must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("shop"), EventPattern: aws.String(`{"source":["x"]}`)})).RuleArn
	for _, arn := range []*string{bus, rule, aws.String("arn:aws:events:us-east-1:123456789012:event-bus/default")} {
		must(c.TagResource(ctx, &eb.TagResourceInput{ResourceARN: arn, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("2")}, {Key: aws.String("b"), Value: aws.String("")}}}))
		got := tagMap(must(c.ListTagsForResource(ctx, &eb.ListTagsForResourceInput{ResourceARN: arn})).Tags)
		if len(got) != 2 || got["a"] != "2" || got["b"] != "" {
			t.Errorf("%s tags = %v", *arn, got)
		}
		must(c.UntagResource(ctx, &eb.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"a", "zz"}}))
		got = tagMap(must(c.ListTagsForResource(ctx, &eb.ListTagsForResourceInput{ResourceARN: arn})).Tags)
		if len(got) != 1 || got["b"] != "" {
			t.Errorf("%s tags after untag = %v", *arn, got)
		}
	}
	_, err := c.ListTagsForResource(ctx, &eb.ListTagsForResourceInput{ResourceARN: aws.String("arn:aws:events:us-east-1:123456789012:rule/shop/nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "Rule nope does not exist on EventBus shop.")
	_, err = c.TagResource(ctx, &eb.TagResourceInput{ResourceARN: aws.String("arn:aws:events:us-east-1:123456789012:event-bus/nope"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}}})
	wantAPIError(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")
	_, err = c.TagResource(ctx, &eb.TagResourceInput{ResourceARN: bus, Tags: []types.Tag{{Key: aws.String(""), Value: aws.String("1")}}})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1")
}

func TestPermissions(t *testing.T) {
	s := startServer(t)
	ctx, c := t.Context(), s.client
	must(c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("shared")}))
	must(c.PutPermission(ctx, &eb.PutPermissionInput{EventBusName: aws.String("shared"), Action: aws.String("events:PutEvents"), Principal: aws.String("111122223333"), StatementId: aws.String("acct")}))
	must(c.PutPermission(ctx, &eb.PutPermissionInput{EventBusName: aws.String("shared"), Action: aws.String("events:PutEvents"), Principal: aws.String("*"), StatementId: aws.String("org"),
		Condition: &types.Condition{Type: aws.String("StringEquals"), Key: aws.String("aws:PrincipalOrgID"), Value: aws.String("o-1234567890")}}))
	d := must(c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("shared")}))
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"acct","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:123456789012:event-bus/shared"},` +
		`{"Sid":"org","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:123456789012:event-bus/shared","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1234567890"}}}]}`
	if got := aws.ToString(d.Policy); got != want {
		t.Errorf("Policy\n got %s\nwant %s", got, want)
	}
	if !json.Valid([]byte(aws.ToString(d.Policy))) {
		t.Error("policy is not JSON")
	}
	_, err := c.RemovePermission(ctx, &eb.RemovePermissionInput{EventBusName: aws.String("shared"), StatementId: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "Statement with the provided id does not exist.")
	must(c.RemovePermission(ctx, &eb.RemovePermissionInput{EventBusName: aws.String("shared"), StatementId: aws.String("acct")}))
	d = must(c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("shared")}))
	var p struct{ Statement []struct{ Sid string } }
	json.Unmarshal([]byte(aws.ToString(d.Policy)), &p)
	if len(p.Statement) != 1 || p.Statement[0].Sid != "org" {
		t.Errorf("policy after removal: %s", aws.ToString(d.Policy))
	}
	must(c.RemovePermission(ctx, &eb.RemovePermissionInput{EventBusName: aws.String("shared"), RemoveAllPermissions: true}))
	if d := must(c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("shared")})); d.Policy != nil {
		t.Errorf("policy after RemoveAllPermissions: %s", *d.Policy)
	}
	_, err = c.PutPermission(ctx, &eb.PutPermissionInput{EventBusName: aws.String("nope"), Action: aws.String("events:PutEvents"), Principal: aws.String("111122223333"), StatementId: aws.String("x")})
	wantAPIError(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")
	_, err = c.PutPermission(ctx, &eb.PutPermissionInput{Action: aws.String("events:PutEvents"), Principal: aws.String("12345"), StatementId: aws.String("x")})
	wantAPIError(t, err, "ValidationException", `1 validation error detected: Value '12345' at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: (\d{12}|\*)`)
}

// TestOtherAccountsAndTagRules: an ARN of another account, region or
// partition names nothing here (this server is one account in one region);
// tags follow the guide's rules (no aws: prefix, key characters, 50 at most
// on create as on TagResource); a bus policy's Statement may be one object;
// conditions are organization conditions only. Every refusal changes
// nothing.
func TestOtherAccountsAndTagRules(t *testing.T) {
	s := startServer(t)
	ctx, c := t.Context(), s.client
	must(c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("shop")}))
	must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("r1"), EventPattern: aws.String(`{"source":["x"]}`)}))
	tag := []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}
	for _, arn := range []string{
		"arn:aws:events:us-east-1:111122223333:rule/r1",
		"arn:aws:events:eu-west-1:123456789012:rule/r1",
		"arn:aws-cn:events:us-east-1:123456789012:rule/r1",
		"arn:aws:events:us-east-1:111122223333:event-bus/shop",
	} {
		_, err := c.TagResource(ctx, &eb.TagResourceInput{ResourceARN: aws.String(arn), Tags: tag})
		bus := arn[:strings.LastIndex(arn, ":")] + ":event-bus/" + map[bool]string{true: "shop", false: "default"}[strings.HasSuffix(arn, "/shop")]
		wantAPIError(t, err, "ResourceNotFoundException", "Event bus "+bus+" does not exist.")
		_, err = c.ListTagsForResource(ctx, &eb.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
		wantAPIError(t, err, "ResourceNotFoundException", "Event bus "+bus+" does not exist.")
	}
	other := aws.String("arn:aws:events:eu-west-1:999999999999:event-bus/default")
	_, err := c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("foreign"), EventBusName: other, EventPattern: aws.String(`{"source":["x"]}`)})
	wantAPIError(t, err, "ResourceNotFoundException", "Event bus arn:aws:events:eu-west-1:999999999999:event-bus/default does not exist.")
	_, err = c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("arn:aws:events:us-east-1:111122223333:event-bus/shop")})
	wantAPIError(t, err, "ResourceNotFoundException", "Event bus arn:aws:events:us-east-1:111122223333:event-bus/shop does not exist.")
	// This account's ARNs still work, and a new region name form passes
	// the model's pattern.
	must(c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("arn:aws:events:us-east-1:123456789012:event-bus/shop")}))
	_, err = c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("arn:aws:events:eusc-de-east-1:123456789012:event-bus/shop")})
	wantAPIError(t, err, "ResourceNotFoundException", "Event bus arn:aws:events:eusc-de-east-1:123456789012:event-bus/shop does not exist.")
	_, err = c.ListTagsForResource(ctx, &eb.ListTagsForResourceInput{ResourceARN: aws.String("arn:aws:events:us-east-1:123456789012:rule/")})
	wantAPIError(t, err, "ValidationException", "Parameter ResourceARN is not valid. Reason: arn:aws:events:us-east-1:123456789012:rule/ is not an event bus or rule ARN.")

	many := make([]types.Tag, 51)
	for i := range many {
		many[i] = types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")}
	}
	for _, tc := range []struct {
		name          string
		call          func() error
		code, message string
	}{
		{"aws: prefix", func() error {
			_, err := c.TagResource(ctx, &eb.TagResourceInput{ResourceARN: aws.String("arn:aws:events:us-east-1:123456789012:rule/r1"), Tags: []types.Tag{{Key: aws.String("AWS:x"), Value: aws.String("v")}}})
			return err
		}, "ValidationException", "Tag key AWS:x is not valid: the aws: prefix is reserved for AWS use."},
		{"key characters", func() error {
			_, err := c.TagResource(ctx, &eb.TagResourceInput{ResourceARN: aws.String("arn:aws:events:us-east-1:123456789012:rule/r1"), Tags: []types.Tag{{Key: aws.String("a*b"), Value: aws.String("v")}}})
			return err
		}, "ValidationException", "Tag key a*b is not valid: keys may contain letters, numbers, spaces and . : + = @ _ / - only."},
		{"51 tags on a new bus", func() error {
			_, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("b51"), Tags: many})
			return err
		}, "LimitExceededException", "The requested resource exceeds the maximum number allowed."},
		{"51 tags on a new rule", func() error {
			_, err := c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("r51"), EventPattern: aws.String(`{"source":["x"]}`), Tags: many})
			return err
		}, "LimitExceededException", "The requested resource exceeds the maximum number allowed."},
		{"KMS key pattern", func() error {
			_, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("kms"), KmsKeyIdentifier: aws.String("bad key!")})
			return err
		}, "ValidationException", "1 validation error detected: Value 'bad key!' at 'kmsKeyIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_\\-/:]*"},
		{"condition type", func() error {
			_, err := c.PutPermission(ctx, &eb.PutPermissionInput{EventBusName: aws.String("shop"), Action: aws.String("events:PutEvents"), Principal: aws.String("*"), StatementId: aws.String("s"),
				Condition: &types.Condition{Type: aws.String("StringLike"), Key: aws.String("aws:PrincipalOrgID"), Value: aws.String("o-1")}})
			return err
		}, "ValidationException", "Provided value in parameter 'condition.type' is not supported: the only supported type is StringEquals."},
		{"condition key", func() error {
			_, err := c.PutPermission(ctx, &eb.PutPermissionInput{EventBusName: aws.String("shop"), Action: aws.String("events:PutEvents"), Principal: aws.String("*"), StatementId: aws.String("s"),
				Condition: &types.Condition{Type: aws.String("StringEquals"), Key: aws.String("aws:SourceAccount"), Value: aws.String("1")}})
			return err
		}, "ValidationException", "Provided value in parameter 'condition.key' is not supported: the only supported key is aws:PrincipalOrgID."},
		{"permission bus name", func() error {
			_, err := c.PutPermission(ctx, &eb.PutPermissionInput{EventBusName: aws.String("a/b"), Action: aws.String("events:PutEvents"), Principal: aws.String("*"), StatementId: aws.String("s")})
			return err
		}, "ValidationException", "1 validation error detected: Value 'a/b' at 'eventBusName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"},
		{"policy without statement", func() error {
			_, err := c.PutPermission(ctx, &eb.PutPermissionInput{EventBusName: aws.String("shop"), Policy: aws.String(`{"Version":"2012-10-17"}`)})
			return err
		}, "ValidationException", "Parameter Policy is not valid. Reason: the policy is not a valid JSON policy document."},
	} {
		t.Run(tc.name, func(t *testing.T) { wantAPIError(t, tc.call(), tc.code, tc.message) })
	}
	if got := tagMap(must(c.ListTagsForResource(ctx, &eb.ListTagsForResourceInput{ResourceARN: aws.String("arn:aws:events:us-east-1:123456789012:rule/r1")})).Tags); len(got) != 0 {
		t.Errorf("tags after refusals: %v", got)
	}
	buses := must(c.ListEventBuses(ctx, &eb.ListEventBusesInput{}))
	if len(buses.EventBuses) != 2 || aws.ToString(must(c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("shop")})).Policy) != "" {
		t.Errorf("after refusals: %d buses, policy %q", len(buses.EventBuses), aws.ToString(must(c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("shop")})).Policy))
	}
	if _, err := c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("r51")}); err == nil {
		t.Error("a rule refused for its tags exists")
	}

	// A policy whose Statement is one object is taken, and a statement
	// added after it keeps it.
	one := `{"Version":"2012-10-17","Statement":{"Sid":"obj","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:123456789012:event-bus/shop"}}`
	must(c.PutPermission(ctx, &eb.PutPermissionInput{EventBusName: aws.String("shop"), Policy: aws.String(one)}))
	must(c.PutPermission(ctx, &eb.PutPermissionInput{EventBusName: aws.String("shop"), Action: aws.String("events:PutEvents"), Principal: aws.String("111122223333"), StatementId: aws.String("acct")}))
	pol := aws.ToString(must(c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("shop")})).Policy)
	if !strings.Contains(pol, `"Sid":"obj"`) || !strings.Contains(pol, `"Sid":"acct"`) {
		t.Errorf("policy after adding to a one-statement policy: %s", pol)
	}
}
