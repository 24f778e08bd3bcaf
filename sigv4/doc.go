// Package sigv4 owns AWS Signature Version 4 for trailbridge's API: it
// verifies the signature of every incoming request the way AWS's JSON
// services (EventBridge, SQS) do, and it signs requests for trailbridge's own
// clients.
//
// A Verifier checks a request signed with an Authorization header or a
// presigned query string: the credential scope (date, region, service), the
// clock skew, the payload hash and the signature itself, which it recomputes
// with its own canonicalizer driven by the client's SignedHeaders (so headers
// a proxy adds afterwards do not matter). Refusals are *trailbridge.Error
// values carrying the exception name, message text and HTTP status AWS
// answers with; errors.go lists each text and where it was observed.
//
// With no Lookup function a Verifier runs in development mode: it accepts any
// well-formed signature from any access key without recomputing it, the way
// LocalStack does, and checks everything else as usual.
//
// The package uses only the standard library and the root package.
package sigv4
