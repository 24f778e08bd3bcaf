// Package compliance keeps the compliance copy: every record trailbridge
// captures or ingests is also written, in batches, to CloudTrail log files
// in AWS's layout under a folder, with a digest file per hour that lists
// each log file's SHA-256 and the SHA-256 of the digest before it. The
// folder can be shipped to any S3-compatible store as it is (its paths are
// the object keys) and checked for tampering with Verify (the command
// trailbridge verify-logs).
//
// # Layout
//
//	DIR/
//	  AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz
//	  AWSLogs/ACCOUNT/CloudTrail-Digest/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_YYYYMMDDTHHmmssZ.json.gz
//	  .pending/journal-….jsonl   records accepted but not yet in a log file
//	  .pending/tmp-…             a file being written (renamed into AWSLogs/ when complete)
//
// Records are grouped into log files by account and region, as CloudTrail
// does: a record's recipientAccountId and awsRegion, or the Writer's
// account and region when the record has none (or names that cannot be
// part of a key). A log file's time is the minute it was written.
//
// # Durability
//
// Add returns once its record is in the journal, an append-only file under
// .pending/ written in groups: every Add waiting at the moment shares one
// write and, unless Config.NoSync, one fsync. A flush writes the pending
// records as log files, each written under a temporary name, synced,
// renamed into place and its folder synced, so AWSLogs/ never holds part
// of a file; then it removes the journal. A Writer opened on a folder
// whose journal holds records (the process stopped before its flush)
// writes them as log files first. A crash between a log file's rename and
// the journal's removal writes that batch again on the next start: the
// copy is at least once, never less.
//
// The cost of the fsync, measured with BenchmarkAdd on a shared 2-core
// machine: one goroutine adding alone waits for its own fsync (about
// 3,000 records/s); many goroutines adding at once share them (about
// 30,000 records/s); with NoSync, 45,000 to 60,000 records/s.
//
// Run checks every tenth of MaxAge (at most every 30 seconds), so a
// record waits at most MaxAge and one such step for its log file.
//
// # Digests
//
// Each (account, region) has a chain of digests for the trail. At the first
// flush after an hour ends, a digest covers the log files written before
// the hour's end and not yet in a digest; its digestStartTime is the
// previous digest's digestEndTime (or the hour of its first file) and its
// digestEndTime the hour's end. Close writes, after those, a digest of the
// files of the hour so far, ending at the time of the Close; the next
// Writer's digest starts where it ends, so a partial hour is covered by
// two (or more) digests. Hours without log files have no digest. After a
// restart the chain goes on from the newest digest in the folder, and log
// files that no digest lists (written before a crash) go into the next
// digest.
//
// Digests are chained by SHA-256 instead of signed: see
// cloudtrail.ChainAlgorithm for what that proves and what it does not.
// Hashes are of the files' bytes as stored (gzip), so any changed byte
// shows.
package compliance
