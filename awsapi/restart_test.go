package awsapi

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// TestStateSurvivesRestart: buses, rules, targets, tags, permissions and
// accepted events not yet routed all come back after a restart.
func TestStateSurvivesRestart(t *testing.T) {
	s := startServer(t)
	ctx := t.Context()
	c := s.client
	must(c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("shop"), Description: aws.String("d"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}))
	must(c.PutPermission(ctx, &eb.PutPermissionInput{EventBusName: aws.String("shop"), Action: aws.String("events:PutEvents"), Principal: aws.String("111122223333"), StatementId: aws.String("p")}))
	must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("shop"), EventPattern: aws.String(`{"source":["shop"]}`),
		State: types.RuleStateEnabledWithAllCloudtrailManagementEvents, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))
	must(c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("r"), EventBusName: aws.String("shop"), Targets: []types.Target{
		{Id: aws.String("t"), Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:q"), Input: aws.String(`{"x":1}`)}}}))
	must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("tick"), ScheduleExpression: aws.String("rate(1 hour)")}))
	put := must(c.PutEvents(ctx, &eb.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("shop"), DetailType: aws.String("a"), Detail: aws.String(`{}`), EventBusName: aws.String("shop")},
		{Source: aws.String("shop"), DetailType: aws.String("b"), Detail: aws.String(`{}`)},
	}}))

	s.restart()
	c = s.client

	d := must(c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("shop")}))
	if aws.ToString(d.Description) != "d" || !strings.Contains(aws.ToString(d.Policy), `"Sid":"p"`) {
		t.Errorf("bus after restart: %+v", d)
	}
	if tags := tagMap(must(c.ListTagsForResource(ctx, &eb.ListTagsForResourceInput{ResourceARN: d.Arn})).Tags); tags["team"] != "a" {
		t.Errorf("bus tags after restart: %v", tags)
	}
	r := must(c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("r"), EventBusName: aws.String("shop")}))
	if r.State != types.RuleStateEnabledWithAllCloudtrailManagementEvents || aws.ToString(r.EventPattern) != `{"source":["shop"]}` {
		t.Errorf("rule after restart: %+v", r)
	}
	if tags := tagMap(must(c.ListTagsForResource(ctx, &eb.ListTagsForResourceInput{ResourceARN: r.Arn})).Tags); tags["k"] != "v" {
		t.Errorf("rule tags after restart: %v", tags)
	}
	tg := must(c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r"), EventBusName: aws.String("shop")}))
	if len(tg.Targets) != 1 || aws.ToString(tg.Targets[0].Input) != `{"x":1}` {
		t.Errorf("targets after restart: %+v", tg.Targets)
	}
	if r := must(c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("tick")})); aws.ToString(r.ScheduleExpression) != "rate(1 hour)" {
		t.Errorf("schedule rule after restart: %+v", r)
	}
	evs := s.collect(t).waitFor(t, 2)
	for i, e := range evs {
		if !strings.Contains(string(e.Event), aws.ToString(put.Entries[i].EventId)) {
			t.Errorf("event %d after restart: %s", i, e.Event)
		}
	}
}
