// Package remediate holds the functions trailbridge's example scenarios
// run as targets: each reads an EventBridge event whose detail is the
// CloudTrail record of a call to the demo cloud (package democloud), acts
// on the demo cloud through its AWS JSON 1.1 API with SigV4-signed calls
// (through the interceptor, so that the remediation is itself recorded),
// and writes one line of JSON saying what it did.
//
//	disable-user          CreateUser by a principal not in ALLOWED_PRINCIPALS:
//	                      attach AWSDenyAll and delete the login profile
//	revert-bucket-policy  PutBucketPolicy granting Principal "*": delete the policy
//	stop-untagged         RunInstances without the required tags: stop those instances
//	copy-snapshot         CreateDBSnapshot: copy the snapshot to DR_REGION as <id>-dr
//
// The functions read records liberally (member names in any case style,
// CloudTrail's and the capture layer's shapes alike) and act exactly:
// each call is the one the scenario needs, and none repeats harm when an
// event is delivered twice.
package remediate
