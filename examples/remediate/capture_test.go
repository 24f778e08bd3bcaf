package remediate

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/capture"
	"github.com/trailbridge/trailbridge/cloudtrail"
	"github.com/trailbridge/trailbridge/examples/democloud"
	"github.com/trailbridge/trailbridge/sigv4"
)

// chanSink hands each captured record to a channel.
type chanSink chan []byte

func (s chanSink) Put(_ context.Context, batch []capture.Captured) error {
	for _, c := range batch {
		s <- c.Record
	}
	return nil
}

// captured is the demo cloud behind trailbridge's recorder in AWS mode:
// every call through url becomes a CloudTrail record on records.
type captured struct {
	cloud   *democloud.Cloud
	url     string
	records chanSink
}

func startCaptured(t *testing.T) *captured {
	t.Helper()
	sink := make(chanSink, 100)
	h, err := capture.NewHandoff(capture.HandoffConfig{Dir: t.TempDir(), Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("hand-off: %v", err)
		}
	})
	rec, err := capture.NewRecorder(capture.Config{Name: "demo", AWS: true, Account: "000000000000"}, h)
	if err != nil {
		t.Fatal(err)
	}
	cloud := democloud.New(democloud.Options{})
	srv := httptest.NewServer(rec.Middleware(cloud))
	t.Cleanup(srv.Close)
	return &captured{cloud: cloud, url: srv.URL, records: sink}
}

// next returns the next record, as the EventBridge event a rule would
// deliver, and its eventName.
func (c *captured) next(t *testing.T) (event []byte, name string) {
	t.Helper()
	select {
	case r := <-c.records:
		env, err := cloudtrail.NewEnvelope(r)
		if err != nil {
			t.Fatalf("envelope of %s: %v", r, err)
		}
		b, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		var rec struct{ EventName string }
		json.Unmarshal(r, &rec)
		return b, rec.EventName
	case <-time.After(10 * time.Second):
		t.Fatal("no record within 10s")
	}
	return nil, ""
}

