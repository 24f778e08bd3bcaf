package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	tb "github.com/trailbridge/trailbridge"
)

// kindQueue is the ResourceStore kind of a queue's configuration.
const kindQueue = "queue"

// SQS is the API of trailbridge's built-in queues, served in both of
// SQS's protocols (JSON and query). Queue configuration (attributes, tags,
// times) is a resource of kind "queue" in Resources; messages live in
// Messages. Its methods are safe for concurrent use.
//
// FIFO queues are refused with UnsupportedOperation: trailbridge does not
// support them yet.
type SQS struct {
	Resources ResourceStore
	Messages  tb.MessageStore
	Place     tb.Place
	// Now is the clock of queue timestamps; nil means time.Now.
	Now func() time.Time
	Log *slog.Logger

	cacheMu sync.Mutex
	cache   map[string]cachedQueue // by name

	deletedMu sync.Mutex
	deleted   map[string]time.Time // queues this process deleted, by name, for QueueDeletedRecently
}

// deletedWait is how long SQS refuses to create a queue under the name of
// one just deleted.
const deletedWait = 60 * time.Second

// recentlyDeleted reports whether this process deleted the queue name less
// than deletedWait ago, forgetting deletions older than that.
func (q *SQS) recentlyDeleted(name string) bool {
	q.deletedMu.Lock()
	defer q.deletedMu.Unlock()
	now := q.now()
	for n, at := range q.deleted {
		if now.Sub(at) >= deletedWait {
			delete(q.deleted, n)
		}
	}
	_, ok := q.deleted[name]
	return ok
}

func (q *SQS) now() time.Time {
	if q.Now != nil {
		return q.Now().UTC()
	}
	return time.Now().UTC()
}

// SQS error codes: the shape names of SQS's model, which are the __type of
// JSON errors. sqsQueryCodes maps them to the codes of the query protocol
// (and of the x-amzn-query-error header), which is what SDKs report.
const (
	sqsQueueDoesNotExist       = "QueueDoesNotExist"
	sqsQueueNameExists         = "QueueNameExists"
	sqsReceiptHandleIsInvalid  = "ReceiptHandleIsInvalid"
	sqsInvalidParameterValue   = "InvalidParameterValue"
	sqsMissingParameter        = "MissingParameter"
	sqsInvalidAttributeName    = "InvalidAttributeName"
	sqsInvalidAttributeValue   = "InvalidAttributeValue"
	sqsInvalidMessageContents  = "InvalidMessageContents"
	sqsInvalidAddress          = "InvalidAddress"
	sqsOverLimit               = "OverLimit"
	sqsUnsupportedOperation    = "UnsupportedOperation"
	sqsPurgeQueueInProgress    = "PurgeQueueInProgress"
	sqsQueueDeletedRecently    = "QueueDeletedRecently"
	sqsEmptyBatchRequest       = "EmptyBatchRequest"
	sqsTooManyEntries          = "TooManyEntriesInBatchRequest"
	sqsBatchEntryIdsNotDistint = "BatchEntryIdsNotDistinct"
	sqsBatchRequestTooLong     = "BatchRequestTooLong"
	sqsInvalidBatchEntryID     = "InvalidBatchEntryId"
	sqsInvalidAction           = "InvalidAction"
	sqsMissingAction           = "MissingAction"
	sqsSerialization           = "SerializationException"
	sqsInternalError           = "InternalError"
)

// sqsQueryCodes are the query-protocol codes of the errors whose model
// shape carries an awsQueryError trait with another code; every other code
// is the same in both protocols.
var sqsQueryCodes = map[string]string{
	sqsQueueDoesNotExist:       "AWS.SimpleQueueService.NonExistentQueue",
	sqsQueueNameExists:         "QueueAlreadyExists",
	sqsUnsupportedOperation:    "AWS.SimpleQueueService.UnsupportedOperation",
	sqsPurgeQueueInProgress:    "AWS.SimpleQueueService.PurgeQueueInProgress",
	sqsEmptyBatchRequest:       "AWS.SimpleQueueService.EmptyBatchRequest",
	sqsTooManyEntries:          "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
	sqsBatchEntryIdsNotDistint: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
	sqsBatchRequestTooLong:     "AWS.SimpleQueueService.BatchRequestTooLong",
	sqsInvalidBatchEntryID:     "AWS.SimpleQueueService.InvalidBatchEntryId",
	sqsQueueDeletedRecently:    "AWS.SimpleQueueService.QueueDeletedRecently",
	"MessageNotInflight":       "AWS.SimpleQueueService.MessageNotInflight",
	// Errors of the shared layers (signatures, the engine) get the names
	// SQS's query protocol gives them.
	tb.CodeMissingAuthToken:      "MissingAuthenticationToken",
	tb.CodeIncompleteSignature:   "IncompleteSignature",
	tb.CodeUnrecognizedClient:    "InvalidClientTokenId",
	tb.CodeInvalidSignature:      "SignatureDoesNotMatch",
	tb.CodeAccessDenied:          "AccessDenied",
	tb.CodeThrottling:            "RequestThrottled",
	tb.CodeInternal:              sqsInternalError,
	tb.CodeRequestEntityTooLarge: "RequestEntityTooLarge",
}

