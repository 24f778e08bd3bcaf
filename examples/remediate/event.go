package remediate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxEvent bounds an event (EventBridge's limit is 256 KB).
const maxEvent = 1 << 20

// event is the part of an EventBridge envelope of a CloudTrail record the
// functions read.
type event struct {
	envelope map[string]any
	detail   map[string]any // the CloudTrail record
}

// readEvent reads an "AWS API Call via CloudTrail" envelope, or a bare
// CloudTrail record, from r.
func readEvent(r io.Reader) (*event, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxEvent+1))
	if err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	if len(b) > maxEvent {
		return nil, fmt.Errorf("read event: longer than %d bytes", maxEvent)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var env map[string]any
	if err := d.Decode(&env); err != nil {
		return nil, fmt.Errorf("event is not a JSON object: %w", err)
	}
	e := &event{envelope: env}
	switch det := field(env, "detail").(type) {
	case map[string]any:
		e.detail = det
	case nil:
		if field(env, "eventName") == nil {
			return nil, errors.New("event has no detail (the CloudTrail record)")
		}
		e.detail, e.envelope = env, map[string]any{}
	default:
		return nil, fmt.Errorf("event's detail is a %T, not an object", det)
	}
	if str(field(e.detail, "eventName")) == "" {
		return nil, errors.New("event's detail has no eventName: it is not a CloudTrail record")
	}
	return e, nil
}

func (e *event) name() string { return str(field(e.detail, "eventName")) }

// region is the record's awsRegion, else the envelope's region.
func (e *event) region() string {
	if r := str(field(e.detail, "awsRegion")); r != "" {
		return r
	}
	return str(field(e.envelope, "region"))
}

func (e *event) params() map[string]any   { return obj(field(e.detail, "requestParameters")) }
func (e *event) response() map[string]any { return obj(field(e.detail, "responseElements")) }

// expect returns an error unless the record is of one of the names.
func (e *event) expect(names ...string) error {
	for _, n := range names {
		if e.name() == n {
			return nil
		}
	}
	return fmt.Errorf("the event is a %s call, not %s", e.name(), strings.Join(names, " or "))
}

// field returns m's member named name, in any case style: an exact match
// first, else one that differs only in case (userName, UserName;
// dBSnapshotIdentifier, dbSnapshotIdentifier, DBSnapshotIdentifier).
func field(m map[string]any, names ...string) any {
	for _, n := range names {
		if v, ok := m[n]; ok {
			return v
		}
	}
	for _, n := range names {
		for k, v := range m {
			if strings.EqualFold(k, n) {
				return v
			}
		}
	}
	return nil
}

// path follows members from m.
func path(m map[string]any, names ...string) any {
	var v any = m
	for _, n := range names {
		o := obj(v)
		if o == nil {
			return nil
		}
		v = field(o, n)
	}
	return v
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// str is v as a string: a string, or a number's text.
func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// items is v as a list, whichever way a capture layer shaped it: a JSON
// array; an object wrapping one in items, item or member (EC2's and the
// query protocol's XML-ish shapes); or one object alone.
func items(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case map[string]any:
		if len(v) == 1 {
			if l, ok := field(v, "items", "item", "member").([]any); ok {
				return l
			}
			if o, ok := field(v, "items", "item", "member").(map[string]any); ok {
				return []any{o}
			}
		}
		return []any{v}
	}
	return nil
}
