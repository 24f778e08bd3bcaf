package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/internal/check"
	"github.com/trailbridge/trailbridge/target"
)

// rules is an in-memory configuration.
type rules struct {
	mu sync.Mutex
	rs map[string]*trailbridge.Rule // bus/name
}

func (r *rules) Buses() []*trailbridge.Bus { return []*trailbridge.Bus{{Name: "default"}} }
func (r *rules) Rules(bus string) []*trailbridge.Rule {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*trailbridge.Rule
	for _, x := range r.rs {
		if x.EventBusName == bus {
			out = append(out, x)
		}
	}
	return out
}
func (r *rules) Rule(bus, name string) *trailbridge.Rule {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rs[bus+"/"+name]
}
func (r *rules) put(x *trailbridge.Rule) {
	r.mu.Lock()
	r.rs[x.EventBusName+"/"+x.Name] = x
	r.mu.Unlock()
}
func (r *rules) remove(bus, name string) {
	r.mu.Lock()
	delete(r.rs, bus+"/"+name)
	r.mu.Unlock()
}

// queue is an in-memory Queue.
type queue struct {
	mu        sync.Mutex
	routed    chan routedPart // parts of routing records, when a test sends some
	chans     map[Key]chan *msg
	retries   []retried
	forgotten []Key
	failRetry bool
}

type retried struct {
	d        trailbridge.Delivery
	attempts int
	at       time.Time
}

func (q *queue) ch(k Key) chan *msg {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.chans == nil {
		q.chans = map[Key]chan *msg{}
	}
	c := q.chans[k]
	if c == nil {
		c = make(chan *msg, 100)
		q.chans[k] = c
	}
	return c
}

func (q *queue) Consume(ctx context.Context, bus, rule, tgt string, n int, fn func(Message)) error {
	c := q.ch(Key{bus, rule, tgt})
	for {
		select {
		case m := <-c:
			go fn(m)
		case <-ctx.Done():
			return nil
		}
	}
}

type routedPart struct {
	k Key
	m *msg
}

func (q *queue) ConsumeRouted(ctx context.Context, fn func(Key, Message)) error {
	q.mu.Lock()
	if q.routed == nil {
		q.routed = make(chan routedPart, 100)
	}
	c := q.routed
	q.mu.Unlock()
	for {
		select {
		case p := <-c:
			fn(p.k, p.m)
		case <-ctx.Done():
			return nil
		}
	}
}

func (q *queue) Forget(_ context.Context, bus, rule, tgt string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.forgotten = append(q.forgotten, Key{bus, rule, tgt})
	return nil
}

func (q *queue) Retry(_ context.Context, d trailbridge.Delivery, attempts int, at time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.failRetry {
		return errors.New("stream unavailable")
	}
	q.retries = append(q.retries, retried{d, attempts, at})
	return nil
}

// msg is a delivery message that records how it was settled.
type msg struct {
	ds       []trailbridge.Delivery
	attempts int
	mu       sync.Mutex
	acked    bool
	naked    bool
}

func (m *msg) Deliveries() []trailbridge.Delivery { return m.ds }
func (m *msg) Attempts() int                      { return m.attempts }
func (m *msg) InProgress()                        {}
func (m *msg) Ack() error                         { m.mu.Lock(); m.acked = true; m.mu.Unlock(); return nil }
func (m *msg) Nak(time.Duration)                  { m.mu.Lock(); m.naked = true; m.mu.Unlock() }
func (m *msg) settled() (acked, naked bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.acked, m.naked
}

// fakeTarget fails with errs in turn, then succeeds; it records what it got.
type fakeTarget struct {
	mu       sync.Mutex
	errs     []error
	always   error
	payloads []string
	times    []time.Time
}

func (f *fakeTarget) Invoke(_ context.Context, inv *target.Invocation) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.times = append(f.times, time.Now())
	if f.always != nil {
		return f.always
	}
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return err
	}
	f.payloads = append(f.payloads, string(inv.Payload))
	return nil
}

func (f *fakeTarget) got() ([]string, []time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.payloads), slices.Clone(f.times)
}

type resolver map[string]target.Target

func (r resolver) Target(_ context.Context, arn string) (target.Target, error) {
	if t, ok := r[arn]; ok {
		return t, nil
	}
	return nil, target.Fail(target.CodeNoResource, "%s does not exist", arn)
}

type dlq struct {
	mu   sync.Mutex
	sent []map[string]string
	body []string
	fail bool
}

