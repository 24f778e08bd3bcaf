package target

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/trailbridge/trailbridge"
)

// Invocation is one attempt to hand one event to one target.
type Invocation struct {
	// Payload is what the target receives: the event after the target's
	// Input, InputPath or InputTransformer.
	Payload []byte
	// Event is the original event envelope, for settings that refer to it
	// with $. paths (HttpParameters).
	Event []byte
	// Target is the target's configuration; Rule and Bus name its rule.
	Target   *trailbridge.Target
	Rule     string
	Bus      string
	RuleArn  string
	Attempt  int       // 1 for the first attempt
	Ingested time.Time // when the event was accepted
	// TraceHeader is the event's X-Ray trace header from PutEvents, which
	// HTTP targets send as X-Amzn-Trace-Id; empty when none was given.
	TraceHeader string
	// FromBus is the bus the event came to Bus from, through a rule's bus
	// target; empty when it was put on Bus directly.
	FromBus string
}

// Target delivers events to one destination. Implementations are safe for
// concurrent use, make exactly one attempt per call, honour ctx (its
// deadline is the attempt's timeout), and report failures as *Error.
type Target interface {
	Invoke(ctx context.Context, inv *Invocation) error
}

// Error codes, as EventBridge writes them in a dead-letter message's
// ERROR_CODE attribute.
const (
	CodeNoPermissions  = "NO_PERMISSIONS"
	CodeNoResource     = "NO_RESOURCE"
	CodeThrottling     = "THROTTLING"
	CodeTimeout        = "TIMEOUT"
	CodeClientError    = "SDK_CLIENT_ERROR"   // the request could not be built or sent
	CodeConnection     = "CONNECTION_FAILURE" // the target could not be reached, or the connection broke
	CodeTargetError    = "ERROR_FROM_TARGET"  // the target answered with a failure
	CodeInvalidPayload = "INVALID_PARAMETER"  // the payload or settings cannot be delivered as they are
	CodeInternal       = "INTERNAL_ERROR"     // a failure of trailbridge itself
)

// Error is a failed attempt: what went wrong, and whether another attempt
// may succeed.
type Error struct {
	Code      string
	Message   string
	Retryable bool
	// RetryAfter, when positive, is the least the target asked to wait
	// (an HTTP Retry-After); negative means the target asked not to retry.
	RetryAfter time.Duration
	Err        error // the cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Retry returns a retryable error.
func Retry(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Retryable: true}
}

// Fail returns an error that no retry can fix.
func Fail(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError returns err as an *Error. Errors from a target that are not
// *Error are retryable internal errors, except context cancellation, which
// is a timeout when the attempt's deadline passed.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: CodeTimeout, Message: "the target did not answer in time", Retryable: true, Err: err}
	}
	return &Error{Code: CodeInternal, Message: "delivery failed", Retryable: true, Err: err}
}

// Kind makes the targets of one kind of ARN.
type Kind interface {
	// Target returns the target the ARN names. An error (an *Error with
	// CodeNoResource when the ARN names nothing that exists) fails every
	// delivery to it without retry.
	Target(ctx context.Context, arn string) (Target, error)
}

// Registry finds the Kind of an ARN by its service and resource type, such
// as "lambda:function", "events:api-destination", "events:event-bus",
// "logs:log-group" or "sqs". It is safe for concurrent use.
type Registry struct {
	mu    sync.RWMutex
	kinds map[string]Kind
}

// Register makes kind serve ARNs whose service (and, when key has a colon,
// resource type) match key.
func (r *Registry) Register(key string, kind Kind) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.kinds == nil {
		r.kinds = map[string]Kind{}
	}
	r.kinds[key] = kind
}

// Target returns the target arn names.
func (r *Registry) Target(ctx context.Context, arn string) (Target, error) {
	service, resource, ok := SplitARN(arn)
	if !ok {
		return nil, Fail(CodeInvalidPayload, "%s is not an ARN", arn)
	}
	typ, _, _ := strings.Cut(resource, "/")
	typ, _, _ = strings.Cut(typ, ":")
	r.mu.RLock()
	k := r.kinds[service+":"+typ]
	if k == nil {
		k = r.kinds[service]
	}
	r.mu.RUnlock()
	if k == nil {
		return nil, Fail(CodeNoResource, "trailbridge cannot deliver to %s targets (%s)", service, arn)
	}
	return k.Target(ctx, arn)
}

// SplitARN returns an ARN's service and resource parts:
// arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE.
func SplitARN(arn string) (service, resource string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] == "" || parts[5] == "" {
		return "", "", false
	}
	return parts[2], parts[5], true
}
