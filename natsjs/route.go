package natsjs

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"github.com/trailbridge/trailbridge"
)

// RouterConsumer is the durable consumer every router shares: each group of
// events goes to one process, and comes back if that process dies first.
const RouterConsumer = "router"

// maxRouteBatch caps the events messages routed (and acknowledged) together.
const maxRouteBatch = 256

// busyEvents is the number of events in a routed batch that means the
// router is under load, and routeLinger how long it then waits to fill the
// next batch. Load is judged by events, not stored messages: at 1,000
// single-event calls a second, a threshold of 8 messages was met again by
// the 10 ms wait itself, so that once a stall had set it, every event
// waited (p50 6.3 ms instead of 0.6 ms). Staying busy now takes 64 events
// per wait and routing, some thousands of events a second, well above the
// rates where lingering does not pay for its latency.
const (
	busyEvents  = 64
	routeLinger = 10 * time.Millisecond
)

// ConsumeEvents calls fn with the events of one or more stored groups until
// ctx ends. A group is acknowledged only after fn returns nil for it, so
// every accepted event reaches fn at least once; when fn fails, the groups
// are offered again after a pause.
func (e *Engine) ConsumeEvents(ctx context.Context, fn func(ctx context.Context, evs []trailbridge.Accepted) error) error {
	nc, js, err := e.dial("router")
	if err != nil {
		return err
	}
	defer nc.Close()
	cons, err := js.CreateOrUpdateConsumer(ctx, EventsStream, jetstream.ConsumerConfig{
		Durable:       RouterConsumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		MaxAckPending: 4 * maxRouteBatch,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("create consumer %s: %w", RouterConsumer, err)
	}
	msgs := make(chan jetstream.Msg, 2*maxRouteBatch)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case msgs <- m:
		case <-ctx.Done():
		}
	}, jetstream.PullMaxMessages(2*maxRouteBatch), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		e.log.Debug("events consumer", "err", err)
	}))
	if err != nil {
		return fmt.Errorf("consume %s: %w", EventsStream, err)
	}
	defer cc.Stop()
	var batch []jetstream.Msg
	var evs []trailbridge.Accepted
	busy := false
	for {
		batch = batch[:0]
		select {
		case m := <-msgs:
			batch = append(batch, m)
		case <-ctx.Done():
			return nil
		}
		// Under load, wait a little for more, so that routing costs a
		// few large writes rather than many small ones; when idle, route
		// at once.
		var linger <-chan time.Time
		if busy {
			linger = time.After(routeLinger)
		}
	drain:
		for len(batch) < maxRouteBatch {
			select {
			case m := <-msgs:
				batch = append(batch, m)
			case <-linger:
				break drain
			default:
				if linger == nil {
					break drain
				}
				select {
				case m := <-msgs:
					batch = append(batch, m)
				case <-linger:
					break drain
				case <-ctx.Done():
					return nil
				}
			}
		}
		evs = evs[:0]
		keep := batch[:0]
		for _, m := range batch {
			got, err := readGroup(m.Data())
			if err != nil {
				// Not ours to understand: keep it for inspection
				// rather than loop on it forever.
				e.log.Error("events message dropped", "err", err, "subject", m.Subject())
				m.TermWithReason(err.Error())
				continue
			}
			evs = append(evs, got...)
			keep = append(keep, m)
		}
		busy = len(evs) >= busyEvents
		if len(keep) == 0 {
			continue
		}
		if err := fn(ctx, evs); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			e.log.Warn("routing failed; retrying", "err", err, "events", len(evs))
			for _, m := range keep {
				m.NakWithDelay(time.Second)
			}
			continue
		}
		for _, m := range keep {
			if err := m.Ack(); err != nil {
				// The group will come back; its deliveries are written
				// again, which at-least-once allows.
				e.log.Warn("ack events", "err", err)
			}
		}
	}
}

// maxAtomicBatch is JetStream's default limit of messages per atomic batch.
const maxAtomicBatch = 1000

