package awsapi

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/pattern"
	"github.com/trailbridge/trailbridge/schedule"
)

// PutRuleInput is PutRule's request.
type PutRuleInput struct {
	Name               *string
	ScheduleExpression *string
	EventPattern       *string
	State              *string
	Description        *string
	RoleArn            *string
	Tags               []tb.Tag
	EventBusName       *string
}

// PutRuleOutput is PutRule's answer.
type PutRuleOutput struct {
	RuleArn string
}

var ruleStates = []string{tb.StateEnabled, tb.StateDisabled, tb.StateEnabledWithCloudTrailReadOnly}

// checkPattern validates an event pattern as PutRule and TestEventPattern do.
func checkPattern(p string) error {
	if err := pattern.Validate([]byte(p)); err != nil {
		var ipe *pattern.InvalidPatternError
		if errors.As(err, &ipe) {
			return tb.Errorf(tb.CodeInvalidEventPattern, "%s", err.Error())
		}
		return tb.Errorf(tb.CodeInvalidEventPattern, "Event pattern is not valid. Reason: %s", err.Error())
	}
	return nil
}

// PutRule creates a rule or replaces it: members left out are reset, but
// the rule keeps its targets and tags.
func (eb *EventBridge) PutRule(ctx context.Context, in *PutRuleInput) (*PutRuleOutput, error) {
	var v violations
	v.str(in.Name, "name", true, 1, 64, reRuleName)
	v.str(in.ScheduleExpression, "scheduleExpression", false, 0, 256, nil)
	v.str(in.EventPattern, "eventPattern", false, 0, pattern.MaxPatternLength, nil)
	v.enum(in.State, "state", ruleStates...)
	v.str(in.Description, "description", false, 0, 512, nil)
	v.str(in.RoleArn, "roleArn", false, 1, 1600, nil)
	v.str(in.EventBusName, "eventBusName", false, 1, 1600, reBusNameOrArn)
	checkTags(&v, in.Tags, "tags")
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := tagRules(in.Tags); err != nil {
		return nil, err
	}
	sched, pat := deref(in.ScheduleExpression), deref(in.EventPattern)
	if sched == "" && pat == "" {
		return nil, tb.Errorf(tb.CodeValidation, "Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	bus := eb.busName(in.EventBusName)
	if eb.Store.Bus(bus) == nil {
		return nil, errNoBus(bus)
	}
	if sched != "" {
		if bus != tb.DefaultBus {
			return nil, tb.Errorf(tb.CodeValidation, "ScheduleExpression is supported only on the default event bus.")
		}
		if _, err := schedule.Parse(sched); err != nil {
			return nil, err
		}
	}
	if pat != "" {
		if err := checkPattern(pat); err != nil {
			return nil, err
		}
	}
	state := tb.StateEnabled
	if in.State != nil {
		state = *in.State
	}
	name := *in.Name
	now := eb.now()
	_, err := eb.Store.UpdateRule(ctx, bus, name, func(cur *tb.Rule) (*tb.Rule, error) {
		r := &tb.Rule{
			Name:               name,
			EventBusName:       bus,
			EventPattern:       pat,
			ScheduleExpression: sched,
			State:              state,
			Description:        deref(in.Description),
			RoleArn:            deref(in.RoleArn),
			CreatedBy:          eb.Place.Account,
			Tags:               in.Tags,
			CreationTime:       now,
		}
		if cur != nil {
			r.Targets, r.Tags, r.ManagedBy = cur.Targets, cur.Tags, cur.ManagedBy
			// A schedule keeps its rhythm unless the schedule changes.
			if cur.ScheduleExpression == sched {
				r.CreationTime = cur.CreationTime
			}
		}
		return r, nil
	})
	if err != nil {
		return nil, err
	}
	return &PutRuleOutput{RuleArn: eb.Place.RuleARN(bus, name)}, nil
}

// RuleRef names a rule, as DescribeRule, EnableRule and DisableRule take it.
type RuleRef struct {
	Name         *string
	EventBusName *string
}

func (r *RuleRef) check() error {
	var v violations
	v.str(r.Name, "name", true, 1, 64, reRuleName)
	v.str(r.EventBusName, "eventBusName", false, 1, 1600, reBusNameOrArn)
	return v.err()
}

// DescribeRuleOutput is DescribeRule's answer.
type DescribeRuleOutput struct {
	Name               string
	Arn                string
	EventPattern       *string `json:",omitempty"`
	ScheduleExpression *string `json:",omitempty"`
	State              string
	Description        *string `json:",omitempty"`
	RoleArn            *string `json:",omitempty"`
	ManagedBy          *string `json:",omitempty"`
	EventBusName       string
	CreatedBy          string
}

// lookupRule finds a rule, failing as AWS does when the bus or the rule is
// missing.
func (eb *EventBridge) lookupRule(ref *RuleRef) (*tb.Rule, error) {
	bus := eb.busName(ref.EventBusName)
	if eb.Store.Bus(bus) == nil {
		return nil, errNoBus(bus)
	}
	r := eb.Store.Rule(bus, *ref.Name)
	if r == nil {
		return nil, errNoRule(*ref.Name, bus)
	}
	return r, nil
}

// DescribeRule describes a rule.
func (eb *EventBridge) DescribeRule(_ context.Context, in *RuleRef) (*DescribeRuleOutput, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	r, err := eb.lookupRule(in)
	if err != nil {
		return nil, err
	}
	return &DescribeRuleOutput{
		Name:               r.Name,
		Arn:                eb.Place.RuleARN(r.EventBusName, r.Name),
		EventPattern:       emptyNil(r.EventPattern),
		ScheduleExpression: emptyNil(r.ScheduleExpression),
		State:              r.State,
		Description:        emptyNil(r.Description),
		RoleArn:            emptyNil(r.RoleArn),
		ManagedBy:          emptyNil(r.ManagedBy),
		EventBusName:       r.EventBusName,
		CreatedBy:          r.CreatedBy,
	}, nil
}

// EnableRule enables a rule. A rule that also receives read-only CloudTrail
// events keeps doing so.
func (eb *EventBridge) EnableRule(ctx context.Context, in *RuleRef) (*struct{}, error) {
	return eb.setState(ctx, in, tb.StateEnabled)
}

// DisableRule disables a rule: it matches nothing until enabled again.
func (eb *EventBridge) DisableRule(ctx context.Context, in *RuleRef) (*struct{}, error) {
	return eb.setState(ctx, in, tb.StateDisabled)
}

func (eb *EventBridge) setState(ctx context.Context, in *RuleRef, state string) (*struct{}, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	bus := eb.busName(in.EventBusName)
	if eb.Store.Bus(bus) == nil {
		return nil, errNoBus(bus)
	}
	_, err := eb.Store.UpdateRule(ctx, bus, *in.Name, func(cur *tb.Rule) (*tb.Rule, error) {
		if cur == nil {
			return nil, errNoRule(*in.Name, bus)
		}
		if state == tb.StateEnabled && cur.State == tb.StateEnabledWithCloudTrailReadOnly {
			return cur, nil
		}
		cur.State = state
		return cur, nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListRulesInput is ListRules's request.
type ListRulesInput struct {
	NamePrefix   *string
	EventBusName *string
	NextToken    *string
	Limit        *int
}

// RuleItem is one rule in ListRules's answer (which, unlike DescribeRule,
// does not say who created it).
type RuleItem struct {
	Name               string
	Arn                string
	EventPattern       *string `json:",omitempty"`
	State              string
	Description        *string `json:",omitempty"`
	ScheduleExpression *string `json:",omitempty"`
	RoleArn            *string `json:",omitempty"`
	ManagedBy          *string `json:",omitempty"`
	EventBusName       string
}

// ListRulesOutput is ListRules's answer.
type ListRulesOutput struct {
	Rules     []RuleItem
	NextToken *string `json:",omitempty"`
}

// ListRules lists a bus's rules by name.
func (eb *EventBridge) ListRules(_ context.Context, in *ListRulesInput) (*ListRulesOutput, error) {
	var v violations
	v.str(in.NamePrefix, "namePrefix", false, 1, 64, reRuleName)
	v.str(in.EventBusName, "eventBusName", false, 1, 1600, reBusNameOrArn)
	v.str(in.NextToken, "nextToken", false, 1, 2048, nil)
	checkLimit(&v, in.Limit)
	if err := v.err(); err != nil {
		return nil, err
	}
	bus := eb.busName(in.EventBusName)
	if eb.Store.Bus(bus) == nil {
		return nil, errNoBus(bus)
	}
	var rules []*tb.Rule
	for _, r := range eb.Store.Rules(bus) {
		if in.NamePrefix == nil || strings.HasPrefix(r.Name, *in.NamePrefix) {
			rules = append(rules, r)
		}
	}
	sel, next, err := page("rules/"+bus, rules, func(r *tb.Rule) string { return r.Name }, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &ListRulesOutput{Rules: []RuleItem{}, NextToken: next}
	for _, r := range sel {
		out.Rules = append(out.Rules, RuleItem{
			Name:               r.Name,
			Arn:                eb.Place.RuleARN(bus, r.Name),
			EventPattern:       emptyNil(r.EventPattern),
			State:              r.State,
			Description:        emptyNil(r.Description),
			ScheduleExpression: emptyNil(r.ScheduleExpression),
			RoleArn:            emptyNil(r.RoleArn),
			ManagedBy:          emptyNil(r.ManagedBy),
			EventBusName:       bus,
		})
	}
	return out, nil
}

// DeleteRuleInput is DeleteRule's request.
type DeleteRuleInput struct {
	Name         *string
	EventBusName *string
	Force        *bool
}

// DeleteRule deletes a rule that has no targets. Deleting a rule that does
// not exist succeeds, as on AWS.
func (eb *EventBridge) DeleteRule(ctx context.Context, in *DeleteRuleInput) (*struct{}, error) {
	ref := RuleRef{Name: in.Name, EventBusName: in.EventBusName}
	if err := ref.check(); err != nil {
		return nil, err
	}
	bus := eb.busName(in.EventBusName)
	if eb.Store.Bus(bus) == nil {
		return nil, errNoBus(bus)
	}
	_, err := eb.Store.UpdateRule(ctx, bus, *in.Name, func(cur *tb.Rule) (*tb.Rule, error) {
		if cur != nil && len(cur.Targets) > 0 {
			return nil, tb.Errorf(tb.CodeValidation, "Rule can't be deleted since it has targets.")
		}
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListRuleNamesByTargetInput is ListRuleNamesByTarget's request.
type ListRuleNamesByTargetInput struct {
	TargetArn    *string
	EventBusName *string
	NextToken    *string
	Limit        *int
}

// ListRuleNamesByTargetOutput is ListRuleNamesByTarget's answer.
type ListRuleNamesByTargetOutput struct {
	RuleNames []string
	NextToken *string `json:",omitempty"`
}

// ListRuleNamesByTarget lists the rules of a bus that have a target with
// the given ARN.
func (eb *EventBridge) ListRuleNamesByTarget(_ context.Context, in *ListRuleNamesByTargetInput) (*ListRuleNamesByTargetOutput, error) {
	var v violations
	v.str(in.TargetArn, "targetArn", true, 1, 1600, nil)
	v.str(in.EventBusName, "eventBusName", false, 1, 1600, reBusNameOrArn)
	v.str(in.NextToken, "nextToken", false, 1, 2048, nil)
	checkLimit(&v, in.Limit)
	if err := v.err(); err != nil {
		return nil, err
	}
	bus := eb.busName(in.EventBusName)
	if eb.Store.Bus(bus) == nil {
		return nil, errNoBus(bus)
	}
	var names []string
	for _, r := range eb.Store.Rules(bus) {
		for _, t := range r.Targets {
			if t.Arn == *in.TargetArn {
				names = append(names, r.Name)
				break
			}
		}
	}
	sel, next, err := page("rule-names/"+bus+"/"+*in.TargetArn, names, func(s string) string { return s }, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListRuleNamesByTargetOutput{RuleNames: append([]string{}, sel...), NextToken: next}, nil
}

var _ = utf8.RuneCountInString
