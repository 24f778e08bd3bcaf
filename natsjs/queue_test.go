package natsjs

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/internal/check"
)

func openQueues(t *testing.T, dir string, names ...string) (*Engine, *Queues) {
	t.Helper()
	e := openTest(t, dir)
	q, err := e.Queues()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := q.OpenQueue(t.Context(), n, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	return e, q
}

func qmsg(id string) trailbridge.QueueMessage {
	return trailbridge.QueueMessage{ID: id, Body: "body " + id, SentAt: time.Now().UTC()}
}

// receiveN receives until n messages came or timeout passed.
func receiveN(t *testing.T, q *Queues, name string, n int, vis time.Duration, timeout time.Duration) []trailbridge.ReceivedMessage {
	t.Helper()
	var out []trailbridge.ReceivedMessage
	deadline := time.Now().Add(timeout)
	for len(out) < n && time.Now().Before(deadline) {
		got, err := q.Receive(t.Context(), name, min(10, n-len(out)), vis, 500*time.Millisecond)
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		out = append(out, got...)
	}
	if len(out) != n {
		t.Fatalf("received %d messages, want %d", len(out), n)
	}
	return out
}

func wantCounts(t *testing.T, q *Queues, name string, want trailbridge.QueueCounts) {
	t.Helper()
	check.For(t, 5*time.Second, 20*time.Millisecond, func() error {
		got, err := q.Counts(t.Context(), name)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("counts = %+v, want %+v", got, want)
		}
		return nil
	})
}

func TestQueueSendReceiveDelete(t *testing.T) {
	e, q := openQueues(t, t.TempDir(), "orders", "other.fifo")
	defer e.Close()
	ctx := t.Context()
	s := "v"
	in := []trailbridge.QueueMessage{qmsg("a"), qmsg("b"), qmsg("c")}
	in[0].Attributes = map[string]trailbridge.MessageAttribute{
		"s": {DataType: "String", StringValue: &s},
		"b": {DataType: "Binary.x", BinaryValue: []byte{0, 1, 2}},
	}
	in[1].SenderID, in[1].GroupID, in[1].DeduplicationID = "AKID", "g", "d"
	if err := q.Send(ctx, "orders", in); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, q, "orders", trailbridge.QueueCounts{Visible: 3})
	got := receiveN(t, q, "orders", 3, time.Minute, 5*time.Second)
	for i, m := range got {
		if !reflect.DeepEqual(in[i], m.QueueMessage) {
			t.Errorf("message %d:\nsent     %+v\nreceived %+v", i, in[i], m.QueueMessage)
		}
		if m.ReceiveCount != 1 || m.Receipt == "" || m.FirstReceivedAt.IsZero() {
			t.Errorf("message %d: count %d, receipt %q, first received %v", i, m.ReceiveCount, m.Receipt, m.FirstReceivedAt)
		}
	}
	wantCounts(t, q, "orders", trailbridge.QueueCounts{InFlight: 3})
	if more, err := q.Receive(ctx, "orders", 10, time.Minute, 0); err != nil || len(more) != 0 {
		t.Fatalf("receive of in-flight queue = %d messages, %v", len(more), err)
	}
	for _, m := range got {
		if err := q.Delete(ctx, "orders", m.Receipt); err != nil {
			t.Fatal(err)
		}
	}
	wantCounts(t, q, "orders", trailbridge.QueueCounts{})
	// Deleted messages leave the stream.
	check.For(t, 5*time.Second, 50*time.Millisecond, func() error {
		s, err := e.JetStream().Stream(ctx, QueueStream("orders"))
		if err != nil {
			return err
		}
		if n := s.CachedInfo().State.Msgs; n != 0 {
			q.compactSoon("orders")
			return fmt.Errorf("stream holds %d messages after all were deleted", n)
		}
		return nil
	})
	if err := q.Delete(ctx, "orders", got[0].Receipt); err != nil {
		t.Errorf("deleting a deleted message: %v", err)
	}
	// The other queue saw nothing.
	wantCounts(t, q, "other.fifo", trailbridge.QueueCounts{})
}

