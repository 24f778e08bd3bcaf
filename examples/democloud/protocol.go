package democloud

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// ThrottleHeader is the request header that makes one call fail with
// throttling when its value is 1 or true.
const ThrottleHeader = "X-Demo-Throttle"

// service is one of the demo's services: its SigV4 signing name, its AWS
// JSON 1.1 target prefix, its query-protocol XML namespace and its
// operations by name.
type service struct {
	name   string // iam, s3, ec2, rds
	target string // X-Amz-Target prefix
	xmlns  string
	ops    map[string]operation
}

// An operation decodes its input with decode and runs with c.mu held.
type operation func(c *Cloud, cl *call, decode func(any) error) (any, error)

// op adapts a typed operation method.
func op[In, Out any](fn func(*Cloud, *call, *In) (*Out, error)) operation {
	return func(c *Cloud, cl *call, decode func(any) error) (any, error) {
		in := new(In)
		if err := decode(in); err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		out, err := fn(c, cl, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// noResult is the output of an operation that answers nothing.
type noResult struct{}

var services = map[string]*service{
	"iam": {name: "iam", target: "AWSIdentityManagementV20100508", xmlns: "https://iam.amazonaws.com/doc/2010-05-08/", ops: iamOps},
	"s3":  {name: "s3", target: "AmazonS3", xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", ops: s3Ops},
	"ec2": {name: "ec2", target: "AmazonEC2", xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/", ops: ec2Ops},
	"rds": {name: "rds", target: "AmazonRDSv19", xmlns: "http://rds.amazonaws.com/doc/2014-10-31/", ops: rdsOps},
}

// call is one request's context.
type call struct {
	svc       *service
	op        string
	region    string // the credential scope's, else the cloud's
	key       string // the credential scope's access key ID
	requestID string
	now       time.Time
}

// apiError is an error answered to the client in its protocol's shape.
type apiError struct {
	Code    string
	Message string
	Status  int
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Code: code, Message: fmt.Sprintf(format, args...), Status: status}
}

// scope is what the demo reads from a SigV4 credential scope; it does not
// verify signatures (the interceptor in front does).
type scope struct{ key, region, service string }

// parseScope reads the credential scope of r's Authorization header or
// presigned X-Amz-Credential parameter. A missing or malformed scope
// gives the zero scope.
func parseScope(r *http.Request) scope {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if a := r.Header.Get("Authorization"); a != "" {
		_, rest, ok := strings.Cut(a, "Credential=")
		if !ok {
			return scope{}
		}
		cred, _, _ = strings.Cut(rest, ",")
		cred = strings.TrimSpace(cred)
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return scope{}
	}
	return scope{key: parts[0], region: parts[2], service: parts[3]}
}

// ServeHTTP serves one call, in the protocol the request uses: AWS JSON
// 1.1 when it has an X-Amz-Target header, S3's REST-XML when it is signed
// for s3 (or unsigned and not a form), the query protocol (EC2's dialect
// for ec2) otherwise.
func (c *Cloud) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sc := parseScope(r)
	cl := &call{region: sc.region, key: sc.key, requestID: newUUID(), now: c.now().UTC()}
	if cl.region == "" {
		cl.region = c.region
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		body = nil
	}
	target := r.Header.Get("X-Amz-Target")
	switch {
	case target != "":
		c.serveJSON(w, r, cl, target, body, err)
	case sc.service == "s3" || (sc.service == "" && !isQuery(r)):
		c.serveS3(w, r, cl, body, err)
	default:
		c.serveQuery(w, r, cl, sc.service, body, err)
	}
}

// isQuery says whether r is a query-protocol call: a form, or a GET with
// an Action parameter.
func isQuery(r *http.Request) bool {
	if r.URL.Query().Has("Action") {
		return true
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return r.Method == http.MethodPost && mt == "application/x-www-form-urlencoded"
}

// invoke runs operation o for cl unless the call is throttled.
func (c *Cloud) invoke(r *http.Request, cl *call, o operation, decode func(any) error) (any, error) {
	if err := c.checkThrottle(r, cl); err != nil {
		return nil, err
	}
	return o(c, cl, decode)
}

func (c *Cloud) checkThrottle(r *http.Request, cl *call) error {
	h := strings.ToLower(r.Header.Get(ThrottleHeader))
	c.mu.Lock()
	throttled := h == "1" || h == "true" || c.throttled(cl.op, cl.key)
	c.mu.Unlock()
	if !throttled {
		return nil
	}
	if cl.svc.name == "ec2" {
		return errorf(http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
	}
	return errorf(http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
}

// serveJSON serves AWS JSON 1.1: POST /, X-Amz-Target: Prefix.Operation.
func (c *Cloud) serveJSON(w http.ResponseWriter, r *http.Request, cl *call, target string, body []byte, readErr error) {
	prefix, name, _ := strings.Cut(target, ".")
	for _, s := range services {
		if s.target == prefix {
			cl.svc = s
		}
	}
	var o operation
	if cl.svc != nil {
		o = cl.svc.ops[name]
	}
	if o == nil {
		c.writeJSONError(w, cl, errorf(http.StatusBadRequest, "UnknownOperationException", "Operation %s is not supported.", target))
		return
	}
	cl.op = name
	if readErr != nil {
		c.writeJSONError(w, cl, errorf(http.StatusRequestEntityTooLarge, "SerializationException", "The request body is too large."))
		return
	}
	decode := func(v any) error {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil
		}
		if err := json.Unmarshal(body, v); err != nil {
			return errorf(http.StatusBadRequest, "SerializationException", "The request body is not valid: %v", err)
		}
		return nil
	}
	out, err := c.invoke(r, cl, o, decode)
	if err != nil {
		c.writeJSONError(w, cl, err)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		c.writeJSONError(w, cl, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	setRequestID(w, cl)
	w.Write(b)
}

func (c *Cloud) writeJSONError(w http.ResponseWriter, cl *call, err error) {
	e := c.asAPIError(cl, err)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	setRequestID(w, cl)
	b, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
	w.WriteHeader(e.Status)
	w.Write(b)
}

// asAPIError returns err's apiError, or an internal error that it logs.
func (c *Cloud) asAPIError(cl *call, err error) *apiError {
	var e *apiError
	if errors.As(err, &e) {
		return e
	}
	c.logger.Error("democloud: internal error", "operation", cl.op, "requestId", cl.requestID, "err", err)
	return errorf(http.StatusInternalServerError, "InternalFailure", "The request processing has failed because of an unknown error.")
}

func setRequestID(w http.ResponseWriter, cl *call) {
	w.Header().Set("X-Amzn-RequestId", cl.requestID)
	if cl.svc != nil && cl.svc.name == "s3" {
		w.Header().Set("X-Amz-Request-Id", s3RequestID(cl.requestID))
	}
}

// serveQuery serves the query protocol (IAM, RDS) and its EC2 dialect:
// Action=Operation&Version=…&Member=… in a form body or the URL's query,
// answered in XML.
func (c *Cloud) serveQuery(w http.ResponseWriter, r *http.Request, cl *call, signing string, body []byte, readErr error) {
	cl.svc = services[signing]
	if readErr != nil {
		c.writeXMLError(w, cl, errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body is too large."))
		return
	}
	form := r.URL.Query()
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		f, err := url.ParseQuery(string(body))
		if err != nil {
			c.writeXMLError(w, cl, errorf(http.StatusBadRequest, "MalformedQueryString", "The form is not valid: %v", err))
			return
		}
		for k, v := range f {
			form[k] = append(form[k], v...)
		}
	}
	action := form.Get("Action")
	if cl.svc == nil { // unsigned: the action names the service
		for _, s := range services {
			if s.ops[action] != nil && s.name != "s3" {
				cl.svc = s
			}
		}
	}
	if action == "" {
		c.writeXMLError(w, cl, errorf(http.StatusBadRequest, "MissingAction", "The request must contain the parameter Action."))
		return
	}
	var o operation
	if cl.svc != nil && cl.svc.name != "s3" {
		o = cl.svc.ops[action]
	}
	if o == nil {
		c.writeXMLError(w, cl, errorf(http.StatusBadRequest, "InvalidAction", "The action %s is not valid for this web service.", action))
		return
	}
	cl.op = action
	delete(form, "Action")
	delete(form, "Version")
	decode := func(v any) error {
		tree, err := parseForm(form)
		if err == nil {
			err = bindForm(tree, v)
		}
		if err != nil {
			if cl.svc.name == "ec2" {
				return errorf(http.StatusBadRequest, "InvalidParameterValue", "%v", err)
			}
			return errorf(http.StatusBadRequest, "ValidationError", "%v", err)
		}
		return nil
	}
	out, err := c.invoke(r, cl, o, decode)
	if err != nil {
		c.writeXMLError(w, cl, err)
		return
	}
	var buf bytes.Buffer
	if cl.svc.name == "ec2" {
		inner, err := innerXML(out)
		if err != nil {
			c.writeXMLError(w, cl, err)
			return
		}
		fmt.Fprintf(&buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%sResponse xmlns=%q><requestId>%s</requestId>%s</%[1]sResponse>",
			action, cl.svc.xmlns, cl.requestID, inner)
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	} else {
		fmt.Fprintf(&buf, "<%sResponse xmlns=%q>", action, cl.svc.xmlns)
		if _, empty := out.(*noResult); !empty {
			enc := xml.NewEncoder(&buf)
			if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
				c.writeXMLError(w, cl, err)
				return
			}
		}
		fmt.Fprintf(&buf, "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>", cl.requestID, action)
		w.Header().Set("Content-Type", "text/xml")
	}
	setRequestID(w, cl)
	w.Write(buf.Bytes())
}

// innerXML is the XML of v's fields, without an element around them.
func innerXML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	if err := enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: "x"}}); err != nil {
		return nil, err
	}
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	b := bytes.TrimPrefix(buf.Bytes(), []byte("<x>"))
	return bytes.TrimSuffix(b, []byte("</x>")), nil
}

// writeXMLError answers err as the query protocol does (ErrorResponse) or
// as EC2 does (Response/Errors).
func (c *Cloud) writeXMLError(w http.ResponseWriter, cl *call, err error) {
	e := c.asAPIError(cl, err)
	var buf bytes.Buffer
	if cl.svc != nil && cl.svc.name == "ec2" {
		buf.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>")
		xml.EscapeText(&buf, []byte(e.Code))
		buf.WriteString("</Code><Message>")
		xml.EscapeText(&buf, []byte(e.Message))
		fmt.Fprintf(&buf, "</Message></Error></Errors><RequestID>%s</RequestID></Response>", cl.requestID)
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	} else {
		ns := ""
		if cl.svc != nil {
			ns = fmt.Sprintf(" xmlns=%q", cl.svc.xmlns)
		}
		typ := "Sender"
		if e.Status >= 500 && e.Code != "ThrottlingException" {
			typ = "Receiver"
		}
		fmt.Fprintf(&buf, "<ErrorResponse%s><Error><Type>%s</Type><Code>", ns, typ)
		xml.EscapeText(&buf, []byte(e.Code))
		buf.WriteString("</Code><Message>")
		xml.EscapeText(&buf, []byte(e.Message))
		fmt.Fprintf(&buf, "</Message></Error><RequestId>%s</RequestId></ErrorResponse>", cl.requestID)
		w.Header().Set("Content-Type", "text/xml")
	}
	setRequestID(w, cl)
	w.WriteHeader(e.Status)
	w.Write(buf.Bytes())
}

// awsTime is a timestamp: epoch seconds in JSON, as AWS JSON 1.1 sends
// them, and ISO 8601 in XML.
type awsTime time.Time

func (t awsTime) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(time.Time(t).UnixMilli())/1000, 'f', -1, 64)), nil
}

func (t awsTime) MarshalText() ([]byte, error) {
	return []byte(time.Time(t).UTC().Format("2006-01-02T15:04:05Z")), nil
}

// newUUID returns a random version-4 UUID, the shape of AWS's request IDs.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// s3RequestID is S3's 16-character request ID, derived from the call's.
func s3RequestID(id string) string {
	return strings.ToUpper(strings.ReplaceAll(id, "-", "")[:16])
}
