package k8saudit

import (
	"strings"
)

// EventName names the call an audit event records, in CloudTrail's style
// of a verb and a noun:
//
//   - a resource request is the verb and the resource's kind: create
//     secrets → CreateSecret, get pods → GetPod, update
//     clusterrolebindings → UpdateClusterRoleBinding;
//   - the collection verbs (list, watch, deletecollection) take the
//     plural, as CloudTrail's ListUsers does: ListSecrets, WatchPods,
//     DeleteCollectionConfigMaps;
//   - a subresource follows the kind: create pods/exec → CreatePodExec,
//     get pods/log → GetPodLog, update deployments/scale →
//     UpdateDeploymentScale;
//   - a non-resource request (no objectRef) is the HTTP verb and its
//     path: get /version → GetVersion, get /healthz/etcd →
//     GetHealthzEtcd, get /.well-known/openid-configuration →
//     GetWellKnownOpenidConfiguration, get / → GetRoot.
//
// Kinds come from a table of the built-in resources; other resources
// (those of custom resource definitions) are singularised by rule and
// capitalised: certificates → Certificate, but clusterissuers →
// Clusterissuer, since the audit event does not carry the kind.
func EventName(e *Event) string {
	ref := e.ObjectRef
	if ref == nil || ref.Resource == "" {
		return pascal(e.Verb) + pathName(e.RequestURI)
	}
	return resourceEventName(e.Verb, ref.Resource, ref.Subresource)
}

// resourceEventName names a request for a resource.
func resourceEventName(verb, resource, subresource string) string {
	noun := Kind(resource)
	switch verb {
	case "list", "watch", "deletecollection":
		noun = plural(resource)
	}
	return verbName(verb) + noun + subresourceName(subresource)
}

// verbName spells a Kubernetes verb as the start of an eventName.
func verbName(verb string) string {
	if verb == "deletecollection" {
		return "DeleteCollection"
	}
	return pascal(verb)
}

// Kind returns the kind of the objects of a resource, by its plural,
// lower-case name: secrets → Secret, networkpolicies → NetworkPolicy,
// endpoints → Endpoints. Resources not built into Kubernetes are
// singularised by rule (…ies → …y, …sses/…xes/…ches/…shes/…zes → without
// es, …s → without s) and each dash-separated word capitalised.
func Kind(resource string) string {
	if k, ok := builtinKinds[resource]; ok {
		return k
	}
	return pascal(singular(resource))
}

// plural returns the resource's plural name in the kind's capitals:
// networkpolicies → NetworkPolicies, apiservices → APIServices.
func plural(resource string) string {
	k, ok := builtinKinds[resource]
	if !ok {
		return pascal(resource)
	}
	// The resource is the kind in lower case with a plural ending: copy
	// the kind's capitals over the part they share.
	b := []byte(resource)
	for i := 0; i < len(b) && i < len(k); i++ {
		if lower(k[i]) != b[i] {
			break
		}
		b[i] = k[i]
	}
	return string(b)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// singular undoes English plural endings.
func singular(s string) string {
	switch {
	case strings.HasSuffix(s, "ies") && len(s) > 3:
		return s[:len(s)-3] + "y"
	case strings.HasSuffix(s, "sses"), strings.HasSuffix(s, "xes"), strings.HasSuffix(s, "ches"),
		strings.HasSuffix(s, "shes"), strings.HasSuffix(s, "zes"):
		return s[:len(s)-2]
	case strings.HasSuffix(s, "ss"), strings.HasSuffix(s, "us"):
		return s
	case strings.HasSuffix(s, "s") && len(s) > 1:
		return s[:len(s)-1]
	}
	return s
}

// subresourceName spells a subresource as the end of an eventName.
func subresourceName(sub string) string {
	if sub == "" {
		return ""
	}
	if n, ok := subresourceNames[sub]; ok {
		return n
	}
	return pascal(sub)
}

// pathName turns a non-resource URL's path into the noun of an
// eventName: its words, each capitalised, without the query.
func pathName(uri string) string {
	if i := strings.IndexAny(uri, "?#"); i >= 0 {
		uri = uri[:i]
	}
	name := pascal(uri)
	if name == "" {
		return "Root"
	}
	return name
}

// pascal joins the words of s (runs of ASCII letters and digits)
// capitalised: "get" → "Get", "/healthz/etcd" → "HealthzEtcd",
// "my-things" → "MyThings". Everything else is dropped.
func pascal(s string) string {
	b := make([]byte, 0, len(s))
	start := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z':
			if start {
				c -= 'a' - 'A'
			}
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		default:
			start = true
			continue
		}
		b = append(b, c)
		start = false
	}
	return string(b)
}

