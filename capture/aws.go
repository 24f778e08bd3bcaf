package capture

import (
	"cmp"
	"net/url"
	"strings"
)

// Credential is the credential scope of a SigV4-signed request.
type Credential struct {
	AccessKeyID string
	Date        string // yyyymmdd
	Region      string
	Service     string // the signing name
	Presigned   bool   // from the X-Amz-Credential query parameter
}

// ParseAuthorization reads the credential scope of an
// "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
// SignedHeaders=…, Signature=…" header. It reports false for any other
// header; the signature itself is not looked at.
func ParseAuthorization(h string) (Credential, bool) {
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 ")
	if !ok {
		return Credential{}, false
	}
	for part := range strings.SplitSeq(rest, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "Credential="); ok {
			return ParseCredential(v)
		}
	}
	return Credential{}, false
}

// ParseCredential reads "AKID/DATE/REGION/SERVICE/aws4_request", the
// value of Credential= and of the X-Amz-Credential query parameter.
func ParseCredential(v string) (Credential, bool) {
	parts := strings.Split(v, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return Credential{}, false
	}
	c := Credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}
	if !isToken(c.AccessKeyID, 128, false) || len(c.Date) != 8 || !isDigits(c.Date) ||
		!isToken(c.Region, 64, true) || !isToken(c.Service, 64, true) {
		return Credential{}, false
	}
	return c, true
}

// isToken reports whether s is 1..n characters of letters, digits (and,
// for names, '-', '_' and '.').
func isToken(s string, n int, name bool) bool {
	if s == "" || len(s) > n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || name && (c == '-' || c == '_' || c == '.')) {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// eventSources maps signing names to CloudTrail's eventSource service
// where the two differ.
var eventSources = map[string]string{
	"email":            "ses",        // SES's endpoint prefix
	"execute-api":      "apigateway", // management calls signed for execute-api
	"s3-object-lambda": "s3",
}

// targetServices maps X-Amz-Target prefixes to signing names, for
// requests that carry no credential scope.
var targetServices = map[string]string{
	"AmazonSQS": "sqs", "AWSEvents": "events", "DynamoDB_20120810": "dynamodb", "TrentService": "kms",
	"AmazonSSM": "ssm", "secretsmanager": "secretsmanager", "Logs_20140328": "logs",
	"AWSStepFunctions": "states", "Kinesis_20131202": "kinesis", "Firehose_20150804": "firehose",
	"AWSCognitoIdentityProviderService": "cognito-idp", "GraniteServiceVersion20100801": "monitoring",
	"AmazonEC2ContainerServiceV20141113": "ecs", "AmazonEC2ContainerRegistry_V20150921": "ecr",
	"CertificateManager": "acm", "AmazonAthena": "athena", "AWSGlue": "glue", "TrailBridge": "events",
}

// globalServices are logged in us-east-1 whatever region a client signs for.
var globalServices = map[string]bool{"iam": true, "cloudfront": true, "route53": true, "organizations": true}

// dataEvents are the JSON-protocol operations CloudTrail logs as data
// events, by signing name.
var dataEvents = map[string]map[string]bool{
	"dynamodb": {"GetItem": true, "PutItem": true, "UpdateItem": true, "DeleteItem": true, "Query": true, "Scan": true,
		"BatchGetItem": true, "BatchWriteItem": true, "TransactGetItems": true, "TransactWriteItems": true},
	"lambda": {"Invoke": true},
}

// awsProtocol is how an AWS request carries its operation.
type awsProtocol uint8

const (
	protoREST  awsProtocol = iota // a REST path, named by FallbackName
	protoJSON                     // X-Amz-Target
	protoQuery                    // Action= in the query or a form body
	protoS3                       // S3's REST shapes
)

// awsCall is what an AWS request says about itself.
type awsCall struct {
	cred      Credential
	hasCred   bool
	service   string // signing name, or guessed
	source    string // eventSource
	region    string
	name      string
	readOnly  bool
	data      bool
	protocol  awsProtocol
	form      url.Values // query protocol: the parameters
	s3        s3Request
	authQuery bool // presigned
}

// parseAWS reads an AWS request's operation from the call's snapshot.
func (c *call) parseAWS() awsCall {
	var a awsCall
	if c.authorization != "" {
		a.cred, a.hasCred = ParseAuthorization(c.authorization)
	}
	var query url.Values
	if c.rawQuery != "" {
		query, _ = url.ParseQuery(c.rawQuery)
		if !a.hasCred {
			if v := query.Get("X-Amz-Credential"); v != "" {
				a.cred, a.hasCred = ParseCredential(v)
				a.cred.Presigned, a.authQuery = a.hasCred, a.hasCred
			}
		}
	}
	a.service = a.cred.Service
	prefix, op, hasTarget := strings.Cut(c.target, ".")
	if c.target != "" && !hasTarget {
		op = c.target
	}
	if i := strings.LastIndexByte(op, '.'); i >= 0 {
		op = op[i+1:]
	}
	if a.service == "" && hasTarget {
		a.service = targetServices[prefix]
	}
	if a.service == "" {
		a.service = hostService(c.host)
	}
	switch {
	case c.target != "" && op != "":
		a.protocol, a.name = protoJSON, op
	case query.Get("Action") != "" || c.formAction() != "":
		a.protocol = protoQuery
		a.form = c.formValues(query)
		a.name = a.form.Get("Action")
		delete(a.form, "Action")
		delete(a.form, "Version")
	case a.service == "s3" || a.service == "s3-object-lambda" || (a.service == "" && looksLikeS3Host(c.host)):
		a.protocol = protoS3
		a.service = "s3"
		a.s3 = parseS3(c.method, c.host, c.path, query, c.copySource)
		a.name, a.data = a.s3.name, a.s3.data
	default:
		a.protocol, a.name = protoREST, FallbackName(c.method, c.path)
	}
	if !isToken(a.name, 128, true) {
		a.name = FallbackName(c.method, c.path)
	}
	if a.service != "" {
		svc := a.service
		if s, ok := eventSources[svc]; ok {
			svc = s
		}
		a.source = svc + ".amazonaws.com"
	} else if a.source = c.rec.cfg.EventSource; a.source == "" {
		// Nothing names the service and no EventSource is set: the
		// host the call was sent to names it, so that the call is
		// still recorded (a record without an eventSource would be
		// refused by the bus and lost).
		a.source = cmp.Or(stripPort(c.host), "unknown")
	}
	a.region = a.cred.Region
	if a.region == "" {
		a.region = c.rec.cfg.Region
	}
	if globalServices[a.service] {
		a.region = "us-east-1"
	}
	a.readOnly = awsReadOnly(a.name)
	if dataEvents[a.service][a.name] {
		a.data = true
	}
	return a
}

// awsReadOnly says whether an AWS operation reads: its name starts with
// Get, List, Describe, Head or BatchGet, or it is one of the reads named
// otherwise that CloudTrail's records mark readOnly (Query, Scan,
// LookupEvents, KMS Decrypt and Encrypt, STS AssumeRole, …; those seen in
// ../shared/data's real records, and their siblings).
func awsReadOnly(name string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Head", "BatchGet"} {
		if rest, ok := strings.CutPrefix(name, p); ok && (rest == "" || rest[0] >= 'A' && rest[0] <= 'Z' || rest[0] >= '0' && rest[0] <= '9') {
			return true
		}
	}
	switch name {
	case "Query", "Scan", "LookupEvents", "Select", "SelectObjectContent", "SearchInsights",
		// Read-only by CloudTrail, though not named so: KMS's
		// cryptographic calls and STS's role assumptions.
		"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
		"GenerateDataKeyPairWithoutPlaintext", "GenerateRandom",
		"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity":
		return true
	}
	return false
}

