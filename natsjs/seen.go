package natsjs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// SeenStream remembers the ids of records already put on a bus, so that
// ingesting the same CloudTrail log files again puts nothing twice. Each
// id is one subject holding one empty message: the stream grows with the
// number of distinct ids, on disk, not in memory.
const SeenStream = "TB_SEEN"

const seenSubject = "tb.seen"

// SeenRetention is how long an id is remembered: longer than anyone keeps
// CloudTrail log files around to ingest again.
const SeenRetention = 400 * 24 * time.Hour

// Seen is the store of ids already put. It is safe for concurrent use.
type Seen struct {
	e      *Engine
	stream jetstream.Stream

	pending chan []string // ids Mark queued, for the marker
	mu      sync.Mutex
	queued  map[string]int // ids queued and not yet written: Filter sees them too
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// Seen returns the store of ids already put, creating its stream when
// needed. The engine writes what it queues until Close.
func (e *Engine) Seen(ctx context.Context) (*Seen, error) {
	e.qmu.Lock()
	defer e.qmu.Unlock()
	if e.seen != nil {
		return e.seen, nil
	}
	s, err := e.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:               SeenStream,
		Description:        "ids of records already put on a bus (CloudTrail eventIDs), for idempotent ingest",
		Subjects:           []string{seenSubject + ".>"},
		Retention:          jetstream.LimitsPolicy,
		MaxMsgsPerSubject:  1,
		MaxAge:             SeenRetention,
		Storage:            jetstream.FileStorage,
		Replicas:           e.opts.Replicas,
		AllowDirect:        true,
		AllowAtomicPublish: true,
	})
	if err != nil {
		return nil, fmt.Errorf("create stream %s: %w", SeenStream, err)
	}
	e.seen = &Seen{e: e, stream: s, pending: make(chan []string, 1024), queued: map[string]int{}, stop: make(chan struct{}), done: make(chan struct{})}
	go e.seen.marker()
	return e.seen, nil
}

// seenKey is the subject of an id: a hash, since ids come from files
// anyone can write and subjects have a restricted alphabet.
func seenKey(id string) string {
	h := sha256.Sum256([]byte(id))
	return seenSubject + "." + hex.EncodeToString(h[:16])
}

// Filter reports, for each id, whether it was marked before. It asks
// for many subjects in one direct-get request (multi_last), which the
// server answers with the messages it has and an end-of-batch status:
// one round trip per batch instead of one per id.
func (s *Seen) Filter(ctx context.Context, ids []string) ([]bool, error) {
	seen := make([]bool, len(ids))
	s.mu.Lock()
	for i, id := range ids {
		seen[i] = s.queued[id] > 0
	}
	s.mu.Unlock()
	for start := 0; start < len(ids); start += maxSeenLookup {
		end := min(start+maxSeenLookup, len(ids))
		if err := s.filter(ctx, ids[start:end], seen[start:end]); err != nil {
			return nil, fmt.Errorf("look up seen ids: %w", err)
		}
	}
	return seen, nil
}

// maxSeenLookup bounds the subjects of one multi_last request, well below
// the server's limit on the responses to one request.
const maxSeenLookup = 256

func (s *Seen) filter(ctx context.Context, ids []string, seen []bool) error {
	bySubject := make(map[string][]int, len(ids))
	subjects := make([]string, 0, len(ids))
	for i, id := range ids {
		k := seenKey(id)
		if _, ok := bySubject[k]; !ok {
			subjects = append(subjects, k)
		}
		bySubject[k] = append(bySubject[k], i)
	}
	req, err := json.Marshal(struct {
		MultiLast []string `json:"multi_last"`
		Batch     int      `json:"batch"`
	}{subjects, len(subjects)})
	if err != nil {
		return err
	}
	inbox := s.e.nc.NewRespInbox()
	msgs := make(chan *nats.Msg, len(subjects)+1)
	sub, err := s.e.nc.ChanSubscribe(inbox, msgs)
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	if err := s.e.nc.PublishRequest(directGetSubject(SeenStream), inbox, req); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		select {
		case m := <-msgs:
			switch status := m.Header.Get("Status"); status {
			case "":
				for _, i := range bySubject[m.Header.Get(jetstream.SubjectHeader)] {
					seen[i] = true
				}
			case "204", "404": // end of the batch; none at all
				return nil
			default:
				return fmt.Errorf("direct get: %s %s", status, m.Header.Get("Description"))
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// directGetSubject is where a stream answers direct gets.
func directGetSubject(stream string) string { return "$JS.API.DIRECT.GET." + stream }

// Mark records ids as put. It returns once they are queued: a marker
// writes the ids of many calls together, as atomic batches (one sync
// each), within milliseconds. A crash can lose the last ones queued; the
// records are then put again by a later run, which at-least-once allows,
// and never lost. It blocks while the queue is full.
func (s *Seen) Mark(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	s.mu.Lock()
	for _, id := range ids {
		s.queued[id]++
	}
	s.mu.Unlock()
	select {
	case s.pending <- ids:
		return nil
	case <-s.stop:
		s.forget(ids)
		return errClosed
	case <-ctx.Done():
		s.forget(ids)
		return ctx.Err()
	}
}

// forget drops ids from the queued set once written (or given up).
func (s *Seen) forget(ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if s.queued[id]--; s.queued[id] <= 0 {
			delete(s.queued, id)
		}
	}
}

// marker writes what Mark queued until close, then what is left.
func (s *Seen) marker() {
	defer close(s.done)
	for {
		var ids []string
		select {
		case first := <-s.pending:
			ids = append(ids, first...)
		case <-s.stop:
			for {
				select {
				case more := <-s.pending:
					ids = append(ids, more...)
				default:
					s.write(ids)
					return
				}
			}
		}
	gather:
		for len(ids) < maxAtomicBatch {
			select {
			case more := <-s.pending:
				ids = append(ids, more...)
			default:
				break gather
			}
		}
		s.write(ids)
	}
}

// write stores ids, retrying a little: a mark that cannot be written
// only costs a duplicate on a later run.
func (s *Seen) write(queued []string) {
	defer s.forget(queued)
	ids := slices.Compact(slices.Sorted(slices.Values(queued)))
	for len(ids) > 0 {
		n := min(len(ids), maxAtomicBatch)
		var err error
		for attempt := range 3 {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err = s.mark(ctx, ids[:n])
			cancel()
			if err == nil {
				break
			}
			time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
		}
		if err != nil {
			s.e.log.Warn("remember ids put: not written; their records may be put again by a later ingest", "ids", n, "err", err)
		}
		ids = ids[n:]
	}
}

// close writes what is queued and stops the marker.
func (s *Seen) close() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}

func (s *Seen) mark(ctx context.Context, ids []string) error {
	if len(ids) == 1 {
		_, err := s.e.js.PublishMsg(ctx, &nats.Msg{Subject: seenKey(ids[0])}, jetstream.WithExpectStream(SeenStream))
		return err
	}
	batch := nuid.Next()
	for i, id := range ids {
		msg := &nats.Msg{Subject: seenKey(id), Header: nats.Header{}}
		msg.Header.Set("Nats-Batch-Id", batch)
		msg.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		if i < len(ids)-1 {
			if err := s.e.nc.PublishMsg(msg); err != nil {
				return err
			}
			continue
		}
		msg.Header.Set("Nats-Batch-Commit", "1")
		if _, err := s.e.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(SeenStream)); err != nil {
			return err
		}
	}
	return nil
}
