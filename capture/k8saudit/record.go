package k8saudit

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trailbridge/trailbridge/capture"
	"github.com/trailbridge/trailbridge/cloudtrail"
)

// The envelope of the records on the bus. The source is trailbridge's
// own, not AWS's (sources starting "aws." are AWS's services').
const (
	Source     = "trailbridge.k8s"
	DetailType = "Kubernetes API Call via Audit Webhook"
)

// The userIdentity types of the records.
const (
	IdentityUser           = "KubernetesUser"           // any user but a service account: people, nodes, system components, system:anonymous
	IdentityServiceAccount = "KubernetesServiceAccount" // system:serviceaccount:NAMESPACE:NAME
)

// MaxRecordSize is the largest record made, in bytes of JSON: the size
// of an EventBridge event. A larger record loses, in this order, the
// objects of its copy of the audit event, then its requestObject and
// responseElements, then the copy of the audit event, then the user's
// groups and all but the first 4 KiB of its requestURI, userAgent and
// errorMessage; it says so with additionalEventData.truncated.
const MaxRecordSize = 256 * 1024

// A Converter makes CloudTrail records of a cluster's audit events.
// Cluster names the cluster in records; Account and Region fill
// recipientAccountId, userIdentity.accountId and awsRegion.
//
// A Converter is a plain value, safe for concurrent use once set.
type Converter struct {
	Cluster string
	Account string
	Region  string
}

// Captured converts a batch: one entry per event that makes a record
// (see Event.Recorded), in order, with the envelope's Source and
// DetailType. An error about one event fails the batch.
func (c *Converter) Captured(list *EventList) ([]capture.Captured, error) {
	out := make([]capture.Captured, 0, len(list.Items))
	for i := range list.Items {
		e := &list.Items[i]
		if !e.Recorded() {
			continue
		}
		r, err := c.Record(e)
		if err != nil {
			return nil, fmt.Errorf("items[%d]: %w", i, err)
		}
		b, err := r.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("items[%d]: %w", i, err)
		}
		out = append(out, capture.Captured{Source: Source, DetailType: DetailType, Record: b})
	}
	return out, nil
}

