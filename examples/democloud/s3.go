package democloud

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

var s3Ops = map[string]operation{
	"CreateBucket":        op((*Cloud).createBucket),
	"HeadBucket":          op((*Cloud).headBucket),
	"DeleteBucket":        op((*Cloud).deleteBucket),
	"ListBuckets":         op((*Cloud).listBuckets),
	"GetBucketLocation":   op((*Cloud).getBucketLocation),
	"PutBucketPolicy":     op((*Cloud).putBucketPolicy),
	"GetBucketPolicy":     op((*Cloud).getBucketPolicy),
	"DeleteBucketPolicy":  op((*Cloud).deleteBucketPolicy),
	"PutBucketTagging":    op((*Cloud).putBucketTagging),
	"GetBucketTagging":    op((*Cloud).getBucketTagging),
	"DeleteBucketTagging": op((*Cloud).deleteBucketTagging),
}

// checkBucketName checks S3's rules for a bucket name: 3 to 63 lower-case
// letters, digits, dots and hyphens, starting and ending with a letter or
// a digit.
func checkBucketName(name string) error {
	ok := len(name) >= 3 && len(name) <= 63
	for i := 0; ok && i < len(name); i++ {
		ch := name[i]
		alnum := ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9'
		ok = alnum || (ch == '.' || ch == '-') && i > 0 && i < len(name)-1
	}
	if !ok {
		return errorf(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.")
	}
	return nil
}

// bucket returns the bucket named name or NoSuchBucket. c.mu is held.
func (c *Cloud) bucket(name string) (*Bucket, error) {
	if name == "" {
		return nil, validationError("bucket", "Member must not be null", nil)
	}
	b, ok := c.buckets[name]
	if !ok {
		return nil, errorf(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
	}
	return b, nil
}

type bucketInput struct {
	Bucket string `json:"Bucket"`
}

type createBucketConfiguration struct {
	LocationConstraint string `json:"LocationConstraint" xml:"LocationConstraint"`
}

type createBucketInput struct {
	Bucket                    string                     `json:"Bucket"`
	CreateBucketConfiguration *createBucketConfiguration `json:"CreateBucketConfiguration"`
}

type createBucketOutput struct {
	Location string `json:"Location"`
}

// createBucket creates a bucket in the configuration's location
// constraint, or else in the request's region.
func (c *Cloud) createBucket(cl *call, in *createBucketInput) (*createBucketOutput, error) {
	if err := checkBucketName(in.Bucket); err != nil {
		return nil, err
	}
	if _, ok := c.buckets[in.Bucket]; ok {
		return nil, errorf(http.StatusConflict, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.")
	}
	region := cl.region
	if in.CreateBucketConfiguration != nil && in.CreateBucketConfiguration.LocationConstraint != "" {
		region = in.CreateBucketConfiguration.LocationConstraint
		if region == "EU" {
			region = "eu-west-1"
		}
	}
	c.buckets[in.Bucket] = &Bucket{Name: in.Bucket, Region: region, Created: cl.now}
	return &createBucketOutput{Location: "/" + in.Bucket}, nil
}

type headBucketOutput struct {
	BucketRegion string `json:"BucketRegion"`
}

func (c *Cloud) headBucket(cl *call, in *bucketInput) (*headBucketOutput, error) {
	b, err := c.bucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	return &headBucketOutput{BucketRegion: b.Region}, nil
}

func (c *Cloud) deleteBucket(cl *call, in *bucketInput) (*noResult, error) {
	if _, err := c.bucket(in.Bucket); err != nil {
		return nil, err
	}
	delete(c.buckets, in.Bucket)
	return &noResult{}, nil
}

type bucketShape struct {
	Name         string  `json:"Name" xml:"Name"`
	CreationDate awsTime `json:"CreationDate" xml:"CreationDate"`
}

type ownerShape struct {
	ID          string `json:"ID" xml:"ID"`
	DisplayName string `json:"DisplayName" xml:"DisplayName"`
}

type listBucketsOutput struct {
	Owner   ownerShape    `json:"Owner" xml:"Owner"`
	Buckets []bucketShape `json:"Buckets" xml:"Buckets>Bucket"`
}

// owner is the account's S3 canonical user: an ID of 64 hex digits.
func (c *Cloud) owner() ownerShape {
	h := sha256.Sum256([]byte("democloud:" + c.account))
	return ownerShape{ID: hex.EncodeToString(h[:]), DisplayName: "demo"}
}

func (c *Cloud) listBuckets(cl *call, in *struct{}) (*listBucketsOutput, error) {
	out := &listBucketsOutput{Owner: c.owner(), Buckets: []bucketShape{}}
	for _, b := range c.buckets {
		out.Buckets = append(out.Buckets, bucketShape{Name: b.Name, CreationDate: awsTime(b.Created)})
	}
	slices.SortFunc(out.Buckets, func(a, b bucketShape) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

type getBucketLocationOutput struct {
	LocationConstraint string `json:"LocationConstraint"`
}

// getBucketLocation answers "" for us-east-1, as S3 does.
func (c *Cloud) getBucketLocation(cl *call, in *bucketInput) (*getBucketLocationOutput, error) {
	b, err := c.bucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	out := &getBucketLocationOutput{LocationConstraint: b.Region}
	if b.Region == "us-east-1" {
		out.LocationConstraint = ""
	}
	return out, nil
}

type putBucketPolicyInput struct {
	Bucket string `json:"Bucket"`
	Policy string `json:"Policy"`
}

// checkPolicy checks that policy is a JSON object with statements; S3
// checks much more (principals, actions, resources), the demo does not.
func checkPolicy(policy string) error {
	p := bytes.TrimSpace([]byte(policy))
	var doc map[string]json.RawMessage
	if len(p) == 0 || p[0] != '{' || json.Unmarshal(p, &doc) != nil {
		return errorf(http.StatusBadRequest, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'")
	}
	if st, ok := doc["Statement"]; !ok || len(st) == 0 || string(st) == "null" || string(st) == "[]" {
		return errorf(http.StatusBadRequest, "MalformedPolicy", "Missing required field Statement")
	}
	return nil
}

func (c *Cloud) putBucketPolicy(cl *call, in *putBucketPolicyInput) (*noResult, error) {
	b, err := c.bucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	if err := checkPolicy(in.Policy); err != nil {
		return nil, err
	}
	b.Policy = in.Policy
	return &noResult{}, nil
}

type getBucketPolicyOutput struct {
	Policy string `json:"Policy"`
}

func (c *Cloud) getBucketPolicy(cl *call, in *bucketInput) (*getBucketPolicyOutput, error) {
	b, err := c.bucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Policy == "" {
		return nil, errorf(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist")
	}
	return &getBucketPolicyOutput{Policy: b.Policy}, nil
}

// deleteBucketPolicy succeeds on a bucket with no policy, as S3 does.
func (c *Cloud) deleteBucketPolicy(cl *call, in *bucketInput) (*noResult, error) {
	b, err := c.bucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	b.Policy = ""
	return &noResult{}, nil
}

type tagging struct {
	TagSet []iamTag `json:"TagSet" xml:"TagSet>Tag"`
}

type putBucketTaggingInput struct {
	Bucket  string  `json:"Bucket"`
	Tagging tagging `json:"Tagging"`
}

// putBucketTagging replaces the bucket's tags.
func (c *Cloud) putBucketTagging(cl *call, in *putBucketTaggingInput) (*noResult, error) {
	b, err := c.bucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, t := range in.Tagging.TagSet {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return nil, errorf(http.StatusBadRequest, "InvalidTag", "The TagKey you have provided is invalid")
		}
		if seen[t.Key] {
			return nil, errorf(http.StatusBadRequest, "InvalidTag", "Cannot provide multiple Tags with the same key")
		}
		seen[t.Key] = true
	}
	b.Tags = toTags(in.Tagging.TagSet)
	return &noResult{}, nil
}

func (c *Cloud) getBucketTagging(cl *call, in *bucketInput) (*tagging, error) {
	b, err := c.bucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	if len(b.Tags) == 0 {
		return nil, errorf(http.StatusNotFound, "NoSuchTagSet", "The TagSet does not exist")
	}
	return &tagging{TagSet: fromTags(b.Tags)}, nil
}

func (c *Cloud) deleteBucketTagging(cl *call, in *bucketInput) (*noResult, error) {
	b, err := c.bucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	b.Tags = nil
	return &noResult{}, nil
}
