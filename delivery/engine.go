package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/target"
	"github.com/trailbridge/trailbridge/transform"
)

// Rules is where the engine reads rules and their targets. Values are
// shared and read-only.
type Rules interface {
	Buses() []*trailbridge.Bus
	Rules(bus string) []*trailbridge.Rule
	Rule(bus, name string) *trailbridge.Rule
}

// Message is one stored delivery message: one or more deliveries to the
// same target. Implementations are safe for concurrent use.
type Message interface {
	Deliveries() []trailbridge.Delivery
	// Attempts is how many attempts were already made (0 for a routed
	// message, more for a retry).
	Attempts() int
	InProgress()
	Ack() error
	Nak(delay time.Duration)
}

// Queue is the durable store of deliveries.
type Queue interface {
	// Consume calls fn for each message owed to one target, from up to
	// maxInFlight goroutines, until ctx ends.
	Consume(ctx context.Context, bus, rule, target string, maxInFlight int, fn func(Message)) error
	// Forget drops the consumer of a target that no longer exists.
	Forget(ctx context.Context, bus, rule, target string) error
	// Retry stores a delivery to come back at (or soon after) at, with
	// the attempts made so far.
	Retry(ctx context.Context, d trailbridge.Delivery, attempts int, at time.Time) error
	// ConsumeRouted calls fn, from one goroutine, with the deliveries of
	// each routing record owed to each target (its first attempts), until
	// ctx ends. Nak stores a message's deliveries for its target's own
	// consumer (Consume) instead.
	ConsumeRouted(ctx context.Context, fn func(k Key, m Message)) error
}

// Resolver finds the target an ARN names (a *target.Registry).
type Resolver interface {
	Target(ctx context.Context, arn string) (target.Target, error)
}

// DeadLetters writes undeliverable events to dead-letter queues.
type DeadLetters interface {
	// Send writes body to the queue queueArn with message attributes.
	Send(ctx context.Context, queueArn string, body []byte, attrs map[string]string) error
}

// Key names one target of one rule.
type Key struct{ Bus, Rule, Target string }

// Observer counts what the engine does for each target (bus, rule and
// target id); metrics implement it.
type Observer interface {
	Attempted(bus, rule, target string, retry bool)
	Started(bus, rule, target string, sinceIngestion time.Duration) // an event's first attempt begins
	Succeeded(bus, rule, target string, sinceIngestion time.Duration)
	Failed(bus, rule, target string)                     // given up, no dead-letter queue
	DeadLettered(bus, rule, target string, written bool) // given up: sent to the dead-letter queue, or that failed
	Throttled(bus, rule string)
	NotInvoked(bus, rule, target, reason string) // the target was not invoked at all
}

// Defaults of EventBridge's RetryPolicy.
const (
	DefaultMaximumRetryAttempts     = 185
	DefaultMaximumEventAgeInSeconds = 86400
)

// Engine delivers. Set its fields, then call Run; tell it about every
// configuration change with Changed. Its methods are safe for concurrent
// use.
type Engine struct {
	Rules       Rules
	Queue       Queue
	Targets     Resolver
	DeadLetters DeadLetters // nil: no dead-letter queues can be written
	Observer    Observer    // nil: nothing counted
	Place       trailbridge.Place
	Log         *slog.Logger
	Now         func() time.Time // nil: time.Now

	// BackoffBase is the wait before the first retry, doubled for each
	// later one up to BackoffCap, with ±25% jitter. Defaults: 1 s, 10 min.
	BackoffBase, BackoffCap time.Duration
	// InlineRetry is the longest wait a worker sleeps through itself;
	// longer ones are scheduled. Default 2 s.
	InlineRetry time.Duration
	// Concurrency bounds the invocations of one target in flight in one
	// process. Default 32.
	Concurrency int

	ctx     context.Context
	mu      sync.Mutex
	workers map[Key]*worker
	prepped map[Key]*prepared
	wg      sync.WaitGroup
}

type worker struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	sem    chan struct{}
	// queued counts deliveries from routing records handed to the worker
	// and not yet begun.
	queued atomic.Int64
}

