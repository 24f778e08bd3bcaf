package k8saudit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// APIVersion is the only audit API version accepted. audit.k8s.io/v1beta1
// was removed from the API server in Kubernetes 1.24; a cluster still
// sending it is told to set --audit-webhook-version=audit.k8s.io/v1.
const APIVersion = "audit.k8s.io/v1"

// The stages of an audit event.
const (
	StageRequestReceived  = "RequestReceived"
	StageResponseStarted  = "ResponseStarted"
	StageResponseComplete = "ResponseComplete"
	StagePanic            = "Panic"
)

// The audit levels, in increasing order of detail.
const (
	LevelNone            = "None"
	LevelMetadata        = "Metadata"
	LevelRequest         = "Request"
	LevelRequestResponse = "RequestResponse"
)

// ErrMalformed says that a body is not an audit.k8s.io/v1 EventList.
// ParseEventList's errors wrap it, with what is wrong and where.
var ErrMalformed = errors.New("malformed audit event list")

// EventList is the body the API server's webhook backend POSTs: a batch
// of audit events.
type EventList struct {
	Kind       string          `json:"kind"`
	APIVersion string          `json:"apiVersion"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	Items      []Event         `json:"items"`
}

// Event is one audit.k8s.io/v1 audit event: what happened to one request
// at one stage. RequestObject and ResponseObject are raw JSON, present
// only at the Request and RequestResponse levels.
//
// ParseEventList keeps each event's bytes: a record's copy of the event
// (additionalEventData.auditEvent) is made of them, so that it has the
// fields this type does not know; changing a parsed Event changes the
// record's other fields but not that copy. An Event built in code is
// copied by marshalling it.
//
// An Event is a plain value; it is not safe for concurrent modification.
type Event struct {
	Kind                     string            `json:"kind,omitempty"`
	APIVersion               string            `json:"apiVersion,omitempty"`
	Level                    string            `json:"level"`
	AuditID                  string            `json:"auditID"`
	Stage                    string            `json:"stage"`
	RequestURI               string            `json:"requestURI"`
	Verb                     string            `json:"verb"`
	User                     UserInfo          `json:"user"`
	ImpersonatedUser         *UserInfo         `json:"impersonatedUser,omitempty"`
	SourceIPs                []string          `json:"sourceIPs,omitempty"`
	UserAgent                string            `json:"userAgent,omitempty"`
	ObjectRef                *ObjectReference  `json:"objectRef,omitempty"`
	ResponseStatus           *Status           `json:"responseStatus,omitempty"`
	RequestObject            json.RawMessage   `json:"requestObject,omitempty"`
	ResponseObject           json.RawMessage   `json:"responseObject,omitempty"`
	RequestReceivedTimestamp time.Time         `json:"requestReceivedTimestamp,omitzero"`
	StageTimestamp           time.Time         `json:"stageTimestamp,omitzero"`
	Annotations              map[string]string `json:"annotations,omitempty"`

	// raw is the event as it was received, with the fields this type
	// does not know; nil for an event built in code.
	raw json.RawMessage
}

// UserInfo is an authenticated user: the caller of a request, or the
// user it impersonated.
type UserInfo struct {
	Username string              `json:"username,omitempty"`
	UID      string              `json:"uid,omitempty"`
	Groups   []string            `json:"groups,omitempty"`
	Extra    map[string][]string `json:"extra,omitempty"`
}

// ObjectReference names the object a request was about. Resource is the
// plural, lower-case resource name of the URL (secrets, deployments).
type ObjectReference struct {
	Resource        string `json:"resource,omitempty"`
	Namespace       string `json:"namespace,omitempty"`
	Name            string `json:"name,omitempty"`
	UID             string `json:"uid,omitempty"`
	APIGroup        string `json:"apiGroup,omitempty"`
	APIVersion      string `json:"apiVersion,omitempty"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
	Subresource     string `json:"subresource,omitempty"`
}

// Status is the response status of a request (a metav1.Status).
type Status struct {
	Metadata json.RawMessage `json:"metadata,omitempty"`
	Status   string          `json:"status,omitempty"`
	Message  string          `json:"message,omitempty"`
	Reason   string          `json:"reason,omitempty"`
	Code     int32           `json:"code,omitempty"`
}

