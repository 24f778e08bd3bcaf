// Package cloudtrail owns the CloudTrail record: its type (every field of
// eventVersion 1.11, userIdentity and its sessionContext), the EventBridge
// envelope AWS wraps it in ("AWS API Call via CloudTrail" and the other
// CloudTrail detail-types), and CloudTrail's log files. Everything in
// trailbridge that makes, reads or writes a CloudTrail record builds on
// this package. It depends only on the standard library.
//
// Records read from real log files come in many minor versions, each AWS
// service stamping its own; the type keeps fields it does not know, so a
// record read and written again is unchanged.
//
// Log files ({"Records":[…]}, gzipped as CloudTrail delivers them) are
// read record by record with ReadLog or a LogReader, in bounded memory,
// and written with a LogWriter. LogKey and DigestKey build and parse the
// S3 keys CloudTrail gives log and digest files; Digest is a digest file's
// content, which trailbridge chains by SHA-256 instead of signing (see
// ChainAlgorithm).
package cloudtrail
