package democloud

import (
	"slices"
	"testing"
)

// jsonSteps is a walk through every operation in the JSON protocol, in
// order, on one cloud: each step's answer is exact.
var jsonSteps = []struct {
	name   string
	region string
	target string
	in     string
	status int
	want   string
}{
	// IAM
	{"CreateUser: created", "us-east-1", "AWSIdentityManagementV20100508.CreateUser", `{"UserName":"alice","Tags":[{"Key":"team","Value":"red"}]}`, 200, `{"User":{"Path":"/","UserName":"alice","UserId":"AIDA4IQKQOL3DXG27HMTE","Arn":"arn:aws:iam::000000000000:user/alice","CreateDate":1741082400,"Tags":[{"Key":"team","Value":"red"}]}}`},
	{"CreateUser with a path: created", "us-east-1", "AWSIdentityManagementV20100508.CreateUser", `{"UserName":"bob","Path":"/eng/"}`, 200, `{"User":{"Path":"/eng/","UserName":"bob","UserId":"AIDANZ4J42VBXFS7INEDE","Arn":"arn:aws:iam::000000000000:user/eng/bob","CreateDate":1741082400}}`},
	{"CreateUser of an existing name: EntityAlreadyExists", "us-east-1", "AWSIdentityManagementV20100508.CreateUser", `{"UserName":"alice"}`, 409, `{"__type":"EntityAlreadyExists","message":"User with name alice already exists."}`},
	{"CreateUser without a name: ValidationError", "us-east-1", "AWSIdentityManagementV20100508.CreateUser", `{}`, 400, `{"__type":"ValidationError","message":"1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"}`},
	{"CreateUser with a bad name: ValidationError", "us-east-1", "AWSIdentityManagementV20100508.CreateUser", `{"UserName":"a b"}`, 400, `{"__type":"ValidationError","message":"1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"}`},
	{"GetUser: the user", "us-east-1", "AWSIdentityManagementV20100508.GetUser", `{"UserName":"bob"}`, 200, `{"User":{"Path":"/eng/","UserName":"bob","UserId":"AIDANZ4J42VBXFS7INEDE","Arn":"arn:aws:iam::000000000000:user/eng/bob","CreateDate":1741082400}}`},
	{"GetUser of nobody: NoSuchEntity", "us-east-1", "AWSIdentityManagementV20100508.GetUser", `{"UserName":"nobody"}`, 404, `{"__type":"NoSuchEntity","message":"The user with name nobody cannot be found."}`},
	{"AttachUserPolicy: attached", "us-east-1", "AWSIdentityManagementV20100508.AttachUserPolicy", `{"UserName":"alice","PolicyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}`, 200, `{}`},
	{"AttachUserPolicy of a bad ARN: InvalidInput", "us-east-1", "AWSIdentityManagementV20100508.AttachUserPolicy", `{"UserName":"alice","PolicyArn":"ReadOnlyAccess-policy-name"}`, 400, `{"__type":"InvalidInput","message":"ARN ReadOnlyAccess-policy-name is not valid."}`},
	{"AttachUserPolicy to nobody: NoSuchEntity", "us-east-1", "AWSIdentityManagementV20100508.AttachUserPolicy", `{"UserName":"nobody","PolicyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}`, 404, `{"__type":"NoSuchEntity","message":"The user with name nobody cannot be found."}`},
	{"AttachUserPolicy again: attached once", "us-east-1", "AWSIdentityManagementV20100508.AttachUserPolicy", `{"UserName":"alice","PolicyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}`, 200, `{}`},
	{"AttachUserPolicy of another: attached", "us-east-1", "AWSIdentityManagementV20100508.AttachUserPolicy", `{"UserName":"alice","PolicyArn":"arn:aws:iam::000000000000:policy/Deploy"}`, 200, `{}`},
	{"DetachUserPolicy: detached", "us-east-1", "AWSIdentityManagementV20100508.DetachUserPolicy", `{"UserName":"alice","PolicyArn":"arn:aws:iam::000000000000:policy/Deploy"}`, 200, `{}`},
	{"DetachUserPolicy not attached: NoSuchEntity", "us-east-1", "AWSIdentityManagementV20100508.DetachUserPolicy", `{"UserName":"alice","PolicyArn":"arn:aws:iam::000000000000:policy/Deploy"}`, 404, `{"__type":"NoSuchEntity","message":"Policy arn:aws:iam::000000000000:policy/Deploy was not found."}`},
	{"ListAttachedUserPolicies: the policies", "us-east-1", "AWSIdentityManagementV20100508.ListAttachedUserPolicies", `{"UserName":"alice"}`, 200, `{"AttachedPolicies":[{"PolicyName":"ReadOnlyAccess","PolicyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}],"IsTruncated":false}`},
	{"GetLoginProfile of a user without one: NoSuchEntity", "us-east-1", "AWSIdentityManagementV20100508.GetLoginProfile", `{"UserName":"alice"}`, 404, `{"__type":"NoSuchEntity","message":"Login Profile for User alice cannot be found."}`},
	{"CreateLoginProfile: created", "us-east-1", "AWSIdentityManagementV20100508.CreateLoginProfile", `{"UserName":"alice","Password":"Secret-123","PasswordResetRequired":true}`, 200, `{"LoginProfile":{"UserName":"alice","CreateDate":1741082400,"PasswordResetRequired":true}}`},
	{"CreateLoginProfile again: EntityAlreadyExists", "us-east-1", "AWSIdentityManagementV20100508.CreateLoginProfile", `{"UserName":"alice","Password":"Secret-123"}`, 409, `{"__type":"EntityAlreadyExists","message":"Login Profile for user alice already exists."}`},
	{"UpdateLoginProfile: updated", "us-east-1", "AWSIdentityManagementV20100508.UpdateLoginProfile", `{"UserName":"alice","Password":"Secret-456","PasswordResetRequired":false}`, 200, `{}`},
	{"GetLoginProfile: the profile", "us-east-1", "AWSIdentityManagementV20100508.GetLoginProfile", `{"UserName":"alice"}`, 200, `{"LoginProfile":{"UserName":"alice","CreateDate":1741082400,"PasswordResetRequired":false}}`},
	{"DeleteLoginProfile: deleted", "us-east-1", "AWSIdentityManagementV20100508.DeleteLoginProfile", `{"UserName":"alice"}`, 200, `{}`},
	{"DeleteLoginProfile again: NoSuchEntity", "us-east-1", "AWSIdentityManagementV20100508.DeleteLoginProfile", `{"UserName":"alice"}`, 404, `{"__type":"NoSuchEntity","message":"Login Profile for User alice cannot be found."}`},
	{"UpdateLoginProfile without one: NoSuchEntity", "us-east-1", "AWSIdentityManagementV20100508.UpdateLoginProfile", `{"UserName":"alice","Password":"x"}`, 404, `{"__type":"NoSuchEntity","message":"Login Profile for User alice cannot be found."}`},

	// S3
	{"CreateBucket: created in the request's region", "us-east-1", "AmazonS3.CreateBucket", `{"Bucket":"site"}`, 200, `{"Location":"/site"}`},
	{"CreateBucket with a location: created there", "us-east-1", "AmazonS3.CreateBucket", `{"Bucket":"eu-logs","CreateBucketConfiguration":{"LocationConstraint":"eu-west-1"}}`, 200, `{"Location":"/eu-logs"}`},
	{"CreateBucket of an existing name: BucketAlreadyOwnedByYou", "us-east-1", "AmazonS3.CreateBucket", `{"Bucket":"site"}`, 409, `{"__type":"BucketAlreadyOwnedByYou","message":"Your previous request to create the named bucket succeeded and you already own it."}`},
	{"CreateBucket with a bad name: InvalidBucketName", "us-east-1", "AmazonS3.CreateBucket", `{"Bucket":"Bad_Name"}`, 400, `{"__type":"InvalidBucketName","message":"The specified bucket is not valid."}`},
	{"GetBucketPolicy without one: NoSuchBucketPolicy", "us-east-1", "AmazonS3.GetBucketPolicy", `{"Bucket":"site"}`, 404, `{"__type":"NoSuchBucketPolicy","message":"The bucket policy does not exist"}`},
	{"PutBucketPolicy of non-JSON: MalformedPolicy", "us-east-1", "AmazonS3.PutBucketPolicy", `{"Bucket":"site","Policy":"allow all"}`, 400, `{"__type":"MalformedPolicy","message":"Policies must be valid JSON and the first byte must be '{'"}`},
	{"PutBucketPolicy without statements: MalformedPolicy", "us-east-1", "AmazonS3.PutBucketPolicy", `{"Bucket":"site","Policy":"{\"Version\":\"2012-10-17\"}"}`, 400, `{"__type":"MalformedPolicy","message":"Missing required field Statement"}`},
	{"PutBucketPolicy on no bucket: NoSuchBucket", "us-east-1", "AmazonS3.PutBucketPolicy", `{"Bucket":"nope","Policy":"{\"Statement\":[]}"}`, 404, `{"__type":"NoSuchBucket","message":"The specified bucket does not exist"}`},
	{"PutBucketPolicy: put", "us-east-1", "AmazonS3.PutBucketPolicy", `{"Bucket":"site","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::site/*\"}]}"}`, 200, `{}`},
	{"GetBucketPolicy: the policy as put", "us-east-1", "AmazonS3.GetBucketPolicy", `{"Bucket":"site"}`, 200, `{"Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::site/*\"}]}"}`},
	{"DeleteBucketPolicy: deleted", "us-east-1", "AmazonS3.DeleteBucketPolicy", `{"Bucket":"site"}`, 200, `{}`},
	{"DeleteBucketPolicy again: deleted", "us-east-1", "AmazonS3.DeleteBucketPolicy", `{"Bucket":"site"}`, 200, `{}`},
	{"PutBucketTagging: put", "us-east-1", "AmazonS3.PutBucketTagging", `{"Bucket":"site","Tagging":{"TagSet":[{"Key":"owner","Value":"web"},{"Key":"cost-center","Value":"cc-1"}]}}`, 200, `{}`},
	{"PutBucketTagging with a key twice: InvalidTag", "us-east-1", "AmazonS3.PutBucketTagging", `{"Bucket":"site","Tagging":{"TagSet":[{"Key":"owner","Value":"a"},{"Key":"owner","Value":"b"}]}}`, 400, `{"__type":"InvalidTag","message":"Cannot provide multiple Tags with the same key"}`},
	{"GetBucketTagging: the tags", "us-east-1", "AmazonS3.GetBucketTagging", `{"Bucket":"site"}`, 200, `{"TagSet":[{"Key":"owner","Value":"web"},{"Key":"cost-center","Value":"cc-1"}]}`},
	{"GetBucketLocation in us-east-1: empty", "us-east-1", "AmazonS3.GetBucketLocation", `{"Bucket":"site"}`, 200, `{"LocationConstraint":""}`},
	{"GetBucketLocation elsewhere: the region", "us-east-1", "AmazonS3.GetBucketLocation", `{"Bucket":"eu-logs"}`, 200, `{"LocationConstraint":"eu-west-1"}`},
	{"HeadBucket: the region", "us-east-1", "AmazonS3.HeadBucket", `{"Bucket":"eu-logs"}`, 200, `{"BucketRegion":"eu-west-1"}`},
	{"ListBuckets: by name", "us-east-1", "AmazonS3.ListBuckets", `{}`, 200, `{"Owner":{"ID":"d7012f85028864847b6bb763e5d4963b636e8de28527777033a8a8694382f02a","DisplayName":"demo"},"Buckets":[{"Name":"eu-logs","CreationDate":1741082400},{"Name":"site","CreationDate":1741082400}]}`},
	{"DeleteBucketTagging: deleted", "us-east-1", "AmazonS3.DeleteBucketTagging", `{"Bucket":"eu-logs"}`, 200, `{}`},
	{"GetBucketTagging without tags: NoSuchTagSet", "us-east-1", "AmazonS3.GetBucketTagging", `{"Bucket":"eu-logs"}`, 404, `{"__type":"NoSuchTagSet","message":"The TagSet does not exist"}`},
	{"DeleteBucket: deleted", "us-east-1", "AmazonS3.DeleteBucket", `{"Bucket":"eu-logs"}`, 200, `{}`},
	{"HeadBucket of a deleted bucket: NoSuchBucket", "us-east-1", "AmazonS3.HeadBucket", `{"Bucket":"eu-logs"}`, 404, `{"__type":"NoSuchBucket","message":"The specified bucket does not exist"}`},

	// EC2
	{"RunInstances: launched, pending", "us-east-1", "AmazonEC2.RunInstances", `{"ImageId":"ami-0abc","InstanceType":"t3.micro","MinCount":1,"MaxCount":2,"TagSpecifications":[{"ResourceType":"instance","Tags":[{"Key":"owner","Value":"ana"}]},{"ResourceType":"volume","Tags":[{"Key":"x","Value":"y"}]}]}`, 200, `{"ReservationId":"r-006c45d188009454f","OwnerId":"000000000000","Groups":[],"Instances":[{"InstanceId":"$I1","ImageId":"ami-0abc","State":{"Code":0,"Name":"pending"},"InstanceType":"t3.micro","LaunchTime":1741082400,"Placement":{"AvailabilityZone":"us-east-1a","Tenancy":"default"},"Tags":[{"Key":"owner","Value":"ana"}]},{"InstanceId":"$I2","ImageId":"ami-0abc","State":{"Code":0,"Name":"pending"},"InstanceType":"t3.micro","LaunchTime":1741082400,"Placement":{"AvailabilityZone":"us-east-1a","Tenancy":"default"},"Tags":[{"Key":"owner","Value":"ana"}]}]}`},
	{"RunInstances without an image: MissingParameter", "us-east-1", "AmazonEC2.RunInstances", `{"MinCount":1,"MaxCount":1}`, 400, `{"__type":"MissingParameter","message":"The request must contain the parameter ImageId"}`},
	{"RunInstances without MaxCount: MissingParameter", "us-east-1", "AmazonEC2.RunInstances", `{"ImageId":"ami-0abc","MinCount":1}`, 400, `{"__type":"MissingParameter","message":"The request must contain the parameter MaxCount"}`},
	{"RunInstances of a malformed image: InvalidAMIID.Malformed", "us-east-1", "AmazonEC2.RunInstances", `{"ImageId":"ubuntu","MinCount":1,"MaxCount":1}`, 400, `{"__type":"InvalidAMIID.Malformed","message":"Invalid id: \"ubuntu\" (expecting \"ami-...\")"}`},
	{"RunInstances of none: InvalidParameterValue", "us-east-1", "AmazonEC2.RunInstances", `{"ImageId":"ami-0abc","MinCount":0,"MaxCount":1}`, 400, `{"__type":"InvalidParameterValue","message":"Value (0) for parameter minCount is invalid. Must be greater than 0"}`},
	{"RunInstances of too many: InstanceLimitExceeded", "us-east-1", "AmazonEC2.RunInstances", `{"ImageId":"ami-0abc","MinCount":21,"MaxCount":30}`, 400, `{"__type":"InstanceLimitExceeded","message":"You have requested more instances (21) than your current instance limit of 20 allows for the specified instance type."}`},
	{"RunInstances tagging a bad resource type: InvalidParameterValue", "us-east-1", "AmazonEC2.RunInstances", `{"ImageId":"ami-0abc","MinCount":1,"MaxCount":1,"TagSpecifications":[{"ResourceType":"bucket","Tags":[]}]}`, 400, `{"__type":"InvalidParameterValue","message":"'bucket' is not a valid taggable resource type for this operation."}`},
	{"RunInstances with DryRun: DryRunOperation", "us-east-1", "AmazonEC2.RunInstances", `{"ImageId":"ami-0abc","MinCount":1,"MaxCount":1,"DryRun":true}`, 412, `{"__type":"DryRunOperation","message":"Request would have succeeded, but DryRun flag is set."}`},
	{"StopInstances: stopping", "us-east-1", "AmazonEC2.StopInstances", `{"InstanceIds":["$I1"]}`, 200, `{"StoppingInstances":[{"InstanceId":"$I1","CurrentState":{"Code":64,"Name":"stopping"},"PreviousState":{"Code":16,"Name":"running"}}]}`},
	{"StopInstances of a stopped instance: stopped", "us-east-1", "AmazonEC2.StopInstances", `{"InstanceIds":["$I1"]}`, 200, `{"StoppingInstances":[{"InstanceId":"$I1","CurrentState":{"Code":80,"Name":"stopped"},"PreviousState":{"Code":80,"Name":"stopped"}}]}`},
	{"TerminateInstances: shutting down", "us-east-1", "AmazonEC2.TerminateInstances", `{"InstanceIds":["$I1"]}`, 200, `{"TerminatingInstances":[{"InstanceId":"$I1","CurrentState":{"Code":32,"Name":"shutting-down"},"PreviousState":{"Code":80,"Name":"stopped"}}]}`},
	{"StopInstances of a terminated instance: IncorrectInstanceState", "us-east-1", "AmazonEC2.StopInstances", `{"InstanceIds":["$I1"]}`, 400, `{"__type":"IncorrectInstanceState","message":"This instance '$I1' is not in a state from which it can be stopped."}`},
	{"StopInstances of an unknown instance: InvalidInstanceID.NotFound", "us-east-1", "AmazonEC2.StopInstances", `{"InstanceIds":["i-0000000000000dead"]}`, 400, `{"__type":"InvalidInstanceID.NotFound","message":"The instance ID 'i-0000000000000dead' does not exist"}`},
	{"StopInstances in another region: InvalidInstanceID.NotFound", "eu-west-1", "AmazonEC2.StopInstances", `{"InstanceIds":["$I2","i-0000000000000dead"]}`, 400, `{"__type":"InvalidInstanceID.NotFound","message":"The instance IDs '$I2, i-0000000000000dead' do not exist"}`},
	{"StopInstances of a malformed ID: InvalidInstanceID.Malformed", "us-east-1", "AmazonEC2.StopInstances", `{"InstanceIds":["vol-1"]}`, 400, `{"__type":"InvalidInstanceID.Malformed","message":"Invalid id: \"vol-1\""}`},
	{"StopInstances of none: MissingParameter", "us-east-1", "AmazonEC2.StopInstances", `{}`, 400, `{"__type":"MissingParameter","message":"The request must contain the parameter InstanceId"}`},
	{"DescribeInstances: every instance", "us-east-1", "AmazonEC2.DescribeInstances", `{}`, 200, `{"Reservations":[{"ReservationId":"r-006c45d188009454f","OwnerId":"000000000000","Groups":[],"Instances":[{"InstanceId":"$I1","ImageId":"ami-0abc","State":{"Code":48,"Name":"terminated"},"InstanceType":"t3.micro","LaunchTime":1741082400,"Placement":{"AvailabilityZone":"us-east-1a","Tenancy":"default"},"Tags":[{"Key":"owner","Value":"ana"}]},{"InstanceId":"$I2","ImageId":"ami-0abc","State":{"Code":16,"Name":"running"},"InstanceType":"t3.micro","LaunchTime":1741082400,"Placement":{"AvailabilityZone":"us-east-1a","Tenancy":"default"},"Tags":[{"Key":"owner","Value":"ana"}]}]}]}`},
	{"DescribeInstances with a state filter: the running one", "us-east-1", "AmazonEC2.DescribeInstances", `{"Filters":[{"Name":"instance-state-name","Values":["running"]},{"Name":"tag:owner","Values":["ana"]}]}`, 200, `{"Reservations":[{"ReservationId":"r-006c45d188009454f","OwnerId":"000000000000","Groups":[],"Instances":[{"InstanceId":"$I2","ImageId":"ami-0abc","State":{"Code":16,"Name":"running"},"InstanceType":"t3.micro","LaunchTime":1741082400,"Placement":{"AvailabilityZone":"us-east-1a","Tenancy":"default"},"Tags":[{"Key":"owner","Value":"ana"}]}]}]}`},
	{"DescribeInstances in another region: none", "eu-west-1", "AmazonEC2.DescribeInstances", `{}`, 200, `{"Reservations":[]}`},
	{"DescribeInstances with an unknown filter: InvalidParameterValue", "us-east-1", "AmazonEC2.DescribeInstances", `{"Filters":[{"Name":"vpc-id","Values":["vpc-1"]}]}`, 400, `{"__type":"InvalidParameterValue","message":"The filter 'vpc-id' is invalid"}`},

	// RDS
	{"CreateDBSnapshot: creating", "us-east-1", "AmazonRDSv19.CreateDBSnapshot", `{"DBSnapshotIdentifier":"Orders-1","DBInstanceIdentifier":"orders","Tags":[{"Key":"owner","Value":"dba"}]}`, 200, `{"DBSnapshot":{"DBSnapshotIdentifier":"orders-1","DBInstanceIdentifier":"orders","SnapshotCreateTime":1741082400,"Engine":"postgres","EngineVersion":"16.3","AllocatedStorage":20,"Status":"creating","Port":5432,"AvailabilityZone":"us-east-1a","SnapshotType":"manual","PercentProgress":0,"StorageType":"gp2","Encrypted":false,"DBSnapshotArn":"arn:aws:rds:us-east-1:000000000000:snapshot:orders-1","TagList":[{"Key":"owner","Value":"dba"}]}}`},
	{"CreateDBSnapshot of an existing identifier: DBSnapshotAlreadyExists", "us-east-1", "AmazonRDSv19.CreateDBSnapshot", `{"DBSnapshotIdentifier":"orders-1","DBInstanceIdentifier":"orders"}`, 400, `{"__type":"DBSnapshotAlreadyExists","message":"Cannot create the snapshot because a snapshot with the identifier orders-1 already exists."}`},
	{"CreateDBSnapshot of a bad identifier: InvalidParameterValue", "us-east-1", "AmazonRDSv19.CreateDBSnapshot", `{"DBSnapshotIdentifier":"1st","DBInstanceIdentifier":"orders"}`, 400, `{"__type":"InvalidParameterValue","message":"The parameter DBSnapshotIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens."}`},
	{"CreateDBSnapshot without a DB instance: MissingParameter", "us-east-1", "AmazonRDSv19.CreateDBSnapshot", `{"DBSnapshotIdentifier":"x"}`, 400, `{"__type":"MissingParameter","message":"The request must contain the parameter DBInstanceIdentifier"}`},
	{"CopyDBSnapshot by ARN at another region: pending there", "eu-west-1", "AmazonRDSv19.CopyDBSnapshot", `{"SourceDBSnapshotIdentifier":"arn:aws:rds:us-east-1:000000000000:snapshot:orders-1","TargetDBSnapshotIdentifier":"orders-1-dr","CopyTags":true}`, 200, `{"DBSnapshot":{"DBSnapshotIdentifier":"orders-1-dr","DBInstanceIdentifier":"orders","SnapshotCreateTime":1741082400,"Engine":"postgres","EngineVersion":"16.3","AllocatedStorage":20,"Status":"pending","Port":5432,"AvailabilityZone":"eu-west-1a","SnapshotType":"manual","PercentProgress":0,"SourceRegion":"us-east-1","SourceDBSnapshotIdentifier":"arn:aws:rds:us-east-1:000000000000:snapshot:orders-1","StorageType":"gp2","Encrypted":false,"DBSnapshotArn":"arn:aws:rds:eu-west-1:000000000000:snapshot:orders-1-dr","TagList":[{"Key":"owner","Value":"dba"}]}}`},
	{"CopyDBSnapshot by identifier and SourceRegion: pending", "us-west-2", "AmazonRDSv19.CopyDBSnapshot", `{"SourceDBSnapshotIdentifier":"orders-1","SourceRegion":"us-east-1","TargetDBSnapshotIdentifier":"orders-1-dr"}`, 200, `{"DBSnapshot":{"DBSnapshotIdentifier":"orders-1-dr","DBInstanceIdentifier":"orders","SnapshotCreateTime":1741082400,"Engine":"postgres","EngineVersion":"16.3","AllocatedStorage":20,"Status":"pending","Port":5432,"AvailabilityZone":"us-west-2a","SnapshotType":"manual","PercentProgress":0,"SourceRegion":"us-east-1","SourceDBSnapshotIdentifier":"arn:aws:rds:us-east-1:000000000000:snapshot:orders-1","StorageType":"gp2","Encrypted":false,"DBSnapshotArn":"arn:aws:rds:us-west-2:000000000000:snapshot:orders-1-dr","TagList":[]}}`},
	{"CopyDBSnapshot within the region: pending", "us-east-1", "AmazonRDSv19.CopyDBSnapshot", `{"SourceDBSnapshotIdentifier":"orders-1","TargetDBSnapshotIdentifier":"orders-1-copy"}`, 200, `{"DBSnapshot":{"DBSnapshotIdentifier":"orders-1-copy","DBInstanceIdentifier":"orders","SnapshotCreateTime":1741082400,"Engine":"postgres","EngineVersion":"16.3","AllocatedStorage":20,"Status":"pending","Port":5432,"AvailabilityZone":"us-east-1a","SnapshotType":"manual","PercentProgress":0,"SourceDBSnapshotIdentifier":"arn:aws:rds:us-east-1:000000000000:snapshot:orders-1","StorageType":"gp2","Encrypted":false,"DBSnapshotArn":"arn:aws:rds:us-east-1:000000000000:snapshot:orders-1-copy","TagList":[]}}`},
	{"CopyDBSnapshot of an unknown snapshot: DBSnapshotNotFound", "eu-west-1", "AmazonRDSv19.CopyDBSnapshot", `{"SourceDBSnapshotIdentifier":"arn:aws:rds:us-east-1:000000000000:snapshot:gone","TargetDBSnapshotIdentifier":"gone-dr"}`, 404, `{"__type":"DBSnapshotNotFound","message":"DBSnapshot arn:aws:rds:us-east-1:000000000000:snapshot:gone not found."}`},
	{"CopyDBSnapshot onto an existing one: DBSnapshotAlreadyExists", "eu-west-1", "AmazonRDSv19.CopyDBSnapshot", `{"SourceDBSnapshotIdentifier":"arn:aws:rds:us-east-1:000000000000:snapshot:orders-1","TargetDBSnapshotIdentifier":"orders-1-dr"}`, 400, `{"__type":"DBSnapshotAlreadyExists","message":"Cannot create the snapshot because a snapshot with the identifier orders-1-dr already exists."}`},
	{"CopyDBSnapshot of a malformed ARN: InvalidParameterValue", "eu-west-1", "AmazonRDSv19.CopyDBSnapshot", `{"SourceDBSnapshotIdentifier":"arn:aws:rds:us-east-1:snapshot","TargetDBSnapshotIdentifier":"x"}`, 400, `{"__type":"InvalidParameterValue","message":"The parameter SourceDBSnapshotIdentifier is not a valid identifier: arn:aws:rds:us-east-1:snapshot"}`},
	{"DescribeDBSnapshots: the region's", "eu-west-1", "AmazonRDSv19.DescribeDBSnapshots", `{}`, 200, `{"DBSnapshots":[{"DBSnapshotIdentifier":"orders-1-dr","DBInstanceIdentifier":"orders","SnapshotCreateTime":1741082400,"Engine":"postgres","EngineVersion":"16.3","AllocatedStorage":20,"Status":"available","Port":5432,"AvailabilityZone":"eu-west-1a","SnapshotType":"manual","PercentProgress":100,"SourceRegion":"us-east-1","SourceDBSnapshotIdentifier":"arn:aws:rds:us-east-1:000000000000:snapshot:orders-1","StorageType":"gp2","Encrypted":false,"DBSnapshotArn":"arn:aws:rds:eu-west-1:000000000000:snapshot:orders-1-dr","TagList":[{"Key":"owner","Value":"dba"}]}]}`},
	{"DescribeDBSnapshots of an unknown one: DBSnapshotNotFound", "eu-west-1", "AmazonRDSv19.DescribeDBSnapshots", `{"DBSnapshotIdentifier":"orders-1"}`, 404, `{"__type":"DBSnapshotNotFound","message":"DBSnapshot orders-1 not found."}`},

	// The protocol
	{"unknown operation: UnknownOperationException", "us-east-1", "AmazonEC2.RebootInstances", `{}`, 400, `{"__type":"UnknownOperationException","message":"Operation AmazonEC2.RebootInstances is not supported."}`},
	{"unknown prefix: UnknownOperationException", "us-east-1", "AmazonSQS.SendMessage", `{}`, 400, `{"__type":"UnknownOperationException","message":"Operation AmazonSQS.SendMessage is not supported."}`},
	{"body not JSON: SerializationException", "us-east-1", "AWSIdentityManagementV20100508.GetUser", `{"UserName":`, 400, `{"__type":"SerializationException","message":"The request body is not valid: unexpected end of JSON input"}`},
	{"member of the wrong type: SerializationException", "us-east-1", "AmazonEC2.RunInstances", `{"MinCount":"1"}`, 400, `{"__type":"SerializationException","message":"The request body is not valid: json: cannot unmarshal string into Go struct field runInstancesInput.MinCount of type int"}`},
}

