package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// HandoffConfig configures a Handoff.
type HandoffConfig struct {
	// Dir holds the spool; it is created when missing. One process at a
	// time may use a directory.
	Dir string
	// Sink receives the records, in batches of at most 100 records and
	// about 900 KB.
	Sink Sink
	// Capacity bounds the records held in memory on their way to the
	// spool (default 10,000).
	Capacity int
	// MaxSpoolBytes bounds the records in the spool not yet sent
	// (default 256 MiB; the disk may hold one more segment of sent
	// records, at most an eighth of it). When it is full the writer waits
	// for the sender, and records queue in memory until Capacity is
	// reached.
	MaxSpoolBytes int64
	// Logger receives the hand-off's warnings (default slog.Default()).
	Logger *slog.Logger
}

// Handoff carries records from recorders to a Sink without making any
// call wait for the Sink: Recorders (and Offer) enqueue without
// blocking; a writer goroutine builds each record, appends it to a spool
// of segment files in Dir and syncs them once per batch; a sender reads
// the spool in order and Puts batches to the Sink, retrying with
// exponential backoff (up to 30 s) while it fails, and deletes a segment
// once all its records are Put. Records a previous process left in the
// spool are sent first: delivery is at least once.
//
// It is bounded: when the memory queue is full, a record is dropped,
// counted in Stats and logged at most every 10 seconds — or, for a
// Recorder with FailClosed, the call is refused before it is served.
//
// A Handoff may be shared by several Recorders and proxies; all its
// methods are safe for concurrent use. Run must be called once to move
// records; records enqueued before it wait in memory.
type Handoff struct {
	dir      string
	sink     Sink
	logger   *slog.Logger
	maxSpool int64
	segMax   int64
	capacity int

	queue   chan job
	free    atomic.Int64 // queue slots neither used nor reserved
	stopped atomic.Bool
	running atomic.Bool

	accepted, dropped, refused, spooled, sent, sendErrors atomic.Uint64
	droppedUnlogged                                       atomic.Uint64
	lastDropLog                                           atomic.Int64

	mu        sync.Mutex
	segs      []segmentFile // on disk, oldest first; the last may be open
	open      uint64        // id of the segment being written; 0 when none
	openSize  int64         // synced bytes of the open segment
	bytes     int64         // bytes of all segments
	acked     int64         // bytes of the oldest segment already sent
	nextID    uint64
	notify    chan struct{} // new durable records, for the sender
	space     chan struct{} // a segment was deleted, for the writer
	recovered int           // segments found at start
}

type segmentFile struct {
	id   uint64
	size int64 // for closed segments
}

// job is one record in the memory queue: a call to build, or a record
// already built (Offer).
type job struct {
	c     *call
	ready *Captured
}

// Stats are a Handoff's counters since it was made.
type Stats struct {
	Accepted   uint64 // records taken into the memory queue
	Dropped    uint64 // records lost: the queue was full or stopped, or a record could not be built or written
	Refused    uint64 // calls refused (503) by FailClosed recorders because the hand-off was full
	Spooled    uint64 // records written and synced to the spool
	Sent       uint64 // records the Sink accepted (including ones a previous process spooled)
	SendErrors uint64 // failed Sink.Put calls
	Queued     int    // records in memory, waiting for the spool (including reserved slots)
	SpoolBytes int64  // bytes of the spool on disk, sent or not
}

const (
	defaultCapacity  = 10000
	defaultMaxSpool  = 256 << 20
	maxBatchRecords  = 100
	maxBatchBytes    = 900_000
	maxFrame         = 4 << 20
	writeBatchLimit  = 1024
	maxSendBackoff   = 30 * time.Second
	firstSendBackoff = 100 * time.Millisecond
	dropLogEvery     = 10 * time.Second
	groupWindow      = 10 * time.Millisecond // the least time between two syncs of the spool
)

