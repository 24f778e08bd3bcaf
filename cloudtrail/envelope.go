package cloudtrail

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The detail-types CloudTrail's events carry on EventBridge.
const (
	DetailTypeAPICall       = "AWS API Call via CloudTrail"
	DetailTypeConsoleSignIn = "AWS Console Sign In via CloudTrail"
	DetailTypeConsoleAction = "AWS Console Action via CloudTrail"
	DetailTypeServiceEvent  = "AWS Service Event via CloudTrail"
	DetailTypeInsight       = "AWS Insight via CloudTrail"
)

// DetailType returns the EventBridge detail-type for a record's eventType.
// Records of types EventBridge has no detail-type for (network activity,
// unknown future types) travel as API calls.
func DetailType(eventType string) string {
	switch eventType {
	case EventTypeConsoleSignIn:
		return DetailTypeConsoleSignIn
	case EventTypeConsoleAction:
		return DetailTypeConsoleAction
	case EventTypeServiceEvent:
		return DetailTypeServiceEvent
	case EventTypeInsight:
		return DetailTypeInsight
	}
	return DetailTypeAPICall
}

// Source returns the EventBridge source for a record's eventSource:
// aws.<service> for an AWS service (iam.amazonaws.com → aws.iam), the
// eventSource itself otherwise.
func Source(eventSource string) string {
	if svc, ok := strings.CutSuffix(eventSource, ".amazonaws.com"); ok && svc != "" {
		return "aws." + svc
	}
	return eventSource
}

// Envelope is the EventBridge event that carries a CloudTrail record as
// its detail, unchanged, with EventBridge's key order.
type Envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`

	// EventID is the record's eventID, read with the rest (not part of the
	// envelope's JSON): what deduplication goes by.
	EventID string `json:"-"`
}

// ErrNotRecord says that bytes offered as a record are not a JSON object
// with the fields an envelope needs.
var ErrNotRecord = errors.New("not a CloudTrail record")

// NewEnvelope wraps a record's JSON as AWS delivers it to EventBridge:
// detail-type from eventType, source from eventSource, account from
// recipientAccountId (the caller's account when absent), time from
// eventTime, region from awsRegion, a fresh id and empty resources. The
// record itself is kept byte for byte.
func NewEnvelope(record []byte) (*Envelope, error) {
	var r struct {
		EventTime          string `json:"eventTime"`
		EventSource        string `json:"eventSource"`
		AWSRegion          string `json:"awsRegion"`
		EventType          string `json:"eventType"`
		EventID            string `json:"eventID"`
		RecipientAccountID string `json:"recipientAccountId"`
		UserIdentity       *struct {
			AccountID string `json:"accountId"`
		} `json:"userIdentity"`
	}
	if err := json.Unmarshal(record, &r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotRecord, err)
	}
	if r.EventTime == "" {
		return nil, fmt.Errorf("%w: no eventTime", ErrNotRecord)
	}
	account := r.RecipientAccountID
	if account == "" && r.UserIdentity != nil {
		account = r.UserIdentity.AccountID
	}
	source := Source(r.EventSource)
	if source == "" && r.EventType == EventTypeInsight {
		source = "aws.cloudtrail"
	}
	return &Envelope{
		Version:    "0",
		ID:         NewID(),
		DetailType: DetailType(r.EventType),
		Source:     source,
		Account:    account,
		Time:       r.EventTime,
		Region:     r.AWSRegion,
		Resources:  []string{},
		Detail:     record,
		EventID:    r.EventID,
	}, nil
}

// Envelope marshals the record and wraps it as NewEnvelope does.
func (r *Record) Envelope() (*Envelope, error) {
	b, err := r.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	return NewEnvelope(b)
}

// NewID returns a random (version 4) UUID, the form of eventID and of
// EventBridge event ids.
func NewID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 36)
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hex[c>>4], hex[c&0xf])
	}
	return string(b)
}
