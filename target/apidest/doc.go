// Package apidest owns the API destination target kind: delivering an event
// to an HTTP endpoint the way EventBridge's API destinations do, with the
// authorization of the destination's connection (Basic, API key, or an OAuth
// client-credentials token that it obtains, caches and refreshes), the
// connection's and the target's header, query string, path and body
// parameters, EventBridge's fixed headers, a 5-second timeout, and the
// destination's InvocationRateLimitPerSecond enforced by a token bucket.
//
// Each Invoke makes one attempt and classifies its outcome as EventBridge
// does: 2xx succeeds; 429 (THROTTLING) and 5xx are retryable, honouring
// Retry-After; timeouts and network failures are retryable; every other
// status (1xx, 3xx, 4xx) is not. Redirects are not followed. The delivery
// engine decides what follows a failure.
//
// The package does not know where destinations are stored: a Resolver hands
// it each destination with its connection's secrets already decrypted.
// Secrets never appear in errors or in the String form of its types.
//
// Trailbridge deviates from AWS in one way here: endpoints may be http://
// as well as https://, for services on a private network.
package apidest
