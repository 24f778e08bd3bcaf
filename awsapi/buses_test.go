package awsapi

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

func TestEventBuses(t *testing.T) {
	s := startServer(t)
	ctx, c := t.Context(), s.client

	out := must(c.CreateEventBus(ctx, &eb.CreateEventBusInput{
		Name:        aws.String("orders"),
		Description: aws.String("shop orders"),
		Tags:        []types.Tag{{Key: aws.String("team"), Value: aws.String("shop")}},
	}))
	if got, want := aws.ToString(out.EventBusArn), "arn:aws:events:us-east-1:123456789012:event-bus/orders"; got != want {
		t.Errorf("EventBusArn = %s, want %s", got, want)
	}
	if aws.ToString(out.Description) != "shop orders" {
		t.Errorf("Description = %v", out.Description)
	}

	t.Run("duplicate is refused", func(t *testing.T) {
		_, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("orders")})
		wantAPIError(t, err, "ResourceAlreadyExistsException", "Event bus orders already exists.")
		_, err = c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("default")})
		wantAPIError(t, err, "ResourceAlreadyExistsException", "Event bus default already exists.")
	})
	t.Run("bad name is refused", func(t *testing.T) {
		_, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("no spaces")})
		wantAPIError(t, err, "ValidationException", `1 validation error detected: Value 'no spaces' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [/\.\-_A-Za-z0-9]+`)
	})
	t.Run("describe", func(t *testing.T) {
		d := must(c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("orders")}))
		if aws.ToString(d.Name) != "orders" || aws.ToString(d.Arn) != aws.ToString(out.EventBusArn) || aws.ToString(d.Description) != "shop orders" {
			t.Errorf("DescribeEventBus = %+v", d)
		}
		if d.CreationTime == nil || d.CreationTime.IsZero() || d.LastModifiedTime == nil {
			t.Errorf("times = %v, %v", d.CreationTime, d.LastModifiedTime)
		}
		// By ARN, and the default bus when no name is given.
		d = must(c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: out.EventBusArn}))
		if aws.ToString(d.Name) != "orders" {
			t.Errorf("by ARN: %+v", d)
		}
		d = must(c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{}))
		if aws.ToString(d.Name) != "default" || aws.ToString(d.Arn) != "arn:aws:events:us-east-1:123456789012:event-bus/default" {
			t.Errorf("default: %+v", d)
		}
		_, err := c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("nope")})
		wantAPIError(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")
	})
	t.Run("update keeps what is left out", func(t *testing.T) {
		u := must(c.UpdateEventBus(ctx, &eb.UpdateEventBusInput{Name: aws.String("orders"), DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:dlq")}}))
		if aws.ToString(u.Description) != "shop orders" || aws.ToString(u.DeadLetterConfig.Arn) != "arn:aws:sqs:us-east-1:123456789012:dlq" {
			t.Errorf("UpdateEventBus = %+v", u)
		}
		_, err := c.UpdateEventBus(ctx, &eb.UpdateEventBusInput{Name: aws.String("nope")})
		wantAPIError(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")
	})
	t.Run("list pages by name", func(t *testing.T) {
		for i := range 5 {
			must(c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String(fmt.Sprintf("page-%d", i))}))
		}
		var names []string
		var token *string
		for pages := 0; ; pages++ {
			l := must(c.ListEventBuses(ctx, &eb.ListEventBusesInput{NamePrefix: aws.String("page-"), Limit: aws.Int32(2), NextToken: token}))
			for _, b := range l.EventBuses {
				names = append(names, aws.ToString(b.Name))
			}
			if token = l.NextToken; token == nil {
				if pages != 2 {
					t.Errorf("%d pages, want 3", pages+1)
				}
				break
			}
		}
		if want := []string{"page-0", "page-1", "page-2", "page-3", "page-4"}; !slices.Equal(names, want) {
			t.Errorf("listed %v, want %v", names, want)
		}
		all := must(c.ListEventBuses(ctx, &eb.ListEventBusesInput{}))
		if len(all.EventBuses) != 7 || aws.ToString(all.EventBuses[0].Name) != "default" {
			t.Errorf("all buses: %d, first %s", len(all.EventBuses), aws.ToString(all.EventBuses[0].Name))
		}
		_, err := c.ListEventBuses(ctx, &eb.ListEventBusesInput{Limit: aws.Int32(0)})
		wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
		_, err = c.ListEventBuses(ctx, &eb.ListEventBusesInput{NextToken: aws.String("garbage!")})
		wantAPIError(t, err, "ValidationException", "The NextToken provided is invalid.")
	})
	t.Run("delete", func(t *testing.T) {
		_, err := c.DeleteEventBus(ctx, &eb.DeleteEventBusInput{Name: aws.String("default")})
		wantAPIError(t, err, "ValidationException", "Cannot delete event bus default.")
		_, err = c.DeleteEventBus(ctx, &eb.DeleteEventBusInput{Name: aws.String("nope")})
		wantAPIError(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")

		must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("orders"), EventPattern: aws.String(`{"source":["shop"]}`)}))
		must(c.DeleteEventBus(ctx, &eb.DeleteEventBusInput{Name: aws.String("orders")}))
		_, err = c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("orders")})
		wantAPIError(t, err, "ResourceNotFoundException", "Event bus orders does not exist.")
		// Its rules went with it: a new bus of the same name starts empty.
		must(c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("orders")}))
		l := must(c.ListRules(ctx, &eb.ListRulesInput{EventBusName: aws.String("orders")}))
		if len(l.Rules) != 0 {
			t.Errorf("rules of the recreated bus: %+v", l.Rules)
		}
	})
}
