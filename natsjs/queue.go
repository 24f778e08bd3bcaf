package natsjs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"github.com/trailbridge/trailbridge"
)

// Queues keeps the messages of trailbridge's built-in SQS queues in
// JetStream; it is the trailbridge.MessageStore of an Engine.
//
// Layout: each queue is a stream of its own, TBQ_<name> (a .fifo suffix
// escaped to =2Efifo), so that purging and deleting a queue are a stream
// purge and a stream deletion, and retention is the stream's MaxAge.
// Deleting a message acknowledges it; the stream keeps limits retention and
// deleted messages are purged in bulk below the consumer's acknowledgement
// floor (see compactSoon) rather than one synced delete each.
// Visible messages are on tbq.<name>.m; one durable pull consumer, "sqs",
// hands them out with explicit acknowledgement. A message sent with a delay
// is first stored as a JetStream scheduled message on a subject of its own,
// tbq.<name>.d.<id>, that the server moves onto tbq.<name>.m when it is due:
// a delayed message is counted apart and holds no consumer slot.
//
// Visibility: JetStream's consumer has one AckWait, SQS has a visibility
// timeout per receive. A receive therefore answers every message it takes
// with a NAK delayed by the visibility it was asked for: the message stays
// pending on the consumer (so its receipt, the acknowledgement subject, can
// still delete it) and comes back, its delivery count (ReceiveCount) grown,
// when the delay passes. ChangeVisibility is another delayed NAK. The server
// stores the deadline in the consumer's state, so it survives a restart,
// though only to the second: after a restart a message may come back up
// to a second early. (The state is written about ten times a second: a
// crash of the embedded server can lose the last 100 ms of deadlines and
// deletes; such messages come back, which at-least-once delivery allows.) The
// consumer's AckWait, queueAckWait, only covers the moment between the
// server handing a message out and the NAK reaching it: when a process dies
// in between, the message is visible again after queueAckWait, not after 12
// hours.
//
// Sending: the messages of all Sends waiting while earlier writes are in
// flight are written together: pipelined, one JetStream message each, or,
// when every write is synced and the group is large, as one atomic batch.
// With every write synced JetStream syncs each stored message, which bounds
// small sends to one queue at about one per sync. A failed Send may have
// stored some of its messages (SQS's standard queues are at least once).
//
// Its methods are safe for concurrent use.
type Queues struct {
	e   *Engine
	nc  *nats.Conn
	js  jetstream.JetStream
	log *slog.Logger

	mu        sync.Mutex
	known     map[string]bool      // queues whose stream was seen to exist
	compacted map[string]time.Time // last compaction of each queue

	sends    chan *sendReq
	inflight chan struct{} // semaphore: batches written, not yet acknowledged
	stop     chan struct{}
	wg       sync.WaitGroup
}

var _ trailbridge.MessageStore = (*Queues)(nil)

// Queue limits and settings.
const (
	queueConsumer = "sqs"
	// queueAckWait bounds how long a message handed out by the server
	// stays invisible when the NAK that sets its visibility never arrives
	// (the receiving process died): SQS's default visibility timeout.
	queueAckWait = 30 * time.Second
	// queueMaxInFlight is SQS's limit of in-flight messages of a standard
	// queue; JetStream's MaxAckPending enforces it.
	queueMaxInFlight = 120000
	// queueMaxWaiting bounds the long polls waiting on one queue at once.
	queueMaxWaiting = 4096
	// DefaultQueueRetention is SQS's default MessageRetentionPeriod.
	DefaultQueueRetention = 4 * 24 * time.Hour
	// sendDepth is how many groups of Sends may await their
	// acknowledgement at once, the next group forming meanwhile, unless
	// every write is synced: then one, so that groups grow large enough to
	// go as atomic batches (BenchmarkQueues, 32 clients, SendMessageBatch
	// of 10, every write synced: 14,000–15,000 messages/s with one in
	// flight, 10,000–10,900 with two, 9,200–10,300 with four, 6,800–6,900
	// with eight; syncing every 2 minutes, four in flight: 26,000–27,000,
	// one: 20,000–21,700).
	sendDepth = 4
	// maxSendGroup and maxSendBytes close a group of Sends before it
	// grows past this many messages or bytes.
	maxSendGroup = 1000
	// minAtomicGroup is the smallest group written as an atomic batch
	// when every write is synced (helper measurements: 8-message batches
	// were slower than pipelined writes).
	minAtomicGroup = 32
	maxSendBytes   = 8 << 20
	// receiveGrace is how long past a pull request's expiry its late
	// messages are still caught and made visible again.
	receiveGrace = 5 * time.Second
	// minPullWait is the shortest expiry of a pull request.
	minPullWait = 20 * time.Millisecond
	// queueRequestTimeout bounds one acknowledgement round trip.
	queueRequestTimeout = 10 * time.Second
)