// TestQueueVisibility checks what the store relies on in JetStream: a
// message NAKed with a delay stays invisible for the delay, comes back
// after it with its delivery count grown, and can still be acknowledged
// (deleted) meanwhile; a NAK without delay makes it visible at once.
func TestQueueVisibility(t *testing.T) {
	e, q := openQueues(t, t.TempDir(), "q")
	defer e.Close()
	ctx := t.Context()

	t.Run("comes back after the timeout, not before", func(t *testing.T) {
		if err := q.Send(ctx, "q", []trailbridge.QueueMessage{qmsg("v")}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		first := receiveN(t, q, "q", 1, time.Second, 5*time.Second)[0]
		var again []trailbridge.ReceivedMessage
		check.For(t, 5*time.Second, 50*time.Millisecond, func() error {
			var err error
			again, err = q.Receive(ctx, "q", 1, time.Minute, 0)
			if err == nil && len(again) == 0 {
				err = errors.New("not visible again yet")
			}
			return err
		})
		if el := time.Since(start); el < time.Second {
			t.Errorf("visible again after %v, before the 1s visibility timeout", el)
		}
		if again[0].ID != "v" || again[0].ReceiveCount != 2 || again[0].Receipt == first.Receipt {
			t.Errorf("again = id %s count %d (same receipt: %v)", again[0].ID, again[0].ReceiveCount, again[0].Receipt == first.Receipt)
		}
		if err := q.Delete(ctx, "q", again[0].Receipt); err != nil {
			t.Fatal(err)
		}
		wantCounts(t, q, "q", trailbridge.QueueCounts{})
	})

	t.Run("deleted while invisible", func(t *testing.T) {
		if err := q.Send(ctx, "q", []trailbridge.QueueMessage{qmsg("d")}); err != nil {
			t.Fatal(err)
		}
		m := receiveN(t, q, "q", 1, time.Second, 5*time.Second)[0]
		if err := q.Delete(ctx, "q", m.Receipt); err != nil {
			t.Fatal(err)
		}
		wantCounts(t, q, "q", trailbridge.QueueCounts{})
		if got, err := q.Receive(ctx, "q", 10, time.Minute, 1500*time.Millisecond); err != nil || len(got) != 0 {
			t.Errorf("after delete, receive past the visibility timeout = %d messages, %v", len(got), err)
		}
	})

	t.Run("change visibility to 0", func(t *testing.T) {
		if err := q.Send(ctx, "q", []trailbridge.QueueMessage{qmsg("c")}); err != nil {
			t.Fatal(err)
		}
		m := receiveN(t, q, "q", 1, time.Hour, 5*time.Second)[0]
		if err := q.ChangeVisibility(ctx, "q", m.Receipt, 0); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		again := receiveN(t, q, "q", 1, time.Hour, 5*time.Second)[0]
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("visible again after %v", el)
		}
		if again.ReceiveCount != 2 {
			t.Errorf("receive count = %d, want 2", again.ReceiveCount)
		}
		// Longer again, then deleted with the newest receipt.
		if err := q.ChangeVisibility(ctx, "q", again.Receipt, time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := q.Delete(ctx, "q", again.Receipt); err != nil {
			t.Fatal(err)
		}
		wantCounts(t, q, "q", trailbridge.QueueCounts{})
	})

	t.Run("visibility 0 on receive", func(t *testing.T) {
		if err := q.Send(ctx, "q", []trailbridge.QueueMessage{qmsg("z")}); err != nil {
			t.Fatal(err)
		}
		for want := 1; want <= 3; want++ {
			m := receiveN(t, q, "q", 1, 0, 5*time.Second)[0]
			if m.ReceiveCount != want {
				t.Errorf("receive count = %d, want %d", m.ReceiveCount, want)
			}
			if want == 3 {
				if err := q.Delete(ctx, "q", m.Receipt); err != nil {
					t.Fatal(err)
				}
			}
		}
		wantCounts(t, q, "q", trailbridge.QueueCounts{})
	})
}

func TestQueueLongPollReturnsEarly(t *testing.T) {
	e, q := openQueues(t, t.TempDir(), "lp")
	defer e.Close()
	ctx := t.Context()

	t.Run("wait 0 returns at once", func(t *testing.T) {
		start := time.Now()
		got, err := q.Receive(ctx, "lp", 10, time.Minute, 0)
		if err != nil || len(got) != 0 {
			t.Fatalf("receive = %d, %v", len(got), err)
		}
		if el := time.Since(start); el > 500*time.Millisecond {
			t.Errorf("empty receive without wait took %v", el)
		}
	})
	t.Run("empty wait runs out", func(t *testing.T) {
		start := time.Now()
		got, err := q.Receive(ctx, "lp", 10, time.Minute, 300*time.Millisecond)
		if err != nil || len(got) != 0 {
			t.Fatalf("receive = %d, %v", len(got), err)
		}
		if el := time.Since(start); el < 250*time.Millisecond || el > 3*time.Second {
			t.Errorf("empty long poll of 300ms took %v", el)
		}
	})
	t.Run("message arrives", func(t *testing.T) {
		go func() {
			time.Sleep(200 * time.Millisecond) // the poll must be waiting
			if err := q.Send(context.Background(), "lp", []trailbridge.QueueMessage{qmsg("late")}); err != nil {
				t.Error(err)
			}
		}()
		start := time.Now()
		got, err := q.Receive(ctx, "lp", 10, time.Minute, 10*time.Second)
		if err != nil || len(got) != 1 || got[0].ID != "late" {
			t.Fatalf("receive = %v, %v", got, err)
		}
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("long poll returned after %v, long after the message came", el)
		}
		q.Delete(ctx, "lp", got[0].Receipt)
	})
	t.Run("abandoned poll hands back what comes later", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			q.Receive(cctx, "lp", 10, time.Hour, 5*time.Second)
		}()
		time.Sleep(100 * time.Millisecond)
		cancel()
		<-done
		// The server still holds the abandoned pull request; the
		// message goes to it first and must come back at once.
		if err := q.Send(ctx, "lp", []trailbridge.QueueMessage{qmsg("orphan")}); err != nil {
			t.Fatal(err)
		}
		got := receiveN(t, q, "lp", 1, time.Hour, 3*time.Second)
		if got[0].ID != "orphan" {
			t.Errorf("got %s", got[0].ID)
		}
		q.Delete(ctx, "lp", got[0].Receipt)
	})
}

