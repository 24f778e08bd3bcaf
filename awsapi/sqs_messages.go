package awsapi

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	tb "github.com/trailbridge/trailbridge"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// MessageAttributeValue is a message attribute as SQS's API carries it.
// The list members are reserved by AWS and refused.
type MessageAttributeValue struct {
	DataType         *string
	StringValue      *string  `json:",omitempty"`
	BinaryValue      []byte   `json:",omitempty"`
	StringListValues []string `json:",omitempty" query:"StringListValue"`
	BinaryListValues [][]byte `json:",omitempty" query:"BinaryListValue"`
}

// SendMessageInput is SendMessage's request.
type SendMessageInput struct {
	QueueUrl                *string
	MessageBody             *string
	DelaySeconds            *int
	MessageAttributes       map[string]MessageAttributeValue `query:"MessageAttribute"`
	MessageSystemAttributes map[string]MessageAttributeValue `query:"MessageSystemAttribute"`
	MessageDeduplicationId  *string
	MessageGroupId          *string
}

// SendMessageOutput is SendMessage's answer.
type SendMessageOutput struct {
	MD5OfMessageBody             string
	MD5OfMessageAttributes       string `json:",omitempty"`
	MD5OfMessageSystemAttributes string `json:",omitempty"`
	MessageId                    string
}

// SendMessageBatchRequestEntry is one message of SendMessageBatch.
type SendMessageBatchRequestEntry struct {
	Id                      *string
	MessageBody             *string
	DelaySeconds            *int
	MessageAttributes       map[string]MessageAttributeValue `query:"MessageAttribute"`
	MessageSystemAttributes map[string]MessageAttributeValue `query:"MessageSystemAttribute"`
	MessageDeduplicationId  *string
	MessageGroupId          *string
}

// SendMessageBatchInput is SendMessageBatch's request.
type SendMessageBatchInput struct {
	QueueUrl *string
	Entries  []SendMessageBatchRequestEntry `query:"SendMessageBatchRequestEntry"`
}

// SendMessageBatchResultEntry is a message SendMessageBatch sent.
type SendMessageBatchResultEntry struct {
	Id                           string
	MessageId                    string
	MD5OfMessageBody             string
	MD5OfMessageAttributes       string `json:",omitempty"`
	MD5OfMessageSystemAttributes string `json:",omitempty"`
}

// BatchResultErrorEntry is an entry of a batch that failed.
type BatchResultErrorEntry struct {
	Id          string
	SenderFault bool
	Code        string
	Message     string `json:",omitempty"`
}

// SendMessageBatchOutput is SendMessageBatch's answer.
type SendMessageBatchOutput struct {
	Successful []SendMessageBatchResultEntry `query:"SendMessageBatchResultEntry"`
	Failed     []BatchResultErrorEntry       `query:"BatchResultErrorEntry"`
}

// ReceiveMessageInput is ReceiveMessage's request.
type ReceiveMessageInput struct {
	QueueUrl                    *string
	AttributeNames              []string `query:"AttributeName"`
	MessageSystemAttributeNames []string `query:"MessageSystemAttributeName"`
	MessageAttributeNames       []string `query:"MessageAttributeName"`
	MaxNumberOfMessages         *int
	VisibilityTimeout           *int
	WaitTimeSeconds             *int
	ReceiveRequestAttemptId     *string
}

// Message is a received message.
type Message struct {
	MessageId              string
	ReceiptHandle          string
	MD5OfBody              string
	Body                   string
	Attributes             map[string]string                `json:",omitempty" query:"Attribute"`
	MD5OfMessageAttributes string                           `json:",omitempty"`
	MessageAttributes      map[string]MessageAttributeValue `json:",omitempty" query:"MessageAttribute"`
}

// ReceiveMessageOutput is ReceiveMessage's answer.
type ReceiveMessageOutput struct {
	Messages []Message `json:",omitempty" query:"Message"`
}

// DeleteMessageInput is DeleteMessage's request.
type DeleteMessageInput struct {
	QueueUrl      *string
	ReceiptHandle *string
}

