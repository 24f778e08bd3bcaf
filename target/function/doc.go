// Package function delivers events to the functions defined in
// trailbridge's configuration file, the targets whose ARN is
// arn:aws:lambda:REGION:ACCOUNT:function:NAME (an alias or version after
// NAME is accepted and ignored: a function has one definition).
//
// A function is either a command or a URL.
//
// A command is run once per attempt with the payload on its standard input.
// Exit status 0 is success; any other status is a retryable ERROR_FROM_TARGET
// whose message carries the status and the last lines of standard error; a
// program that cannot be found or run is NO_RESOURCE, not retried. The
// command starts in a process group of its own: when the attempt times out
// (after Spec.Timeout, or at the context's deadline if that comes first)
// the whole group is killed and the attempt is a retryable TIMEOUT, and
// when the command exits, whatever it left running in its group is killed
// too, so that nothing outlives its invocation (a program that must, has to
// start a session of its own). Its environment is PATH and HOME from
// trailbridge's own, then Spec.Environment, then TRAILBRIDGE_FUNCTION,
// TRAILBRIDGE_RULE, TRAILBRIDGE_RULE_ARN, TRAILBRIDGE_BUS,
// TRAILBRIDGE_TARGET_ID, TRAILBRIDGE_ATTEMPT and TRAILBRIDGE_EVENT_ID
// describing the invocation; nothing else of trailbridge's environment
// (which may hold credentials) is passed on. What the command writes is
// logged, at most 8 KiB of each stream per invocation (the beginning and the
// end), and never held in memory beyond that.
//
// A URL receives the payload as an HTTP POST with Content-Type
// application/json. A 2xx answer is success; 429, 5xx, network errors and
// timeouts are retried (honouring Retry-After); any other answer, redirects
// included, is not.
//
// This departs from AWS on purpose: EventBridge invokes Lambda
// asynchronously, so a function's own failure is not EventBridge's to retry.
// trailbridge's functions are local programs with no retry of their own,
// so their failures are the target's failures, retried under the target's
// RetryPolicy and dead-lettered like any other.
//
// At most Spec.Concurrency invocations of one function run at once; the
// others wait for a slot (as long as their context allows) and are never
// dropped.
package function
