// Package metrics owns trailbridge's Prometheus metrics. Where EventBridge
// publishes a CloudWatch metric for the same thing, the metric carries its
// name (trailbridge_MatchedEvents, trailbridge_TriggeredRules, …) with the
// bus, rule and target as labels, so that dashboards and alarms written
// for EventBridge translate one for one.
package metrics
