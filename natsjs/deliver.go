package natsjs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"github.com/trailbridge/trailbridge"
)

// attemptsHeader counts the delivery attempts already made for the event of
// a retry message.
const attemptsHeader = "Tb-Attempts"

// DeliveryMsg is one stored delivery message (the deliveries packed in it,
// and its acknowledgement), or the part of a routing record owed to one
// target. Its methods are safe for concurrent use.
type DeliveryMsg struct {
	m        jetstream.Msg
	ds       []trailbridge.Delivery
	attempts int

	// For a part of a routing record:
	rec  *routedRecord
	sp   *spiller
	once sync.Once // a part is settled, or stored apart, once
}

// Key returns the bus, rule and target the deliveries are owed to.
func (d *DeliveryMsg) Key() (bus, rule, target string) {
	return d.ds[0].Bus, d.ds[0].Rule, d.ds[0].Target
}

// Deliveries returns the deliveries of the message.
func (d *DeliveryMsg) Deliveries() []trailbridge.Delivery { return d.ds }

// Attempts returns how many attempts were already made for these
// deliveries: 0 for a routed message, more for a retry.
func (d *DeliveryMsg) Attempts() int { return d.attempts }

// InProgress tells JetStream the message is still being worked on, so that
// it is not offered to another worker meanwhile.
func (d *DeliveryMsg) InProgress() {
	if d.rec != nil {
		d.rec.m.InProgress()
		return
	}
	d.m.InProgress()
}

// Ack says every delivery of the message is settled (for a part, every
// delivery not released).
func (d *DeliveryMsg) Ack() error {
	if d.rec != nil {
		d.once.Do(d.rec.settle)
		return nil
	}
	return d.m.Ack()
}

// Nak offers the message again after delay. A part of a routing record is
// stored on its target's subject instead, for the target's consumer, at
// once.
func (d *DeliveryMsg) Nak(delay time.Duration) {
	if d.rec != nil {
		d.once.Do(func() { d.sp.add(d) })
		return
	}
	d.m.NakWithDelay(delay)
}

// Release hands the last deliveries of a routing record's part, which its
// worker has not begun (and will not), to the target's own consumer: they
// are stored on the target's subject, and the record waits for that as for
// the part. Deliveries returns the others after it. Call it before the
// part is settled. For a stored delivery message it does nothing: its
// consumer offers what it does not settle again anyway.
func (d *DeliveryMsg) Release(ds []trailbridge.Delivery) {
	if d.rec == nil || len(ds) == 0 || len(ds) > len(d.ds) {
		return
	}
	d.rec.pending.Add(1)
	keep := len(d.ds) - len(ds)
	d.ds = d.ds[:keep:keep]
	d.sp.add(&DeliveryMsg{rec: d.rec, ds: ds})
}

// DeliveryConsumer is the durable consumer of one target of one rule: its
// name is derived from the three names, so every process that serves the
// target shares it and the work is split between them.
func DeliveryConsumer(bus, rule, target string) string {
	h := sha256.Sum256([]byte(bus + "\x00" + rule + "\x00" + target))
	return "dlv_" + hex.EncodeToString(h[:12])
}

// deliveryAckWait is how long a worker may hold a message before JetStream
// offers it again, unless the worker says it is still in progress.
const deliveryAckWait = 30 * time.Second

// deliveryMaxAckPending bounds the messages of one target handed out and
// not yet acknowledged, by all processes together. It is far above what one
// process holds (maxInFlight in hand, as many again buffered), so that the
// messages a crashed process held, which come back only after
// deliveryAckWait, do not stop the others meanwhile.
const deliveryMaxAckPending = 4096

// ConsumeDeliveries calls fn, from up to maxInFlight goroutines at once, for
// each message owed to the target of a rule, until ctx ends. fn must Ack
// (or Nak) every message it gets.
func (e *Engine) ConsumeDeliveries(ctx context.Context, bus, rule, target string, maxInFlight int, fn func(*DeliveryMsg)) error {
	if maxInFlight < 1 {
		maxInFlight = 1
	}
	name := DeliveryConsumer(bus, rule, target)
	cons, err := e.js.CreateOrUpdateConsumer(ctx, DeliveriesStream, jetstream.ConsumerConfig{
		Durable:       name,
		Description:   fmt.Sprintf("deliveries to target %s of rule %s on bus %s", target, rule, bus),
		FilterSubject: DeliverySubject(bus, rule, target),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       deliveryAckWait,
		MaxAckPending: max(deliveryMaxAckPending, 2*maxInFlight),
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("create consumer %s: %w", name, err)
	}
	sem := make(chan struct{}, maxInFlight)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		ds, err := ReadDeliveries(m.Subject(), m.Data())
		if err != nil {
			e.log.Error("delivery message dropped", "err", err, "subject", m.Subject())
			m.TermWithReason(err.Error())
			return
		}
		n, _ := strconv.Atoi(m.Headers().Get(attemptsHeader))
		dm := &DeliveryMsg{m: m, ds: ds, attempts: n}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		go func() {
			defer func() { <-sem }()
			fn(dm)
		}()
	}, jetstream.PullMaxMessages(maxInFlight), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		e.log.Debug("delivery consumer", "consumer", name, "err", err)
	}))
	if err != nil {
		return fmt.Errorf("consume %s: %w", name, err)
	}
	<-ctx.Done()
	cc.Stop()
	// Let the messages in hand finish: each is acknowledged or offered
	// again by its own goroutine.
	for range maxInFlight {
		sem <- struct{}{}
	}
	return nil
}

// ForgetDeliveries deletes the consumer of a target that no longer exists;
// what it still owed expires with the stream's retention.
func (e *Engine) ForgetDeliveries(ctx context.Context, bus, rule, target string) error {
	err := e.js.DeleteConsumer(ctx, DeliveriesStream, DeliveryConsumer(bus, rule, target))
	if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("delete consumer of target %s of rule %s: %w", target, rule, err)
	}
	return nil
}

// ScheduleRetry stores a delivery to come back to its target's consumer at
// (or soon after) at, counting attempts made so far. JetStream schedules
// to the second; times in the past come back at once.
func (e *Engine) ScheduleRetry(ctx context.Context, d trailbridge.Delivery, attempts int, at time.Time) error {
	msg := &nats.Msg{
		Subject: scheduleSubject + "." + nuid.Next(),
		Data:    appendDelivery([]byte{deliveryVersion}, d),
		Header:  nats.Header{},
	}
	// Round up: a retry must not come before the back-off it waits for.
	due := at.UTC().Truncate(time.Second)
	if due.Before(at) {
		due = due.Add(time.Second)
	}
	msg.Header.Set("Nats-Schedule", "@at "+due.Format(time.RFC3339))
	msg.Header.Set("Nats-Schedule-Target", DeliverySubject(d.Bus, d.Rule, d.Target))
	msg.Header.Set(attemptsHeader, strconv.Itoa(attempts))
	if _, err := e.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(DeliveriesStream)); err != nil {
		return fmt.Errorf("schedule retry of target %s of rule %s: %w", d.Target, d.Rule, err)
	}
	return nil
}
