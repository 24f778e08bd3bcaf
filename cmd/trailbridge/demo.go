package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trailbridge/trailbridge/examples/demo"
	"github.com/trailbridge/trailbridge/examples/democloud"
	"github.com/trailbridge/trailbridge/sigv4"
)

// demoOptions are demo's settings.
type demoOptions struct {
	once                                     bool
	dataDir                                  string
	addr, interceptAddr, cloudAddr, hookAddr string
	// self runs `trailbridge remediate NAME` for the function targets:
	// this program (tests set the test binary).
	self string
}

// demoRun is a running demo: trailbridge with the demo's config, the demo
// cloud behind its interceptor, and a webhook receiver.
type demoRun struct {
	app       *app
	cloud     *democloud.Cloud
	hook      *demoHook
	intercept string // the interceptor's URL
	cloudURL  string
	servers   []*http.Server
	trail     map[string]map[string]any // captured events by requestID
	out       io.Writer
}

// demoHook is the chat webhook: it keeps what it receives.
type demoHook struct {
	mu    sync.Mutex
	token string
	got   [][]byte
}

func (h *demoHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	if r.Header.Get("X-Demo-Token") != h.token {
		http.Error(w, "wrong token", http.StatusUnauthorized)
		return
	}
	h.mu.Lock()
	h.got = append(h.got, b)
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *demoHook) received() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