// sqsModelErrors are the error shapes of SQS's model: their JSON __type is
// com.amazonaws.sqs#NAME.
var sqsModelErrors = map[string]bool{
	sqsQueueDoesNotExist: true, sqsQueueNameExists: true, sqsReceiptHandleIsInvalid: true,
	sqsInvalidAttributeName: true, sqsInvalidAttributeValue: true, sqsInvalidMessageContents: true,
	sqsInvalidAddress: true, sqsOverLimit: true, sqsUnsupportedOperation: true, sqsPurgeQueueInProgress: true,
	sqsEmptyBatchRequest: true, sqsTooManyEntries: true, sqsBatchEntryIdsNotDistint: true,
	sqsBatchRequestTooLong: true, sqsInvalidBatchEntryID: true, sqsQueueDeletedRecently: true,
	"MessageNotInflight": true, "InvalidIdFormat": true, "InvalidSecurity": true, "RequestThrottled": true,
}

// sqsWireError is how an error is answered in SQS's protocols.
type sqsWireError struct {
	jsonType  string // __type of the JSON answer
	queryCode string // code of the query answer and x-amzn-query-error
	fault     string // Sender or Receiver
	status    int
	message   string
}

func sqsWire(e *tb.Error) sqsWireError {
	w := sqsWireError{jsonType: e.Code, queryCode: e.Code, fault: "Sender", status: e.HTTPStatus(), message: e.Message}
	if c, ok := sqsQueryCodes[e.Code]; ok {
		w.queryCode = c
	}
	switch {
	case sqsModelErrors[e.Code]:
		w.jsonType = "com.amazonaws.sqs#" + e.Code
	case e.Code == sqsSerialization:
		w.jsonType = "com.amazon.coral.service#SerializationException"
	}
	if w.status >= 500 {
		w.fault = "Receiver"
	}
	return w
}

func errNoQueue() error {
	return tb.Errorf(sqsQueueDoesNotExist, "The specified queue does not exist.")
}

func errMissing(param string) error {
	return tb.Errorf(sqsMissingParameter, "The request must contain the parameter %s.", param)
}

// ---- queue configuration ----

// storedQueue is a queue as the ResourceStore keeps it.
type storedQueue struct {
	Name string
	// Attributes are the settable attributes, defaults included.
	Attributes   map[string]string
	Tags         map[string]string `json:",omitempty"`
	Created      time.Time
	LastModified time.Time
	LastPurge    time.Time `json:",omitzero"`
}

func (sq *storedQueue) intAttr(name string) int {
	n, _ := strconv.Atoi(sq.Attributes[name])
	return n
}

// Attribute names.
const (
	attrVisibilityTimeout      = "VisibilityTimeout"
	attrRetention              = "MessageRetentionPeriod"
	attrDelaySeconds           = "DelaySeconds"
	attrMaximumMessageSize     = "MaximumMessageSize"
	attrReceiveWait            = "ReceiveMessageWaitTimeSeconds"
	attrRedrivePolicy          = "RedrivePolicy"
	attrRedriveAllowPolicy     = "RedriveAllowPolicy"
	attrPolicy                 = "Policy"
	attrKmsMasterKeyID         = "KmsMasterKeyId"
	attrKmsDataKeyReusePeriod  = "KmsDataKeyReusePeriodSeconds"
	attrSqsManagedSseEnabled   = "SqsManagedSseEnabled"
	attrQueueArn               = "QueueArn"
	attrCreatedTimestamp       = "CreatedTimestamp"
	attrLastModifiedTimestamp  = "LastModifiedTimestamp"
	attrApproxMessages         = "ApproximateNumberOfMessages"
	attrApproxMessagesNotVis   = "ApproximateNumberOfMessagesNotVisible"
	attrApproxMessagesDelayed  = "ApproximateNumberOfMessagesDelayed"
	attrFifoQueue              = "FifoQueue"
	attrContentBasedDedup      = "ContentBasedDeduplication"
	attrDeduplicationScope     = "DeduplicationScope"
	attrFifoThroughputLimit    = "FifoThroughputLimit"
	defaultMaximumMessageSize  = 262144
	maxMessageAttributes       = 10
	maxBatchEntries            = 10
	maxReceiveMessagesPerCall  = 10
	maxVisibilityTimeout       = 43200
	maxWaitTimeSeconds         = 20
	maxDelaySeconds            = 900
	purgeInterval              = 60 * time.Second
	maxListQueuesResults       = 1000
	maxQueueTags               = 50
	queueNameMaxLen            = 80
	redriveMaxReceiveCountHigh = 1000
	maxRedriveSourceQueues     = 10
	// maxBatchBytes bounds the sum of a SendMessageBatch's message sizes,
	// whatever the queue's MaximumMessageSize: on SQS it is the service's
	// largest message size (now 1 MiB), here the 256 KiB that
	// trailbridge's messages are limited to.
	maxBatchBytes = defaultMaximumMessageSize
	// maxGroupIDLen bounds a MessageGroupId.
	maxGroupIDLen = 128
)