// Record converts one event, whatever its stage (Captured keeps only
// those Recorded). docs/k8s-audit.md has the mapping, field by field.
func (c *Converter) Record(e *Event) (*cloudtrail.Record, error) {
	if e.StageTimestamp.IsZero() {
		return nil, errors.New("stageTimestamp: missing")
	}
	ref := e.ObjectRef
	if ref != nil && ref.Resource == "" {
		ref = nil
	}
	secret := ref != nil && ref.Resource == "secrets" && ref.APIGroup == ""
	failed := e.Stage == StagePanic || e.ResponseStatus != nil && e.ResponseStatus.Code >= 400
	readOnly := isReadOnly(e.Verb)

	r := &cloudtrail.Record{
		EventVersion:       cloudtrail.Version,
		UserIdentity:       c.identity(e.User),
		EventTime:          e.StageTimestamp.UTC().Format(time.RFC3339),
		EventSource:        EventSource(e),
		EventName:          EventName(e),
		AWSRegion:          c.Region,
		UserAgent:          e.UserAgent,
		RequestID:          e.AuditID,
		EventID:            c.eventID(e),
		ReadOnly:           cloudtrail.Bool(readOnly),
		EventType:          cloudtrail.EventTypeAPICall,
		ManagementEvent:    cloudtrail.Bool(true),
		RecipientAccountID: c.Account,
		EventCategory:      cloudtrail.CategoryManagement,
	}
	if len(e.SourceIPs) > 0 {
		r.SourceIPAddress = e.SourceIPs[0]
	}
	if failed {
		r.ErrorCode, r.ErrorMessage = errorOf(e)
	}
	if ref != nil {
		r.APIVersion = ref.APIVersion
		if ref.APIGroup != "" && ref.APIVersion != "" {
			r.APIVersion = ref.APIGroup + "/" + ref.APIVersion
		}
		if ref.Name != "" {
			r.Resources = []cloudtrail.Resource{{
				ARN:       c.ARN(ref.Namespace, ref.Resource, ref.APIGroup, ref.Name),
				AccountID: c.Account,
				Type:      "K8s::" + Kind(ref.Resource),
			}}
		}
	}

	requestObject, _ := redact(e.RequestObject, secret)
	responseObject := json.RawMessage(nil)
	if !readOnly && !failed {
		responseObject, _ = redact(e.ResponseObject, secret)
	}
	original, err := c.original(e, secret)
	if err != nil {
		return nil, err
	}
	extra := additional{Cluster: c.Cluster, Groups: e.User.Groups, ImpersonatedUser: e.ImpersonatedUser, AuditEvent: original}

	// Make the record, then make it smaller while it is too large.
	uri := e.RequestURI
	for step := 0; ; step++ {
		params := requestParameters{Verb: e.Verb, RequestURI: uri, RequestObject: requestObject}
		if ref != nil {
			params.ObjectReference = *ref
		}
		if r.RequestParameters, err = json.Marshal(params); err != nil {
			return nil, fmt.Errorf("requestParameters: %w", err)
		}
		r.ResponseElements = json.RawMessage("null")
		if present(responseObject) {
			r.ResponseElements = responseObject
		}
		if r.AdditionalEventData, err = json.Marshal(extra); err != nil {
			return nil, fmt.Errorf("additionalEventData: %w", err)
		}
		b, err := r.MarshalJSON()
		if err != nil {
			return nil, err
		}
		if len(b) <= MaxRecordSize {
			return r, nil
		}
		extra.Truncated = true
		switch step {
		case 0:
			if extra.AuditEvent, err = withoutObjects(extra.AuditEvent); err != nil {
				return nil, err
			}
		case 1:
			requestObject, responseObject = nil, nil
		case 2:
			extra.AuditEvent = nil
		case 3:
			extra.Groups = nil
			uri, r.UserAgent, r.ErrorMessage = cut(uri), cut(r.UserAgent), cut(r.ErrorMessage)
		default:
			return nil, fmt.Errorf("record of %d bytes is larger than %d bytes without its objects", len(b), MaxRecordSize)
		}
	}
}

