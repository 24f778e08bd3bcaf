// Package democloud is a small demo cloud for trailbridge's examples: IAM
// users, S3 buckets, EC2 instances and RDS snapshots kept in memory,
// answering in the shapes of the matching AWS APIs, so that the aws CLI
// and SDKs can call it through trailbridge's interceptor in AWS mode and
// AWS-style rules apply to the records the calls become.
//
// # Operations
//
//	IAM  CreateUser GetUser AttachUserPolicy DetachUserPolicy ListAttachedUserPolicies
//	     CreateLoginProfile GetLoginProfile UpdateLoginProfile DeleteLoginProfile
//	S3   CreateBucket HeadBucket DeleteBucket ListBuckets GetBucketLocation
//	     PutBucketPolicy GetBucketPolicy DeleteBucketPolicy
//	     PutBucketTagging GetBucketTagging DeleteBucketTagging
//	EC2  RunInstances StopInstances TerminateInstances DescribeInstances
//	RDS  CreateDBSnapshot CopyDBSnapshot DescribeDBSnapshots
//
// IAM is global; buckets live in their location constraint's region (the
// request's when there is none); instances and snapshots live in the
// region of the request's SigV4 credential scope (Options.Region when it
// has none), and calls see only their region's. CopyDBSnapshot copies into
// the request's region, as AWS does when the destination region's
// endpoint is called: the source is an ARN, or an identifier in
// SourceRegion.
//
// AWS has no "disabled" IAM user: console access is taken away by
// deleting the login profile, which the demo records (LoginDisabled), and
// everything else by attaching AWSDenyAll; User.Disabled reports either.
// RunInstances honours ClientToken (the aws CLI and the SDKs send a random
// one): a second call with the token answers the first one's reservation.
// Instances are pending in RunInstances' answer and running from then on;
// StopInstances and TerminateInstances answer stopping and shutting-down
// and leave them stopped and terminated. Snapshots are likewise available
// as soon as they are created or copied. DB instances and managed policies
// are not modelled: any identifier or well-formed ARN names one.
//
// # Protocols
//
// A Cloud tells the protocol by the request:
//
//   - AWS JSON 1.1 for every operation: POST / with X-Amz-Target
//     Prefix.Operation and AWS's PascalCase members, where Prefix is
//     AWSIdentityManagementV20100508 (IAM), AmazonS3, AmazonEC2 or
//     AmazonRDSv19. Timestamps are epoch seconds; errors are
//     {"__type": Code, "message": …}.
//   - The query protocol for IAM and RDS and its EC2 dialect (what the aws
//     CLI sends): Action=Operation&Version=… in a form body or the URL,
//     list members as Tags.member.N (IAM), Tags.Tag.N (RDS) or
//     TagSpecification.N.Tag.M and InstanceId.N (EC2), answered in AWS's
//     XML with AWS's error documents.
//   - S3's REST-XML with path-style addressing (PUT /bucket,
//     PUT|GET|DELETE /bucket?policy and ?tagging, GET /) for requests
//     signed for s3.
//
// The service is the SigV4 credential scope's (iam, s3, ec2, rds), else
// the X-Amz-Target prefix's, else the one that has the Action. Signatures
// are not verified: the interceptor in front establishes identity. Every
// answer carries x-amzn-RequestId; S3's also carry x-amz-request-id.
//
// # Throttling
//
// To drive throttling alerts, Throttle makes the next N calls of an
// operation fail, ThrottleKey those signed with one access key, and a
// request with the header X-Demo-Throttle: 1 fails by itself. A throttled
// call fails with ThrottlingException (HTTP 400) from IAM, S3 and RDS and
// with RequestLimitExceeded (HTTP 503) from EC2, and changes nothing.
// (Real S3 answers SlowDown; the demo keeps to the two codes a throttling
// rule matches.)
package democloud
