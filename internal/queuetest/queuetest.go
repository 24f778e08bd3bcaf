// Package queuetest is the conformance suite of trailbridge.MessageStore:
// every store (the in-memory one of awsapi, the JetStream one of natsjs)
// runs it with Run, so that the SQS API behaves the same on each.
package queuetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/internal/check"
)

// Run runs the suite; newStore returns an empty store for each subtest.
// Timings are in whole seconds (visibility, delays), which every store
// must honour; the suite takes a few seconds.
func Run(t *testing.T, newStore func(t *testing.T) tb.MessageStore) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s tb.MessageStore)
	}{
		{"SendReceiveDelete", sendReceiveDelete},
		{"VisibilityTimeoutReturnsMessage", visibility},
		{"ChangeVisibility", changeVisibility},
		{"VisibilityLimit", visibilityLimit},
		{"LongPollEndsOnSend", longPoll},
		{"WaitPassesEmpty", waitPasses},
		{"Delay", delay},
		{"MaxAndOrder", maxAndOrder},
		{"Purge", purge},
		{"Receipts", receipts},
		{"NoQueue", noQueue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			if err := s.OpenQueue(t.Context(), "q", time.Hour); err != nil {
				t.Fatal(err)
			}
			tc.fn(t, s)
		})
	}
}

func msg(id, body string) tb.QueueMessage {
	v := "v-" + id
	return tb.QueueMessage{ID: id, Body: body, SentAt: time.Now().Truncate(time.Millisecond), SenderID: "AKIDTEST",
		Attributes: map[string]tb.MessageAttribute{"k": {DataType: "String", StringValue: &v}, "b": {DataType: "Binary", BinaryValue: []byte{0, 1}}}}
}

func send(t *testing.T, s tb.MessageStore, msgs ...tb.QueueMessage) {
	t.Helper()
	if err := s.Send(t.Context(), "q", msgs); err != nil {
		t.Fatal(err)
	}
}

