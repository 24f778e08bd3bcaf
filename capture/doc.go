// Package capture turns HTTP API calls into CloudTrail records: a net/http
// middleware for Go services (Recorder.Middleware) and an intercepting
// reverse proxy (NewProxy), which share one record-building path. Each
// names the call, identifies the caller, redacts secrets and emits one
// record per call after the response, through a bounded, durable
// hand-off that never makes the call wait for the bus.
//
// # Naming
//
// A non-AWS API is named by a Namer: a route table (NewRoutes: method +
// path template such as /orders/{id} or /files/{path...} → eventName,
// with a readOnly override and a data-event flag), built by hand, from a
// configuration file, or from an OpenAPI 3 document (RoutesFromOpenAPI:
// operationId → eventName, x-trailbridge-read-only and
// x-trailbridge-data-event). GET, HEAD and OPTIONS read; other methods
// write. A call no route matches is still recorded, named by
// FallbackName (GET /orders/1 → GetOrders).
//
// In AWS mode (Config.AWS) the request names itself: the SigV4 credential
// scope (Authorization header or presigned X-Amz-Credential) gives the
// access key, the region and the service (eventSource
// <service>.amazonaws.com; IAM and other global services in us-east-1);
// the eventName comes from X-Amz-Target (JSON protocols), the Action
// parameter (query protocol) or S3's REST shapes (bucket and key from the
// path or a virtual host, sub-resources such as ?policy, with
// CloudTrail's names: PutBucketLifecycle, not
// PutBucketLifecycleConfiguration). Get, List, Describe and Head
// operations read; S3 object operations and DynamoDB item operations are
// data events. The proxy keeps the client's Host header so that the
// upstream can verify the signature: it can sit in front of any
// AWS-compatible endpoint.
//
// # The record
//
// requestParameters is, for a non-AWS API, an object of the path
// parameters, then the query parameters, then the members of a JSON
// object body (earlier ones win a name clash); any other body is the
// member "body". AWS JSON protocols give the body, query protocols the
// parameters nested at their dots (Tags.member.1.Key → tags[0].key), S3
// bucketName, Host, key and the query (bucket policies parsed under
// bucketPolicy); member names' first letter is lower-cased, as
// CloudTrail writes them. responseElements is the JSON response of a
// successful write, null for reads and failures. A body that is not JSON
// is summarised as {"contentType", "contentLength"}; one larger than
// Config.MaxBody (64 KiB) also gets "truncated": true. errorCode and
// errorMessage come from the error body (__type, code, error, message,
// <Code>, <Message>…) or the x-amzn-ErrorType header, else the status
// text (NotFound). sourceIPAddress is the peer's address, or, from peers
// in Config.TrustedProxies, the first untrusted hop of X-Forwarded-For
// (else Forwarded) read from the right. tlsDetails names the TLS version
// and suite as CloudTrail does (TLSv1.2, ECDHE-RSA-AES128-GCM-SHA256).
// Without an Identifier, or when it cannot verify the caller,
// userIdentity has type Unknown and, in AWS mode, the access key named by
// the request; nothing more is claimed.
//
// # Redaction
//
// Headers never reach a record (but User-Agent and the Host). Values of
// members whose names look secret (Sensitive: password, secret, token,
// credential, authorization, cookie, signature, names ending in key) are
// replaced by cloudtrail.Hidden, in bodies and query parameters, at any
// depth; SigV4's presigning parameters are dropped.
//
// # The hand-off
//
// A Handoff (one per process, shared by recorders and proxies) takes
// records without blocking, builds them on its own goroutine, appends
// them to a spool of segment files synced in groups, and sends the spool
// to a Sink in batches, retrying with backoff while it fails; what a
// previous process left is sent first (at least once). When it is full a
// record is dropped and counted (Stats), or, with Config.FailClosed, the
// call is refused with 503 before it reaches the API. APISink is the Sink
// that calls trailbridge's PutAuditRecords action with a Client.
//
// Its subpackages capture other sources: identity resolves callers,
// k8saudit turns Kubernetes audit events into records.
package capture