func TestJSONProtocol(t *testing.T) {
	c := newTestCloud()
	var i1, i2 string
	for _, st := range jsonSteps {
		t.Run(st.name, func(t *testing.T) {
			in := replaceIDs(st.in, i1, i2)
			w := callJSON(t, c, st.region, st.target, in)
			if i1 == "" && st.target == "AmazonEC2.RunInstances" && w.Code == 200 {
				i1, i2 = instanceIDs(t, w.Body.Bytes())
			}
			if got, want := w.Code, st.status; got != want {
				t.Errorf("status: got %d, want %d", got, want)
			}
			if got, want := w.Body.String(), replaceIDs(st.want, i1, i2); got != want {
				t.Errorf("answer:\n got %s\nwant %s", got, want)
			}
			if got, want := w.Header().Get("Content-Type"), "application/x-amz-json-1.1"; got != want {
				t.Errorf("Content-Type: got %q, want %q", got, want)
			}
			if w.Header().Get("X-Amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId")
			}
		})
	}

	t.Run("state: as the calls left it", func(t *testing.T) {
		u, ok := c.User("alice")
		if !ok {
			t.Fatal("no user alice")
		}
		if got, want := u.Login, LoginDisabled; got != want {
			t.Errorf("alice's login: got %q, want %q", got, want)
		}
		if got, want := u.Policies, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}; !slices.Equal(got, want) {
			t.Errorf("alice's policies: got %q, want %q", got, want)
		}
		if !u.Disabled() {
			t.Error("alice is not disabled")
		}
		if b, _ := c.User("bob"); b.Disabled() || b.ARN != "arn:aws:iam::000000000000:user/eng/bob" {
			t.Errorf("bob: %+v", b)
		}
		b, ok := c.Bucket("site")
		if !ok {
			t.Fatal("no bucket site")
		}
		if got, want := b.Tags, []Tag{{"owner", "web"}, {"cost-center", "cc-1"}}; !slices.Equal(got, want) {
			t.Errorf("site's tags: got %v, want %v", got, want)
		}
		if b.Policy != "" || b.Region != "us-east-1" || !b.Created.Equal(testNow) {
			t.Errorf("site: %+v", b)
		}
		if _, ok := c.Bucket("eu-logs"); ok {
			t.Error("eu-logs not deleted")
		}
		for id, want := range map[string]string{i1: StateTerminated, i2: StateRunning} {
			inst, ok := c.Instance(id)
			if !ok {
				t.Fatalf("no instance %s", id)
			}
			if inst.State != want || inst.Type != "t3.micro" || inst.ImageID != "ami-0abc" || !slices.Equal(inst.Tags, []Tag{{"owner", "ana"}}) {
				t.Errorf("instance %s: %+v, want state %s", id, inst, want)
			}
		}
		if got := len(c.Instances()); got != 2 {
			t.Errorf("Instances: %d, want 2", got)
		}
		s, ok := c.Snapshot("eu-west-1", "orders-1-dr")
		if !ok {
			t.Fatal("no snapshot orders-1-dr in eu-west-1")
		}
		want := Snapshot{ID: "orders-1-dr", DBInstance: "orders", Region: "eu-west-1", ARN: "arn:aws:rds:eu-west-1:000000000000:snapshot:orders-1-dr",
			Status: "available", Created: testNow, Type: "manual", SourceARN: "arn:aws:rds:us-east-1:000000000000:snapshot:orders-1",
			SourceRegion: "us-east-1", Tags: []Tag{{"owner", "dba"}}}
		if s.ID != want.ID || s.ARN != want.ARN || s.SourceARN != want.SourceARN || s.SourceRegion != want.SourceRegion ||
			s.Status != want.Status || s.DBInstance != want.DBInstance || !slices.Equal(s.Tags, want.Tags) {
			t.Errorf("snapshot:\n got %+v\nwant %+v", s, want)
		}
		if _, ok := c.Snapshot("us-east-1", "ORDERS-1"); !ok {
			t.Error("Snapshot is case-sensitive")
		}
	})
}