func (d *dlq) Send(_ context.Context, arn string, body []byte, attrs map[string]string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail {
		return errors.New("queue missing")
	}
	a := map[string]string{"queue": arn}
	for k, v := range attrs {
		a[k] = v
	}
	d.sent = append(d.sent, a)
	d.body = append(d.body, string(body))
	return nil
}

// counts is an Observer that counts by method.
type counts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counts) inc(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[k]++
}
func (c *counts) get(k string) int                          { c.mu.Lock(); defer c.mu.Unlock(); return c.n[k] }
func (c *counts) Attempted(_, _, _ string, retry bool)      { c.inc(fmt.Sprint("attempt retry=", retry)) }
func (c *counts) Started(_, _, _ string, _ time.Duration)   { c.inc("started") }
func (c *counts) Succeeded(_, _, _ string, _ time.Duration) { c.inc("succeeded") }
func (c *counts) Failed(_, _, _ string)                     { c.inc("failed") }
func (c *counts) DeadLettered(_, _, _ string, written bool) {
	c.inc(fmt.Sprint("dlq written=", written))
}
func (c *counts) Throttled(_, _ string)                    { c.inc("throttled") }
func (c *counts) NotInvoked(_, _, _ string, reason string) { c.inc("not invoked " + reason) }

const (
	arnA   = "arn:aws:lambda:us-east-1:123456789012:function:a"
	dlqArn = "arn:aws:sqs:us-east-1:123456789012:dlq"
)

type harness struct {
	e     *Engine
	rules *rules
	q     *queue
	tgt   *fakeTarget
	dlq   *dlq
	obs   *counts
}

func newHarness(t *testing.T, tg trailbridge.Target) *harness {
	return newHarnessWith(t, tg, nil)
}