func TestQueueDelay(t *testing.T) {
	e, q := openQueues(t, t.TempDir(), "dq")
	defer e.Close()
	ctx := t.Context()
	m := qmsg("later")
	m.Delay = 2 * time.Second
	if err := q.Send(ctx, "dq", []trailbridge.QueueMessage{m, qmsg("now")}); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, q, "dq", trailbridge.QueueCounts{Visible: 1, Delayed: 1})
	got := receiveN(t, q, "dq", 1, time.Hour, 2*time.Second)
	if got[0].ID != "now" {
		t.Fatalf("received %s first", got[0].ID)
	}
	got = receiveN(t, q, "dq", 1, time.Hour, 5*time.Second)
	if el := time.Since(m.SentAt); got[0].ID != "later" || el < m.Delay {
		t.Errorf("received %s %v after sending, want later after %v", got[0].ID, el, m.Delay)
	}
	if got[0].Delay != m.Delay {
		t.Errorf("delay = %v", got[0].Delay)
	}
	wantCounts(t, q, "dq", trailbridge.QueueCounts{InFlight: 2})
}

func TestQueuePurgeAndDelete(t *testing.T) {
	e, q := openQueues(t, t.TempDir(), "p")
	defer e.Close()
	ctx := t.Context()
	delayed := qmsg("d")
	delayed.Delay = time.Minute
	if err := q.Send(ctx, "p", []trailbridge.QueueMessage{qmsg("1"), qmsg("2"), qmsg("3"), delayed}); err != nil {
		t.Fatal(err)
	}
	taken := receiveN(t, q, "p", 1, time.Hour, 5*time.Second)
	wantCounts(t, q, "p", trailbridge.QueueCounts{Visible: 2, InFlight: 1, Delayed: 1})
	if err := q.PurgeQueue(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, q, "p", trailbridge.QueueCounts{})
	if err := q.Delete(ctx, "p", taken[0].Receipt); err != nil {
		t.Errorf("delete of a purged message: %v", err)
	}
	// The queue works after a purge.
	if err := q.Send(ctx, "p", []trailbridge.QueueMessage{qmsg("4")}); err != nil {
		t.Fatal(err)
	}
	if got := receiveN(t, q, "p", 1, time.Hour, 5*time.Second); got[0].ID != "4" {
		t.Errorf("after purge received %s", got[0].ID)
	}

	if err := q.DeleteQueue(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if err := q.DeleteQueue(ctx, "p"); err != nil {
		t.Errorf("second delete: %v", err)
	}
	for what, err := range map[string]error{
		"send":    q.Send(ctx, "p", []trailbridge.QueueMessage{qmsg("x")}),
		"purge":   q.PurgeQueue(ctx, "p"),
		"receive": func() error { _, err := q.Receive(ctx, "p", 1, time.Minute, 0); return err }(),
		"counts":  func() error { _, err := q.Counts(ctx, "p"); return err }(),
		"never":   func() error { _, err := q.Receive(ctx, "never", 1, time.Minute, 0); return err }(),
	} {
		if !errors.Is(err, trailbridge.ErrNoQueue) {
			t.Errorf("%s on a deleted queue: %v, want ErrNoQueue", what, err)
		}
	}
	// Opening it again gives an empty queue.
	if err := q.OpenQueue(ctx, "p", time.Hour); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, q, "p", trailbridge.QueueCounts{})
}