func TestRunInstancesClientToken(t *testing.T) {
	c := newTestCloud()
	const run = `{"ImageId":"ami-0abc","MinCount":1,"MaxCount":1,"ClientToken":"tok-1"}`
	first := callJSON(t, c, "us-east-1", "AmazonEC2.RunInstances", run)
	if first.Code != 200 {
		t.Fatalf("RunInstances: %d %s", first.Code, first.Body)
	}
	id := instanceIDsOf(t, first.Body.Bytes())[0]
	callJSON(t, c, "us-east-1", "AmazonEC2.StopInstances", `{"InstanceIds":["`+id+`"]}`)

	t.Run("same token again: the same reservation, nothing launched", func(t *testing.T) {
		again := callJSON(t, c, "us-east-1", "AmazonEC2.RunInstances", run)
		if got := instanceIDsOf(t, again.Body.Bytes()); !slices.Equal(got, []string{id}) {
			t.Errorf("instances: got %v, want [%s]", got, id)
		}
		if got, want := len(c.Instances()), 1; got != want {
			t.Errorf("instances in the cloud: got %d, want %d", got, want)
		}
	})
	t.Run("same token in another region: launched", func(t *testing.T) {
		other := callJSON(t, c, "eu-west-1", "AmazonEC2.RunInstances", run)
		if got := instanceIDsOf(t, other.Body.Bytes()); len(got) != 1 || got[0] == id {
			t.Errorf("instances: got %v, want a new one", got)
		}
	})
	t.Run("client-token filter: the token's instances", func(t *testing.T) {
		w := callJSON(t, c, "us-east-1", "AmazonEC2.DescribeInstances", `{"Filters":[{"Name":"client-token","Values":["tok-1"]}]}`)
		want := `{"Reservations":[{"ReservationId":"r-0e220a8397b1dcdaf","OwnerId":"000000000000","Groups":[],"Instances":[{"InstanceId":"` + id +
			`","ImageId":"ami-0abc","State":{"Code":80,"Name":"stopped"},"InstanceType":"m1.small","LaunchTime":1741082400,"Placement":{"AvailabilityZone":"us-east-1a","Tenancy":"default"},"ClientToken":"tok-1"}]}]}`
		if got := w.Body.String(); got != want {
			t.Errorf("answer:\n got %s\nwant %s", got, want)
		}
	})
}
