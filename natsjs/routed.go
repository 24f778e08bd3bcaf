package natsjs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/trailbridge/trailbridge"
)

// Routing records. With every write synced, a stored message costs one
// sync whatever its size, and the messages of an atomic batch cost a
// staging store of their own besides; so storing a routed batch's
// deliveries on each target's subject costs the router one write per
// target it reaches, which took a third of PutEvents' throughput when
// events matched rules. The router writes all the deliveries of a routed
// batch as one routing record instead, and the delivery engine makes the
// first attempts from the records; what a record's consumer cannot attempt
// at once (a target busy or unknown to it) is stored on the targets'
// subjects then (StoreDeliveries), where each target's consumer finds it,
// as it finds retries. A record is acknowledged once every delivery in it
// is settled: made, given up, stored for a retry or for its target's
// consumer. So nothing the router stored is lost if a process dies, and
// its deliveries may be made twice, as at-least-once allows.

// RoutedConsumer is the durable consumer of routing records that every
// process shares.
const RoutedConsumer = "routed"

// routedVersion starts every routing record.
const routedVersion = 1

// routedMaxAckPending bounds the records handed out and not yet settled, by
// all processes together. A record waits for its slowest target, so this is
// generous; targets that fall behind have their deliveries stored apart.
const routedMaxAckPending = 4096

// PublishDeliveries stores the deliveries of one routed batch as routing
// records (one, unless they are larger than half the server's largest
// message), each written with one sync however many targets it reaches.
func (e *Engine) PublishDeliveries(ctx context.Context, ds []trailbridge.Delivery) error {
	var msgs []*nats.Msg
	body := []byte{routedVersion}
	for _, d := range ds {
		if len(body) > 1 && len(body) > e.maxDeliveryBytes() {
			msgs = append(msgs, &nats.Msg{Subject: RoutedSubject, Data: body})
			body = []byte{routedVersion}
		}
		body = appendRouted(body, d)
	}
	if len(body) > 1 {
		msgs = append(msgs, &nats.Msg{Subject: RoutedSubject, Data: body})
	}
	return e.publishEach(ctx, msgs)
}

// appendRouted appends one delivery to a routing record: its bus, rule and
// target, uvarint-prefixed, then the delivery as appendDelivery writes it.
func appendRouted(b []byte, d trailbridge.Delivery) []byte {
	for _, s := range []string{d.Bus, d.Rule, d.Target} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return appendDelivery(b, d)
}

var errBadRouted = errors.New("malformed routing record")

// readRouted decodes a routing record. The events alias b.
func readRouted(b []byte) ([]trailbridge.Delivery, error) {
	if len(b) == 0 || b[0] != routedVersion {
		return nil, errBadRouted
	}
	b = b[1:]
	var out []trailbridge.Delivery
	for len(b) > 0 {
		var names [3][]byte
		for i := range names {
			var ok bool
			if names[i], b, ok = readBytes(b); !ok {
				return nil, errBadRouted
			}
		}
		us, n := binary.Varint(b)
		if n <= 0 {
			return nil, errBadRouted
		}
		trace, rest, ok := readBytes(b[n:])
		if !ok {
			return nil, errBadRouted
		}
		from, rest, ok := readBytes(rest)
		if !ok {
			return nil, errBadRouted
		}
		ev, rest, ok := readBytes(rest)
		if !ok {
			return nil, errBadRouted
		}
		out = append(out, trailbridge.Delivery{Bus: string(names[0]), Rule: string(names[1]), Target: string(names[2]),
			Event: ev, Ingested: time.UnixMicro(us).UTC(), Trace: string(trace), From: string(from)})
		b = rest
	}
	if len(out) == 0 {
		return nil, errBadRouted
	}
	return out, nil
}

// routedRecord is a routing record whose deliveries are being settled.
type routedRecord struct {
	e       *Engine
	m       jetstream.Msg
	pending atomic.Int32 // parts not yet settled
	failed  atomic.Bool  // a part could not be stored apart
}

// settle counts one part settled; the last acknowledges the record, or
// offers it again if a part could be neither made nor stored apart.
func (r *routedRecord) settle() {
	if r.pending.Add(-1) != 0 {
		return
	}
	if r.failed.Load() {
		r.m.NakWithDelay(5 * time.Second)
		return
	}
	if err := r.m.Ack(); err != nil {
		r.e.log.Warn("acknowledging a routing record failed; its deliveries may be made again", "err", err)
	}
}

// ConsumeRouted calls fn, from one goroutine, with the deliveries of each
// routing record owed to each target (bus, rule and target of every
// delivery in the message are the same), until ctx ends. fn must settle
// every message it gets (Ack, or Nak to have its deliveries stored on their
// target's subject) and should return quickly.
func (e *Engine) ConsumeRouted(ctx context.Context, fn func(*DeliveryMsg)) error {
	cons, err := e.js.CreateOrUpdateConsumer(ctx, DeliveriesStream, jetstream.ConsumerConfig{
		Durable:       RoutedConsumer,
		Description:   "routing records, whose deliveries each process attempts first",
		FilterSubject: RoutedSubject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       deliveryAckWait,
		MaxAckPending: routedMaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("create consumer %s: %w", RoutedConsumer, err)
	}
	msgs := make(chan jetstream.Msg, 64)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case msgs <- m:
		case <-ctx.Done():
		}
	}, jetstream.PullMaxMessages(64), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		e.log.Debug("routing records consumer", "err", err)
	}))
	if err != nil {
		return fmt.Errorf("consume %s: %w", RoutedConsumer, err)
	}
	defer cc.Stop()
	for {
		var m jetstream.Msg
		select {
		case m = <-msgs:
		case <-ctx.Done():
			return nil
		}
		ds, err := readRouted(m.Data())
		if err != nil {
			e.log.Error("routing record dropped", "err", err)
			m.TermWithReason(err.Error())
			continue
		}
		parts := splitByTarget(ds)
		r := &routedRecord{e: e, m: m}
		r.pending.Store(int32(len(parts)))
		for _, p := range parts {
			fn(&DeliveryMsg{rec: r, ds: p})
		}
	}
}

// splitByTarget groups deliveries by target, in order of first appearance.
func splitByTarget(ds []trailbridge.Delivery) [][]trailbridge.Delivery {
	type key struct{ bus, rule, target string }
	index := map[key]int{}
	var out [][]trailbridge.Delivery
	for _, d := range ds {
		k := key{d.Bus, d.Rule, d.Target}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], d)
	}
	return out
}

// spill stores a part's deliveries on their target's subject and settles
// the part; if they cannot be stored, the whole record is offered again.
func (d *DeliveryMsg) spill() {
	d.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := d.rec.e.StoreDeliveries(ctx, d.ds); err != nil {
			d.rec.e.log.Warn("storing deliveries apart failed; their routing record will be read again", "err", err)
			d.rec.failed.Store(true)
		}
		d.rec.settle()
	})
}
