package democloud

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testNow is the demo's clock in tests: epoch 1741082400.
var testNow = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

func newTestCloud() *Cloud {
	return New(Options{Now: func() time.Time { return testNow }})
}

// authorization is an Authorization header with a credential scope (the
// demo does not check the signature).
func authorization(key, region, service string) string {
	return "AWS4-HMAC-SHA256 Credential=" + key + "/20250304/" + region + "/" + service +
		"/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000"
}

// signingNames are the SigV4 service names of the JSON target prefixes.
var signingNames = map[string]string{
	"AWSIdentityManagementV20100508": "iam",
	"AmazonS3":                       "s3",
	"AmazonEC2":                      "ec2",
	"AmazonRDSv19":                   "rds",
}

// callJSON makes an AWS JSON 1.1 call, signed (in shape) for region.
func callJSON(t *testing.T, h http.Handler, region, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", target)
	prefix, _, _ := strings.Cut(target, ".")
	if s := signingNames[prefix]; s != "" {
		r.Header.Set("Authorization", authorization("AKIDEMO", region, s))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// callQuery makes a query-protocol call: a form POST signed (in shape)
// for service in region.
func callQuery(t *testing.T, h http.Handler, service, region, form string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if service != "" {
		r.Header.Set("Authorization", authorization("AKIDEMO", region, service))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// replaceIDs puts the instance IDs the walk launched in place of $I1 and
// $I2.
func replaceIDs(s, i1, i2 string) string {
	return strings.NewReplacer("$I1", i1, "$I2", i2).Replace(s)
}

// instanceIDs are the first two instance IDs of a RunInstances answer.
func instanceIDs(t *testing.T, body []byte) (string, string) {
	t.Helper()
	var out struct{ Instances []struct{ InstanceId string } }
	if err := json.Unmarshal(body, &out); err != nil || len(out.Instances) < 2 {
		t.Fatalf("RunInstances answer %s: %v", body, err)
	}
	return out.Instances[0].InstanceId, out.Instances[1].InstanceId
}

// instanceIDsOf are the instance IDs of a RunInstances answer.
func instanceIDsOf(t *testing.T, body []byte) []string {
	t.Helper()
	var out struct{ Instances []struct{ InstanceId string } }
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("RunInstances answer %s: %v", body, err)
	}
	var ids []string
	for _, i := range out.Instances {
		ids = append(ids, i.InstanceId)
	}
	return ids
}
