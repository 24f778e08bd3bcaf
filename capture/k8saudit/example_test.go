package k8saudit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/trailbridge/trailbridge/capture"
	"github.com/trailbridge/trailbridge/capture/k8saudit"
	"github.com/trailbridge/trailbridge/cloudtrail"
)

// printSink prints what it is given instead of putting it on a bus.
type printSink struct{}

func (printSink) Put(ctx context.Context, batch []capture.Captured) error {
	for _, c := range batch {
		var r cloudtrail.Record
		if err := json.Unmarshal(c.Record, &r); err != nil {
			return err
		}
		fmt.Println(c.Source, "|", c.DetailType, "|", r.EventSource, r.EventName, "by", r.UserIdentity.UserName)
	}
	return nil
}

func ExampleHandler() {
	h, err := k8saudit.NewHandler(k8saudit.Config{
		Tokens:  []string{"s3cr3t-webhook-token"},
		Cluster: "prod-eu",
		Sink:    printSink{},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	body := `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[
		{"level":"Metadata","auditID":"4f0a7c2e-6f1b-4d55-9b1e-2a8c3d9e7f10","stage":"ResponseComplete",
		 "requestURI":"/api/v1/namespaces/payments/secrets","verb":"create",
		 "user":{"username":"alice@example.com","groups":["system:authenticated"]},"sourceIPs":["203.0.113.24"],
		 "objectRef":{"resource":"secrets","namespace":"payments","name":"stripe-api","apiVersion":"v1"},
		 "responseStatus":{"metadata":{},"code":201},"stageTimestamp":"2026-03-14T09:26:53.589793Z"}]}`
	r := httptest.NewRequest(http.MethodPost, "/k8s/audit", strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer s3cr3t-webhook-token")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	// Output:
	// trailbridge.k8s | Kubernetes API Call via Audit Webhook | core.k8s.io CreateSecret by alice@example.com
	// 200 {}
}

func ExampleEventName() {
	for _, e := range []k8saudit.Event{
		{Verb: "create", ObjectRef: &k8saudit.ObjectReference{Resource: "secrets"}},
		{Verb: "list", ObjectRef: &k8saudit.ObjectReference{Resource: "networkpolicies", APIGroup: "networking.k8s.io"}},
		{Verb: "create", ObjectRef: &k8saudit.ObjectReference{Resource: "pods", Subresource: "exec"}},
		{Verb: "get", RequestURI: "/version"},
	} {
		fmt.Println(k8saudit.EventName(&e))
	}
	// Output:
	// CreateSecret
	// ListNetworkPolicies
	// CreatePodExec
	// GetVersion
}
