package awsapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/transform"
)

// MaxTargetsPerRule is EventBridge's hard limit.
const MaxTargetsPerRule = 5

// PutTargetsInput is PutTargets's request.
type PutTargetsInput struct {
	Rule         *string
	EventBusName *string
	Targets      []tb.Target

	// absent marks, per target, required members the request left out
	// (the domain's Target holds them as plain strings), so that they are
	// reported as null rather than as empty; set by putTargetsOp.
	absent []absentMembers
}

// absentMembers are the required members of a target a request left out,
// and the order of the keys of its maps in the request (which AWS's
// messages show in the order of a Java HashMap built from them).
type absentMembers struct {
	id, arn, inputTemplate              bool
	pathsOrder, headerOrder, queryOrder []string
}

// putTargetsOp is op for PutTargets: it also notes which required members
// of each target the body left out.
func putTargetsOp(fn func(context.Context, *PutTargetsInput) (*TargetsOutput, error)) handler {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(PutTargetsInput)
		if err := decode(body, in); err != nil {
			return nil, err
		}
		// decode has checked the body's shape; this reads it again for
		// presence only.
		var seen struct {
			Targets []struct {
				Id, Arn          json.RawMessage
				InputTransformer *struct{ InputTemplate, InputPathsMap json.RawMessage }
				HttpParameters   *struct{ HeaderParameters, QueryStringParameters json.RawMessage }
			}
		}
		if json.Unmarshal(body, &seen) == nil && len(seen.Targets) == len(in.Targets) {
			in.absent = make([]absentMembers, len(in.Targets))
			for i, t := range seen.Targets {
				a := absentMembers{id: isAbsent(t.Id), arn: isAbsent(t.Arn)}
				if it := t.InputTransformer; it != nil {
					a.inputTemplate = isAbsent(it.InputTemplate)
					a.pathsOrder = objectKeys(it.InputPathsMap)
				}
				if hp := t.HttpParameters; hp != nil {
					a.headerOrder = objectKeys(hp.HeaderParameters)
					a.queryOrder = objectKeys(hp.QueryStringParameters)
				}
				in.absent[i] = a
			}
		}
		return fn(ctx, in)
	}
}

// isAbsent reports a member left out or given as null.
func isAbsent(raw json.RawMessage) bool { return raw == nil || string(raw) == "null" }

// FailedEntry is a target PutTargets or RemoveTargets could not handle.
type FailedEntry struct {
	TargetId     string
	ErrorCode    string
	ErrorMessage string
}

// TargetsOutput is PutTargets's and RemoveTargets's answer.
type TargetsOutput struct {
	FailedEntryCount int
	FailedEntries    []FailedEntry
}

func checkTarget(v *violations, t *tb.Target, i int, absent absentMembers, kinds *kindParams) {
	p := fmt.Sprintf("targets.%d.member.", i+1)
	v.str(presentOrNil(&t.Id, absent.id), p+"id", true, 1, 64, reTargetID)
	v.str(presentOrNil(&t.Arn, absent.arn), p+"arn", true, 1, 1600, nil)
	if t.RoleArn != "" {
		v.str(&t.RoleArn, p+"roleArn", false, 1, 1600, nil)
	}
	v.str(t.Input, p+"input", false, 0, 8192, nil)
	v.str(t.InputPath, p+"inputPath", false, 0, 256, nil)
	if it := t.InputTransformer; it != nil {
		v.strMap(it.InputPathsMap, absent.pathsOrder, p+"inputTransformer.inputPathsMap", 100, pathsMapKeyShape, pathsMapValShape)
		v.str(presentOrNil(&it.InputTemplate, absent.inputTemplate), p+"inputTransformer.inputTemplate", true, 1, 8192, nil)
	}
	if len(t.KinesisParameters) > 0 {
		var kp kinesisParameters
		if json.Unmarshal(t.KinesisParameters, &kp) == nil {
			v.str(kp.PartitionKeyPath, p+"kinesisParameters.partitionKeyPath", true, 0, 256, nil)
		}
	}
	if rp := t.RetryPolicy; rp != nil {
		v.intRange(rp.MaximumRetryAttempts, p+"retryPolicy.maximumRetryAttempts", 0, 185)
		v.intRange(rp.MaximumEventAgeInSeconds, p+"retryPolicy.maximumEventAgeInSeconds", 60, 86400)
	}
	if d := t.DeadLetterConfig; d != nil {
		v.str(&d.Arn, p+"deadLetterConfig.arn", false, 1, 1600, nil)
	}
	if sp := t.SqsParameters; sp != nil {
		v.str(&sp.MessageGroupId, p+"sqsParameters.messageGroupId", false, 0, 100, nil)
	}
	if hp := t.HttpParameters; hp != nil {
		v.strList(hp.PathParameterValues, p+"httpParameters.pathParameterValues", 0, 0, pathParamShape)
		v.strMap(hp.HeaderParameters, absent.headerOrder, p+"httpParameters.headerParameters", 0, headerKeyShape, headerValueShape)
		v.strMap(hp.QueryStringParameters, absent.queryOrder, p+"httpParameters.queryStringParameters", 0, queryKeyShape, queryValueShape)
	}
	if kinds != nil {
		kinds.check(v, p)
	}
}

