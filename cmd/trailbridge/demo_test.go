package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDemoOnce runs `trailbridge demo --once` and checks each scenario's
// effect on the demo cloud, the queues and the webhook (the demo polls
// for them with a deadline and reports each).
func TestDemoOnce(t *testing.T) {
	// The function targets run `trailbridge remediate NAME`: here, this
	// test binary acting as trailbridge (functions get a minimal
	// environment, so a script sets the variable that says so).
	self := filepath.Join(t.TempDir(), "trailbridge")
	script := "#!/bin/sh\n" + cliEnv + "=1 exec '" + os.Args[0] + "' \"$@\"\n"
	if err := os.WriteFile(self, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	o := demoOptions{once: true, dataDir: t.TempDir(), addr: "127.0.0.1:0", interceptAddr: "127.0.0.1:0",
		cloudAddr: "127.0.0.1:0", hookAddr: "127.0.0.1:0", self: self}
	var out, errOut bytes.Buffer
	d, err := startDemo(t.Context(), o, testLogger(t), &out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	results := d.runScenarios(t.Context(), 30*time.Second)
	t.Log("\n" + out.String() + errOut.String())
	if len(results) != 6 {
		t.Fatalf("%d scenarios ran, want 6", len(results))
	}
	for _, r := range results {
		if !r.OK {
			t.Errorf("%s: %v", r.Title, r.Err)
		}
	}
	// The effects, read from the demo cloud itself.
	if u, ok := d.cloud.User("eve"); !ok || !u.Disabled() {
		t.Errorf("user eve: %+v (want disabled)", u)
	}
	if b, ok := d.cloud.Bucket("public-assets"); !ok || b.Policy != "" {
		t.Errorf("bucket public-assets: policy %q (want none)", b.Policy)
	}
	stopped := 0
	for _, in := range d.cloud.Instances() {
		if in.State == "stopped" {
			stopped++
		}
	}
	if stopped != 1 {
		t.Errorf("%d instances stopped, want 1 (the untagged one)", stopped)
	}
	if _, ok := d.cloud.Snapshot("us-west-2", "orders-nightly-dr"); !ok {
		t.Error("snapshot orders-nightly-dr not in us-west-2")
	}
	wantHook := `{"text":":warning: Client.RequestLimitExceeded on RunInstances (ec2.amazonaws.com) for arn:aws:iam::000000000000:user/admin",` +
		`"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*API throttling* Client.RequestLimitExceeded\n*call* RunInstances on ec2.amazonaws.com\n*caller* arn:aws:iam::000000000000:user/admin"}}]}`
	if got := d.hook.received(); len(got) != 1 || string(got[0]) != wantHook {
		t.Errorf("webhook got %q, want exactly %q", got, wantHook)
	}
	for _, r := range results {
		if r.OK && (r.Latency <= 0 || r.Latency > 30*time.Second || r.Effect == "") {
			t.Errorf("%s: latency %v, effect %q", r.Title, r.Latency, r.Effect)
		}
	}
	if dlq, err := d.receive(t.Context(), "remediation-dlq"); err != nil || len(dlq) != 0 {
		t.Errorf("remediation-dlq: %v %q", err, dlq)
	}
}
