package pattern

import (
	"encoding/json"
)

// Validate reports whether pattern is a valid EventBridge event pattern: nil,
// a *InvalidPatternError with EventBridge's reason, or a *PatternTooLongError.
func Validate(pattern []byte) error {
	_, err := compile(string(pattern))
	return err
}

// InvalidEventError is TestEventPattern's refusal of its event: not a JSON
// object, or without one of the fields every EventBridge event has.
type InvalidEventError struct {
	Reason string // for logs; EventBridge's message does not say
}

func (e *InvalidEventError) Error() string { return "Parameter Event is not valid." }

// testEventFields are the envelope fields TestEventPattern insists on.
var testEventFields = []string{"id", "account", "source", "time", "region", "detail-type"}

// Test reports whether event matches pattern, as EventBridge's
// TestEventPattern does: the event must be a JSON object carrying the
// envelope fields id, account, source, time, region and detail-type
// (*InvalidEventError otherwise), and the pattern must be valid.
func Test(pattern, event []byte) (bool, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(event, &top); err != nil || top == nil {
		return false, &InvalidEventError{Reason: "not a JSON object"}
	}
	for _, k := range testEventFields {
		if _, ok := top[k]; !ok {
			return false, &InvalidEventError{Reason: "missing " + k}
		}
	}
	p, err := compile(string(pattern))
	if err != nil {
		return false, err
	}
	w := writerState{paths: map[string]int32{}}
	w.addPaths(p)
	snap := &snapshot{root: buildTrie(w.paths), npaths: len(w.paths)}
	snap.levels[levelBase].seg = buildSegment([]string{""}, []*compiled{p}, w.pathID, len(w.paths))
	for i := range snap.levels {
		if snap.levels[i].seg == nil {
			snap.levels[i].seg = &segment{}
		}
	}
	var st matchState
	ids, err := st.match(snap, event)
	if err != nil {
		return false, &InvalidEventError{Reason: err.Error()}
	}
	return len(ids) > 0, nil
}
