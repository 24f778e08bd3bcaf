package main

import (
	"context"
	"fmt"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/awsapi"
	"github.com/trailbridge/trailbridge/config"
)

// configFile is the --config file, or none.
type configFile struct {
	*config.File
	path string
}

func loadConfigFile(path string) (*configFile, error) {
	if path == "" {
		return &configFile{File: &config.File{}}, nil
	}
	f, err := config.Load(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return &configFile{File: f, path: path}, nil
}

// accessKeys returns the file's (id, secret) pairs.
func (f *configFile) accessKeys() [][2]string {
	var out [][2]string
	for _, k := range f.AccessKeys {
		out = append(out, [2]string{k.AccessKeyId, k.SecretAccessKey})
	}
	return out
}

// apply makes the file's buses, rules and targets exist as declared,
// through the same operations (and checks) as the API. It first applies
// the file to a copy of the configuration in memory, so that a file the
// API refuses changes nothing. Applying twice changes nothing the second
// time; what the file does not mention is left alone, and the API can still
// change what it declares.
func (f *configFile) apply(ctx context.Context, eb *awsapi.EventBridge) error {
	mem := awsapi.NewMemoryStore(eb.Store)
	if eb.Resources != nil {
		mem.CopyResources(eb.Resources, "connection", "api-destination")
	}
	dry := &awsapi.EventBridge{Store: mem, Resources: mem, Events: eb.Events, Place: eb.Place, Now: eb.Now}
	if err := f.applyTo(ctx, dry); err != nil {
		return err
	}
	return f.applyTo(ctx, eb)
}

func (f *configFile) applyTo(ctx context.Context, eb *awsapi.EventBridge) error {
	where := func(key, name string, err error) error {
		return fmt.Errorf("config: %s: %s (%s): %w", f.path, key, name, err)
	}
	for _, b := range f.EventBuses {
		if eb.Store.Bus(b.Name) == nil {
			_, err := eb.CreateEventBus(ctx, &awsapi.CreateEventBusInput{Name: &b.Name, Description: optional(b.Description), Tags: b.Tags})
			if err != nil {
				return where(b.Key, b.Name, err)
			}
			continue
		}
		if _, err := eb.UpdateEventBus(ctx, &awsapi.UpdateEventBusInput{Name: &b.Name, Description: optional(b.Description)}); err != nil {
			return where(b.Key, b.Name, err)
		}
		if err := tag(ctx, eb, eb.Place.BusARN(b.Name), b.Tags); err != nil {
			return where(b.Key, b.Name, err)
		}
	}
	for _, r := range f.Rules {
		_, err := eb.PutRule(ctx, &awsapi.PutRuleInput{
			Name:               &r.Name,
			EventBusName:       &r.EventBusName,
			EventPattern:       optional(r.EventPattern),
			ScheduleExpression: optional(r.ScheduleExpression),
			State:              optional(r.State),
			Description:        optional(r.Description),
			RoleArn:            optional(r.RoleArn),
			Tags:               r.Tags,
		})
		if err != nil {
			return where(r.Key, r.Name, err)
		}
		// PutRule ignores tags on an existing rule.
		if err := tag(ctx, eb, eb.Place.RuleARN(r.EventBusName, r.Name), r.Tags); err != nil {
			return where(r.Key, r.Name, err)
		}
		if len(r.Targets) > 0 {
			_, err := eb.PutTargets(ctx, &awsapi.PutTargetsInput{Rule: &r.Name, EventBusName: &r.EventBusName, Targets: r.Targets})
			if err != nil {
				return where(r.Key+".Targets", r.Name, err)
			}
		}
	}
	return nil
}

func tag(ctx context.Context, eb *awsapi.EventBridge, arn string, tags []tb.Tag) error {
	if len(tags) == 0 {
		return nil
	}
	_, err := eb.TagResource(ctx, &awsapi.TagResourceInput{ResourceARN: &arn, Tags: tags})
	return err
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
