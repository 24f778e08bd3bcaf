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

func (q deliveryQueue) Forget(ctx context.Context, bus, rule, target string) error {
	return q.e.ForgetDeliveries(ctx, bus, rule, target)
}

func (q deliveryQueue) Retry(ctx context.Context, d tb.Delivery, attempts int, at time.Time) error {
	return q.e.ScheduleRetry(ctx, d, attempts, at)
}
