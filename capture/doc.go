// Package capture turns HTTP API calls into CloudTrail records: a net/http
// middleware for Go services and an intercepting reverse proxy, both of
// which name each call (a route table, an OpenAPI document, or AWS's own
// request shapes), identify the caller, redact secrets and emit one
// record per call after the response, through a bounded, durable
// hand-off that never makes the call wait for the bus.
//
// Its subpackages capture other sources: identity resolves callers,
// k8saudit turns Kubernetes audit events into records.
package capture
