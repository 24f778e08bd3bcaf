package awsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/cloudtrail"
)

// PutAuditRecords is trailbridge's own action (X-Amz-Target
// TrailBridge.PutAuditRecords) through which capture proxies, ingest and
// other trailbridge processes put CloudTrail records on a bus. PutEvents
// cannot carry them: EventBridge refuses callers the aws.* sources that
// CloudTrail's events have.

// SeenIDs remembers the eventIDs already put, for Deduplicate.
type SeenIDs interface {
	Filter(ctx context.Context, ids []string) ([]bool, error)
	Mark(ctx context.Context, ids []string) error
}

// AuditCopy keeps the compliance copy of every record put: Add returns
// once the record is durable there.
type AuditCopy interface {
	Add(ctx context.Context, record []byte) error
}

// MaxAuditEntries is how many records one PutAuditRecords call may carry.
const MaxAuditEntries = 100

// AuditEntry is one record and the envelope fields its capturer chose;
// empty ones are derived from the record as AWS does.
type AuditEntry struct {
	Source     *string
	DetailType *string
	Record     json.RawMessage
}

// PutAuditRecordsInput is PutAuditRecords's request.
type PutAuditRecordsInput struct {
	EventBusName *string
	// Deduplicate skips records whose eventID was put before (through
	// PutAuditRecords with Deduplicate) or earlier in the same call.
	Deduplicate bool
	Entries     []AuditEntry
}

// AuditResultEntry is one record's outcome: the id of the event that
// carries it, Duplicate, or an error.
type AuditResultEntry struct {
	EventId      *string `json:",omitempty"`
	Duplicate    bool    `json:",omitempty"`
	ErrorCode    *string `json:",omitempty"`
	ErrorMessage *string `json:",omitempty"`
}

// PutAuditRecordsOutput is PutAuditRecords's answer, one entry per
// request entry, in order.
type PutAuditRecordsOutput struct {
	FailedEntryCount int
	Entries          []AuditResultEntry
}

func auditError(code, msg string) AuditResultEntry {
	return AuditResultEntry{ErrorCode: &code, ErrorMessage: &msg}
}

