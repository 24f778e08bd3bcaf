package awsapi

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/trailbridge/trailbridge/internal/check"
	"github.com/trailbridge/trailbridge/sigv4"
)

// sqsServer is an API server with queues on memory stores.
type sqsServer struct {
	api    *SQS
	msgs   *MemoryMessages
	http   *httptest.Server
	client *sqs.Client
}

func startSQS(t *testing.T) *sqsServer {
	t.Helper()
	s := &sqsServer{msgs: NewMemoryMessages()}
	res := NewMemoryStore(nil)
	s.api = &SQS{Resources: res, Messages: s.msgs, Place: testPlace}
	lookup := func(id string) (string, bool) { return testSecret, id == testKeyID }
	srv := &Server{
		EventBridge: &EventBridge{Store: res, Resources: res, Place: testPlace},
		SQS:         s.api,
		Verifier:    &sigv4.Verifier{Service: "events", Region: testPlace.Region, Lookup: lookup},
		SQSVerifier: &sigv4.Verifier{Service: "sqs", Region: testPlace.Region, Lookup: lookup},
	}
	s.http = httptest.NewServer(srv.Handler())
	t.Cleanup(s.http.Close)
	s.client = newSQSClient(s.http.URL, testKeyID, testSecret)
	return s
}

func newSQSClient(url, id, secret string) *sqs.Client {
	return sqs.New(sqs.Options{
		BaseEndpoint:     aws.String(url),
		Region:           testPlace.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(id, secret, ""),
		RetryMaxAttempts: 1,
	})
}

func (s *sqsServer) create(t *testing.T, name string, attrs map[string]string) string {
	t.Helper()
	out, err := s.client.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	return *out.QueueUrl
}

func (s *sqsServer) send(t *testing.T, url, body string) string {
	t.Helper()
	out, err := s.client.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	return *out.MessageId
}

func (s *sqsServer) receive(t *testing.T, in *sqs.ReceiveMessageInput) []types.Message {
	t.Helper()
	out, err := s.client.ReceiveMessage(t.Context(), in)
	if err != nil {
		t.Fatalf("ReceiveMessage: %v", err)
	}
	return out.Messages
}

// wantSQSError checks an SDK error's code (the query-compatible code, as
// AWS's SDKs report it) and message.
func wantSQSError(t *testing.T, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want %s: %s", err, code, message)
	}
	if ae.ErrorCode() != code || !strings.HasPrefix(ae.ErrorMessage(), message) {
		t.Fatalf("error = %s: %q\n      want %s: %q", ae.ErrorCode(), ae.ErrorMessage(), code, message)
	}
}

