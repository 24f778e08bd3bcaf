package democloud

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func callS3(t *testing.T, h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	r.Header.Set("Authorization", authorization("AKIDEMO", "us-east-1", "s3"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

type s3Error struct {
	XMLName    xml.Name
	Code       string
	Message    string
	BucketName string
	RequestId  string
}

func TestS3REST(t *testing.T) {
	c := newTestCloud()
	const policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}`
	for _, tc := range []struct {
		name, method, target, body string
		status                     int
		wantBody                   string // exact, when not empty
		wantErr                    *s3Error
	}{
		{name: "CreateBucket: created", method: "PUT", target: "/site", status: 200},
		{name: "CreateBucket with a configuration: created there", method: "PUT", target: "/eu-logs",
			body:   `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`,
			status: 200},
		{name: "CreateBucket again: BucketAlreadyOwnedByYou", method: "PUT", target: "/site", status: 409,
			wantErr: &s3Error{Code: "BucketAlreadyOwnedByYou", Message: "Your previous request to create the named bucket succeeded and you already own it.", BucketName: "site"}},
		{name: "CreateBucket with bad XML: MalformedXML", method: "PUT", target: "/other", body: "<CreateBucketConfiguration>", status: 400,
			wantErr: &s3Error{Code: "MalformedXML", Message: "The XML you provided was not well-formed or did not validate against our published schema"}},
		{name: "HeadBucket: found", method: "HEAD", target: "/eu-logs", status: 200},
		{name: "HeadBucket of none: 404 without a body", method: "HEAD", target: "/nope", status: 404},
		{name: "GetBucketLocation: the region", method: "GET", target: "/eu-logs?location", status: 200,
			wantBody: xml.Header + `<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-1</LocationConstraint>`},
		{name: "GetBucketPolicy without one: NoSuchBucketPolicy", method: "GET", target: "/site?policy", status: 404,
			wantErr: &s3Error{Code: "NoSuchBucketPolicy", Message: "The bucket policy does not exist", BucketName: "site"}},
		{name: "PutBucketPolicy: 204", method: "PUT", target: "/site?policy", body: policy, status: 204},
		{name: "PutBucketPolicy of a bad policy: MalformedPolicy", method: "PUT", target: "/site?policy", body: "[]", status: 400,
			wantErr: &s3Error{Code: "MalformedPolicy", Message: "Policies must be valid JSON and the first byte must be '{'"}},
		{name: "GetBucketPolicy: the policy", method: "GET", target: "/site?policy", status: 200, wantBody: policy},
		{name: "DeleteBucketPolicy: 204", method: "DELETE", target: "/site?policy", status: 204},
		{name: "PutBucketPolicy on no bucket: NoSuchBucket", method: "PUT", target: "/nope?policy", body: policy, status: 404,
			wantErr: &s3Error{Code: "NoSuchBucket", Message: "The specified bucket does not exist", BucketName: "nope"}},
		{name: "PutBucketTagging: 204", method: "PUT", target: "/site?tagging",
			body:   `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>owner</Key><Value>web</Value></Tag><Tag><Key>cost-center</Key><Value>cc-1</Value></Tag></TagSet></Tagging>`,
			status: 204},
		{name: "GetBucketTagging: the tags", method: "GET", target: "/site?tagging", status: 200,
			wantBody: xml.Header + `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>owner</Key><Value>web</Value></Tag><Tag><Key>cost-center</Key><Value>cc-1</Value></Tag></TagSet></Tagging>`},
		{name: "PutBucketTagging of bad XML: MalformedXML", method: "PUT", target: "/site?tagging", body: "tags", status: 400,
			wantErr: &s3Error{Code: "MalformedXML", Message: "The XML you provided was not well-formed or did not validate against our published schema"}},
		{name: "ListBuckets: the buckets", method: "GET", target: "/", status: 200,
			wantBody: xml.Header + `<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>d7012f85028864847b6bb763e5d4963b636e8de28527777033a8a8694382f02a</ID><DisplayName>demo</DisplayName></Owner>` +
				`<Buckets><Bucket><Name>eu-logs</Name><CreationDate>2025-03-04T10:00:00Z</CreationDate></Bucket><Bucket><Name>site</Name><CreationDate>2025-03-04T10:00:00Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>`},
		{name: "an object: NotImplemented", method: "GET", target: "/site/index.html", status: 501,
			wantErr: &s3Error{Code: "NotImplemented", Message: "The demo cloud does not implement GET /site/index.html."}},
		{name: "another sub-resource: NotImplemented", method: "PUT", target: "/site?acl", status: 501,
			wantErr: &s3Error{Code: "NotImplemented", Message: "The demo cloud does not implement PUT /site."}},
		{name: "DeleteBucket: 204", method: "DELETE", target: "/eu-logs", status: 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := callS3(t, c, tc.method, tc.target, tc.body)
			if got, want := w.Code, tc.status; got != want {
				t.Errorf("status: got %d, want %d: %s", got, want, w.Body)
			}
			if w.Header().Get("X-Amz-Request-Id") == "" {
				t.Error("no x-amz-request-id")
			}
			switch {
			case tc.wantErr != nil:
				var got s3Error
				decodeXML(t, w, &got)
				want := *tc.wantErr
				want.XMLName = xml.Name{Local: "Error"}
				want.RequestId = w.Header().Get("X-Amz-Request-Id")
				if got != want {
					t.Errorf("error:\n got %+v\nwant %+v", got, want)
				}
			case tc.wantBody != "":
				if got := w.Body.String(); got != tc.wantBody {
					t.Errorf("answer:\n got %s\nwant %s", got, tc.wantBody)
				}
			default:
				if w.Body.Len() != 0 {
					t.Errorf("answer: got %q, want none", w.Body)
				}
			}
		})
	}

	t.Run("state: as the calls left it", func(t *testing.T) {
		b, ok := c.Bucket("site")
		if !ok || b.Policy != "" || !slices.Equal(b.Tags, []Tag{{"owner", "web"}, {"cost-center", "cc-1"}}) {
			t.Errorf("site: %+v", b)
		}
		if _, ok := c.Bucket("eu-logs"); ok {
			t.Error("eu-logs not deleted")
		}
	})

	t.Run("CreateBucket: Location header", func(t *testing.T) {
		w := callS3(t, c, "PUT", "/logs", "")
		if got, want := w.Header().Get("Location"), "/logs"; got != want {
			t.Errorf("Location: got %q, want %q", got, want)
		}
	})
}
