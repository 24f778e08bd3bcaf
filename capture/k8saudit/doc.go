// Package k8saudit turns the Kubernetes API server's audit events into
// CloudTrail records. It owns the audit.k8s.io/v1 Event and EventList
// types and their strict parsing, the mapping of an audit event onto a
// CloudTrail record (verb and resource to eventName, user to
// userIdentity, response status to errorCode), the redaction that keeps
// Secret data and credential-like fields out of every record, and the
// http.Handler behind POST /k8s/audit that receives the API server's
// webhook batches and hands their records to a capture.Sink.
//
// One record is made per API call, from its ResponseComplete (or Panic)
// event: the record describes a call that has finished, with its
// outcome. RequestReceived and ResponseStarted events are skipped.
//
// The records travel on the bus with the source "trailbridge.k8s" and
// the detail-type "Kubernetes API Call via Audit Webhook"
// (docs/k8s-audit.md has the whole mapping).
package k8saudit