func TestQueueInvalidReceipts(t *testing.T) {
	e, q := openQueues(t, t.TempDir(), "a", "b")
	defer e.Close()
	ctx := t.Context()
	if err := q.Send(ctx, "b", []trailbridge.QueueMessage{qmsg("x")}); err != nil {
		t.Fatal(err)
	}
	ofB := receiveN(t, q, "b", 1, time.Hour, 5*time.Second)[0].Receipt
	for _, tc := range []struct{ name, receipt string }{
		{"empty", ""},
		{"not base64", "!!!"},
		{"random", "aGVsbG8gd29ybGQgdGhpcyBpcyBub3Q"},
		{"of another queue", ofB},
		{"truncated", ofB[:len(ofB)-3]},
		{"changed", ofB[:5] + string(ofB[5]^1) + ofB[6:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := q.Delete(ctx, "a", tc.receipt); !errors.Is(err, trailbridge.ErrInvalidReceipt) {
				t.Errorf("Delete: %v, want ErrInvalidReceipt", err)
			}
			if err := q.ChangeVisibility(ctx, "a", tc.receipt, 0); !errors.Is(err, trailbridge.ErrInvalidReceipt) {
				t.Errorf("ChangeVisibility: %v, want ErrInvalidReceipt", err)
			}
		})
	}
	// The receipt still works on its own queue.
	if err := q.Delete(ctx, "b", ofB); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, q, "b", trailbridge.QueueCounts{})
}

