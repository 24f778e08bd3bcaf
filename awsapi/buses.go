package awsapi

import (
	"context"
	"strings"

	tb "github.com/trailbridge/trailbridge"
)

// CreateEventBusInput is CreateEventBus's request.
type CreateEventBusInput struct {
	Name             *string
	EventSourceName  *string
	Description      *string
	KmsKeyIdentifier *string
	DeadLetterConfig *tb.DeadLetterConfig
	LogConfig        *tb.LogConfig
	Tags             []tb.Tag
}

// CreateEventBusOutput is CreateEventBus's answer.
type CreateEventBusOutput struct {
	EventBusArn      string
	Description      *string              `json:",omitempty"`
	KmsKeyIdentifier *string              `json:",omitempty"`
	DeadLetterConfig *tb.DeadLetterConfig `json:",omitempty"`
	LogConfig        *tb.LogConfig        `json:",omitempty"`
}

func checkBusSettings(v *violations, description, kms *string, dlc *tb.DeadLetterConfig, lc *tb.LogConfig) {
	v.str(description, "description", false, 0, 512, nil)
	v.str(kms, "kmsKeyIdentifier", false, 0, 2048, reKmsKeyID)
	if dlc != nil {
		v.str(&dlc.Arn, "deadLetterConfig.arn", false, 1, 1600, nil)
	}
	if lc != nil {
		if lc.IncludeDetail != "" {
			v.enum(&lc.IncludeDetail, "logConfig.includeDetail", "NONE", "FULL")
		}
		if lc.Level != "" {
			v.enum(&lc.Level, "logConfig.level", "OFF", "ERROR", "INFO", "TRACE")
		}
	}
}

func checkTags(v *violations, tags []tb.Tag, path string) {
	for i := range tags {
		p := path + "." + itoa(i+1) + ".member."
		v.str(&tags[i].Key, p+"key", true, 1, 128, nil)
		v.str(&tags[i].Value, p+"value", true, 0, 256, nil)
	}
}

// tagRules checks what the guide asks of tags beyond the model's lengths:
// the characters of keys (reTagKey, as for queues' tags: letters, numbers
// and spaces in UTF-8, and . : + = @ _ / -), no key in the reserved aws:
// prefix, and at most
// MaxTags of them (TagResource counts those the resource has too).
func tagRules(tags []tb.Tag) error {
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return tb.Errorf(tb.CodeValidation, "Tag key %s is not valid: the aws: prefix is reserved for AWS use.", t.Key)
		}
		if !reTagKey.MatchString(t.Key) {
			return tb.Errorf(tb.CodeValidation, "Tag key %s is not valid: keys may contain letters, numbers, spaces and . : + = @ _ / - only.", t.Key)
		}
	}
	if len(tags) > MaxTags {
		return tb.Errorf(tb.CodeLimitExceeded, "The requested resource exceeds the maximum number allowed.")
	}
	return nil
}