// newHarnessWith is newHarness with a chance to change the harness before
// the engine runs.
func newHarnessWith(t *testing.T, tg trailbridge.Target, configure func(*harness)) *harness {
	h := &harness{rules: &rules{rs: map[string]*trailbridge.Rule{}}, q: &queue{}, tgt: &fakeTarget{}, dlq: &dlq{}, obs: &counts{}}
	if tg.Arn == "" {
		tg.Arn = arnA
	}
	h.rules.put(&trailbridge.Rule{Name: "r", EventBusName: "default", State: "ENABLED", EventPattern: `{}`, Targets: []trailbridge.Target{tg}})
	h.e = &Engine{
		Rules: h.rules, Queue: h.q, Targets: resolver{arnA: h.tgt}, DeadLetters: h.dlq, Observer: h.obs,
		Place:       trailbridge.Place{Region: "us-east-1", Account: "123456789012"},
		BackoffBase: 40 * time.Millisecond, BackoffCap: time.Second, InlineRetry: 500 * time.Millisecond,
	}
	if configure != nil {
		configure(h)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { h.e.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

func event(i int, ingested time.Time) trailbridge.Delivery {
	return trailbridge.Delivery{Bus: "default", Rule: "r", Target: "t",
		Event:    fmt.Appendf(nil, `{"version":"0","id":"%d","detail-type":"x","source":"s","account":"123456789012","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{"n":%d}}`, i, i),
		Ingested: ingested}
}

func (h *harness) send(t *testing.T, attempts int, ds ...trailbridge.Delivery) *msg {
	m := &msg{ds: ds, attempts: attempts}
	// The worker starts from Run; wait for its consumer.
	check.For(t, 5*time.Second, time.Millisecond, func() error {
		h.e.mu.Lock()
		defer h.e.mu.Unlock()
		if len(h.e.workers) == 0 {
			return errors.New("no worker started")
		}
		return nil
	})
	h.q.ch(Key{"default", "r", "t"}) <- m
	return m
}

func waitSettled(t *testing.T, m *msg) (acked, naked bool) {
	check.For(t, 10*time.Second, time.Millisecond, func() error {
		if a, n := m.settled(); !a && !n {
			return errors.New("message neither acknowledged nor offered again")
		}
		return nil
	})
	return m.settled()
}

func ptr[T any](v T) *T { return &v }

func TestDeliversShapedEvents(t *testing.T) {
	h := newHarness(t, trailbridge.Target{Id: "t", InputPath: ptr("$.detail")})
	m := h.send(t, 0, event(1, time.Now()), event(2, time.Now()), event(3, time.Now()))
	if acked, _ := waitSettled(t, m); !acked {
		t.Fatal("message not acknowledged")
	}
	got, _ := h.tgt.got()
	slices.Sort(got)
	if want := []string{`{"n":1}`, `{"n":2}`, `{"n":3}`}; !slices.Equal(got, want) {
		t.Errorf("payloads = %q, want %q", got, want)
	}
	if h.obs.get("succeeded") != 3 || h.obs.get("started") != 3 || h.obs.get("attempt retry=false") != 3 {
		t.Errorf("counts = %v", h.obs.n)
	}
}

func TestRetriesWithGrowingGaps(t *testing.T) {
	h := newHarness(t, trailbridge.Target{Id: "t"})
	unavailable := target.Retry(target.CodeTargetError, "503 Service Unavailable")
	h.tgt.errs = []error{unavailable, unavailable, unavailable}
	m := h.send(t, 0, event(1, time.Now()))
	if acked, _ := waitSettled(t, m); !acked {
		t.Fatal("message not acknowledged")
	}
	got, times := h.tgt.got()
	if len(got) != 1 || len(times) != 4 {
		t.Fatalf("%d attempts, %d deliveries; want 4 attempts, 1 delivery", len(times), len(got))
	}
	for i := 2; i < len(times); i++ {
		if prev, gap := times[i-1].Sub(times[i-2]), times[i].Sub(times[i-1]); gap <= prev {
			t.Errorf("gap %d = %v, not longer than the one before (%v)", i, gap, prev)
		}
	}
	if h.obs.get("attempt retry=true") != 3 || h.obs.get("succeeded") != 1 {
		t.Errorf("counts = %v", h.obs.n)
	}
}

func TestGivesUpAfterMaximumRetryAttempts(t *testing.T) {
	h := newHarness(t, trailbridge.Target{Id: "t", RetryPolicy: &trailbridge.RetryPolicy{MaximumRetryAttempts: ptr(2)}})
	h.tgt.always = target.Retry(target.CodeTargetError, "503")
	m := h.send(t, 0, event(1, time.Now()))
	if acked, _ := waitSettled(t, m); !acked {
		t.Fatal("message not acknowledged")
	}
	if _, times := h.tgt.got(); len(times) != 3 {
		t.Errorf("%d attempts, want 3 (one and two retries)", len(times))
	}
	if h.obs.get("failed") != 1 || len(h.dlq.sent) != 0 {
		t.Errorf("counts = %v, dead letters %v", h.obs.n, h.dlq.sent)
	}
}

func TestDeadLetters(t *testing.T) {
	for _, tc := range []struct {
		name      string
		policy    *trailbridge.RetryPolicy
		err       error
		ingested  time.Duration // ago
		attempts  int
		condition string
		retries   string
	}{
		{"not retryable", nil, target.Fail(target.CodeNoPermissions, "403 Forbidden"), 0, 1, "", "0"},
		{"retries run out", &trailbridge.RetryPolicy{MaximumRetryAttempts: ptr(1)}, target.Retry(target.CodeThrottling, "429"), 0, 2, "MaximumRetryAttempts", "1"},
		{"too old", &trailbridge.RetryPolicy{MaximumEventAgeInSeconds: ptr(60)}, target.Retry(target.CodeTimeout, "no answer"), 59*time.Second + 990*time.Millisecond, 1, "MaximumEventAgeInSeconds", "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, trailbridge.Target{Id: "t", RetryPolicy: tc.policy, DeadLetterConfig: &trailbridge.DeadLetterConfig{Arn: dlqArn}})
			h.tgt.always = tc.err
			ev := event(7, time.Now().Add(-tc.ingested))
			m := h.send(t, 0, ev)
			if acked, _ := waitSettled(t, m); !acked {
				t.Fatal("message not acknowledged")
			}
			if _, times := h.tgt.got(); len(times) != tc.attempts {
				t.Errorf("%d attempts, want %d", len(times), tc.attempts)
			}
			h.dlq.mu.Lock()
			defer h.dlq.mu.Unlock()
			if len(h.dlq.sent) != 1 {
				t.Fatalf("%d dead letters, want 1", len(h.dlq.sent))
			}
			a := h.dlq.sent[0]
			te := tc.err.(*target.Error)
			want := map[string]string{"queue": dlqArn, "RULE_ARN": "arn:aws:events:us-east-1:123456789012:rule/r", "TARGET_ARN": arnA,
				"ERROR_CODE": te.Code, "ERROR_MESSAGE": te.Message, "RETRY_ATTEMPTS": tc.retries}
			if tc.condition != "" {
				want["EXHAUSTED_RETRY_CONDITION"] = tc.condition
			}
			if fmt.Sprint(a) != fmt.Sprint(want) {
				t.Errorf("attributes\n got %v\nwant %v", a, want)
			}
			if h.dlq.body[0] != string(ev.Event) {
				t.Errorf("dead letter body = %s", h.dlq.body[0])
			}
			if h.obs.get("dlq written=true") != 1 {
				t.Errorf("counts = %v", h.obs.n)
			}
		})
	}
}

func TestLongWaitsAreScheduled(t *testing.T) {
	h := newHarness(t, trailbridge.Target{Id: "t"})
	h.e.InlineRetry = 10 * time.Millisecond
	h.tgt.always = &target.Error{Code: target.CodeThrottling, Message: "429", Retryable: true, RetryAfter: 30 * time.Second}
	start := time.Now()
	m := h.send(t, 4, event(1, time.Now()))
	if acked, _ := waitSettled(t, m); !acked {
		t.Fatal("message not acknowledged")
	}
	h.q.mu.Lock()
	defer h.q.mu.Unlock()
	if len(h.q.retries) != 1 {
		t.Fatalf("%d retries scheduled, want 1", len(h.q.retries))
	}
	r := h.q.retries[0]
	if r.attempts != 5 || r.at.Before(start.Add(30*time.Second)) || r.at.After(time.Now().Add(31*time.Second)) {
		t.Errorf("retry scheduled with %d attempts at +%v; want 5 attempts, Retry-After honoured", r.attempts, r.at.Sub(start))
	}
	if h.obs.get("throttled") != 1 || h.obs.get("attempt retry=true") != 1 {
		t.Errorf("counts = %v", h.obs.n)
	}
}

func TestUnsettledMessageIsOfferedAgain(t *testing.T) {
	h := newHarness(t, trailbridge.Target{Id: "t"})
	h.e.InlineRetry = time.Millisecond
	h.q.failRetry = true
	h.tgt.always = target.Retry(target.CodeTargetError, "503")
	m := h.send(t, 0, event(1, time.Now()))
	if _, naked := waitSettled(t, m); !naked {
		t.Fatal("a message whose retry could not be stored was acknowledged")
	}
}

func TestMissingTargetKindFailsWithoutRetry(t *testing.T) {
	h := newHarness(t, trailbridge.Target{Id: "t", Arn: "arn:aws:lambda:us-east-1:123456789012:function:nope"})
	m := h.send(t, 0, event(1, time.Now()))
	if acked, _ := waitSettled(t, m); !acked {
		t.Fatal("message not acknowledged")
	}
	if h.obs.get("failed") != 1 {
		t.Errorf("counts = %v", h.obs.n)
	}
}

func TestRemovedTargetStopsItsWorker(t *testing.T) {
	h := newHarness(t, trailbridge.Target{Id: "t"})
	waitSettled(t, h.send(t, 0, event(1, time.Now())))
	h.rules.remove("default", "r")
	h.e.Changed("default", "r")
	check.For(t, 5*time.Second, time.Millisecond, func() error {
		h.q.mu.Lock()
		defer h.q.mu.Unlock()
		if len(h.q.forgotten) != 1 || h.q.forgotten[0] != (Key{"default", "r", "t"}) {
			return fmt.Errorf("forgotten = %v", h.q.forgotten)
		}
		return nil
	})
	// A message for it that was already in flight is settled, not lost in
	// a loop.
	m := &msg{ds: []trailbridge.Delivery{event(2, time.Now())}}
	h.e.handle(t.Context(), Key{"default", "r", "t"}, &worker{sem: make(chan struct{}, 1)}, m, false)
	if acked, _ := m.settled(); !acked || h.obs.get("not invoked TargetGone") != 1 {
		t.Errorf("acked %v, counts %v", acked, h.obs.n)
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	e := &Engine{BackoffBase: time.Second, BackoffCap: 10 * time.Minute}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 5: 16 * time.Second, 30: 10 * time.Minute} {
		for range 100 {
			if d := e.backoff(attempt); d < want*3/4 || d > want*5/4 {
				t.Fatalf("backoff(%d) = %v, want %v ± 25%%", attempt, d, want)
			}
		}
	}
	if !strings.Contains(fmt.Sprint(DefaultMaximumRetryAttempts, DefaultMaximumEventAgeInSeconds), "185 86400") {
		t.Error("defaults differ from EventBridge's")
	}
}

// blockingTarget holds every invocation until released.
type blockingTarget struct {
	release chan struct{}
	calls   atomic.Int32
}

func (b *blockingTarget) Invoke(ctx context.Context, _ *target.Invocation) error {
	b.calls.Add(1)
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestRoutedParts checks the first attempts made from routing records: a
// part is attempted by its target's worker and settled; a part for a target
// whose worker is behind (here one that does not answer) is stored for the
// target's own consumer (Nak) at once, so that it holds up neither its
// record nor the other targets; a part for a target that went away is
// settled without an attempt.
func TestRoutedParts(t *testing.T) {
	slow := &blockingTarget{release: make(chan struct{})}
	defer close(slow.release)
	h := newHarnessWith(t, trailbridge.Target{Id: "t"}, func(h *harness) {
		h.e.Targets = resolver{arnA: h.tgt, "arn:aws:lambda:us-east-1:123456789012:function:slow": slow}
		h.rules.put(&trailbridge.Rule{Name: "s", EventBusName: "default", State: "ENABLED", EventPattern: `{}`,
			Targets: []trailbridge.Target{{Id: "slow", Arn: "arn:aws:lambda:us-east-1:123456789012:function:slow"}}})
		h.e.Concurrency = 2
	})
	check.For(t, 5*time.Second, time.Millisecond, func() error {
		h.q.mu.Lock()
		defer h.q.mu.Unlock()
		if h.q.routed == nil {
			return errors.New("routing records not consumed yet")
		}
		return nil
	})
	part := func(k Key, n int) *msg {
		var ds []trailbridge.Delivery
		for i := range n {
			d := event(i, time.Now())
			d.Rule, d.Target = k.Rule, k.Target
			ds = append(ds, d)
		}
		m := &msg{ds: ds}
		h.q.routed <- routedPart{k, m}
		return m
	}
	slowKey := Key{"default", "s", "slow"}
	// The slow target takes its concurrency (2, here) in flight and a
	// backlog of 8 times that waiting; more is stored apart at once.
	held := part(slowKey, routedBacklog*2)
	check.For(t, 5*time.Second, time.Millisecond, func() error {
		if n := slow.calls.Load(); n != 2 {
			return fmt.Errorf("%d invocations in flight, want 2", n)
		}
		return nil
	})
	held2 := part(slowKey, 2)
	spilled := part(slowKey, 1)
	if acked, naked := waitSettled(t, spilled); acked || !naked {
		t.Errorf("part for a target behind: acked %v, stored apart %v; want stored apart", acked, naked)
	}
	fast := part(Key{"default", "r", "t"}, 3)
	if acked, naked := waitSettled(t, fast); !acked || naked {
		t.Errorf("part for a free target: acked %v, stored apart %v; want acked", acked, naked)
	}
	for _, m := range []*msg{held, held2} {
		if a, n := m.settled(); a || n {
			t.Errorf("a part of the slow target settled (acked %v) while its target had not answered", a)
		}
	}
	// A part for a target this process does not know (another process
	// may have loaded it already) is stored for the target's consumer,
	// never settled as gone.
	unknown := part(Key{"default", "nosuch", "t"}, 2)
	if acked, naked := waitSettled(t, unknown); acked || !naked {
		t.Errorf("part for a target this process does not know: acked %v, stored apart %v; want stored apart", acked, naked)
	}
	if n := h.obs.get("not invoked TargetGone"); n != 0 {
		t.Errorf("TargetGone counted %d times, want 0", n)
	}
}

// waitWorker waits for the engine's worker of k.
func waitWorker(t *testing.T, h *harness, k Key) *worker {
	t.Helper()
	var w *worker
	check.For(t, 5*time.Second, time.Millisecond, func() error {
		h.e.mu.Lock()
		defer h.e.mu.Unlock()
		if w = h.e.workers[k]; w == nil {
			return errors.New("no worker yet")
		}
		return nil
	})
	return w
}

// releasingMsg is a routing record's part: it records what its worker
// releases.
type releasingMsg struct {
	msg
	released []trailbridge.Delivery
}

func (m *releasingMsg) Release(ds []trailbridge.Delivery) {
	m.mu.Lock()
	m.released = append(m.released, ds...)
	m.mu.Unlock()
}

// TestRoutedPartReleased checks that deliveries of a part that wait longer
// than routedHold for their worker are released to the target's own
// consumer, not begun, while the part waits for its delivery in flight.
func TestRoutedPartReleased(t *testing.T) {
	slow := &blockingTarget{release: make(chan struct{})}
	h := newHarnessWith(t, trailbridge.Target{Id: "t"}, func(h *harness) {
		h.e.Targets = resolver{arnA: slow}
		h.e.Concurrency = 1
	})
	k := Key{"default", "r", "t"}
	w := waitWorker(t, h, k)
	m := &releasingMsg{msg: msg{ds: []trailbridge.Delivery{event(1, time.Now()), event(2, time.Now()), event(3, time.Now())}}}
	start := time.Now()
	h.e.dispatch(k, m)
	check.For(t, 5*time.Second, time.Millisecond, func() error {
		m.mu.Lock()
		defer m.mu.Unlock()
		if len(m.released) != 2 {
			return fmt.Errorf("%d deliveries released", len(m.released))
		}
		return nil
	})
	if waited := time.Since(start); waited < routedHold*3/4 {
		t.Errorf("released after %v, before routedHold (%v)", waited, routedHold)
	}
	if q := w.queued.Load(); q != 0 {
		t.Errorf("%d deliveries still counted waiting", q)
	}
	if a, n := m.settled(); a || n {
		t.Errorf("part settled (acked %v, stored apart %v) while a delivery was in flight", a, n)
	}
	close(slow.release)
	if acked, naked := waitSettled(t, &m.msg); !acked || naked {
		t.Errorf("after its delivery in flight: acked %v, stored apart %v; want acked", acked, naked)
	}
	if n := slow.calls.Load(); n != 1 {
		t.Errorf("%d invocations, want 1: released deliveries were begun", n)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if string(m.released[0].Event) != string(event(2, time.Now()).Event) {
		t.Errorf("released %s first, want the second event", m.released[0].Event)
	}
}

// TestRoutedPartOfRemovedTarget checks that a part in the works when its
// target is removed is settled, its deliveries counted as not invoked
// because the target is gone, rather than stored where no consumer reads.
func TestRoutedPartOfRemovedTarget(t *testing.T) {
	slow := &blockingTarget{release: make(chan struct{})}
	defer close(slow.release)
	h := newHarnessWith(t, trailbridge.Target{Id: "t"}, func(h *harness) {
		h.e.Targets = resolver{arnA: slow}
		h.e.Concurrency = 1
	})
	k := Key{"default", "r", "t"}
	waitWorker(t, h, k)
	m := &msg{ds: []trailbridge.Delivery{event(1, time.Now()), event(2, time.Now()), event(3, time.Now())}}
	h.e.dispatch(k, m)
	check.For(t, 5*time.Second, time.Millisecond, func() error {
		if n := slow.calls.Load(); n != 1 {
			return fmt.Errorf("%d invocations, want 1", n)
		}
		return nil
	})
	h.rules.remove("default", "r")
	h.e.Changed("default", "r")
	if acked, naked := waitSettled(t, m); !acked || naked {
		t.Errorf("part of a removed target: acked %v, stored apart %v; want acked", acked, naked)
	}
	if n := h.obs.get("not invoked TargetGone"); n != 3 {
		t.Errorf("TargetGone counted %d times, want 3 (one cancelled in flight, two not begun)", n)
	}
}

// TestRoutedPartOfRuleNotLoaded checks that a part is stored for its
// target's consumer, not settled, when the process's rules do not have the
// rule although a worker still runs (the view and the workers are brought
// in line only by Changed).
func TestRoutedPartOfRuleNotLoaded(t *testing.T) {
	h := newHarness(t, trailbridge.Target{Id: "t"})
	k := Key{"default", "r", "t"}
	waitWorker(t, h, k)
	h.rules.remove("default", "r")
	h.e.mu.Lock()
	delete(h.e.prepped, k)
	h.e.mu.Unlock()
	m := &msg{ds: []trailbridge.Delivery{event(1, time.Now())}}
	h.e.dispatch(k, m)
	if acked, naked := waitSettled(t, m); acked || !naked {
		t.Errorf("acked %v, stored apart %v; want stored apart", acked, naked)
	}
	if n := h.obs.get("not invoked TargetGone"); n != 0 {
		t.Errorf("TargetGone counted %d times", n)
	}
}
