package awsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/cloudtrail"
	"github.com/trailbridge/trailbridge/sigv4"
)

// MaxRequestBytes is the largest request body the server reads (1 MiB).
const MaxRequestBytes = 1 << 20

// Server is the HTTP face of the AWS API: every request is authenticated
// with SigV4 and dispatched on its X-Amz-Target header (AWSEvents.<Action>
// for EventBridge, AmazonSQS.<Action> for queues) or, for SQS's query
// protocol, on its Action parameter. Set its fields, then call Handler
// once; the handler serves concurrent requests.
type Server struct {
	EventBridge *EventBridge
	// SQS serves the built-in queues; when nil, SQS requests are answered
	// with an SQS error saying queues are not served.
	SQS *SQS
	// SQSVerifier checks signatures of SQS requests (service "sqs"); when
	// nil, Verifier's settings are used with service "sqs".
	SQSVerifier *sigv4.Verifier
	// Connections serves connections and API destinations; when nil,
	// their actions answer that trailbridge does not implement them.
	Connections *Connections
	// Verifier checks signatures of EventBridge requests (service
	// "events").
	Verifier *sigv4.Verifier
	Log      *slog.Logger
	// Observe, when set, is told about every request: its action (empty
	// when unknown), the error code (empty on success) and its duration.
	Observe func(action, code string, d time.Duration)
	// Audit, when set, receives the CloudTrail record of every
	// authenticated management call (see selfaudit.go). It is called on
	// the request's goroutine after the answer is written, so it must
	// not block.
	Audit func(ctx context.Context, rec *cloudtrail.Record)
	// Identity gives the userIdentity of an access key for those
	// records; nil means an IAM user named after the key.
	Identity func(accessKeyID string) *cloudtrail.UserIdentity
}

type handler func(ctx context.Context, body []byte) (any, error)

func op[I, O any](fn func(context.Context, *I) (*O, error)) handler {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(I)
		if err := decode(body, in); err != nil {
			return nil, err
		}
		return fn(ctx, in)
	}
}

func (s *Server) eventsOps() map[string]handler {
	eb := s.EventBridge
	ops := map[string]handler{
		"CreateEventBus":        op(eb.CreateEventBus),
		"UpdateEventBus":        op(eb.UpdateEventBus),
		"DescribeEventBus":      op(eb.DescribeEventBus),
		"ListEventBuses":        op(eb.ListEventBuses),
		"DeleteEventBus":        op(eb.DeleteEventBus),
		"PutRule":               op(eb.PutRule),
		"DescribeRule":          op(eb.DescribeRule),
		"ListRules":             op(eb.ListRules),
		"DeleteRule":            op(eb.DeleteRule),
		"EnableRule":            op(eb.EnableRule),
		"DisableRule":           op(eb.DisableRule),
		"ListRuleNamesByTarget": op(eb.ListRuleNamesByTarget),
		"PutTargets":            putTargetsOp(eb.PutTargets),
		"RemoveTargets":         op(eb.RemoveTargets),
		"ListTargetsByRule":     op(eb.ListTargetsByRule),
		"PutEvents":             putEventsOp(eb.PutEvents),
		"TestEventPattern":      op(eb.TestEventPattern),
		"TagResource":           op(eb.TagResource),
		"UntagResource":         op(eb.UntagResource),
		"ListTagsForResource":   op(eb.ListTagsForResource),
		"PutPermission":         op(eb.PutPermission),
		"RemovePermission":      op(eb.RemovePermission),
	}
	for name, h := range s.Connections.ops() {
		ops[name] = h
	}
	return ops
}

// eventsActions are EventBridge's other actions: known, not implemented yet.
var eventsActions = []string{
	"ActivateEventSource", "CancelReplay", "CreateArchive",
	"CreateEndpoint", "CreatePartnerEventSource", "DeactivateEventSource",
	"DeleteArchive", "DeleteEndpoint", "DeletePartnerEventSource",
	"DescribeArchive", "DescribeEndpoint", "DescribeEventSource",
	"DescribePartnerEventSource", "DescribeReplay", "ListArchives",
	"ListEndpoints", "ListEventSources", "ListPartnerEventSourceAccounts", "ListPartnerEventSources", "ListReplays",
	"PutPartnerEvents", "StartReplay", "UpdateArchive", "UpdateEndpoint",
}

