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
// # Loops
//
// Rules can send an event from bus to bus in a circle forever. The guard
// counts, per process, how many times each event id was put on each bus by
// this kind within a window (Options.LoopWindow, an hour by default), and
// refuses to put it there more than Options.MaxHops times (5 by default),
// failing with INVALID_PARAMETER "loop detected", not retried, so that the
// delivery engine dead-letters it with the reason. Events keep their id
// from bus to bus for this reason.
//
// The guard has limits, and they are its price for not changing the
// envelope AWS defines: several processes sharing the work each keep their
// own counts, so a loop may run up to MaxHops times per process before it is
// stopped; the counts live in memory, so a restart forgets them; at most
// Options.MaxTracked pairs are remembered, the least recently forwarded
// forgotten first, so a flood of other events can hide a loop for a while;
// a loop slower than MaxHops passes per window is never stopped; and an
// event sent on to the same bus by more than MaxHops rules on purpose is
// taken for a loop.
//
// # Duplicates
//
// An attempt whose Append failed or timed out may have put the event on the
// bus anyway, and the retry puts it there again. An Appender that also
// implements OnceAppender (the JetStream engine does) is given an id per
// delivery, the same for every attempt of it, and keeps one copy.
package bus
