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
const maxRouteBatch = 64

// ConsumeEvents calls fn with the events of one or more stored groups until
// ctx ends. A group is acknowledged only after fn returns nil for it, so
// every accepted event reaches fn at least once; when fn fails, the groups
// are offered again after a pause.
func (e *Engine) ConsumeEvents(ctx context.Context, fn func(ctx context.Context, evs []trailbridge.Accepted) error) error {
	cons, err := e.js.CreateOrUpdateConsumer(ctx, EventsStream, jetstream.ConsumerConfig{
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
	for {
		batch = batch[:0]
		select {
		case m := <-msgs:
			batch = append(batch, m)
		case <-ctx.Done():
			return nil
		}
	drain:
		for len(batch) < maxRouteBatch {
			select {
			case m := <-msgs:
				batch = append(batch, m)
			default:
				break drain
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

// Header set on delivery messages.
const ingestedHeader = "Tb-Ingested" // Unix microseconds

// maxAtomicBatch is JetStream's default limit of messages per atomic batch.
const maxAtomicBatch = 1000

// PublishDeliveries stores deliveries, in atomic batches of up to 1000
// messages: each batch is one write (one fsync) and is stored whole or not
// at all.
func (e *Engine) PublishDeliveries(ctx context.Context, ds []trailbridge.Delivery) error {
	for len(ds) > 0 {
		n := min(len(ds), maxAtomicBatch)
		if err := e.publishBatch(ctx, ds[:n]); err != nil {
			return err
		}
		ds = ds[n:]
	}
	return nil
}

func (e *Engine) publishBatch(ctx context.Context, ds []trailbridge.Delivery) error {
	id := nuid.Next()
	for i, d := range ds {
		msg := &nats.Msg{
			Subject: DeliverySubject(d.Bus, d.Rule, d.Target),
			Data:    d.Event,
			Header:  nats.Header{},
		}
		msg.Header.Set(ingestedHeader, strconv.FormatInt(d.Ingested.UnixMicro(), 10))
		msg.Header.Set("Nats-Batch-Id", id)
		msg.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		if i < len(ds)-1 {
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

// ParseDelivery reads a stored delivery message back.
func ParseDelivery(subject string, hdr nats.Header, data []byte) (trailbridge.Delivery, error) {
	var d trailbridge.Delivery
	toks := splitSubject(subject)
	if len(toks) != 5 || toks[0]+"."+toks[1] != deliveriesSubject {
		return d, fmt.Errorf("not a delivery subject: %q", subject)
	}
	var err error
	if d.Bus, err = unescapeToken(toks[2]); err != nil {
		return d, err
	}
	if d.Rule, err = unescapeToken(toks[3]); err != nil {
		return d, err
	}
	if d.Target, err = unescapeToken(toks[4]); err != nil {
		return d, err
	}
	us, _ := strconv.ParseInt(hdr.Get(ingestedHeader), 10, 64)
	d.Ingested = time.UnixMicro(us).UTC()
	d.Event = data
	return d, nil
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
