package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/sigv4"
)

// The two protocols of SQS share the SQS type's methods: a request is
// decoded into the action's input (from JSON or from form parameters), the
// method runs, and its answer is encoded back in the request's protocol.

type sqsHandler func(ctx context.Context, decode func(v any) error) (any, error)

func sqsOp[I, O any](fn func(context.Context, *I) (*O, error)) sqsHandler {
	return func(ctx context.Context, decode func(v any) error) (any, error) {
		in := new(I)
		if err := decode(in); err != nil {
			return nil, err
		}
		return fn(ctx, in)
	}
}

func (q *SQS) ops() map[string]sqsHandler {
	return map[string]sqsHandler{
		"CreateQueue":                  sqsOp(q.CreateQueue),
		"GetQueueUrl":                  sqsOp(q.GetQueueUrl),
		"ListQueues":                   sqsOp(q.ListQueues),
		"DeleteQueue":                  sqsOp(q.DeleteQueue),
		"GetQueueAttributes":           sqsOp(q.GetQueueAttributes),
		"SetQueueAttributes":           sqsOp(q.SetQueueAttributes),
		"SendMessage":                  sqsOp(q.SendMessage),
		"SendMessageBatch":             sqsOp(q.SendMessageBatch),
		"ReceiveMessage":               sqsOp(q.ReceiveMessage),
		"DeleteMessage":                sqsOp(q.DeleteMessage),
		"DeleteMessageBatch":           sqsOp(q.DeleteMessageBatch),
		"ChangeMessageVisibility":      sqsOp(q.ChangeMessageVisibility),
		"ChangeMessageVisibilityBatch": sqsOp(q.ChangeMessageVisibilityBatch),
		"PurgeQueue":                   sqsOp(q.PurgeQueue),
		"TagQueue":                     sqsOp(q.TagQueue),
		"UntagQueue":                   sqsOp(q.UntagQueue),
		"ListQueueTags":                sqsOp(q.ListQueueTags),
	}
}

// sqsActions are SQS's other actions: known, not implemented yet.
var sqsActions = []string{
	"AddPermission", "RemovePermission", "ListDeadLetterSourceQueues",
	"StartMessageMoveTask", "CancelMessageMoveTask", "ListMessageMoveTasks",
}

// protocol is the wire protocol of a request.
type protocol int

const (
	protoEvents   protocol = iota // AWS JSON 1.1, AWSEvents.<Action>
	protoSQSJSON                  // AWS JSON 1.0, AmazonSQS.<Action>
	protoSQSQuery                 // form parameters with Action=, answered in XML
)

// protocolOf tells a request's protocol from its headers alone, so that
// refusals before the body is read are in the right shape.
func protocolOf(r *http.Request) protocol {
	target := r.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(target, "AmazonSQS."):
		return protoSQSJSON
	case target != "":
		return protoEvents
	case strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"),
		r.URL.Query().Has("Action"):
		return protoSQSQuery
	}
	return protoEvents
}

// sqsVerifier is SQSVerifier, or the EventBridge verifier's keys scoped to
// service sqs.
func (s *Server) sqsVerifier() *sigv4.Verifier {
	if s.SQSVerifier != nil {
		return s.SQSVerifier
	}
	v := *s.Verifier
	v.Service = "sqs"
	return &v
}

// serveSQS handles a request of either SQS protocol whose body has been
// read; it writes the answer on success.
func (s *Server) serveSQS(w http.ResponseWriter, r *http.Request, proto protocol, body []byte, ops map[string]sqsHandler, c *call) (string, error) {
	var action string
	var vals url.Values
	if proto == protoSQSJSON {
		action = strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	} else {
		// The body is read once, by the server: parse it here rather than
		// with r.ParseForm, which would read r.Body again.
		var err error
		vals, err = url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return "", tb.Errorf("MalformedQueryString", "The query string is malformed: %s.", err)
		}
		if r.Method == http.MethodPost {
			form, err := url.ParseQuery(string(body))
			if err != nil {
				return "", tb.Errorf("MalformedQueryString", "The form body is malformed: %s.", err)
			}
			for k, v := range form {
				vals[k] = append(vals[k], v...)
			}
		}
		action = vals.Get("Action")
	}
	id, err := s.sqsVerifier().Verify(r, body)
	if err != nil {
		return action, err
	}
	if s.SQS == nil {
		return action, tb.Errorf(sqsUnsupportedOperation, "This trailbridge server does not serve queues (SQS is not configured).")
	}
	queueURL := ""
	switch {
	case proto == protoSQSJSON:
		if r.Method != http.MethodPost || r.URL.Path != "/" {
			return action, tb.Errorf(sqsInvalidAction, "Only POST / is served for AmazonSQS.%s, not %s %s.", action, r.Method, r.URL.Path)
		}
	case r.Method != http.MethodPost && r.Method != http.MethodGet:
		return action, tb.Errorf(sqsInvalidAction, "Method %s is not served; the query protocol uses POST or GET.", r.Method)
	case r.URL.Path != "/":
		// A request posted to a queue's URL names that queue.
		queueURL = "http://" + r.Host + r.URL.Path
	}
	if action == "" {
		return "", tb.Errorf(sqsMissingAction, "The request must contain the parameter Action.")
	}
	h, ok := ops[action]
	if !ok {
		return action, tb.Errorf(sqsInvalidAction, "The action %s is not valid for this web service.", action)
	}
	ctx := withSQSCall(r.Context(), sqsCall{host: r.Host, accessKey: id.AccessKeyID})
	c.accessKey, c.body, c.form = id.AccessKeyID, body, vals
	var out any
	if proto == protoSQSJSON {
		out, err = h(ctx, func(v any) error { return decodeSQSJSON(body, v) })
	} else {
		out, err = h(ctx, func(v any) error { return decodeForm(vals, queueURL, v) })
	}
	c.out = out
	if err != nil {
		return action, err
	}
	if proto == protoSQSJSON {
		b, err := json.Marshal(out)
		if err != nil {
			return action, err
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Write(b)
		return action, nil
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Write(encodeXML(action, w.Header().Get("x-amzn-RequestId"), out))
	return action, nil
}

// decodeSQSJSON reads a JSON request strictly: malformed JSON, values of
// the wrong type and members the action does not have are refused, as
// SerializationException, before anything changes.
func decodeSQSJSON(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		e := tb.AsError(serializationError(err))
		return tb.Errorf(sqsSerialization, "%s", e.Message)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return tb.Errorf(sqsSerialization, "Request body holds text after the JSON object.")
	}
	return nil
}

// writeSQSError answers an error in the request's SQS protocol.
func writeSQSError(w http.ResponseWriter, proto protocol, e *tb.Error) {
	we := sqsWire(e)
	h := w.Header()
	if proto == protoSQSQuery {
		if e.Code == sqsQueueDoesNotExist {
			// The query protocol's words for it.
			we.message = "The specified queue does not exist for this wsdl version."
		}
		h.Set("Content-Type", "text/xml")
		w.WriteHeader(we.status)
		w.Write(encodeXMLError(we, h.Get("x-amzn-RequestId")))
		return
	}
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{we.jsonType, we.message})
	h.Set("Content-Type", "application/x-amz-json-1.0")
	// SQS is awsQueryCompatible: SDKs report the code of this header, the
	// one the query protocol answers.
	h.Set("x-amzn-query-error", we.queryCode+";"+we.fault)
	w.WriteHeader(we.status)
	w.Write(b)
}
