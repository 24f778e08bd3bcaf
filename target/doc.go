// Package target owns what a rule's target is to the delivery engine: the
// Target interface every kind implements, the error a target reports (and
// whether it is worth retrying), and the Registry that finds the target an
// ARN names. The kinds live in subpackages (apidest, function, bus, logs);
// targettest is the conformance suite every kind passes.
//
// Targets never retry and never write to dead-letter queues: they make one
// attempt and say how it went. The delivery engine decides what follows.
package target