func TestQueueRestart(t *testing.T) {
	dir := t.TempDir()
	e, q := openQueues(t, dir, "r")
	ctx := t.Context()
	if err := q.Send(ctx, "r", []trailbridge.QueueMessage{qmsg("held"), qmsg("short"), qmsg("waiting")}); err != nil {
		t.Fatal(err)
	}
	got := receiveN(t, q, "r", 2, time.Hour, 5*time.Second)
	if got[0].ID != "held" || got[1].ID != "short" {
		t.Fatalf("received %s, %s", got[0].ID, got[1].ID)
	}
	held := got[0]
	if err := q.ChangeVisibility(ctx, "r", got[1].Receipt, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	changed := time.Now()
	e.Close()

	e, q = openQueues(t, dir)
	defer e.Close()
	wantCounts(t, q, "r", trailbridge.QueueCounts{Visible: 1, InFlight: 2})
	got = receiveN(t, q, "r", 1, time.Hour, 5*time.Second)
	if got[0].ID != "waiting" {
		t.Fatalf("first after restart: %s", got[0].ID)
	}
	// The changed visibility survived: "short" comes back after 2s, not
	// at once and not after the hour it was received with. (JetStream
	// keeps the deadlines of a consumer's state to the second.)
	got = receiveN(t, q, "r", 1, time.Hour, 10*time.Second)
	if el := time.Since(changed); got[0].ID != "short" || got[0].ReceiveCount != 2 || el < time.Second {
		t.Errorf("after restart: %s (count %d) after %v", got[0].ID, got[0].ReceiveCount, el)
	}
	// The receipt handed out before the restart still deletes.
	if err := q.Delete(ctx, "r", held.Receipt); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, q, "r", trailbridge.QueueCounts{InFlight: 2})
}

func TestQueueConcurrentSenders(t *testing.T) {
	e, q := openQueues(t, t.TempDir(), "c1", "c2")
	defer e.Close()
	ctx := t.Context()
	const senders, sends, per = 8, 40, 3
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range sends {
				var ms []trailbridge.QueueMessage
				for j := range per {
					ms = append(ms, qmsg(fmt.Sprintf("%d-%d-%d", s, i, j)))
				}
				if err := q.Send(ctx, []string{"c1", "c2"}[s%2], ms); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, name := range []string{"c1", "c2"} {
		for _, m := range receiveN(t, q, name, senders*sends*per/2, time.Hour, 20*time.Second) {
			if seen[m.ID] {
				t.Errorf("%s received twice", m.ID)
			}
			seen[m.ID] = true
		}
	}
	if len(seen) != senders*sends*per {
		t.Errorf("received %d distinct messages, want %d", len(seen), senders*sends*per)
	}
}

func TestQueueNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{{"a", true}, {"A-b_9", true}, {"x.fifo", true}, {"", false}, {".fifo", false}, {"a.b", false}, {"a b", false}, {string(make([]byte, 81)), false}} {
		if got := validQueueName(tc.name); got != tc.ok {
			t.Errorf("validQueueName(%q) = %v", tc.name, got)
		}
	}
}

func TestQueueMessageCodec(t *testing.T) {
	s := "str"
	m := trailbridge.QueueMessage{ID: "id", Body: "hello", SentAt: time.Unix(0, 1700000000123456789).UTC(), Delay: time.Second,
		SenderID: "s", GroupID: "g", DeduplicationID: "d",
		Attributes: map[string]trailbridge.MessageAttribute{"a": {DataType: "String", StringValue: &s}, "b": {DataType: "Binary", BinaryValue: []byte{}}}}
	got, err := readQueueMessage(appendQueueMessage(nil, &m))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, got) {
		t.Errorf("round trip:\nwant %+v\ngot  %+v", m, got)
	}
}

func FuzzReadQueueMessage(f *testing.F) {
	m := qmsg("x")
	f.Add(appendQueueMessage(nil, &m))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := readQueueMessage(b)
		if err != nil {
			return
		}
		again, err := readQueueMessage(appendQueueMessage(nil, &m))
		if err != nil || !reflect.DeepEqual(m, again) {
			t.Fatalf("re-encoding: %v", err)
		}
	})
}