// NewHandoff opens (or creates) the spool directory and takes stock of
// what a previous process left there.
func NewHandoff(cfg HandoffConfig) (*Handoff, error) {
	if cfg.Dir == "" {
		return nil, errors.New("capture: handoff: no spool directory")
	}
	if cfg.Sink == nil {
		return nil, errors.New("capture: handoff: no sink")
	}
	if cfg.Capacity <= 0 {
		cfg.Capacity = defaultCapacity
	}
	if cfg.MaxSpoolBytes <= 0 {
		cfg.MaxSpoolBytes = defaultMaxSpool
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Handoff{
		dir: cfg.Dir, sink: cfg.Sink, logger: cfg.Logger, maxSpool: cfg.MaxSpoolBytes, capacity: cfg.Capacity,
		segMax: min(16<<20, max(64<<10, cfg.MaxSpoolBytes/8)),
		queue:  make(chan job, cfg.Capacity),
		notify: make(chan struct{}, 1),
		space:  make(chan struct{}, 1),
		nextID: 1,
	}
	h.free.Store(int64(cfg.Capacity))
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("capture: handoff: %w", err)
	}
	segs, err := listSegments(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("capture: handoff: %w", err)
	}
	for _, s := range segs {
		h.bytes += s.size
		h.nextID = s.id + 1
	}
	h.segs = segs
	h.recovered = len(segs)
	return h, nil
}

// Stats returns the hand-off's counters.
func (h *Handoff) Stats() Stats {
	h.mu.Lock()
	spool := h.bytes
	h.mu.Unlock()
	return Stats{
		Accepted: h.accepted.Load(), Dropped: h.dropped.Load(), Refused: h.refused.Load(),
		Spooled: h.spooled.Load(), Sent: h.sent.Load(), SendErrors: h.sendErrors.Load(),
		Queued: h.capacity - int(h.free.Load()), SpoolBytes: spool,
	}
}

// Offer enqueues a record built elsewhere, without blocking. It reports
// false when the record was dropped because the hand-off is full or
// stopped.
func (h *Handoff) Offer(c Captured) bool {
	return h.enqueue(job{ready: &c})
}

// enqueue puts j in the memory queue or drops it.
func (h *Handoff) enqueue(j job) bool {
	if h.stopped.Load() {
		h.drop(1, "hand-off stopped")
		return false
	}
	if h.free.Add(-1) < 0 {
		h.free.Add(1)
		h.drop(1, "hand-off full")
		return false
	}
	h.accepted.Add(1)
	h.queue <- j // never blocks: free counts the channel's room
	return true
}

// reserve takes a queue slot for a record to come, for FailClosed
// recorders; it reports false when the record could not be kept.
func (h *Handoff) reserve() bool {
	if h.stopped.Load() || h.spoolFull() {
		return false
	}
	if h.free.Add(-1) < 0 {
		h.free.Add(1)
		return false
	}
	return true
}

// release gives back a reserved slot that will not be used.
func (h *Handoff) release() { h.free.Add(1) }

// enqueueReserved puts j in a slot reserve took.
func (h *Handoff) enqueueReserved(j job) {
	if h.stopped.Load() {
		h.release()
		h.drop(1, "hand-off stopped")
		return
	}
	h.accepted.Add(1)
	h.queue <- j
}

func (h *Handoff) spoolFull() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.bytes-h.acked >= h.maxSpool
}

// drop counts lost records and logs them at most every dropLogEvery.
func (h *Handoff) drop(n int, why string) {
	h.dropped.Add(uint64(n))
	h.droppedUnlogged.Add(uint64(n))
	now := time.Now().UnixNano()
	last := h.lastDropLog.Load()
	if now-last < int64(dropLogEvery) || !h.lastDropLog.CompareAndSwap(last, now) {
		return
	}
	h.logger.Warn("capture: audit records dropped", "count", h.droppedUnlogged.Swap(0), "reason", why, "total", h.dropped.Load())
}

// Run moves records until ctx is done: it writes the memory queue to the
// spool and sends the spool to the Sink. When ctx is done it writes what
// is still queued, syncs and closes the spool, and returns nil; records
// not yet sent stay in the spool for the next Run. Run may be called
// only once.
func (h *Handoff) Run(ctx context.Context) error {
	if !h.running.CompareAndSwap(false, true) {
		return errors.New("capture: handoff: Run called twice")
	}
	if h.recovered > 0 {
		h.logger.Info("capture: resending records a previous process spooled", "segments", h.recovered, "bytes", h.bytes)
	}
	var wg sync.WaitGroup
	wg.Go(func() { h.sendLoop(ctx) })
	h.writeLoop(ctx)
	wg.Wait()
	return nil
}

// backoff returns the wait after the n-th consecutive failure (n ≥ 1):
// exponential from 100 ms, capped at 30 s, with ±20% jitter.
func backoff(n int) time.Duration {
	d := firstSendBackoff
	for i := 1; i < n && d < maxSendBackoff; i++ {
		d *= 2
	}
	d = min(d, maxSendBackoff)
	return d - d/5 + time.Duration(rand.Int64N(int64(d/5)*2+1))
}

// sleep waits d or until ctx is done, and reports whether ctx is alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