// intAttrRanges are the integer attributes with their ranges.
var intAttrRanges = map[string][2]int{
	attrVisibilityTimeout:     {0, maxVisibilityTimeout},
	attrRetention:             {60, 1209600},
	attrDelaySeconds:          {0, maxDelaySeconds},
	attrMaximumMessageSize:    {1024, defaultMaximumMessageSize},
	attrReceiveWait:           {0, maxWaitTimeSeconds},
	attrKmsDataKeyReusePeriod: {60, 86400},
}

// queueDefaults are the settable attributes a new queue has, as on AWS.
var queueDefaults = map[string]string{
	attrVisibilityTimeout:    "30",
	attrRetention:            "345600",
	attrDelaySeconds:         "0",
	attrMaximumMessageSize:   strconv.Itoa(defaultMaximumMessageSize),
	attrReceiveWait:          "0",
	attrSqsManagedSseEnabled: "true",
}

// settableAttrs are the attributes CreateQueue and SetQueueAttributes take.
var settableAttrs = []string{
	attrDelaySeconds, attrMaximumMessageSize, attrRetention, attrPolicy, attrReceiveWait,
	attrVisibilityTimeout, attrRedrivePolicy, attrRedriveAllowPolicy, attrKmsMasterKeyID,
	attrKmsDataKeyReusePeriod, attrSqsManagedSseEnabled,
}

var fifoAttrs = []string{attrFifoQueue, attrContentBasedDedup, attrDeduplicationScope, attrFifoThroughputLimit}

// readOnlyAttrs are answered by GetQueueAttributes but cannot be set.
var readOnlyAttrs = []string{
	attrApproxMessages, attrApproxMessagesNotVis, attrApproxMessagesDelayed,
	attrCreatedTimestamp, attrLastModifiedTimestamp, attrQueueArn,
}

var reQueueName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

func errFIFO() error {
	return tb.Errorf(sqsUnsupportedOperation, "trailbridge does not support FIFO queues yet; use a standard queue (a name without .fifo, no FifoQueue attribute).")
}

// redrivePolicy is the RedrivePolicy attribute. maxReceiveCount may be
// written as a number or a string, as AWS accepts both.
type redrivePolicy struct {
	DeadLetterTargetArn string          `json:"deadLetterTargetArn"`
	MaxReceiveCount     json.RawMessage `json:"maxReceiveCount"`
}

// parseRedrive reads a stored (already validated) RedrivePolicy: the
// dead-letter queue's name and maxReceiveCount; ok is false when none.
func parseRedrive(s string) (dlq string, max int, ok bool) {
	if s == "" {
		return "", 0, false
	}
	var rp redrivePolicy
	if json.Unmarshal([]byte(s), &rp) != nil {
		return "", 0, false
	}
	n, err := strconv.Atoi(strings.Trim(string(rp.MaxReceiveCount), `"`))
	if err != nil {
		return "", 0, false
	}
	i := strings.LastIndexByte(rp.DeadLetterTargetArn, ':')
	return rp.DeadLetterTargetArn[i+1:], n, true
}

