package remediate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/examples/democloud"
)

const denyAll = democloud.DenyAllPolicyARN

// demo is a demo cloud behind an HTTP server, and a client for setting
// its scene (signed with another key than the functions').
type demo struct {
	cloud *democloud.Cloud
	url   string
	setup *client
	vars  map[string]string
}

func startDemo(t *testing.T) *demo {
	t.Helper()
	c := democloud.New(democloud.Options{Now: func() time.Time { return time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC) }})
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return &demo{
		cloud: c,
		url:   srv.URL,
		setup: &client{endpoint: srv.URL, key: "AKIASETUP", secret: "s", http: srv.Client(), now: time.Now},
		vars: map[string]string{
			"DEMO_ENDPOINT":         srv.URL,
			"AWS_ACCESS_KEY_ID":     "AKIAREMEDIATE",
			"AWS_SECRET_ACCESS_KEY": "secret",
			"AWS_REGION":            "us-east-1",
		},
	}
}

// do makes a setup call, failing the test on an error.
func (d *demo) do(t *testing.T, service, region, op string, in, out any) {
	t.Helper()
	if err := d.setup.call(t.Context(), service, region, op, in, out); err != nil {
		t.Fatalf("setup: %v", err)
	}
}

// run runs function name on the event in testdata file, with the
// replacements (placeholder → value) applied and the extra environment.
func (d *demo) run(t *testing.T, name, file string, repl map[string]string, env map[string]string) (Result, error) {
	t.Helper()
	if !filepath.IsAbs(file) {
		file = filepath.Join("testdata", file)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for k, v := range repl {
		s = strings.ReplaceAll(s, k, v)
	}
	vars := map[string]string{}
	for k, v := range d.vars {
		vars[k] = v
	}
	for k, v := range env {
		vars[k] = v
	}
	var out bytes.Buffer
	err = Run(t.Context(), name, strings.NewReader(s), &out, func(k string) string { return vars[k] })
	if err != nil {
		if out.Len() != 0 {
			t.Errorf("Run wrote %q and failed", out.String())
		}
		return Result{}, err
	}
	if got := out.String(); strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n") {
		t.Errorf("Run wrote %q, want one line", got)
	}
	var res Result
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("result: %v", err)
	}
	return res, nil
}