// PutAuditRecords puts CloudTrail records on a bus, each in the envelope
// AWS would give it, and in the compliance copy when one is kept. It
// answers once the accepted ones are durable in both.
func (eb *EventBridge) PutAuditRecords(ctx context.Context, in *PutAuditRecordsInput) (*PutAuditRecordsOutput, error) {
	switch {
	case len(in.Entries) == 0:
		return nil, tb.Errorf(tb.CodeValidation, "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case len(in.Entries) > MaxAuditEntries:
		return nil, tb.Errorf(tb.CodeValidation, "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to %d", MaxAuditEntries)
	}
	bus := eb.busName(in.EventBusName)
	if eb.Store.Bus(bus) == nil {
		return nil, errNoBus(bus)
	}
	if in.Deduplicate && eb.Seen == nil {
		return nil, tb.Errorf(tb.CodeValidation, "Deduplicate is not available: this server keeps no store of ids.")
	}
	now := eb.now()
	out := &PutAuditRecordsOutput{Entries: make([]AuditResultEntry, len(in.Entries))}
	type pending struct {
		i      int
		id     string // eventID, for deduplication
		record []byte
		event  []byte
	}
	var todo []pending
	var ids []string
	for i, e := range in.Entries {
		ev, id, res := eb.readAuditEntry(&e, now)
		if res.ErrorCode != nil {
			out.Entries[i] = res
			out.FailedEntryCount++
			continue
		}
		b, _ := ev.AppendJSON(nil)
		todo = append(todo, pending{i: i, id: id, record: ev.Detail, event: b})
		out.Entries[i] = AuditResultEntry{EventId: &ev.ID}
		if id != "" {
			ids = append(ids, id)
		}
	}
	if in.Deduplicate && len(ids) > 0 {
		seen, err := eb.Seen.Filter(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("put audit records: %w", err)
		}
		old := map[string]bool{}
		for k, id := range ids {
			old[id] = seen[k]
		}
		kept := todo[:0]
		for _, p := range todo {
			if p.id != "" && old[p.id] {
				out.Entries[p.i] = AuditResultEntry{Duplicate: true}
				continue
			}
			if p.id != "" {
				old[p.id] = true // a second copy in the same call
			}
			kept = append(kept, p)
		}
		todo = kept
	}
	fail := func(err error) {
		// A call cut short by shutdown is the caller's to retry (the
		// hand-offs keep their records), not an error of the server.
		if eb.Log != nil && ctx.Err() == nil {
			eb.Log.Error("put audit records", "err", err, "records", len(todo))
		}
		for _, p := range todo {
			out.Entries[p.i] = auditError("InternalFailure", "Internal service failure.")
			out.FailedEntryCount++
		}
	}
	if len(todo) == 0 {
		return out, nil
	}
	// The compliance copy first: a record the bus has but the copy lacks
	// could not be made whole by the caller's retry.
	if eb.AuditCopy != nil {
		// Added together, the records share the copy's journal writes
		// (one sync for all), where one by one each would wait for its own.
		errs := make([]error, len(todo))
		var wg sync.WaitGroup
		for k, p := range todo {
			wg.Go(func() { errs[k] = eb.AuditCopy.Add(ctx, p.record) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			fail(fmt.Errorf("compliance copy: %w", err))
			return out, nil
		}
	}
	accepted := make([]tb.Accepted, len(todo))
	for k, p := range todo {
		accepted[k] = tb.Accepted{Bus: bus, Event: p.event, Ingested: now}
	}
	if err := eb.Events.Append(ctx, accepted); err != nil {
		fail(err)
		return out, nil
	}
	if in.Deduplicate {
		var put []string
		for _, p := range todo {
			if p.id != "" {
				put = append(put, p.id)
			}
		}
		// Marked after the events are stored: a crash in between puts a
		// record twice on the next run rather than never.
		if err := eb.Seen.Mark(ctx, put); err != nil && eb.Log != nil {
			eb.Log.Warn("put audit records: remember ids", "err", err)
		}
	}
	return out, nil
}

// readAuditEntry checks one entry and builds its event and returns the
// record's eventID.
func (eb *EventBridge) readAuditEntry(e *AuditEntry, now time.Time) (*tb.Event, string, AuditResultEntry) {
	if len(e.Record) == 0 || string(e.Record) == "null" {
		return nil, "", auditError("InvalidArgument", "Parameter Record is not valid. Reason: Record is a required argument.")
	}
	detail, ok := compactObject(string(e.Record))
	if !ok {
		return nil, "", auditError("MalformedDetail", "Record is not a JSON object.")
	}
	if len(detail) > MaxPutEventsSize {
		return nil, "", auditError("InvalidArgument", fmt.Sprintf("Record of %d bytes is over the limit of %d bytes.", len(detail), MaxPutEventsSize))
	}
	env, err := cloudtrail.NewEnvelope(detail)
	if err != nil {
		return nil, "", auditError("MalformedDetail", "Record is not a CloudTrail record: it needs an eventTime.")
	}
	t, err := time.Parse(time.RFC3339Nano, env.Time)
	if err != nil {
		return nil, "", auditError("MalformedDetail", fmt.Sprintf("Record's eventTime %q is not an ISO-8601 time.", env.Time))
	}
	if e.Source != nil && *e.Source != "" {
		env.Source = *e.Source
	}
	if e.DetailType != nil && *e.DetailType != "" {
		env.DetailType = *e.DetailType
	}
	if env.Source == "" {
		return nil, "", auditError("InvalidArgument", "Parameter Source is not valid. Reason: the record has no eventSource and the entry no Source.")
	}
	if env.Account == "" {
		env.Account = eb.Place.Account
	}
	if env.Region == "" {
		env.Region = eb.Place.Region
	}
	return &tb.Event{
		ID:         env.ID,
		DetailType: env.DetailType,
		Source:     env.Source,
		Account:    env.Account,
		Time:       t,
		Region:     env.Region,
		Resources:  []string{},
		Detail:     detail,
	}, env.EventID, AuditResultEntry{}
}
