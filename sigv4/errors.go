package sigv4

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	tb "github.com/trailbridge/trailbridge"
)

// The texts AWS's JSON-protocol services answer authentication failures with,
// verbatim. AWS publishes no list of them; each was taken from responses
// quoted in public bug reports or from emulators written to reproduce them,
// as noted beside it. Format verbs stand where AWS echoes request
// values. Some texts end in a space: AWS's do.
const (
	// dynalite test/connection.js (assertMissing, a suite meant to pass
	// against live DynamoDB too); scratchstack-aws-signature src/constants.rs.
	msgMissingToken = "Request is missing Authentication Token"

	// Each missing part adds one sentence; the header follows them, as
	// "Authorization=<header>". dynalite test/connection.js (assertIncomplete);
	// aws/aws-sdk-js#4285 (SSM); aws/chalice#828.
	msgRequiresCredential    = "Authorization header requires 'Credential' parameter."
	msgRequiresSignature     = "Authorization header requires 'Signature' parameter."
	msgRequiresSignedHeaders = "Authorization header requires 'SignedHeaders' parameter."
	msgRequiresDate          = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."

	// A part without "=", then the whole header.
	// awslabs/fhir-works-on-aws-deployment#379 (DynamoDB);
	// iann0036/cloud9-sync#10 (Cloud9).
	msgNotKeyValue = "'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'."

	// The date as sent. dynalite index.js (comment recording DynamoDB's
	// answer); scratchstack-aws-signature src/canonical.rs.
	msgBadDate = "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601"

	// Signed time, server time minus (plus) the allowance, server time,
	// allowance. aws/aws-sdk-js#254 and remind101/logspout-kinesis#21
	// (Kinesis, "5 min."); s12v/awsbeats#48 (Kinesis) and
	// basak/glacier-cli#36; docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html.
	msgExpired       = "Signature expired: %s is now earlier than %s (%s - %s.)"
	msgNotYetCurrent = "Signature not yet current: %s is still later than %s (%s + %s.)"

	// dynalite index.js (comment recording DynamoDB's answer).
	msgHostNotSigned = "'Host' must be a 'SignedHeader' in the AWS Authorization."

	// The algorithm as sent. dynalite index.js (comment recording DynamoDB's
	// answer).
	msgUnsupportedAlgorithm = "Unsupported AWS 'algorithm': '%s' (only AWS4-HMAC-SHA256 for now). "

	// The credential as sent. dynalite index.js (comment recording DynamoDB's
	// answer); scratchstack-aws-signature tests.
	msgCredentialParts = "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'"

	// Scope mismatches: one sentence per wrong part, in this order, run
	// together in one message. dynalite index.js (comment recording all four
	// from DynamoDB); region: aws/aws-sdk-ruby#508 (SQS),
	// joona/aws-es-curl#15; service: aws/aws-sdk-ruby#431 (EMR, full HTTP
	// response), disneystreaming/smithy4s#1568 (SageMaker, 2024),
	// paws-r/paws#426 (EventBridge, HTTP 400; quoted there as "scoped to
	// correct : 'events'", without the word "service").
	msgScopeRegion     = "Credential should be scoped to a valid region, not '%s'. "
	msgScopeService    = "Credential should be scoped to correct service: '%s'. "
	msgScopeTerminator = "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. "
	msgScopeDate       = "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'."

	// maxbanton/cwh#119 (CloudWatch Logs, HTTP 400);
	// ArranJacques/laravel-aws-cognito-auth#25 (Cognito, HTTP 400); dynalite
	// index.js.
	msgUnrecognizedClient = "The security token included in the request is invalid."

	// Followed by the canonical request and string to sign the server
	// computed. dynalite index.js (comment recording DynamoDB's answer);
	// aws/aws-sdk-js#168 (Lambda).
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'%s'\n\nThe String-to-Sign should have been\n'%s'\n"

	// nubo-db/dynoxide src (a DynamoDB emulator that states it mirrors
	// DynamoDB's texts; not seen in an AWS response).
	msgBothAuth = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."

	// Presigned requests: one sentence per missing parameter, then
	// msgReexamineQuery. scratchstack-aws-signature src/canonical.rs;
	// nubo-db/dynoxide.
	msgQueryRequires  = "AWS query-string parameters must include '%s'."
	msgReexamineQuery = "Re-examine the query-string parameters."

	// Amazon S3's texts for a bad X-Amz-Expires (code
	// AuthorizationQueryParametersError there); what JSON services say is
	// unknown. minio/minio-js#1312; bryanjos/aws_auth#31;
	// noobaa/noobaa-core#8873.
	msgExpiresNotNumber = "X-Amz-Expires should be a number"
	msgExpiresNegative  = "X-Amz-Expires must be non-negative"
	msgExpiresTooLong   = "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"
)

// statusAuth is the HTTP status of every refusal. AWS's JSON-protocol
// services answer authentication failures with 400, not the 403 of the query
// protocol's common-errors pages: DynamoDB for a missing token (dynalite's
// tests), EventBridge for a wrong scope (paws-r/paws#426), CloudWatch
// Logs and Cognito for an unknown key, Kinesis for expired signatures.
const statusAuth = http.StatusBadRequest

func authError(code, msg string) *tb.Error {
	return &tb.Error{Code: code, Message: msg, Status: statusAuth}
}

func errMissingToken() *tb.Error {
	return authError(tb.CodeMissingAuthToken, msgMissingToken)
}

func errIncomplete(format string, args ...any) *tb.Error {
	return authError(tb.CodeIncompleteSignature, fmt.Sprintf(format, args...))
}

func errInvalid(format string, args ...any) *tb.Error {
	return authError(tb.CodeInvalidSignature, fmt.Sprintf(format, args...))
}

func errUnrecognized() *tb.Error {
	return authError(tb.CodeUnrecognizedClient, msgUnrecognizedClient)
}

// errMissingParts reports the parts an Authorization header lacks, echoing
// the header.
func errMissingParts(missing []string, header string) *tb.Error {
	return authError(tb.CodeIncompleteSignature, strings.Join(missing, " ")+" Authorization="+header)
}

// errMissingQueryParams reports the parameters a presigned request lacks.
func errMissingQueryParams(missing []string) *tb.Error {
	var b strings.Builder
	for _, p := range missing {
		fmt.Fprintf(&b, msgQueryRequires+" ", p)
	}
	b.WriteString(msgReexamineQuery)
	return authError(tb.CodeIncompleteSignature, b.String())
}

func errExpired(signed, now time.Time, window time.Duration) *tb.Error {
	return errInvalid(msgExpired, signed.Format(amzDateLayout), now.Add(-window).Format(amzDateLayout),
		now.Format(amzDateLayout), formatWindow(window))
}

func errNotYetCurrent(signed, now time.Time, window time.Duration) *tb.Error {
	return errInvalid(msgNotYetCurrent, signed.Format(amzDateLayout), now.Add(window).Format(amzDateLayout),
		now.Format(amzDateLayout), formatWindow(window))
}

// formatWindow renders an allowance as AWS does ("5 min", "15 min"). AWS's
// allowances are whole minutes; other lengths are shown in seconds, a form
// not seen from AWS.
func formatWindow(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%d sec", d/time.Second)
}

func errMismatch(canonical, stringToSign string) *tb.Error {
	return errInvalid(msgSignatureMismatch, canonical, stringToSign)
}
