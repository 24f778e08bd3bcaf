// Package natsjs owns every use of NATS JetStream in trailbridge: it starts
// the embedded nats-server (or connects to an external JetStream), creates the
// streams and the key-value bucket trailbridge keeps its state in, stores the
// domain's configuration (buses and rules with their targets) with optimistic
// concurrency, appends accepted events with group commit, and publishes the
// deliveries the router produces.
//
// Subjects and their streams:
//
//	TB_EVENTS      tb.events             groups of accepted events, one message per commit
//	TB_DELIVERIES  tb.routed             routing records: a routed batch's deliveries, one message
//	               tb.dlv.BUS.RULE.TGT   deliveries of one target, for its own consumer
//	               tb.sched.ID           retries, scheduled to return to tb.dlv.BUS.RULE.TGT
//	KV tbconfig    bus.BUS, rule.BUS.NAME
//
// Names are escaped into subject tokens by escapeToken, so any bus, rule or
// target name is one token.
package natsjs