// Queues returns the engine's message store for built-in queues, starting
// it on first use: a connection of its own (so that receives and group
// commits do not queue behind event traffic) and a writer goroutine. Close
// stops it.
func (e *Engine) Queues() (*Queues, error) {
	e.qmu.Lock()
	defer e.qmu.Unlock()
	if e.queues != nil {
		return e.queues, nil
	}
	nc, js, err := e.dial("queues")
	if err != nil {
		return nil, err
	}
	q := &Queues{
		e:         e,
		nc:        nc,
		js:        js,
		log:       e.log.With("component", "queues"),
		known:     map[string]bool{},
		compacted: map[string]time.Time{},
		sends:     make(chan *sendReq, 1024),
		inflight:  make(chan struct{}, e.sendDepth()),
		stop:      make(chan struct{}),
	}
	q.wg.Add(1)
	go q.run()
	e.queues = q
	return q, nil
}

// close stops the writer; the connection is closed with the engine's.
func (q *Queues) close() {
	select {
	case <-q.stop:
	default:
		close(q.stop)
	}
	q.wg.Wait()
}

// QueueStream is the stream holding the queue called name.
func QueueStream(name string) string { return "TBQ_" + escapeToken(name) }

func queueSubject(name string) string { return "tbq." + escapeToken(name) }

// validQueueName is SQS's rule: 1 to 80 characters of [A-Za-z0-9_-], the
// ".fifo" suffix not counted.
func validQueueName(name string) bool {
	base := name
	if len(base) > 5 && base[len(base)-5:] == ".fifo" {
		base = base[:len(base)-5]
	}
	if len(base) < 1 || len(base) > 80 {
		return false
	}
	for i := 0; i < len(base); i++ {
		switch c := base[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

func checkName(name string) error {
	if !validQueueName(name) {
		return fmt.Errorf("queue name %q: only 1 to 80 letters, digits, - and _ (and .fifo) are allowed", name)
	}
	return nil
}

// OpenQueue makes the stream and consumer of a queue exist, or updates the
// stream's retention. A retention of 0 is SQS's default, 4 days.
func (q *Queues) OpenQueue(ctx context.Context, name string, retention time.Duration) error {
	if err := checkName(name); err != nil {
		return err
	}
	if retention <= 0 {
		retention = DefaultQueueRetention
	}
	stream, subj := QueueStream(name), queueSubject(name)
	_, err := q.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:               stream,
		Description:        "messages of queue " + name,
		Subjects:           []string{subj + ".>"},
		Retention:          jetstream.LimitsPolicy,
		MaxAge:             retention,
		Storage:            jetstream.FileStorage,
		Replicas:           q.e.opts.Replicas,
		AllowAtomicPublish: true,
		AllowMsgSchedules:  true,
	})
	if err != nil {
		return fmt.Errorf("open queue %s: %w", name, err)
	}
	_, err = q.js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable:       queueConsumer,
		Description:   "receives of queue " + name,
		FilterSubject: subj + ".m",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       queueAckWait,
		MaxDeliver:    -1,
		MaxAckPending: queueMaxInFlight,
		MaxWaiting:    queueMaxWaiting,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("open queue %s: consumer: %w", name, err)
	}
	q.setKnown(name, true)
	return nil
}

// DeleteQueue removes a queue's stream, consumer and messages. Deleting a
// queue that has no storage is not an error.
func (q *Queues) DeleteQueue(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	q.setKnown(name, false)
	err := q.js.DeleteStream(ctx, QueueStream(name))
	if err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("delete queue %s: %w", name, err)
	}
	return nil
}

