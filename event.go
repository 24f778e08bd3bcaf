package trailbridge

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// Event is an event as EventBridge delivers it to targets: the envelope
// around a detail object.
type Event struct {
	ID         string
	DetailType string
	Source     string
	Account    string
	Time       time.Time
	Region     string
	Resources  []string
	Detail     json.RawMessage // a JSON object
	ReplayName string          // set on replayed events only
}

// TimeFormat is how event times are written: second precision, UTC.
const TimeFormat = "2006-01-02T15:04:05Z"

// MarshalJSON writes the envelope compactly with EventBridge's key order:
// version, id, detail-type, source, account, time, region, resources,
// detail (and replay-name after region on replayed events).
func (e *Event) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(nil)
}

// AppendJSON appends the envelope's JSON to b.
func (e *Event) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"version":"0","id":`...)
	b = AppendJSONString(b, e.ID)
	b = append(b, `,"detail-type":`...)
	b = AppendJSONString(b, e.DetailType)
	b = append(b, `,"source":`...)
	b = AppendJSONString(b, e.Source)
	b = append(b, `,"account":`...)
	b = AppendJSONString(b, e.Account)
	b = append(b, `,"time":`...)
	b = AppendJSONString(b, e.Time.UTC().Format(TimeFormat))
	b = append(b, `,"region":`...)
	b = AppendJSONString(b, e.Region)
	if e.ReplayName != "" {
		b = append(b, `,"replay-name":`...)
		b = AppendJSONString(b, e.ReplayName)
	}
	b = append(b, `,"resources":[`...)
	for i, r := range e.Resources {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, r)
	}
	b = append(b, `],"detail":`...)
	if len(e.Detail) == 0 {
		b = append(b, "{}"...)
	} else {
		b = append(b, e.Detail...)
	}
	return append(b, '}'), nil
}

// AppendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it but without HTML escaping: quotes, backslashes and control
// characters, U+2028 and U+2029, and invalid UTF-8 as U+FFFD.
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// UnmarshalJSON reads an envelope written by MarshalJSON (or by AWS).
func (e *Event) UnmarshalJSON(data []byte) error {
	var w struct {
		ID         string          `json:"id"`
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Account    string          `json:"account"`
		Time       string          `json:"time"`
		Region     string          `json:"region"`
		Resources  []string        `json:"resources"`
		Detail     json.RawMessage `json:"detail"`
		ReplayName string          `json:"replay-name"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339, w.Time)
	if err != nil {
		return err
	}
	*e = Event{ID: w.ID, DetailType: w.DetailType, Source: w.Source, Account: w.Account, Time: t,
		Region: w.Region, Resources: w.Resources, Detail: w.Detail, ReplayName: w.ReplayName}
	return nil
}

// Accepted is an event accepted onto a bus, waiting to be routed.
type Accepted struct {
	Bus      string    // the bus's name
	Event    []byte    // the envelope's JSON, as AppendJSON writes it
	Ingested time.Time // when PutEvents (or a source) accepted it
	// Rule, when set, sends the event to that rule's targets only, without
	// matching: a schedule rule's own Scheduled Event.
	Rule string
	// Trace is the PutEvents entry's TraceHeader (X-Ray), which targets
	// pass on (X-Amzn-Trace-Id); empty when none was given.
	Trace string
	// From is the bus a rule's bus target sent the event from; empty for
	// an event put on its bus directly. EventBridge routes an event that
	// came from another bus to targets of every other kind, never on to a
	// bus again.
	From string
}

// Delivery is one accepted event owed to one target of one rule.
type Delivery struct {
	Bus      string
	Rule     string
	Target   string // the target's Id
	Event    []byte // the envelope's JSON
	Ingested time.Time
	Trace    string // the event's TraceHeader, if any (see Accepted)
	From     string // the bus the event came from, if any (see Accepted)
}
