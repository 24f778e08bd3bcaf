// Package router decides where accepted events go: it keeps one compiled
// pattern.Matcher per bus, in step with the configuration, and turns every
// event into one delivery per target of every enabled rule it matches.
// Matching runs once per event whatever the number of rules.
//
// It applies the rule states as EventBridge does: DISABLED rules never
// match, and read-only CloudTrail management events reach only rules in
// state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
package router
