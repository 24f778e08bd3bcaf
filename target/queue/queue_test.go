package queue

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/target"
	"github.com/trailbridge/trailbridge/target/targettest"
)

// fakeQueues is a Sender with queues in memory.
type fakeQueues struct {
	mu     sync.Mutex
	queues map[string][]trailbridge.QueueMessage
	broken bool
	hang   chan struct{}
	refuse error
}

func newFake(names ...string) *fakeQueues {
	f := &fakeQueues{queues: map[string][]trailbridge.QueueMessage{}}
	for _, n := range names {
		f.queues[n] = nil
	}
	return f
}

func (f *fakeQueues) SendToQueue(ctx context.Context, name string, m trailbridge.QueueMessage) error {
	f.mu.Lock()
	hang := f.hang
	f.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.broken {
		return errors.New("disk full")
	}
	if f.refuse != nil {
		return f.refuse
	}
	if _, ok := f.queues[name]; !ok {
		return fmt.Errorf("send to %s: %w", name, trailbridge.ErrNoQueue)
	}
	f.queues[name] = append(f.queues[name], m)
	return nil
}

func (f *fakeQueues) messages(name string) []trailbridge.QueueMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]trailbridge.QueueMessage(nil), f.queues[name]...)
}

var place = trailbridge.Place{Region: "us-east-1", Account: "123456789012"}

func TestConformance(t *testing.T) {
	f := newFake("orders")
	targettest.Run(t, targettest.Harness{
		Kind:       &Kind{Sender: f, Place: place},
		ARN:        "arn:aws:sqs:us-east-1:123456789012:orders",
		MissingARN: "arn:aws:sqs:us-east-1:123456789012:nope",
		Received: func(testing.TB) [][]byte {
			var out [][]byte
			for _, m := range f.messages("orders") {
				out = append(out, []byte(m.Body))
			}
			return out
		},
		Break: func(testing.TB) { f.mu.Lock(); f.broken = true; f.mu.Unlock() },
		Heal:  func(testing.TB) { f.mu.Lock(); f.broken = false; f.mu.Unlock() },
		Hang: func(testing.TB) func() {
			ch := make(chan struct{})
			f.mu.Lock()
			f.hang = ch
			f.mu.Unlock()
			var once sync.Once
			return func() {
				once.Do(func() {
					f.mu.Lock()
					f.hang = nil
					f.mu.Unlock()
					close(ch)
				})
			}
		},
	})
}

func TestInvoke(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f := newFake("q")
	k := &Kind{Sender: f, Place: place, Now: func() time.Time { return at }}
	tgt, err := k.Target(t.Context(), "arn:aws:sqs:us-east-1:123456789012:q")
	if err != nil {
		t.Fatal(err)
	}
	err = tgt.Invoke(t.Context(), &target.Invocation{Payload: []byte(`"ana"`),
		Target: &trailbridge.Target{Id: "t", SqsParameters: &trailbridge.SqsParameters{MessageGroupId: "g1"}}})
	if err != nil {
		t.Fatal(err)
	}
	ms := f.messages("q")
	if len(ms) != 1 {
		t.Fatalf("%d messages", len(ms))
	}
	m := ms[0]
	if m.Body != `"ana"` || m.GroupID != "g1" || !m.SentAt.Equal(at) || !uuid.MatchString(m.ID) || m.SenderID != "123456789012" {
		t.Errorf("message = %+v", m)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name      string
		arn       string
		refuse    error
		code      string
		retryable bool
	}{
		{"another account", "arn:aws:sqs:us-east-1:999999999999:q", nil, target.CodeNoPermissions, false},
		{"another region", "arn:aws:sqs:eu-west-1:123456789012:q", nil, target.CodeNoPermissions, false},
		{"not a queue", "arn:aws:sns:us-east-1:123456789012:q", nil, target.CodeInvalidPayload, false},
		{"no queue", "arn:aws:sqs:us-east-1:123456789012:other", nil, target.CodeNoResource, false},
		{"refused message", "arn:aws:sqs:us-east-1:123456789012:q", trailbridge.Errorf("InvalidParameterValue", "too long"), target.CodeInvalidPayload, false},
		{"store failure", "arn:aws:sqs:us-east-1:123456789012:q", errors.New("nats: timeout"), target.CodeInternal, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake("q")
			f.refuse = tt.refuse
			k := &Kind{Sender: f, Place: place}
			tgt, err := k.Target(t.Context(), tt.arn)
			if err == nil {
				err = tgt.Invoke(t.Context(), &target.Invocation{Payload: []byte(`{}`)})
			}
			te := target.AsError(err)
			if err == nil || te.Code != tt.code || te.Retryable != tt.retryable {
				t.Errorf("err = %v (code %q, retryable %v), want code %s, retryable %v", err, te.Code, te.Retryable, tt.code, tt.retryable)
			}
		})
	}
}

func TestDeadLetters(t *testing.T) {
	f := newFake("dlq")
	d := DeadLetters{Kind: &Kind{Sender: f, Place: place}}
	attrs := map[string]string{"RULE_ARN": "arn:aws:events:us-east-1:123456789012:rule/r", "RETRY_ATTEMPTS": "2", "ERROR_CODE": "SDK_CLIENT_ERROR"}
	if err := d.Send(t.Context(), "arn:aws:sqs:us-east-1:123456789012:dlq", []byte(`{"id":"e1"}`), attrs); err != nil {
		t.Fatal(err)
	}
	ms := f.messages("dlq")
	if len(ms) != 1 || ms[0].Body != `{"id":"e1"}` || len(ms[0].Attributes) != 3 {
		t.Fatalf("messages = %+v", ms)
	}
	for k, v := range attrs {
		a := ms[0].Attributes[k]
		if a.DataType != "String" || a.StringValue == nil || *a.StringValue != v {
			t.Errorf("attribute %s = %+v, want String %q", k, a, v)
		}
	}
	if err := d.Send(t.Context(), "arn:aws:sqs:us-east-1:123456789012:gone", []byte(`{}`), nil); target.AsError(err).Code != target.CodeNoResource {
		t.Errorf("missing DLQ: %v", err)
	}
}