// DeleteMessageBatchRequestEntry is one receipt of DeleteMessageBatch.
type DeleteMessageBatchRequestEntry struct {
	Id            *string
	ReceiptHandle *string
}

// DeleteMessageBatchInput is DeleteMessageBatch's request.
type DeleteMessageBatchInput struct {
	QueueUrl *string
	Entries  []DeleteMessageBatchRequestEntry `query:"DeleteMessageBatchRequestEntry"`
}

// BatchResultEntry is an entry of a batch that succeeded.
type BatchResultEntry struct {
	Id string
}

// DeleteMessageBatchOutput is DeleteMessageBatch's answer.
type DeleteMessageBatchOutput struct {
	Successful []BatchResultEntry      `query:"DeleteMessageBatchResultEntry"`
	Failed     []BatchResultErrorEntry `query:"BatchResultErrorEntry"`
}

// ChangeMessageVisibilityInput is ChangeMessageVisibility's request.
type ChangeMessageVisibilityInput struct {
	QueueUrl          *string
	ReceiptHandle     *string
	VisibilityTimeout *int
}

// ChangeMessageVisibilityBatchRequestEntry is one receipt of
// ChangeMessageVisibilityBatch.
type ChangeMessageVisibilityBatchRequestEntry struct {
	Id                *string
	ReceiptHandle     *string
	VisibilityTimeout *int
}

// ChangeMessageVisibilityBatchInput is ChangeMessageVisibilityBatch's
// request.
type ChangeMessageVisibilityBatchInput struct {
	QueueUrl *string
	Entries  []ChangeMessageVisibilityBatchRequestEntry `query:"ChangeMessageVisibilityBatchRequestEntry"`
}

// ChangeMessageVisibilityBatchOutput is ChangeMessageVisibilityBatch's
// answer.
type ChangeMessageVisibilityBatchOutput struct {
	Successful []BatchResultEntry      `query:"ChangeMessageVisibilityBatchResultEntry"`
	Failed     []BatchResultErrorEntry `query:"BatchResultErrorEntry"`
}

// ---- checks ----

// badChar returns the first character SQS does not allow in a message
// (#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to
// #x10FFFF); ok is false when there is none. Invalid UTF-8 counts as
// U+FFFD, which is what a JSON or form decoder made of it already.
func badChar(s string) (rune, bool) {
	for _, r := range s {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD:
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return r, true
		}
	}
	return 0, false
}

const allowedChars = "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"

var (
	reAttrName = regexp.MustCompile(`^[A-Za-z0-9_\-.]{1,256}$`)
	reBatchID  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
	reNumber   = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)
)

