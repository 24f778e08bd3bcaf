package awsapi

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"time"

	tb "github.com/trailbridge/trailbridge"
)

// MemoryMessages is a trailbridge.MessageStore in memory, for tests and
// trials: visibility timeouts, receive counts, delays, retention and long
// polls behave as the durable store's, but nothing survives the process. It
// is safe for concurrent use.
type MemoryMessages struct {
	mu     sync.Mutex
	queues map[string]*memQueue
	nonce  uint64
}

type memQueue struct {
	retention time.Duration
	msgs      []*memMsg // in the order they were sent
	// wake is closed and replaced whenever a message may have become
	// visible earlier than a waiting receive expects (a send, a visibility
	// change), so that long polls end as soon as there is something.
	wake chan struct{}
}

type memMsg struct {
	tb.QueueMessage
	visibleAt time.Time
	receives  int
	firstRecv time.Time
	lastRecv  time.Time
	receipt   string // of the latest receive; "" before the first
}

// NewMemoryMessages returns an empty store.
func NewMemoryMessages() *MemoryMessages {
	return &MemoryMessages{queues: map[string]*memQueue{}}
}

func (m *MemoryMessages) queue(name string) (*memQueue, error) {
	q := m.queues[name]
	if q == nil {
		return nil, tb.ErrNoQueue
	}
	return q, nil
}

func (q *memQueue) notify() {
	close(q.wake)
	q.wake = make(chan struct{})
}

// expire drops messages past their retention.
func (q *memQueue) expire(now time.Time) {
	kept := q.msgs[:0]
	for _, msg := range q.msgs {
		if now.Sub(msg.SentAt) < q.retention {
			kept = append(kept, msg)
		}
	}
	clear(q.msgs[len(kept):])
	q.msgs = kept
}

// OpenQueue implements trailbridge.MessageStore.
func (m *MemoryMessages) OpenQueue(_ context.Context, name string, retention time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if q := m.queues[name]; q != nil {
		q.retention = retention
		return nil
	}
	m.queues[name] = &memQueue{retention: retention, wake: make(chan struct{})}
	return nil
}

// DeleteQueue implements trailbridge.MessageStore.
func (m *MemoryMessages) DeleteQueue(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	q, err := m.queue(name)
	if err != nil {
		return err
	}
	q.notify()
	delete(m.queues, name)
	return nil
}

// PurgeQueue implements trailbridge.MessageStore.
func (m *MemoryMessages) PurgeQueue(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	q, err := m.queue(name)
	if err != nil {
		return err
	}
	q.msgs = nil
	return nil
}

// Send implements trailbridge.MessageStore.
func (m *MemoryMessages) Send(_ context.Context, name string, msgs []tb.QueueMessage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	q, err := m.queue(name)
	if err != nil {
		return err
	}
	for _, msg := range msgs {
		msg.Attributes = cloneAttrs(msg.Attributes)
		q.msgs = append(q.msgs, &memMsg{QueueMessage: msg, visibleAt: msg.SentAt.Add(msg.Delay)})
	}
	q.notify()
	return nil
}

func cloneAttrs(in map[string]tb.MessageAttribute) map[string]tb.MessageAttribute {
	if in == nil {
		return nil
	}
	out := make(map[string]tb.MessageAttribute, len(in))
	for k, v := range in {
		if v.StringValue != nil {
			s := *v.StringValue
			v.StringValue = &s
		}
		v.BinaryValue = append([]byte(nil), v.BinaryValue...)
		if len(v.BinaryValue) == 0 {
			v.BinaryValue = nil
		}
		out[k] = v
	}
	return out
}

// Receive implements trailbridge.MessageStore.
func (m *MemoryMessages) Receive(ctx context.Context, name string, max int, visibility, wait time.Duration) ([]tb.ReceivedMessage, error) {
	deadline := time.Now().Add(wait)
	for {
		m.mu.Lock()
		q, err := m.queue(name)
		if err != nil {
			m.mu.Unlock()
			return nil, err
		}
		now := time.Now()
		q.expire(now)
		var out []tb.ReceivedMessage
		next := deadline // when a waiting message turns visible
		for _, msg := range q.msgs {
			if len(out) == max {
				break
			}
			if msg.visibleAt.After(now) {
				if msg.visibleAt.Before(next) {
					next = msg.visibleAt
				}
				continue
			}
			msg.receives++
			if msg.receives == 1 {
				msg.firstRecv = now
			}
			m.nonce++
			msg.lastRecv = now
			msg.receipt = encodeReceipt(name, msg.ID, m.nonce)
			msg.visibleAt = now.Add(visibility)
			r := tb.ReceivedMessage{QueueMessage: msg.QueueMessage, Receipt: msg.receipt, ReceiveCount: msg.receives, FirstReceivedAt: msg.firstRecv}
			r.Attributes = cloneAttrs(r.Attributes)
			out = append(out, r)
		}
		wake := q.wake
		m.mu.Unlock()
		if len(out) > 0 || !now.Before(deadline) {
			return out, nil
		}
		t := time.NewTimer(next.Sub(now))
		select {
		case <-wake:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
		t.Stop()
	}
}

// A receipt names its queue, its message and the receive it was made by.
func encodeReceipt(queue, id string, nonce uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("tbm1\x00" + queue + "\x00" + id + "\x00" + itoa(int(nonce))))
}

func decodeReceipt(queue, receipt string) (id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(receipt)
	parts := strings.Split(string(b), "\x00")
	if err != nil || len(parts) != 4 || parts[0] != "tbm1" || parts[1] != queue {
		return "", tb.ErrInvalidReceipt
	}
	return parts[2], nil
}

// find returns the message a receipt was made for, nil when it is gone or
// the receipt is not its latest (as on AWS, such a receipt changes
// nothing, without error).
func (m *MemoryMessages) find(name, receipt string) (*memQueue, int, error) {
	q, err := m.queue(name)
	if err != nil {
		return nil, -1, err
	}
	id, err := decodeReceipt(name, receipt)
	if err != nil {
		return nil, -1, err
	}
	for i, msg := range q.msgs {
		if msg.ID == id && msg.receipt == receipt {
			return q, i, nil
		}
	}
	return q, -1, nil
}

// Delete implements trailbridge.MessageStore.
func (m *MemoryMessages) Delete(_ context.Context, name, receipt string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	q, i, err := m.find(name, receipt)
	if err != nil || i < 0 {
		return err
	}
	q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
	return nil
}

// ChangeVisibility implements trailbridge.MessageStore.
func (m *MemoryMessages) ChangeVisibility(_ context.Context, name, receipt string, d time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	q, i, err := m.find(name, receipt)
	if err != nil || i < 0 {
		return err
	}
	now := time.Now()
	if now.Add(d).After(q.msgs[i].lastRecv.Add(tb.MaxVisibility)) {
		return tb.ErrVisibilityLimit
	}
	q.msgs[i].visibleAt = now.Add(d)
	q.notify()
	return nil
}

// Counts implements trailbridge.MessageStore.
func (m *MemoryMessages) Counts(_ context.Context, name string) (tb.QueueCounts, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	q, err := m.queue(name)
	if err != nil {
		return tb.QueueCounts{}, err
	}
	now := time.Now()
	q.expire(now)
	var c tb.QueueCounts
	for _, msg := range q.msgs {
		switch {
		case !msg.visibleAt.After(now):
			c.Visible++
		case msg.receives == 0:
			c.Delayed++
		default:
			c.InFlight++
		}
	}
	return c, nil
}
