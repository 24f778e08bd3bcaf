package main

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// TestK8sAuditWebhookToRule posts a realistic audit EventList to the
// webhook and expects a rule on eventName and userIdentity to receive the
// one matching call, and a request without the token to be refused.
func TestK8sAuditWebhookToRule(t *testing.T) {
	t.Parallel()
	const token = "k8s-webhook-token-0123456789"
	o := testOptions(t)
	o.ConfigFile = writeConfig(t, "K8sAudit:\n  Tokens: ["+token+"]\n  Cluster: prod\n")
	a := startTestApp(t, o)
	c := sdkClient(a.URL, "AKID", "secret")
	h := newHook(t, nil)
	dest := apiDestination(t, c, "k8s-hook", h.srv.URL, types.ConnectionAuthorizationTypeBasic, basicAuth())
	putRuleAndTarget(t, c, "secret-by-alice",
		`{"source":["trailbridge.k8s"],"detail":{"eventName":["CreateSecret"],"userIdentity":{"userName":["alice@example.com"]}}}`,
		types.Target{Id: aws.String("hook"), Arn: aws.String(dest)})

	list, err := os.ReadFile("../../capture/k8saudit/testdata/eventlist.json")
	if err != nil {
		t.Fatal(err)
	}
	post := func(auth string) int {
		req, _ := http.NewRequest("POST", a.URL+"/k8s/audit", strings.NewReader(string(list)))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(""); got != http.StatusUnauthorized {
		t.Errorf("without a token: status %d, want 401", got)
	}
	if got := post("Bearer wrong-token-0123456789"); got != http.StatusUnauthorized {
		t.Errorf("with a wrong token: status %d, want 401", got)
	}
	if got := post("Bearer " + token); got != http.StatusOK {
		t.Fatalf("with the token: status %d, want 200", got)
	}
	reqs := h.waitRequests(t, 1, 20*time.Second)
	var ev struct {
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
		Detail     struct {
			EventName    string `json:"eventName"`
			UserIdentity struct {
				UserName string `json:"userName"`
			} `json:"userIdentity"`
			RequestParameters json.RawMessage `json:"requestParameters"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(reqs[0].body, &ev); err != nil {
		t.Fatalf("delivered body %s: %v", reqs[0].body, err)
	}
	if ev.Source != "trailbridge.k8s" || ev.Detail.EventName != "CreateSecret" || ev.Detail.UserIdentity.UserName != "alice@example.com" {
		t.Errorf("delivered %s", reqs[0].body)
	}
	if strings.Contains(string(reqs[0].body), "c2tfbGl2ZV81MUhxVzJ4") { // the Secret's base64 data in the fixture
		t.Errorf("secret data reached the target: %s", reqs[0].body)
	}
}