// checkMessageAttributes validates message attributes as SQS does and
// returns their size, which counts toward the message size limit.
func checkMessageAttributes(attrs map[string]MessageAttributeValue) (int, error) {
	if len(attrs) > maxMessageAttributes {
		return 0, tb.Errorf(sqsInvalidParameterValue, "Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), maxMessageAttributes)
	}
	size := 0
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		a := attrs[name]
		lower := strings.ToLower(name)
		if !reAttrName.MatchString(name) || strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") ||
			strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
			return 0, tb.Errorf(sqsInvalidParameterValue, "Message (user) attribute name '%s' is invalid. Attribute names can contain alphanumeric characters, hyphens (-), underscores (_) and periods (.); they must not start or end with a period, have two periods in a row, or start with AWS. or Amazon.", name)
		}
		if a.DataType == nil || *a.DataType == "" {
			return 0, tb.Errorf(sqsInvalidParameterValue, "The message attribute '%s' must contain non-empty message attribute type.", name)
		}
		dt := *a.DataType
		base, _, _ := strings.Cut(dt, ".")
		if (base != "String" && base != "Number" && base != "Binary") || len(dt) > 256 {
			return 0, tb.Errorf(sqsInvalidParameterValue, "The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
		}
		if len(a.StringListValues) > 0 || len(a.BinaryListValues) > 0 {
			return 0, tb.Errorf(sqsInvalidParameterValue, "Message (user) attribute '%s': StringListValues and BinaryListValues are reserved by AWS and not supported.", name)
		}
		size += len(name) + len(dt)
		switch base {
		case "Binary":
			if len(a.BinaryValue) == 0 || a.StringValue != nil {
				return 0, tb.Errorf(sqsInvalidParameterValue, "The message attribute '%s' with type 'Binary' must use field 'Binary'.", name)
			}
			size += len(a.BinaryValue)
		default:
			if a.StringValue == nil || *a.StringValue == "" || a.BinaryValue != nil {
				return 0, tb.Errorf(sqsInvalidParameterValue, "The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, base)
			}
			v := *a.StringValue
			if r, bad := badChar(v); bad {
				return 0, tb.Errorf(sqsInvalidParameterValue, "Message (user) attribute '%s' value contains invalid binary character '#x%X'. You must use only the following supported characters: %s.", name, r, allowedChars)
			}
			if base == "Number" && !validNumber(v) {
				return 0, tb.Errorf(sqsInvalidParameterValue, "Can't cast the value of message (user) attribute '%s' to a number.", name)
			}
			size += len(v)
		}
	}
	return size, nil
}

// validNumber says whether s is a number SQS takes: up to 38 significant
// digits, between -10^128 and 10^126.
func validNumber(s string) bool {
	if !reNumber.MatchString(s) {
		return false
	}
	f, _, err := big.ParseFloat(s, 10, 256, big.ToNearestEven)
	if err != nil {
		return false
	}
	lo, _, _ := big.ParseFloat("-1e128", 10, 256, big.ToNearestEven)
	hi, _, _ := big.ParseFloat("1e126", 10, 256, big.ToNearestEven)
	if f.Cmp(lo) < 0 || f.Cmp(hi) > 0 {
		return false
	}
	mant, _, _ := strings.Cut(strings.ToLower(strings.TrimLeft(s, "+-")), "e")
	digits := strings.Trim(strings.ReplaceAll(mant, ".", ""), "0")
	return len(digits) <= 38
}

// checkSystemAttributes allows what SQS allows: AWSTraceHeader, a String.
// trailbridge checks and forgets it: the MessageStore keeps no system
// attributes but its own.
func checkSystemAttributes(attrs map[string]MessageAttributeValue) error {
	for name, a := range attrs {
		if name != "AWSTraceHeader" {
			return tb.Errorf(sqsInvalidParameterValue, "Message system attribute name '%s' is invalid.", name)
		}
		if a.DataType == nil || *a.DataType != "String" || a.StringValue == nil || *a.StringValue == "" {
			return tb.Errorf(sqsInvalidParameterValue, "Message system attribute '%s' must have type String and a non-empty value.", name)
		}
	}
	return nil
}

// md5Hex is the hex MD5 of s.
func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// md5OfAttributes is SQS's MD5OfMessageAttributes: over the attributes in
// name order, each as length-prefixed (4 bytes, big endian) name and data
// type, a transport byte (1 for String and Number, 2 for Binary) and the
// length-prefixed value. Empty when there are none.
func md5OfAttributes(attrs map[string]tb.MessageAttribute) string {
	if len(attrs) == 0 {
		return ""
	}
	h := md5.New()
	put := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		a := attrs[name]
		put([]byte(name))
		put([]byte(a.DataType))
		if strings.HasPrefix(a.DataType, "Binary") {
			h.Write([]byte{2})
			put(a.BinaryValue)
		} else {
			h.Write([]byte{1})
			put([]byte(deref(a.StringValue)))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func toDomainAttrs(in map[string]MessageAttributeValue) map[string]tb.MessageAttribute {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]tb.MessageAttribute, len(in))
	for k, v := range in {
		out[k] = tb.MessageAttribute{DataType: deref(v.DataType), StringValue: v.StringValue, BinaryValue: v.BinaryValue}
	}
	return out
}

func fromDomainAttrs(in map[string]tb.MessageAttribute) map[string]MessageAttributeValue {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]MessageAttributeValue, len(in))
	for k, v := range in {
		out[k] = MessageAttributeValue{DataType: ptr(v.DataType), StringValue: v.StringValue, BinaryValue: v.BinaryValue}
	}
	return out
}