func TestSQSQueueLifecycle(t *testing.T) {
	s := startSQS(t)
	ctx := t.Context()
	url := s.create(t, "orders", map[string]string{"VisibilityTimeout": "40"})
	if want := s.http.URL + "/123456789012/orders"; url != want {
		t.Errorf("QueueUrl %s, want %s", url, want)
	}
	// The same attributes answer the same URL; others are refused.
	if again := s.create(t, "orders", map[string]string{"VisibilityTimeout": "40"}); again != url {
		t.Errorf("second CreateQueue answered %s", again)
	}
	_, err := s.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders"), Attributes: map[string]string{"VisibilityTimeout": "41"}})
	wantSQSError(t, err, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute VisibilityTimeout")
	var qne *types.QueueNameExists
	if !errors.As(err, &qne) {
		t.Errorf("error %T is not a QueueNameExists", err)
	}

	got, err := s.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("orders")})
	if err != nil || *got.QueueUrl != url {
		t.Fatalf("GetQueueUrl: %v %v", got, err)
	}
	attrs, err := s.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"VisibilityTimeout": "40", "MessageRetentionPeriod": "345600", "DelaySeconds": "0",
		"MaximumMessageSize": "262144", "ReceiveMessageWaitTimeSeconds": "0",
		"QueueArn": "arn:aws:sqs:us-east-1:123456789012:orders", "ApproximateNumberOfMessages": "0",
		"ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0",
	} {
		if attrs.Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, attrs.Attributes[k], v)
		}
	}
	if _, err := strconv.ParseInt(attrs.Attributes["CreatedTimestamp"], 10, 64); err != nil {
		t.Errorf("CreatedTimestamp %q", attrs.Attributes["CreatedTimestamp"])
	}

	if _, err := s.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"DelaySeconds": "5", "Policy": `{"Version":"2012-10-17"}`}}); err != nil {
		t.Fatal(err)
	}
	attrs = must(s.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"DelaySeconds", "Policy"}}))
	if len(attrs.Attributes) != 2 || attrs.Attributes["DelaySeconds"] != "5" || attrs.Attributes["Policy"] != `{"Version":"2012-10-17"}` {
		t.Errorf("after SetQueueAttributes: %v", attrs.Attributes)
	}

	// Tags.
	must(s.client.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: &url, Tags: map[string]string{"team": "shop", "env": "dev"}}))
	must(s.client.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: &url, TagKeys: []string{"env"}}))
	tags := must(s.client.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &url}))
	if len(tags.Tags) != 1 || tags.Tags["team"] != "shop" {
		t.Errorf("tags %v", tags.Tags)
	}

	// Listing, with a prefix and in pages.
	for _, n := range []string{"orders-dlq", "payments", "orders-2"} {
		s.create(t, n, nil)
	}
	list := must(s.client.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("orders")}))
	if len(list.QueueUrls) != 3 || list.NextToken != nil {
		t.Errorf("ListQueues orders: %v %v", list.QueueUrls, list.NextToken)
	}
	var all []string
	p := sqs.NewListQueuesPaginator(s.client, &sqs.ListQueuesInput{MaxResults: aws.Int32(3)})
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, pg.QueueUrls...)
	}
	if len(all) != 4 {
		t.Errorf("paged listing: %v", all)
	}

	must(s.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}))
	_, err = s.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("orders")})
	wantSQSError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
	var qdne *types.QueueDoesNotExist
	if !errors.As(err, &qdne) {
		t.Errorf("error %T is not a QueueDoesNotExist", err)
	}
}

// TestSQSQueueDeletedRecently: a deleted queue's name can be used again
// only a minute later, as on SQS.
func TestSQSQueueDeletedRecently(t *testing.T) {
	s := startSQS(t)
	clock := check.NewClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	s.api.Now = clock.Now
	ctx := t.Context()
	url := s.create(t, "gone", nil)
	must(s.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}))
	clock.Add(59 * time.Second)
	_, err := s.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("gone")})
	wantSQSError(t, err, "AWS.SimpleQueueService.QueueDeletedRecently",
		"You must wait 60 seconds after deleting a queue before you can create another queue with the same name.")
	var qdr *types.QueueDeletedRecently
	if !errors.As(err, &qdr) {
		t.Errorf("error %T is not a QueueDeletedRecently", err)
	}
	if _, err := s.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("gone")}); err == nil {
		t.Error("the refused CreateQueue created the queue")
	}
	s.create(t, "other", nil) // other names are free
	clock.Add(time.Second)
	if got := s.create(t, "gone", nil); got != url {
		t.Errorf("CreateQueue a minute after the delete: %q, want %q", got, url)
	}
}

