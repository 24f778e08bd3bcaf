package transform

import (
	"fmt"
	"time"
)

// Spec is a target's input settings, with EventBridge's field names. At
// most one of Input, InputPath and an InputTransformer may be set; with
// none, the target receives the whole event.
type Spec struct {
	Input     *string // constant JSON text, delivered as written
	InputPath *string // JSONPath selecting the part of the event to deliver
	// InputPathsMap and InputTemplate form an InputTransformer, which is set
	// when InputTemplate is non-nil. InputPathsMap may be empty.
	InputPathsMap map[string]string
	InputTemplate *string
}

// Context carries the values of the predefined template variables.
type Context struct {
	RuleArn       string    // aws.events.rule-arn
	RuleName      string    // aws.events.rule-name
	IngestionTime time.Time // aws.events.event.ingestion-time
}

type mode uint8

const (
	modeEvent mode = iota // no settings: the whole event
	modeInput
	modeInputPath
	modeTemplate
)

// Transformer shapes events for one target. It is immutable once compiled
// and safe for concurrent use.
type Transformer struct {
	mode  mode
	input []byte
	path  *path // InputPath, nil when outside the supported subset
	tmpl  template
	vars  []variable
	q     query
	// top is set when the template uses aws.events.event, which needs the
	// event's top-level members.
	top bool
}

// Compile checks a Spec as EventBridge's PutTargets does and prepares it:
// paths and the template are parsed once, here. Errors are a
// *ConstraintError (limits of the API model, reported first), a
// *MultipleInputsError, an *InvalidInputError or an
// *InvalidPlaceholderError; all but the first implement TargetError, which
// formats AWS's message once the caller supplies the target's Id.
//
// Like EventBridge, Compile does not validate JSONPaths ("there is no
// validation when creating JSON path for your template", says its guide):
// a path outside the supported subset is accepted and selects nothing.
func Compile(s Spec) (*Transformer, error) {
	if err := checkConstraints(s); err != nil {
		return nil, err
	}
	n := 0
	for _, set := range []bool{s.Input != nil, s.InputPath != nil, s.InputTemplate != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return nil, &MultipleInputsError{}
	}
	t := &Transformer{}
	switch {
	case s.Input != nil:
		in := []byte(*s.Input)
		sc := scanner{buf: in}
		sc.ws()
		err := sc.value(0)
		if err == nil {
			err = sc.end()
		}
		if err != nil {
			return nil, &InvalidInputError{Err: err, Input: *s.Input, At: jacksonStop(*s.Input, sc.pos)}
		}
		t.mode, t.input = modeInput, in
	case s.InputPath != nil:
		t.mode = modeInputPath
		if p, err := parsePath(*s.InputPath); err == nil {
			t.path = p
			t.q.add(p, 0)
		}
	case s.InputTemplate != nil:
		t.mode = modeTemplate
		if err := t.compileTemplate(*s.InputTemplate, s.InputPathsMap); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// compileTemplate parses the template and the paths of the variables it
// uses; unused InputPathsMap entries cost nothing at Apply time.
func (t *Transformer) compileTemplate(text string, paths map[string]string) error {
	index := map[string]int{}
	resolve := func(name string) (int, error) {
		if v, ok := index[name]; ok {
			return v, nil
		}
		v := variable{name: name}
		if src, ok := paths[name]; ok {
			if p, err := parsePath(src); err == nil {
				v.path = p
				t.q.add(p, len(t.vars))
			}
		} else if v.pre = predefinedNamed(name); v.pre == notPredefined {
			return 0, &InvalidPlaceholderError{Name: name}
		}
		if v.pre == preEvent {
			t.top = true
		}
		index[name] = len(t.vars)
		t.vars = append(t.vars, v)
		return index[name], nil
	}
	tmpl, err := parseTemplate(text, resolve)
	if err != nil {
		return err
	}
	t.tmpl = tmpl
	return nil
}

// Apply shapes one event, the JSON envelope a rule matched, for the
// target. ok=false means EventBridge would deliver nothing and report no
// error: a JSON template that did not render to JSON (for example an object
// placed inside a quoted string), or an InputPath that selects nothing or
// null. err reports an event that is not JSON; with no settings or a
// constant Input, the event is not read at all.
//
// With no settings the payload is event itself, not a copy: AWS delivers
// the envelope compact with its keys in order, which is how trailbridge
// builds envelopes. Otherwise the payload is a new slice.
func (t *Transformer) Apply(event []byte, c Context) (payload []byte, ok bool, err error) {
	switch t.mode {
	case modeEvent:
		return event, true, nil
	case modeInput:
		return append([]byte(nil), t.input...), true, nil
	case modeInputPath:
		res, err := t.q.run(event, false)
		if err != nil {
			return nil, false, fmt.Errorf("transform: reading event: %w", err)
		}
		if t.path == nil {
			return nil, false, nil
		}
		if t.path.wild {
			out, _ := res.value(0, true, nil)
			return out, true, nil
		}
		raw, found := res.last(0)
		if !found || raw[0] == 'n' {
			return nil, false, nil
		}
		return appendCompact(make([]byte, 0, len(raw)), raw), true, nil
	}
	res, err := t.q.run(event, t.top)
	if err != nil {
		return nil, false, fmt.Errorf("transform: reading event: %w", err)
	}
	out, ok := t.tmpl.render(t.values(&res, c))
	return out, ok, nil
}

// values resolves every variable for one event: raw JSON text, or nil
// when the variable has no value. A path that selects nothing or JSON null
// gives no value: EventBridge's guide says such a variable "isn't created",
// and the recorded deliveries show it rendering empty.
func (t *Transformer) values(res *result, c Context) [][]byte {
	vals := make([][]byte, len(t.vars))
	for i, v := range t.vars {
		switch {
		case v.pre != notPredefined:
			vals[i] = v.pre.value(res, c)
		case v.path == nil:
		case v.path.wild:
			vals[i], _ = res.value(i, true, nil)
		default:
			if raw, ok := res.last(i); ok && raw[0] != 'n' {
				vals[i] = raw
			}
		}
	}
	return vals
}
