// Package pattern owns Amazon EventBridge's event-pattern language: it parses
// and validates patterns (rejecting them with the exact reasons EventBridge
// gives), and it matches JSON events against many patterns at once.
//
// A Matcher holds any number of patterns under caller-chosen ids. Match reads
// an event once and returns the ids of the patterns it satisfies; its cost
// depends on the event and on how many patterns share the event's values, not
// on how many patterns are stored. Match never takes a lock: Add and Remove
// build a new immutable snapshot and publish it atomically.
//
// The language is described in docs/patterns.md at the repository root. The
// package uses the standard library only, so that other programs can import
// it without pulling in trailbridge.
package pattern
