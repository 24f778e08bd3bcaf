package capture

import (
	"net/url"
	"slices"
	"strings"
)

// s3Request is an S3 REST call: its bucket, key, sub-resources and the
// name CloudTrail gives it.
type s3Request struct {
	bucket, key string
	virtualHost bool
	subs        []string // sub-resource keys present in the query
	query       url.Values
	name        string
	data        bool
}

// The S3 operations on a bucket's sub-resources, by method: PUT, GET,
// DELETE, POST. CloudTrail's names, which for some differ from the SDK's
// (PutBucketLifecycle, not PutBucketLifecycleConfiguration).
var s3BucketSubs = map[string][4]string{
	"policy":              {"PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy", ""},
	"tagging":             {"PutBucketTagging", "GetBucketTagging", "DeleteBucketTagging", ""},
	"acl":                 {"PutBucketAcl", "GetBucketAcl", "", ""},
	"versioning":          {"PutBucketVersioning", "GetBucketVersioning", "", ""},
	"lifecycle":           {"PutBucketLifecycle", "GetBucketLifecycle", "DeleteBucketLifecycle", ""},
	"publicAccessBlock":   {"PutBucketPublicAccessBlock", "GetBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock", ""},
	"encryption":          {"PutBucketEncryption", "GetBucketEncryption", "DeleteBucketEncryption", ""},
	"cors":                {"PutBucketCors", "GetBucketCors", "DeleteBucketCors", ""},
	"website":             {"PutBucketWebsite", "GetBucketWebsite", "DeleteBucketWebsite", ""},
	"logging":             {"PutBucketLogging", "GetBucketLogging", "", ""},
	"notification":        {"PutBucketNotification", "GetBucketNotification", "", ""},
	"replication":         {"PutBucketReplication", "GetBucketReplication", "DeleteBucketReplication", ""},
	"location":            {"", "GetBucketLocation", "", ""},
	"ownershipControls":   {"PutBucketOwnershipControls", "GetBucketOwnershipControls", "DeleteBucketOwnershipControls", ""},
	"object-lock":         {"PutObjectLockConfiguration", "GetObjectLockConfiguration", "", ""},
	"policyStatus":        {"", "GetBucketPolicyStatus", "", ""},
	"requestPayment":      {"PutBucketRequestPayment", "GetBucketRequestPayment", "", ""},
	"accelerate":          {"PutBucketAccelerateConfiguration", "GetBucketAccelerateConfiguration", "", ""},
	"inventory":           {"PutBucketInventoryConfiguration", "GetBucketInventoryConfiguration", "DeleteBucketInventoryConfiguration", ""},
	"analytics":           {"PutBucketAnalyticsConfiguration", "GetBucketAnalyticsConfiguration", "DeleteBucketAnalyticsConfiguration", ""},
	"metrics":             {"PutBucketMetricsConfiguration", "GetBucketMetricsConfiguration", "DeleteBucketMetricsConfiguration", ""},
	"intelligent-tiering": {"PutBucketIntelligentTieringConfiguration", "GetBucketIntelligentTieringConfiguration", "DeleteBucketIntelligentTieringConfiguration", ""},
	"uploads":             {"", "ListMultipartUploads", "", ""},
	"versions":            {"", "ListObjectVersions", "", ""},
	"delete":              {"", "", "", "DeleteObjects"},
}

// The S3 operations on an object's sub-resources, by method as above.
var s3ObjectSubs = map[string][4]string{
	"acl":        {"PutObjectAcl", "GetObjectAcl", "", ""},
	"tagging":    {"PutObjectTagging", "GetObjectTagging", "DeleteObjectTagging", ""},
	"retention":  {"PutObjectRetention", "GetObjectRetention", "", ""},
	"legal-hold": {"PutObjectLegalHold", "GetObjectLegalHold", "", ""},
	"attributes": {"", "GetObjectAttributes", "", ""},
	"torrent":    {"", "GetObjectTorrent", "", ""},
	"restore":    {"", "", "", "RestoreObject"},
	"select":     {"", "", "", "SelectObjectContent"},
	"uploads":    {"", "", "", "CreateMultipartUpload"},
	"uploadId":   {"UploadPart", "ListParts", "AbortMultipartUpload", "CompleteMultipartUpload"},
}

