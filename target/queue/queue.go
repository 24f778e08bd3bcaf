package queue

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/target"
)

// Sender puts one message on a built-in queue with SendMessage's checks
// (the queue exists, the message fits, the queue's delay); an error that
// wraps trailbridge.ErrNoQueue says the queue does not exist.
type Sender interface {
	SendToQueue(ctx context.Context, name string, m trailbridge.QueueMessage) error
}

// Kind makes the targets of the queues of one place. It is safe for
// concurrent use.
type Kind struct {
	Sender Sender
	Place  trailbridge.Place
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Target returns the queue an ARN names, without checking that it exists:
// each invocation finds out, so a queue created later is reached.
func (k *Kind) Target(_ context.Context, arn string) (target.Target, error) {
	name, err := k.parseARN(arn)
	if err != nil {
		return nil, err
	}
	return &queueTarget{k: k, name: name}, nil
}

// parseARN reads NAME from arn:aws:sqs:REGION:ACCOUNT:NAME of this place.
func (k *Kind) parseARN(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" || parts[5] == "" || strings.Contains(parts[5], ":") {
		return "", target.Fail(target.CodeInvalidPayload, "%s is not an SQS queue ARN", arn)
	}
	if parts[3] != k.Place.Region || parts[4] != k.Place.Account {
		return "", target.Fail(target.CodeNoPermissions, "queue %s is not in this trailbridge's region %s and account %s", arn, k.Place.Region, k.Place.Account)
	}
	return parts[5], nil
}

func (k *Kind) now() time.Time {
	if k.Now != nil {
		return k.Now()
	}
	return time.Now()
}

type queueTarget struct {
	k    *Kind
	name string
}

// Invoke sends the payload as one message.
func (t *queueTarget) Invoke(ctx context.Context, inv *target.Invocation) error {
	if err := ctx.Err(); err != nil {
		return target.AsError(err)
	}
	m := trailbridge.QueueMessage{ID: newUUID(), Body: string(inv.Payload), SentAt: t.k.now().UTC(), SenderID: t.k.Place.Account}
	if p := inv.Target; p != nil && p.SqsParameters != nil {
		m.GroupID = p.SqsParameters.MessageGroupId
	}
	return t.k.send(ctx, t.name, m)
}

// send classifies the Sender's outcome.
func (k *Kind) send(ctx context.Context, name string, m trailbridge.QueueMessage) error {
	err := k.Sender.SendToQueue(ctx, name, m)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, trailbridge.ErrNoQueue):
		return target.Fail(target.CodeNoResource, "queue %s does not exist", name)
	case ctx.Err() != nil:
		return target.AsError(ctx.Err())
	}
	var ae *trailbridge.Error
	if errors.As(err, &ae) && ae.HTTPStatus() < 500 {
		// SendMessage refused the message itself (too large, invalid
		// characters): another attempt would be refused too.
		return &target.Error{Code: target.CodeInvalidPayload, Message: fmt.Sprintf("queue %s refused the message: %v", name, err), Err: err}
	}
	return &target.Error{Code: target.CodeInternal, Message: fmt.Sprintf("send to queue %s: %v", name, err), Retryable: true, Err: err}
}

// DeadLetters writes undeliverable events to dead-letter queues; it is the
// delivery engine's DeadLetters.
type DeadLetters struct {
	Kind *Kind
}

// Send writes body to the queue queueArn with attrs as String message
// attributes.
func (d DeadLetters) Send(ctx context.Context, queueArn string, body []byte, attrs map[string]string) error {
	name, err := d.Kind.parseARN(queueArn)
	if err != nil {
		return err
	}
	m := trailbridge.QueueMessage{ID: newUUID(), Body: string(body), SentAt: d.Kind.now().UTC(), SenderID: d.Kind.Place.Account,
		Attributes: make(map[string]trailbridge.MessageAttribute, len(attrs))}
	for k, v := range attrs {
		m.Attributes[k] = trailbridge.MessageAttribute{DataType: "String", StringValue: &v}
	}
	return d.Kind.send(ctx, name, m)
}

// newUUID returns a random (version 4) UUID, SQS's message id format.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
