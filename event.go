package trailbridge

import (
	"bytes"
	"encoding/json"
	"time"
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
	b = appendString(b, e.ID)
	b = append(b, `,"detail-type":`...)
	b = appendString(b, e.DetailType)
	b = append(b, `,"source":`...)
	b = appendString(b, e.Source)
	b = append(b, `,"account":`...)
	b = appendString(b, e.Account)
	b = append(b, `,"time":`...)
	b = appendString(b, e.Time.UTC().Format(TimeFormat))
	b = append(b, `,"region":`...)
	b = appendString(b, e.Region)
	if e.ReplayName != "" {
		b = append(b, `,"replay-name":`...)
		b = appendString(b, e.ReplayName)
	}
	b = append(b, `,"resources":[`...)
	for i, r := range e.Resources {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, r)
	}
	b = append(b, `],"detail":`...)
	if len(e.Detail) == 0 {
		b = append(b, "{}"...)
	} else {
		b = append(b, e.Detail...)
	}
	return append(b, '}'), nil
}

// appendString appends s as a JSON string, escaped as encoding/json does
// but without HTML escaping.
func appendString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...)
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
}

// Delivery is one accepted event owed to one target of one rule.
type Delivery struct {
	Bus      string
	Rule     string
	Target   string // the target's Id
	Event    []byte // the envelope's JSON
	Ingested time.Time
}
