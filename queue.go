package trailbridge

import (
	"context"
	"errors"
	"time"
)

// QueueARN is the ARN of the built-in queue called name.
func (p Place) QueueARN(name string) string {
	return "arn:aws:sqs:" + p.Region + ":" + p.Account + ":" + name
}

// MessageAttribute is an SQS message attribute: DataType is String,
// Number or Binary, optionally followed by ".custom-type"; StringValue is
// set for String and Number, BinaryValue for Binary.
type MessageAttribute struct {
	DataType    string
	StringValue *string `json:",omitempty"`
	BinaryValue []byte  `json:",omitempty"`
}

// QueueMessage is a message as it is sent to a queue.
type QueueMessage struct {
	// ID is the message id SQS answers (a UUID), chosen by the sender.
	ID   string
	Body string
	// Attributes are the message attributes (MessageAttributes in SQS).
	Attributes map[string]MessageAttribute `json:",omitempty"`
	// SentAt is when the queue accepted the message (SentTimestamp).
	SentAt time.Time
	// Delay keeps the message invisible for this long after SentAt
	// (DelaySeconds).
	Delay time.Duration `json:",omitempty"`
	// SenderID is the SenderId system attribute (the access key or
	// principal that sent it).
	SenderID string `json:",omitempty"`
	// GroupID is a send's MessageGroupId (or a target's
	// SqsParameters.MessageGroupId), kept and answered on receive as on
	// SQS's fair queues; DeduplicationID is kept for FIFO-shaped senders.
	GroupID         string `json:",omitempty"`
	DeduplicationID string `json:",omitempty"`
}

// ReceivedMessage is a message handed out by a receive, invisible to
// other receives until its visibility timeout passes or it is deleted.
type ReceivedMessage struct {
	QueueMessage
	// Receipt is the receipt handle that deletes the message or changes
	// its visibility; opaque to clients.
	Receipt string
	// ReceiveCount is how many times the message has been received,
	// this time included (ApproximateReceiveCount).
	ReceiveCount int
	// FirstReceivedAt is ApproximateFirstReceiveTimestamp.
	FirstReceivedAt time.Time
}

// QueueCounts are a queue's approximate message counts.
type QueueCounts struct {
	Visible  int // ApproximateNumberOfMessages
	InFlight int // ApproximateNumberOfMessagesNotVisible
	Delayed  int // ApproximateNumberOfMessagesDelayed
}

// ErrInvalidReceipt is returned for a receipt handle that is malformed or
// belongs to another queue. (A well-formed receipt of a message that was
// already deleted is not an error: SQS answers success.)
var ErrInvalidReceipt = errors.New("receipt handle is invalid")

// MaxVisibility is how long after a receive its message may stay
// invisible, however often its visibility is changed: SQS's 12 hours,
// counted from the ReceiveMessage request.
const MaxVisibility = 12 * time.Hour

// ErrVisibilityLimit is returned by ChangeVisibility for a timeout that
// would keep the message invisible longer than MaxVisibility after the
// receive its receipt came from.
var ErrVisibilityLimit = errors.New("visibility timeout beyond the limit after the receive")

// ErrNoQueue is returned by a MessageStore for a queue whose storage does
// not exist.
var ErrNoQueue = errors.New("queue storage does not exist")

// MessageStore keeps the messages of the built-in queues durably. Queue
// configuration (attributes, tags) is kept elsewhere; the store only knows
// names and what each operation says. Implementations are safe for
// concurrent use, and what a method returned success for survives a
// restart: messages, in-flight receipts, visibility deadlines, receive
// counts.
type MessageStore interface {
	// OpenQueue makes the storage of a queue exist (or updates it), with
	// messages kept for retention after they were sent.
	OpenQueue(ctx context.Context, name string, retention time.Duration) error
	// DeleteQueue removes a queue's storage and messages.
	DeleteQueue(ctx context.Context, name string) error
	// PurgeQueue deletes every message of a queue.
	PurgeQueue(ctx context.Context, name string) error
	// Send stores messages durably; concurrent calls may be written
	// together. When it fails, some of the messages may have been stored
	// (a retry then stores them twice, as SQS's standard queues allow).
	Send(ctx context.Context, name string, msgs []QueueMessage) error
	// Receive hands out up to max visible messages, each invisible for
	// visibility afterwards, waiting up to wait for the first one and
	// returning as soon as there is at least one. It returns none, without
	// error, when wait passes first.
	Receive(ctx context.Context, name string, max int, visibility, wait time.Duration) ([]ReceivedMessage, error)
	// Delete deletes a received message by its receipt.
	Delete(ctx context.Context, name, receipt string) error
	// ChangeVisibility makes a received message visible again after d
	// (0: at once), counted from now. A d that ends more than
	// MaxVisibility after the receive the receipt came from is refused
	// with ErrVisibilityLimit.
	ChangeVisibility(ctx context.Context, name, receipt string, d time.Duration) error
	// Counts returns a queue's approximate counts.
	Counts(ctx context.Context, name string) (QueueCounts, error)
}
