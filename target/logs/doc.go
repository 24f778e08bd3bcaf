// Package logs delivers events to log groups kept as files: the targets
// whose ARN is arn:aws:logs:REGION:ACCOUNT:log-group:NAME (with or without
// the trailing ":*" that log group ARNs often carry).
//
// # Files
//
// A log group is a folder under the Kind's folder, and each UTC day of it
// one file of JSON lines:
//
//	DIR/ESCAPED-NAME/2024-05-01.jsonl
//
// ESCAPED-NAME is the group's name with every byte other than A–Z, a–z,
// 0–9, '-', '_' and a '.' that is not the first byte written as %XX, so
// that the group /aws/events/audit lives in DIR/%2Faws%2Fevents%2Faudit: one
// folder per group, directly under DIR, whatever the name (".." and "/"
// cannot reach outside), and no two names share one. Names longer than fit
// in a file name are cut and suffixed with a hash of the whole name. Names
// must be what CloudWatch Logs accepts: 1 to 512 of A–Z a–z 0–9 . - _ / #.
// Groups come into being with their first event. Options.KeepDays removes a
// group's older files as it starts a new day's.
//
// # Lines
//
// Each event is one line, written as CloudWatch Logs stores a log event
// (PutLogEvents' InputLogEvent: a timestamp in milliseconds since the
// epoch and the message as a string):
//
//	{"timestamp":1714564800123,"message":"{\"version\":\"0\",\"id\":…}"}
//
// The message is the payload, byte for byte: the event's JSON, or what the
// target's Input, InputPath or InputTransformer made of it. The timestamp
// is the time of the write. So
//
//	jq -r .message DIR/%2Faws%2Fevents%2Faudit/2024-05-01.jsonl
//
// prints the payloads as they were delivered, one per line, and
// jq '.message | fromjson' gives them back as JSON.
//
// EventBridge requires the InputTransformer of a CloudWatch Logs target to
// produce {"timestamp":<timestamp>,"message":<message>}, and writes that
// as the log event itself. A payload of exactly that shape is written the
// same way: its message (a string as it is, any other value as its JSON)
// with its timestamp (milliseconds, or an RFC 3339 time; the time of the
// write if it is neither).
//
// # Durability
//
// Invoke returns success only once the line is written and, unless
// Options.NoSync, flushed to disk with fsync; concurrent invocations that
// arrive while a flush is under way share the next one. Lines are written
// whole, one at a time per group, so they never interleave; a failed write
// is cut back off the file. A file that is moved or deleted while open (by
// logrotate, say) is noticed, and the next line starts a new one rather
// than vanish into the old.
package logs
