package k8saudit_test

import (
	"testing"

	"github.com/trailbridge/trailbridge/capture/k8saudit"
)

func TestEventName(t *testing.T) {
	for _, tc := range []struct {
		verb, resource, subresource, uri string
		want                             string
	}{
		{"create", "secrets", "", "", "CreateSecret"},
		{"get", "secrets", "", "", "GetSecret"},
		{"list", "secrets", "", "", "ListSecrets"},
		{"watch", "pods", "", "", "WatchPods"},
		{"update", "configmaps", "", "", "UpdateConfigMap"},
		{"patch", "configmaps", "", "", "PatchConfigMap"},
		{"delete", "deployments", "", "", "DeleteDeployment"},
		{"deletecollection", "configmaps", "", "", "DeleteCollectionConfigMaps"},
		{"create", "networkpolicies", "", "", "CreateNetworkPolicy"},
		{"list", "networkpolicies", "", "", "ListNetworkPolicies"},
		{"create", "ingresses", "", "", "CreateIngress"},
		{"list", "ingresses", "", "", "ListIngresses"},
		{"get", "endpoints", "", "", "GetEndpoints"},
		{"list", "endpoints", "", "", "ListEndpoints"},
		{"create", "clusterrolebindings", "", "", "CreateClusterRoleBinding"},
		{"create", "podsecuritypolicies", "", "", "CreatePodSecurityPolicy"},
		{"get", "storageclasses", "", "", "GetStorageClass"},
		{"list", "storageclasses", "", "", "ListStorageClasses"},
		{"create", "customresourcedefinitions", "", "", "CreateCustomResourceDefinition"},
		{"list", "apiservices", "", "", "ListAPIServices"},
		{"get", "componentstatuses", "", "", "GetComponentStatus"},
		{"list", "csistoragecapacities", "", "", "ListCSIStorageCapacities"},
		{"create", "tokenreviews", "", "", "CreateTokenReview"},
		// subresources
		{"create", "pods", "exec", "", "CreatePodExec"},
		{"get", "pods", "exec", "", "GetPodExec"},
		{"get", "pods", "log", "", "GetPodLog"},
		{"create", "pods", "portforward", "", "CreatePodPortForward"},
		{"create", "pods", "eviction", "", "CreatePodEviction"},
		{"update", "deployments", "scale", "", "UpdateDeploymentScale"},
		{"patch", "deployments", "status", "", "PatchDeploymentStatus"},
		{"create", "serviceaccounts", "token", "", "CreateServiceAccountToken"},
		{"patch", "pods", "ephemeralcontainers", "", "PatchPodEphemeralContainers"},
		// custom resources
		{"create", "certificates", "", "", "CreateCertificate"},
		{"list", "certificates", "", "", "ListCertificates"},
		{"create", "clusterissuers", "", "", "CreateClusterissuer"},
		{"get", "gateway-classes", "", "", "GetGatewayClass"},
		{"create", "policies", "", "", "CreatePolicy"},
		{"create", "prometheuses", "", "", "CreatePrometheuse"},
		{"get", "mailboxes", "", "", "GetMailbox"},
		{"get", "virtualservices", "", "", "GetVirtualservice"},
		{"get", "status", "", "", "GetStatus"},
		// non-resource URLs
		{"get", "", "", "/version", "GetVersion"},
		{"get", "", "", "/healthz", "GetHealthz"},
		{"get", "", "", "/healthz/etcd", "GetHealthzEtcd"},
		{"get", "", "", "/readyz?verbose", "GetReadyz"},
		{"get", "", "", "/openapi/v2", "GetOpenapiV2"},
		{"get", "", "", "/.well-known/openid-configuration", "GetWellKnownOpenidConfiguration"},
		{"get", "", "", "/apis", "GetApis"},
		{"get", "", "", "/", "GetRoot"},
		{"post", "", "", "/logs", "PostLogs"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			e := &k8saudit.Event{Verb: tc.verb, RequestURI: tc.uri}
			if tc.resource != "" {
				e.ObjectRef = &k8saudit.ObjectReference{Resource: tc.resource, Subresource: tc.subresource}
			}
			if got, want := k8saudit.EventName(e), tc.want; got != want {
				t.Errorf("EventName(%s %s/%s %s) = %q, want %q", tc.verb, tc.resource, tc.subresource, tc.uri, got, want)
			}
		})
	}
}

func TestEventSource(t *testing.T) {
	for _, tc := range []struct {
		ref  *k8saudit.ObjectReference
		want string
	}{
		{&k8saudit.ObjectReference{Resource: "secrets"}, "core.k8s.io"},
		{&k8saudit.ObjectReference{Resource: "deployments", APIGroup: "apps"}, "apps.k8s.io"},
		{&k8saudit.ObjectReference{Resource: "roles", APIGroup: "rbac.authorization.k8s.io"}, "rbac.authorization.k8s.io"},
		{&k8saudit.ObjectReference{Resource: "certificates", APIGroup: "cert-manager.io"}, "cert-manager.io"},
		{nil, "nonresource.k8s.io"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got, want := k8saudit.EventSource(&k8saudit.Event{ObjectRef: tc.ref}), tc.want; got != want {
				t.Errorf("EventSource = %q, want %q", got, want)
			}
		})
	}
}