// newMessage checks one message to send to sq and makes it; size is its
// size for the batch limit.
func (q *SQS) newMessage(ctx context.Context, sq *storedQueue, body *string, delay *int, attrs, sys map[string]MessageAttributeValue, now time.Time) (msg tb.QueueMessage, size int, err error) {
	if body == nil || *body == "" {
		return msg, 0, errMissing("MessageBody")
	}
	if r, bad := badChar(*body); bad {
		return msg, 0, tb.Errorf(sqsInvalidMessageContents, "Invalid binary character '#x%X' was found in the message body, the set of allowed characters is %s", r, allowedChars)
	}
	d := sq.intAttr(attrDelaySeconds)
	if delay != nil {
		if *delay < 0 || *delay > maxDelaySeconds {
			return msg, 0, tb.Errorf(sqsInvalidParameterValue, "Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", *delay)
		}
		d = *delay
	}
	asize, err := checkMessageAttributes(attrs)
	if err != nil {
		return msg, 0, err
	}
	if err := checkSystemAttributes(sys); err != nil {
		return msg, 0, err
	}
	size = len(*body) + asize
	if max := sq.intAttr(attrMaximumMessageSize); size > max {
		return msg, 0, tb.Errorf(sqsInvalidParameterValue, "One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", max)
	}
	sender := callOf(ctx).accessKey
	if sender == "" {
		sender = q.Place.Account
	}
	return tb.QueueMessage{
		ID:         newID(),
		Body:       *body,
		Attributes: toDomainAttrs(attrs),
		SentAt:     now,
		Delay:      time.Duration(d) * time.Second,
		SenderID:   sender,
	}, size, nil
}

// checkStandardSend checks a send's FIFO-shaped parameters for a standard
// queue: a MessageGroupId is taken (standard queues use it for fair
// queueing, and ReceiveMessage answers it), a MessageDeduplicationId is not
// valid for the queue type.
func checkStandardSend(group, dedup *string) error {
	if dedup != nil {
		return tb.Errorf(sqsInvalidParameterValue, "The request include parameter that is not valid for this queue type")
	}
	if group == nil {
		return nil
	}
	g := *group
	ok := len(g) >= 1 && len(g) <= maxGroupIDLen
	for i := 0; ok && i < len(g); i++ {
		// Alphanumeric and punctuation characters, as SQS allows.
		ok = g[i] > ' ' && g[i] < 0x7f
	}
	if !ok {
		return tb.Errorf(sqsInvalidParameterValue, "Value %s for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to %d in length.", g, maxGroupIDLen)
	}
	return nil
}

