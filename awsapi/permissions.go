package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"

	tb "github.com/trailbridge/trailbridge"
)

// Condition limits a permission to an organization.
type Condition struct {
	Type  *string
	Key   *string
	Value *string
}

// PutPermissionInput is PutPermission's request: either a whole Policy, or
// one statement (Action, Principal, StatementId, Condition).
type PutPermissionInput struct {
	EventBusName *string
	Action       *string
	Principal    *string
	StatementId  *string
	Condition    *Condition
	Policy       *string
}

// RemovePermissionInput is RemovePermission's request.
type RemovePermissionInput struct {
	StatementId          *string
	RemoveAllPermissions *bool
	EventBusName         *string
}

// MaxPolicyLength is the limit on a bus's resource policy, in characters.
const MaxPolicyLength = 10240

// policy is a bus's resource policy. Statements are kept as written, so
// that a policy given whole survives edits of other statements.
type policy struct {
	Version   string
	Id        string `json:",omitempty"`
	Statement []json.RawMessage
}

// UnmarshalJSON reads a policy document whose Statement is one statement
// or a list of them, as IAM allows; a document without one is refused.
func (p *policy) UnmarshalJSON(b []byte) error {
	var raw struct {
		Version   string
		Id        string
		Statement json.RawMessage
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	p.Version, p.Id, p.Statement = raw.Version, raw.Id, nil
	s := bytes.TrimSpace(raw.Statement)
	switch {
	case len(s) > 0 && s[0] == '{':
		p.Statement = []json.RawMessage{s}
	case len(s) > 0 && s[0] == '[':
		if err := json.Unmarshal(s, &p.Statement); err != nil {
			return err
		}
		for _, st := range p.Statement {
			if t := bytes.TrimSpace(st); len(t) == 0 || t[0] != '{' {
				return errors.New("a statement is not an object")
			}
		}
	default:
		return errors.New("no Statement")
	}
	return nil
}

type statement struct {
	Sid       string
	Effect    string
	Principal any
	Action    string
	Resource  string
	Condition map[string]map[string]string `json:",omitempty"`
}

func statementID(raw json.RawMessage) string {
	var s struct{ Sid string }
	json.Unmarshal(raw, &s)
	return s.Sid
}

// PutPermission grants other accounts (or everyone) the right to put
// events on a bus, by adding a statement to its policy or replacing the
// policy. The policy is stored and shown; trailbridge serves one account,
// so it does not enforce it.
func (eb *EventBridge) PutPermission(ctx context.Context, in *PutPermissionInput) (*struct{}, error) {
	var v violations
	v.str(in.EventBusName, "eventBusName", false, 1, 64, reNonPartnerBus)
	v.str(in.Action, "action", false, 1, 64, reAction)
	v.str(in.Principal, "principal", false, 1, 12, rePrincipal)
	v.str(in.StatementId, "statementId", false, 1, 64, reStatementID)
	if c := in.Condition; c != nil {
		v.str(c.Type, "condition.type", true, 0, 255, nil)
		v.str(c.Key, "condition.key", true, 0, 255, nil)
		v.str(c.Value, "condition.value", true, 0, 255, nil)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	// Only organization conditions exist (API reference, Condition).
	if c := in.Condition; c != nil && *c.Type != "StringEquals" {
		return nil, tb.Errorf(tb.CodeValidation, "Provided value in parameter 'condition.type' is not supported: the only supported type is StringEquals.")
	}
	if c := in.Condition; c != nil && *c.Key != "aws:PrincipalOrgID" {
		return nil, tb.Errorf(tb.CodeValidation, "Provided value in parameter 'condition.key' is not supported: the only supported key is aws:PrincipalOrgID.")
	}
	bus := eb.busName(in.EventBusName)
	var whole []byte
	var stmt json.RawMessage
	if in.Policy != nil {
		var p policy
		if err := json.Unmarshal([]byte(*in.Policy), &p); err != nil {
			return nil, tb.Errorf(tb.CodeValidation, "Parameter Policy is not valid. Reason: the policy is not a valid JSON policy document.")
		}
		var b bytes.Buffer
		json.Compact(&b, []byte(*in.Policy))
		whole = b.Bytes()
	} else {
		if in.Action == nil || in.Principal == nil || in.StatementId == nil {
			return nil, tb.Errorf(tb.CodeValidation, "Parameter(s) Action, Principal and StatementId must be specified unless Policy is.")
		}
		if *in.Action != "events:PutEvents" {
			return nil, tb.Errorf(tb.CodeValidation, "Provided value in parameter 'action' is not supported.")
		}
		s := statement{
			Sid:       *in.StatementId,
			Effect:    "Allow",
			Principal: map[string]string{"AWS": "arn:aws:iam::" + *in.Principal + ":root"},
			Action:    *in.Action,
			Resource:  eb.Place.BusARN(bus),
		}
		if *in.Principal == "*" {
			s.Principal = "*"
		}
		if c := in.Condition; c != nil {
			s.Condition = map[string]map[string]string{*c.Type: {*c.Key: *c.Value}}
		}
		stmt, _ = json.Marshal(s)
	}
	_, err := eb.Store.UpdateBus(ctx, bus, func(cur *tb.Bus) (*tb.Bus, error) {
		if cur == nil {
			return nil, errNoBus(bus)
		}
		if whole != nil {
			cur.Policy = string(whole)
		} else {
			p := policy{Version: "2012-10-17"}
			if cur.Policy != "" {
				json.Unmarshal([]byte(cur.Policy), &p)
			}
			sid := *in.StatementId
			if i := slices.IndexFunc(p.Statement, func(r json.RawMessage) bool { return statementID(r) == sid }); i >= 0 {
				p.Statement[i] = stmt
			} else {
				p.Statement = append(p.Statement, stmt)
			}
			b, _ := json.Marshal(p)
			cur.Policy = string(b)
		}
		if len(cur.Policy) > MaxPolicyLength {
			return nil, tb.Errorf(tb.CodePolicyLengthExceeded, "The event bus policy is over %d characters.", MaxPolicyLength)
		}
		cur.LastModifiedTime = eb.now()
		return cur, nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// RemovePermission removes one statement from a bus's policy, or the whole
// policy.
func (eb *EventBridge) RemovePermission(ctx context.Context, in *RemovePermissionInput) (*struct{}, error) {
	var v violations
	v.str(in.StatementId, "statementId", false, 1, 64, reStatementID)
	v.str(in.EventBusName, "eventBusName", false, 1, 64, reNonPartnerBus)
	if err := v.err(); err != nil {
		return nil, err
	}
	all := in.RemoveAllPermissions != nil && *in.RemoveAllPermissions
	if !all && in.StatementId == nil {
		return nil, tb.Errorf(tb.CodeValidation, "Parameter StatementId must be specified unless RemoveAllPermissions is true.")
	}
	bus := eb.busName(in.EventBusName)
	_, err := eb.Store.UpdateBus(ctx, bus, func(cur *tb.Bus) (*tb.Bus, error) {
		if cur == nil {
			return nil, errNoBus(bus)
		}
		if all {
			cur.Policy = ""
		} else {
			var p policy
			if cur.Policy != "" {
				json.Unmarshal([]byte(cur.Policy), &p)
			}
			i := slices.IndexFunc(p.Statement, func(r json.RawMessage) bool { return statementID(r) == *in.StatementId })
			if i < 0 {
				return nil, tb.Errorf(tb.CodeResourceNotFound, "Statement with the provided id does not exist.")
			}
			p.Statement = slices.Delete(p.Statement, i, i+1)
			if len(p.Statement) == 0 {
				cur.Policy = ""
			} else {
				b, _ := json.Marshal(p)
				cur.Policy = string(b)
			}
		}
		cur.LastModifiedTime = eb.now()
		return cur, nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}
