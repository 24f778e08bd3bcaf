package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/delivery"
	"github.com/trailbridge/trailbridge/internal/check"
	"github.com/trailbridge/trailbridge/natsjs"
	"github.com/trailbridge/trailbridge/target"
)

// staticRules is one process's view of the rules of the default bus.
type staticRules []*tb.Rule

func (r staticRules) Buses() []*tb.Bus { return []*tb.Bus{{Name: "default"}} }
func (r staticRules) Rules(bus string) []*tb.Rule {
	if bus != "default" {
		return nil
	}
	return r
}

func (r staticRules) Rule(bus, name string) *tb.Rule {
	for _, x := range r.Rules(bus) {
		if x.Name == name {
			return x
		}
	}
	return nil
}

// recordingTarget records the events it gets; hang makes it wait for its
// context instead.
type recordingTarget struct {
	hang  bool
	mu    sync.Mutex
	got   map[string]int
	tries int
}

func (r *recordingTarget) Invoke(ctx context.Context, inv *target.Invocation) error {
	r.mu.Lock()
	r.tries++
	r.mu.Unlock()
	if r.hang {
		<-ctx.Done()
		return ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.got == nil {
		r.got = map[string]int{}
	}
	r.got[string(inv.Event)]++
	return nil
}

func (r *recordingTarget) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tries
}

func (r *recordingTarget) distinct() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

type targetMap map[string]target.Target

func (m targetMap) Target(_ context.Context, arn string) (target.Target, error) {
	if t, ok := m[arn]; ok {
		return t, nil
	}
	return nil, target.Fail(target.CodeNoResource, "no target %s", arn)
}

// notInvoked counts the deliveries an engine settled without invoking.
type notInvoked struct {
	delivery.Observer
	mu sync.Mutex
	n  map[string]int
}

func (o *notInvoked) NotInvoked(_, _, _, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n[reason]++
}

func (o *notInvoked) count(reason string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[reason]
}

