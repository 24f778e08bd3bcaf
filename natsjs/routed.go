package natsjs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
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
// target it reaches, which took a fifth to a third of PutEvents'
// throughput when events matched rules. The router writes all the
// deliveries of a routed batch as one routing record instead, and the
// delivery engine makes the first attempts from the records.
//
// A record is acknowledged once every part of it (the deliveries owed to
// one target) is settled: made, given up, scheduled for a retry, or stored
// on the target's subject for the target's own consumer ("stored apart"),
// where retries go too. So nothing the router stored is lost if a process
// dies; deliveries may be made twice, as at-least-once allows. The delivery
// engine keeps targets independent: a part is stored apart at once when
// this process has no worker for its target (a target it has not loaded
// yet, which another process may serve, or one removed) or the worker is
// behind, and the deliveries of a part not begun within a short wait are
// released to be stored apart. So a record waits only for deliveries in
// flight, at most a target's concurrency per target.

// RoutedConsumer is the durable consumer of routing records that every
// process shares.
const RoutedConsumer = "routed"

// routedVersion starts every routing record.
const routedVersion = 1

// routedMaxAckPending bounds the records handed out and not yet settled, by
// all processes together. A record is settled once its deliveries in flight
// are made, or stored apart: records waiting on targets that hang are at
// most their concurrency each, so this takes hundreds of hanging targets to
// reach, and records only wait in the stream meanwhile, never lost.
const routedMaxAckPending = 16384

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
// offers it again if a part could be neither settled nor stored apart.
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

// ConsumeRouted calls fn, from one goroutine, with the part of each routing
// record owed to each target (bus, rule and target of every delivery in the
// message are the same), until ctx ends. fn must settle every part it gets
// (Ack, or Nak to have its deliveries stored apart; Release for some of
// them first) and should return quickly.
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
	sp := &spiller{e: e, wake: make(chan struct{}, 1)}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { sp.run(ctx) })
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
			fn(&DeliveryMsg{rec: r, sp: sp, ds: p})
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

// spiller stores parts apart off the consumer's goroutine, many in one
// write.
type spiller struct {
	e     *Engine
	mu    sync.Mutex
	parts []*DeliveryMsg
	wake  chan struct{}
}

// add queues a part to be stored apart and then settled.
func (s *spiller) add(d *DeliveryMsg) {
	s.mu.Lock()
	s.parts = append(s.parts, d)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run stores the queued parts apart and settles them, until ctx ends;
// parts left then are not settled, and their records come back to a
// consumer after the acknowledgement wait.
func (s *spiller) run(ctx context.Context) {
	for {
		select {
		case <-s.wake:
		case <-ctx.Done():
			return
		}
		s.mu.Lock()
		parts := s.parts
		s.parts = nil
		s.mu.Unlock()
		var ds []trailbridge.Delivery
		for _, d := range parts {
			ds = append(ds, d.ds...)
		}
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := s.e.StoreDeliveries(wctx, ds)
		cancel()
		if err != nil {
			s.e.log.Warn("storing deliveries apart failed; their routing records will be read again", "err", err, "deliveries", len(ds))
		}
		for _, d := range parts {
			if err != nil {
				d.rec.failed.Store(true)
			}
			d.rec.settle()
		}
	}
}
