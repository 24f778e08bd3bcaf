package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/awsapi"
	"github.com/trailbridge/trailbridge/config"
)

// configFile is the --config file, or none.
type configFile struct {
	*config.File
	path  string
	lines config.Lines // where its items are, for errors found when applying
}

func loadConfigFile(path string) (*configFile, error) {
	return loadConfigFileEnv(path, nil)
}

// loadConfigFileEnv is loadConfigFile with env looked up before the
// process's environment for ${NAME} (nil: the environment only).
func loadConfigFileEnv(path string, env func(string) (string, bool)) (*configFile, error) {
	if path == "" {
		return &configFile{File: &config.File{}}, nil
	}
	if env == nil {
		f, err := config.Load(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		data, _ := os.ReadFile(path) // just read by Load; lines are a nicety
		return &configFile{File: f, path: path, lines: config.LinesOf(data)}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	f, err := config.Parse(data, func(name string) (string, bool) {
		if v, ok := env(name); ok {
			return v, true
		}
		return os.LookupEnv(name)
	})
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	return &configFile{File: f, path: path, lines: config.LinesOf(data)}, nil
}

// relative resolves a path the file names relative to the file's folder.
func (f *configFile) relative(p string) string {
	if filepath.IsAbs(p) || f.path == "" {
		return p
	}
	return filepath.Join(filepath.Dir(f.path), p)
}

// at is the file's name, with the line of the item at path when known.
func (f *configFile) at(path string) string {
	if l := f.lines.Line(path); l > 0 {
		return fmt.Sprintf("%s:%d", f.path, l)
	}
	return f.path
}

// declaresBus reports whether the file declares the event bus name (which
// exists once the file is applied).
func (f *configFile) declaresBus(name string) bool {
	if name == "default" {
		return true
	}
	for _, b := range f.EventBuses {
		if b.Name == name {
			return true
		}
	}
	return false
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
func (f *configFile) apply(ctx context.Context, conns *awsapi.Connections, sqs *awsapi.SQS) error {
	eb := conns.EB
	mem := awsapi.NewMemoryStore(eb.Store)
	if eb.Resources != nil {
		mem.CopyResources(eb.Resources, "connection", "api-destination", "queue")
	}
	dry := &awsapi.EventBridge{Store: mem, Resources: mem, Events: eb.Events, Place: eb.Place, Now: eb.Now}
	dryConns := &awsapi.Connections{EB: dry, Secrets: conns.Secrets, Now: conns.Now}
	drySQS := &awsapi.SQS{Resources: mem, Messages: awsapi.NewMemoryMessages(), Place: sqs.Place, Now: sqs.Now}
	if err := f.applyTo(ctx, dryConns, drySQS); err != nil {
		return err
	}
	return f.applyTo(ctx, conns, sqs)
}

func (f *configFile) applyTo(ctx context.Context, conns *awsapi.Connections, sqs *awsapi.SQS) error {
	eb := conns.EB
	where := func(key, name string, err error) error {
		return fmt.Errorf("config: %s: %s (%s): %w", f.at(key), key, name, err)
	}
	// Queues first, without their redrive policies, then those: a policy
	// names its dead-letter queue, which must exist, wherever the file
	// declares it.
	for _, q := range f.Queues {
		attrs := map[string]string{}
		for k, v := range q.Attributes {
			if k != "RedrivePolicy" {
				attrs[k] = v
			}
		}
		if q.FifoQueue {
			attrs["FifoQueue"] = "true"
		}
		var err error
		if _, gerr := sqs.GetQueueUrl(ctx, &awsapi.GetQueueUrlInput{QueueName: &q.Name}); gerr != nil {
			_, err = sqs.CreateQueue(ctx, &awsapi.CreateQueueInput{QueueName: &q.Name, Attributes: attrs})
		} else if len(attrs) > 0 && !queueHas(ctx, sqs, q.Name, attrs) {
			_, err = sqs.SetQueueAttributes(ctx, &awsapi.SetQueueAttributesInput{QueueUrl: queueURL(sqs, q.Name), Attributes: attrs})
		}
		if err != nil {
			return where(q.Key, q.Name, err)
		}
	}
	for _, q := range f.Queues {
		if rp, ok := q.Attributes["RedrivePolicy"]; ok && !queueHas(ctx, sqs, q.Name, map[string]string{"RedrivePolicy": rp}) {
			_, err := sqs.SetQueueAttributes(ctx, &awsapi.SetQueueAttributesInput{QueueUrl: queueURL(sqs, q.Name), Attributes: map[string]string{"RedrivePolicy": rp}})
			if err != nil {
				return where(q.Key+".Attributes.RedrivePolicy", q.Name, err)
			}
		}
	}
	// Connections and API destinations first: targets name them.
	for _, c := range f.Connections {
		in := connectionInput(c)
		var err error
		if _, derr := conns.DescribeConnection(ctx, &awsapi.ConnectionRef{Name: &c.Name}); derr != nil {
			_, err = conns.CreateConnection(ctx, in)
		} else {
			u := awsapi.UpdateConnectionInput(*in)
			_, err = conns.UpdateConnection(ctx, &u)
		}
		if err != nil {
			return where(c.Key, c.Name, err)
		}
	}
	for _, d := range f.ApiDestinations {
		connArn := d.ConnectionArn
		if d.Connection != "" {
			out, err := conns.DescribeConnection(ctx, &awsapi.ConnectionRef{Name: &d.Connection})
			if err != nil {
				return where(d.Key+".Connection", d.Name, err)
			}
			connArn = out.ConnectionArn
		}
		in := &awsapi.CreateApiDestinationInput{
			Name:               &d.Name,
			Description:        optional(d.Description),
			ConnectionArn:      &connArn,
			InvocationEndpoint: &d.InvocationEndpoint,
			HttpMethod:         &d.HttpMethod,
		}
		if d.InvocationRateLimitPerSecond != 0 {
			in.InvocationRateLimitPerSecond = &d.InvocationRateLimitPerSecond
		}
		var err error
		if cur, derr := conns.DescribeApiDestination(ctx, &awsapi.ApiDestinationRef{Name: &d.Name}); derr != nil {
			_, err = conns.CreateApiDestination(ctx, in)
		} else if !destinationIs(cur, in) {
			u := awsapi.UpdateApiDestinationInput(*in)
			_, err = conns.UpdateApiDestination(ctx, &u)
		}
		if err != nil {
			return where(d.Key, d.Name, err)
		}
	}
	for _, b := range f.EventBuses {
		if eb.Store.Bus(b.Name) == nil {
			_, err := eb.CreateEventBus(ctx, &awsapi.CreateEventBusInput{Name: &b.Name, Description: optional(b.Description), Tags: b.Tags})
			if err != nil {
				return where(b.Key, b.Name, err)
			}
			continue
		}
		// Updated only when it differs, so that applying the file again
		// leaves LastModifiedTime alone.
		if cur := eb.Store.Bus(b.Name); b.Description != "" && cur.Description != b.Description {
			if _, err := eb.UpdateEventBus(ctx, &awsapi.UpdateEventBusInput{Name: &b.Name, Description: optional(b.Description)}); err != nil {
				return where(b.Key, b.Name, err)
			}
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
				return where(r.Key+".Targets", r.Name, withKeptTargets(ctx, eb, r, err))
			}
		}
	}
	return nil
}

// queueHas reports whether queue name has every attribute of want already,
// so that applying the file again does not touch it (SetQueueAttributes
// moves LastModifiedTimestamp even when nothing changes).
func queueHas(ctx context.Context, sqs *awsapi.SQS, name string, want map[string]string) bool {
	names := make([]string, 0, len(want))
	for k := range want {
		names = append(names, k)
	}
	out, err := sqs.GetQueueAttributes(ctx, &awsapi.GetQueueAttributesInput{QueueUrl: queueURL(sqs, name), AttributeNames: names})
	if err != nil {
		return false
	}
	for k, v := range want {
		if out.Attributes[k] != v {
			return false
		}
	}
	return true
}

// destinationIs reports whether the API destination cur already is what
// in declares.
func destinationIs(cur *awsapi.ApiDestination, in *awsapi.CreateApiDestinationInput) bool {
	return ptrOr(cur.Description) == ptrOr(in.Description) && cur.ConnectionArn == *in.ConnectionArn &&
		cur.InvocationEndpoint == *in.InvocationEndpoint && cur.HttpMethod == *in.HttpMethod &&
		(in.InvocationRateLimitPerSecond == nil || cur.InvocationRateLimitPerSecond == *in.InvocationRateLimitPerSecond)
}

func ptrOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// withKeptTargets explains a rule's target limit refused while applying
// the file: targets the file no longer lists are kept (the file leaves
// alone what it does not mention), and they count.
func withKeptTargets(ctx context.Context, eb *awsapi.EventBridge, r config.Rule, err error) error {
	var te *tb.Error
	if !errors.As(err, &te) || te.Code != tb.CodeLimitExceeded {
		return err
	}
	out, lerr := eb.ListTargetsByRule(ctx, &awsapi.ListTargetsByRuleInput{Rule: &r.Name, EventBusName: &r.EventBusName})
	if lerr != nil {
		return err
	}
	var kept []string
	for _, t := range out.Targets {
		if !slices.ContainsFunc(r.Targets, func(d tb.Target) bool { return d.Id == t.Id }) {
			kept = append(kept, t.Id)
		}
	}
	if len(kept) == 0 {
		return err
	}
	return fmt.Errorf("%w (the rule keeps targets the file does not list: %s; remove them with RemoveTargets, such as aws events remove-targets --rule %s --event-bus-name %s --ids %s)",
		err, strings.Join(kept, ", "), r.Name, r.EventBusName, strings.Join(kept, " "))
}

// connectionInput is the CreateConnection request a connection of the file
// stands for.
func connectionInput(c config.Connection) *awsapi.CreateConnectionInput {
	in := &awsapi.CreateConnectionInput{
		Name:              &c.Name,
		Description:       optional(c.Description),
		AuthorizationType: &c.AuthorizationType,
		AuthParameters:    &awsapi.ConnectionAuthParameters{InvocationHttpParameters: httpParams(c.AuthParameters.InvocationHttpParameters)},
	}
	ap := c.AuthParameters
	if b := ap.BasicAuthParameters; b != nil {
		in.AuthParameters.BasicAuthParameters = &awsapi.BasicAuthParameters{Username: &b.Username, Password: &b.Password}
	}
	if k := ap.ApiKeyAuthParameters; k != nil {
		in.AuthParameters.ApiKeyAuthParameters = &awsapi.ApiKeyAuthParameters{ApiKeyName: &k.ApiKeyName, ApiKeyValue: &k.ApiKeyValue}
	}
	if o := ap.OAuthParameters; o != nil {
		op := &awsapi.OAuthParameters{
			AuthorizationEndpoint: &o.AuthorizationEndpoint,
			HttpMethod:            &o.HttpMethod,
			OAuthHttpParameters:   httpParams(o.OAuthHttpParameters),
		}
		if cp := o.ClientParameters; cp != nil {
			op.ClientParameters = &awsapi.OAuthClientParameters{ClientID: &cp.ClientID, ClientSecret: &cp.ClientSecret}
		}
		in.AuthParameters.OAuthParameters = op
	}
	return in
}

func httpParams(p *config.ConnectionHttpParameters) *awsapi.ConnectionHttpParameters {
	if p == nil {
		return nil
	}
	conv := func(ps []config.ConnectionParameter) []awsapi.ConnectionParameter {
		var out []awsapi.ConnectionParameter
		for _, x := range ps {
			out = append(out, awsapi.ConnectionParameter{Key: &x.Key, Value: &x.Value, IsValueSecret: &x.IsValueSecret})
		}
		return out
	}
	return &awsapi.ConnectionHttpParameters{
		HeaderParameters:      conv(p.HeaderParameters),
		QueryStringParameters: conv(p.QueryStringParameters),
		BodyParameters:        conv(p.BodyParameters),
	}
}

// queueURL names a queue as SQS requests do (the host does not matter).
func queueURL(sqs *awsapi.SQS, name string) *string {
	u := "http://localhost/" + sqs.Place.Account + "/" + name
	return &u
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
