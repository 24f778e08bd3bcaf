package main

import (
	"context"
	"time"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/delivery"
	"github.com/trailbridge/trailbridge/natsjs"
)

// deliveryQueue is the delivery engine's Queue on JetStream.
type deliveryQueue struct{ e *natsjs.Engine }

func (q deliveryQueue) Consume(ctx context.Context, bus, rule, target string, n int, fn func(delivery.Message)) error {
	return q.e.ConsumeDeliveries(ctx, bus, rule, target, n, func(m *natsjs.DeliveryMsg) { fn(m) })
}

func (q deliveryQueue) ConsumeRouted(ctx context.Context, fn func(delivery.Key, delivery.Message)) error {
	return q.e.ConsumeRouted(ctx, func(m *natsjs.DeliveryMsg) {
		bus, rule, target := m.Key()
		fn(delivery.Key{Bus: bus, Rule: rule, Target: target}, m)
	})
}

func (q deliveryQueue) Forget(ctx context.Context, bus, rule, target string) error {
	return q.e.ForgetDeliveries(ctx, bus, rule, target)
}

func (q deliveryQueue) Retry(ctx context.Context, d tb.Delivery, attempts int, at time.Time) error {
	return q.e.ScheduleRetry(ctx, d, attempts, at)
}

// teeObserver tells two observers.
type teeObserver [2]delivery.Observer

func (t teeObserver) Attempted(bus, rule, target string, retry bool) {
	t[0].Attempted(bus, rule, target, retry)
	t[1].Attempted(bus, rule, target, retry)
}

func (t teeObserver) Started(bus, rule, target string, d time.Duration) {
	t[0].Started(bus, rule, target, d)
	t[1].Started(bus, rule, target, d)
}

func (t teeObserver) Succeeded(bus, rule, target string, d time.Duration) {
	t[0].Succeeded(bus, rule, target, d)
	t[1].Succeeded(bus, rule, target, d)
}

func (t teeObserver) Failed(bus, rule, target string) {
	t[0].Failed(bus, rule, target)
	t[1].Failed(bus, rule, target)
}

func (t teeObserver) DeadLettered(bus, rule, target string, written bool) {
	t[0].DeadLettered(bus, rule, target, written)
	t[1].DeadLettered(bus, rule, target, written)
}

func (t teeObserver) Throttled(bus, rule string) {
	t[0].Throttled(bus, rule)
	t[1].Throttled(bus, rule)
}

func (t teeObserver) NotInvoked(bus, rule, target, reason string) {
	t[0].NotInvoked(bus, rule, target, reason)
	t[1].NotInvoked(bus, rule, target, reason)
}
