package awsapi

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/sigv4"
)

// postForm sends a signed query-protocol request to path.
func (s *sqsServer) postForm(t *testing.T, path, form string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest("POST", s.http.URL+path, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if err := sigv4.Sign(req, []byte(form), testKeyID, testSecret, "", "sqs", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestSQSQueryProtocol(t *testing.T) {
	s := startSQS(t)
	status, _, body := s.postForm(t, "/", "Action=CreateQueue&Version=2012-11-05&QueueName=q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=60&Tag.1.Key=team&Tag.1.Value=shop")
	if status != 200 || !strings.Contains(body, `<CreateQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><CreateQueueResult><QueueUrl>`+s.http.URL+`/123456789012/q</QueueUrl></CreateQueueResult><ResponseMetadata><RequestId>`) {
		t.Fatalf("CreateQueue: %d %s", status, body)
	}
	// Posted to the queue's URL, without QueueUrl.
	form := url.Values{
		"Action": {"SendMessage"}, "MessageBody": {"a <b> & c"},
		"MessageAttribute.1.Name": {"k"}, "MessageAttribute.1.Value.DataType": {"String"}, "MessageAttribute.1.Value.StringValue": {"v"},
	}
	status, _, body = s.postForm(t, "/123456789012/q", form.Encode())
	var sent struct {
		Result struct {
			MessageId, MD5OfMessageBody, MD5OfMessageAttributes string
		} `xml:"SendMessageResult"`
	}
	if err := xml.Unmarshal([]byte(body), &sent); status != 200 || err != nil || sent.Result.MD5OfMessageBody != md5Hex("a <b> & c") || sent.Result.MD5OfMessageAttributes == "" {
		t.Fatalf("SendMessage: %d %s", status, body)
	}
	status, _, body = s.postForm(t, "/", "Action=ReceiveMessage&QueueUrl="+url.QueryEscape(s.http.URL+"/123456789012/q")+"&AttributeName.1=All&MessageAttributeName.1=All")
	var got struct {
		Messages []struct {
			MessageId, ReceiptHandle, MD5OfBody, Body string
			Attribute                                 []struct{ Name, Value string }
			MessageAttribute                          []struct {
				Name  string
				Value struct{ StringValue, DataType string }
			}
		} `xml:"ReceiveMessageResult>Message"`
	}
	if err := xml.Unmarshal([]byte(body), &got); status != 200 || err != nil || len(got.Messages) != 1 {
		t.Fatalf("ReceiveMessage: %d %s", status, body)
	}
	m := got.Messages[0]
	if m.Body != "a <b> & c" || m.MessageId != sent.Result.MessageId || len(m.Attribute) != 4 ||
		len(m.MessageAttribute) != 1 || m.MessageAttribute[0].Value.StringValue != "v" || m.MessageAttribute[0].Value.DataType != "String" {
		t.Errorf("received %+v", m)
	}
	status, _, body = s.postForm(t, "/123456789012/q", "Action=ListQueueTags")
	if status != 200 || !strings.Contains(body, "<ListQueueTagsResult><Tag><Key>team</Key><Value>shop</Value></Tag></ListQueueTagsResult>") {
		t.Errorf("ListQueueTags: %d %s", status, body)
	}
	status, _, body = s.postForm(t, "/123456789012/q", "Action=DeleteMessage&ReceiptHandle="+url.QueryEscape(m.ReceiptHandle))
	if status != 200 || !strings.HasPrefix(body, `<?xml version="1.0"?>`+"\n"+`<DeleteMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ResponseMetadata><RequestId>`) {
		t.Errorf("DeleteMessage: %d %s", status, body)
	}

	for _, tc := range []struct {
		name, path, form string
		status           int
		code, message    string
	}{
		{"missing queue", "/123456789012/none", "Action=GetQueueAttributes&AttributeName.1=All", 400,
			"AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist for this wsdl version."},
		{"unknown action", "/", "Action=Frobnicate", 400, "InvalidAction", "The action Frobnicate is not valid for this web service."},
		{"no action", "/", "QueueName=q", 400, "MissingAction", "The request must contain the parameter Action."},
		{"unknown parameter", "/", "Action=ListQueues&QueueNamePrefx=q", 400, "InvalidParameterValue", "The parameter QueueNamePrefx is not recognized."},
		{"not a number", "/", "Action=ListQueues&MaxResults=ten", 400, "InvalidParameterValue", "Value ten for parameter MaxResults is invalid. Reason: Must be an integer."},
		{"empty batch", "/123456789012/q", "Action=DeleteMessageBatch", 400, "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one DeleteMessageBatchRequestEntry in the request."},
		{"malformed", "/", "Action=ListQueues&%zz", 400, "MalformedQueryString", "The form body is malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := s.postForm(t, tc.path, tc.form)
			var e struct {
				Error     struct{ Type, Code, Message string }
				RequestId string
			}
			if err := xml.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("error body %q: %v", body, err)
			}
			if status != tc.status || e.Error.Code != tc.code || !strings.HasPrefix(e.Error.Message, tc.message) || e.Error.Type != "Sender" ||
				e.RequestId == "" || e.RequestId != h.Get("x-amzn-RequestId") || !strings.Contains(body, "<Detail/>") {
				t.Errorf("got %d %+v\nwant %d %s %q", status, e, tc.status, tc.code, tc.message)
			}
		})
	}

	// An unsigned request is refused in the query protocol's shape.
	resp, err := http.Post(s.http.URL+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=ListQueues"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 4 || !strings.Contains(string(b), "<Code>MissingAuthenticationToken</Code>") {
		t.Errorf("unsigned: %d %s", resp.StatusCode, b)
	}
}

func TestDecodeForm(t *testing.T) {
	in := new(SendMessageBatchInput)
	vals, _ := url.ParseQuery("Action=SendMessageBatch&QueueUrl=http%3A%2F%2Fh%2F1%2Fq" +
		"&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one&SendMessageBatchRequestEntry.1.DelaySeconds=5" +
		"&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=bin&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=Binary" +
		"&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.BinaryValue=AAE%3D" +
		"&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two")
	if err := decodeForm(vals, "", in); err != nil {
		t.Fatal(err)
	}
	want := &SendMessageBatchInput{QueueUrl: ptr("http://h/1/q"), Entries: []SendMessageBatchRequestEntry{
		{Id: ptr("a"), MessageBody: ptr("one"), DelaySeconds: ptr(5), MessageAttributes: map[string]MessageAttributeValue{
			"bin": {DataType: ptr("Binary"), BinaryValue: []byte{0, 1}}}},
		{Id: ptr("b"), MessageBody: ptr("two")},
	}}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("decoded %+v", in)
	}
}