func TestSQSErrors(t *testing.T) {
	s := startSQS(t)
	ctx := t.Context()
	url := s.create(t, "q", nil)
	dlqURL := s.create(t, "dlq", nil)
	_ = dlqURL
	gone := s.http.URL + "/123456789012/nope"
	other := s.http.URL + "/999999999999/q"
	eleven := `{"redrivePermission":"byQueue","sourceQueueArns":[` + strings.Repeat(`"arn:aws:sqs:us-east-1:123456789012:q",`, 10) + `"arn:aws:sqs:us-east-1:123456789012:q"]}`
	for _, tc := range []struct {
		name          string
		call          func() error
		code, message string
	}{
		{"bad queue name", func() error {
			_, err := s.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("no spaces")})
			return err
		}, "InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"},
		{"fifo refused", func() error {
			_, err := s.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q.fifo"), Attributes: map[string]string{"FifoQueue": "true"}})
			return err
		}, "AWS.SimpleQueueService.UnsupportedOperation", "trailbridge does not support FIFO queues yet"},
		{"unknown attribute", func() error {
			_, err := s.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("x"), Attributes: map[string]string{"Colour": "red"}})
			return err
		}, "InvalidAttributeName", "Unknown Attribute Colour."},
		{"visibility out of range", func() error {
			_, err := s.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"VisibilityTimeout": "43201"}})
			return err
		}, "InvalidAttributeValue", "Invalid value for the parameter VisibilityTimeout."},
		{"retention too short", func() error {
			_, err := s.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"MessageRetentionPeriod": "59"}})
			return err
		}, "InvalidAttributeValue", "Invalid value for the parameter MessageRetentionPeriod."},
		{"redrive to nowhere", func() error {
			_, err := s.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:none","maxReceiveCount":3}`}})
			return err
		}, "InvalidParameterValue", `Value {"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:none","maxReceiveCount":3} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`},
		{"redrive count", func() error {
			_, err := s.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":0}`}})
			return err
		}, "InvalidParameterValue", "Value {\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:123456789012:dlq\",\"maxReceiveCount\":0} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: 0"},
		{"unknown attribute name", func() error {
			_, err := s.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"Colour"}})
			return err
		}, "InvalidAttributeName", "Unknown Attribute Colour."},
		{"send to missing queue", func() error {
			_, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &gone, MessageBody: aws.String("x")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist."},
		{"queue of another account", func() error {
			_, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &other, MessageBody: aws.String("x")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist."},
		{"empty body", func() error {
			_, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("")})
			return err
		}, "MissingParameter", "The request must contain the parameter MessageBody."},
		{"bad character", func() error {
			_, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("a\x01b")})
			return err
		}, "InvalidMessageContents", "Invalid binary character '#x1' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"},
		{"too long", func() error {
			_, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(strings.Repeat("x", 262140)),
				MessageAttributes: map[string]types.MessageAttributeValue{"abc": {DataType: aws.String("String"), StringValue: aws.String("x")}}})
			return err
		}, "InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes."},
		{"delay out of range", func() error {
			_, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), DelaySeconds: 901})
			return err
		}, "InvalidParameterValue", "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."},
		{"eleven attributes", func() error {
			attrs := map[string]types.MessageAttributeValue{}
			for i := range 11 {
				attrs[fmt.Sprint("a", i)] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
			}
			_, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageAttributes: attrs})
			return err
		}, "InvalidParameterValue", "Number of message attributes [11] exceeds the allowed maximum [10]."},
		{"attribute type", func() error {
			_, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"),
				MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Text"), StringValue: aws.String("v")}}})
			return err
		}, "InvalidParameterValue", "The type of message (user) attribute 'a' is invalid."},
		{"attribute not a number", func() error {
			_, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"),
				MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String("twelve")}}})
			return err
		}, "InvalidParameterValue", "Can't cast the value of message (user) attribute 'n' to a number."},
		{"attribute name", func() error {
			_, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"),
				MessageAttributes: map[string]types.MessageAttributeValue{"AWS.x": {DataType: aws.String("String"), StringValue: aws.String("v")}}})
			return err
		}, "InvalidParameterValue", "Message (user) attribute name 'AWS.x' is invalid."},
		{"receive eleven", func() error {
			_, err := s.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 11})
			return err
		}, "InvalidParameterValue", "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."},
		{"wait 21", func() error {
			_, err := s.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 21})
			return err
		}, "InvalidParameterValue", "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."},
		{"receipt garbage", func() error {
			_, err := s.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: aws.String("garbage")})
			return err
		}, "ReceiptHandleIsInvalid", `The input receipt handle "garbage" is not a valid receipt handle.`},
		{"visibility receipt garbage", func() error {
			_, err := s.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: aws.String("garbage"), VisibilityTimeout: 3})
			return err
		}, "ReceiptHandleIsInvalid", `The input receipt handle "garbage" is not a valid receipt handle.`},
		{"empty batch", func() error {
			_, err := s.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{}})
			return err
		}, "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request."},
		{"eleven entries", func() error {
			var es []types.DeleteMessageBatchRequestEntry
			for i := range 11 {
				es = append(es, types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: aws.String("r")})
			}
			_, err := s.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: es})
			return err
		}, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent 11."},
		{"ids repeated", func() error {
			_, err := s.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
				{Id: aws.String("a"), MessageBody: aws.String("1")}, {Id: aws.String("a"), MessageBody: aws.String("2")}}})
			return err
		}, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id a repeated."},
		{"bad id", func() error {
			_, err := s.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
				{Id: aws.String("a b"), ReceiptHandle: aws.String("r")}}})
			return err
		}, "AWS.SimpleQueueService.InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."},
		{"batch too long", func() error {
			var es []types.SendMessageBatchRequestEntry
			for i := range 3 {
				es = append(es, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String(strings.Repeat("x", 100000))})
			}
			_, err := s.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: es})
			return err
		}, "AWS.SimpleQueueService.BatchRequestTooLong", "Batch requests cannot be longer than 262144 bytes. You have sent 300000 bytes."},
		{"redrive allow permission", func() error {
			_, err := s.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"nope"}`}})
			return err
		}, "InvalidParameterValue", `Value {"redrivePermission":"nope"} for parameter RedriveAllowPolicy is invalid. Reason: Invalid value for redrivePermission: nope, valid values are allowAll, denyAll and byQueue.`},
		{"redrive allow byQueue without queues", func() error {
			_, err := s.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"byQueue"}`}})
			return err
		}, "InvalidParameterValue", `Value {"redrivePermission":"byQueue"} for parameter RedriveAllowPolicy is invalid. Reason: sourceQueueArns must be specified when redrivePermission is byQueue.`},
		{"redrive allow queues with allowAll", func() error {
			_, err := s.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{
				"RedriveAllowPolicy": `{"redrivePermission":"allowAll","sourceQueueArns":["arn:aws:sqs:us-east-1:123456789012:q"]}`}})
			return err
		}, "InvalidParameterValue", `Value {"redrivePermission":"allowAll","sourceQueueArns":["arn:aws:sqs:us-east-1:123456789012:q"]} for parameter RedriveAllowPolicy is invalid. Reason: sourceQueueArns can be specified only when redrivePermission is byQueue.`},
		{"redrive allow eleven queues", func() error {
			_, err := s.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"RedriveAllowPolicy": eleven}})
			return err
		}, "InvalidParameterValue", "Value " + eleven + " for parameter RedriveAllowPolicy is invalid. Reason: At most 10 sourceQueueArns can be specified."},
		{"redrive allow with a good attribute beside it", func() error {
			_, err := s.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{
				"DelaySeconds": "7", "RedriveAllowPolicy": `{"redrivePermission":"byQueue","sourceQueueArns":"q"}`}})
			return err
		}, "InvalidParameterValue", `Value {"redrivePermission":"byQueue","sourceQueueArns":"q"} for parameter RedriveAllowPolicy is invalid. Reason: Redrive allow policy has a value of the wrong type.`},
		{"group id too long", func() error {
			_, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageGroupId: aws.String(strings.Repeat("g", 129))})
			return err
		}, "InvalidParameterValue", "Value " + strings.Repeat("g", 129) + " for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length."},
		{"group id with a space", func() error {
			_, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageGroupId: aws.String("a b")})
			return err
		}, "InvalidParameterValue", "Value a b for parameter MessageGroupId is invalid."},
		{"deduplication id on a standard queue", func() error {
			_, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageDeduplicationId: aws.String("d")})
			return err
		}, "InvalidParameterValue", "The request include parameter that is not valid for this queue type"},
		{"list max results", func() error {
			_, err := s.client.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1001)})
			return err
		}, "InvalidParameterValue", "Value 1001 for parameter MaxResults is invalid."},
		{"not implemented", func() error {
			_, err := s.client.AddPermission(ctx, &sqs.AddPermissionInput{QueueUrl: &url, Label: aws.String("l"), AWSAccountIds: []string{"123456789012"}, Actions: []string{"SendMessage"}})
			return err
		}, "AWS.SimpleQueueService.UnsupportedOperation", "trailbridge does not implement AmazonSQS.AddPermission yet."},
		{"wrong secret", func() error {
			_, err := newSQSClient(s.http.URL, testKeyID, "wrong").ListQueues(ctx, &sqs.ListQueuesInput{})
			return err
		}, "SignatureDoesNotMatch", "The request signature we calculated does not match"},
		{"unknown key", func() error {
			_, err := newSQSClient(s.http.URL, "AKIDNOBODY", testSecret).ListQueues(ctx, &sqs.ListQueuesInput{})
			return err
		}, "InvalidClientTokenId", "The security token included in the request is invalid."},
	} {
		t.Run(tc.name, func(t *testing.T) { wantSQSError(t, tc.call(), tc.code, tc.message) })
	}
	if n := len(s.api.Resources.ResourceNames(kindQueue)); n != 2 {
		t.Errorf("%d queues after refused requests", n)
	}
	// The refused SetQueueAttributes calls changed nothing, the good
	// attribute beside a bad one included; no refused send was stored.
	attrs := must(s.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})).Attributes
	if attrs["DelaySeconds"] != "0" || attrs["RedriveAllowPolicy"] != "" || attrs["ApproximateNumberOfMessages"] != "0" {
		t.Errorf("attributes after refused requests: %v", attrs)
	}
}

