package capture

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/trailbridge/trailbridge/sigv4"
)

// fakeAWS answers a few AWS calls after checking their signatures, which
// must survive the proxy.
func fakeAWS(t *testing.T) *httptest.Server {
	t.Helper()
	lookup := func(id string) (string, bool) { return "secret-" + id, true }
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		cred, _ := ParseAuthorization(r.Header.Get("Authorization"))
		if cred.Service != "" {
			v := &sigv4.Verifier{Service: cred.Service, Lookup: lookup}
			if _, err := v.Verify(r, body); err != nil {
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, `{"__type":"SignatureDoesNotMatch","message":"`+err.Error()+`"}`)
				return
			}
		}
		switch r.Header.Get("X-Amz-Target") {
		case "AmazonSQS.CreateQueue":
			w.Header().Set("x-amzn-RequestId", "rid-sqs-1")
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			_, _ = io.WriteString(w, `{"QueueUrl":"http://sqs.local/000000000000/orders"}`)
			return
		case "AmazonSQS.GetQueueUrl":
			w.Header().Set("x-amzn-RequestId", "rid-sqs-2")
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`)
			return
		}
		if strings.Contains(string(body), "Action=CreateUser") {
			w.Header().Set("x-amzn-RequestId", "rid-iam")
			w.Header().Set("Content-Type", "text/xml")
			_, _ = io.WriteString(w, `<CreateUserResponse><CreateUserResult><User><UserName>bob</UserName></User></CreateUserResult></CreateUserResponse>`)
			return
		}
		if r.URL.Path == "/logs-bucket/missing.txt" {
			w.Header().Set("x-amz-request-id", "S3REQ0001")
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`)
			return
		}
		w.Header().Set("x-amz-request-id", "S3REQ0002")
		_, _ = io.WriteString(w, "object bytes")
	}))
}

func awsProxy(t *testing.T) (*httptest.Server, *memSink) {
	t.Helper()
	sink := &memSink{}
	h := runHandoff(t, HandoffConfig{Sink: sink})
	up := fakeAWS(t)
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	p, err := NewProxy(Config{AWS: true, Account: "000000000000", EventSource: "unknown.example.com", Logger: quietLogger()}, u, h)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv, sink
}

func TestAWSModeSDKCalls(t *testing.T) {
	srv, sink := awsProxy(t)
	client := sqs.New(sqs.Options{
		BaseEndpoint:     aws.String(srv.URL),
		Region:           "eu-central-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDSQS", "secret-AKIDSQS", ""),
		RetryMaxAttempts: 1,
	})
	out, err := client.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("orders"), Attributes: map[string]string{"DelaySeconds": "5"}})
	if err != nil {
		t.Fatalf("CreateQueue through the proxy: %v", err)
	}
	if got, want := aws.ToString(out.QueueUrl), "http://sqs.local/000000000000/orders"; got != want {
		t.Errorf("QueueUrl = %q, want %q", got, want)
	}
	_, err = client.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("GetQueueUrl: %v, want an API error", err)
	}
	recs := sink.waitFor(t, 2)
	sameRecord(t, recs[0], `{"eventVersion":"1.11","userIdentity":{"type":"Unknown","accessKeyId":"AKIDSQS"},"eventTime":"*",
		"eventSource":"sqs.amazonaws.com","eventName":"CreateQueue","awsRegion":"eu-central-1","sourceIPAddress":"127.0.0.1","userAgent":"*",
		"requestParameters":{"queueName":"orders","attributes":{"delaySeconds":"5"}},
		"responseElements":{"queueUrl":"http://sqs.local/000000000000/orders"},
		"requestID":"rid-sqs-1","eventID":"*","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,
		"recipientAccountId":"000000000000","eventCategory":"Management"}`)
	sameRecord(t, recs[1], `{"eventVersion":"1.11","userIdentity":{"type":"Unknown","accessKeyId":"AKIDSQS"},"eventTime":"*",
		"eventSource":"sqs.amazonaws.com","eventName":"GetQueueUrl","awsRegion":"eu-central-1","sourceIPAddress":"127.0.0.1","userAgent":"*",
		"errorCode":"QueueDoesNotExist","errorMessage":"The specified queue does not exist.",
		"requestParameters":{"queueName":"nope"},"responseElements":null,
		"requestID":"rid-sqs-2","eventID":"*","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,
		"recipientAccountId":"000000000000","eventCategory":"Management"}`)
}