// routedBacklog, times the concurrency, is how many deliveries from routing
// records may wait for a target's worker: beyond that they are stored for
// the target's own consumer, so that a target that falls behind does not
// hold up the records, and with them every other target.
const routedBacklog = 8

// Run starts a worker for every target and returns when ctx ends, after
// the workers have stopped.
func (e *Engine) Run(ctx context.Context) {
	e.mu.Lock()
	e.ctx = ctx
	e.workers = map[Key]*worker{}
	e.prepped = map[Key]*prepared{}
	e.mu.Unlock()
	for _, b := range e.Rules.Buses() {
		e.Changed(b.Name, "")
	}
	e.wg.Go(func() {
		e.restarting(ctx, func() error { return e.Queue.ConsumeRouted(ctx, e.dispatch) }, "routing records consumer failed; restarting")
	})
	<-ctx.Done()
	e.mu.Lock()
	for _, w := range e.workers {
		w.cancel()
	}
	e.mu.Unlock()
	e.wg.Wait()
}

// Changed brings the workers in line with the current state of a bus (rule
// empty: all its rules) or one rule.
func (e *Engine) Changed(bus, rule string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ctx == nil || e.ctx.Err() != nil {
		return
	}
	want := map[Key]bool{}
	var rules []*trailbridge.Rule
	if rule == "" {
		rules = e.Rules.Rules(bus)
	} else if r := e.Rules.Rule(bus, rule); r != nil {
		rules = []*trailbridge.Rule{r}
	}
	for _, r := range rules {
		for _, t := range r.Targets {
			want[Key{bus, r.Name, t.Id}] = true
		}
	}
	for k, w := range e.workers {
		if k.Bus != bus || (rule != "" && k.Rule != rule) || want[k] {
			continue
		}
		// The target is gone: stop its worker and drop its consumer.
		w.cancel()
		delete(e.workers, k)
		k := k
		e.wg.Go(func() {
			<-w.done
			if err := e.Queue.Forget(context.WithoutCancel(e.ctx), k.Bus, k.Rule, k.Target); err != nil {
				e.log().Warn("could not drop the consumer of a removed target", "bus", k.Bus, "rule", k.Rule, "target", k.Target, "err", err)
			}
		})
	}
	for k := range e.prepped {
		if k.Bus == bus && (rule == "" || k.Rule == rule) {
			delete(e.prepped, k)
		}
	}
	for k := range want {
		if _, ok := e.workers[k]; ok {
			continue
		}
		ctx, cancel := context.WithCancel(e.ctx)
		w := &worker{ctx: ctx, cancel: cancel, done: make(chan struct{}), sem: make(chan struct{}, e.concurrency())}
		e.workers[k] = w
		e.wg.Go(func() {
			defer close(w.done)
			e.restarting(ctx, func() error {
				return e.Queue.Consume(ctx, k.Bus, k.Rule, k.Target, e.concurrency(), func(m Message) { e.handle(ctx, k, w, m, false) })
			}, "delivery worker failed; restarting", "bus", k.Bus, "rule", k.Rule, "target", k.Target)
		})
	}
}