// PurgeQueue deletes every message of a queue: visible, in flight and
// delayed. Receipts of purged messages then delete nothing, successfully.
func (q *Queues) PurgeQueue(ctx context.Context, name string) error {
	s, err := q.stream(ctx, name)
	if err != nil {
		return err
	}
	if err := s.Purge(ctx); err != nil {
		return q.noQueue(name, fmt.Errorf("purge queue %s: %w", name, err))
	}
	return nil
}

// Counts returns a queue's approximate counts: Visible is what the consumer
// has not handed out yet (messages whose visibility timeout passed count
// as in flight until handed out again), InFlight what it has handed out and
// not seen deleted, Delayed the scheduled messages (one subject each).
func (q *Queues) Counts(ctx context.Context, name string) (trailbridge.QueueCounts, error) {
	s, err := q.stream(ctx, name)
	if err != nil {
		return trailbridge.QueueCounts{}, err
	}
	si, err := s.Info(ctx, jetstream.WithSubjectFilter(queueSubject(name)+".d.>"))
	if err != nil {
		return trailbridge.QueueCounts{}, q.noQueue(name, fmt.Errorf("count queue %s: %w", name, err))
	}
	c, err := s.Consumer(ctx, queueConsumer)
	if err != nil {
		return trailbridge.QueueCounts{}, q.noQueue(name, fmt.Errorf("count queue %s: %w", name, err))
	}
	ci := c.CachedInfo()
	out := trailbridge.QueueCounts{Visible: int(ci.NumPending), InFlight: ci.NumAckPending}
	out.Delayed = len(si.State.Subjects) // one subject per scheduled message
	return out, nil
}

// stream returns the stream of a queue, or ErrNoQueue.
func (q *Queues) stream(ctx context.Context, name string) (jetstream.Stream, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	s, err := q.js.Stream(ctx, QueueStream(name))
	if err != nil {
		return nil, q.noQueue(name, fmt.Errorf("queue %s: %w", name, err))
	}
	q.setKnown(name, true)
	return s, nil
}

// ensure checks once that a queue's storage exists, so that later
// operations can go straight to their subjects.
func (q *Queues) ensure(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	q.mu.Lock()
	ok := q.known[name]
	q.mu.Unlock()
	if ok {
		return nil
	}
	_, err := q.stream(ctx, name)
	return err
}

func (q *Queues) setKnown(name string, ok bool) {
	q.mu.Lock()
	if ok {
		q.known[name] = true
	} else {
		delete(q.known, name)
	}
	q.mu.Unlock()
}

// noQueue turns the errors that mean the stream or consumer is gone into
// ErrNoQueue (forgetting that the queue was seen), and returns others.
func (q *Queues) noQueue(name string, err error) error {
	if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrConsumerNotFound) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) {
		q.setKnown(name, false)
		return fmt.Errorf("%w: %w", trailbridge.ErrNoQueue, err)
	}
	return err
}

// ---- Send: group commit ----

type sendReq struct {
	queue string
	msgs  []*nats.Msg
	size  int
	done  chan error
}