// TestSQSStandardQueueExtras: what SQS's standard queues take beyond the
// basics: a MessageGroupId (fair queues), answered on receive; a valid
// RedriveAllowPolicy; a batch whose total is over the queue's
// MaximumMessageSize but within SQS's batch limit.
func TestSQSStandardQueueExtras(t *testing.T) {
	s := startSQS(t)
	ctx := t.Context()
	url := s.create(t, "small", map[string]string{"MaximumMessageSize": "1024",
		"RedriveAllowPolicy": `{"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:us-east-1:123456789012:src"]}`})
	must(s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("one"), MessageGroupId: aws.String("tenant-1")}))
	var es []types.SendMessageBatchRequestEntry
	for i := range 3 {
		es = append(es, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String(strings.Repeat("x", 1000)), MessageGroupId: aws.String("tenant-2")})
	}
	out := must(s.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: es}))
	if len(out.Successful) != 3 || len(out.Failed) != 0 {
		t.Fatalf("batch of 3,000 bytes to a 1,024-byte queue: %d sent, failed %+v", len(out.Successful), out.Failed)
	}
	got := s.receive(t, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
	groups := map[string]int{}
	for _, m := range got {
		groups[m.Attributes["MessageGroupId"]]++
	}
	if len(got) != 4 || groups["tenant-1"] != 1 || groups["tenant-2"] != 3 {
		t.Errorf("received %d messages, groups %v", len(got), groups)
	}
	// Asked for other attributes only, no group id.
	must(s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("two"), MessageGroupId: aws.String("tenant-1")}))
	got = s.receive(t, &sqs.ReceiveMessageInput{QueueUrl: &url, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"SentTimestamp"}})
	if len(got) != 1 || got[0].Attributes["MessageGroupId"] != "" || got[0].Attributes["SentTimestamp"] == "" {
		t.Errorf("receive asking for SentTimestamp: %+v", got)
	}
	attrs := must(s.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"RedriveAllowPolicy"}})).Attributes
	if !strings.Contains(attrs["RedriveAllowPolicy"], "byQueue") {
		t.Errorf("RedriveAllowPolicy %q", attrs["RedriveAllowPolicy"])
	}
}