// formAction returns the Action of a form-encoded request body.
func (c *call) formAction() string {
	if !isForm(c.contentType) {
		return ""
	}
	body := c.req
	for len(body) > 0 {
		var kv []byte
		if i := indexByte(body, '&'); i >= 0 {
			kv, body = body[:i], body[i+1:]
		} else {
			kv, body = body, nil
		}
		if v, ok := strings.CutPrefix(string(kv), "Action="); ok {
			if u, err := url.QueryUnescape(v); err == nil {
				return u
			}
			return ""
		}
	}
	return ""
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func isForm(ct string) bool {
	ct, _, _ = strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded")
}

// formValues merges the query and a form body, without SigV4's
// presigning parameters.
func (c *call) formValues(query url.Values) url.Values {
	v := url.Values{}
	for k, vs := range query {
		v[k] = vs
	}
	if isForm(c.contentType) {
		if b, ok := c.wholeBody(); ok {
			if f, err := url.ParseQuery(string(b)); err == nil {
				for k, vs := range f {
					v[k] = append(v[k], vs...)
				}
			}
		}
	}
	for k := range v {
		if isSigningParam(k) {
			delete(v, k)
		}
	}
	return v
}

// hostService guesses a signing name from an AWS endpoint host name
// (sqs.us-east-1.amazonaws.com → sqs).
func hostService(host string) string {
	host = stripPort(host)
	if !strings.HasSuffix(host, ".amazonaws.com") {
		return ""
	}
	if looksLikeS3Host(host) {
		return "s3"
	}
	svc, _, _ := strings.Cut(host, ".")
	if !isToken(svc, 64, true) {
		return ""
	}
	return svc
}

func stripPort(host string) string {
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i > 0 {
			return host[:i+1]
		}
		return host
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		return host[:i]
	}
	return host
}
