// Package transform owns how an event is shaped for a target, as Amazon
// EventBridge does it: a target's Input (constant JSON), InputPath (a
// JSONPath into the event) or InputTransformer (InputPathsMap and
// InputTemplate, with the predefined variables), and the JSONPath subset
// these use, which HttpParameters' `$.` values share.
//
// Compile checks a target's settings as PutTargets does and parses them
// once; Transformer.Apply then shapes each event, reading it in a single
// pass however many variables the template has. The behaviour follows
// deliveries recorded against AWS (the shared conformance cases) and, where
// they say nothing, EventBridge's documentation; the remaining choices are
// noted where they are made:
//
//   - a JSON template (one starting with { or [) that does not render to
//     JSON delivers nothing, without an error; it is delivered minified;
//   - any other template is text and is delivered as rendered;
//   - a variable whose path selects nothing, or null, renders empty (""
//     where a JSON value is expected); an InputPath that selects nothing, or
//     null, delivers nothing;
//   - a path with a wildcard yields the array of its matches;
//   - aws.events.event.ingestion-time is written with milliseconds.
//
// The package uses the standard library only, so that other programs can
// import it without pulling in trailbridge.
package transform
