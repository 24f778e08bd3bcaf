// Package bus delivers events to another event bus of the same trailbridge:
// the targets whose ARN is arn:aws:events:REGION:ACCOUNT:event-bus/NAME.
//
// The payload must be an event envelope, normally the matched event itself,
// and is put on the destination bus as an accepted event with the same id,
// time, source, detail-type, account, region, resources and detail (written
// as trailbridge writes envelopes: keys EventBridge does not define are
// dropped), ingested now; the destination bus's rules then match it as they
// would any event.
// A payload that is not an event (say, the output of an InputTransformer)
// fails without retry: there is no event to put.
//
// Only buses of this trailbridge are reachable: an ARN with another account
// or region fails with NO_PERMISSIONS (AWS reaches those with a role; a
// remote trailbridge would need a PutEvents client, which this is not), and
// a bus that does not exist with NO_RESOURCE, neither retried.
//
// # One hop
//
// EventBridge does not route an event that a bus received from another bus
// on to a third bus (its guide says so of bus-to-bus delivery): an event a
// bus target puts on a bus carries the bus it
// came from (trailbridge.Accepted.From, kept beside the event, not in the
// envelope AWS defines), that bus's rules deliver it to targets of every
// other kind, and a bus target refuses it with INVALID_PARAMETER, not
// retried, so that the delivery engine dead-letters it with the reason. So
// chains stop after one hop and rules that send events between two buses
// both ways cannot loop.
//
// # Duplicates
//
// An attempt whose Append failed or timed out may have put the event on the
// bus anyway, and the retry puts it there again. An Appender that also
// implements OnceAppender (the JetStream engine does) is given an id per
// delivery, the same for every attempt of it, and keeps one copy.
package bus