// Send stores messages durably; when it fails, some may be stored. A message with a Delay whose
// end (SentAt+Delay) is still ahead is stored as a scheduled message that
// JetStream makes visible then, rounded up to the second.
func (q *Queues) Send(ctx context.Context, name string, msgs []trailbridge.QueueMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	if err := q.ensure(ctx, name); err != nil {
		return err
	}
	subj := queueSubject(name)
	r := &sendReq{queue: name, done: make(chan error, 1)}
	now := time.Now()
	for i := range msgs {
		m := &msgs[i]
		data := appendQueueMessage(make([]byte, 0, queueMessageSize(m)), m)
		nm := &nats.Msg{Subject: subj + ".m", Data: data, Header: nats.Header{}}
		if due := m.SentAt.Add(m.Delay); m.Delay > 0 && due.After(now) {
			// Round up: a message must not show before its delay ends.
			at := due.UTC().Truncate(time.Second)
			if at.Before(due) {
				at = at.Add(time.Second)
			}
			nm.Subject = subj + ".d." + nuid.Next()
			nm.Header.Set("Nats-Schedule", "@at "+at.Format(time.RFC3339))
			nm.Header.Set("Nats-Schedule-Target", subj+".m")
		}
		r.msgs = append(r.msgs, nm)
		r.size += len(data) + 256
	}
	select {
	case q.sends <- r:
	case <-q.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sendGroup is the messages of waiting Sends to one queue, written
// together.
type sendGroup struct {
	queue string
	reqs  []*sendReq
	n     int
	size  int
}

func (q *Queues) run() {
	defer q.wg.Done()
	defer func() { // answer what is still queued
		for {
			select {
			case r := <-q.sends:
				r.done <- errClosed
			default:
				return
			}
		}
	}()
	for {
		var first *sendReq
		select {
		case first = <-q.sends:
		case <-q.stop:
			return
		}
		// Wait for a pipeline slot before draining: Sends that arrive
		// meanwhile join this commit.
		select {
		case q.inflight <- struct{}{}:
		case <-q.stop:
			first.done <- errClosed
			return
		}
		groups := q.collect(first)
		for i, g := range groups {
			if i > 0 {
				select {
				case q.inflight <- struct{}{}:
				case <-q.stop:
					g.finish(errClosed)
					continue
				}
			}
			q.publish(g)
		}
	}
}

// collect drains waiting Sends into groups per queue, each within
// maxSendGroup and maxSendBytes.
func (q *Queues) collect(first *sendReq) []*sendGroup {
	var groups []*sendGroup
	open := map[string]*sendGroup{}
	add := func(r *sendReq) {
		g := open[r.queue]
		if g != nil && (g.n+len(r.msgs) > maxSendGroup || g.size+r.size > maxSendBytes) {
			g = nil
		}
		if g == nil {
			g = &sendGroup{queue: r.queue}
			open[r.queue] = g
			groups = append(groups, g)
		}
		g.reqs = append(g.reqs, r)
		g.n += len(r.msgs)
		g.size += r.size
	}
	add(first)
	for budget := 4096; budget > 0; budget-- {
		select {
		case r := <-q.sends:
			add(r)
		default:
			return groups
		}
	}
	return groups
}

func (g *sendGroup) finish(err error) {
	for _, r := range g.reqs {
		r.done <- err
	}
}

// publish writes a group and answers its Sends when JetStream has
// acknowledged every message. It frees the group's pipeline slot.
func (q *Queues) publish(g *sendGroup) {
	msgs := make([]*nats.Msg, 0, g.n)
	for _, r := range g.reqs {
		msgs = append(msgs, r.msgs...)
	}
	stream := QueueStream(g.queue)
	// An atomic batch costs the server a staging store of its own, and
	// pays off only when every write is synced and the group is large
	// (BenchmarkQueues, SendMessageBatch of 10: syncing every 2 minutes,
	// 3,300–8,900 messages/s as atomic batches against 22,000–24,000 one
	// by one; syncing every write with 32 clients, 7,500–8,000 against
	// 3,300–3,600). Small groups go one by one, pipelined.
	if !q.e.syncAlways() || len(msgs) < minAtomicGroup {
		q.publishEach(g, stream, msgs)
		return
	}
	fail := func(err error) {
		<-q.inflight
		g.finish(q.noQueue(g.queue, fmt.Errorf("send to queue %s: %w", g.queue, err)))
	}
	id := nuid.Next()
	for i, m := range msgs {
		m.Header.Set("Nats-Batch-Id", id)
		m.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		if i == len(msgs)-1 {
			m.Header.Set("Nats-Batch-Commit", "1")
			break
		}
		if err := q.nc.PublishMsg(m); err != nil {
			fail(err)
			return
		}
	}
	fut, err := q.js.PublishMsgAsync(msgs[len(msgs)-1], jetstream.WithExpectStream(stream))
	if err != nil {
		fail(err)
		return
	}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		t := time.NewTimer(30 * time.Second)
		defer t.Stop()
		select {
		case <-fut.Ok():
			<-q.inflight
			g.finish(nil)
		case err := <-fut.Err():
			fail(err)
		case <-t.C:
			fail(errors.New("no acknowledgement from jetstream in 30s"))
		}
	}()
}

// publishEach writes the messages of a group one by one, pipelined.
func (q *Queues) publishEach(g *sendGroup, stream string, msgs []*nats.Msg) {
	futs := make([]jetstream.PubAckFuture, 0, len(msgs))
	var err error
	for _, m := range msgs {
		f, perr := q.js.PublishMsgAsync(m, jetstream.WithExpectStream(stream))
		if perr != nil {
			err = perr
			break
		}
		futs = append(futs, f)
	}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		for _, f := range futs {
			select {
			case <-f.Ok():
			case ferr := <-f.Err():
				err = ferr
			}
		}
		<-q.inflight
		if err != nil {
			err = q.noQueue(g.queue, fmt.Errorf("send to queue %s: %w", g.queue, err))
		}
		g.finish(err)
	}()
}

