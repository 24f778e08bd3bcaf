// Package trailbridge holds the vocabulary shared by trailbridge's parts:
// the domain types of EventBridge (events, buses, rules, targets and their
// delivery settings) and the AWS error codes every part reports with. It
// depends on nothing but the standard library.
package trailbridge