// storeDeliveries stores deliveries on their targets' subjects, where each
// target's consumer finds them: the deliveries owed to one target of one
// rule are packed into one message; many messages are written as atomic
// batches (of up to 1000 messages), which the server stores with one sync.
// Routing writes a routing record instead (PublishDeliveries); this is for
// deliveries whose first attempt cannot be made from it (see ConsumeRouted).
func (e *Engine) storeDeliveries(ctx context.Context, ds []trailbridge.Delivery) error {
	var msgs []*nats.Msg
	for _, part := range splitByTarget(ds) {
		var m *nats.Msg
		for _, d := range part {
			if m == nil || len(m.Data) > e.maxDeliveryBytes() {
				m = &nats.Msg{Subject: DeliverySubject(d.Bus, d.Rule, d.Target), Data: []byte{deliveryVersion}}
				msgs = append(msgs, m)
			}
			m.Data = appendDelivery(m.Data, d)
		}
	}
	if len(msgs) <= maxPlainDeliveries {
		return e.publishEach(ctx, msgs)
	}
	for len(msgs) > 0 {
		n := min(len(msgs), maxAtomicBatch)
		if err := e.publishBatch(ctx, msgs[:n]); err != nil {
			return err
		}
		msgs = msgs[n:]
	}
	return nil
}

// maxPlainDeliveries is how many delivery messages are written one by one
// rather than as an atomic batch. The server stages an atomic batch in a
// store of its own (a folder and files, measured at about 3 ms), while a
// single synced write costs about 0.5 ms; nothing needs the messages to be
// atomic (a routing retried after a crash writes them again, which
// at-least-once allows), so small sets go one by one.
const maxPlainDeliveries = 6

// publishEach writes messages one by one, pipelined.
func (e *Engine) publishEach(ctx context.Context, msgs []*nats.Msg) error {
	futs := make([]jetstream.PubAckFuture, 0, len(msgs))
	for _, m := range msgs {
		f, err := e.js.PublishMsgAsync(m, jetstream.WithExpectStream(DeliveriesStream))
		if err != nil {
			return fmt.Errorf("publish deliveries: %w", err)
		}
		futs = append(futs, f)
	}
	for _, f := range futs {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("publish deliveries: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// maxDeliveryBytes is where a packed delivery message is closed and the
// next one begun, below the server's payload limit.
func (e *Engine) maxDeliveryBytes() int {
	return int(e.nc.MaxPayload()) / 2
}

func (e *Engine) publishBatch(ctx context.Context, msgs []*nats.Msg) error {
	if len(msgs) == 1 {
		return e.publishEach(ctx, msgs)
	}
	id := nuid.Next()
	for i, msg := range msgs {
		msg.Header = nats.Header{}
		msg.Header.Set("Nats-Batch-Id", id)
		msg.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		if i < len(msgs)-1 {
			if err := e.nc.PublishMsg(msg); err != nil {
				return fmt.Errorf("publish deliveries: %w", err)
			}
			continue
		}
		msg.Header.Set("Nats-Batch-Commit", "1")
		if _, err := e.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(DeliveriesStream)); err != nil {
			return fmt.Errorf("publish deliveries: %w", err)
		}
	}
	return nil
}

// DeliverySubject is where deliveries to one target of one rule are stored.
func DeliverySubject(bus, rule, target string) string {
	return deliveriesSubject + "." + escapeToken(bus) + "." + escapeToken(rule) + "." + escapeToken(target)
}

// ReadDeliveries reads a stored delivery message, or a routing record, back
// into the deliveries packed in it. The events alias data.
func ReadDeliveries(subject string, data []byte) ([]trailbridge.Delivery, error) {
	if subject == RoutedSubject {
		return readRouted(data)
	}
	toks := splitSubject(subject)
	if len(toks) != 5 || toks[0]+"."+toks[1] != deliveriesSubject {
		return nil, fmt.Errorf("not a delivery subject: %q", subject)
	}
	var d trailbridge.Delivery
	var err error
	if d.Bus, err = unescapeToken(toks[2]); err != nil {
		return nil, err
	}
	if d.Rule, err = unescapeToken(toks[3]); err != nil {
		return nil, err
	}
	if d.Target, err = unescapeToken(toks[4]); err != nil {
		return nil, err
	}
	return readDeliveries(d, data)
}

func splitSubject(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