// readTargetParams reads the parameters of target kinds trailbridge stores
// without acting on them, as AWS's decoding would: each is an object (null
// is as if absent), and KinesisParameters's members, which are known, are
// read strictly (its required PartitionKeyPath is checked with the other
// constraints, in checkTarget).
func readTargetParams(t *tb.Target) error {
	for _, p := range []struct {
		name string
		raw  *json.RawMessage
	}{
		{"KinesisParameters", &t.KinesisParameters}, {"EcsParameters", &t.EcsParameters},
		{"BatchParameters", &t.BatchParameters}, {"RunCommandParameters", &t.RunCommandParameters},
		{"RedshiftDataParameters", &t.RedshiftDataParameters},
		{"SageMakerPipelineParameters", &t.SageMakerPipelineParameters},
		{"AppSyncParameters", &t.AppSyncParameters},
	} {
		raw := bytes.TrimSpace(*p.raw)
		switch {
		case len(raw) == 0:
			continue
		case string(raw) == "null":
			*p.raw = nil
		case raw[0] != '{':
			return tb.Errorf(tb.CodeSerialization, "Value of Targets.%s must be an object, not %s.", p.name, jsonValueKind(raw[0]))
		}
	}
	if len(t.KinesisParameters) > 0 {
		var kp kinesisParameters
		return decode(t.KinesisParameters, &kp)
	}
	return nil
}

// presentOrNil is s, or nil for a member the request left out.
func presentOrNil(s *string, absent bool) *string {
	if absent {
		return nil
	}
	return s
}

// kinesisParameters are the members of a Kinesis target's parameters.
type kinesisParameters struct{ PartitionKeyPath *string }