// checkAttributes validates attributes to set on queue name (self, when it
// exists, for a RedrivePolicy naming itself) and returns them normalised.
func (q *SQS) checkAttributes(name string, attrs map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(attrs))
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		v := attrs[k]
		if slices.Contains(fifoAttrs, k) {
			if k == attrFifoQueue && v == "false" {
				continue
			}
			return nil, errFIFO()
		}
		if !slices.Contains(settableAttrs, k) {
			if slices.Contains(readOnlyAttrs, k) {
				return nil, tb.Errorf(sqsInvalidAttributeName, "Unknown Attribute %s.", k)
			}
			return nil, tb.Errorf(sqsInvalidAttributeName, "Unknown Attribute %s.", k)
		}
		if r, ok := intAttrRanges[k]; ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < r[0] || n > r[1] {
				return nil, tb.Errorf(sqsInvalidAttributeValue, "Invalid value for the parameter %s.", k)
			}
			out[k] = strconv.Itoa(n)
			continue
		}
		switch k {
		case attrSqsManagedSseEnabled:
			if v != "true" && v != "false" {
				return nil, tb.Errorf(sqsInvalidAttributeValue, "Invalid value for the parameter %s.", k)
			}
		case attrPolicy:
			if v != "" && !json.Valid([]byte(v)) {
				return nil, tb.Errorf(sqsInvalidAttributeValue, "Invalid value for the parameter %s.", k)
			}
		case attrRedriveAllowPolicy:
			if v == "" {
				break
			}
			if err := checkRedriveAllow(v); err != nil {
				return nil, err
			}
		case attrRedrivePolicy:
			if v == "" {
				break
			}
			if err := q.checkRedrive(name, v); err != nil {
				return nil, err
			}
		}
		out[k] = v
	}
	return out, nil
}

// policyMap checks that a policy attribute is a JSON object of the allowed
// members only, refusing it with bad and SQS's messages; what names it.
func policyMap(v, what string, bad func(reason string) error, allowed ...string) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return bad(what + " is not a valid JSON map.")
	}
	for k := range raw {
		if !slices.Contains(allowed, k) {
			return bad("Only following attributes are supported: [" + strings.Join(allowed, ", ") + "].")
		}
	}
	return nil
}

// checkRedriveAllow validates a RedriveAllowPolicy: which source queues may
// use this queue as their dead-letter queue. It is stored, not enforced,
// but a policy AWS would refuse is refused.
func checkRedriveAllow(v string) error {
	bad := func(reason string) error {
		return tb.Errorf(sqsInvalidParameterValue, "Value %s for parameter RedriveAllowPolicy is invalid. Reason: %s", v, reason)
	}
	if err := policyMap(v, "Redrive allow policy", bad, "redrivePermission", "sourceQueueArns"); err != nil {
		return err
	}
	var p struct {
		RedrivePermission *string
		SourceQueueArns   *[]string
	}
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return bad("Redrive allow policy has a value of the wrong type.")
	}
	if p.RedrivePermission == nil {
		return bad("Redrive allow policy does not contain mandatory attribute: redrivePermission.")
	}
	switch *p.RedrivePermission {
	case "allowAll", "denyAll":
		if p.SourceQueueArns != nil {
			return bad("sourceQueueArns can be specified only when redrivePermission is byQueue.")
		}
	case "byQueue":
		if p.SourceQueueArns == nil || len(*p.SourceQueueArns) == 0 {
			return bad("sourceQueueArns must be specified when redrivePermission is byQueue.")
		}
		if len(*p.SourceQueueArns) > maxRedriveSourceQueues {
			return bad(fmt.Sprintf("At most %d sourceQueueArns can be specified.", maxRedriveSourceQueues))
		}
		for _, a := range *p.SourceQueueArns {
			if !strings.HasPrefix(a, "arn:") || strings.Count(a, ":") != 5 {
				return bad(fmt.Sprintf("%s is not a valid queue ARN.", a))
			}
		}
	default:
		return bad("Invalid value for redrivePermission: " + *p.RedrivePermission + ", valid values are allowAll, denyAll and byQueue.")
	}
	return nil
}