// ---- Receive ----

// pull is one pull request in flight: the server's replies to it, routed
// by onPullReply.
type pull struct {
	ch  chan *nats.Msg // messages, then one status message
	log *slog.Logger
	mu  sync.Mutex
	// abandoned: the receive that made the request has returned; what
	// still comes is made visible again at once.
	abandoned bool
}

// pullRequest is JetStream's request for the next messages of a consumer.
// With no_wait and expires both set, the server waits up to expires for
// the first message and ends the request as soon as it has handed out some
// and has no more: SQS's long polling.
type pullRequest struct {
	Batch   int           `json:"batch"`
	Expires time.Duration `json:"expires,omitempty"`
	NoWait  bool          `json:"no_wait"`
}

// onReply routes a reply to the pull request, or makes a message that
// nobody waits for any more visible again. (JetStream delivers a message
// under its own subject, so replies are told apart by subscription.)
func (p *pull) onReply(m *nats.Msg) {
	p.mu.Lock()
	if !p.abandoned {
		select {
		case p.ch <- m:
			p.mu.Unlock()
			return
		default: // more than asked for: cannot happen, but never hold one
		}
	}
	p.mu.Unlock()
	if !isStatus(m) && m.Reply != "" {
		if err := m.Nak(); err != nil {
			p.log.Warn("release unclaimed message", "err", err)
		}
	}
}

