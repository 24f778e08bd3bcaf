package bus

import (
	"container/list"
	"sync"
	"time"
)

// hops counts how many times each event was put on each bus: a map for the
// lookup and a list in order of last use for the bound. It is safe for
// concurrent use.
type hops struct {
	max    int
	window time.Duration
	limit  int

	mu    sync.Mutex
	byKey map[string]*list.Element // of *hopCount
	order list.List                // front: most recently used
}

type hopCount struct {
	key   string
	n     int
	first time.Time
}

func newHops(max int, window time.Duration, limit int) *hops {
	return &hops{max: max, window: window, limit: limit, byKey: map[string]*list.Element{}}
}

// take counts one more hop of key, unless it already had its max within
// the window; it returns the count, and whether the hop may go ahead.
// A hop taken is given back with give when it did not happen.
func (h *hops) take(key string, now time.Time) (int, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e, ok := h.byKey[key]; ok {
		c := e.Value.(*hopCount)
		if now.Sub(c.first) >= h.window {
			c.n, c.first = 0, now
		}
		if c.n >= h.max {
			h.order.MoveToFront(e)
			return c.n, false
		}
		c.n++
		h.order.MoveToFront(e)
		return c.n, true
	}
	for h.order.Len() >= h.limit {
		oldest := h.order.Back()
		h.order.Remove(oldest)
		delete(h.byKey, oldest.Value.(*hopCount).key)
	}
	h.byKey[key] = h.order.PushFront(&hopCount{key: key, n: 1, first: now})
	return 1, true
}

// give takes back a hop of key that did not happen.
func (h *hops) give(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e, ok := h.byKey[key]; ok {
		if c := e.Value.(*hopCount); c.n > 0 {
			c.n--
		}
	}
}