func (q *SQS) checkRedrive(name, v string) error {
	bad := func(reason string) error {
		return tb.Errorf(sqsInvalidParameterValue, "Value %s for parameter RedrivePolicy is invalid. Reason: %s", v, reason)
	}
	if err := policyMap(v, "Redrive policy", bad, "deadLetterTargetArn", "maxReceiveCount"); err != nil {
		return err
	}
	var rp redrivePolicy
	if err := json.Unmarshal([]byte(v), &rp); err != nil || rp.DeadLetterTargetArn == "" {
		return bad("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
	}
	if len(rp.MaxReceiveCount) == 0 {
		return bad("Redrive policy does not contain mandatory attribute: maxReceiveCount.")
	}
	s := strings.Trim(string(rp.MaxReceiveCount), `"`)
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > redriveMaxReceiveCountHigh {
		return bad(fmt.Sprintf("Invalid value for maxReceiveCount: %s, valid values are from 1 to 1000 both inclusive.", s))
	}
	prefix := "arn:aws:sqs:" + q.Place.Region + ":" + q.Place.Account + ":"
	dlq, ok := strings.CutPrefix(rp.DeadLetterTargetArn, prefix)
	if !ok || !reQueueName.MatchString(dlq) || (dlq != name && q.Resources.Resource(kindQueue, dlq) == nil) {
		return bad("Dead letter target does not exist.")
	}
	return nil
}

func (q *SQS) load(name string) (*storedQueue, error) {
	raw := q.Resources.Resource(kindQueue, name)
	if raw == nil {
		return nil, errNoQueue()
	}
	// Every message call loads its queue; decoding it each time costs
	// more than the call's own work, so the decoded queue is kept while
	// the stored bytes stay the same. Callers only read it (changes go
	// through update, on a copy of their own).
	q.cacheMu.Lock()
	c, ok := q.cache[name]
	q.cacheMu.Unlock()
	if ok && bytes.Equal(c.raw, raw) {
		return c.sq, nil
	}
	sq := new(storedQueue)
	if err := json.Unmarshal(raw, sq); err != nil {
		return nil, fmt.Errorf("read stored queue %s: %w", name, err)
	}
	q.cacheMu.Lock()
	if q.cache == nil {
		q.cache = map[string]cachedQueue{}
	}
	q.cache[name] = cachedQueue{raw: raw, sq: sq}
	q.cacheMu.Unlock()
	return sq, nil
}

// cachedQueue is a decoded queue and the stored bytes it came from.
type cachedQueue struct {
	raw json.RawMessage
	sq  *storedQueue
}

// update changes a stored queue by compare-and-set; fn gets a private copy.
func (q *SQS) update(ctx context.Context, name string, fn func(sq *storedQueue) error) (*storedQueue, error) {
	var out *storedQueue
	err := q.Resources.UpdateResource(ctx, kindQueue, name, func(cur json.RawMessage) (json.RawMessage, error) {
		if cur == nil {
			return nil, errNoQueue()
		}
		sq := new(storedQueue)
		if err := json.Unmarshal(cur, sq); err != nil {
			return nil, fmt.Errorf("read stored queue %s: %w", name, err)
		}
		if err := fn(sq); err != nil {
			return nil, err
		}
		out = sq
		return json.Marshal(sq)
	})
	return out, err
}

// ---- request context: who asks, and through which host ----

type sqsCallKey struct{}

// sqsCall is what a handler needs from the HTTP request: the Host the queue
// URLs are made of and the access key that signed it (SenderId).
type sqsCall struct {
	host      string
	accessKey string
}

func withSQSCall(ctx context.Context, c sqsCall) context.Context {
	return context.WithValue(ctx, sqsCallKey{}, c)
}

func callOf(ctx context.Context) sqsCall {
	c, _ := ctx.Value(sqsCallKey{}).(sqsCall)
	if c.host == "" {
		c.host = "localhost"
	}
	return c
}

func (q *SQS) queueURL(ctx context.Context, name string) string {
	return "http://" + callOf(ctx).host + "/" + q.Place.Account + "/" + name
}

// queueName resolves a QueueUrl: any host, path /ACCOUNT/NAME of this
// account. A URL of another account names a queue that does not exist.
func (q *SQS) queueName(u *string) (string, error) {
	if u == nil || *u == "" {
		return "", errMissing("QueueUrl")
	}
	p, err := url.Parse(*u)
	if err != nil {
		return "", tb.Errorf(sqsInvalidAddress, "The address %s is not valid for this endpoint.", *u)
	}
	parts := strings.Split(strings.Trim(p.Path, "/"), "/")
	if len(parts) != 2 || parts[1] == "" {
		return "", tb.Errorf(sqsInvalidAddress, "The address %s is not valid for this endpoint.", *u)
	}
	if parts[0] != q.Place.Account {
		return "", errNoQueue()
	}
	return parts[1], nil
}

// existing resolves a QueueUrl to a stored queue.
func (q *SQS) existing(u *string) (*storedQueue, error) {
	name, err := q.queueName(u)
	if err != nil {
		return nil, err
	}
	return q.load(name)
}

// ---- queue actions ----

// CreateQueueInput is CreateQueue's request.
type CreateQueueInput struct {
	QueueName  *string
	Attributes map[string]string `query:"Attribute"`
	Tags       map[string]string `json:"tags" query:"Tag,Key"`
}

// QueueURLOutput is the answer of CreateQueue and GetQueueUrl.
type QueueURLOutput struct {
	QueueUrl string
}

// CreateQueue creates a queue, or answers the URL of an existing one asked
// for with the same attributes.
func (q *SQS) CreateQueue(ctx context.Context, in *CreateQueueInput) (*QueueURLOutput, error) {
	if in.QueueName == nil || *in.QueueName == "" {
		return nil, errMissing("QueueName")
	}
	name := *in.QueueName
	if strings.HasSuffix(name, ".fifo") {
		return nil, errFIFO()
	}
	if !reQueueName.MatchString(name) {
		return nil, tb.Errorf(sqsInvalidParameterValue, "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	attrs, err := q.checkAttributes(name, in.Attributes)
	if err != nil {
		return nil, err
	}
	if err := checkQueueTags(in.Tags); err != nil {
		return nil, err
	}
	now := q.now()
	created := false
	recent := q.recentlyDeleted(name)
	err = q.Resources.UpdateResource(ctx, kindQueue, name, func(cur json.RawMessage) (json.RawMessage, error) {
		if cur == nil && recent {
			// As SQS: the name of a deleted queue is free again only after
			// a minute (known to the process that deleted it).
			return nil, tb.Errorf(sqsQueueDeletedRecently, "You must wait 60 seconds after deleting a queue before you can create another queue with the same name.")
		}
		if cur != nil {
			sq := new(storedQueue)
			if err := json.Unmarshal(cur, sq); err != nil {
				return nil, fmt.Errorf("read stored queue %s: %w", name, err)
			}
			// AWS compares the attributes asked for with the queue's, with
			// the defaults standing in for those never set.
			for _, k := range slices.Sorted(maps.Keys(attrs)) {
				if sq.Attributes[k] != attrs[k] {
					return nil, tb.Errorf(sqsQueueNameExists, "A queue already exists with the same name and a different value for attribute %s", k)
				}
			}
			created = false
			return cur, nil
		}
		sq := &storedQueue{Name: name, Attributes: maps.Clone(queueDefaults), Created: now, LastModified: now}
		maps.Copy(sq.Attributes, attrs)
		for k, v := range sq.Attributes {
			if v == "" {
				delete(sq.Attributes, k)
			}
		}
		if len(in.Tags) > 0 {
			sq.Tags = maps.Clone(in.Tags)
		}
		created = true
		return json.Marshal(sq)
	})
	if err != nil {
		return nil, err
	}
	// Storage is (re)opened for an existing queue too: that heals a queue
	// whose storage creation failed after its configuration was written.
	sq, err := q.load(name)
	if err != nil {
		return nil, err
	}
	if err := q.Messages.OpenQueue(ctx, name, time.Duration(sq.intAttr(attrRetention))*time.Second); err != nil {
		return nil, fmt.Errorf("open queue %s: %w", name, err)
	}
	if created && q.Log != nil {
		q.Log.Info("queue created", "queue", name)
	}
	return &QueueURLOutput{QueueUrl: q.queueURL(ctx, name)}, nil
}

// GetQueueUrlInput is GetQueueUrl's request.
type GetQueueUrlInput struct {
	QueueName              *string
	QueueOwnerAWSAccountId *string
}

// GetQueueUrl answers the URL of a queue by name.
func (q *SQS) GetQueueUrl(ctx context.Context, in *GetQueueUrlInput) (*QueueURLOutput, error) {
	if in.QueueName == nil || *in.QueueName == "" {
		return nil, errMissing("QueueName")
	}
	if in.QueueOwnerAWSAccountId != nil && *in.QueueOwnerAWSAccountId != q.Place.Account {
		return nil, errNoQueue()
	}
	if _, err := q.load(*in.QueueName); err != nil {
		return nil, err
	}
	return &QueueURLOutput{QueueUrl: q.queueURL(ctx, *in.QueueName)}, nil
}

// ListQueuesInput is ListQueues's request.
type ListQueuesInput struct {
	QueueNamePrefix *string
	NextToken       *string
	MaxResults      *int
}

// ListQueuesOutput is ListQueues's answer.
type ListQueuesOutput struct {
	QueueUrls []string `json:",omitempty" query:"QueueUrl"`
	NextToken *string  `json:",omitempty"`
}

// ListQueues lists the queues whose names start with a prefix: up to 1000
// without MaxResults, and pages of MaxResults with it.
func (q *SQS) ListQueues(ctx context.Context, in *ListQueuesInput) (*ListQueuesOutput, error) {
	if in.MaxResults != nil && (*in.MaxResults < 1 || *in.MaxResults > maxListQueuesResults) {
		return nil, tb.Errorf(sqsInvalidParameterValue, "Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *in.MaxResults)
	}
	var names []string
	for _, n := range q.Resources.ResourceNames(kindQueue) {
		if strings.HasPrefix(n, deref(in.QueueNamePrefix)) {
			names = append(names, n)
		}
	}
	limit := ptr(maxListQueuesResults)
	if in.MaxResults != nil {
		limit = in.MaxResults
	}
	got, next, err := page("queues", names, func(s string) string { return s }, in.NextToken, limit)
	if err != nil {
		return nil, tb.Errorf(sqsInvalidParameterValue, "Invalid NextToken value.")
	}
	if in.MaxResults == nil {
		next = nil
	}
	out := &ListQueuesOutput{NextToken: next}
	for _, n := range got {
		out.QueueUrls = append(out.QueueUrls, q.queueURL(ctx, n))
	}
	return out, nil
}

// QueueURLInput names a queue (DeleteQueue, PurgeQueue, ListQueueTags).
type QueueURLInput struct {
	QueueUrl *string
}

// Empty is the answer of the actions that answer nothing.
type Empty struct{}

// DeleteQueue deletes a queue and its messages.
func (q *SQS) DeleteQueue(ctx context.Context, in *QueueURLInput) (*Empty, error) {
	name, err := q.queueName(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	err = q.Resources.UpdateResource(ctx, kindQueue, name, func(cur json.RawMessage) (json.RawMessage, error) {
		if cur == nil {
			return nil, errNoQueue()
		}
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	if err := q.Messages.DeleteQueue(ctx, name); err != nil && !isNoQueue(err) {
		return nil, fmt.Errorf("delete queue %s: %w", name, err)
	}
	q.deletedMu.Lock()
	if q.deleted == nil {
		q.deleted = map[string]time.Time{}
	}
	q.deleted[name] = q.now()
	q.deletedMu.Unlock()
	if q.Log != nil {
		q.Log.Info("queue deleted", "queue", name)
	}
	return &Empty{}, nil
}

// GetQueueAttributesInput is GetQueueAttributes's request.
type GetQueueAttributesInput struct {
	QueueUrl       *string
	AttributeNames []string `query:"AttributeName"`
}

// AttributesOutput is GetQueueAttributes's answer.
type AttributesOutput struct {
	Attributes map[string]string `json:",omitempty" query:"Attribute"`
}

// GetQueueAttributes answers the attributes asked for ("All" for every one).
func (q *SQS) GetQueueAttributes(ctx context.Context, in *GetQueueAttributesInput) (*AttributesOutput, error) {
	sq, err := q.existing(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range in.AttributeNames {
		switch {
		case n == "All":
			for _, a := range append(slices.Clone(settableAttrs), readOnlyAttrs...) {
				want[a] = true
			}
		case slices.Contains(settableAttrs, n) || slices.Contains(readOnlyAttrs, n):
			want[n] = true
		case slices.Contains(fifoAttrs, n):
			// A standard queue has none of these; AWS leaves them out.
		default:
			return nil, tb.Errorf(sqsInvalidAttributeName, "Unknown Attribute %s.", n)
		}
	}
	out := &AttributesOutput{Attributes: map[string]string{}}
	for k := range want {
		if v, ok := sq.Attributes[k]; ok && slices.Contains(settableAttrs, k) {
			out.Attributes[k] = v
		}
	}
	if want[attrQueueArn] {
		out.Attributes[attrQueueArn] = q.Place.QueueARN(sq.Name)
	}
	if want[attrCreatedTimestamp] {
		out.Attributes[attrCreatedTimestamp] = strconv.FormatInt(sq.Created.Unix(), 10)
	}
	if want[attrLastModifiedTimestamp] {
		out.Attributes[attrLastModifiedTimestamp] = strconv.FormatInt(sq.LastModified.Unix(), 10)
	}
	if want[attrApproxMessages] || want[attrApproxMessagesNotVis] || want[attrApproxMessagesDelayed] {
		c, err := q.Messages.Counts(ctx, sq.Name)
		if err != nil {
			return nil, q.storeErr(sq.Name, err)
		}
		for k, v := range map[string]int{attrApproxMessages: c.Visible, attrApproxMessagesNotVis: c.InFlight, attrApproxMessagesDelayed: c.Delayed} {
			if want[k] {
				out.Attributes[k] = strconv.Itoa(v)
			}
		}
	}
	return out, nil
}

// SetQueueAttributesInput is SetQueueAttributes's request.
type SetQueueAttributesInput struct {
	QueueUrl   *string
	Attributes map[string]string `query:"Attribute"`
}

// SetQueueAttributes changes attributes; an empty value of Policy,
// RedrivePolicy or RedriveAllowPolicy removes it.
func (q *SQS) SetQueueAttributes(ctx context.Context, in *SetQueueAttributesInput) (*Empty, error) {
	name, err := q.queueName(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.Attributes == nil {
		return nil, errMissing("Attribute.1.Name")
	}
	if _, err := q.load(name); err != nil {
		return nil, err
	}
	attrs, err := q.checkAttributes(name, in.Attributes)
	if err != nil {
		return nil, err
	}
	now := q.now()
	retentionChanged := false
	sq, err := q.update(ctx, name, func(sq *storedQueue) error {
		for k, v := range attrs {
			if k == attrRetention && sq.Attributes[k] != v {
				retentionChanged = true
			}
			if v == "" {
				delete(sq.Attributes, k)
			} else {
				sq.Attributes[k] = v
			}
		}
		sq.LastModified = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	if retentionChanged {
		if err := q.Messages.OpenQueue(ctx, name, time.Duration(sq.intAttr(attrRetention))*time.Second); err != nil {
			return nil, fmt.Errorf("open queue %s: %w", name, err)
		}
	}
	return &Empty{}, nil
}

// PurgeQueue deletes every message of a queue; AWS allows it once every
// 60 seconds per queue.
func (q *SQS) PurgeQueue(ctx context.Context, in *QueueURLInput) (*Empty, error) {
	name, err := q.queueName(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	now := q.now()
	_, err = q.update(ctx, name, func(sq *storedQueue) error {
		if !sq.LastPurge.IsZero() && now.Sub(sq.LastPurge) < purgeInterval {
			return tb.Errorf(sqsPurgeQueueInProgress, "Only one PurgeQueue operation on %s is allowed every 60 seconds.", name)
		}
		sq.LastPurge = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := q.Messages.PurgeQueue(ctx, name); err != nil {
		return nil, q.storeErr(name, err)
	}
	return &Empty{}, nil
}

// TagQueueInput is TagQueue's request.
type TagQueueInput struct {
	QueueUrl *string
	Tags     map[string]string `query:"Tag,Key"`
}

// UntagQueueInput is UntagQueue's request.
type UntagQueueInput struct {
	QueueUrl *string
	TagKeys  []string `query:"TagKey"`
}

// TagsOutput is ListQueueTags's answer.
type TagsOutput struct {
	Tags map[string]string `json:",omitempty" query:"Tag,Key"`
}

var reTagKey = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

func checkQueueTags(tags map[string]string) error {
	if len(tags) > maxQueueTags {
		return tb.Errorf(sqsInvalidParameterValue, "Too many tags added for queue. The limit is %d.", maxQueueTags)
	}
	for k, v := range tags {
		if k == "" || len([]rune(k)) > 128 || !reTagKey.MatchString(k) || strings.HasPrefix(strings.ToLower(k), "aws:") {
			return tb.Errorf(sqsInvalidParameterValue, "Tag key %q is invalid.", k)
		}
		if len([]rune(v)) > 256 || !reTagKey.MatchString(v) {
			return tb.Errorf(sqsInvalidParameterValue, "Tag value %q of key %q is invalid.", v, k)
		}
	}
	return nil
}

// TagQueue adds or replaces tags.
func (q *SQS) TagQueue(ctx context.Context, in *TagQueueInput) (*Empty, error) {
	name, err := q.queueName(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, errMissing("Tags")
	}
	if err := checkQueueTags(in.Tags); err != nil {
		return nil, err
	}
	_, err = q.update(ctx, name, func(sq *storedQueue) error {
		if sq.Tags == nil {
			sq.Tags = map[string]string{}
		}
		maps.Copy(sq.Tags, in.Tags)
		return checkQueueTags(sq.Tags)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// UntagQueue removes tags by key; keys it does not carry are ignored.
func (q *SQS) UntagQueue(ctx context.Context, in *UntagQueueInput) (*Empty, error) {
	name, err := q.queueName(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if len(in.TagKeys) == 0 {
		return nil, errMissing("TagKeys")
	}
	_, err = q.update(ctx, name, func(sq *storedQueue) error {
		for _, k := range in.TagKeys {
			delete(sq.Tags, k)
		}
		if len(sq.Tags) == 0 {
			sq.Tags = nil
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListQueueTags answers a queue's tags.
func (q *SQS) ListQueueTags(ctx context.Context, in *QueueURLInput) (*TagsOutput, error) {
	sq, err := q.existing(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return &TagsOutput{Tags: sq.Tags}, nil
}

func isNoQueue(err error) bool { return err != nil && errorsIs(err, tb.ErrNoQueue) }

// storeErr turns the message store's errors into the API's.
func (q *SQS) storeErr(name string, err error) error {
	switch {
	case isNoQueue(err):
		return errNoQueue()
	}
	return fmt.Errorf("queue %s: %w", name, err)
}