// Receive hands out up to max visible messages (1 to 10), each invisible
// for visibility afterwards, waiting up to wait for the first one.
func (q *Queues) Receive(ctx context.Context, name string, max int, visibility, wait time.Duration) ([]trailbridge.ReceivedMessage, error) {
	if max < 1 {
		max = 1
	}
	if err := q.ensure(ctx, name); err != nil {
		return nil, err
	}
	stream := QueueStream(name)
	deadline := time.Now().Add(wait)
	for {
		out, retry, err := q.pullOnce(ctx, name, stream, max, visibility, time.Until(deadline))
		if err != nil || len(out) > 0 || !retry {
			return out, err
		}
		// The server turned a long poll down because messages were
		// there but promised to other waiting requests; try again
		// shortly, within the wait.
		if time.Until(deadline) < 20*time.Millisecond {
			return nil, nil
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (q *Queues) pullOnce(ctx context.Context, name, stream string, max int, visibility, wait time.Duration) (out []trailbridge.ReceivedMessage, retry bool, err error) {
	// Even without a wait the request gets a short expiry: a request
	// with no_wait alone is turned down on the consumer's count of pending
	// messages, which lags behind a purge (measured: a message sent right
	// after a purge was not received).
	if wait < minPullWait {
		wait = minPullWait
	}
	req := pullRequest{Batch: max, NoWait: true, Expires: wait}
	body, _ := json.Marshal(req)
	p := &pull{ch: make(chan *nats.Msg, max+1), log: q.log}
	// A plain inbox, not one under the connection's request mux: JetStream
	// delivers pulled messages with their stream subject in place of the
	// inbox, and the mux hands a message it cannot place to its only
	// pending request, so a late message would answer some API request
	// (seen: a stream info request decoding a queue message).
	inbox := q.nc.NewInbox()
	sub, err := q.nc.Subscribe(inbox, p.onReply)
	if err != nil {
		return nil, false, fmt.Errorf("receive from queue %s: %w", name, err)
	}
	// Replies are only routed here; ten messages of 256 KiB must not
	// count as a slow consumer.
	sub.SetPendingLimits(-1, -1)
	// On return, whatever the server still sends for this request is
	// released: until the request expires (and a grace period), replies
	// keep being routed here and naked.
	defer func() {
		p.mu.Lock()
		p.abandoned = true
		p.mu.Unlock()
		for {
			select {
			case m := <-p.ch:
				if !isStatus(m) {
					m.Nak()
				}
				continue
			default:
			}
			break
		}
		time.AfterFunc(wait+receiveGrace, func() { sub.Unsubscribe() })
	}()
	next := fmt.Sprintf("$JS.API.CONSUMER.MSG.NEXT.%s.%s", stream, queueConsumer)
	if err := q.nc.PublishRequest(next, inbox, body); err != nil {
		return nil, false, fmt.Errorf("receive from queue %s: %w", name, err)
	}
	// The server answers within wait; the margin covers a slow server.
	timer := time.NewTimer(wait + 2*time.Second)
	defer timer.Stop()
	for len(out) < max {
		var m *nats.Msg
		select {
		case m = <-p.ch:
		case <-timer.C:
			return out, false, nil
		case <-ctx.Done():
			// Hand back what was taken: the caller will never see it.
			for _, rm := range out {
				q.release(stream, rm.Receipt)
			}
			return nil, false, ctx.Err()
		}
		if isStatus(m) {
			switch st := m.Header.Get("Status"); st {
			case "404", "408":
				if st == "408" && m.Header.Get("Description") == "Requests Pending" && len(out) == 0 {
					return nil, true, nil
				}
				return out, false, nil
			case "503":
				return out, false, q.noQueue(name, fmt.Errorf("receive from queue %s: %w", name, nats.ErrNoResponders))
			case "409":
				if len(out) > 0 {
					return out, false, nil
				}
				return nil, false, fmt.Errorf("receive from queue %s: %s %s", name, st, m.Header.Get("Description"))
			default:
				return out, false, fmt.Errorf("receive from queue %s: status %s %s", name, st, m.Header.Get("Description"))
			}
		}
		rm, err := q.take(name, stream, m, visibility)
		if err != nil {
			q.log.Error("queue message dropped", "queue", name, "err", err)
			m.Term()
			continue
		}
		out = append(out, rm)
	}
	return out, false, nil
}

// take turns a delivered message into a received one and starts its
// visibility timeout.
func (q *Queues) take(name, stream string, m *nats.Msg, visibility time.Duration) (trailbridge.ReceivedMessage, error) {
	a, err := parseAckSubject(m.Reply)
	if err != nil || a.stream != stream || a.consumer != queueConsumer {
		return trailbridge.ReceivedMessage{}, fmt.Errorf("queue %s: unexpected reply subject %q", name, m.Reply)
	}
	qm, err := readQueueMessage(m.Data)
	if err != nil {
		return trailbridge.ReceivedMessage{}, fmt.Errorf("queue %s message %d: %w", name, a.sseq, err)
	}
	// Not confirmed: the reply comes on this connection after the
	// message, in order; were it lost, the message would come back after
	// queueAckWait. A visibility of exactly queueAckWait (SQS's default)
	// needs no NAK: the consumer's own ack wait makes the message visible
	// again then, and the consumer does a third less work per message.
	if visibility != queueAckWait {
		if err := q.nc.Publish(m.Reply, nakPayload(visibility)); err != nil {
			return trailbridge.ReceivedMessage{}, fmt.Errorf("queue %s: set visibility: %w", name, err)
		}
	}
	rm := trailbridge.ReceivedMessage{
		QueueMessage: qm,
		Receipt:      encodeReceipt(a, time.Now()),
		ReceiveCount: int(a.dc),
	}
	// JetStream does not keep the time of the first delivery; the time
	// the message became visible stands in for it, the earliest it can
	// have been and the same on every receive.
	rm.FirstReceivedAt = qm.SentAt.Add(qm.Delay)
	return rm, nil
}

// isStatus reports whether m is a status reply of JetStream (404, 408,
// …) rather than a message.
func isStatus(m *nats.Msg) bool {
	return len(m.Data) == 0 && m.Header.Get("Status") != ""
}

// nakPayload is the NAK that makes a pending message visible after d.
func nakPayload(d time.Duration) []byte {
	if d <= 0 {
		return []byte("-NAK")
	}
	return fmt.Appendf(nil, `-NAK {"delay":%d}`, int64(d))
}

// release makes a message handed out by a receive visible again.
func (q *Queues) release(stream, receipt string) {
	if a, _, err := decodeReceipt(receipt, stream, queueConsumer); err == nil {
		q.nc.Publish(a.String(), nakPayload(0))
	}
}

// Delete deletes a received message by its receipt; it returns once the
// server has processed the acknowledgement. A receipt of a message already
// deleted (or purged) succeeds.
func (q *Queues) Delete(ctx context.Context, name, receipt string) error {
	if err := q.ackRequest(ctx, name, receipt, []byte("+ACK"), "delete message", nil); err != nil {
		return err
	}
	q.compactSoon(name)
	return nil
}

// compactInterval is how often at most the deleted messages of a queue are
// removed from its stream.
const compactInterval = time.Second

// compactSoon removes, at most once per compactInterval and in the
// background, the messages below the consumer's acknowledgement floor:
// every one of them was deleted (acknowledged). Work-queue retention would
// remove each message as it is acknowledged, but with every write synced
// that costs a synced write per delete (measured: 1,500 receives and
// deletes a second against 17,000 this way); a purge up to the floor
// drops whole blocks at once.
func (q *Queues) compactSoon(name string) {
	q.mu.Lock()
	last, due := q.compacted[name], false
	if now := time.Now(); now.Sub(last) >= compactInterval {
		q.compacted[name], due = now, true
	}
	q.mu.Unlock()
	if !due {
		return
	}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), queueRequestTimeout)
		defer cancel()
		if err := q.compact(ctx, name); err != nil {
			q.log.Debug("compact queue", "queue", name, "err", err)
		}
	}()
}