// FuzzDecodeForm feeds arbitrary forms to every action's decoder: it must
// answer an *Error or succeed, never panic, and what it decodes must
// encode back to XML.
func FuzzDecodeForm(f *testing.F) {
	f.Add("Action=SendMessage&QueueUrl=x&MessageBody=b&MessageAttribute.1.Name=n&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v")
	f.Add("Action=CreateQueue&QueueName=q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=5&Tag.1.Key=k&Tag.1.Value=v")
	f.Add("Action=ReceiveMessage&AttributeName.1=All&MessageAttributeName.1=.*&MaxNumberOfMessages=10")
	f.Add("Action=DeleteMessageBatch&DeleteMessageBatchRequestEntry.1.Id=a&DeleteMessageBatchRequestEntry.1.ReceiptHandle=r")
	f.Add("Attribute.1.Value=5&Attribute.2.Name=x&MessageAttribute.1.Value.BinaryValue=%%%")
	inputs := []func() any{
		func() any { return new(CreateQueueInput) }, func() any { return new(SendMessageInput) },
		func() any { return new(SendMessageBatchInput) }, func() any { return new(ReceiveMessageInput) },
		func() any { return new(DeleteMessageBatchInput) }, func() any { return new(ChangeMessageVisibilityBatchInput) },
		func() any { return new(TagQueueInput) }, func() any { return new(UntagQueueInput) },
		func() any { return new(ListQueuesInput) }, func() any { return new(GetQueueAttributesInput) },
	}
	f.Fuzz(func(t *testing.T, form string) {
		vals, err := url.ParseQuery(form)
		if err != nil {
			return
		}
		for _, mk := range inputs {
			in := mk()
			if err := decodeForm(vals, "http://h/1/q", in); err != nil {
				if _, ok := err.(interface{ Error() string }); !ok {
					t.Fatalf("error %T", err)
				}
				if e := err.Error(); e == "" {
					t.Fatal("empty error")
				}
				continue
			}
			if out := encodeXML("Test", "id", in); !xmlWellFormed(out) {
				t.Fatalf("XML of %+v is not well formed: %s", in, out)
			}
		}
	})
}

func xmlWellFormed(b []byte) bool {
	d := xml.NewDecoder(strings.NewReader(string(b)))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}
