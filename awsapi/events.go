package awsapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/pattern"
)

// PutEventsEntry is one event of a PutEvents request.
type PutEventsEntry struct {
	Time         *epoch
	Source       *string
	Resources    []string
	DetailType   *string
	Detail       *string
	EventBusName *string
	TraceHeader  *string
}

// PutEventsInput is PutEvents's request.
type PutEventsInput struct {
	Entries    []PutEventsEntry
	EndpointId *string
}

// PutEventsResultEntry is the outcome of one entry: an EventId, or an error.
type PutEventsResultEntry struct {
	EventId      *string `json:",omitempty"`
	ErrorCode    *string `json:",omitempty"`
	ErrorMessage *string `json:",omitempty"`
}

// PutEventsOutput is PutEvents's answer, one entry per request entry, in
// order.
type PutEventsOutput struct {
	FailedEntryCount int
	Entries          []PutEventsResultEntry
}

// MaxPutEventsSize is the limit on a PutEvents request's entries, counted
// as EventBridge documents (Time as 14 bytes, then the UTF-8 bytes of
// Source, DetailType, Detail and each resource).
const MaxPutEventsSize = 256 * 1024

func entrySize(e *PutEventsEntry) int {
	n := 0
	if e.Time != nil {
		n += 14
	}
	n += len(deref(e.Source)) + len(deref(e.DetailType)) + len(deref(e.Detail))
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// describeEntries renders entries as EventBridge's Java service does in its
// length constraint message.
func describeEntries(es []PutEventsEntry) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, e := range es {
		if i > 0 {
			b.WriteString(", ")
		}
		opt := func(s *string) string {
			if s == nil {
				return "null"
			}
			return *s
		}
		tm := "null"
		if e.Time != nil {
			tm = time.Time(*e.Time).UTC().Format(time.RFC3339)
		}
		res := "null"
		if e.Resources != nil {
			res = "[" + strings.Join(e.Resources, ", ") + "]"
		}
		fmt.Fprintf(&b, "PutEventsRequestEntry(time=%s, source=%s, resources=%s, detailType=%s, detail=%s, eventBusName=%s, traceHeader=%s)",
			tm, opt(e.Source), res, opt(e.DetailType), opt(e.Detail), opt(e.EventBusName), opt(e.TraceHeader))
	}
	b.WriteByte(']')
	return b.String()
}

func entryError(code, msg string) PutEventsResultEntry {
	return PutEventsResultEntry{ErrorCode: &code, ErrorMessage: &msg}
}

// PutEvents accepts up to ten events. It answers once the accepted ones are
// durable; an entry that fails does not stop the others. Events for a bus
// that does not exist are accepted and dropped, as on AWS.
func (eb *EventBridge) PutEvents(ctx context.Context, in *PutEventsInput) (*PutEventsOutput, error) {
	var v violations
	switch {
	case in.Entries == nil:
		v.add("null", "entries", "Member must not be null")
	case len(in.Entries) == 0:
		v.add("'[]'", "entries", "Member must have length greater than or equal to 1")
	case len(in.Entries) > 10:
		v.add(quote(describeEntries(in.Entries)), "entries", "Member must have length less than or equal to 10")
	}
	for i := range in.Entries {
		e := &in.Entries[i]
		p := fmt.Sprintf("entries.%d.member.", i+1)
		v.strList(e.Resources, p+"resources", 0, 0, eventResourceShape)
		v.str(e.EventBusName, p+"eventBusName", false, 1, 1600, reNonPartnerBusOrArn)
		if e.TraceHeader != nil {
			v.str(e.TraceHeader, p+"traceHeader", false, 1, 500, nil)
		}
	}
	v.str(in.EndpointId, "endpointId", false, 1, 50, reEndpointID)
	if err := v.err(); err != nil {
		return nil, err
	}
	size := 0
	for i := range in.Entries {
		size += entrySize(&in.Entries[i])
	}
	if size > MaxPutEventsSize {
		return nil, tb.Errorf(tb.CodeValidation, "Total size of the entries in the request is over the limit.")
	}

	now := eb.now()
	out := &PutEventsOutput{Entries: make([]PutEventsResultEntry, len(in.Entries))}
	accepted := make([]tb.Accepted, 0, len(in.Entries))
	// One block for every envelope: the entries' size plus what an
	// envelope adds around each (id, time, account, region: ~200 bytes).
	buf := make([]byte, 0, size+envelopeRoom*len(in.Entries))
	for i := range in.Entries {
		e := &in.Entries[i]
		ev, res := eb.readEntry(e, now)
		if res.ErrorCode != nil {
			out.Entries[i] = res
			out.FailedEntryCount++
			continue
		}
		out.Entries[i] = PutEventsResultEntry{EventId: &ev.ID}
		bus := eb.busName(e.EventBusName)
		if eb.Store.Bus(bus) == nil {
			eb.dropped(bus, "NoSuchBus") // accepted and dropped, as on AWS
			continue
		}
		start := len(buf)
		buf, _ = ev.AppendJSON(buf)
		accepted = append(accepted, tb.Accepted{Bus: bus, Event: buf[start:len(buf):len(buf)], Ingested: now, Trace: deref(e.TraceHeader)})
	}
	if len(accepted) > 0 {
		if err := eb.Events.Append(ctx, accepted); err != nil {
			if eb.Log != nil {
				eb.Log.Error("put events: store", "err", err, "entries", len(accepted))
			}
			// Nothing is known to be stored: fail those entries with
			// the retryable code, as AWS does when it cannot take them.
			for i := range out.Entries {
				if out.Entries[i].EventId != nil {
					out.Entries[i] = entryError("InternalFailure", "Internal service failure.")
					out.FailedEntryCount++
				}
			}
		}
	}
	if eb.Observer != nil {
		eb.Observer.Entries(len(in.Entries)-out.FailedEntryCount, out.FailedEntryCount)
	}
	return out, nil
}

