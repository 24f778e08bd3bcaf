package apidest

import (
	"context"
	"errors"
	"sync"
	"time"
)

// errWouldExceed: the wait for a token would outlast the context's deadline.
var errWouldExceed = errors.New("the rate limit's wait outlasts the attempt's deadline")

// bucket is a token bucket: rate tokens a second, holding at most one
// second's worth. A caller takes a token or reserves the next one and waits
// for it, so excess invocations queue (in the order they asked) instead of
// failing.
type bucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second; also the capacity
	tokens float64 // may go negative: reservations not yet due
	last   time.Time
}

func rateOf(d *Destination) int {
	if d.RateLimit > 0 {
		return d.RateLimit
	}
	return DefaultRateLimit
}

// bucket returns the destination's limiter, following changes of its rate.
func (k *Kind) bucket(d *Destination) *bucket {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.buckets == nil {
		k.buckets = map[string]*bucket{}
	}
	b := k.buckets[d.ARN]
	if b == nil {
		r := float64(rateOf(d))
		b = &bucket{rate: r, tokens: r, last: time.Now()}
		k.buckets[d.ARN] = b
	}
	b.mu.Lock()
	b.rate = float64(rateOf(d))
	b.mu.Unlock()
	return b
}

// wait takes a token, waiting until one is due. It gives up at once when
// ctx's deadline comes before the token would.
func (b *bucket) wait(ctx context.Context) error {
	b.mu.Lock()
	now := time.Now()
	b.tokens = min(b.rate, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	b.tokens--
	var wait time.Duration
	if b.tokens < 0 {
		wait = time.Duration(-b.tokens / b.rate * float64(time.Second))
	}
	b.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && dl.Before(now.Add(wait)) {
		b.giveBack()
		return errWouldExceed
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		b.giveBack()
		return ctx.Err()
	}
}

func (b *bucket) giveBack() {
	b.mu.Lock()
	b.tokens = min(b.rate, b.tokens+1)
	b.mu.Unlock()
}