// SendMessage sends a message.
func (q *SQS) SendMessage(ctx context.Context, in *SendMessageInput) (*SendMessageOutput, error) {
	sq, err := q.existing(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if err := checkStandardSend(in.MessageGroupId, in.MessageDeduplicationId); err != nil {
		return nil, err
	}
	msg, _, err := q.newMessage(ctx, sq, in.MessageBody, in.DelaySeconds, in.MessageAttributes, in.MessageSystemAttributes, q.nowMilli())
	if err != nil {
		return nil, err
	}
	if in.MessageGroupId != nil {
		msg.GroupID = *in.MessageGroupId
	}
	if err := q.Messages.Send(ctx, sq.Name, []tb.QueueMessage{msg}); err != nil {
		return nil, q.storeErr(sq.Name, err)
	}
	return &SendMessageOutput{
		MD5OfMessageBody:             md5Hex(msg.Body),
		MD5OfMessageAttributes:       md5OfAttributes(msg.Attributes),
		MD5OfMessageSystemAttributes: md5OfAttributes(toDomainAttrs(in.MessageSystemAttributes)),
		MessageId:                    msg.ID,
	}, nil
}

// SendToQueue puts a message from inside trailbridge (a queue target's
// delivery, a dead letter) on the queue called name, with SendMessage's
// checks of body, attributes and size and the queue's own delay. The
// message keeps its id, sender and group id. A queue that does not exist is
// an error wrapping tb.ErrNoQueue; a message SendMessage would refuse is a
// *tb.Error.
func (q *SQS) SendToQueue(ctx context.Context, name string, m tb.QueueMessage) error {
	if q.Resources.Resource(kindQueue, name) == nil {
		return fmt.Errorf("queue %s: %w", name, tb.ErrNoQueue)
	}
	sq, err := q.load(name)
	if err != nil {
		return err
	}
	sentAt := m.SentAt
	if sentAt.IsZero() {
		sentAt = q.nowMilli()
	}
	msg, _, err := q.newMessage(ctx, sq, &m.Body, nil, fromDomainAttrs(m.Attributes), nil, sentAt.Truncate(time.Millisecond))
	if err != nil {
		return err
	}
	if m.ID != "" {
		msg.ID = m.ID
	}
	if m.SenderID != "" {
		msg.SenderID = m.SenderID
	}
	msg.GroupID = m.GroupID
	if err := q.Messages.Send(ctx, sq.Name, []tb.QueueMessage{msg}); err != nil {
		if isNoQueue(err) {
			return fmt.Errorf("queue %s: %w", name, tb.ErrNoQueue)
		}
		return fmt.Errorf("queue %s: %w", name, err)
	}
	return nil
}

// nowMilli is now at the millisecond precision of SentTimestamp.
func (q *SQS) nowMilli() time.Time { return q.now().Truncate(time.Millisecond) }

// checkBatch applies SQS's rules for batch entries: 1 to 10, ids valid
// and distinct.
func checkBatch(ids []*string, entryName string) error {
	if len(ids) == 0 {
		return tb.Errorf(sqsEmptyBatchRequest, "There should be at least one %s in the request.", entryName)
	}
	if len(ids) > maxBatchEntries {
		return tb.Errorf(sqsTooManyEntries, "Maximum number of entries per request are %d. You have sent %d.", maxBatchEntries, len(ids))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if id == nil || !reBatchID.MatchString(*id) {
			return tb.Errorf(sqsInvalidBatchEntryID, "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
		if seen[*id] {
			return tb.Errorf(sqsBatchEntryIdsNotDistint, "Id %s repeated.", *id)
		}
		seen[*id] = true
	}
	return nil
}

// batchFailure is a failed entry with the code SDKs know it by.
func batchFailure(id string, err error) (BatchResultErrorEntry, error) {
	var e *tb.Error
	if !errors.As(err, &e) {
		return BatchResultErrorEntry{}, err
	}
	w := sqsWire(e)
	return BatchResultErrorEntry{Id: id, SenderFault: w.fault == "Sender", Code: w.queryCode, Message: e.Message}, nil
}

// SendMessageBatch sends up to 10 messages; entries that are not valid fail
// alone.
func (q *SQS) SendMessageBatch(ctx context.Context, in *SendMessageBatchInput) (*SendMessageBatchOutput, error) {
	sq, err := q.existing(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids := make([]*string, len(in.Entries))
	for i := range in.Entries {
		ids[i] = in.Entries[i].Id
	}
	if err := checkBatch(ids, "SendMessageBatchRequestEntry"); err != nil {
		return nil, err
	}
	now := q.nowMilli()
	out := &SendMessageBatchOutput{Successful: []SendMessageBatchResultEntry{}, Failed: []BatchResultErrorEntry{}}
	var msgs []tb.QueueMessage
	var ok []SendMessageBatchResultEntry
	total := 0
	for _, e := range in.Entries {
		var msg tb.QueueMessage
		size := 0
		err := error(nil)
		if err = checkStandardSend(e.MessageGroupId, e.MessageDeduplicationId); err == nil {
			msg, size, err = q.newMessage(ctx, sq, e.MessageBody, e.DelaySeconds, e.MessageAttributes, e.MessageSystemAttributes, now)
		}
		if err == nil && e.MessageGroupId != nil {
			msg.GroupID = *e.MessageGroupId
		}
		if err != nil {
			f, err := batchFailure(*e.Id, err)
			if err != nil {
				return nil, err
			}
			out.Failed = append(out.Failed, f)
			continue
		}
		total += size
		msgs = append(msgs, msg)
		ok = append(ok, SendMessageBatchResultEntry{
			Id: *e.Id, MessageId: msg.ID, MD5OfMessageBody: md5Hex(msg.Body),
			MD5OfMessageAttributes:       md5OfAttributes(msg.Attributes),
			MD5OfMessageSystemAttributes: md5OfAttributes(toDomainAttrs(e.MessageSystemAttributes)),
		})
	}
	if total > maxBatchBytes {
		return nil, tb.Errorf(sqsBatchRequestTooLong, "Batch requests cannot be longer than %d bytes. You have sent %d bytes.", maxBatchBytes, total)
	}
	if len(msgs) > 0 {
		if err := q.Messages.Send(ctx, sq.Name, msgs); err != nil {
			return nil, q.storeErr(sq.Name, err)
		}
	}
	out.Successful = append(out.Successful, ok...)
	return out, nil
}

// systemAttrNames are the system attributes ReceiveMessage can answer for
// a standard queue.
var systemAttrNames = []string{"SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp", "MessageGroupId"}

// ReceiveMessage receives up to MaxNumberOfMessages messages, waiting up
// to WaitTimeSeconds (the queue's ReceiveMessageWaitTimeSeconds when not
// given) for the first. A message received more often than its queue's
// RedrivePolicy allows moves to the dead-letter queue instead, and the
// receive goes on filling.
func (q *SQS) ReceiveMessage(ctx context.Context, in *ReceiveMessageInput) (*ReceiveMessageOutput, error) {
	sq, err := q.existing(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	max := 1
	if in.MaxNumberOfMessages != nil {
		max = *in.MaxNumberOfMessages
		if max < 1 || max > maxReceiveMessagesPerCall {
			return nil, tb.Errorf(sqsInvalidParameterValue, "Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", max)
		}
	}
	vis := sq.intAttr(attrVisibilityTimeout)
	if in.VisibilityTimeout != nil {
		vis = *in.VisibilityTimeout
		if vis < 0 || vis > maxVisibilityTimeout {
			return nil, tb.Errorf(sqsInvalidParameterValue, "Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.", vis)
		}
	}
	wait := sq.intAttr(attrReceiveWait)
	if in.WaitTimeSeconds != nil {
		wait = *in.WaitTimeSeconds
		if wait < 0 || wait > maxWaitTimeSeconds {
			return nil, tb.Errorf(sqsInvalidParameterValue, "Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", wait)
		}
	}
	wantSys := map[string]bool{}
	for _, n := range slices.Concat(in.AttributeNames, in.MessageSystemAttributeNames) {
		if n == "All" {
			for _, s := range systemAttrNames {
				wantSys[s] = true
			}
		}
		wantSys[n] = true
	}
	dlq, maxReceives, redrive := parseRedrive(sq.Attributes[attrRedrivePolicy])
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	out := &ReceiveMessageOutput{}
	for {
		left := time.Until(deadline)
		if left < 0 || len(out.Messages) > 0 {
			left = 0
		}
		got, err := q.Messages.Receive(ctx, sq.Name, max-len(out.Messages), time.Duration(vis)*time.Second, left)
		if err != nil {
			return nil, q.storeErr(sq.Name, err)
		}
		moved := 0
		for _, m := range got {
			if redrive && m.ReceiveCount > maxReceives {
				if err := q.deadLetter(ctx, sq.Name, dlq, m); err != nil {
					return nil, err
				}
				moved++
				continue
			}
			out.Messages = append(out.Messages, toMessage(m, wantSys, in.MessageAttributeNames))
		}
		// Done when full, or when nothing was moved: the store answered
		// what it had, or the wait ran out. A moved message frees a place, so
		// the receive goes on with the wait that is left.
		if len(out.Messages) >= max || moved == 0 {
			return out, nil
		}
	}
}

// deadLetter moves a message from queue name to its dead-letter queue dlq,
// keeping its id, attributes and sent time. When the dead-letter queue is
// gone the message stays, as on AWS.
func (q *SQS) deadLetter(ctx context.Context, name, dlq string, m tb.ReceivedMessage) error {
	msg := m.QueueMessage
	msg.Delay = 0
	if err := q.Messages.Send(ctx, dlq, []tb.QueueMessage{msg}); err != nil {
		if isNoQueue(err) {
			return nil
		}
		return fmt.Errorf("move message to dead-letter queue %s: %w", dlq, err)
	}
	if err := q.Messages.Delete(ctx, name, m.Receipt); err != nil && !errors.Is(err, tb.ErrInvalidReceipt) {
		return q.storeErr(name, err)
	}
	return nil
}

// toMessage shapes a received message with the system attributes and
// message attributes asked for.
func toMessage(m tb.ReceivedMessage, wantSys map[string]bool, attrNames []string) Message {
	out := Message{MessageId: m.ID, ReceiptHandle: m.Receipt, MD5OfBody: md5Hex(m.Body), Body: m.Body}
	sys := map[string]string{}
	if wantSys["SenderId"] {
		sys["SenderId"] = m.SenderID
	}
	if wantSys["SentTimestamp"] {
		sys["SentTimestamp"] = strconv.FormatInt(m.SentAt.UnixMilli(), 10)
	}
	if wantSys["ApproximateReceiveCount"] {
		sys["ApproximateReceiveCount"] = strconv.Itoa(m.ReceiveCount)
	}
	if wantSys["ApproximateFirstReceiveTimestamp"] {
		sys["ApproximateFirstReceiveTimestamp"] = strconv.FormatInt(m.FirstReceivedAt.UnixMilli(), 10)
	}
	if wantSys["MessageGroupId"] && m.GroupID != "" {
		sys["MessageGroupId"] = m.GroupID
	}
	if len(sys) > 0 {
		out.Attributes = sys
	}
	attrs := map[string]tb.MessageAttribute{}
	for k, v := range m.Attributes {
		if attrWanted(k, attrNames) {
			attrs[k] = v
		}
	}
	out.MessageAttributes = fromDomainAttrs(attrs)
	out.MD5OfMessageAttributes = md5OfAttributes(attrs)
	return out
}

// attrWanted applies MessageAttributeNames: a name, "All" or ".*", or a
// prefix followed by ".*".
func attrWanted(name string, names []string) bool {
	for _, n := range names {
		if n == "All" || n == ".*" || n == name {
			return true
		}
		if p, ok := strings.CutSuffix(n, ".*"); ok && strings.HasPrefix(name, p+".") {
			return true
		}
	}
	return false
}

func errBadReceipt(r string) error {
	return tb.Errorf(sqsReceiptHandleIsInvalid, "The input receipt handle \"%s\" is not a valid receipt handle.", r)
}

// receiptErr turns a store error about a receipt into the API's.
func (q *SQS) receiptErr(name, receipt string, err error) error {
	if errors.Is(err, tb.ErrInvalidReceipt) {
		return errBadReceipt(receipt)
	}
	return q.storeErr(name, err)
}

func (q *SQS) deleteOne(ctx context.Context, name string, receipt *string) error {
	if receipt == nil || *receipt == "" {
		return errMissing("ReceiptHandle")
	}
	if !utf8.ValidString(*receipt) {
		return errBadReceipt(*receipt)
	}
	if err := q.Messages.Delete(ctx, name, *receipt); err != nil {
		return q.receiptErr(name, *receipt, err)
	}
	return nil
}

// DeleteMessage deletes a received message.
func (q *SQS) DeleteMessage(ctx context.Context, in *DeleteMessageInput) (*Empty, error) {
	sq, err := q.existing(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if err := q.deleteOne(ctx, sq.Name, in.ReceiptHandle); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// DeleteMessageBatch deletes up to 10 received messages.
func (q *SQS) DeleteMessageBatch(ctx context.Context, in *DeleteMessageBatchInput) (*DeleteMessageBatchOutput, error) {
	sq, err := q.existing(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids := make([]*string, len(in.Entries))
	for i := range in.Entries {
		ids[i] = in.Entries[i].Id
	}
	ok, failed, err := runBatch(ids, "DeleteMessageBatchRequestEntry", func(i int) error {
		return q.deleteOne(ctx, sq.Name, in.Entries[i].ReceiptHandle)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteMessageBatchOutput{Successful: ok, Failed: failed}, nil
}

// runBatch checks a batch's entry ids, runs fn for every entry at once
// (each waits for a round trip to the store, and the entries are
// independent) and sorts the outcomes, in the entries' order.
func runBatch(ids []*string, member string, fn func(i int) error) ([]BatchResultEntry, []BatchResultErrorEntry, error) {
	if err := checkBatch(ids, member); err != nil {
		return nil, nil, err
	}
	ok, failed := []BatchResultEntry{}, []BatchResultErrorEntry{}
	for i, err := range eachEntry(len(ids), fn) {
		if err != nil {
			f, err := batchFailure(*ids[i], err)
			if err != nil {
				return nil, nil, err
			}
			failed = append(failed, f)
			continue
		}
		ok = append(ok, BatchResultEntry{Id: *ids[i]})
	}
	return ok, failed, nil
}

// eachEntry runs fn for the n entries of a batch at once and returns
// their errors in order.
func eachEntry(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	if n == 1 {
		errs[0] = fn(0)
		return errs
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	return errs
}

func (q *SQS) changeOne(ctx context.Context, name string, receipt *string, vis *int) error {
	if receipt == nil || *receipt == "" {
		return errMissing("ReceiptHandle")
	}
	if vis == nil {
		return errMissing("VisibilityTimeout")
	}
	if *vis < 0 || *vis > maxVisibilityTimeout {
		return tb.Errorf(sqsInvalidParameterValue, "Value %d for parameter VisibilityTimeout is invalid. Reason: VisibilityTimeout must be an integer between 0 and 43200.", *vis)
	}
	if err := q.Messages.ChangeVisibility(ctx, name, *receipt, time.Duration(*vis)*time.Second); err != nil {
		if errors.Is(err, tb.ErrVisibilityLimit) {
			return tb.Errorf(sqsInvalidParameterValue, "Value %d for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [%d seconds]", *vis, maxVisibilityTimeout)
		}
		return q.receiptErr(name, *receipt, err)
	}
	return nil
}

// ChangeMessageVisibility makes a received message visible again after
// VisibilityTimeout seconds from now.
func (q *SQS) ChangeMessageVisibility(ctx context.Context, in *ChangeMessageVisibilityInput) (*Empty, error) {
	sq, err := q.existing(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if err := q.changeOne(ctx, sq.Name, in.ReceiptHandle, in.VisibilityTimeout); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ChangeMessageVisibilityBatch changes the visibility of up to 10
// received messages.
func (q *SQS) ChangeMessageVisibilityBatch(ctx context.Context, in *ChangeMessageVisibilityBatchInput) (*ChangeMessageVisibilityBatchOutput, error) {
	sq, err := q.existing(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids := make([]*string, len(in.Entries))
	for i := range in.Entries {
		ids[i] = in.Entries[i].Id
	}
	ok, failed, err := runBatch(ids, "ChangeMessageVisibilityBatchRequestEntry", func(i int) error {
		return q.changeOne(ctx, sq.Name, in.Entries[i].ReceiptHandle, in.Entries[i].VisibilityTimeout)
	})
	if err != nil {
		return nil, err
	}
	return &ChangeMessageVisibilityBatchOutput{Successful: ok, Failed: failed}, nil
}