// jsonValueKind names the kind of JSON value that starts with c, as
// encoding/json's type errors do.
func jsonValueKind(c byte) string {
	switch c {
	case '"':
		return "string"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

// checkTargetMeaning applies the checks AWS makes after the constraints.
func checkTargetMeaning(t *tb.Target) error {
	if !strings.HasPrefix(t.Arn, "arn:") || strings.Count(t.Arn, ":") < 5 {
		return tb.Errorf(tb.CodeValidation, "Parameter %s is not valid. Reason: Provided Arn is not in correct format.", t.Arn)
	}
	if isFIFOQueueARN(t.Arn) && t.SqsParameters == nil {
		return tb.Errorf(tb.CodeValidation, "Parameter(s) SqsParameters must be specified for target: %s.", t.Id)
	}
	if needsRole(t) {
		return tb.Errorf(tb.CodeValidation, "RoleArn is required for target %s.", t.Arn)
	}
	// The input settings are checked by the code that applies them, so
	// that what PutTargets accepts is what delivery can do.
	spec := transform.Spec{Input: t.Input, InputPath: t.InputPath}
	if it := t.InputTransformer; it != nil {
		spec.InputPathsMap, spec.InputTemplate = it.InputPathsMap, &it.InputTemplate
	}
	if _, err := transform.Compile(spec); err != nil {
		var te transform.TargetError
		if errors.As(err, &te) {
			return tb.Errorf(te.Code(), "%s", te.Message(t.Id))
		}
		return tb.Errorf(tb.CodeValidation, "%v", err)
	}
	return nil
}

// PutTargets adds targets to a rule, or replaces those with the same Id.
func (eb *EventBridge) PutTargets(ctx context.Context, in *PutTargetsInput) (*TargetsOutput, error) {
	var v violations
	v.str(in.Rule, "rule", true, 1, 64, reRuleName)
	v.str(in.EventBusName, "eventBusName", false, 1, 1600, reBusNameOrArn)
	switch {
	case in.Targets == nil:
		v.add("null", "targets", "Member must not be null")
	case len(in.Targets) == 0:
		v.add("'[]'", "targets", "Member must have length greater than or equal to 1")
	case len(in.Targets) > 100:
		v.add("'[...]'", "targets", "Member must have length less than or equal to 100")
	}
	kinds := make([]*kindParams, len(in.Targets))
	for i := range in.Targets {
		if err := readTargetParams(&in.Targets[i]); err != nil {
			return nil, err
		}
		k, err := readKindParams(&in.Targets[i])
		if err != nil {
			return nil, err
		}
		kinds[i] = k
	}
	for i := range in.Targets {
		var absent absentMembers
		if i < len(in.absent) {
			absent = in.absent[i]
		}
		checkTarget(&v, &in.Targets[i], i, absent, kinds[i])
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	for i := range in.Targets {
		if err := checkTargetMeaning(&in.Targets[i]); err != nil {
			return nil, err
		}
	}
	bus := eb.busName(in.EventBusName)
	if eb.Store.Bus(bus) == nil {
		return nil, errNoBus(bus)
	}
	_, err := eb.Store.UpdateRule(ctx, bus, *in.Rule, func(cur *tb.Rule) (*tb.Rule, error) {
		if cur == nil {
			return nil, errNoRule(*in.Rule, bus)
		}
		for _, t := range in.Targets {
			if i := slices.IndexFunc(cur.Targets, func(x tb.Target) bool { return x.Id == t.Id }); i >= 0 {
				cur.Targets[i] = t
			} else {
				cur.Targets = append(cur.Targets, t)
			}
		}
		if len(cur.Targets) > MaxTargetsPerRule {
			return nil, tb.Errorf(tb.CodeLimitExceeded, "The requested resource exceeds the maximum number allowed.")
		}
		return cur, nil
	})
	if err != nil {
		return nil, err
	}
	return &TargetsOutput{FailedEntries: []FailedEntry{}}, nil
}

// RemoveTargetsInput is RemoveTargets's request.
type RemoveTargetsInput struct {
	Rule         *string
	EventBusName *string
	Ids          []string
	Force        *bool
}

// RemoveTargets removes targets from a rule by Id. Ids the rule does not
// have are ignored.
func (eb *EventBridge) RemoveTargets(ctx context.Context, in *RemoveTargetsInput) (*TargetsOutput, error) {
	var v violations
	v.str(in.Rule, "rule", true, 1, 64, reRuleName)
	v.str(in.EventBusName, "eventBusName", false, 1, 1600, reBusNameOrArn)
	switch {
	case in.Ids == nil:
		v.add("null", "ids", "Member must not be null")
	case len(in.Ids) == 0:
		v.add("'[]'", "ids", "Member must have length greater than or equal to 1")
	case len(in.Ids) > 100:
		v.add("'[...]'", "ids", "Member must have length less than or equal to 100")
	}
	for i := range in.Ids {
		v.str(&in.Ids[i], fmt.Sprintf("ids.%d.member", i+1), true, 1, 64, reTargetID)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	bus := eb.busName(in.EventBusName)
	if eb.Store.Bus(bus) == nil {
		return nil, errNoBus(bus)
	}
	_, err := eb.Store.UpdateRule(ctx, bus, *in.Rule, func(cur *tb.Rule) (*tb.Rule, error) {
		if cur == nil {
			return nil, errNoRule(*in.Rule, bus)
		}
		cur.Targets = slices.DeleteFunc(cur.Targets, func(t tb.Target) bool { return slices.Contains(in.Ids, t.Id) })
		return cur, nil
	})
	if err != nil {
		return nil, err
	}
	return &TargetsOutput{FailedEntries: []FailedEntry{}}, nil
}

// ListTargetsByRuleInput is ListTargetsByRule's request.
type ListTargetsByRuleInput struct {
	Rule         *string
	EventBusName *string
	NextToken    *string
	Limit        *int
}

// ListTargetsByRuleOutput is ListTargetsByRule's answer: each target with
// only the members that were set.
type ListTargetsByRuleOutput struct {
	Targets   []tb.Target
	NextToken *string `json:",omitempty"`
}

// ListTargetsByRule lists a rule's targets in the order they were added.
func (eb *EventBridge) ListTargetsByRule(_ context.Context, in *ListTargetsByRuleInput) (*ListTargetsByRuleOutput, error) {
	var v violations
	v.str(in.Rule, "rule", true, 1, 64, reRuleName)
	v.str(in.EventBusName, "eventBusName", false, 1, 1600, reBusNameOrArn)
	v.str(in.NextToken, "nextToken", false, 1, 2048, nil)
	checkLimit(&v, in.Limit)
	if err := v.err(); err != nil {
		return nil, err
	}
	r, err := eb.lookupRule(&RuleRef{Name: in.Rule, EventBusName: in.EventBusName})
	if err != nil {
		return nil, err
	}
	sel, next, err := pageTargets(r, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListTargetsByRuleOutput{Targets: append([]tb.Target{}, sel...), NextToken: next}, nil
}

// pageTargets pages a rule's targets, which keep the order they were
// added in. The token names the last target returned and where it was:
// the next page starts after that target, or, if it is gone, where it
// was, so that a change between pages repeats a target rather than skips
// one.
func pageTargets(r *tb.Rule, token *string, limit *int) ([]tb.Target, *string, error) {
	n := 100
	if limit != nil {
		n = *limit
	}
	prefix := "tb1:targets/" + r.EventBusName + "/" + r.Name + ":"
	start := 0
	if token != nil && *token != "" {
		b, err := base64.RawURLEncoding.DecodeString(*token)
		pos, id, ok := strings.Cut(strings.TrimPrefix(string(b), prefix), ":")
		at, aerr := strconv.Atoi(pos)
		if err != nil || !strings.HasPrefix(string(b), prefix) || !ok || aerr != nil || at < 0 {
			return nil, nil, errBadToken()
		}
		start = min(at, len(r.Targets))
		if i := slices.IndexFunc(r.Targets, func(t tb.Target) bool { return t.Id == id }); i >= 0 {
			start = i + 1
		}
	}
	end := min(start+n, len(r.Targets))
	var next *string
	if end < len(r.Targets) {
		t := base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.Itoa(end-1) + ":" + r.Targets[end-1].Id))
		next = &t
	}
	return r.Targets[start:end], next, nil
}