// withDetail returns the path of a copy of the testdata event file with
// detail's member set to value.
func withDetail(t *testing.T, file, member string, value any) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	ev["detail"].(map[string]any)[member] = value
	b, _ = json.Marshal(ev)
	p := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDisableUser(t *testing.T) {
	for _, tc := range []struct {
		name      string
		file      string
		allowed   string
		setup     func(t *testing.T, d *demo)
		want      Result
		wantLogin democloud.LoginState
		wantPols  []string
	}{
		{
			name: "unapproved creator: deny-all attached and password deleted",
			file: "create-user.json", allowed: "arn:aws:iam::000000000000:user/admin",
			setup: func(t *testing.T, d *demo) {
				d.do(t, "iam", "us-east-1", "CreateUser", map[string]string{"UserName": "backdoor"}, nil)
				d.do(t, "iam", "us-east-1", "CreateLoginProfile", map[string]string{"UserName": "backdoor", "Password": "hunter2!"}, nil)
			},
			want: Result{Function: "disable-user", Acted: true,
				Reason: "user backdoor was created by arn:aws:iam::000000000000:user/intern, not an allowed principal: disabled",
				Calls: []Call{
					{Operation: "AttachUserPolicy", Region: "us-east-1", Resources: []string{"backdoor", denyAll}},
					{Operation: "DeleteLoginProfile", Region: "us-east-1", Resources: []string{"backdoor"}},
				}},
			wantLogin: democloud.LoginDisabled, wantPols: []string{denyAll},
		},
		{
			name: "unapproved creator, no password: deny-all attached",
			file: "create-user.json",
			setup: func(t *testing.T, d *demo) {
				d.do(t, "iam", "us-east-1", "CreateUser", map[string]string{"UserName": "backdoor"}, nil)
			},
			want: Result{Function: "disable-user", Acted: true,
				Reason: "user backdoor was created by arn:aws:iam::000000000000:user/intern, not an allowed principal: disabled",
				Calls: []Call{
					{Operation: "AttachUserPolicy", Region: "us-east-1", Resources: []string{"backdoor", denyAll}},
					{Operation: "DeleteLoginProfile", Region: "us-east-1", Resources: []string{"backdoor"}, Error: "NoSuchEntity"},
				}},
			wantLogin: democloud.LoginNone, wantPols: []string{denyAll},
		},
		{
			name: "creator allowed by ARN: left alone",
			file: "create-user.json", allowed: "arn:aws:iam::000000000000:user/admin, arn:aws:iam::000000000000:user/intern",
			setup: func(t *testing.T, d *demo) {
				d.do(t, "iam", "us-east-1", "CreateUser", map[string]string{"UserName": "backdoor"}, nil)
			},
			want: Result{Function: "disable-user",
				Reason: "user backdoor was created by arn:aws:iam::000000000000:user/intern, an allowed principal (arn:aws:iam::000000000000:user/intern)"},
		},
		{
			name: "creator allowed by user name: left alone",
			file: "create-user.json", allowed: "intern",
			setup: func(t *testing.T, d *demo) {
				d.do(t, "iam", "us-east-1", "CreateUser", map[string]string{"UserName": "backdoor"}, nil)
			},
			want: Result{Function: "disable-user",
				Reason: "user backdoor was created by arn:aws:iam::000000000000:user/intern, an allowed principal (intern)"},
		},
		{
			name: "user deleted since: nothing to do",
			file: "create-user.json",
			want: Result{Function: "disable-user",
				Reason: "user backdoor, created by arn:aws:iam::000000000000:user/intern, no longer exists",
				Calls:  []Call{{Operation: "AttachUserPolicy", Region: "us-east-1", Resources: []string{"backdoor"}, Error: "NoSuchEntity"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := startDemo(t)
			if tc.setup != nil {
				tc.setup(t, d)
			}
			got, err := d.run(t, "disable-user", tc.file, nil, map[string]string{"ALLOWED_PRINCIPALS": tc.allowed})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("result:\n got %+v\nwant %+v", got, tc.want)
			}
			if u, ok := d.cloud.User("backdoor"); ok {
				if got, want := u.Login, tc.wantLogin; got != want {
					t.Errorf("login: got %q, want %q", got, want)
				}
				if got, want := u.Policies, tc.wantPols; !slices.Equal(got, want) {
					t.Errorf("policies: got %q, want %q", got, want)
				}
				if got, want := u.Disabled(), tc.want.Acted; got != want {
					t.Errorf("Disabled: got %v, want %v", got, want)
				}
			}
		})
	}
}

func TestRevertBucketPolicy(t *testing.T) {
	const public = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::public-site/*"}]}`
	const private = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::public-site/*"}]}`
	get := Call{Operation: "GetBucketPolicy", Region: "us-east-1", Resources: []string{"public-site"}}
	del := Call{Operation: "DeleteBucketPolicy", Region: "us-east-1", Resources: []string{"public-site"}}
	deleted := Result{Function: "revert-bucket-policy", Acted: true,
		Reason: `bucket public-site's policy granted access to everyone (Principal "*"): deleted`, Calls: []Call{get, del}}
	for _, tc := range []struct {
		name       string
		file       string
		current    string // the bucket's policy when the function runs
		want       Result
		wantPolicy string
	}{
		{name: "parsed public policy (CloudTrail's S3 shape): deleted", file: "put-bucket-policy.json", current: public, want: deleted},
		{name: "public policy as a string (JSON protocol): deleted", file: "put-bucket-policy-json.json", current: public, want: deleted},
		{
			name: "replaced since by a private policy: kept", file: "put-bucket-policy.json", current: private, wantPolicy: private,
			want: Result{Function: "revert-bucket-policy", Reason: "bucket public-site's policy has since been replaced by one that grants nothing to everyone", Calls: []Call{get}},
		},
		{
			name: "deleted since: nothing to do", file: "put-bucket-policy.json",
			want: Result{Function: "revert-bucket-policy", Reason: "bucket public-site has no policy any more",
				Calls: []Call{{Operation: "GetBucketPolicy", Region: "us-east-1", Resources: []string{"public-site"}, Error: "NoSuchBucketPolicy"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := startDemo(t)
			d.do(t, "s3", "us-east-1", "CreateBucket", map[string]string{"Bucket": "public-site"}, nil)
			if tc.current != "" {
				d.do(t, "s3", "us-east-1", "PutBucketPolicy", map[string]string{"Bucket": "public-site", "Policy": tc.current}, nil)
			}
			got, err := d.run(t, "revert-bucket-policy", tc.file, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("result:\n got %+v\nwant %+v", got, tc.want)
			}
			b, _ := d.cloud.Bucket("public-site")
			if got, want := b.Policy, tc.wantPolicy; got != want {
				t.Errorf("policy: got %q, want %q", got, want)
			}
		})
	}

	t.Run("private policy in the record: no call", func(t *testing.T) {
		d := startDemo(t)
		var pol any
		json.Unmarshal([]byte(private), &pol)
		file := withDetail(t, "put-bucket-policy.json", "requestParameters", map[string]any{"bucketName": "public-site", "bucketPolicy": pol, "policy": ""})
		got, err := d.run(t, "revert-bucket-policy", file, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := Result{Function: "revert-bucket-policy", Reason: "the policy put on bucket public-site grants nothing to everyone"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("result:\n got %+v\nwant %+v", got, want)
		}
	})
}

func TestStopUntagged(t *testing.T) {
	for _, tc := range []struct {
		name        string
		file        string
		tags        []map[string]string // of the launched instances
		stopFirst   bool                // the first instance is terminated before the function runs
		wantStopped []bool              // per instance
		wantReason  string
		wantCalls   func(ids []string) []Call
	}{
		{
			name: "lowerCamel JSON-protocol record, cost-center on the volume only: both stopped",
			file: "run-instances.json", tags: []map[string]string{{"Key": "owner", "Value": "intern"}},
			wantStopped: []bool{true, true},
			wantReason:  "$INSTANCE_1 lacks cost-center; $INSTANCE_2 lacks cost-center: stopped",
			wantCalls: func(ids []string) []Call {
				return []Call{{Operation: "StopInstances", Region: "us-east-1", Resources: ids}}
			},
		},
		{
			name: "CloudTrail's EC2 record, one tag empty on one instance: that one stopped",
			file: "run-instances-cloudtrail.json", tags: []map[string]string{{"Key": "owner", "Value": "platform"}, {"Key": "cost-center", "Value": "cc-7"}},
			wantStopped: []bool{false, true},
			wantReason:  "$INSTANCE_2 lacks cost-center: stopped",
			wantCalls: func(ids []string) []Call {
				return []Call{{Operation: "StopInstances", Region: "us-east-1", Resources: ids[1:]}}
			},
		},
		{
			name: "query-protocol record, answer summarised: found by client token, both stopped",
			file: "run-instances-query.json", tags: []map[string]string{{"Key": "owner", "Value": "intern"}},
			wantStopped: []bool{true, true},
			wantReason:  "$INSTANCE_1 lacks cost-center; $INSTANCE_2 lacks cost-center: stopped",
			wantCalls: func(ids []string) []Call {
				return []Call{
					{Operation: "DescribeInstances", Region: "us-east-1", Resources: ids},
					{Operation: "StopInstances", Region: "us-east-1", Resources: ids},
				}
			},
		},
		{
			name: "one of them terminated since: the other stopped",
			file: "run-instances.json", tags: []map[string]string{{"Key": "owner", "Value": "intern"}},
			stopFirst: true, wantStopped: []bool{false, true},
			wantReason: "$INSTANCE_1 lacks cost-center; $INSTANCE_2 lacks cost-center: stopped",
			wantCalls: func(ids []string) []Call {
				return []Call{
					{Operation: "StopInstances", Region: "us-east-1", Resources: ids[:1], Error: "IncorrectInstanceState"},
					{Operation: "StopInstances", Region: "us-east-1", Resources: ids[1:]},
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := startDemo(t)
			var res struct {
				ReservationId string
				Instances     []struct{ InstanceId string }
			}
			d.do(t, "ec2", "us-east-1", "RunInstances", map[string]any{
				"ImageId": "ami-0abcdef1234567890", "InstanceType": "t3.micro", "MinCount": 2, "MaxCount": 2,
				"TagSpecifications": []any{map[string]any{"ResourceType": "instance", "Tags": tc.tags}},
				"ClientToken":       "tok-cli",
			}, &res)
			ids := []string{res.Instances[0].InstanceId, res.Instances[1].InstanceId}
			if tc.stopFirst {
				d.do(t, "ec2", "us-east-1", "TerminateInstances", map[string]any{"InstanceIds": ids[:1]}, nil)
			}
			repl := map[string]string{"$RESERVATION": res.ReservationId, "$INSTANCE_1": ids[0], "$INSTANCE_2": ids[1], "$TOKEN": "tok-cli"}
			got, err := d.run(t, "stop-untagged", tc.file, repl, nil)
			if err != nil {
				t.Fatal(err)
			}
			reason := strings.NewReplacer("$INSTANCE_1", ids[0], "$INSTANCE_2", ids[1]).Replace(tc.wantReason)
			want := Result{Function: "stop-untagged", Acted: true, Reason: reason, Calls: tc.wantCalls(ids)}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("result:\n got %+v\nwant %+v", got, want)
			}
			for i, id := range ids {
				inst, _ := d.cloud.Instance(id)
				if got, want := inst.State == democloud.StateStopped, tc.wantStopped[i]; got != want {
					t.Errorf("%s: state %s, want stopped %v", id, inst.State, want)
				}
			}
		})
	}

	t.Run("every instance tagged: none stopped", func(t *testing.T) {
		d := startDemo(t)
		var res struct{ Instances []struct{ InstanceId string } }
		d.do(t, "ec2", "us-east-1", "RunInstances", map[string]any{"ImageId": "ami-1", "MinCount": 2, "MaxCount": 2}, &res)
		ids := []string{res.Instances[0].InstanceId, res.Instances[1].InstanceId}
		got, err := d.run(t, "stop-untagged", "run-instances.json",
			map[string]string{"$INSTANCE_1": ids[0], "$INSTANCE_2": ids[1]}, map[string]string{"REQUIRED_TAGS": "owner"})
		if err != nil {
			t.Fatal(err)
		}
		want := Result{Function: "stop-untagged", Reason: "every instance has the required tags (owner)"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("result:\n got %+v\nwant %+v", got, want)
		}
		for _, id := range ids {
			if inst, _ := d.cloud.Instance(id); inst.State != democloud.StateRunning {
				t.Errorf("%s: state %s, want running", id, inst.State)
			}
		}
	})
}

func TestCopySnapshot(t *testing.T) {
	const srcARN = "arn:aws:rds:us-east-1:000000000000:snapshot:orders-nightly"
	copied := Result{Function: "copy-snapshot", Acted: true,
		Reason: "snapshot orders-nightly copied from us-east-1 to eu-west-1 as orders-nightly-dr",
		Calls:  []Call{{Operation: "CopyDBSnapshot", Region: "eu-west-1", Resources: []string{srcARN, "orders-nightly-dr"}}}}
	for _, tc := range []struct {
		name   string
		file   func(t *testing.T) string
		before bool // a copy exists already
		want   Result
	}{
		{name: "new snapshot: copied to the DR region", want: copied},
		{
			name: "record without the ARN, dbSnapshotIdentifier spelling: copied to the DR region",
			file: func(t *testing.T) string {
				return withDetail(t, "create-db-snapshot-query.json", "requestParameters", map[string]any{"dbSnapshotIdentifier": "orders-nightly", "dbInstanceIdentifier": "orders"})
			},
			want: Result{Function: "copy-snapshot", Acted: true,
				Reason: "snapshot orders-nightly copied from us-east-1 to eu-west-1 as orders-nightly-dr",
				Calls:  []Call{{Operation: "CopyDBSnapshot", Region: "eu-west-1", Resources: []string{"orders-nightly", "orders-nightly-dr"}}}},
		},
		{
			name: "record of a query-protocol call, answer summarised: copied by identifier and source region",
			file: func(t *testing.T) string { return "create-db-snapshot-query.json" },
			want: Result{Function: "copy-snapshot", Acted: true,
				Reason: "snapshot orders-nightly copied from us-east-1 to eu-west-1 as orders-nightly-dr",
				Calls:  []Call{{Operation: "CopyDBSnapshot", Region: "eu-west-1", Resources: []string{"orders-nightly", "orders-nightly-dr"}}}},
		},
		{
			name: "copied already (a second delivery): nothing to do", before: true,
			want: Result{Function: "copy-snapshot", Reason: "snapshot orders-nightly is in eu-west-1 as orders-nightly-dr already",
				Calls: []Call{{Operation: "CopyDBSnapshot", Region: "eu-west-1", Resources: []string{srcARN, "orders-nightly-dr"}, Error: "DBSnapshotAlreadyExists"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := startDemo(t)
			d.do(t, "rds", "us-east-1", "CreateDBSnapshot", map[string]any{
				"DBSnapshotIdentifier": "orders-nightly", "DBInstanceIdentifier": "orders",
				"Tags": []map[string]string{{"Key": "owner", "Value": "dba"}},
			}, nil)
			if tc.before {
				d.do(t, "rds", "eu-west-1", "CopyDBSnapshot", map[string]any{"SourceDBSnapshotIdentifier": srcARN, "TargetDBSnapshotIdentifier": "orders-nightly-dr"}, nil)
			}
			file := "create-db-snapshot.json"
			if tc.file != nil {
				file = tc.file(t)
			}
			got, err := d.run(t, "copy-snapshot", file, nil, map[string]string{"DR_REGION": "eu-west-1"})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("result:\n got %+v\nwant %+v", got, tc.want)
			}
			s, ok := d.cloud.Snapshot("eu-west-1", "orders-nightly-dr")
			if !ok {
				t.Fatal("no copy in eu-west-1")
			}
			if got, want := s.SourceARN, srcARN; got != want {
				t.Errorf("copy's source: got %q, want %q", got, want)
			}
			if got, want := s.Status, "available"; got != want {
				t.Errorf("copy's status: got %q, want %q", got, want)
			}
			if tc.want.Acted && !slices.Contains(s.Tags, democloud.Tag{Key: "owner", Value: "dba"}) {
				t.Errorf("copy's tags: got %v, want the source's", s.Tags)
			}
		})
	}

	t.Run("snapshot in the DR region: nothing to do", func(t *testing.T) {
		d := startDemo(t)
		got, err := d.run(t, "copy-snapshot", "create-db-snapshot.json", nil, map[string]string{"DR_REGION": "us-east-1"})
		if err != nil {
			t.Fatal(err)
		}
		want := Result{Function: "copy-snapshot", Reason: "snapshot orders-nightly is in us-east-1, the DR region, already"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("result:\n got %+v\nwant %+v", got, want)
		}
	})
}

func TestRunFailedCall(t *testing.T) {
	for _, tc := range []struct{ name, file, code string }{
		{"disable-user", "create-user.json", "EntityAlreadyExists"},
		{"revert-bucket-policy", "put-bucket-policy.json", "NoSuchBucket"},
		{"stop-untagged", "run-instances.json", "RequestLimitExceeded"},
		{"copy-snapshot", "create-db-snapshot.json", "ThrottlingException"},
	} {
		t.Run(tc.name+": nothing done", func(t *testing.T) {
			d := startDemo(t)
			got, err := d.run(t, tc.name, withDetail(t, tc.file, "errorCode", tc.code), nil, map[string]string{"DR_REGION": "eu-west-1"})
			if err != nil {
				t.Fatal(err)
			}
			if got.Acted || len(got.Calls) != 0 || !strings.Contains(got.Reason, tc.code) {
				t.Errorf("result: %+v, want no calls and a reason naming %s", got, tc.code)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fn      string
		event   string
		env     map[string]string
		wantErr string
	}{
		{name: "unknown function", fn: "reboot", event: `{}`, wantErr: `unknown function "reboot"`},
		{name: "no endpoint", fn: "disable-user", event: `{}`, env: map[string]string{"DEMO_ENDPOINT": ""}, wantErr: "DEMO_ENDPOINT is not set"},
		{name: "no credentials", fn: "disable-user", event: `{}`, env: map[string]string{"AWS_SECRET_ACCESS_KEY": ""}, wantErr: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set"},
		{name: "not JSON", fn: "disable-user", event: `CreateUser`, wantErr: "event is not a JSON object"},
		{name: "no detail", fn: "disable-user", event: `{"detail-type":"x"}`, wantErr: "event has no detail"},
		{name: "detail not a record", fn: "disable-user", event: `{"detail":{"a":1}}`, wantErr: "no eventName"},
		{name: "another call", fn: "disable-user", event: `{"detail":{"eventName":"DeleteUser"}}`, wantErr: "the event is a DeleteUser call, not CreateUser"},
		{name: "no user name", fn: "disable-user", event: `{"detail":{"eventName":"CreateUser","requestParameters":{}}}`, wantErr: "names no user"},
		{name: "no bucket", fn: "revert-bucket-policy", event: `{"detail":{"eventName":"PutBucketPolicy","requestParameters":{"policy":"{}"}}}`, wantErr: "names no bucket"},
		{name: "no policy", fn: "revert-bucket-policy", event: `{"detail":{"eventName":"PutBucketPolicy","requestParameters":{"bucketName":"b","policy":""}}}`, wantErr: "has no policy"},
		{name: "policy not JSON", fn: "revert-bucket-policy", event: `{"detail":{"eventName":"PutBucketPolicy","requestParameters":{"bucketName":"b","policy":"{"}}}`, wantErr: "not JSON"},
		{name: "no instances", fn: "stop-untagged", event: `{"detail":{"eventName":"RunInstances","responseElements":null}}`, wantErr: "names no instances"},
		{name: "no DR region", fn: "copy-snapshot", event: `{"detail":{"eventName":"CreateDBSnapshot"}}`, wantErr: "DR_REGION is not set"},
		{name: "no snapshot", fn: "copy-snapshot", event: `{"detail":{"eventName":"CreateDBSnapshot"}}`, env: map[string]string{"DR_REGION": "eu-west-1"}, wantErr: "names no snapshot"},
		{
			name: "API error", fn: "disable-user", event: `{"detail":{"eventName":"CreateUser","requestParameters":{"userName":"bad name"}}}`,
			wantErr: "iam AttachUserPolicy: ValidationError",
		},
	} {
		t.Run(tc.name+": error", func(t *testing.T) {
			d := startDemo(t)
			vars := map[string]string{}
			for k, v := range d.vars {
				vars[k] = v
			}
			for k, v := range tc.env {
				vars[k] = v
			}
			var out bytes.Buffer
			err := Run(context.Background(), tc.fn, strings.NewReader(tc.event), &out, func(k string) string { return vars[k] })
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Run: got error %v, want one containing %q", err, tc.wantErr)
			}
			if out.Len() != 0 {
				t.Errorf("Run wrote %q", out.String())
			}
		})
	}
}

func TestRunThroughThrottling(t *testing.T) {
	d := startDemo(t)
	d.do(t, "iam", "us-east-1", "CreateUser", map[string]string{"UserName": "backdoor"}, nil)
	d.cloud.ThrottleKey("AKIAREMEDIATE", 1)
	_, err := d.run(t, "disable-user", "create-user.json", nil, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "ThrottlingException" || apiErr.Status != 400 {
		t.Fatalf("Run: got %v, want a ThrottlingException APIError", err)
	}
	// A second delivery succeeds.
	if _, err := d.run(t, "disable-user", "create-user.json", nil, nil); err != nil {
		t.Fatal(err)
	}
	if u, _ := d.cloud.User("backdoor"); !u.Disabled() {
		t.Errorf("user not disabled: %+v", u)
	}
}

func TestStopUntaggedTokenWithoutInstances(t *testing.T) {
	d := startDemo(t)
	got, err := d.run(t, "stop-untagged", "run-instances-query.json", map[string]string{"$TOKEN": "tok-none"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Function: "stop-untagged", Reason: "no instance launched with client token tok-none exists",
		Calls: []Call{{Operation: "DescribeInstances", Region: "us-east-1", Resources: []string{}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("result:\n got %+v\nwant %+v", got, want)
	}
}
