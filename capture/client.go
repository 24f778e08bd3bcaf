package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/trailbridge/trailbridge/sigv4"
)

// Client calls trailbridge's PutAuditRecords action, signed with SigV4
// for the "events" service. Its fields are read-only once in use; it is
// safe for concurrent use.
type Client struct {
	Endpoint        string // e.g. http://127.0.0.1:4010
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Region          string       // default us-east-1
	EventBusName    string       // "" for the default bus
	HTTPClient      *http.Client // default http.DefaultClient
}

// The limits of one PutAuditRecords request; PutAuditRecords splits
// larger batches.
const (
	MaxPutEntries = 100
	MaxPutBytes   = 1 << 20
)

// PutAuditRecordsResult is the answer to PutAuditRecords: one entry per
// record, in order.
type PutAuditRecordsResult struct {
	FailedEntryCount int
	Entries          []PutAuditRecordsResultEntry
}

// PutAuditRecordsResultEntry is the fate of one record: accepted with an
// event id, a duplicate of one already accepted, or failed with a code.
type PutAuditRecordsResultEntry struct {
	EventID      string `json:"EventId,omitempty"`
	Duplicate    bool   `json:",omitempty"`
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
}

// APIError is an error answer of the API.
type APIError struct {
	StatusCode int
	Code       string // __type
	Message    string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("capture: PutAuditRecords: %d %s: %s", e.StatusCode, e.Code, e.Message)
}

// Retryable reports whether the same request may succeed later.
func (e *APIError) Retryable() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests || retryableCode(e.Code)
}

// malformed reports whether the request was refused for its content
// (rather than its credentials or the server's state).
func (e *APIError) malformed() bool {
	switch {
	case e.StatusCode == http.StatusRequestEntityTooLarge:
		return true
	case e.StatusCode != http.StatusBadRequest:
		return false
	}
	switch e.Code {
	case "ValidationException", "SerializationException", "InvalidParameterValue", "InvalidParameterException", "RequestEntityTooLarge":
		return true
	}
	return false
}

func retryableCode(code string) bool {
	switch code {
	case "InternalFailure", "InternalException", "InternalError", "ServiceUnavailable", "ServiceUnavailableException",
		"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestTimeout":
		return true
	}
	return false
}

type putRequest struct {
	EventBusName string     `json:",omitempty"`
	Deduplicate  bool       `json:",omitempty"`
	Entries      []Captured `json:"Entries"`
}

// PutAuditRecords sends entries, split into requests of at most
// MaxPutEntries entries and MaxPutBytes bytes; dedupe asks the server to
// skip records whose eventID it has already accepted. The result has
// one entry per record, in order. An error means some request failed
// as a whole; its records may or may not have been accepted.
func (c *Client) PutAuditRecords(ctx context.Context, entries []Captured, dedupe bool) (*PutAuditRecordsResult, error) {
	out := &PutAuditRecordsResult{Entries: make([]PutAuditRecordsResultEntry, 0, len(entries))}
	for len(entries) > 0 {
		body, n, err := c.encode(entries, dedupe)
		if err != nil {
			return nil, err
		}
		res, err := c.put(ctx, body)
		if err != nil {
			return nil, err
		}
		if len(res.Entries) != n {
			return nil, fmt.Errorf("capture: PutAuditRecords: %d entries sent, %d answered", n, len(res.Entries))
		}
		out.FailedEntryCount += res.FailedEntryCount
		out.Entries = append(out.Entries, res.Entries...)
		entries = entries[n:]
	}
	return out, nil
}

// encode marshals the longest prefix of entries that fits one request.
func (c *Client) encode(entries []Captured, dedupe bool) ([]byte, int, error) {
	n := min(len(entries), MaxPutEntries)
	for {
		body, err := json.Marshal(putRequest{EventBusName: c.bus(), Deduplicate: dedupe, Entries: entries[:n]})
		if err != nil {
			return nil, 0, fmt.Errorf("capture: PutAuditRecords: %w", err)
		}
		if len(body) <= MaxPutBytes || n == 1 {
			return body, n, nil
		}
		n = max(1, n*MaxPutBytes/len(body)*9/10)
	}
}