// runEngine runs a delivery engine on e with the given view of the rules,
// until the test ends or stop is called.
func runEngine(t *testing.T, e *natsjs.Engine, rules staticRules, targets targetMap) (obs *notInvoked, stop func()) {
	t.Helper()
	obs = &notInvoked{Observer: nopObserver{}, n: map[string]int{}}
	dl := &delivery.Engine{
		Rules: rules, Queue: deliveryQueue{e}, Targets: targets, Observer: obs,
		Place: tb.Place{Region: "us-east-1", Account: "123456789012"}, Log: testLogger(t),
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { dl.Run(ctx); close(done) }()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return obs, stop
}

func fnArn(name string) string { return "arn:aws:lambda:us-east-1:123456789012:function:" + name }

func ruleTo(name string, targets ...string) *tb.Rule {
	r := &tb.Rule{Name: name, EventBusName: "default", State: "ENABLED", EventPattern: `{}`}
	for _, id := range targets {
		r.Targets = append(r.Targets, tb.Target{Id: id, Arn: fnArn(id)})
	}
	return r
}

// routedPending is how many routing records wait for their deliveries to
// be settled, and how many wait to be read.
func routedPending(t *testing.T, e *natsjs.Engine) (ackPending int, unread uint64) {
	t.Helper()
	c, err := e.JetStream().Consumer(t.Context(), natsjs.DeliveriesStream, natsjs.RoutedConsumer)
	if err != nil {
		t.Fatal(err)
	}
	ci, err := c.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return ci.NumAckPending, ci.NumPending
}

// TestRoutingRecordsAcrossProcesses checks that a process that reads a
// routing record for a target it has not loaded (another process has)
// stores those deliveries for the target's own consumer rather than
// settling them: every one reaches the target through the process that
// knows it, none is counted as gone.
func TestRoutingRecordsAcrossProcesses(t *testing.T) {
	e, err := natsjs.Open(t.Context(), natsjs.Options{DataDir: t.TempDir(), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close) // after the delivery engines stop (cleanups run last first)
	tgt := &recordingTarget{}
	targets := targetMap{fnArn("t"): tgt}
	// The process that has not loaded the rule reads every record first.
	b, _ := runEngine(t, e, nil, targets)
	publish := func(from, n int) {
		for i := from; i < from+n; i++ {
			var ds []tb.Delivery
			for j := range 4 {
				ds = append(ds, tb.Delivery{Bus: "default", Rule: "r", Target: "t", Event: fmt.Appendf(nil, `{"id":"%d-%d"}`, i, j), Ingested: time.Now()})
			}
			if err := e.PublishDeliveries(t.Context(), ds); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish(0, 20)
	check.For(t, 10*time.Second, 10*time.Millisecond, func() error {
		if ack, unread := routedPending(t, e); ack != 0 || unread != 0 {
			return fmt.Errorf("%d records unsettled, %d unread", ack, unread)
		}
		return nil
	})
	if n := tgt.distinct(); n != 0 {
		t.Fatalf("%d events delivered by a process that does not know the rule", n)
	}
	// The process that knows the rule starts later and delivers them all,
	// and, sharing the records with the other one, what comes next.
	a, _ := runEngine(t, e, staticRules{ruleTo("r", "t")}, targets)
	publish(20, 30)
	check.For(t, 20*time.Second, 10*time.Millisecond, func() error {
		if n := tgt.distinct(); n != 200 {
			return fmt.Errorf("%d of 200 events delivered", n)
		}
		return nil
	})
	if n := a.count("TargetGone") + b.count("TargetGone"); n != 0 {
		t.Errorf("%d deliveries counted as gone", n)
	}
}

// TestRoutingRecordsHangingTargets checks that targets that never answer
// hold neither the routing records nor a healthy target beside them: the
// healthy target gets every event, and every record is settled while the
// others still hang (their deliveries not begun are stored apart).
func TestRoutingRecordsHangingTargets(t *testing.T) {
	e, err := natsjs.Open(t.Context(), natsjs.Options{DataDir: t.TempDir(), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close) // after the delivery engines stop (cleanups run last first)
	healthy := &recordingTarget{}
	targets := targetMap{fnArn("ok"): healthy}
	rules := staticRules{ruleTo("ok", "ok")}
	const hanging, records = 12, 300
	for i := range hanging {
		id := fmt.Sprint("hang", i)
		targets[fnArn(id)] = &recordingTarget{hang: true}
		rules = append(rules, ruleTo(id, id))
	}
	runEngine(t, e, rules, targets)
	// Wait for every worker's consumer, so that what is stored apart is
	// counted below as owed to a consumer.
	check.For(t, 10*time.Second, 10*time.Millisecond, func() error {
		for _, r := range rules {
			if _, err := e.JetStream().Consumer(t.Context(), natsjs.DeliveriesStream, natsjs.DeliveryConsumer("default", r.Name, r.Targets[0].Id)); err != nil {
				return fmt.Errorf("consumer of %s: %w", r.Name, err)
			}
		}
		return nil
	})
	for i := range records {
		var ds []tb.Delivery
		for _, r := range rules {
			ds = append(ds, tb.Delivery{Bus: "default", Rule: r.Name, Target: r.Targets[0].Id, Event: fmt.Appendf(nil, `{"id":%d}`, i), Ingested: time.Now()})
		}
		if err := e.PublishDeliveries(t.Context(), ds); err != nil {
			t.Fatal(err)
		}
	}
	check.For(t, 20*time.Second, 10*time.Millisecond, func() error {
		if n := healthy.distinct(); n != records {
			return fmt.Errorf("healthy target: %d of %d events", n, records)
		}
		return nil
	})
	// Nothing waits on a record for long, and nothing is lost: what the
	// hanging targets have not begun after about a second (all but their
	// concurrency, 32, in flight) is stored for their own consumers.
	var apart map[string]int
	check.For(t, 20*time.Second, 50*time.Millisecond, func() error {
		_, apart = storedDeliveries(t, e.JetStream())
		for i := range hanging {
			id := fmt.Sprint("hang", i)
			if n := apart[natsjs.DeliverySubject("default", id, id)]; n < records-32 {
				return fmt.Errorf("%s: %d deliveries stored for its own consumer, want at least %d", id, n, records-32)
			}
		}
		return nil
	})
	// So the records settle but for those with a delivery in flight.
	check.For(t, 20*time.Second, 10*time.Millisecond, func() error {
		ack, unread := routedPending(t, e)
		if unread != 0 || ack > hanging*32 {
			return fmt.Errorf("%d records unsettled, %d unread", ack, unread)
		}
		return nil
	})
	if n := apart[natsjs.DeliverySubject("default", "ok", "ok")]; n != 0 {
		t.Errorf("%d deliveries of the healthy target stored apart, want 0", n)
	}
}

// TestRoutingRecordsGracefulStop checks a stop while one target of a
// record has a delivery in flight: that delivery is stored for its
// target's own consumer and the record acknowledged, so that after a
// restart the unfinished target gets the event at once and the other
// targets do not get it again.
func TestRoutingRecordsGracefulStop(t *testing.T) {
	e, err := natsjs.Open(t.Context(), natsjs.Options{DataDir: t.TempDir(), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close) // after the delivery engines stop (cleanups run last first)
	rules := staticRules{ruleTo("fast", "fast"), ruleTo("slow", "slow")}
	fast, hung := &recordingTarget{}, &recordingTarget{hang: true}
	targets := func(slow target.Target) targetMap { return targetMap{fnArn("fast"): fast, fnArn("slow"): slow} }
	obs, stop := runEngine(t, e, rules, targets(hung))
	var ds []tb.Delivery
	for _, r := range rules {
		ds = append(ds, tb.Delivery{Bus: "default", Rule: r.Name, Target: r.Targets[0].Id, Event: []byte(`{"id":1}`), Ingested: time.Now()})
	}
	if err := e.PublishDeliveries(t.Context(), ds); err != nil {
		t.Fatal(err)
	}
	check.For(t, 10*time.Second, 10*time.Millisecond, func() error {
		if fast.distinct() != 1 || hung.calls() != 1 {
			return fmt.Errorf("fast delivered %d, slow attempted %d", fast.distinct(), hung.calls())
		}
		return nil
	})
	stop()
	if n := obs.count("TargetGone"); n != 0 {
		t.Errorf("a stop counted %d deliveries as gone", n)
	}
	if ack, unread := routedPending(t, e); ack != 0 || unread != 0 {
		t.Errorf("after the stop: %d records unsettled, %d unread; want none", ack, unread)
	}
	_, apart := storedDeliveries(t, e.JetStream())
	if apart[natsjs.DeliverySubject("default", "slow", "slow")] != 1 || apart[natsjs.DeliverySubject("default", "fast", "fast")] != 0 {
		t.Errorf("stored apart: %v; want slow's delivery only", apart)
	}
	slow := &recordingTarget{}
	runEngine(t, e, rules, targets(slow))
	check.For(t, 10*time.Second, 10*time.Millisecond, func() error {
		if slow.distinct() != 1 {
			return errors.New("slow not delivered after the restart")
		}
		return nil
	})
	fast.mu.Lock()
	defer fast.mu.Unlock()
	if n := fast.got[`{"id":1}`]; n != 1 {
		t.Errorf("fast got the event %d times, want once", n)
	}
}
