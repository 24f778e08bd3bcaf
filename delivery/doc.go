// Package delivery owns getting matched events to their targets: one
// worker per target of every rule makes the first attempts of the
// deliveries in the router's routing records, and reads those stored for
// its target alone (retries, and what it could not begin soon: see
// dispatch); it shapes each event with the target's input settings, invokes
// the target, and decides what a failure means: retry with exponential
// back-off and jitter under the target's RetryPolicy (short waits in the
// worker, longer ones as scheduled messages that hold nothing while they
// wait), or, when retries or the event's age run out or the failure cannot
// be retried, the target's dead-letter queue with EventBridge's attributes
// (or a counted, logged drop when it has none).
//
// A routing record or delivery message is acknowledged only once every
// event in it is delivered, scheduled for retry, dead-lettered or stored for
// its target, so a crash at any point leaves it to be delivered again: at
// least once.
package delivery