// signed builds a request to base+target signed for service.
func signed(t *testing.T, method, base, target, service, region, contentType, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, base+target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if err := sigv4.Sign(req, []byte(body), "AKID"+strings.ToUpper(service), "secret-AKID"+strings.ToUpper(service), "", service, region, time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

func TestAWSModeHandBuiltCalls(t *testing.T) {
	srv, sink := awsProxy(t)
	host := strings.TrimPrefix(srv.URL, "http://")
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::logs-bucket/*"}]}`
	for _, tc := range []struct {
		name string
		req  func() *http.Request
		want string
	}{
		{
			name: "query protocol is lower-camel cased and nested, IAM in us-east-1",
			req: func() *http.Request {
				return signed(t, "POST", srv.URL, "/", "iam", "us-west-2", "application/x-www-form-urlencoded",
					"Action=CreateUser&Version=2010-05-08&UserName=bob&Tags.member.1.Key=team&Tags.member.1.Value=blue&Tags.member.2.Key=env&Tags.member.2.Value=prod&Password=hunter2")
			},
			want: `{"eventVersion":"1.11","userIdentity":{"type":"Unknown","accessKeyId":"AKIDIAM"},"eventTime":"*",
				"eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","sourceIPAddress":"127.0.0.1","userAgent":"*",
				"requestParameters":{"password":"HIDDEN_DUE_TO_SECURITY_REASONS","tags":[{"key":"team","value":"blue"},{"key":"env","value":"prod"}],"userName":"bob"},
				"responseElements":{"user":{"userName":"bob"}},
				"requestID":"rid-iam","eventID":"*","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,
				"recipientAccountId":"000000000000","eventCategory":"Management"}`,
		},
		{
			name: "S3 bucket policy is parsed into bucketPolicy",
			req: func() *http.Request {
				return signed(t, "PUT", srv.URL, "/logs-bucket?policy", "s3", "eu-west-1", "", policy)
			},
			want: `{"eventVersion":"1.11","userIdentity":{"type":"Unknown","accessKeyId":"AKIDS3"},"eventTime":"*",
				"eventSource":"s3.amazonaws.com","eventName":"PutBucketPolicy","awsRegion":"eu-west-1","sourceIPAddress":"127.0.0.1","userAgent":"*",
				"requestParameters":{"bucketName":"logs-bucket","Host":"` + host + `","policy":"","bucketPolicy":` + policy + `},
				"responseElements":{"contentType":"text/plain; charset=utf-8","contentLength":12},
				"additionalEventData":{"SignatureVersion":"SigV4","bytesTransferredIn":` + itoa(len(policy)) + `,"AuthenticationMethod":"AuthHeader","bytesTransferredOut":12},
				"requestID":"S3REQ0002","eventID":"*","readOnly":false,
				"resources":[{"accountId":"000000000000","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::logs-bucket"}],
				"eventType":"AwsApiCall","managementEvent":true,
				"recipientAccountId":"000000000000","eventCategory":"Management"}`,
		},
		{
			name: "S3 object read is a data event with its XML error",
			req: func() *http.Request {
				return signed(t, "GET", srv.URL, "/logs-bucket/missing.txt", "s3", "eu-west-1", "", "")
			},
			want: `{"eventVersion":"1.11","userIdentity":{"type":"Unknown","accessKeyId":"AKIDS3"},"eventTime":"*",
				"eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"127.0.0.1","userAgent":"*",
				"errorCode":"NoSuchKey","errorMessage":"The specified key does not exist.",
				"requestParameters":{"bucketName":"logs-bucket","Host":"` + host + `","key":"missing.txt"},
				"responseElements":null,
				"additionalEventData":{"SignatureVersion":"SigV4","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","bytesTransferredOut":127},
				"requestID":"S3REQ0001","eventID":"*","readOnly":true,
				"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::logs-bucket/missing.txt"},{"accountId":"000000000000","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::logs-bucket"}],
				"eventType":"AwsApiCall","managementEvent":false,
				"recipientAccountId":"000000000000","eventCategory":"Data"}`,
		},
		{
			name: "presigned URL gives the key and loses the signature",
			req: func() *http.Request {
				q := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDPRE%2F20260101%2Fap-south-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok&versionId=3"
				req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/logs-bucket/report.csv?"+q, nil)
				return req
			},
			want: `{"eventVersion":"1.11","userIdentity":{"type":"Unknown","accessKeyId":"AKIDPRE"},"eventTime":"*",
				"eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"ap-south-1","sourceIPAddress":"127.0.0.1","userAgent":"*",
				"requestParameters":{"bucketName":"logs-bucket","Host":"` + host + `","key":"report.csv","versionId":"3"},
				"responseElements":null,
				"additionalEventData":{"SignatureVersion":"SigV4","bytesTransferredIn":0,"AuthenticationMethod":"QueryString","bytesTransferredOut":12},
				"requestID":"S3REQ0002","eventID":"*","readOnly":true,
				"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::logs-bucket/report.csv"},{"accountId":"000000000000","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::logs-bucket"}],
				"eventType":"AwsApiCall","managementEvent":false,
				"recipientAccountId":"000000000000","eventCategory":"Data"}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(sink.all())
			resp, err := http.DefaultClient.Do(tc.req())
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusForbidden {
				t.Fatalf("the upstream refused the signature the proxy passed on")
			}
			recs := sink.waitFor(t, before+1)
			sameRecord(t, recs[before], tc.want)
			if raw := string(sink.all()[before].Record); strings.Contains(raw, "deadbeef") || strings.Contains(raw, "hunter2") || strings.Contains(raw, `"tok"`) {
				t.Errorf("a secret reached the record: %s", raw)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestAWSModeUnnamedService: a call that names no AWS service, through an
// AWS-mode proxy with no EventSource, is still recorded, under the host it
// was sent to (a record without an eventSource would be lost).
func TestAWSModeUnnamedService(t *testing.T) {
	sink := &memSink{}
	h := runHandoff(t, HandoffConfig{Sink: sink})
	up := fakeAWS(t)
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	p, err := NewProxy(Config{AWS: true, Account: "000000000000", Logger: quietLogger()}, u, h)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	req, _ := http.NewRequestWithContext(t.Context(), "PUT", srv.URL+"/b1/k2", strings.NewReader("x"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	recs := sink.waitFor(t, 1)
	if recs[0]["eventSource"] != "127.0.0.1" || recs[0]["eventName"] == "" {
		t.Errorf("record %v: want eventSource 127.0.0.1 and a name", recs[0])
	}
}

func TestS3Names(t *testing.T) {
	for _, tc := range []struct {
		method, host, path, query, copySource string
		name                                  string
		data                                  bool
	}{
		{"GET", "s3.amazonaws.com", "/", "", "", "ListBuckets", false},
		{"PUT", "s3.amazonaws.com", "/b", "", "", "CreateBucket", false},
		{"DELETE", "s3.amazonaws.com", "/b", "", "", "DeleteBucket", false},
		{"HEAD", "s3.amazonaws.com", "/b", "", "", "HeadBucket", false},
		{"GET", "s3.amazonaws.com", "/b", "list-type=2&prefix=x", "", "ListObjects", true},
		{"PUT", "s3.amazonaws.com", "/b", "policy", "", "PutBucketPolicy", false},
		{"GET", "s3.amazonaws.com", "/b", "policy", "", "GetBucketPolicy", false},
		{"DELETE", "s3.amazonaws.com", "/b", "policy", "", "DeleteBucketPolicy", false},
		{"PUT", "s3.amazonaws.com", "/b", "tagging", "", "PutBucketTagging", false},
		{"PUT", "s3.amazonaws.com", "/b", "acl", "", "PutBucketAcl", false},
		{"PUT", "s3.amazonaws.com", "/b", "versioning", "", "PutBucketVersioning", false},
		{"PUT", "s3.amazonaws.com", "/b", "lifecycle", "", "PutBucketLifecycle", false},
		{"GET", "s3.amazonaws.com", "/b", "lifecycle", "", "GetBucketLifecycle", false},
		{"PUT", "s3.amazonaws.com", "/b", "publicAccessBlock", "", "PutBucketPublicAccessBlock", false},
		{"DELETE", "s3.amazonaws.com", "/b", "publicAccessBlock", "", "DeleteBucketPublicAccessBlock", false},
		{"POST", "s3.amazonaws.com", "/b", "delete", "", "DeleteObjects", true},
		{"GET", "s3.amazonaws.com", "/b/k/x.txt", "", "", "GetObject", true},
		{"PUT", "s3.amazonaws.com", "/b/k", "", "", "PutObject", true},
		{"PUT", "s3.amazonaws.com", "/b/k", "", "/src/k", "CopyObject", true},
		{"DELETE", "s3.amazonaws.com", "/b/k", "", "", "DeleteObject", true},
		{"HEAD", "s3.amazonaws.com", "/b/k", "", "", "HeadObject", true},
		{"PUT", "s3.amazonaws.com", "/b/k", "tagging", "", "PutObjectTagging", true},
		{"POST", "s3.amazonaws.com", "/b/k", "uploads", "", "CreateMultipartUpload", true},
		{"PUT", "s3.amazonaws.com", "/b/k", "partNumber=1&uploadId=u", "", "UploadPart", true},
		{"POST", "s3.amazonaws.com", "/b/k", "uploadId=u", "", "CompleteMultipartUpload", true},
		{"GET", "b.s3.eu-west-1.amazonaws.com", "/", "", "", "ListObjects", true},
		{"PUT", "my.bucket.s3.amazonaws.com", "/", "policy", "", "PutBucketPolicy", false},
		{"GET", "b.s3.amazonaws.com:443", "/k/y", "", "", "GetObject", true},
	} {
		t.Run(tc.name+"_from_"+tc.method+"_"+tc.host+tc.path+"?"+tc.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tc.query)
			s := parseS3(tc.method, tc.host, tc.path, q, tc.copySource)
			if got, want := s.name, tc.name; got != want {
				t.Errorf("name = %q, want %q", got, want)
			}
			if got, want := s.data, tc.data; got != want {
				t.Errorf("data = %v, want %v", got, want)
			}
		})
	}
}

func TestParseAuthorization(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		want         Credential
		ok           bool
	}{
		{"header is read", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
			Credential{AccessKeyID: "AKIDEXAMPLE", Date: "20260101", Region: "us-east-1", Service: "iam"}, true},
		{"no spaces after commas is read", "AWS4-HMAC-SHA256 SignedHeaders=host,Credential=AKID/20260101/eu-west-1/s3/aws4_request,Signature=abc",
			Credential{AccessKeyID: "AKID", Date: "20260101", Region: "eu-west-1", Service: "s3"}, true},
		{"other algorithm is refused", "AWS AKID:sig", Credential{}, false},
		{"short scope is refused", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/aws4_request", Credential{}, false},
		{"bad terminator is refused", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws5_request", Credential{}, false},
		{"junk in the key is refused", `AWS4-HMAC-SHA256 Credential=AK"ID/20260101/us-east-1/s3/aws4_request`, Credential{}, false},
		{"bad date is refused", "AWS4-HMAC-SHA256 Credential=AKID/2026-1-1/us-east-1/s3/aws4_request", Credential{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseAuthorization(tc.header)
			if ok != tc.ok || got != tc.want {
				t.Errorf("ParseAuthorization = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