// cut shortens a string to at most 4 KiB, at a rune boundary.
func cut(s string) string {
	const most = 4 << 10
	if len(s) <= most {
		return s
	}
	i := most
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// requestParameters are the record's: the verb, the URI, the object
// reference's fields and the (redacted) request object.
type requestParameters struct {
	Verb       string `json:"verb"`
	RequestURI string `json:"requestURI"`
	ObjectReference
	RequestObject json.RawMessage `json:"requestObject,omitempty"`
}

// additional is the record's additionalEventData.
type additional struct {
	Cluster          string          `json:"cluster"`
	Groups           []string        `json:"groups,omitempty"`
	ImpersonatedUser *UserInfo       `json:"impersonatedUser,omitempty"`
	Truncated        bool            `json:"truncated,omitempty"`
	AuditEvent       json.RawMessage `json:"auditEvent,omitempty"`
}

// original returns the audit event as received (see Event.original),
// its request and response objects redacted.
func (c *Converter) original(e *Event, secret bool) (json.RawMessage, error) {
	raw, err := e.original()
	if err != nil {
		return nil, fmt.Errorf("auditEvent: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("auditEvent: %w", err)
	}
	changed := false
	for _, key := range []string{"requestObject", "responseObject"} {
		if v, ok := fields[key]; ok {
			if v, c := redact(v, secret); c {
				fields[key] = v
				changed = true
			}
		}
	}
	if !changed {
		return raw, nil
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("auditEvent: %w", err)
	}
	return b, nil
}

// withoutObjects drops an audit event's request and response objects,
// as the API server's own truncation does.
func withoutObjects(raw json.RawMessage) (json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("auditEvent: %w", err)
	}
	delete(fields, "requestObject")
	delete(fields, "responseObject")
	return json.Marshal(fields)
}

// identity is the record's userIdentity for an audit event's user.
func (c *Converter) identity(u UserInfo) *cloudtrail.UserIdentity {
	id := &cloudtrail.UserIdentity{
		Type:        IdentityUser,
		PrincipalID: u.UID,
		ARN:         c.ARN("", "user", "", u.Username),
		AccountID:   c.Account,
		UserName:    u.Username,
	}
	if id.PrincipalID == "" {
		id.PrincipalID = u.Username
	}
	if u.Username == "" {
		id.ARN = ""
	} else if ns, name, ok := serviceAccount(u.Username); ok {
		id.Type = IdentityServiceAccount
		id.ARN = c.ARN(ns, "serviceaccounts", "", name)
	}
	return id
}

// serviceAccount splits a service account's user name,
// system:serviceaccount:NAMESPACE:NAME.
func serviceAccount(username string) (namespace, name string, ok bool) {
	rest, ok := strings.CutPrefix(username, "system:serviceaccount:")
	if !ok {
		return "", "", false
	}
	namespace, name, ok = strings.Cut(rest, ":")
	return namespace, name, ok && namespace != "" && name != ""
}

// ARN names an object of the cluster:
// k8s:CLUSTER:NAMESPACE:RESOURCE[.GROUP]/NAME, the namespace empty for
// cluster-scoped objects and the group absent for the core group
// (RESOURCE.GROUP is how kubectl names a resource of a group:
// deployments.apps). Users are k8s:CLUSTER::user/NAME.
func (c *Converter) ARN(namespace, resource, group, name string) string {
	if group != "" {
		resource += "." + group
	}
	return "k8s:" + c.Cluster + ":" + namespace + ":" + resource + "/" + name
}

// EventSource names the API group of a request, the way eventSource
// names an AWS service: a group that is a domain name as it is
// (rbac.authorization.k8s.io, networking.k8s.io, cert-manager.io), the
// built-in groups without a dot under k8s.io (apps.k8s.io, batch.k8s.io,
// policy.k8s.io), the core group as core.k8s.io, and non-resource
// requests (/version, /healthz) as nonresource.k8s.io.
func EventSource(e *Event) string {
	ref := e.ObjectRef
	switch {
	case ref == nil || ref.Resource == "":
		return "nonresource.k8s.io"
	case ref.APIGroup == "":
		return "core.k8s.io"
	case strings.Contains(ref.APIGroup, "."):
		return ref.APIGroup
	}
	return ref.APIGroup + ".k8s.io"
}

// isReadOnly reports whether a verb only reads: get, list and watch, and
// head and options for non-resource requests.
func isReadOnly(verb string) bool {
	switch verb {
	case "get", "list", "watch", "head", "options":
		return true
	}
	return false
}

// errorOf returns a failed call's errorCode and errorMessage: the
// status's reason (Forbidden, NotFound, AlreadyExists, …), else the HTTP
// status text without spaces (InternalServerError), else HTTP and the
// code. A panic without a status is an InternalError.
func errorOf(e *Event) (code, message string) {
	s := e.ResponseStatus
	if s == nil || s.Code < 400 {
		message = "the API server panicked"
		if s != nil && s.Message != "" {
			message = s.Message
		}
		return "InternalError", message
	}
	if s.Reason != "" {
		return s.Reason, s.Message
	}
	if text := http.StatusText(int(s.Code)); text != "" {
		return strings.ReplaceAll(text, " ", ""), s.Message
	}
	return "HTTP" + strconv.Itoa(int(s.Code)), s.Message
}

// eventID returns a UUID-shaped id that is the same for the same audit
// event, so that a batch posted again can be deduplicated downstream. It
// is derived from the auditID and what distinguishes the event, not the
// auditID itself: a client may set the auditID (the Audit-ID request
// header), and an aggregated API server logs the same one.
func (c *Converter) eventID(e *Event) string {
	h := sha256.New()
	for _, s := range []string{
		c.Cluster, e.AuditID, e.Stage, e.StageTimestamp.UTC().Format(time.RFC3339Nano),
		e.Verb, e.RequestURI, e.User.Username, strings.Join(e.SourceIPs, ","),
	} {
		h.Write([]byte(strconv.Quote(s)))
	}
	var sum [32]byte
	u := h.Sum(sum[:0])[:16]
	u[6] = u[6]&0x0f | 0x80 // version 8: custom
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 36)
	for i, x := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hex[x>>4], hex[x&0xf])
	}
	return string(b)
}
