package awsapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/capture"
	"github.com/trailbridge/trailbridge/cloudtrail"
)

// trailbridge audits itself as AWS does: every management call to its API
// becomes a CloudTrail record with eventSource events.amazonaws.com or
// sqs.amazonaws.com, secrets hidden by capture's rule, handed to
// Server.Audit.

// call is what the handler learns about a request for its record.
type call struct {
	accessKey string     // verified signer; empty: not authenticated, not audited
	body      []byte     // the request body
	form      url.Values // the parameters of an SQS query-protocol request
	out       any        // the answer, on success
}

// unaudited are the actions CloudTrail does not log as management events:
// EventBridge's and SQS's data events (logged only by trails that ask for
// data events), and trailbridge's own record intake, whose records are
// the audit trail itself.
var unaudited = map[string]bool{
	"PutEvents": true, "PutAuditRecords": true,
	"SendMessage": true, "SendMessageBatch": true, "ReceiveMessage": true,
	"DeleteMessage": true, "DeleteMessageBatch": true,
	"ChangeMessageVisibility": true, "ChangeMessageVisibilityBatch": true,
}

// readOnlyAction says whether an action only reads, by CloudTrail's rule
// of thumb for these services.
func readOnlyAction(action string) bool {
	for _, p := range []string{"Describe", "List", "Get", "Test"} {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}

func (s *Server) audit(r *http.Request, proto protocol, action, reqID string, c *call, e *tb.Error) {
	if action == "" || unaudited[action] {
		return
	}
	place := s.EventBridge.Place
	source := "events.amazonaws.com"
	if proto != protoEvents {
		source = "sqs.amazonaws.com"
	}
	readOnly := readOnlyAction(action)
	rec := &cloudtrail.Record{
		EventVersion:       cloudtrail.Version,
		UserIdentity:       s.identity(c.accessKey),
		EventTime:          time.Now().UTC().Format(tb.TimeFormat),
		EventSource:        source,
		EventName:          action,
		AWSRegion:          place.Region,
		SourceIPAddress:    peerIP(r.RemoteAddr),
		UserAgent:          r.UserAgent(),
		RequestParameters:  hideAuth(action, requestParameters(c)),
		ResponseElements:   json.RawMessage("null"),
		RequestID:          reqID,
		EventID:            cloudtrail.NewID(),
		ReadOnly:           cloudtrail.Bool(readOnly),
		EventType:          cloudtrail.EventTypeAPICall,
		ManagementEvent:    cloudtrail.Bool(true),
		RecipientAccountID: place.Account,
		EventCategory:      cloudtrail.CategoryManagement,
	}
	if e != nil {
		rec.ErrorCode, rec.ErrorMessage = e.Code, e.Message
	} else if !readOnly && c.out != nil {
		if b, err := json.Marshal(c.out); err == nil && !bytes.Equal(b, []byte("{}")) {
			rec.ResponseElements = capture.AWSMembers(b)
		}
	}
	if r.TLS != nil {
		rec.TLSDetails = &cloudtrail.TLSDetails{ClientProvidedHostHeader: r.Host}
	}
	s.Audit(r.Context(), rec)
}

// hideAuth hides a connection's authorization parameters whole: they
// hold its credentials (API key values, passwords, client secrets, and
// header, query and body parameters marked secret) in members whose names
// alone do not say so.
func hideAuth(action string, params json.RawMessage) json.RawMessage {
	if action != "CreateConnection" && action != "UpdateConnection" {
		return params
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(params, &m) != nil {
		return params
	}
	if _, ok := m["authParameters"]; !ok {
		return params
	}
	m["authParameters"] = json.RawMessage(`"` + cloudtrail.Hidden + `"`)
	b, err := json.Marshal(m)
	if err != nil {
		return params
	}
	return b
}

// identity is the userIdentity of a verified access key.
func (s *Server) identity(key string) *cloudtrail.UserIdentity {
	if s.Identity != nil {
		if id := s.Identity(key); id != nil {
			return id
		}
	}
	account := s.EventBridge.Place.Account
	return &cloudtrail.UserIdentity{
		Type:        cloudtrail.IdentityIAMUser,
		PrincipalID: PrincipalID("AIDA", "user/"+key),
		ARN:         "arn:aws:iam::" + account + ":user/" + key,
		AccountID:   account,
		AccessKeyID: key,
		UserName:    key,
	}
}

// PrincipalID derives a stable principal id in AWS's form (a four-letter
// prefix such as AIDA for users or AROA for roles, then 17 upper-case
// letters and digits) from a name.
func PrincipalID(prefix, name string) string {
	h := sha256.Sum256([]byte(name))
	return prefix + base32.StdEncoding.EncodeToString(h[:])[:17]
}

func peerIP(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// requestParameters renders a request's parameters as CloudTrail does for
// JSON and query services: member names with their first letter in lower
// case, secrets hidden.
func requestParameters(c *call) json.RawMessage {
	body := c.body
	if c.form != nil {
		m := map[string]string{}
		for k, v := range c.form {
			if k != "Action" && k != "Version" && len(v) > 0 {
				m[k] = v[0]
			}
		}
		body, _ = json.Marshal(m)
	}
	if b := bytes.TrimSpace(body); len(b) == 0 || bytes.Equal(b, []byte("{}")) {
		return json.RawMessage("null")
	}
	return capture.AWSMembers(body)
}
