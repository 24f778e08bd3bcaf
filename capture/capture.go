package capture

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

// Captured is one record on its way to the bus, with the envelope fields
// its capturer chose. An empty Source or DetailType means the one AWS
// derives from the record (cloudtrail.Source of eventSource,
// cloudtrail.DetailType of eventType). Its JSON is an entry of
// trailbridge's PutAuditRecords action.
type Captured struct {
	Source     string          `json:"Source,omitempty"`
	DetailType string          `json:"DetailType,omitempty"`
	Record     json.RawMessage `json:"Record"` // a cloudtrail.Record's JSON
}

// A Sink puts captured records on the bus. Put returns nil only when
// every record of the batch is durably accepted; on an error the whole
// batch is offered again later, so a Sink must tolerate seeing a record
// twice (delivery is at least once).
type Sink interface {
	Put(ctx context.Context, batch []Captured) error
}

// An Identifier says who made a request. body is the request body when
// it was read whole (nil when it was too large to keep). It returns nil
// when the caller cannot be established: an identity is only ever given
// for a verified credential.
type Identifier interface {
	Identify(r *http.Request, body []byte) *cloudtrail.UserIdentity
}
