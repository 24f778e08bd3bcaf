package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/trailbridge/trailbridge/awsapi"
	"github.com/trailbridge/trailbridge/capture"
)

// localSink puts captured records on a bus in-process, through the same
// PutAuditRecords the API serves to remote capturers.
type localSink struct {
	eb  *awsapi.EventBridge
	bus string
	log *slog.Logger
}

// Put returns an error when some record could not be stored for a reason
// a retry can cure, so that the hand-off offers the batch again; records
// refused for what they are (not a CloudTrail record) are logged and
// dropped, since no retry would change them.
func (s localSink) Put(ctx context.Context, batch []capture.Captured) error {
	for len(batch) > 0 {
		n := min(len(batch), awsapi.MaxAuditEntries)
		in := &awsapi.PutAuditRecordsInput{Entries: make([]awsapi.AuditEntry, n)}
		if s.bus != "" {
			in.EventBusName = &s.bus
		}
		for i, c := range batch[:n] {
			e := awsapi.AuditEntry{Record: c.Record}
			if c.Source != "" {
				e.Source = &c.Source
			}
			if c.DetailType != "" {
				e.DetailType = &c.DetailType
			}
			in.Entries[i] = e
		}
		out, err := s.eb.PutAuditRecords(ctx, in)
		if err != nil {
			return fmt.Errorf("put captured records: %w", err)
		}
		for i, e := range out.Entries {
			if e.ErrorCode == nil {
				continue
			}
			if *e.ErrorCode == "InternalFailure" {
				return fmt.Errorf("put captured records: %s", *e.ErrorMessage)
			}
			s.log.Error("captured record refused, dropped", "code", *e.ErrorCode, "reason", *e.ErrorMessage, "record", string(batch[i].Record))
		}
		batch = batch[n:]
	}
	return nil
}