// subresourceNames spells the built-in subresources made of two words.
var subresourceNames = map[string]string{
	"portforward":         "PortForward",
	"ephemeralcontainers": "EphemeralContainers",
}

// builtinKinds maps the resources built into Kubernetes to their kinds.
var builtinKinds = map[string]string{
	// core
	"bindings":               "Binding",
	"componentstatuses":      "ComponentStatus",
	"configmaps":             "ConfigMap",
	"endpoints":              "Endpoints",
	"events":                 "Event", // and events.k8s.io
	"limitranges":            "LimitRange",
	"namespaces":             "Namespace",
	"nodes":                  "Node",
	"persistentvolumeclaims": "PersistentVolumeClaim",
	"persistentvolumes":      "PersistentVolume",
	"pods":                   "Pod",
	"podtemplates":           "PodTemplate",
	"replicationcontrollers": "ReplicationController",
	"resourcequotas":         "ResourceQuota",
	"secrets":                "Secret",
	"serviceaccounts":        "ServiceAccount",
	"services":               "Service",
	// admissionregistration.k8s.io
	"mutatingwebhookconfigurations":     "MutatingWebhookConfiguration",
	"validatingwebhookconfigurations":   "ValidatingWebhookConfiguration",
	"validatingadmissionpolicies":       "ValidatingAdmissionPolicy",
	"validatingadmissionpolicybindings": "ValidatingAdmissionPolicyBinding",
	"mutatingadmissionpolicies":         "MutatingAdmissionPolicy",
	"mutatingadmissionpolicybindings":   "MutatingAdmissionPolicyBinding",
	// apiextensions.k8s.io, apiregistration.k8s.io
	"customresourcedefinitions": "CustomResourceDefinition",
	"apiservices":               "APIService",
	// apps
	"controllerrevisions": "ControllerRevision",
	"daemonsets":          "DaemonSet",
	"deployments":         "Deployment",
	"replicasets":         "ReplicaSet",
	"statefulsets":        "StatefulSet",
	// authentication.k8s.io, authorization.k8s.io
	"selfsubjectreviews":          "SelfSubjectReview",
	"tokenreviews":                "TokenReview",
	"localsubjectaccessreviews":   "LocalSubjectAccessReview",
	"selfsubjectaccessreviews":    "SelfSubjectAccessReview",
	"selfsubjectrulesreviews":     "SelfSubjectRulesReview",
	"subjectaccessreviews":        "SubjectAccessReview",
	"horizontalpodautoscalers":    "HorizontalPodAutoscaler",
	"cronjobs":                    "CronJob",
	"jobs":                        "Job",
	"certificatesigningrequests":  "CertificateSigningRequest",
	"clustertrustbundles":         "ClusterTrustBundle",
	"leases":                      "Lease",
	"leasecandidates":             "LeaseCandidate",
	"endpointslices":              "EndpointSlice",
	"flowschemas":                 "FlowSchema",
	"prioritylevelconfigurations": "PriorityLevelConfiguration",
	// networking.k8s.io
	"ingressclasses":  "IngressClass",
	"ingresses":       "Ingress",
	"networkpolicies": "NetworkPolicy",
	"ipaddresses":     "IPAddress",
	"servicecidrs":    "ServiceCIDR",
	// node, policy, rbac, scheduling
	"runtimeclasses":       "RuntimeClass",
	"poddisruptionbudgets": "PodDisruptionBudget",
	"podsecuritypolicies":  "PodSecurityPolicy",
	"clusterrolebindings":  "ClusterRoleBinding",
	"clusterroles":         "ClusterRole",
	"rolebindings":         "RoleBinding",
	"roles":                "Role",
	"priorityclasses":      "PriorityClass",
	// resource.k8s.io
	"deviceclasses":          "DeviceClass",
	"resourceclaims":         "ResourceClaim",
	"resourceclaimtemplates": "ResourceClaimTemplate",
	"resourceslices":         "ResourceSlice",
	// storage.k8s.io, storagemigration.k8s.io, internal.apiserver.k8s.io
	"csidrivers":               "CSIDriver",
	"csinodes":                 "CSINode",
	"csistoragecapacities":     "CSIStorageCapacity",
	"storageclasses":           "StorageClass",
	"volumeattachments":        "VolumeAttachment",
	"volumeattributesclasses":  "VolumeAttributesClass",
	"storageversionmigrations": "StorageVersionMigration",
	"storageversions":          "StorageVersion",
}