// CreateEventBus creates a custom event bus.
func (eb *EventBridge) CreateEventBus(ctx context.Context, in *CreateEventBusInput) (*CreateEventBusOutput, error) {
	var v violations
	v.str(in.Name, "name", true, 1, 256, reBusName)
	v.str(in.EventSourceName, "eventSourceName", false, 1, 256, reEventSource)
	checkBusSettings(&v, in.Description, in.KmsKeyIdentifier, in.DeadLetterConfig, in.LogConfig)
	checkTags(&v, in.Tags, "tags")
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := tagRules(in.Tags); err != nil {
		return nil, err
	}
	name := *in.Name
	if in.EventSourceName != nil {
		// Partner event sources come from SaaS partners, which a
		// self-hosted bus has none of.
		return nil, tb.Errorf(tb.CodeResourceNotFound, "Event source %s does not exist.", *in.EventSourceName)
	}
	if strings.Contains(name, "/") {
		return nil, tb.Errorf(tb.CodeValidation, "Event bus name must not contain '/'.")
	}
	now := eb.now()
	_, err := eb.Store.UpdateBus(ctx, name, func(cur *tb.Bus) (*tb.Bus, error) {
		if cur != nil {
			return nil, tb.Errorf(tb.CodeResourceAlreadyExists, "Event bus %s already exists.", name)
		}
		return &tb.Bus{
			Name:             name,
			Description:      deref(in.Description),
			KmsKeyIdentifier: deref(in.KmsKeyIdentifier),
			DeadLetterConfig: in.DeadLetterConfig,
			LogConfig:        in.LogConfig,
			Tags:             in.Tags,
			CreationTime:     now,
			LastModifiedTime: now,
		}, nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateEventBusOutput{
		EventBusArn:      eb.Place.BusARN(name),
		Description:      in.Description,
		KmsKeyIdentifier: in.KmsKeyIdentifier,
		DeadLetterConfig: in.DeadLetterConfig,
		LogConfig:        in.LogConfig,
	}, nil
}

// UpdateEventBusInput is UpdateEventBus's request. Members left out keep
// their values.
type UpdateEventBusInput struct {
	Name             *string
	KmsKeyIdentifier *string
	Description      *string
	DeadLetterConfig *tb.DeadLetterConfig
	LogConfig        *tb.LogConfig
}

// UpdateEventBusOutput is UpdateEventBus's answer.
type UpdateEventBusOutput struct {
	Arn              string
	Name             string
	KmsKeyIdentifier *string              `json:",omitempty"`
	Description      *string              `json:",omitempty"`
	DeadLetterConfig *tb.DeadLetterConfig `json:",omitempty"`
	LogConfig        *tb.LogConfig        `json:",omitempty"`
}

// UpdateEventBus changes a bus's settings.
func (eb *EventBridge) UpdateEventBus(ctx context.Context, in *UpdateEventBusInput) (*UpdateEventBusOutput, error) {
	var v violations
	v.str(in.Name, "name", false, 1, 256, reBusName)
	checkBusSettings(&v, in.Description, in.KmsKeyIdentifier, in.DeadLetterConfig, in.LogConfig)
	if err := v.err(); err != nil {
		return nil, err
	}
	name := eb.busName(in.Name)
	now := eb.now()
	b, err := eb.Store.UpdateBus(ctx, name, func(cur *tb.Bus) (*tb.Bus, error) {
		if cur == nil {
			return nil, errNoBus(name)
		}
		if in.Description != nil {
			cur.Description = *in.Description
		}
		if in.KmsKeyIdentifier != nil {
			cur.KmsKeyIdentifier = *in.KmsKeyIdentifier
		}
		if in.DeadLetterConfig != nil {
			cur.DeadLetterConfig = in.DeadLetterConfig
		}
		if in.LogConfig != nil {
			cur.LogConfig = in.LogConfig
		}
		cur.LastModifiedTime = now
		return cur, nil
	})
	if err != nil {
		return nil, err
	}
	return &UpdateEventBusOutput{
		Arn:              eb.Place.BusARN(name),
		Name:             name,
		KmsKeyIdentifier: emptyNil(b.KmsKeyIdentifier),
		Description:      emptyNil(b.Description),
		DeadLetterConfig: b.DeadLetterConfig,
		LogConfig:        b.LogConfig,
	}, nil
}

// DescribeEventBusInput is DescribeEventBus's request; Name defaults to the
// default bus and may be an ARN.
type DescribeEventBusInput struct {
	Name *string
}

// DescribeEventBusOutput is DescribeEventBus's answer.
type DescribeEventBusOutput struct {
	Name             string
	Arn              string
	Description      *string              `json:",omitempty"`
	KmsKeyIdentifier *string              `json:",omitempty"`
	DeadLetterConfig *tb.DeadLetterConfig `json:",omitempty"`
	Policy           *string              `json:",omitempty"`
	LogConfig        *tb.LogConfig        `json:",omitempty"`
	CreationTime     epoch
	LastModifiedTime epoch
}

// DescribeEventBus describes a bus.
func (eb *EventBridge) DescribeEventBus(_ context.Context, in *DescribeEventBusInput) (*DescribeEventBusOutput, error) {
	var v violations
	v.str(in.Name, "name", false, 1, 1600, reBusNameOrArn)
	if err := v.err(); err != nil {
		return nil, err
	}
	name := eb.busName(in.Name)
	b := eb.Store.Bus(name)
	if b == nil {
		return nil, errNoBus(name)
	}
	return &DescribeEventBusOutput{
		Name:             b.Name,
		Arn:              eb.Place.BusARN(b.Name),
		Description:      emptyNil(b.Description),
		KmsKeyIdentifier: emptyNil(b.KmsKeyIdentifier),
		DeadLetterConfig: b.DeadLetterConfig,
		Policy:           emptyNil(b.Policy),
		LogConfig:        b.LogConfig,
		CreationTime:     epoch(b.CreationTime),
		LastModifiedTime: epoch(b.LastModifiedTime),
	}, nil
}

// ListEventBusesInput is ListEventBuses's request.
type ListEventBusesInput struct {
	NamePrefix *string
	NextToken  *string
	Limit      *int
}

// EventBusItem is one bus in ListEventBuses's answer.
type EventBusItem struct {
	Name             string
	Arn              string
	Description      *string `json:",omitempty"`
	Policy           *string `json:",omitempty"`
	CreationTime     epoch
	LastModifiedTime epoch
}

// ListEventBusesOutput is ListEventBuses's answer.
type ListEventBusesOutput struct {
	EventBuses []EventBusItem
	NextToken  *string `json:",omitempty"`
}

// ListEventBuses lists buses by name.
func (eb *EventBridge) ListEventBuses(_ context.Context, in *ListEventBusesInput) (*ListEventBusesOutput, error) {
	var v violations
	v.str(in.NamePrefix, "namePrefix", false, 1, 256, reBusName)
	v.str(in.NextToken, "nextToken", false, 1, 2048, nil)
	checkLimit(&v, in.Limit)
	if err := v.err(); err != nil {
		return nil, err
	}
	var buses []*tb.Bus
	for _, b := range eb.Store.Buses() {
		if in.NamePrefix == nil || strings.HasPrefix(b.Name, *in.NamePrefix) {
			buses = append(buses, b)
		}
	}
	sel, next, err := page("buses", buses, func(b *tb.Bus) string { return b.Name }, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &ListEventBusesOutput{EventBuses: []EventBusItem{}, NextToken: next}
	for _, b := range sel {
		out.EventBuses = append(out.EventBuses, EventBusItem{
			Name:             b.Name,
			Arn:              eb.Place.BusARN(b.Name),
			Description:      emptyNil(b.Description),
			Policy:           emptyNil(b.Policy),
			CreationTime:     epoch(b.CreationTime),
			LastModifiedTime: epoch(b.LastModifiedTime),
		})
	}
	return out, nil
}

// DeleteEventBusInput is DeleteEventBus's request.
type DeleteEventBusInput struct {
	Name *string
}

// DeleteEventBus deletes a custom bus and, as on AWS, its rules.
func (eb *EventBridge) DeleteEventBus(ctx context.Context, in *DeleteEventBusInput) (*struct{}, error) {
	var v violations
	v.str(in.Name, "name", true, 1, 256, reBusName)
	if err := v.err(); err != nil {
		return nil, err
	}
	name := *in.Name
	if name == tb.DefaultBus {
		return nil, tb.Errorf(tb.CodeValidation, "Cannot delete event bus default.")
	}
	_, err := eb.Store.UpdateBus(ctx, name, func(cur *tb.Bus) (*tb.Bus, error) {
		if cur == nil {
			return nil, errNoBus(name)
		}
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	for _, r := range eb.Store.Rules(name) {
		_, err := eb.Store.UpdateRule(ctx, name, r.Name, func(*tb.Rule) (*tb.Rule, error) { return nil, nil })
		if err != nil {
			return nil, err
		}
	}
	return &struct{}{}, nil
}