func receive(t *testing.T, s tb.MessageStore, max int, vis, wait time.Duration) []tb.ReceivedMessage {
	t.Helper()
	got, err := s.Receive(t.Context(), "q", max, vis, wait)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func counts(t *testing.T, s tb.MessageStore) tb.QueueCounts {
	t.Helper()
	c, err := s.Counts(t.Context(), "q")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sendReceiveDelete(t *testing.T, s tb.MessageStore) {
	m := msg("m1", "hello")
	send(t, s, m)
	if c := counts(t, s); c != (tb.QueueCounts{Visible: 1}) {
		t.Errorf("counts after send %+v", c)
	}
	got := receive(t, s, 10, time.Minute, 0)
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	r := got[0]
	if r.ID != m.ID || r.Body != m.Body || r.SenderID != m.SenderID || !r.SentAt.Equal(m.SentAt) || r.ReceiveCount != 1 || r.Receipt == "" {
		t.Errorf("received %+v", r)
	}
	if r.FirstReceivedAt.IsZero() || *r.Attributes["k"].StringValue != "v-m1" || string(r.Attributes["b"].BinaryValue) != "\x00\x01" {
		t.Errorf("received %+v", r)
	}
	if c := counts(t, s); c != (tb.QueueCounts{InFlight: 1}) {
		t.Errorf("counts in flight %+v", c)
	}
	if err := s.Delete(t.Context(), "q", r.Receipt); err != nil {
		t.Fatal(err)
	}
	if c := counts(t, s); c != (tb.QueueCounts{}) {
		t.Errorf("counts after delete %+v", c)
	}
	// Deleting again is not an error.
	if err := s.Delete(t.Context(), "q", r.Receipt); err != nil {
		t.Errorf("second delete: %v", err)
	}
}

func visibility(t *testing.T, s tb.MessageStore) {
	send(t, s, msg("m1", "x"))
	first := receive(t, s, 1, time.Second, 0)
	if len(first) != 1 {
		t.Fatal("not received")
	}
	if got := receive(t, s, 1, time.Second, 0); len(got) != 0 {
		t.Fatal("received while in flight")
	}
	var again []tb.ReceivedMessage
	check.For(t, 10*time.Second, 100*time.Millisecond, func() error {
		again = receive(t, s, 1, time.Minute, 0)
		if len(again) == 0 {
			return errors.New("not visible again after its visibility timeout")
		}
		return nil
	})
	if again[0].ReceiveCount != 2 || !again[0].FirstReceivedAt.Equal(first[0].FirstReceivedAt) || again[0].Receipt == first[0].Receipt {
		t.Errorf("second receive %+v, first %+v", again[0], first[0])
	}
}

func changeVisibility(t *testing.T, s tb.MessageStore) {
	send(t, s, msg("m1", "x"))
	got := receive(t, s, 1, time.Hour, 0)
	if err := s.ChangeVisibility(t.Context(), "q", got[0].Receipt, 0); err != nil {
		t.Fatal(err)
	}
	check.For(t, 5*time.Second, 50*time.Millisecond, func() error {
		if len(receive(t, s, 1, time.Hour, 0)) == 0 {
			return errors.New("not visible after ChangeVisibility 0")
		}
		return nil
	})
}

// visibilityLimit: a message stays invisible at most MaxVisibility after
// the receive its receipt came from; a change past that is refused and
// changes nothing.
func visibilityLimit(t *testing.T, s tb.MessageStore) {
	ctx := t.Context()
	send(t, s, msg("m1", "x"))
	got := receive(t, s, 1, time.Minute, 0)
	if err := s.ChangeVisibility(ctx, "q", got[0].Receipt, tb.MaxVisibility-time.Minute); err != nil {
		t.Fatalf("within the limit: %v", err)
	}
	if err := s.ChangeVisibility(ctx, "q", got[0].Receipt, tb.MaxVisibility+time.Second); !errors.Is(err, tb.ErrVisibilityLimit) {
		t.Fatalf("past the limit: %v, want ErrVisibilityLimit", err)
	}
	if again := receive(t, s, 1, time.Minute, 0); len(again) != 0 {
		t.Fatalf("visible after a refused change: %+v", again)
	}
	if err := s.ChangeVisibility(ctx, "q", got[0].Receipt, 0); err != nil {
		t.Fatal(err)
	}
	check.For(t, 5*time.Second, 50*time.Millisecond, func() error {
		if len(receive(t, s, 1, time.Minute, 0)) == 0 {
			return errors.New("not visible after ChangeVisibility 0")
		}
		return nil
	})
}

func longPoll(t *testing.T, s tb.MessageStore) {
	go func() {
		time.Sleep(300 * time.Millisecond)
		s.Send(context.Background(), "q", []tb.QueueMessage{msg("late", "x")})
	}()
	start := time.Now()
	got := receive(t, s, 10, time.Minute, 20*time.Second)
	if len(got) != 1 || got[0].ID != "late" {
		t.Fatalf("received %+v", got)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("long poll took %v after the send", d)
	}
}

func waitPasses(t *testing.T, s tb.MessageStore) {
	start := time.Now()
	if got := receive(t, s, 10, time.Minute, time.Second); len(got) != 0 {
		t.Fatalf("received %d from an empty queue", len(got))
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 10*time.Second {
		t.Errorf("a 1 s wait took %v", d)
	}
}

func delay(t *testing.T, s tb.MessageStore) {
	m := msg("d", "x")
	m.Delay = time.Second
	send(t, s, m)
	if c := counts(t, s); c != (tb.QueueCounts{Delayed: 1}) {
		t.Errorf("counts of a delayed message %+v", c)
	}
	if got := receive(t, s, 1, time.Minute, 0); len(got) != 0 {
		t.Fatal("a delayed message was received at once")
	}
	check.For(t, 10*time.Second, 100*time.Millisecond, func() error {
		if len(receive(t, s, 1, time.Minute, 0)) == 0 {
			return errors.New("delayed message not visible yet")
		}
		return nil
	})
}

func maxAndOrder(t *testing.T, s tb.MessageStore) {
	var msgs []tb.QueueMessage
	for i := range 15 {
		msgs = append(msgs, msg(fmt.Sprint("m", i), fmt.Sprint(i)))
	}
	send(t, s, msgs...)
	seen := map[string]bool{}
	for range 3 {
		got := receive(t, s, 10, time.Minute, 0)
		if len(got) > 10 {
			t.Fatalf("received %d, over max", len(got))
		}
		for _, r := range got {
			if seen[r.ID] {
				t.Fatalf("%s received twice while in flight", r.ID)
			}
			seen[r.ID] = true
		}
	}
	if len(seen) != 15 {
		t.Errorf("received %d of 15", len(seen))
	}
}

func purge(t *testing.T, s tb.MessageStore) {
	send(t, s, msg("a", "1"), msg("b", "2"))
	if err := s.PurgeQueue(t.Context(), "q"); err != nil {
		t.Fatal(err)
	}
	check.For(t, 5*time.Second, 50*time.Millisecond, func() error {
		if c := counts(t, s); c != (tb.QueueCounts{}) {
			return fmt.Errorf("counts after purge %+v", c)
		}
		return nil
	})
	send(t, s, msg("c", "3"))
	if got := receive(t, s, 10, time.Minute, 0); len(got) != 1 || got[0].ID != "c" {
		t.Errorf("after purge received %+v", got)
	}
}

func receipts(t *testing.T, s tb.MessageStore) {
	ctx := t.Context()
	for _, r := range []string{"", "garbage", "!!!"} {
		if err := s.Delete(ctx, "q", r); !errors.Is(err, tb.ErrInvalidReceipt) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidReceipt", r, err)
		}
		if err := s.ChangeVisibility(ctx, "q", r, 0); !errors.Is(err, tb.ErrInvalidReceipt) {
			t.Errorf("ChangeVisibility(%q) = %v, want ErrInvalidReceipt", r, err)
		}
	}
	// A receipt of another queue is invalid here.
	if err := s.OpenQueue(ctx, "other", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, "other", []tb.QueueMessage{msg("o", "x")}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Receive(ctx, "other", 1, time.Minute, 0)
	if err != nil || len(got) != 1 {
		t.Fatalf("receive from other: %v %v", got, err)
	}
	if err := s.Delete(ctx, "q", got[0].Receipt); !errors.Is(err, tb.ErrInvalidReceipt) {
		t.Errorf("receipt of another queue: %v", err)
	}
}

func noQueue(t *testing.T, s tb.MessageStore) {
	ctx := t.Context()
	if err := s.DeleteQueue(ctx, "q"); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, "q", []tb.QueueMessage{msg("a", "x")}); !errors.Is(err, tb.ErrNoQueue) {
		t.Errorf("Send to a deleted queue: %v", err)
	}
	if _, err := s.Receive(ctx, "q", 1, time.Second, 0); !errors.Is(err, tb.ErrNoQueue) {
		t.Errorf("Receive from a deleted queue: %v", err)
	}
	if _, err := s.Counts(ctx, "q"); !errors.Is(err, tb.ErrNoQueue) {
		t.Errorf("Counts of a deleted queue: %v", err)
	}
	// Opening it again gives an empty queue.
	if err := s.OpenQueue(ctx, "q", time.Hour); err != nil {
		t.Fatal(err)
	}
	if c := counts(t, s); c != (tb.QueueCounts{}) {
		t.Errorf("reopened queue counts %+v", c)
	}
}
