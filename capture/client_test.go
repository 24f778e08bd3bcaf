package capture

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/trailbridge/trailbridge/sigv4"
)

// auditServer implements PutAuditRecords' contract: it verifies the
// signature, keeps what it accepts, deduplicates by eventID when asked,
// and fails records whose eventID says so.
type auditServer struct {
	mu       sync.Mutex
	seen     map[string]bool
	requests []putRequest
	sizes    []int
	fail     string // a whole-request error code, when set
}

func (s *auditServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	fail := func(status int, code, msg string) {
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, msg)
	}
	v := &sigv4.Verifier{Service: "events", Region: "eu-west-1", Lookup: func(id string) (string, bool) { return "sekrit", id == "AKIDCLIENT" }}
	if _, err := v.Verify(r, body); err != nil {
		fail(http.StatusForbidden, "InvalidSignatureException", err.Error())
		return
	}
	if r.Method != "POST" || r.URL.Path != "/" || r.Header.Get("X-Amz-Target") != "TrailBridge.PutAuditRecords" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		fail(http.StatusBadRequest, "UnknownOperationException", "bad request line")
		return
	}
	var req putRequest
	if err := json.Unmarshal(body, &req); err != nil || len(req.Entries) > MaxPutEntries || len(body) > MaxPutBytes {
		fail(http.StatusBadRequest, "ValidationException", "bad body")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != "" {
		fail(http.StatusInternalServerError, s.fail, "try later")
		return
	}
	s.requests = append(s.requests, req)
	s.sizes = append(s.sizes, len(body))
	res := PutAuditRecordsResult{}
	for _, e := range req.Entries {
		id := recordID(e.Record)
		switch {
		case strings.HasPrefix(id, "throttle"):
			res.FailedEntryCount++
			res.Entries = append(res.Entries, PutAuditRecordsResultEntry{ErrorCode: "ThrottlingException", ErrorMessage: "slow down"})
		case strings.HasPrefix(id, "bad"):
			res.FailedEntryCount++
			res.Entries = append(res.Entries, PutAuditRecordsResultEntry{ErrorCode: "ValidationException", ErrorMessage: "not a record"})
		case req.Deduplicate && s.seen[id]:
			res.Entries = append(res.Entries, PutAuditRecordsResultEntry{Duplicate: true})
		default:
			if s.seen == nil {
				s.seen = map[string]bool{}
			}
			s.seen[id] = true
			res.Entries = append(res.Entries, PutAuditRecordsResultEntry{EventID: "ev-" + id})
		}
	}
	_ = json.NewEncoder(w).Encode(res)
}

func newAuditClient(t *testing.T) (*Client, *auditServer) {
	s := &auditServer{}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &Client{Endpoint: srv.URL, AccessKeyID: "AKIDCLIENT", SecretAccessKey: "sekrit", Region: "eu-west-1", EventBusName: "audit"}, s
}

func entry(id string, pad int) Captured {
	return Captured{Record: json.RawMessage(fmt.Sprintf(`{"eventID":%q,"eventTime":"2026-01-01T00:00:00Z","pad":%q}`, id, strings.Repeat("p", pad)))}
}