// TestSQSVisibilityLimit: a received message stays invisible at most 12
// hours after its receive; ChangeMessageVisibility past that is refused
// with AWS's message, and a change within it works.
func TestSQSVisibilityLimit(t *testing.T) {
	s := startSQS(t)
	ctx := t.Context()
	url := s.create(t, "q", nil)
	s.send(t, url, "long job")
	got := s.receive(t, &sqs.ReceiveMessageInput{QueueUrl: &url})
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	_, err := s.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: got[0].ReceiptHandle, VisibilityTimeout: 43200})
	wantSQSError(t, err, "InvalidParameterValue", "Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]")
	must(s.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: got[0].ReceiptHandle, VisibilityTimeout: 43000}))
	cb := must(s.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
		{Id: aws.String("ok"), ReceiptHandle: got[0].ReceiptHandle, VisibilityTimeout: 60},
		{Id: aws.String("late"), ReceiptHandle: got[0].ReceiptHandle, VisibilityTimeout: 43200},
	}}))
	if len(cb.Successful) != 1 || len(cb.Failed) != 1 || *cb.Failed[0].Id != "late" || !strings.Contains(aws.ToString(cb.Failed[0].Message), "beyond the limit") {
		t.Errorf("batch: ok %+v, failed %+v", cb.Successful, cb.Failed)
	}
}