func (q *Queues) compact(ctx context.Context, name string) error {
	c, err := q.js.Consumer(ctx, QueueStream(name), queueConsumer)
	if err != nil {
		return err
	}
	floor := c.CachedInfo().AckFloor.Stream
	if floor == 0 {
		return nil
	}
	s, err := q.js.Stream(ctx, QueueStream(name))
	if err != nil {
		return err
	}
	// Only the visible subject: scheduled messages below the floor are
	// not delivered yet.
	return s.Purge(ctx, jetstream.WithPurgeSubject(queueSubject(name)+".m"), jetstream.WithPurgeSequence(floor+1))
}

// ChangeVisibility makes a received message visible again after d (0: at
// once), counted from now. JetStream keys the acknowledgement by the
// message, not by the delivery: a receipt of an earlier receive acts on
// the message as it is now.
func (q *Queues) ChangeVisibility(ctx context.Context, name, receipt string, d time.Duration) error {
	return q.ackRequest(ctx, name, receipt, nakPayload(d), "change visibility", func(recv time.Time) error {
		if !recv.IsZero() && time.Now().Add(d).After(recv.Add(trailbridge.MaxVisibility)) {
			return trailbridge.ErrVisibilityLimit
		}
		return nil
	})
}

// ackRequest sends payload to the acknowledgement subject of a receipt,
// once check (if any) accepts the time of the receipt's receive.
func (q *Queues) ackRequest(ctx context.Context, name, receipt string, payload []byte, what string, check func(recv time.Time) error) error {
	if err := checkName(name); err != nil {
		return err
	}
	a, recv, err := decodeReceipt(receipt, QueueStream(name), queueConsumer)
	if err == nil && check != nil {
		err = check(recv)
	}
	if err != nil {
		return fmt.Errorf("%s of queue %s: %w", what, name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, queueRequestTimeout)
	defer cancel()
	if _, err := q.nc.RequestWithContext(ctx, a.String(), payload); err != nil {
		return q.noQueue(name, fmt.Errorf("%s of queue %s: %w", what, name, err))
	}
	return nil
}