func TestClientPutAuditRecords(t *testing.T) {
	t.Run("answers come in order with duplicates marked", func(t *testing.T) {
		c, s := newAuditClient(t)
		res, err := c.PutAuditRecords(t.Context(), []Captured{entry("a", 0), entry("b", 0)}, true)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res.Entries[1].EventID, "ev-b"; got != want {
			t.Errorf("EventId %q, want %q", got, want)
		}
		res, err = c.PutAuditRecords(t.Context(), []Captured{entry("a", 0), entry("c", 0)}, true)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Entries[0].Duplicate || res.Entries[1].EventID != "ev-c" {
			t.Errorf("entries %+v: want a duplicate then ev-c", res.Entries)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if got, want := s.requests[0].EventBusName, "audit"; got != want {
			t.Errorf("EventBusName %q, want %q", got, want)
		}
	})
	t.Run("large batches are split by count and size", func(t *testing.T) {
		c, s := newAuditClient(t)
		var batch []Captured
		for i := range 250 {
			batch = append(batch, entry(fmt.Sprint(i), 0))
		}
		for i := range 3 {
			batch = append(batch, entry(fmt.Sprint("big", i), 400<<10))
		}
		res, err := c.PutAuditRecords(t.Context(), batch, false)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(res.Entries), 253; got != want {
			t.Fatalf("%d answers, want %d", got, want)
		}
		if got, want := res.Entries[252].EventID, "ev-big2"; got != want {
			t.Errorf("last answer %q, want %q", got, want)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, n := range s.sizes {
			if n > MaxPutBytes || len(s.requests[i].Entries) > MaxPutEntries {
				t.Errorf("request %d: %d bytes, %d entries", i, n, len(s.requests[i].Entries))
			}
		}
	})
	t.Run("errors carry the code", func(t *testing.T) {
		c, s := newAuditClient(t)
		s.mu.Lock()
		s.fail = "InternalFailure"
		s.mu.Unlock()
		_, err := c.PutAuditRecords(t.Context(), []Captured{entry("a", 0)}, false)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Code != "InternalFailure" || !apiErr.Retryable() {
			t.Errorf("error %v, want a retryable InternalFailure", err)
		}
		c.SecretAccessKey = "wrong"
		s.mu.Lock()
		s.fail = ""
		s.mu.Unlock()
		_, err = c.PutAuditRecords(t.Context(), []Captured{entry("a", 0)}, false)
		if !errors.As(err, &apiErr) || apiErr.Code != "InvalidSignatureException" || apiErr.Retryable() {
			t.Errorf("error %v, want a final InvalidSignatureException", err)
		}
	})
}

func TestAPISink(t *testing.T) {
	t.Run("retryable entry fails the batch", func(t *testing.T) {
		c, _ := newAuditClient(t)
		s := &APISink{Client: c, Logger: quietLogger()}
		if err := s.Put(t.Context(), []Captured{entry("ok", 0), entry("throttle-1", 0)}); err == nil {
			t.Errorf("Put succeeded with a throttled record")
		}
	})
	t.Run("final entry errors are dropped and counted", func(t *testing.T) {
		c, srv := newAuditClient(t)
		s := &APISink{Client: c, Logger: quietLogger()}
		if err := s.Put(t.Context(), []Captured{entry("ok", 0), entry("bad-1", 0)}); err != nil {
			t.Errorf("Put: %v", err)
		}
		if got, want := s.Rejected(), uint64(1); got != want {
			t.Errorf("Rejected %d, want %d", got, want)
		}
		srv.mu.Lock()
		defer srv.mu.Unlock()
		if !srv.requests[0].Deduplicate {
			t.Errorf("APISink did not ask for deduplication")
		}
	})
	t.Run("a handoff delivers through it", func(t *testing.T) {
		c, srv := newAuditClient(t)
		h := runHandoff(t, HandoffConfig{Sink: &APISink{Client: c, Logger: quietLogger()}})
		for i := range 3 {
			h.Offer(entry(fmt.Sprint("h", i), 0))
		}
		waitStats(t, h, func(st Stats) bool { return st.Sent == 3 })
		srv.mu.Lock()
		defer srv.mu.Unlock()
		if got := len(srv.seen); got != 3 {
			t.Errorf("server holds %d records, want 3", got)
		}
	})
}

func TestAPISinkDropsOnlyMalformedRecords(t *testing.T) {
	c, srv := newAuditClient(t)
	s := &APISink{Client: c, Logger: quietLogger()}
	huge := Captured{Record: json.RawMessage(`{"eventID":"huge","pad":"` + strings.Repeat("p", MaxPutBytes) + `"}`)}
	if err := s.Put(t.Context(), []Captured{entry("ok-1", 0), huge, entry("ok-2", 0)}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if got, want := s.Rejected(), uint64(1); got != want {
		t.Errorf("Rejected %d, want %d", got, want)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if !srv.seen["ok-1"] || !srv.seen["ok-2"] {
		t.Errorf("server holds %v, want ok-1 and ok-2", srv.seen)
	}
}