func TestSQSSendReceive(t *testing.T) {
	s := startSQS(t)
	ctx := t.Context()
	// VisibilityTimeout 0 on the queue: the SDK leaves a 0 in a request out.
	url := s.create(t, "q", map[string]string{"VisibilityTimeout": "0"})
	attrs := map[string]types.MessageAttributeValue{
		"colour":      {DataType: aws.String("String"), StringValue: aws.String("blue")},
		"count":       {DataType: aws.String("Number"), StringValue: aws.String("12.5")},
		"blob":        {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2, 255}},
		"trace.id":    {DataType: aws.String("String.uuid"), StringValue: aws.String("abc")},
		"trace.other": {DataType: aws.String("String"), StringValue: aws.String("é€😀")},
	}
	body := "héllo\n\t€😀"
	// The SDK checks MD5OfMessageBody and MD5OfMessageAttributes itself.
	sent, err := s.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body, MessageAttributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	if len(*sent.MessageId) != 36 || sent.MD5OfMessageAttributes == nil {
		t.Errorf("SendMessage answer %+v", sent)
	}
	for _, tc := range []struct {
		name  string
		names []string
		want  []string
	}{
		{"all", []string{"All"}, []string{"blob", "colour", "count", "trace.id", "trace.other"}},
		{"one", []string{"colour"}, []string{"colour"}},
		{"prefix", []string{"trace.*"}, []string{"trace.id", "trace.other"}},
		{"none", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs := s.receive(t, &sqs.ReceiveMessageInput{QueueUrl: &url, MessageAttributeNames: tc.names,
				MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
			if len(msgs) != 1 {
				t.Fatalf("%d messages", len(msgs))
			}
			m := msgs[0]
			if *m.Body != body || *m.MessageId != *sent.MessageId {
				t.Errorf("message %q %s", *m.Body, *m.MessageId)
			}
			var got []string
			for k := range m.MessageAttributes {
				got = append(got, k)
			}
			if fmt.Sprint(sorted(got)) != fmt.Sprint(tc.want) {
				t.Errorf("attributes %v, want %v", sorted(got), tc.want)
			}
			if m.Attributes["SenderId"] != testKeyID {
				t.Errorf("SenderId %q", m.Attributes["SenderId"])
			}
			for _, k := range []string{"SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"} {
				if _, err := strconv.ParseInt(m.Attributes[k], 10, 64); err != nil {
					t.Errorf("%s = %q", k, m.Attributes[k])
				}
			}
			if b := m.MessageAttributes["blob"].BinaryValue; tc.name == "all" && string(b) != "\x00\x01\x02\xff" {
				t.Errorf("binary value %v", b)
			}
		})
	}
	// A batch with one bad entry sends the others.
	out, err := s.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("good"), MessageBody: aws.String("one"), MessageAttributes: map[string]types.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}},
		{Id: aws.String("bad"), MessageBody: aws.String("\x00")},
		{Id: aws.String("delayed"), MessageBody: aws.String("later"), DelaySeconds: 60},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 2 || len(out.Failed) != 1 || *out.Failed[0].Id != "bad" || *out.Failed[0].Code != "InvalidMessageContents" || !out.Failed[0].SenderFault {
		t.Errorf("batch: %+v %+v", out.Successful, out.Failed)
	}
	counts := must(s.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})).Attributes
	if counts["ApproximateNumberOfMessages"] != "2" || counts["ApproximateNumberOfMessagesDelayed"] != "1" {
		t.Errorf("counts %v", counts)
	}
	// Receive both, delete one by one and one in a batch with a bad receipt.
	msgs := s.receive(t, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	must(s.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: msgs[0].ReceiptHandle}))
	del := must(s.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("ok"), ReceiptHandle: msgs[1].ReceiptHandle}, {Id: aws.String("junk"), ReceiptHandle: aws.String("junk")}}}))
	if len(del.Successful) != 1 || len(del.Failed) != 1 || *del.Failed[0].Code != "ReceiptHandleIsInvalid" {
		t.Errorf("DeleteMessageBatch: %+v %+v", del.Successful, del.Failed)
	}
	counts = must(s.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})).Attributes
	if counts["ApproximateNumberOfMessages"] != "0" || counts["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("counts after deletes %v", counts)
	}
	// Purge, once a minute.
	must(s.client.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url}))
	_, err = s.client.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url})
	wantSQSError(t, err, "AWS.SimpleQueueService.PurgeQueueInProgress", "Only one PurgeQueue operation on q is allowed every 60 seconds.")
	if c := must(s.msgs.Counts(ctx, "q")); c.Delayed != 0 {
		t.Errorf("after purge %+v", c)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func TestSQSVisibility(t *testing.T) {
	s := startSQS(t)
	ctx := t.Context()
	url := s.create(t, "q", map[string]string{"VisibilityTimeout": "1"})
	id := s.send(t, url, "again")
	first := s.receive(t, &sqs.ReceiveMessageInput{QueueUrl: &url, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"}})
	if len(first) != 1 || first[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("first receive %+v", first)
	}
	if again := s.receive(t, &sqs.ReceiveMessageInput{QueueUrl: &url}); len(again) != 0 {
		t.Fatal("an in-flight message was received again")
	}
	// After the visibility timeout it comes back, received twice.
	check.For(t, 5*time.Second, 100*time.Millisecond, func() error {
		msgs := s.receive(t, &sqs.ReceiveMessageInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
		if len(msgs) != 1 {
			return errors.New("not visible again yet")
		}
		if *msgs[0].MessageId != id || msgs[0].Attributes["ApproximateReceiveCount"] != "2" {
			t.Fatalf("came back as %+v", msgs[0])
		}
		// ChangeMessageVisibility 0 makes it visible at once.
		must(s.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: 0}))
		return nil
	})
	msgs := s.receive(t, &sqs.ReceiveMessageInput{QueueUrl: &url, VisibilityTimeout: 30})
	if len(msgs) != 1 {
		t.Fatal("ChangeMessageVisibility 0 did not make it visible")
	}
	cb := must(s.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
		{Id: aws.String("a"), ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: 0},
		{Id: aws.String("b"), ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: 50000},
	}}))
	if len(cb.Successful) != 1 || len(cb.Failed) != 1 || *cb.Failed[0].Code != "InvalidParameterValue" {
		t.Errorf("batch %+v %+v", cb.Successful, cb.Failed)
	}
}

