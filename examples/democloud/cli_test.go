package democloud

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/trailbridge/trailbridge/internal/check"
)

// awsCLIs are the aws command lines to drive the server with.
func awsCLIs(t *testing.T) []string { return check.AWSCLIs(t) }

func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("the aws CLI takes a second a call")
	}
	for _, bin := range awsCLIs(t) {
		t.Run(strings.ReplaceAll(bin, "/", "_"), func(t *testing.T) {
			c := newTestCloud()
			srv := httptest.NewServer(c)
			defer srv.Close()
			home := t.TempDir()
			env := append(os.Environ(),
				"AWS_ACCESS_KEY_ID=AKIDEMO",
				"AWS_SECRET_ACCESS_KEY=x",
				"AWS_DEFAULT_REGION=us-east-1",
				"AWS_EC2_METADATA_DISABLED=true",
				"AWS_MAX_ATTEMPTS=1",
				"AWS_CONFIG_FILE="+home+"/config",
				"AWS_SHARED_CREDENTIALS_FILE="+home+"/credentials",
				"AWS_PAGER=",
				"HOME="+home,
			)
			run := func(wantOK bool, args ...string) (map[string]any, string) {
				t.Helper()
				cmd := exec.Command(bin, append([]string{"--endpoint-url", srv.URL, "--output", "json"}, args...)...)
				cmd.Env = env
				var out, errOut strings.Builder
				cmd.Stdout, cmd.Stderr = &out, &errOut
				err := cmd.Run()
				if (err == nil) != wantOK {
					t.Fatalf("aws %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errOut.String())
				}
				var v map[string]any
				if s := strings.TrimSpace(out.String()); s != "" {
					if err := json.Unmarshal([]byte(s), &v); err != nil {
						t.Fatalf("aws %s: output is not JSON: %q", strings.Join(args, " "), s)
					}
				}
				return v, errOut.String()
			}

			t.Run("iam: user created, disabled", func(t *testing.T) {
				out, _ := run(true, "iam", "create-user", "--user-name", "cli-user", "--tags", "Key=team,Value=ops")
				if got, want := out["User"].(map[string]any)["Arn"], "arn:aws:iam::000000000000:user/cli-user"; got != want {
					t.Errorf("create-user: Arn %v, want %v", got, want)
				}
				run(true, "iam", "attach-user-policy", "--user-name", "cli-user", "--policy-arn", DenyAllPolicyARN)
				run(true, "iam", "create-login-profile", "--user-name", "cli-user", "--password", "Pa55-word!")
				run(true, "iam", "delete-login-profile", "--user-name", "cli-user")
				_, stderr := run(false, "iam", "get-login-profile", "--user-name", "cli-user")
				if !strings.Contains(stderr, "NoSuchEntity") {
					t.Errorf("get-login-profile: %s", stderr)
				}
				u, _ := c.User("cli-user")
				if u.Login != LoginDisabled || !slices.Equal(u.Policies, []string{DenyAllPolicyARN}) || !slices.Equal(u.Tags, []Tag{{"team", "ops"}}) {
					t.Errorf("user: %+v", u)
				}
			})

			t.Run("s3api: bucket with policy and tags, policy deleted", func(t *testing.T) {
				const policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::cli-bucket/*"}]}`
				run(true, "s3api", "create-bucket", "--bucket", "cli-bucket", "--create-bucket-configuration", "LocationConstraint=eu-west-1")
				run(true, "s3api", "put-bucket-policy", "--bucket", "cli-bucket", "--policy", policy)
				if out, _ := run(true, "s3api", "get-bucket-policy", "--bucket", "cli-bucket"); out["Policy"] != policy {
					t.Errorf("get-bucket-policy: %v", out)
				}
				run(true, "s3api", "put-bucket-tagging", "--bucket", "cli-bucket", "--tagging", "TagSet=[{Key=owner,Value=web}]")
				if b, _ := c.Bucket("cli-bucket"); b.Policy != policy || b.Region != "eu-west-1" || !slices.Equal(b.Tags, []Tag{{"owner", "web"}}) {
					t.Errorf("bucket: %+v", b)
				}
				run(true, "s3api", "delete-bucket-policy", "--bucket", "cli-bucket")
				if b, _ := c.Bucket("cli-bucket"); b.Policy != "" {
					t.Errorf("policy not deleted: %q", b.Policy)
				}
			})

			t.Run("ec2: instances launched tagged, stopped, terminated", func(t *testing.T) {
				out, _ := run(true, "ec2", "run-instances", "--image-id", "ami-0abc", "--instance-type", "t3.micro", "--count", "2",
					"--tag-specifications", "ResourceType=instance,Tags=[{Key=owner,Value=ana},{Key=cost-center,Value=cc-1}]")
				insts, _ := out["Instances"].([]any)
				if len(insts) != 2 {
					t.Fatalf("run-instances: %v", out)
				}
				id0 := insts[0].(map[string]any)["InstanceId"].(string)
				id1 := insts[1].(map[string]any)["InstanceId"].(string)
				run(true, "ec2", "stop-instances", "--instance-ids", id0)
				run(true, "ec2", "terminate-instances", "--instance-ids", id1)
				if i, _ := c.Instance(id0); i.State != StateStopped || !slices.Equal(i.Tags, []Tag{{"owner", "ana"}, {"cost-center", "cc-1"}}) {
					t.Errorf("%s: %+v", id0, i)
				}
				if i, _ := c.Instance(id1); i.State != StateTerminated {
					t.Errorf("%s: %+v", id1, i)
				}
			})

			t.Run("rds: snapshot created, copied to another region", func(t *testing.T) {
				run(true, "rds", "create-db-snapshot", "--db-snapshot-identifier", "cli-snap", "--db-instance-identifier", "orders")
				out, _ := run(true, "--region", "eu-west-1", "rds", "copy-db-snapshot", "--source-region", "us-east-1",
					"--source-db-snapshot-identifier", "arn:aws:rds:us-east-1:000000000000:snapshot:cli-snap", "--target-db-snapshot-identifier", "cli-snap-dr")
				if got := out["DBSnapshot"].(map[string]any)["SourceRegion"]; got != "us-east-1" {
					t.Errorf("copy-db-snapshot: %v", out)
				}
				if s, ok := c.Snapshot("eu-west-1", "cli-snap-dr"); !ok || s.SourceRegion != "us-east-1" {
					t.Errorf("copy: %+v", s)
				}
			})

			t.Run("throttled call: the CLI reports ThrottlingException", func(t *testing.T) {
				c.Throttle("GetUser", 1)
				_, stderr := run(false, "iam", "get-user", "--user-name", "cli-user")
				if !strings.Contains(stderr, "ThrottlingException") {
					t.Errorf("stderr: %s", stderr)
				}
				c.Throttle("DescribeInstances", 1)
				_, stderr = run(false, "ec2", "describe-instances")
				if !strings.Contains(stderr, "RequestLimitExceeded") {
					t.Errorf("stderr: %s", stderr)
				}
			})
		})
	}
}