// restarting runs consume until it returns without an error or ctx ends,
// starting it again a second after each failure, which it logs with msg.
func (e *Engine) restarting(ctx context.Context, consume func() error, msg string, attrs ...any) {
	for ctx.Err() == nil {
		err := consume()
		if err == nil || ctx.Err() != nil {
			return
		}
		e.log().Error(msg, append(attrs, "err", err)...)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (e *Engine) concurrency() int {
	if e.Concurrency > 0 {
		return e.Concurrency
	}
	return 32
}

func (e *Engine) log() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// prepared is what a target's deliveries need, made once per
// configuration of the rule.
type prepared struct {
	rule      *trailbridge.Rule
	target    *trailbridge.Target
	shape     *transform.Transformer
	shapeErr  error
	ruleArn   string
	targetArn string
}

func (e *Engine) prepare(k Key) *prepared {
	e.mu.Lock()
	p := e.prepped[k]
	e.mu.Unlock()
	if p != nil {
		return p
	}
	r := e.Rules.Rule(k.Bus, k.Rule)
	if r == nil {
		return nil
	}
	var t *trailbridge.Target
	for i := range r.Targets {
		if r.Targets[i].Id == k.Target {
			t = &r.Targets[i]
		}
	}
	if t == nil {
		return nil
	}
	p = &prepared{rule: r, target: t, ruleArn: e.Place.RuleARN(k.Bus, k.Rule), targetArn: t.Arn}
	spec := transform.Spec{Input: t.Input, InputPath: t.InputPath}
	if it := t.InputTransformer; it != nil {
		spec.InputPathsMap = it.InputPathsMap
		spec.InputTemplate = &it.InputTemplate
	}
	p.shape, p.shapeErr = transform.Compile(spec)
	e.mu.Lock()
	if e.prepped != nil {
		e.prepped[k] = p
	}
	e.mu.Unlock()
	return p
}

// dispatch starts the first attempts of a routing record's part for one
// target in the target's worker. The part is stored for the target's own
// consumer instead (Nak) when this process has no worker for the target
// (one it has not loaded yet, which another process may serve, or one
// removed, whose stored deliveries expire with the stream) or the worker
// is behind; so a part never waits on a target this process cannot serve
// now, and is never taken for a target that another process knows.
func (e *Engine) dispatch(k Key, m Message) {
	n := int64(len(m.Deliveries()))
	e.mu.Lock()
	w := e.workers[k]
	e.mu.Unlock()
	if w == nil || e.prepare(k) == nil || w.queued.Load()+n > int64(routedBacklog*e.concurrency()) {
		m.Nak(0)
		return
	}
	w.queued.Add(n)
	e.wg.Go(func() { e.handle(w.ctx, k, w, m, true) })
}

// releaser is a routing record's part (see Queue.ConsumeRouted): Release
// hands its last deliveries, which its worker has not begun, to the
// target's own consumer.
type releaser interface {
	Release(ds []trailbridge.Delivery)
}

// routedHold is how long the deliveries of a routing record's part may
// wait for a free slot of their target's worker before they are released
// to the target's own consumer, so that a record waits only for deliveries
// in flight.
const routedHold = time.Second

// handle settles every delivery of a message, then acknowledges it. routed
// says the message is part of a routing record (see dispatch).
func (e *Engine) handle(ctx context.Context, k Key, w *worker, m Message, routed bool) {
	p := e.prepare(k)
	ds := m.Deliveries()
	unstarted := func(n int) {
		if routed {
			w.queued.Add(-int64(n))
		}
	}
	if p == nil {
		// The rule or target went away after the event was routed.
		unstarted(len(ds))
		for range ds {
			e.notInvoked(k, "TargetGone")
		}
		m.Ack()
		return
	}
	var hold <-chan time.Time
	rel, _ := m.(releaser)
	if routed && rel != nil {
		t := time.NewTimer(routedHold)
		defer t.Stop()
		hold = t.C
	}
	// Keep the message ours while its deliveries take their time.
	beat := time.NewTicker(deliveryHeartbeat)
	defer beat.Stop()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-beat.C:
				m.InProgress()
			case <-done:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed error
	notMade := 0   // deliveries not made because ctx ended
	unsettled := 0 // deliveries whose retry or dead letter was not stored
loop:
	for i, d := range ds {
		select {
		case w.sem <- struct{}{}:
			unstarted(1)
		case <-hold:
			// The target is behind: what is not begun goes to its own
			// consumer, and the record waits only for what is in flight.
			unstarted(len(ds) - i)
			rel.Release(ds[i:])
			break loop
		case <-ctx.Done():
			unstarted(len(ds) - i)
			mu.Lock()
			notMade += len(ds) - i
			mu.Unlock()
			break loop
		}
		wg.Go(func() {
			defer func() { <-w.sem }()
			if err := e.deliver(ctx, k, p, d, m.Attempts()); err != nil {
				mu.Lock()
				if ctx.Err() != nil {
					notMade++
				} else {
					failed = err
					unsettled++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil && routed && e.ctx.Err() == nil {
		// The worker stopped because its target was removed (not because
		// the process stops): what was not made is owed no more. Storing
		// it apart would leave it where no consumer reads.
		if failed != nil {
			e.log().Error("target removed with deliveries not settled", "bus", k.Bus, "rule", k.Rule, "target", k.Target, "err", failed)
		}
		for range notMade + unsettled {
			e.notInvoked(k, "TargetGone")
		}
		m.Ack()
		return
	}
	if failed != nil || ctx.Err() != nil {
		// Something could not be settled (a retry or a dead letter not
		// stored): offer the message again. Deliveries already made are
		// made again: at least once.
		if failed != nil {
			e.log().Error("deliveries not settled; they will be tried again", "bus", k.Bus, "rule", k.Rule, "target", k.Target, "err", failed)
		}
		m.Nak(5 * time.Second)
		return
	}
	if err := m.Ack(); err != nil {
		e.log().Warn("acknowledging deliveries failed; they may be delivered again", "err", err)
	}
}

// deliveryHeartbeat is how often a message in the works is reported in
// progress; well under the queue's acknowledgement wait.
const deliveryHeartbeat = 10 * time.Second

// maxInvocation bounds one attempt; the target kinds apply their own,
// shorter timeouts (5 s for API destinations, the function's own).
const maxInvocation = 15 * time.Minute

// deliver makes the attempts of one event until it is delivered, given up,
// or scheduled for a later retry. It returns an error only when it could
// not store what it decided (a retry, a dead letter).
func (e *Engine) deliver(ctx context.Context, k Key, p *prepared, d trailbridge.Delivery, attemptsDone int) error {
	if p.shapeErr != nil {
		return e.giveUp(ctx, k, p, d, attemptsDone, target.Fail(target.CodeInvalidPayload, "%v", p.shapeErr), "")
	}
	payload, ok, err := p.shape.Apply(d.Event, transform.Context{RuleArn: p.ruleArn, RuleName: k.Rule, IngestionTime: d.Ingested})
	if err != nil {
		return e.giveUp(ctx, k, p, d, attemptsDone, target.Fail(target.CodeInvalidPayload, "input transformation: %v", err), "")
	}
	if !ok {
		// EventBridge delivers nothing, and reports nothing, when a
		// template renders to invalid JSON.
		e.notInvoked(k, "InvalidRendering")
		return nil
	}
	tgt, err := e.Targets.Target(ctx, p.targetArn)
	if err != nil {
		return e.giveUp(ctx, k, p, d, attemptsDone, target.AsError(err), "")
	}
	maxRetries, maxAge := DefaultMaximumRetryAttempts, DefaultMaximumEventAgeInSeconds*time.Second
	if rp := p.target.RetryPolicy; rp != nil {
		if rp.MaximumRetryAttempts != nil {
			maxRetries = *rp.MaximumRetryAttempts
		}
		if rp.MaximumEventAgeInSeconds != nil {
			maxAge = time.Duration(*rp.MaximumEventAgeInSeconds) * time.Second
		}
	}
	for attempt := attemptsDone + 1; ; attempt++ {
		start := e.now()
		if attempt == 1 {
			e.obs(func(o Observer) { o.Started(k.Bus, k.Rule, k.Target, start.Sub(d.Ingested)) })
		}
		e.obs(func(o Observer) { o.Attempted(k.Bus, k.Rule, k.Target, attempt > 1) })
		ictx, cancel := context.WithTimeout(ctx, maxInvocation)
		err := tgt.Invoke(ictx, &target.Invocation{
			Payload: payload, Event: d.Event, Target: p.target, Rule: k.Rule, Bus: k.Bus,
			RuleArn: p.ruleArn, Attempt: attempt, Ingested: d.Ingested, TraceHeader: d.Trace, FromBus: d.From,
		})
		cancel()
		if err == nil {
			e.obs(func(o Observer) { o.Succeeded(k.Bus, k.Rule, k.Target, e.now().Sub(d.Ingested)) })
			return nil
		}
		if ctx.Err() != nil {
			// Shutting down: the message is offered again later.
			return ctx.Err()
		}
		te := target.AsError(err)
		if te.Code == target.CodeThrottling {
			e.obs(func(o Observer) { o.Throttled(k.Bus, k.Rule) })
		}
		if !te.Retryable || te.RetryAfter < 0 {
			return e.giveUp(ctx, k, p, d, attempt, te, "")
		}
		if attempt-1 >= maxRetries {
			return e.giveUp(ctx, k, p, d, attempt, te, "MaximumRetryAttempts")
		}
		delay := e.backoff(attempt)
		if te.RetryAfter > delay {
			delay = te.RetryAfter
		}
		due := e.now().Add(delay)
		if due.Sub(d.Ingested) > maxAge {
			return e.giveUp(ctx, k, p, d, attempt, te, "MaximumEventAgeInSeconds")
		}
		e.log().Debug("target failed; retrying", "bus", k.Bus, "rule", k.Rule, "target", k.Target, "attempt", attempt, "in", delay, "err", te)
		if delay > e.inlineRetry() {
			return e.Queue.Retry(ctx, d, attempt, due)
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (e *Engine) inlineRetry() time.Duration {
	if e.InlineRetry > 0 {
		return e.InlineRetry
	}
	return 2 * time.Second
}

// backoff is the wait after the attempt-th attempt failed: exponential
// from BackoffBase, capped, with ±25% jitter (so that waits still grow
// from one retry to the next while failing clients do not retry in step).
func (e *Engine) backoff(attempt int) time.Duration {
	base, limit := e.BackoffBase, e.BackoffCap
	if base <= 0 {
		base = time.Second
	}
	if limit <= 0 {
		limit = 10 * time.Minute
	}
	d := base
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return time.Duration(float64(d) * (0.75 + 0.5*rand.Float64()))
}

// giveUp settles an event that will not be delivered: to the target's
// dead-letter queue when it has one, else dropped, counted and logged.
// condition names the exhausted limit, or is empty when the failure could
// not be retried.
func (e *Engine) giveUp(ctx context.Context, k Key, p *prepared, d trailbridge.Delivery, attempts int, te *target.Error, condition string) error {
	dlq := ""
	if c := p.target.DeadLetterConfig; c != nil {
		dlq = c.Arn
	}
	retries := max(attempts-1, 0)
	if dlq == "" {
		e.obs(func(o Observer) { o.Failed(k.Bus, k.Rule, k.Target) })
		e.log().Warn("event dropped: its target failed and has no dead-letter queue",
			"bus", k.Bus, "rule", k.Rule, "target", k.Target, "attempts", attempts, "error_code", te.Code, "error", te.Message, "exhausted", condition)
		return nil
	}
	attrs := map[string]string{
		"RULE_ARN":       p.ruleArn,
		"TARGET_ARN":     p.targetArn,
		"ERROR_CODE":     te.Code,
		"ERROR_MESSAGE":  te.Message,
		"RETRY_ATTEMPTS": fmt.Sprint(retries),
	}
	if condition != "" {
		attrs["EXHAUSTED_RETRY_CONDITION"] = condition
	}
	if e.DeadLetters == nil {
		e.obs(func(o Observer) { o.DeadLettered(k.Bus, k.Rule, k.Target, false) })
		e.log().Error("event dropped: dead-letter queues are not available in this build", "dead_letter_queue", dlq,
			"bus", k.Bus, "rule", k.Rule, "target", k.Target, "error_code", te.Code, "error", te.Message)
		return nil
	}
	if err := e.DeadLetters.Send(ctx, dlq, d.Event, attrs); err != nil {
		e.obs(func(o Observer) { o.DeadLettered(k.Bus, k.Rule, k.Target, false) })
		e.log().Error("event dropped: it could not be written to its dead-letter queue", "dead_letter_queue", dlq,
			"bus", k.Bus, "rule", k.Rule, "target", k.Target, "err", err)
		return nil
	}
	e.obs(func(o Observer) { o.DeadLettered(k.Bus, k.Rule, k.Target, true) })
	return nil
}

func (e *Engine) notInvoked(k Key, reason string) {
	e.obs(func(o Observer) { o.NotInvoked(k.Bus, k.Rule, k.Target, reason) })
}

func (e *Engine) obs(fn func(Observer)) {
	if e.Observer != nil {
		fn(e.Observer)
	}
}