// freeAddr resolves an address with port 0 to a free port: the config
// needs the interceptor's address before it listens.
func freeAddr(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func serveOn(addr string, h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return srv, "http://" + ln.Addr().String(), nil
}

// startDemo starts everything the demo runs.
func startDemo(ctx context.Context, o demoOptions, log *slog.Logger, out io.Writer) (*demoRun, error) {
	d := &demoRun{cloud: democloud.New(democloud.Options{Logger: log}), trail: map[string]map[string]any{}, out: out}
	token := make([]byte, 12)
	rand.Read(token)
	d.hook = &demoHook{token: hex.EncodeToString(token)}
	fail := func(err error) (*demoRun, error) {
		d.Close()
		return nil, err
	}
	srv, cloudURL, err := serveOn(o.cloudAddr, d.cloud)
	if err != nil {
		return fail(fmt.Errorf("demo cloud: %w", err))
	}
	d.servers = append(d.servers, srv)
	d.cloudURL = cloudURL
	srv, hookURL, err := serveOn(o.hookAddr, d.hook)
	if err != nil {
		return fail(fmt.Errorf("webhook: %w", err))
	}
	d.servers = append(d.servers, srv)
	intercept, err := freeAddr(o.interceptAddr)
	if err != nil {
		return fail(fmt.Errorf("interceptor: %w", err))
	}
	if err := os.MkdirAll(o.dataDir, 0o755); err != nil {
		return fail(err)
	}
	cfgPath := filepath.Join(o.dataDir, "trailbridge.yaml")
	if err := os.WriteFile(cfgPath, demo.Config, 0o644); err != nil {
		return fail(err)
	}
	vars := map[string]string{
		"DEMO_INTERCEPT_ADDR": intercept,
		"DEMO_INTERCEPT_URL":  "http://" + intercept,
		"DEMO_CLOUD_URL":      cloudURL,
		"DEMO_WEBHOOK_URL":    hookURL + "/chat",
		"DEMO_WEBHOOK_TOKEN":  d.hook.token,
		"DEMO_TRAILBRIDGE":    o.self,
	}
	a, err := startApp(ctx, serveOptions{
		Addr: o.addr, DataDir: filepath.Join(o.dataDir, "data"), ConfigFile: cfgPath,
		Region: "us-east-1", AccountID: "000000000000", Sync: "always",
		configEnv: func(name string) (string, bool) { v, ok := vars[name]; return v, ok },
	}, log)
	if err != nil {
		return fail(err)
	}
	d.app = a
	d.intercept = a.Interceptors[0]
	return d, nil
}

// Close stops everything.
func (d *demoRun) Close() {
	if d.app != nil {
		d.app.Close()
	}
	for _, s := range d.servers {
		s.Close()
	}
}

// The demo's principals: the keys the interceptor maps to them.
var (
	demoAdmin   = [2]string{"AKIADEMOADMIN0000001", "demo-admin-secret"}
	demoMallory = [2]string{"AKIADEMOMALLORY00001", "demo-mallory-secret"}
)

// awsCall is one signed call's outcome.
type awsCall struct {
	status    int
	requestID string
	body      []byte
	took      time.Duration
}

// call signs and sends a request to url for service in region.
func (d *demoRun) call(ctx context.Context, key [2]string, method, url, service, region string, header http.Header, body []byte) (awsCall, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return awsCall{}, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if err := sigv4.Sign(req, body, key[0], key[1], "", service, region, time.Now()); err != nil {
		return awsCall{}, err
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return awsCall{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return awsCall{status: resp.StatusCode, requestID: resp.Header.Get("X-Amzn-Requestid"), body: b, took: time.Since(start)}, nil
}

// jsonCall calls an AWS JSON 1.1 operation through the interceptor.
func (d *demoRun) jsonCall(ctx context.Context, key [2]string, service, target string, in any, extra http.Header) (awsCall, error) {
	body, _ := json.Marshal(in)
	h := http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {target}}
	for k, v := range extra {
		h[k] = v
	}
	return d.call(ctx, key, "POST", d.intercept+"/", service, "us-east-1", h, body)
}

// sqsCall calls trailbridge's SQS API (JSON protocol).
func (d *demoRun) sqsCall(ctx context.Context, action string, in any) (map[string]any, error) {
	body, _ := json.Marshal(in)
	h := http.Header{"Content-Type": {"application/x-amz-json-1.0"}, "X-Amz-Target": {"AmazonSQS." + action}}
	c, err := d.call(ctx, demoAdmin, "POST", d.app.URL+"/", "sqs", "us-east-1", h, body)
	if err != nil {
		return nil, err
	}
	if c.status != 200 {
		return nil, fmt.Errorf("%s: %d %s", action, c.status, c.body)
	}
	var out map[string]any
	err = json.Unmarshal(c.body, &out)
	return out, err
}

func (d *demoRun) queueURL(name string) string {
	return d.app.URL + "/000000000000/" + name
}

// receive takes the messages waiting in a queue (deleting them).
func (d *demoRun) receive(ctx context.Context, queue string) ([]string, error) {
	out, err := d.sqsCall(ctx, "ReceiveMessage", map[string]any{"QueueUrl": d.queueURL(queue), "MaxNumberOfMessages": 10})
	if err != nil {
		return nil, err
	}
	var bodies []string
	msgs, _ := out["Messages"].([]any)
	for _, m := range msgs {
		m := m.(map[string]any)
		bodies = append(bodies, m["Body"].(string))
		if _, err := d.sqsCall(ctx, "DeleteMessage", map[string]any{"QueueUrl": d.queueURL(queue), "ReceiptHandle": m["ReceiptHandle"]}); err != nil {
			return nil, err
		}
	}
	return bodies, nil
}

// captured returns the event the interceptor made of the call with this
// request id, reading the demo-trail queue.
func (d *demoRun) captured(ctx context.Context, requestID string) map[string]any {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ev, ok := d.trail[requestID]; ok {
			return ev
		}
		bodies, err := d.receive(ctx, "demo-trail")
		if err != nil {
			return nil
		}
		for _, b := range bodies {
			var ev map[string]any
			if json.Unmarshal([]byte(b), &ev) == nil {
				if id, ok := at(ev, "detail.requestID").(string); ok {
					d.trail[id] = ev
				}
			}
		}
		if len(bodies) == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

// at reads a dotted path of a decoded JSON object.
func at(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// scenario is one of the seed's use cases.
type scenario struct {
	title  string
	rule   string
	target string
	// act makes the scenario's calls and returns the one whose record the
	// rule matches, and a description of it.
	act func(ctx context.Context, d *demoRun) (awsCall, string, error)
	// effect reports what the targets did once it shows, and whether it
	// is what the scenario expects; it is polled.
	effect func(ctx context.Context, d *demoRun, call awsCall) (string, bool)
}

// scenarioResult is what happened in one scenario.
type scenarioResult struct {
	Title   string
	OK      bool
	Latency time.Duration // from the call's answer to the effect
	Effect  string
	Err     error
}

func demoScenarios() []scenario {
	return []scenario{
		{
			title: "1. An IAM user created by someone not on the allow-list",
			rule:  "unapproved-iam-user", target: "function disable-user, queue devsecops",
			act: func(ctx context.Context, d *demoRun) (awsCall, string, error) {
				c, err := d.jsonCall(ctx, demoMallory, "iam", "AWSIdentityManagementV20100508.CreateUser", map[string]any{"UserName": "eve"}, nil)
				return c, `mallory: iam CreateUser {"UserName":"eve"}`, err
			},
			effect: func(ctx context.Context, d *demoRun, _ awsCall) (string, bool) {
				u, ok := d.cloud.User("eve")
				if !ok || !u.Disabled() {
					return "", false
				}
				msgs, _ := d.receive(ctx, "devsecops")
				want := `{"finding":"unapproved IAM user","user":"eve","createdBy":"arn:aws:iam::000000000000:user/mallory","action":"disabled"}`
				for _, m := range msgs {
					if m == want {
						return fmt.Sprintf("user eve disabled (policies %v); devsecops got %s", u.Policies, m), true
					}
				}
				return "", false
			},
		},
		{
			title: `2. A bucket policy that grants "Principal": "*"`,
			rule:  "public-bucket-policy", target: "function revert-bucket-policy, queue devsecops",
			act: func(ctx context.Context, d *demoRun) (awsCall, string, error) {
				if c, err := d.call(ctx, demoAdmin, "PUT", d.intercept+"/public-assets", "s3", "us-east-1", nil, nil); err != nil || c.status != 200 {
					return c, "", fmt.Errorf("CreateBucket: %v %d %s", err, c.status, c.body)
				}
				policy := `{"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::public-assets/*"}]}`
				c, err := d.call(ctx, demoAdmin, "PUT", d.intercept+"/public-assets?policy", "s3", "us-east-1", http.Header{"Content-Type": {"application/json"}}, []byte(policy))
				return c, "admin: s3 PutBucketPolicy public-assets " + policy, err
			},
			effect: func(ctx context.Context, d *demoRun, _ awsCall) (string, bool) {
				b, ok := d.cloud.Bucket("public-assets")
				if !ok || b.Policy != "" {
					return "", false
				}
				msgs, _ := d.receive(ctx, "devsecops")
				want := `{"finding":"public bucket policy","bucket":"public-assets","changedBy":"arn:aws:iam::000000000000:user/admin","action":"policy deleted"}`
				for _, m := range msgs {
					if m == want {
						return "bucket public-assets has no policy any more; devsecops got " + m, true
					}
				}
				return "", false
			},
		},
		{
			title: "3. An instance started without the owner and cost-center tags",
			rule:  "untagged-instance", target: "function stop-untagged",
			act: func(ctx context.Context, d *demoRun) (awsCall, string, error) {
				in := map[string]any{"ImageId": "ami-0demo", "InstanceType": "t3.micro", "MinCount": 1, "MaxCount": 1,
					"TagSpecifications": []any{map[string]any{"ResourceType": "instance", "Tags": []any{map[string]string{"Key": "Name", "Value": "scratch"}}}}}
				c, err := d.jsonCall(ctx, demoAdmin, "ec2", "AmazonEC2.RunInstances", in, nil)
				return c, `admin: ec2 RunInstances t3.micro, tags {Name: scratch} (no owner, no cost-center)`, err
			},
			effect: func(_ context.Context, d *demoRun, c awsCall) (string, bool) {
				id := firstInstance(c.body)
				in, ok := d.cloud.Instance(id)
				if !ok || in.State != democloud.StateStopped {
					return "", false
				}
				return "instance " + id + " stopped", true
			},
		},
		{
			title: "4. An instance terminated",
			rule:  "instance-terminated", target: "queue ops (input transformer)",
			act: func(ctx context.Context, d *demoRun) (awsCall, string, error) {
				in := map[string]any{"ImageId": "ami-0demo", "InstanceType": "t3.small", "MinCount": 1, "MaxCount": 1,
					"TagSpecifications": []any{map[string]any{"ResourceType": "instance", "Tags": []any{
						map[string]string{"Key": "owner", "Value": "web-team"}, map[string]string{"Key": "cost-center", "Value": "cc-42"}}}}}
				run, err := d.jsonCall(ctx, demoAdmin, "ec2", "AmazonEC2.RunInstances", in, nil)
				if err != nil || run.status != 200 {
					return run, "", fmt.Errorf("RunInstances: %v %d %s", err, run.status, run.body)
				}
				id := firstInstance(run.body)
				c, err := d.jsonCall(ctx, demoAdmin, "ec2", "AmazonEC2.TerminateInstances", map[string]any{"InstanceIds": []string{id}}, nil)
				return c, "admin: ec2 TerminateInstances " + id + " (tagged owner and cost-center: not stopped by scenario 3)", err
			},
			effect: func(ctx context.Context, d *demoRun, c awsCall) (string, bool) {
				ev := d.captured(ctx, c.requestID)
				msgs, _ := d.receive(ctx, "ops")
				for _, m := range msgs {
					if ev == nil {
						return "", false
					}
					var got map[string]any
					json.Unmarshal([]byte(m), &got)
					want := fmt.Sprintf(`{"text":"Instances terminated","request":%s,"by":"arn:aws:iam::000000000000:user/admin","region":"us-east-1","at":%q}`,
						mustJSON(at(ev, "detail.requestParameters")), at(ev, "detail.eventTime"))
					if m == want {
						return "ops got " + m, true
					}
				}
				return "", false
			},
		},
		{
			title: "5. API throttling",
			rule:  "api-throttling", target: "API destination chat-webhook (a Slack-shaped message)",
			act: func(ctx context.Context, d *demoRun) (awsCall, string, error) {
				in := map[string]any{"ImageId": "ami-0demo", "InstanceType": "t3.micro", "MinCount": 1, "MaxCount": 1}
				c, err := d.jsonCall(ctx, demoAdmin, "ec2", "AmazonEC2.RunInstances", in, http.Header{democloud.ThrottleHeader: {"1"}})
				return c, fmt.Sprintf("admin: ec2 RunInstances, throttled by the demo cloud (HTTP %d)", c.status), err
			},
			effect: func(_ context.Context, d *demoRun, _ awsCall) (string, bool) {
				want := `{"text":":warning: Client.RequestLimitExceeded on RunInstances (ec2.amazonaws.com) for arn:aws:iam::000000000000:user/admin","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*API throttling* Client.RequestLimitExceeded\n*call* RunInstances on ec2.amazonaws.com\n*caller* arn:aws:iam::000000000000:user/admin"}}]}`
				for _, b := range d.hook.received() {
					if string(b) == want {
						return "the chat webhook got " + string(b), true
					}
				}
				return "", false
			},
		},
		{
			title: "6. An RDS snapshot created",
			rule:  "rds-snapshot-created", target: "function copy-snapshot",
			act: func(ctx context.Context, d *demoRun) (awsCall, string, error) {
				c, err := d.jsonCall(ctx, demoAdmin, "rds", "AmazonRDSv19.CreateDBSnapshot", map[string]any{"DBSnapshotIdentifier": "orders-nightly", "DBInstanceIdentifier": "orders-db"}, nil)
				return c, `admin: rds CreateDBSnapshot orders-nightly of orders-db in us-east-1`, err
			},
			effect: func(_ context.Context, d *demoRun, _ awsCall) (string, bool) {
				s, ok := d.cloud.Snapshot("us-west-2", "orders-nightly-dr")
				if !ok {
					return "", false
				}
				return fmt.Sprintf("snapshot %s copied to us-west-2 (%s)", s.ID, s.ARN), true
			},
		},
	}
}

func firstInstance(body []byte) string {
	var out struct{ Instances []struct{ InstanceId string } }
	json.Unmarshal(body, &out)
	if len(out.Instances) == 0 {
		return ""
	}
	return out.Instances[0].InstanceId
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// runScenarios plays every scenario and tells what happened.
func (d *demoRun) runScenarios(ctx context.Context, within time.Duration) []scenarioResult {
	var results []scenarioResult
	for _, s := range demoScenarios() {
		r := scenarioResult{Title: s.title}
		fmt.Fprintf(d.out, "\n── %s\n", s.title)
		c, what, err := s.act(ctx, d)
		if err != nil {
			r.Err = err
			fmt.Fprintf(d.out, "   FAILED   %v\n", err)
			results = append(results, r)
			continue
		}
		done := time.Now()
		fmt.Fprintf(d.out, "   call     %s → HTTP %d in %v\n", what, c.status, c.took.Round(10*time.Microsecond))
		deadline := done.Add(within)
		var effect string
		for time.Now().Before(deadline) && ctx.Err() == nil {
			if effect, r.OK = s.effect(ctx, d, c); r.OK {
				r.Latency = time.Since(done)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if ev := d.captured(ctx, c.requestID); ev != nil {
			fmt.Fprintf(d.out, "   captured %s · %s · %s by %v (eventID %v)\n", at(ev, "detail-type"), at(ev, "source"),
				at(ev, "detail.eventName"), at(ev, "detail.userIdentity.arn"), at(ev, "detail.eventID"))
			if code := at(ev, "detail.errorCode"); code != nil {
				fmt.Fprintf(d.out, "            errorCode %v\n", code)
			}
		}
		fmt.Fprintf(d.out, "   rule     %s → %s\n", s.rule, s.target)
		r.Effect = effect
		if !r.OK {
			r.Err = fmt.Errorf("no effect within %v", within)
			fmt.Fprintf(d.out, "   FAILED   %v\n", r.Err)
		} else {
			fmt.Fprintf(d.out, "   result   %s\n", effect)
			fmt.Fprintf(d.out, "   latency  %v from the call to the outcome\n", r.Latency.Round(time.Millisecond))
		}
		results = append(results, r)
	}
	return results
}

func demoCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o demoOptions
	fs.BoolVar(&o.once, "once", false, "run the scenarios, check each outcome and exit (non-zero if one failed)")
	fs.StringVar(&o.dataDir, "data-dir", "", "`folder` of the demo's config and data (default: a temporary folder, removed at the end)")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:4010", "`host:port` of trailbridge's API")
	fs.StringVar(&o.interceptAddr, "intercept-addr", "127.0.0.1:4020", "`host:port` of the interceptor in front of the demo cloud")
	fs.StringVar(&o.cloudAddr, "cloud-addr", "127.0.0.1:4030", "`host:port` of the demo cloud itself")
	fs.StringVar(&o.hookAddr, "webhook-addr", "127.0.0.1:4040", "`host:port` of the chat webhook receiver")
	within := fs.Duration("timeout", 30*time.Second, "how long each scenario may take")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if o.self == "" {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintf(stderr, "trailbridge demo: %v\n", err)
			return 1
		}
		o.self = exe
	}
	if o.dataDir == "" {
		dir, err := os.MkdirTemp("", "trailbridge-demo-")
		if err != nil {
			fmt.Fprintf(stderr, "trailbridge demo: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
		o.dataDir = dir
	}
	return runDemo(ctx, o, *within, stdout, stderr)
}

func runDemo(ctx context.Context, o demoOptions, within time.Duration, stdout, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := startDemo(ctx, o, log, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "trailbridge demo: %v\n", err)
		return 1
	}
	defer d.Close()
	fmt.Fprintf(stdout, "trailbridge demo: API %s · interceptor %s → demo cloud %s · config %s\n",
		d.app.URL, d.intercept, d.cloudURL, filepath.Join(o.dataDir, "trailbridge.yaml"))
	results := d.runScenarios(ctx, within)
	failed := 0
	for _, r := range results {
		if !r.OK {
			failed++
		}
	}
	fmt.Fprintf(stdout, "\n%d of %d scenarios worked.\n", len(results)-failed, len(results))
	if o.once {
		if failed > 0 {
			return 1
		}
		return 0
	}
	fmt.Fprintf(stdout, `
Everything keeps running; explore with the aws CLI (Ctrl-C stops):
  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=us-east-1
  aws --endpoint-url %s iam create-user --user-name trudy
  aws --endpoint-url %s sqs receive-message --queue-url %s
  aws --endpoint-url %s events list-rules
`, demoMallory[0], demoMallory[1], d.intercept, d.app.URL, d.queueURL("devsecops"), d.app.URL)
	<-ctx.Done()
	return 0
}
