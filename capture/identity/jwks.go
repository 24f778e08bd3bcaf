package identity

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// maxJWKSSize bounds the key set read from the network.
const maxJWKSSize = 1 << 20

// A jwksCache holds the keys of one JWK Set URL. Readers load the current
// set without locking; fetches replace it whole. At most one fetch runs
// at a time, and fetches start at most once per minInterval.
type jwksCache struct {
	url                          string
	client                       *http.Client
	maxAge, minInterval, timeout time.Duration
	now                          func() time.Time
	logger                       *slog.Logger

	set atomic.Pointer[keySet]

	mu        sync.Mutex
	attempted time.Time     // when the last fetch started; zero before the first
	inflight  chan struct{} // closed when the running fetch ends; nil when none runs
}

// A keySet is the keys of one fetch. It is immutable.
type keySet struct {
	keys    []*verifyKey
	fetched time.Time
}

func newJWKSCache(cfg JWTConfig, now func() time.Time) *jwksCache {
	c := &jwksCache{
		url:         cfg.JWKSURL,
		client:      cfg.HTTPClient,
		maxAge:      cfg.JWKSMaxAge,
		minInterval: cfg.JWKSMinInterval,
		timeout:     cfg.JWKSFetchTimeout,
		now:         now,
		logger:      cfg.Logger,
	}
	if c.client == nil {
		c.client = http.DefaultClient
	}
	if c.maxAge == 0 {
		c.maxAge = DefaultJWKSMaxAge
	}
	if c.minInterval == 0 {
		c.minInterval = DefaultJWKSMinInterval
	}
	if c.timeout == 0 {
		c.timeout = DefaultJWKSFetchTimeout
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// match returns the keys of the set that may verify a token signed with
// alg and naming kid (any kid when kid is empty).
func (s *keySet) match(kid, alg string) []*verifyKey {
	if s == nil {
		return nil
	}
	a := algorithms[alg]
	var out []*verifyKey
	for _, k := range s.keys {
		if (kid == "" || k.kid == kid) && k.fits(alg, a) {
			out = append(out, k)
		}
	}
	return out
}

// keys returns the keys that may verify a token with kid and alg. When
// the set has none, it fetches the set again (unless a fetch started
// less than minInterval ago) and waits for that fetch, or for ctx. When
// the set has some but is older than maxAge, it starts a fetch and
// answers from the old set without waiting.
func (c *jwksCache) keys(ctx context.Context, kid, alg string) []*verifyKey {
	set := c.set.Load()
	if keys := set.match(kid, alg); len(keys) > 0 {
		if c.now().Sub(set.fetched) >= c.maxAge {
			c.start(ctx)
		}
		return keys
	}
	done := c.start(ctx)
	if done == nil {
		return nil
	}
	select {
	case <-done:
	case <-ctx.Done():
		return nil
	}
	return c.set.Load().match(kid, alg)
}

// start starts a fetch unless one is running (then it returns that one's
// channel) or one started less than minInterval ago (then it returns
// nil). The channel is closed when the fetch ends, whatever its outcome.
func (c *jwksCache) start(ctx context.Context) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight != nil {
		return c.inflight
	}
	now := c.now()
	if !c.attempted.IsZero() && now.Sub(c.attempted) < c.minInterval {
		return nil
	}
	c.attempted = now
	done := make(chan struct{})
	c.inflight = done
	// The fetch outlives the request that started it, and serves the
	// requests waiting for it: it keeps the request's values but not its
	// cancellation.
	fctx := context.WithoutCancel(ctx)
	go func() {
		defer func() {
			c.mu.Lock()
			c.inflight = nil
			c.mu.Unlock()
			close(done)
		}()
		if err := c.refresh(fctx); err != nil {
			c.logger.LogAttrs(fctx, slog.LevelWarn, "fetching the JWT key set failed; keeping the keys held",
				slog.String("url", c.url), slog.Any("error", err))
		}
	}()
	return done
}

// refresh fetches the set, within the fetch timeout, and keeps it when it
// is a JWK Set; on an error the old set stays.
func (c *jwksCache) refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("jwks: %s: %s", c.url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSSize+1))
	if err != nil {
		return fmt.Errorf("jwks: %s: %w", c.url, err)
	}
	if len(data) > maxJWKSSize {
		return fmt.Errorf("jwks: %s: larger than %d bytes", c.url, maxJWKSSize)
	}
	keys, err := parseJWKS(data)
	if err != nil {
		return fmt.Errorf("jwks: %s: %w", c.url, err)
	}
	c.set.Store(&keySet{keys: keys, fetched: c.now()})
	return nil
}
