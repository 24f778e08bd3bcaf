package natsjs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
// flight; and a process holding routedMaxHeld records stores every part of
// the next ones apart, so that targets that hang cannot take the records
// every target's first attempts depend on.

// RoutedConsumer is the durable consumer of routing records that every
// process shares.
const RoutedConsumer = "routed"

// routedMaxAckPending bounds the records handed out and not yet settled, by
// all processes together. Each process holds at most routedMaxHeld, so it
// takes more than 16 processes to reach; records only wait in the stream
// meanwhile, never lost.
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
	err := e.publishEach(ctx, msgs)
	if errors.Is(err, jetstream.ErrNoStreamResponse) {
		// A process of an older release that started meanwhile set the
		// stream's subjects to its own, without tb.routed: bring them back.
		if _, serr := e.ensureDeliveries(ctx); serr != nil {
			return errors.Join(err, serr)
		}
		err = e.publishEach(ctx, msgs)
	}
	return err
}

// routedRecord is a routing record whose deliveries are being settled.
type routedRecord struct {
	e       *Engine
	m       jetstream.Msg
	pending atomic.Int32 // parts not yet settled
}

// settle counts one part settled; the last acknowledges the record.
func (r *routedRecord) settle() {
	if r.pending.Add(-1) != 0 {
		return
	}
	if err := r.m.Ack(); err != nil {
		r.e.log.Warn("acknowledging a routing record failed; its deliveries may be made again", "err", err)
	}
	r.e.nheld.Add(-1)
}

// routedMaxHeld bounds the records one process holds unsettled. Records are
// held by deliveries in flight, so targets that hang (up to their
// concurrency each, for as long as their invocations may take) could
// otherwise take every record the consumer may have pending
// (routedMaxAckPending) and stop the first attempts of every target. Past
// this bound a process stores every part of the records it reads apart, as
// if each target's worker were behind, and acknowledges them: slower (one
// write per target), but every target keeps its own consumer. So the shared
// limit is reached only by more than routedMaxAckPending/routedMaxHeld
// processes.
const routedMaxHeld = 1024

func (e *Engine) maxHeld() int {
	if e.routedMaxHeld > 0 {
		return e.routedMaxHeld
	}
	return routedMaxHeld
}

// routedDrain bounds how long ConsumeRouted, when ctx ends, waits for the
// parts handed out to be settled or stored apart, so that their records are
// acknowledged rather than read again (with every other target's delivery
// made again) after the acknowledgement wait. Parts offered back later are
// still stored apart until the engine closes.
const routedDrain = 10 * time.Second

// ConsumeRouted calls fn, from one goroutine, with the part of each routing
// record owed to each target (bus, rule and target of every delivery in the
// message are the same), until ctx ends. fn must settle every part it gets
// (Ack, or Nak to have its deliveries stored apart; Release for some of
// them first) and should return quickly; parts are stored apart until the
// engine closes. When ctx ends, it waits (up to routedDrain) for the
// records it holds to be settled.
//
// It returns an error, to be called again, if the consumer is deleted; the
// consumer it then creates hands out every record still kept (25 hours),
// so that deliveries are made again rather than lost.
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
	ended := make(chan error, 1)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case msgs <- m:
		case <-ctx.Done():
			m.Nak()
		}
	}, jetstream.PullMaxMessages(64), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrBadRequest) {
			// The subscription ends for good: say so, to be started again.
			select {
			case ended <- err:
			default:
			}
			return
		}
		e.log.Debug("routing records consumer", "err", err)
	}))
	if err != nil {
		return fmt.Errorf("consume %s: %w", RoutedConsumer, err)
	}
	stop := func() {
		cc.Stop()
		// Records read and not handed out yet are offered again at once.
		for len(msgs) > 0 {
			(<-msgs).Nak()
		}
	}
	for {
		var m jetstream.Msg
		select {
		case m = <-msgs:
		case err := <-ended:
			stop()
			e.log.Error("the routing records' consumer ended; starting it again", "err", err)
			return fmt.Errorf("consume %s: %w", RoutedConsumer, err)
		case <-ctx.Done():
			stop()
			e.drainRouted()
			return nil
		}
		ds, err := readRouted(m.Data())
		if err != nil {
			e.log.Error("routing record dropped", "err", err)
			m.TermWithReason(err.Error())
			continue
		}
		parts := splitByTarget(ds)
		full := e.nheld.Add(1) > int64(e.maxHeld())
		r := &routedRecord{e: e, m: m}
		r.pending.Store(int32(len(parts)))
		for _, p := range parts {
			d := &DeliveryMsg{rec: r, sp: e.sp, ds: p}
			if full {
				d.Nak(0)
				continue
			}
			fn(d)
		}
	}
}