// Handler returns the http.Handler of the API.
func (s *Server) Handler() http.Handler {
	ops := s.eventsOps()
	for _, a := range eventsActions {
		ops[a] = func(context.Context, []byte) (any, error) {
			return nil, tb.Errorf(tb.CodeNotImplemented, "trailbridge does not implement AWSEvents.%s yet.", a)
		}
	}
	var sqsOps map[string]sqsHandler
	if s.SQS != nil {
		sqsOps = s.SQS.ops()
		for _, a := range sqsActions {
			sqsOps[a] = func(context.Context, func(any) error) (any, error) {
				return nil, tb.Errorf(sqsUnsupportedOperation, "trailbridge does not implement AmazonSQS.%s yet.", a)
			}
		}
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		reqID := newID()
		w.Header().Set("x-amzn-RequestId", reqID)
		proto := protocolOf(r)
		c := &call{}
		action, err := s.serve(w, r, proto, ops, sqsOps, c)
		code := ""
		var e *tb.Error
		if err != nil {
			e = tb.AsError(err)
			code = e.Code
			if e.Code == tb.CodeInternal {
				log.Error("request failed", "action", action, "request_id", reqID, "err", err)
			}
			if proto == protoEvents {
				writeError(w, e)
			} else {
				writeSQSError(w, proto, e)
			}
		}
		if s.Audit != nil && c.accessKey != "" {
			s.audit(r, proto, action, reqID, c, e)
		}
		if s.Observe != nil {
			s.Observe(action, code, time.Since(start))
		}
	})
}

// readBody reads the request body, at most MaxRequestBytes of it. A
// declared length (checked against the limit before) is read into one
// buffer of that size rather than a growing one.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	rd := http.MaxBytesReader(w, r.Body, MaxRequestBytes)
	if n := r.ContentLength; n > 0 && n <= MaxRequestBytes {
		b := make([]byte, n)
		if _, err := io.ReadFull(rd, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(rd)
}

// serve handles one request; it writes the answer on success and returns
// the error otherwise.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, proto protocol, ops map[string]handler, sqsOps map[string]sqsHandler, c *call) (string, error) {
	// Refuse oversize requests before reading them.
	if r.ContentLength > MaxRequestBytes {
		return "", &tb.Error{Code: tb.CodeRequestEntityTooLarge, Status: http.StatusRequestEntityTooLarge,
			Message: fmt.Sprintf("Request of %d bytes is over the limit of %d bytes.", r.ContentLength, MaxRequestBytes)}
	}
	body, err := readBody(w, r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", &tb.Error{Code: tb.CodeRequestEntityTooLarge, Status: http.StatusRequestEntityTooLarge,
				Message: fmt.Sprintf("Request is over the limit of %d bytes.", MaxRequestBytes)}
		}
		return "", tb.Errorf(tb.CodeSerialization, "Request body could not be read.")
	}
	if proto != protoEvents {
		return s.serveSQS(w, r, proto, body, sqsOps, c)
	}
	target := r.Header.Get("X-Amz-Target")
	service, action, _ := strings.Cut(target, ".")
	id, err := s.Verifier.Verify(r, body)
	if err != nil {
		return action, err
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		return "", tb.Errorf(tb.CodeUnknownOperation, "Only POST / with an X-Amz-Target header is served here, not %s %s.", r.Method, r.URL.Path)
	}
	if service == "TrailBridge" && action == "PutAuditRecords" {
		ops = map[string]handler{action: op(s.EventBridge.PutAuditRecords)}
	} else if service != "AWSEvents" {
		return "", tb.Errorf(tb.CodeUnknownOperation, "Operation %q is not known; EventBridge operations are AWSEvents.<Action>.", target)
	}
	h, ok := ops[action]
	if !ok {
		return "", tb.Errorf(tb.CodeUnknownOperation, "Operation %s is not known.", target)
	}
	c.accessKey, c.body = id.AccessKeyID, body
	out, err := h(r.Context(), body)
	c.out = out
	if err != nil {
		return action, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return action, fmt.Errorf("%s: encode answer: %w", action, err)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Write(b)
	return action, nil
}

func writeError(w http.ResponseWriter, e *tb.Error) {
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.Code, e.Message})
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("X-Amzn-Errortype", e.Code)
	w.WriteHeader(e.HTTPStatus())
	w.Write(b)
}