// TestReceiptVersions: a receipt carries its receive's time (version 2);
// a version 1 receipt, handed out by an earlier release, still decodes,
// with no time, so that no visibility limit applies to it.
func TestReceiptVersions(t *testing.T) {
	a := ackSubject{form: 1, stream: "TBQ_q", consumer: "sqs", dc: 2, sseq: 7, dseq: 9, ts: 1_700_000_000_000_000_000, np: 3}
	recv := time.UnixMilli(1_800_000_000_123)
	got, gotRecv, err := decodeReceipt(encodeReceipt(a, recv), "TBQ_q", "sqs")
	if err != nil || got != a || !gotRecv.Equal(recv) {
		t.Fatalf("version 2: %+v at %v, %v", got, gotRecv, err)
	}
	v1 := []byte{1, 1}
	for _, v := range []uint64{a.dc, a.sseq, a.dseq, a.ts, a.np} {
		v1 = binary.AppendUvarint(v1, v)
	}
	v1 = binary.BigEndian.AppendUint32(v1, receiptSum("TBQ_q", v1))
	got, gotRecv, err = decodeReceipt(base64.RawURLEncoding.EncodeToString(v1), "TBQ_q", "sqs")
	if err != nil || got != a || !gotRecv.IsZero() {
		t.Fatalf("version 1: %+v at %v, %v", got, gotRecv, err)
	}
	if _, _, err := decodeReceipt(encodeReceipt(a, recv), "TBQ_other", "sqs"); !errors.Is(err, trailbridge.ErrInvalidReceipt) {
		t.Errorf("receipt of another queue: %v", err)
	}
}

func FuzzDecodeReceipt(f *testing.F) {
	f.Add(encodeReceipt(ackSubject{form: 1, stream: "TBQ_q", consumer: "sqs", dc: 1, sseq: 2, dseq: 3, ts: 4, np: 5}, time.UnixMilli(1_700_000_000_000)))
	f.Add(encodeReceipt(ackSubject{form: 2, domain: "_", account: "abc", stream: "TBQ_q", consumer: "sqs", dc: 1, sseq: 2, dseq: 3, ts: 4}, time.Time{}))
	f.Add("AQEBAgMEBQ") // version 1
	f.Add("AQE")
	f.Fuzz(func(t *testing.T, s string) {
		a, _, err := decodeReceipt(s, "TBQ_q", "sqs")
		if err != nil {
			if !errors.Is(err, trailbridge.ErrInvalidReceipt) {
				t.Fatalf("error %v does not wrap ErrInvalidReceipt", err)
			}
			return
		}
		// Whatever decodes addresses this queue's consumer only.
		b, err := parseAckSubject(a.String())
		if err != nil || b.stream != "TBQ_q" || b.consumer != "sqs" || b != a {
			t.Fatalf("decoded %q to subject %q: %+v, %v", s, a.String(), b, err)
		}
	})
}

// A receive whose visibility is the consumer's ack wait sends no NAK: the
// ack wait alone keeps the message invisible, and its receipt still
// deletes it or changes its visibility.
func TestQueueDefaultVisibilityWithoutNak(t *testing.T) {
	e, q := openQueues(t, t.TempDir(), "q")
	defer e.Close()
	ctx := t.Context()
	if err := q.Send(ctx, "q", []trailbridge.QueueMessage{qmsg("a")}); err != nil {
		t.Fatal(err)
	}
	first := receiveN(t, q, "q", 1, queueAckWait, 5*time.Second)[0]
	if got, err := q.Receive(ctx, "q", 1, queueAckWait, 200*time.Millisecond); err != nil || len(got) != 0 {
		t.Fatalf("received %d (%v) while the message is in flight", len(got), err)
	}
	if c, err := q.Counts(ctx, "q"); err != nil || c.InFlight != 1 {
		t.Errorf("counts %+v, %v; want one in flight", c, err)
	}
	if err := q.ChangeVisibility(ctx, "q", first.Receipt, 0); err != nil {
		t.Fatal(err)
	}
	again := receiveN(t, q, "q", 1, queueAckWait, 5*time.Second)[0]
	if again.ID != "a" || again.ReceiveCount != 2 {
		t.Errorf("again = %s, count %d", again.ID, again.ReceiveCount)
	}
	if err := q.Delete(ctx, "q", again.Receipt); err != nil {
		t.Fatal(err)
	}
	if got, err := q.Receive(ctx, "q", 1, queueAckWait, 200*time.Millisecond); err != nil || len(got) != 0 {
		t.Errorf("received %d (%v) after the delete", len(got), err)
	}
}