// s3DataBucketOps are bucket-level operations CloudTrail logs as data events.
var s3DataBucketOps = map[string]bool{"ListObjects": true, "ListObjectVersions": true, "ListMultipartUploads": true, "DeleteObjects": true}

func methodIndex(m string) int {
	switch m {
	case "PUT":
		return 0
	case "GET":
		return 1
	case "DELETE":
		return 2
	case "POST":
		return 3
	}
	return -1
}

// looksLikeS3Host reports whether host is an S3 endpoint, path-style
// (s3.amazonaws.com, s3.eu-west-1.amazonaws.com, s3-eu-west-1…) or
// virtual-hosted (bucket.s3.amazonaws.com).
func looksLikeS3Host(host string) bool {
	return s3LabelIndex(stripPort(host)) >= 0
}

// s3LabelIndex returns the index of the label of host that is S3's
// (s3, s3-REGION, s3-accelerate, s3-fips…), or -1.
func s3LabelIndex(host string) int {
	labels := strings.Split(strings.ToLower(host), ".")
	for i, l := range labels {
		if l == "s3" || strings.HasPrefix(l, "s3-") {
			return i
		}
	}
	return -1
}

// parseS3 names an S3 REST call. The bucket comes from a virtual host
// (bucket.s3.amazonaws.com) or the path's first segment; the key is the
// rest of the path.
func parseS3(method, host, escapedPath string, query url.Values, copySource string) s3Request {
	var s s3Request
	path, err := url.PathUnescape(escapedPath)
	if err != nil {
		path = escapedPath
	}
	path = strings.TrimPrefix(path, "/")
	h := stripPort(host)
	if i := s3LabelIndex(h); i > 0 {
		s.virtualHost = true
		labels := strings.Split(h, ".")
		s.bucket = strings.Join(labels[:i], ".")
		s.key = path
	} else {
		s.bucket, s.key, _ = strings.Cut(path, "/")
	}
	s.query = url.Values{}
	for k, vs := range query {
		if isSigningParam(k) {
			continue
		}
		s.query[k] = vs
	}
	mi := methodIndex(method)
	switch {
	case s.bucket == "":
		s.name = "ListBuckets"
		if method != "GET" {
			s.name = FallbackName(method, "/")
		}
		return s
	case s.key == "":
		for _, k := range sortedKeys(s.query) {
			if names, ok := s3BucketSubs[k]; ok {
				s.subs = append(s.subs, k)
				if s.name == "" && mi >= 0 && names[mi] != "" {
					s.name = names[mi]
				}
			}
		}
		if s.name == "" {
			switch method {
			case "PUT":
				s.name = "CreateBucket"
			case "DELETE":
				s.name = "DeleteBucket"
			case "HEAD":
				s.name = "HeadBucket"
			case "GET":
				s.name = "ListObjects"
			default:
				s.name = FallbackName(method, "/bucket")
			}
		}
		s.data = s3DataBucketOps[s.name]
		return s
	}
	s.data = true
	for _, k := range sortedKeys(s.query) {
		if names, ok := s3ObjectSubs[k]; ok {
			s.subs = append(s.subs, k)
			if s.name == "" && mi >= 0 && names[mi] != "" {
				s.name = names[mi]
			}
		}
	}
	if s.name == "UploadPart" && copySource != "" {
		s.name = "UploadPartCopy"
	}
	if s.name == "" {
		switch method {
		case "GET":
			s.name = "GetObject"
		case "PUT":
			s.name = "PutObject"
			if copySource != "" {
				s.name = "CopyObject"
			}
		case "DELETE":
			s.name = "DeleteObject"
		case "HEAD":
			s.name = "HeadObject"
		default:
			s.name = FallbackName(method, "/object")
		}
	}
	return s
}

func sortedKeys(q url.Values) []string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
