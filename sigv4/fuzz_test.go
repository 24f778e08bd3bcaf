package sigv4

import (
	"errors"
	"net/http"
	"testing"

	tb "github.com/trailbridge/trailbridge"
)

// FuzzVerify: any Authorization header, body and query get a verdict
// without panicking; every refusal is a *trailbridge.Error with a code, a
// message and status 400; only the known key is ever accepted.
func FuzzVerify(f *testing.F) {
	body := []byte(`{"Entries":[]}`)
	build := func(auth, query string) *http.Request {
		r, err := http.NewRequest(http.MethodPost, "http://"+testHost+"/", nil)
		if err != nil {
			f.Fatal(err)
		}
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "AWSEvents.PutEvents")
		r.Header.Set("X-Amz-Date", "20240301T120000Z")
		if auth != "" {
			r.Header["Authorization"] = []string{auth}
		}
		return r
	}

	valid := build("", "")
	if err := Sign(valid, body, testAKID, testSecret, "", "events", testRegion, testNow); err != nil {
		f.Fatal(err)
	}
	f.Add(valid.Header.Get("Authorization"), body, "")
	for _, auth := range []string{
		"", "AWS4", "AWS4-", "AWS4-HMAC-SHA256", "Bearer x",
		"AWS4-HMAC-SHA256 Credential=" + validCred + ", SignedHeaders=host;x-amz-date, Signature=00",
		"AWS4-HMAC-SHA256 Credential=" + validCred + ",SignedHeaders=,Signature=",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/e/f/, SignedHeaders=HOST, Signature==",
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE//us-east-1/events/aws4_request, SignedHeaders=;;host, Signature=x",
		"AWS4-X \t Credential=\x00, ,, =, Signature=é",
	} {
		f.Add(auth, body, "")
	}
	for _, q := range []string{
		"X-Amz-Algorithm=AWS4-HMAC-SHA256",
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + validCred + "&X-Amz-Date=20240301T120000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Expires=-1",
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%zz&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD",
		"a=b;c&&=%",
	} {
		f.Add("", []byte(nil), q)
	}

	strict := newVerifier("events")
	dev := newVerifier("events")
	dev.Lookup = nil
	f.Fuzz(func(t *testing.T, auth string, body []byte, query string) {
		for _, v := range []*Verifier{strict, dev} {
			id, err := v.Verify(build(auth, query), body)
			if err != nil {
				var e *tb.Error
				if !errors.As(err, &e) {
					t.Fatalf("refusal %v is a %T, not a *trailbridge.Error", err, err)
				}
				if e.Code == "" || e.Message == "" || e.HTTPStatus() != 400 {
					t.Fatalf("incomplete refusal %+v", e)
				}
				continue
			}
			if id == nil || id.AccessKeyID == "" || id.Service != "events" || id.Region != testRegion {
				t.Fatalf("accepted with identity %+v", id)
			}
			if v.Lookup != nil && id.AccessKeyID != testAKID {
				t.Fatalf("accepted unknown key %q", id.AccessKeyID)
			}
		}
	})
}
