package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/awsapi"
	"github.com/trailbridge/trailbridge/capture"
	"github.com/trailbridge/trailbridge/capture/k8saudit"
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

// k8sAuditHandler is POST /k8s/audit when the config declares K8sAudit.
func k8sAuditHandler(f *configFile, eb *awsapi.EventBridge, place tb.Place, log *slog.Logger) (http.Handler, error) {
	k := f.K8sAudit
	if k == nil {
		return nil, nil
	}
	h, err := k8saudit.NewHandler(k8saudit.Config{
		Tokens:             k.Tokens,
		ClientCertSubjects: k.ClientCertSubjects,
		Cluster:            k.Cluster,
		Account:            place.Account,
		Region:             place.Region,
		Sink:               localSink{eb: eb, bus: k.EventBusName, log: log},
		Logger:             log.With("component", "k8s-audit"),
	})
	if err != nil {
		return nil, fmt.Errorf("config: K8sAudit: %w", err)
	}
	return h, nil
}