// query makes a query-protocol call as the aws CLI does, signed by the
// intruder.
func (c *captured) query(t *testing.T, service, region, form string) {
	t.Helper()
	r, _ := http.NewRequest(http.MethodPost, c.url+"/", strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	c.send(t, r, []byte(form), service, region)
}

func (c *captured) send(t *testing.T, r *http.Request, body []byte, service, region string) {
	t.Helper()
	if err := sigv4.Sign(r, body, "AKIAINTRUDER", "secret", "", service, region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", r.Method, r.URL, resp.StatusCode, b)
	}
}

// remediate runs function name on event through the recorder, and
// returns its result and the eventNames of the calls it made, as
// recorded.
func (c *captured) remediate(t *testing.T, name string, event []byte, env map[string]string) (Result, []string) {
	t.Helper()
	vars := map[string]string{
		"DEMO_ENDPOINT": c.url, "AWS_ACCESS_KEY_ID": "AKIAREMEDIATE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1",
	}
	for k, v := range env {
		vars[k] = v
	}
	var out bytes.Buffer
	if err := Run(t.Context(), name, bytes.NewReader(event), &out, func(k string) string { return vars[k] }); err != nil {
		t.Fatalf("%s: %v\nevent: %s", name, err, event)
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	var names []string
	for range res.Calls {
		_, n := c.next(t)
		names = append(names, n)
	}
	return res, names
}

// TestCapturedRecords runs each function on the record trailbridge's
// recorder made of the triggering call, made the way the aws CLI makes
// it (query protocol, EC2's dialect, S3 REST), so that the functions read
// what the interceptor really writes.
func TestCapturedRecords(t *testing.T) {
	t.Run("CreateUser by an unapproved principal: user disabled", func(t *testing.T) {
		c := startCaptured(t)
		c.query(t, "iam", "us-east-1", "Action=CreateUser&Version=2010-05-08&UserName=backdoor")
		ev, _ := c.next(t)
		res, calls := c.remediate(t, "disable-user", ev, map[string]string{"ALLOWED_PRINCIPALS": "AKIAADMIN"})
		if !res.Acted || !slices.Equal(calls, []string{"AttachUserPolicy", "DeleteLoginProfile"}) {
			t.Errorf("result %+v, recorded calls %v", res, calls)
		}
		if u, _ := c.cloud.User("backdoor"); !u.Disabled() {
			t.Errorf("user: %+v", u)
		}
	})

	t.Run("PutBucketPolicy granting everyone (S3 REST): policy deleted", func(t *testing.T) {
		c := startCaptured(t)
		r, _ := http.NewRequest(http.MethodPut, c.url+"/site", nil)
		c.send(t, r, nil, "s3", "us-east-1")
		c.next(t)
		policy := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}`)
		r, _ = http.NewRequest(http.MethodPut, c.url+"/site?policy", bytes.NewReader(policy))
		c.send(t, r, policy, "s3", "us-east-1")
		ev, name := c.next(t)
		if name != "PutBucketPolicy" {
			t.Fatalf("record: %s", ev)
		}
		res, calls := c.remediate(t, "revert-bucket-policy", ev, nil)
		if !res.Acted || !slices.Equal(calls, []string{"GetBucketPolicy", "DeleteBucketPolicy"}) {
			t.Errorf("result %+v, recorded calls %v", res, calls)
		}
		if b, _ := c.cloud.Bucket("site"); b.Policy != "" {
			t.Errorf("policy: %q", b.Policy)
		}
	})

	t.Run("RunInstances without cost-center (EC2 query): instances stopped", func(t *testing.T) {
		c := startCaptured(t)
		c.query(t, "ec2", "us-east-1", "Action=RunInstances&Version=2016-11-15&ImageId=ami-1&MinCount=2&MaxCount=2&ClientToken=tok-1"+
			"&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=owner&TagSpecification.1.Tag.1.Value=ana")
		ev, _ := c.next(t)
		res, calls := c.remediate(t, "stop-untagged", ev, nil)
		// The record's responseElements name the instances (the capture
		// layer writes the XML answer as CloudTrail does): no lookup needed.
		if !res.Acted || !slices.Equal(calls, []string{"StopInstances"}) {
			t.Errorf("result %+v, recorded calls %v", res, calls)
		}
		for _, i := range c.cloud.Instances() {
			if i.State != democloud.StateStopped {
				t.Errorf("instance: %+v", i)
			}
		}
	})

	t.Run("CreateDBSnapshot (RDS query): copied to the DR region", func(t *testing.T) {
		c := startCaptured(t)
		c.query(t, "rds", "us-east-1", "Action=CreateDBSnapshot&Version=2014-10-31&DBSnapshotIdentifier=nightly&DBInstanceIdentifier=orders")
		ev, _ := c.next(t)
		res, calls := c.remediate(t, "copy-snapshot", ev, map[string]string{"DR_REGION": "us-west-2"})
		if !res.Acted || !slices.Equal(calls, []string{"CopyDBSnapshot"}) {
			t.Errorf("result %+v, recorded calls %v", res, calls)
		}
		if s, ok := c.cloud.Snapshot("us-west-2", "nightly-dr"); !ok || s.SourceRegion != "us-east-1" {
			t.Errorf("copy: %+v", s)
		}
	})

	t.Run("the JSON protocol's records: every function acts", func(t *testing.T) {
		c := startCaptured(t)
		intruder := &client{endpoint: c.url, key: "AKIAINTRUDER", secret: "s", http: http.DefaultClient, now: time.Now}
		do := func(service, op string, in any) []byte {
			t.Helper()
			if err := intruder.call(t.Context(), service, "us-east-1", op, in, nil); err != nil {
				t.Fatal(err)
			}
			ev, _ := c.next(t)
			return ev
		}
		ev := do("iam", "CreateUser", map[string]string{"UserName": "backdoor"})
		if res, _ := c.remediate(t, "disable-user", ev, nil); !res.Acted {
			t.Errorf("disable-user: %+v\nevent: %s", res, ev)
		}
		do("s3", "CreateBucket", map[string]string{"Bucket": "site"})
		ev = do("s3", "PutBucketPolicy", map[string]string{"Bucket": "site", "Policy": `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}]}`})
		if res, _ := c.remediate(t, "revert-bucket-policy", ev, nil); !res.Acted {
			t.Errorf("revert-bucket-policy: %+v\nevent: %s", res, ev)
		}
		ev = do("ec2", "RunInstances", map[string]any{"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1,
			"TagSpecifications": []any{map[string]any{"ResourceType": "instance", "Tags": []any{map[string]string{"Key": "owner", "Value": "a"}}}}})
		if res, _ := c.remediate(t, "stop-untagged", ev, nil); !res.Acted || len(res.Calls) != 1 {
			t.Errorf("stop-untagged: %+v\nevent: %s", res, ev)
		}
		ev = do("rds", "CreateDBSnapshot", map[string]string{"DBSnapshotIdentifier": "nightly", "DBInstanceIdentifier": "orders"})
		if res, _ := c.remediate(t, "copy-snapshot", ev, map[string]string{"DR_REGION": "us-west-2"}); !res.Acted ||
			res.Calls[0].Resources[0] != "arn:aws:rds:us-east-1:000000000000:snapshot:nightly" {
			t.Errorf("copy-snapshot: %+v\nevent: %s", res, ev)
		}
	})
}
