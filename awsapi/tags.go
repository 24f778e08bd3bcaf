package awsapi

import (
	"context"
	"slices"
	"strings"

	tb "github.com/trailbridge/trailbridge"
)

// TagResourceInput is TagResource's request.
type TagResourceInput struct {
	ResourceARN *string
	Tags        []tb.Tag
}

// UntagResourceInput is UntagResource's request.
type UntagResourceInput struct {
	ResourceARN *string
	TagKeys     []string
}

// ListTagsForResourceInput is ListTagsForResource's request.
type ListTagsForResourceInput struct {
	ResourceARN *string
}

// ListTagsForResourceOutput is ListTagsForResource's answer.
type ListTagsForResourceOutput struct {
	Tags []tb.Tag
}

// MaxTags is how many tags a resource may carry, as on AWS.
const MaxTags = 50

// resourceARN reads the ARN of a bus or rule. One of another partition,
// region or account names a bus that does not exist here: its bus is then
// the bus's whole ARN, which no bus is called.
func (eb *EventBridge) resourceARN(arn string) (kind, bus, name string, err error) {
	kind, bus, name, ok := tb.ParseResourceARN(arn)
	if !ok {
		return "", "", "", tb.Errorf(tb.CodeValidation, "Parameter ResourceARN is not valid. Reason: %s is not an event bus or rule ARN.", arn)
	}
	parts := strings.SplitN(arn, ":", 6)
	if parts[1] != "aws" || parts[3] != eb.Place.Region || parts[4] != eb.Place.Account {
		bus = strings.Join(parts[:5], ":") + ":event-bus/" + bus
	}
	return kind, bus, name, nil
}

// withTags runs fn on the tags of the bus or rule arn names.
func (eb *EventBridge) withTags(ctx context.Context, arn string, fn func(tags []tb.Tag) ([]tb.Tag, error)) error {
	kind, bus, name, err := eb.resourceARN(arn)
	if err != nil {
		return err
	}
	switch kind {
	case "event-bus":
		_, err := eb.Store.UpdateBus(ctx, bus, func(cur *tb.Bus) (*tb.Bus, error) {
			if cur == nil {
				return nil, errNoBus(bus)
			}
			tags, err := fn(cur.Tags)
			cur.Tags = tags
			return cur, err
		})
		return err
	default:
		if eb.Store.Bus(bus) == nil {
			return errNoBus(bus)
		}
		_, err := eb.Store.UpdateRule(ctx, bus, name, func(cur *tb.Rule) (*tb.Rule, error) {
			if cur == nil {
				return nil, errNoRule(name, bus)
			}
			tags, err := fn(cur.Tags)
			cur.Tags = tags
			return cur, err
		})
		return err
	}
}

// TagResource adds tags to a bus or rule, replacing the values of keys it
// already has.
func (eb *EventBridge) TagResource(ctx context.Context, in *TagResourceInput) (*struct{}, error) {
	var v violations
	v.str(in.ResourceARN, "resourceARN", true, 1, 1600, nil)
	if in.Tags == nil {
		v.add("null", "tags", "Member must not be null")
	}
	checkTags(&v, in.Tags, "tags")
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := tagRules(in.Tags); err != nil {
		return nil, err
	}
	err := eb.withTags(ctx, *in.ResourceARN, func(tags []tb.Tag) ([]tb.Tag, error) {
		for _, t := range in.Tags {
			if i := slices.IndexFunc(tags, func(x tb.Tag) bool { return x.Key == t.Key }); i >= 0 {
				tags[i].Value = t.Value
			} else {
				tags = append(tags, t)
			}
		}
		if len(tags) > MaxTags {
			return nil, tb.Errorf(tb.CodeLimitExceeded, "The requested resource exceeds the maximum number allowed.")
		}
		return tags, nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// UntagResource removes tags by key; keys the resource lacks are ignored.
func (eb *EventBridge) UntagResource(ctx context.Context, in *UntagResourceInput) (*struct{}, error) {
	var v violations
	v.str(in.ResourceARN, "resourceARN", true, 1, 1600, nil)
	if in.TagKeys == nil {
		v.add("null", "tagKeys", "Member must not be null")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	err := eb.withTags(ctx, *in.ResourceARN, func(tags []tb.Tag) ([]tb.Tag, error) {
		return slices.DeleteFunc(tags, func(t tb.Tag) bool { return slices.Contains(in.TagKeys, t.Key) }), nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListTagsForResource lists a bus's or rule's tags.
func (eb *EventBridge) ListTagsForResource(_ context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	var v violations
	v.str(in.ResourceARN, "resourceARN", true, 1, 1600, nil)
	if err := v.err(); err != nil {
		return nil, err
	}
	kind, bus, name, err := eb.resourceARN(*in.ResourceARN)
	if err != nil {
		return nil, err
	}
	var tags []tb.Tag
	if kind == "event-bus" {
		b := eb.Store.Bus(bus)
		if b == nil {
			return nil, errNoBus(bus)
		}
		tags = b.Tags
	} else {
		r, err := eb.lookupRule(&RuleRef{Name: &name, EventBusName: &bus})
		if err != nil {
			return nil, err
		}
		tags = r.Tags
	}
	return &ListTagsForResourceOutput{Tags: append([]tb.Tag{}, tags...)}, nil
}