// drainRouted waits, up to routedDrain, until this process holds no record
// unsettled.
func (e *Engine) drainRouted() {
	deadline := time.Now().Add(routedDrain)
	for e.nheld.Load() > 0 {
		if time.Now().After(deadline) {
			e.log.Warn("stopping with routing records unsettled; they will be read again", "records", e.nheld.Load())
			return
		}
		time.Sleep(10 * time.Millisecond)
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
// write, from the engine's opening to its closing.
type spiller struct {
	store func(context.Context, []trailbridge.Delivery) error
	log   *slog.Logger
	mu    sync.Mutex
	parts []*DeliveryMsg
	wake  chan struct{}
	stop  context.CancelFunc
	done  chan struct{}
	beat  time.Duration // spillBeat
}

func newSpiller(store func(context.Context, []trailbridge.Delivery) error, log *slog.Logger) *spiller {
	return newSpillerBeating(store, log, spillBeat)
}

// newSpillerBeating is newSpiller with another spillBeat, for tests.
func newSpillerBeating(store func(context.Context, []trailbridge.Delivery) error, log *slog.Logger, beat time.Duration) *spiller {
	ctx, stop := context.WithCancel(context.Background())
	s := &spiller{store: store, log: log, wake: make(chan struct{}, 1), stop: stop, done: make(chan struct{}), beat: beat}
	go func() { s.run(ctx); close(s.done) }()
	return s
}

// close stores what is queued (one try) and stops the spiller; what it
// could not store is left unsettled, and its records come back to a
// consumer after the acknowledgement wait.
func (s *spiller) close() {
	s.stop()
	<-s.done
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

// spillTimeout bounds one write of parts stored apart, well within the
// acknowledgement wait of their records; spillChunk bounds the deliveries
// of one write, so that a backlog is written in steps that each fit it.
const (
	spillTimeout = 10 * time.Second
	spillChunk   = 2048
)

// run stores the queued parts apart and settles them, until ctx ends; then
// it tries once more to store what is queued. A write that fails is tried
// again, with the records kept in progress, so that a failure never makes
// other targets' deliveries be made again.
func (s *spiller) run(ctx context.Context) {
	var parts []*DeliveryMsg
	pause := time.Duration(0)
	for {
		stopping := false
		if pause > 0 {
			select {
			case <-time.After(pause):
			case <-ctx.Done():
				stopping = true
			}
		} else {
			select {
			case <-s.wake:
			case <-ctx.Done():
				stopping = true
			}
		}
		s.mu.Lock()
		parts = append(parts, s.parts...)
		s.parts = nil
		s.mu.Unlock()
		wctx := ctx
		if stopping {
			wctx = context.Background() // the last try, after ctx ended
		}
		var err error
		beat := time.Now()
		for len(parts) > 0 {
			n, size := 0, 0
			var ds []trailbridge.Delivery
			for n < len(parts) && (n == 0 || size+len(parts[n].ds) <= spillChunk) {
				ds = append(ds, parts[n].ds...)
				size += len(parts[n].ds)
				n++
			}
			tctx, cancel := context.WithTimeout(wctx, spillTimeout)
			err = s.store(tctx, ds)
			cancel()
			if err != nil {
				break
			}
			for _, d := range parts[:n] {
				d.rec.settle()
			}
			parts = parts[n:]
			if time.Since(beat) > s.beat {
				// A long backlog: keep the records still waiting for it
				// from being read again meanwhile.
				s.mu.Lock()
				inProgress(parts, s.parts)
				s.mu.Unlock()
				beat = time.Now()
			}
		}
		if stopping {
			if len(parts) > 0 {
				s.log.Warn("stopping with deliveries not stored apart; their routing records will be read again", "err", err, "parts", len(parts))
			}
			return
		}
		if err == nil {
			pause = 0
			parts = nil
			continue
		}
		pause = min(max(2*pause, time.Second), 8*time.Second)
		s.log.Warn("storing deliveries apart failed; trying again", "err", err, "parts", len(parts), "in", pause)
		s.mu.Lock()
		inProgress(parts, s.parts)
		s.mu.Unlock()
	}
}

// spillBeat is how often records waiting for a long backlog of parts to be
// stored apart are reported in progress: well within their
// acknowledgement wait.
const spillBeat = 5 * time.Second

// inProgress tells JetStream the records of the parts are still being
// worked on, once each.
func inProgress(lists ...[]*DeliveryMsg) {
	seen := map[*routedRecord]bool{}
	for _, parts := range lists {
		for _, d := range parts {
			if !seen[d.rec] {
				seen[d.rec] = true
				d.rec.m.InProgress()
			}
		}
	}
}