func TestSQSLongPoll(t *testing.T) {
	s := startSQS(t)
	url := s.create(t, "q", map[string]string{"ReceiveMessageWaitTimeSeconds": "20"})
	go func() {
		time.Sleep(300 * time.Millisecond)
		s.api.SendMessage(context.Background(), &SendMessageInput{QueueUrl: &url, MessageBody: aws.String("late")})
	}()
	start := time.Now()
	// No WaitTimeSeconds: the queue's 20 seconds apply, and the receive ends
	// as soon as the message arrives.
	msgs := s.receive(t, &sqs.ReceiveMessageInput{QueueUrl: &url})
	if len(msgs) != 1 || *msgs[0].Body != "late" {
		t.Fatalf("long poll answered %+v", msgs)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 10*time.Second {
		t.Errorf("long poll took %v", d)
	}
	// An empty wait ends when it is over.
	start = time.Now()
	if msgs := s.receive(t, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 1}); len(msgs) != 0 {
		t.Fatalf("got %d", len(msgs))
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("a 1 s wait took %v", d)
	}
}

func TestSQSRedrive(t *testing.T) {
	s := startSQS(t)
	ctx := t.Context()
	dlq := s.create(t, "dead", nil)
	url := s.create(t, "work", map[string]string{
		"VisibilityTimeout": "0",
		"RedrivePolicy":     `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dead","maxReceiveCount":"2"}`,
	})
	id := s.send(t, url, "poison")
	keep := s.send(t, url, "fine")
	_ = keep
	seen := map[string]int{}
	for range 2 {
		for _, m := range s.receive(t, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10}) {
			seen[*m.Body]++
		}
	}
	if seen["poison"] != 2 {
		t.Fatalf("received %v", seen)
	}
	// The third receive moves both to the dead-letter queue and answers none.
	if msgs := s.receive(t, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10}); len(msgs) != 0 {
		t.Fatalf("received %d past maxReceiveCount", len(msgs))
	}
	msgs := s.receive(t, &sqs.ReceiveMessageInput{QueueUrl: &dlq, MaxNumberOfMessages: 10, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
	if len(msgs) != 2 {
		t.Fatalf("%d in the dead-letter queue", len(msgs))
	}
	found := false
	for _, m := range msgs {
		if *m.MessageId == id {
			found = true
		}
	}
	if !found {
		t.Error("the dead-lettered message has another id")
	}
	attrs := must(s.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"RedrivePolicy"}}))
	if !strings.Contains(attrs.Attributes["RedrivePolicy"], "dead") {
		t.Errorf("RedrivePolicy %q", attrs.Attributes["RedrivePolicy"])
	}
	// Removing it stops the redrive.
	must(s.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"RedrivePolicy": ""}}))
	attrs = must(s.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}}))
	if _, ok := attrs.Attributes["RedrivePolicy"]; ok {
		t.Error("RedrivePolicy still set")
	}
}

func TestSQSNotConfigured(t *testing.T) {
	srv := &Server{EventBridge: &EventBridge{Store: NewMemoryStore(nil), Place: testPlace},
		Verifier: &sigv4.Verifier{Service: "events", Region: testPlace.Region}}
	h := httptest.NewServer(srv.Handler())
	defer h.Close()
	_, err := newSQSClient(h.URL, testKeyID, testSecret).ListQueues(t.Context(), &sqs.ListQueuesInput{})
	wantSQSError(t, err, "AWS.SimpleQueueService.UnsupportedOperation", "This trailbridge server does not serve queues")
}