func (c *Client) bus() string {
	if c.EventBusName == "default" {
		return ""
	}
	return c.EventBusName
}

func (c *Client) put(ctx context.Context, body []byte) (*PutAuditRecordsResult, error) {
	endpoint := strings.TrimSuffix(c.Endpoint, "/") + "/"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("capture: PutAuditRecords: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrailBridge.PutAuditRecords")
	region := c.Region
	if region == "" {
		region = defaultRegion
	}
	if err := sigv4.Sign(req, body, c.AccessKeyID, c.SecretAccessKey, c.SessionToken, "events", region, time.Now()); err != nil {
		return nil, fmt.Errorf("capture: PutAuditRecords: %w", err)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("capture: PutAuditRecords: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("capture: PutAuditRecords: %w", err)
	}
	if resp.StatusCode >= 300 {
		e := &APIError{StatusCode: resp.StatusCode}
		var env struct {
			Type     string `json:"__type"`
			Message  string `json:"message"`
			Message2 string `json:"Message"`
		}
		if json.Unmarshal(b, &env) == nil {
			e.Code, e.Message = env.Type, env.Message
			if e.Message == "" {
				e.Message = env.Message2
			}
			if i := strings.LastIndexByte(e.Code, '#'); i >= 0 {
				e.Code = e.Code[i+1:]
			}
		}
		if e.Code == "" {
			e.Code = strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", "")
		}
		return nil, e
	}
	var res PutAuditRecordsResult
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("capture: PutAuditRecords: answer: %w", err)
	}
	return &res, nil
}

// APISink is a Sink that puts records with a Client, asking the server
// to deduplicate (a batch may be offered again after a failure). A
// request that fails, or any record failing with a retryable code
// (InternalFailure, ThrottlingException, …), fails the batch, which the
// hand-off offers again; records failing with any other code, and
// records the server refuses as malformed (400 ValidationException…,
// found by putting a refused batch one record at a time), are dropped,
// logged and counted in Rejected. Refused credentials fail the batch:
// records wait in the spool until the configuration is fixed. It is
// safe for concurrent use.
type APISink struct {
	Client *Client
	Logger *slog.Logger // default slog.Default()

	rejected atomic.Uint64
}

// Put implements Sink.
func (s *APISink) Put(ctx context.Context, batch []Captured) error {
	if s.Client == nil {
		return errNoClient
	}
	res, err := s.Client.PutAuditRecords(ctx, batch, true)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.malformed() {
		// Some record makes the request itself invalid: put them one by
		// one so that only the bad ones are dropped.
		if len(batch) > 1 {
			for i := range batch {
				if err := s.Put(ctx, batch[i:i+1]); err != nil {
					return err
				}
			}
			return nil
		}
		s.reject(batch[0], apiErr.Code, apiErr.Message)
		return nil
	}
	if err != nil {
		return err
	}
	if res.FailedEntryCount == 0 {
		return nil
	}
	var retry []string
	for i, e := range res.Entries {
		if e.ErrorCode == "" {
			continue
		}
		if retryableCode(e.ErrorCode) {
			retry = append(retry, e.ErrorCode)
			continue
		}
		s.reject(batch[i], e.ErrorCode, e.ErrorMessage)
	}
	if len(retry) > 0 {
		return fmt.Errorf("capture: PutAuditRecords: %d records failed with a retryable error (%s)", len(retry), retry[0])
	}
	return nil
}

func (s *APISink) reject(c Captured, code, msg string) {
	s.rejected.Add(1)
	logger := s.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.Warn("capture: audit record rejected; dropped", "record", recordID(c.Record), "code", code, "message", msg)
}

// Rejected returns the number of records the server refused for good.
func (s *APISink) Rejected() uint64 { return s.rejected.Load() }

// recordID returns a record's eventID, for logs.
func recordID(rec []byte) string {
	var r struct {
		EventID string `json:"eventID"`
	}
	_ = json.Unmarshal(rec, &r)
	return r.EventID
}

var _ Sink = (*APISink)(nil)

var errNoClient = errors.New("capture: APISink has no Client")
