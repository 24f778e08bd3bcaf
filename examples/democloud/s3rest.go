package democloud

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"reflect"
	"strings"
)

const s3xmlns = "http://s3.amazonaws.com/doc/2006-03-01/"

// serveS3 serves S3's REST-XML protocol with path-style addressing
// (/bucket): the bucket operations of s3Ops. Object keys and the other
// sub-resources answer NotImplemented.
func (c *Cloud) serveS3(w http.ResponseWriter, r *http.Request, cl *call, body []byte, readErr error) {
	cl.svc = services["s3"]
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	sub := ""
	for k := range r.URL.Query() {
		switch {
		case k == "policy" || k == "tagging" || k == "location":
			sub = k
		case k == "x-id" || strings.HasPrefix(strings.ToLower(k), "x-amz-"):
		default:
			sub = "?" // one the demo does not serve
		}
	}
	fail := func(err error) { c.writeS3Error(w, r, cl, bucket, err) }
	if readErr != nil {
		fail(errorf(http.StatusBadRequest, "MaxMessageLengthExceeded", "Your request was too big."))
		return
	}
	var name string
	var in any
	switch m := r.Method; {
	case bucket == "" && m == http.MethodGet:
		name, in = "ListBuckets", &struct{}{}
	case bucket == "" || key != "" || sub == "?":
		name = ""
	case sub == "" && m == http.MethodPut:
		cin := &createBucketInput{Bucket: bucket}
		if len(bytes.TrimSpace(body)) > 0 {
			cin.CreateBucketConfiguration = &createBucketConfiguration{}
			if err := xml.Unmarshal(body, cin.CreateBucketConfiguration); err != nil {
				fail(malformedXML())
				return
			}
		}
		name, in = "CreateBucket", cin
	case sub == "" && m == http.MethodHead:
		name, in = "HeadBucket", &bucketInput{Bucket: bucket}
	case sub == "" && m == http.MethodDelete:
		name, in = "DeleteBucket", &bucketInput{Bucket: bucket}
	case sub == "location" && m == http.MethodGet:
		name, in = "GetBucketLocation", &bucketInput{Bucket: bucket}
	case sub == "policy" && m == http.MethodPut:
		name, in = "PutBucketPolicy", &putBucketPolicyInput{Bucket: bucket, Policy: string(body)}
	case sub == "policy" && m == http.MethodGet:
		name, in = "GetBucketPolicy", &bucketInput{Bucket: bucket}
	case sub == "policy" && m == http.MethodDelete:
		name, in = "DeleteBucketPolicy", &bucketInput{Bucket: bucket}
	case sub == "tagging" && m == http.MethodPut:
		tin := &putBucketTaggingInput{Bucket: bucket}
		if err := xml.Unmarshal(body, &tin.Tagging); err != nil {
			fail(malformedXML())
			return
		}
		name, in = "PutBucketTagging", tin
	case sub == "tagging" && m == http.MethodGet:
		name, in = "GetBucketTagging", &bucketInput{Bucket: bucket}
	case sub == "tagging" && m == http.MethodDelete:
		name, in = "DeleteBucketTagging", &bucketInput{Bucket: bucket}
	}
	if name == "" {
		fail(errorf(http.StatusNotImplemented, "NotImplemented", "The demo cloud does not implement %s %s.", r.Method, r.URL.Path))
		return
	}
	cl.op = name
	out, err := c.invoke(r, cl, s3Ops[name], func(v any) error {
		// v points to a new value of the operation's input type, in's.
		reflect.ValueOf(v).Elem().Set(reflect.ValueOf(in).Elem())
		return nil
	})
	if err != nil {
		fail(err)
		return
	}
	setRequestID(w, cl)
	h := w.Header()
	switch out := out.(type) {
	case *createBucketOutput:
		h.Set("Location", out.Location)
		w.WriteHeader(http.StatusOK)
	case *headBucketOutput:
		h.Set("X-Amz-Bucket-Region", out.BucketRegion)
		w.WriteHeader(http.StatusOK)
	case *getBucketPolicyOutput:
		h.Set("Content-Type", "application/json")
		w.Write([]byte(out.Policy))
	case *getBucketLocationOutput:
		writeS3XML(w, "LocationConstraint", struct {
			V string `xml:",chardata"`
		}{out.LocationConstraint})
	case *tagging:
		writeS3XML(w, "Tagging", out)
	case *listBucketsOutput:
		writeS3XML(w, "ListAllMyBucketsResult", out)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func malformedXML() error {
	return errorf(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
}

func writeS3XML(w http.ResponseWriter, root string, v any) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{Name: xml.Name{Local: root}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: s3xmlns}}}
	if err := enc.EncodeElement(v, start); err != nil {
		panic(err) // the shapes are the package's own
	}
	enc.Flush()
	w.Header().Set("Content-Type", "application/xml")
	w.Write(buf.Bytes())
}

// writeS3Error answers err in S3's error document (no body for HEAD).
func (c *Cloud) writeS3Error(w http.ResponseWriter, r *http.Request, cl *call, bucket string, err error) {
	e := c.asAPIError(cl, err)
	setRequestID(w, cl)
	if r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	doc := struct {
		XMLName    xml.Name `xml:"Error"`
		Code       string
		Message    string
		BucketName string `xml:",omitempty"`
		RequestId  string
		HostId     string
	}{Code: e.Code, Message: e.Message, RequestId: s3RequestID(cl.requestID), HostId: cl.requestID}
	if strings.HasPrefix(e.Code, "NoSuch") || strings.HasPrefix(e.Code, "Bucket") {
		doc.BucketName = bucket
	}
	b, _ := xml.Marshal(doc)
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.Status)
	w.Write(append([]byte(xml.Header), b...))
}
