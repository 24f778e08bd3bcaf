package capture

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/cloudtrail"
)

// maxRecordBytes bounds a record: beyond it, its requestParameters and
// responseElements are summarised (an EventBridge event holds 256 KB).
const maxRecordBytes = 240 << 10

// appendRecord appends the call's CloudTrail record, with CloudTrail's
// key order. It runs on the hand-off's writer goroutine.
func (c *call) appendRecord(b []byte) []byte {
	start := len(b)
	b = c.appendRecordSized(b, false)
	if len(b)-start > maxRecordBytes {
		b = c.appendRecordSized(b[:start], true)
	}
	return b
}

func (c *call) appendRecordSized(b []byte, slim bool) []byte {
	cfg := &c.rec.cfg
	var (
		a                    awsCall
		source, name, region string
		readOnly, data       bool
	)
	if cfg.AWS {
		a = c.parseAWS()
		source, name, region, readOnly, data = a.source, a.name, a.region, a.readOnly, a.data
	} else {
		source, region = cfg.EventSource, cfg.Region
		if c.named {
			name, readOnly, data = c.op.Name, c.op.ReadOnly, c.op.DataEvent
		} else {
			name, readOnly = FallbackName(c.method, c.path), defaultReadOnly(c.method)
		}
	}
	failed := c.status >= 400

	b = append(b, `{"eventVersion":"`+cloudtrail.Version+`","userIdentity":`...)
	b = c.appendIdentity(b, a.cred.AccessKeyID)
	b = append(b, `,"eventTime":"`...)
	b = c.end.UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
	b = append(b, '"')
	b = appendField(b, "eventSource", source)
	b = appendField(b, "eventName", name)
	b = append(b, `,"awsRegion":`...)
	b = tb.AppendJSONString(b, region)
	b = appendField(b, "sourceIPAddress", c.sourceIP())
	b = appendField(b, "userAgent", c.userAgent)
	if failed {
		code, msg := c.errorDetails()
		if cfg.AWS {
			code = cloudTrailErrorCode(source, code)
		}
		b = appendField(b, "errorCode", code)
		b = appendField(b, "errorMessage", msg)
	}
	b = append(b, `,"requestParameters":`...)
	if slim {
		b = appendSummary(b, c.contentType, max(c.reqLen, c.declaredLen), true)
	} else {
		b = c.appendRequestParameters(b, &a)
	}
	b = append(b, `,"responseElements":`...)
	switch {
	case failed || readOnly || c.respLen == 0:
		b = append(b, "null"...)
	case slim:
		b = appendSummary(b, c.respType, c.respLen, true)
	case a.protocol == protoQuery && c.respLen <= int64(c.rec.maxBody) && !json.Valid(c.resp):
		if j, ok := queryAnswerJSON(c.resp); ok {
			b = rewrite{aws: true}.appendJSON(b, j)
			break
		}
		b = c.appendResponseBody(b, rewrite{aws: true})
	default:
		b = c.appendResponseBody(b, rewrite{lowerKeys: a.protocol == protoJSON, aws: cfg.AWS})
	}
	if a.protocol == protoS3 && a.hasCred {
		b = append(b, `,"additionalEventData":{"SignatureVersion":"SigV4"`...)
		if c.tls != nil {
			b = appendField(b, "CipherSuite", cipherSuiteName(c.tls.CipherSuite))
		}
		b = append(b, `,"bytesTransferredIn":`...)
		b = strconv.AppendInt(b, c.reqLen, 10)
		b = append(b, `,"AuthenticationMethod":`...)
		if a.authQuery {
			b = append(b, `"QueryString"`...)
		} else {
			b = append(b, `"AuthHeader"`...)
		}
		b = append(b, `,"bytesTransferredOut":`...)
		b = strconv.AppendInt(b, c.respLen, 10)
		b = append(b, '}')
	}
	requestID := c.requestID
	if requestID == "" {
		requestID = cloudtrail.NewID()
	}
	b = appendField(b, "requestID", requestID)
	b = append(b, `,"eventID":"`...)
	b = append(b, cloudtrail.NewID()...)
	b = append(b, `","readOnly":`...)
	b = strconv.AppendBool(b, readOnly)
	if a.protocol == protoS3 && a.s3.bucket != "" {
		b = appendS3Resources(b, a.s3.bucket, a.s3.key, cfg.Account)
	}
	b = append(b, `,"eventType":"`+cloudtrail.EventTypeAPICall+`","managementEvent":`...)
	b = strconv.AppendBool(b, !data)
	b = appendField(b, "recipientAccountId", cfg.Account)
	if data {
		b = append(b, `,"eventCategory":"`+cloudtrail.CategoryData+`"`...)
	} else {
		b = append(b, `,"eventCategory":"`+cloudtrail.CategoryManagement+`"`...)
	}
	if c.tls != nil {
		b = append(b, `,"tlsDetails":{"tlsVersion":`...)
		b = tb.AppendJSONString(b, tlsVersionName(c.tls.Version))
		b = appendField(b, "cipherSuite", cipherSuiteName(c.tls.CipherSuite))
		b = appendField(b, "clientProvidedHostHeader", c.host)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendField appends ,"name":"value" when value is not empty.
func appendField(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return tb.AppendJSONString(b, value)
}

// appendIdentity appends the Identifier's answer, or an identity of type
// Unknown carrying only the access key the request named.
func (c *call) appendIdentity(b []byte, accessKeyID string) []byte {
	if id := c.rec.cfg.Identity; id != nil {
		body, ok := c.wholeBody()
		if ok && body == nil {
			body = []byte{}
		}
		if ui := id.Identify(c.r, body); ui != nil {
			if j, err := ui.MarshalJSON(); err == nil {
				return append(b, j...)
			}
		}
	}
	b = append(b, `{"type":"`+cloudtrail.IdentityUnknown+`"`...)
	b = appendField(b, "accessKeyId", accessKeyID)
	return append(b, '}')
}

// appendRequestParameters appends requestParameters:
//   - AWS JSON protocols: the body, member names' first letter lower-cased;
//   - AWS query protocol: the parameters but Action and Version, nested at
//     their dots, member names' first letter lower-cased;
//   - S3: bucketName, Host, key, the query (sub-resources as ""), and
//     PutBucketPolicy's policy parsed as bucketPolicy;
//   - otherwise: an object of the path parameters, then the query
//     parameters (a string, or an array when repeated), then the members
//     of a JSON object body; a name already present is not repeated (path
//     beats query beats body). A body that is not a JSON object comes as
//     the member "body": the JSON value, or a summary.
//
// An empty result is null.
func (c *call) appendRequestParameters(b []byte, a *awsCall) []byte {
	switch a.protocol {
	case protoJSON:
		if c.reqLen == 0 && c.declaredLen <= 0 {
			return append(b, "null"...)
		}
		return c.appendRequestBody(b, rewrite{lowerKeys: true, aws: true})
	case protoQuery:
		return appendForm(b, a.form)
	case protoS3:
		return c.appendS3Parameters(b, &a.s3)
	}
	start := len(b)
	b = append(b, '{')
	var names []string
	member := func(name string) bool {
		if slices.Contains(names, name) {
			return false
		}
		if len(names) > 0 {
			b = append(b, ',')
		}
		names = append(names, name)
		b = tb.AppendJSONString(b, name)
		b = append(b, ':')
		return true
	}
	for _, p := range c.op.Params {
		if member(p.Name) {
			b = appendSecret(b, p.Name, p.Value)
		}
	}
	if q := queryValues(c.rawQuery); len(q) > 0 {
		for _, k := range sortedKeys(q) {
			if !member(k) {
				continue
			}
			b = appendValues(b, k, q[k])
		}
	}
	if c.reqLen > 0 || c.declaredLen > 0 {
		if body, ok := c.wholeBody(); ok && json.Valid(body) && body[skipWS(body, 0)] == '{' {
			members(body, func(keyRaw, val []byte) {
				if !member(unquote(keyRaw)) {
					return
				}
				if sensitiveRaw(keyRaw) && !(isKeyName(keyRaw) && hasMember(body, "value")) {
					b = append(b, `"`+cloudtrail.Hidden+`"`...)
				} else {
					b = rewrite{}.appendJSON(b, val)
				}
			})
		} else if member("body") {
			b = c.appendRequestBody(b, rewrite{})
		}
	}
	if len(names) == 0 {
		return append(b[:start], "null"...)
	}
	return append(b, '}')
}

// appendSecret appends value as a string, or Hidden when name is sensitive.
func appendSecret(b []byte, name, value string) []byte {
	if Sensitive(name) {
		return append(b, `"`+cloudtrail.Hidden+`"`...)
	}
	return tb.AppendJSONString(b, value)
}

func appendValues(b []byte, name string, vs []string) []byte {
	// A repeated secret is hidden whole, as one string: how many values
	// it had is not the record's business.
	if len(vs) == 1 || Sensitive(name) {
		return appendSecret(b, name, vs[0])
	}
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendSecret(b, name, v)
	}
	return append(b, ']')
}

// appendRequestBody appends the request body as appendBody does.
func (c *call) appendRequestBody(b []byte, o rewrite) []byte {
	body, whole := c.wholeBody()
	return appendBody(b, body, whole, max(c.reqLen, c.declaredLen), c.contentType, o)
}

// appendResponseBody appends the response body as appendBody does.
func (c *call) appendResponseBody(b []byte, o rewrite) []byte {
	return appendBody(b, c.resp, c.respLen <= int64(c.rec.maxBody), c.respLen, c.respType, o)
}

// appendBody appends a body of n bytes: its JSON, redacted, when it was
// kept whole and parses; otherwise its summary.
func appendBody(b, body []byte, whole bool, n int64, contentType string, o rewrite) []byte {
	if whole && len(body) > 0 && json.Valid(body) {
		return o.appendJSON(b, body)
	}
	return appendSummary(b, contentType, n, !whole)
}

// appendSummary appends {"contentType":…,"contentLength":N} and, for a
// body that was not kept whole, "truncated":true.
func appendSummary(b []byte, contentType string, n int64, truncated bool) []byte {
	b = append(b, `{"contentType":`...)
	b = tb.AppendJSONString(b, contentType)
	b = append(b, `,"contentLength":`...)
	b = strconv.AppendInt(b, n, 10)
	if truncated {
		b = append(b, `,"truncated":true`...)
	}
	return append(b, '}')
}

func (c *call) appendS3Parameters(b []byte, s *s3Request) []byte {
	b = append(b, '{')
	first := true
	field := func(name string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = tb.AppendJSONString(b, name)
		b = append(b, ':')
	}
	if s.bucket != "" {
		field("bucketName")
		b = tb.AppendJSONString(b, s.bucket)
	}
	field("Host")
	b = tb.AppendJSONString(b, c.host)
	if s.key != "" {
		field("key") // an object's name, not a secret
		b = tb.AppendJSONString(b, s.key)
	}
	for _, k := range sortedKeys(s.query) {
		if k == "bucketName" || k == "Host" || k == "key" || k == "bucketPolicy" {
			continue
		}
		field(k)
		b = appendValues(b, k, s.query[k])
	}
	if s.name == "PutBucketPolicy" {
		if body, ok := c.wholeBody(); ok && json.Valid(body) {
			field("bucketPolicy")
			b = rewrite{}.appendJSON(b, body)
		}
	}
	return append(b, '}')
}

// appendS3Resources appends the resources member of an S3 call's record,
// as CloudTrail writes it: the object (for an object call), then the bucket
// with its owner's account (taken to be this account).
func appendS3Resources(b []byte, bucket, key, account string) []byte {
	b = append(b, `,"resources":[`...)
	if key != "" {
		b = append(b, `{"type":"AWS::S3::Object","ARN":`...)
		b = tb.AppendJSONString(b, "arn:aws:s3:::"+bucket+"/"+key)
		b = append(b, "},"...)
	}
	b = append(b, `{"accountId":`...)
	b = tb.AppendJSONString(b, account)
	b = append(b, `,"type":"AWS::S3::Bucket","ARN":`...)
	b = tb.AppendJSONString(b, "arn:aws:s3:::"+bucket)
	return append(b, "}]"...)
}

// cloudTrailErrorCode writes an AWS error code as CloudTrail's records do
// for the services whose codes they change: EC2's start with "Client.", or
// "Server." for the service's own failures (Server.InsufficientInstanceCapacity);
// IAM's modelled errors end in "Exception" (NoSuchEntityException), as in
// ../shared/data's real records.
func cloudTrailErrorCode(source, code string) string {
	switch source {
	case "ec2.amazonaws.com":
		if !strings.HasPrefix(code, "Client.") && !strings.HasPrefix(code, "Server.") {
			if ec2ServerErrors[code] {
				return "Server." + code
			}
			return "Client." + code // throttling too: Client.RequestLimitExceeded, though a 503
		}
	case "iam.amazonaws.com":
		if iamExceptions[code] {
			return code + "Exception"
		}
	}
	return code
}

// ec2ServerErrors are EC2's error codes of its own failures, which
// CloudTrail writes after "Server.".
var ec2ServerErrors = map[string]bool{
	"InternalError": true, "InternalFailure": true, "Unavailable": true, "ServiceUnavailable": true,
	"InsufficientInstanceCapacity": true, "InsufficientHostCapacity": true, "InsufficientReservedInstanceCapacity": true,
	"InsufficientAddressCapacity": true, "InsufficientCapacity": true, "InsufficientCapacityOnHost": true,
	"InsufficientVolumeCapacity": true,
}

// iamExceptions are IAM's error codes that CloudTrail writes with
// "Exception" after them (AccessDenied and throttling keep theirs).
var iamExceptions = map[string]bool{
	"NoSuchEntity": true, "EntityAlreadyExists": true, "LimitExceeded": true, "MalformedPolicyDocument": true,
	"DeleteConflict": true, "InvalidInput": true, "UnmodifiableEntity": true, "EntityTemporarilyUnmodifiable": true,
	"PasswordPolicyViolation": true, "ConcurrentModification": true, "ServiceFailure": true,
	"DuplicateSSHPublicKey": true, "InvalidPublicKey": true, "UnrecognizedPublicKeyEncoding": true,
	"DuplicateCertificate": true, "InvalidCertificate": true, "MalformedCertificate": true, "KeyPairMismatch": true,
	"PolicyEvaluation": true, "PolicyNotAttachable": true, "ReportGenerationLimitExceeded": true,
	"CredentialReportNotPresent": true, "CredentialReportExpired": true, "CredentialReportNotReady": true,
	"InvalidAuthenticationCode": true, "OpenIdIdpCommunicationError": true,
}

// errorDetails returns errorCode and errorMessage of a failed call: from
// the x-amzn-ErrorType header (AWS mode), a JSON body's __type, code,
// errorCode or error (a string, or an object with code and message), and
// message, Message, errorMessage, error_description, detail or title; an
// XML body's <Code> and <Message>; else the status text (NotFound).
func (c *call) errorDetails() (code, msg string) {
	if c.rec.cfg.AWS && c.errorType != "" {
		code, _, _ = strings.Cut(c.errorType, ":")
	}
	body := bytes.TrimSpace(c.resp)
	switch {
	case len(body) > 0 && body[0] == '{' && int64(len(c.resp)) == c.respLen && json.Valid(body):
		var codeKeys = [...]string{"__type", "code", "Code", "errorCode", "error"}
		var msgKeys = [...]string{"message", "Message", "errorMessage", "error_description", "detail", "title"}
		found := map[string]string{}
		members(body, func(keyRaw, val []byte) {
			k := unquote(keyRaw)
			switch {
			case val[0] == '"':
				if slices.Contains(codeKeys[:], k) || slices.Contains(msgKeys[:], k) {
					found[k] = unquote(val)
				}
			case val[0] == '{' && k == "error":
				members(val, func(kr, v []byte) {
					if v[0] == '"' {
						found["error."+unquote(kr)] = unquote(v)
					}
				})
			}
		})
		if code == "" {
			for _, k := range append(codeKeys[:], "error.code", "error.Code") {
				if v := found[k]; v != "" {
					code = v
					break
				}
			}
		}
		for _, k := range append(msgKeys[:], "error.message", "error.Message") {
			if v := found[k]; v != "" {
				msg = v
				break
			}
		}
		if i := strings.LastIndexByte(code, '#'); i >= 0 {
			code = code[i+1:]
		}
		code, _, _ = strings.Cut(code, ":")
	case len(body) > 0 && body[0] == '<':
		if code == "" {
			code = xmlElement(body, "Code")
		}
		msg = xmlElement(body, "Message")
	}
	if code == "" {
		code = strings.ReplaceAll(http.StatusText(c.status), " ", "")
		if code == "" {
			code = "HTTP" + strconv.Itoa(c.status)
		}
	}
	if msg == "" {
		msg = http.StatusText(c.status)
	}
	return truncate(code, 128), truncate(msg, 1024)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

var xmlUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&amp;", "&")

// xmlElement returns the text of the first <name> element of an XML body.
func xmlElement(body []byte, name string) string {
	i := bytes.Index(body, []byte("<"+name+">"))
	if i < 0 {
		return ""
	}
	rest := body[i+len(name)+2:]
	j := bytes.Index(rest, []byte("</"+name+">"))
	if j < 0 {
		return ""
	}
	return xmlUnescaper.Replace(string(rest[:j]))
}

// sourceIP returns the caller's address: the peer's, or, when the peer is
// a trusted proxy, the first address not trusted walking the
// X-Forwarded-For (else Forwarded) hops from the right.
func (c *call) sourceIP() string {
	ap, err := netip.ParseAddrPort(c.remoteAddr)
	var addr netip.Addr
	if err == nil {
		addr = ap.Addr().Unmap()
	} else if addr, err = netip.ParseAddr(c.remoteAddr); err != nil {
		return c.remoteAddr
	}
	trusted := c.rec.cfg.TrustedProxies
	if !isTrusted(trusted, addr) {
		return addr.String()
	}
	var hops []string
	if c.forwardedFor != "" {
		hops = strings.Split(c.forwardedFor, ",")
	} else if c.forwarded != "" {
		hops = forwardedFor(c.forwarded)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		addr = a
		if !isTrusted(trusted, a) {
			break
		}
	}
	return addr.String()
}

func isTrusted(trusted []netip.Prefix, a netip.Addr) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads one forwarded address: 192.0.2.1, 192.0.2.1:80,
// 2001:db8::1, [2001:db8::1]:443, quoted or not.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.Trim(strings.TrimSpace(s), `"`)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// forwardedFor returns the for= values of a Forwarded header (RFC 7239).
func forwardedFor(h string) []string {
	var out []string
	for elem := range strings.SplitSeq(h, ",") {
		v := ""
		for pair := range strings.SplitSeq(elem, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if ok && strings.EqualFold(k, "for") {
				v = val
			}
		}
		out = append(out, v)
	}
	return out
}

// appendForm appends query-protocol parameters as CloudTrail writes them:
// Tags.member.1.Key=a becomes {"tags":[{"key":"a"}]}, names lower-camel
// cased at every level, members sorted, sensitive values hidden. No
// parameters is null.
func appendForm(b []byte, form url.Values) []byte {
	if len(form) == 0 {
		return append(b, "null"...)
	}
	root := &formNode{}
	for _, k := range sortedKeys(form) {
		root.set(strings.Split(k, "."), form[k][0])
	}
	return root.appendJSON(b, "")
}

// formNode is one level of nested query parameters.
type formNode struct {
	value   *string
	names   []string // member names, in order
	members map[string]*formNode
	items   map[int]*formNode
}

const maxFormIndex = 10000

func (n *formNode) set(path []string, v string) {
	if len(path) == 0 {
		if n.value == nil {
			n.value = &v
		}
		return
	}
	p := path[0]
	if (p == "member" || p == "item" || p == "entry") && len(path) > 1 && isDigits(path[1]) {
		path, p = path[1:], path[1]
	}
	if isDigits(p) {
		i, err := strconv.Atoi(p)
		if err != nil || i > maxFormIndex {
			return
		}
		if n.items == nil {
			n.items = map[int]*formNode{}
		}
		child := n.items[i]
		if child == nil {
			child = &formNode{}
			n.items[i] = child
		}
		child.set(path[1:], v)
		return
	}
	name := lowerFirst(p)
	if n.members == nil {
		n.members = map[string]*formNode{}
	}
	child := n.members[name]
	if child == nil {
		child = &formNode{}
		n.members[name] = child
		n.names = append(n.names, name)
	}
	child.set(path[1:], v)
}

func (n *formNode) appendJSON(b []byte, name string) []byte {
	if name != "" && Sensitive(name) {
		return append(b, `"`+cloudtrail.Hidden+`"`...)
	}
	switch {
	case len(n.names) > 0:
		b = append(b, '{')
		slices.Sort(n.names)
		for i, k := range n.names {
			if i > 0 {
				b = append(b, ',')
			}
			b = tb.AppendJSONString(b, k)
			b = append(b, ':')
			name := k
			if k == "key" && n.members["value"] != nil {
				name = "" // a tag's name, not a secret
			}
			b = n.members[k].appendJSON(b, name)
		}
		return append(b, '}')
	case len(n.items) > 0:
		idx := make([]int, 0, len(n.items))
		for i := range n.items {
			idx = append(idx, i)
		}
		slices.Sort(idx)
		b = append(b, '[')
		for j, i := range idx {
			if j > 0 {
				b = append(b, ',')
			}
			b = n.items[i].appendJSON(b, "")
		}
		return append(b, ']')
	case n.value != nil:
		return tb.AppendJSONString(b, *n.value)
	}
	return append(b, "null"...)
}

// tlsVersionName names a TLS version as CloudTrail does (TLSv1.2).
func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return tls.VersionName(v)
}

// cipherSuites are OpenSSL's names of the suites Go speaks, which
// CloudTrail writes (ECDHE-RSA-AES128-GCM-SHA256); TLS 1.3 suites keep
// their IANA names.
var cipherSuites = map[uint16]string{
	tls.TLS_AES_128_GCM_SHA256:                        "TLS_AES_128_GCM_SHA256",
	tls.TLS_AES_256_GCM_SHA384:                        "TLS_AES_256_GCM_SHA384",
	tls.TLS_CHACHA20_POLY1305_SHA256:                  "TLS_CHACHA20_POLY1305_SHA256",
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:         "ECDHE-RSA-AES128-GCM-SHA256",
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:         "ECDHE-RSA-AES256-GCM-SHA384",
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:       "ECDHE-ECDSA-AES128-GCM-SHA256",
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:       "ECDHE-ECDSA-AES256-GCM-SHA384",
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:   "ECDHE-RSA-CHACHA20-POLY1305",
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-ECDSA-CHACHA20-POLY1305",
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:            "ECDHE-RSA-AES128-SHA",
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:            "ECDHE-RSA-AES256-SHA",
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA:          "ECDHE-ECDSA-AES128-SHA",
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:          "ECDHE-ECDSA-AES256-SHA",
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256:         "ECDHE-RSA-AES128-SHA256",
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256:       "ECDHE-ECDSA-AES128-SHA256",
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256:               "AES128-GCM-SHA256",
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384:               "AES256-GCM-SHA384",
	tls.TLS_RSA_WITH_AES_128_CBC_SHA:                  "AES128-SHA",
	tls.TLS_RSA_WITH_AES_256_CBC_SHA:                  "AES256-SHA",
	tls.TLS_RSA_WITH_AES_128_CBC_SHA256:               "AES128-SHA256",
	tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA:           "ECDHE-RSA-DES-CBC3-SHA",
	tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA:                 "DES-CBC3-SHA",
	tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA:                "ECDHE-RSA-RC4-SHA",
	tls.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA:              "ECDHE-ECDSA-RC4-SHA",
	tls.TLS_RSA_WITH_RC4_128_SHA:                      "RC4-SHA",
}

func cipherSuiteName(id uint16) string {
	if n, ok := cipherSuites[id]; ok {
		return n
	}
	return tls.CipherSuiteName(id)
}