// envelopeRoom is room enough for what an envelope adds to an entry.
const envelopeRoom = 320

// readEntry checks one entry and builds its event.
func (eb *EventBridge) readEntry(e *PutEventsEntry, now time.Time) (*tb.Event, PutEventsResultEntry) {
	for _, req := range []struct {
		name string
		v    *string
	}{{"Source", e.Source}, {"DetailType", e.DetailType}, {"Detail", e.Detail}} {
		if req.v == nil || *req.v == "" {
			return nil, entryError("InvalidArgument", fmt.Sprintf("Parameter %s is not valid. Reason: %s is a required argument.", req.name, req.name))
		}
	}
	detail, ok := compactObject(*e.Detail)
	if !ok {
		return nil, entryError("MalformedDetail", "Detail is malformed.")
	}
	if strings.HasPrefix(*e.Source, "aws.") {
		return nil, entryError("NotAuthorizedForSourceException", "Not authorized for the source.")
	}
	t := now
	if e.Time != nil {
		t = time.Time(*e.Time)
	}
	resources := e.Resources
	if resources == nil {
		resources = []string{}
	}
	return &tb.Event{
		ID:         newID(),
		DetailType: *e.DetailType,
		Source:     *e.Source,
		Account:    eb.Place.Account,
		Time:       t,
		Region:     eb.Place.Region,
		Resources:  resources,
		Detail:     detail,
	}, PutEventsResultEntry{}
}

// TestEventPatternInput is TestEventPattern's request.
type TestEventPatternInput struct {
	EventPattern *string
	Event        *string
}

// TestEventPatternOutput is TestEventPattern's answer.
type TestEventPatternOutput struct {
	Result bool
}

// TestEventPattern says whether an event matches a pattern.
func (eb *EventBridge) TestEventPattern(_ context.Context, in *TestEventPatternInput) (*TestEventPatternOutput, error) {
	var v violations
	v.str(in.EventPattern, "eventPattern", true, 0, pattern.MaxPatternLength, nil)
	v.str(in.Event, "event", true, 0, 0, nil)
	if err := v.err(); err != nil {
		return nil, err
	}
	ok, err := pattern.Test([]byte(*in.EventPattern), []byte(*in.Event))
	if err != nil {
		var ipe *pattern.InvalidPatternError
		var iee *pattern.InvalidEventError
		switch {
		case errors.As(err, &ipe):
			return nil, tb.Errorf(tb.CodeInvalidEventPattern, "%s", err.Error())
		case errors.As(err, &iee):
			return nil, tb.Errorf(tb.CodeValidation, "%s", err.Error())
		}
		return nil, tb.Errorf(tb.CodeInvalidEventPattern, "Event pattern is not valid. Reason: %s", err.Error())
	}
	return &TestEventPatternOutput{Result: ok}, nil
}
