package awsapi

import (
	"encoding/json"
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