// ParseEventList reads a webhook body. It is strict about the shape: the
// kind must be EventList, the apiVersion audit.k8s.io/v1, and every item
// an Event with an auditID, a known level and stage, a verb, a
// requestURI and a stageTimestamp; fields it does not know are allowed
// (and kept for the record's copy of the event). Its errors wrap
// ErrMalformed and say what is wrong and where (items[3].stage: …).
func ParseEventList(b []byte) (*EventList, error) {
	var head struct {
		Kind       string            `json:"kind"`
		APIVersion string            `json:"apiVersion"`
		Metadata   json.RawMessage   `json:"metadata"`
		Items      []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, malformed("", err)
	}
	switch {
	case head.Kind == "Event":
		return nil, fmt.Errorf("%w: kind is Event, want EventList: the webhook sends batches", ErrMalformed)
	case head.Kind != "EventList":
		return nil, fmt.Errorf("%w: kind is %q, want EventList", ErrMalformed, head.Kind)
	case head.APIVersion == "audit.k8s.io/v1beta1" || head.APIVersion == "audit.k8s.io/v1alpha1":
		return nil, fmt.Errorf("%w: apiVersion %s is not supported: set --audit-webhook-version=%s", ErrMalformed, head.APIVersion, APIVersion)
	case head.APIVersion != APIVersion:
		return nil, fmt.Errorf("%w: apiVersion is %q, want %s", ErrMalformed, head.APIVersion, APIVersion)
	case head.Items == nil:
		return nil, fmt.Errorf("%w: no items", ErrMalformed)
	}
	list := &EventList{Kind: head.Kind, APIVersion: head.APIVersion, Metadata: head.Metadata, Items: make([]Event, len(head.Items))}
	for i, item := range head.Items {
		at := fmt.Sprintf("items[%d]", i)
		e := &list.Items[i]
		if err := json.Unmarshal(item, e); err != nil {
			return nil, malformed(at, err)
		}
		if err := e.validate(); err != nil {
			return nil, fmt.Errorf("%w: %s.%w", ErrMalformed, at, err)
		}
		e.raw = item
	}
	return list, nil
}

// malformed words a JSON error with where it happened: at is "" for
// the body, items[i] for an item.
func malformed(at string, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("%w: %s: invalid JSON at byte %d: %s", ErrMalformed, orBody(at), syntax.Offset, syntax.Error())
	case errors.As(err, &typ):
		where := at
		if typ.Field != "" {
			if where != "" {
				where += "."
			}
			where += typ.Field
		}
		return fmt.Errorf("%w: %s: a JSON %s where %s belongs", ErrMalformed, orBody(where), typ.Value, jsonWord(typ))
	}
	return fmt.Errorf("%w: %s: %w", ErrMalformed, orBody(at), err)
}

func orBody(at string) string {
	if at == "" {
		return "body"
	}
	return at
}

// jsonWord names the JSON a Go type takes, for people who write JSON.
func jsonWord(typ *json.UnmarshalTypeError) string {
	if typ.Type == nil {
		return "another type"
	}
	if typ.Type.String() == "time.Time" {
		return "a time"
	}
	switch typ.Type.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a " + typ.Type.String()
}

// validate checks the fields a record needs. Its errors name the field.
func (e *Event) validate() error {
	if e.Kind != "" && e.Kind != "Event" {
		return fmt.Errorf("kind: %q, want Event", e.Kind)
	}
	if e.APIVersion != "" && e.APIVersion != APIVersion {
		return fmt.Errorf("apiVersion: %q, want %s", e.APIVersion, APIVersion)
	}
	switch e.Level {
	case LevelNone, LevelMetadata, LevelRequest, LevelRequestResponse:
	case "":
		return errors.New("level: missing")
	default:
		return fmt.Errorf("level: %q is not None, Metadata, Request or RequestResponse", e.Level)
	}
	switch e.Stage {
	case StageRequestReceived, StageResponseStarted, StageResponseComplete, StagePanic:
	case "":
		return errors.New("stage: missing")
	default:
		return fmt.Errorf("stage: %q is not RequestReceived, ResponseStarted, ResponseComplete or Panic", e.Stage)
	}
	switch {
	case e.AuditID == "":
		return errors.New("auditID: missing")
	case e.Verb == "":
		return errors.New("verb: missing")
	case e.RequestURI == "":
		return errors.New("requestURI: missing")
	case e.StageTimestamp.IsZero():
		return errors.New("stageTimestamp: missing")
	}
	for _, raw := range []struct {
		name string
		v    json.RawMessage
	}{{"requestObject", e.RequestObject}, {"responseObject", e.ResponseObject}} {
		if present(raw.v) && !json.Valid(raw.v) {
			return fmt.Errorf("%s: not JSON", raw.name)
		}
	}
	return nil
}

// Recorded reports whether the event makes a record: only events of
// the ResponseComplete and Panic stages do, one per call, after its
// response.
func (e *Event) Recorded() bool {
	return e.Stage == StageResponseComplete || e.Stage == StagePanic
}

// original returns the event as received, or marshalled when it was
// built in code.
func (e *Event) original() (json.RawMessage, error) {
	if e.raw != nil {
		return bytes.TrimSpace(e.raw), nil
	}
	type plain Event
	return json.Marshal((*plain)(e))
}

// present reports whether a raw JSON field holds a value: it is neither
// absent nor null.
func present(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}
