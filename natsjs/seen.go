package natsjs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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
}

// Seen opens (creating it when needed) the store of ids already put.
func (e *Engine) Seen(ctx context.Context) (*Seen, error) {
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
	return &Seen{e: e, stream: s}, nil
}

// seenKey is the subject of an id: a hash, since ids come from files
// anyone can write and subjects have a restricted alphabet.
func seenKey(id string) string {
	h := sha256.Sum256([]byte(id))
	return seenSubject + "." + hex.EncodeToString(h[:16])
}

// Filter reports, for each id, whether it was marked before.
func (s *Seen) Filter(ctx context.Context, ids []string) ([]bool, error) {
	seen := make([]bool, len(ids))
	errs := make([]error, len(ids))
	// Lookups are independent reads: run a few at once.
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, id := range ids {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, err := s.stream.GetLastMsgForSubject(ctx, seenKey(id))
			switch {
			case err == nil:
				seen[i] = true
			case errors.Is(err, jetstream.ErrMsgNotFound):
			default:
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("look up seen ids: %w", err)
	}
	return seen, nil
}

// Mark records ids as put. A batch of ids is written as one atomic batch,
// which the server stores with one sync.
func (s *Seen) Mark(ctx context.Context, ids []string) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for len(ids) > 0 {
		n := min(len(ids), maxAtomicBatch)
		if err := s.mark(ctx, ids[:n]); err != nil {
			return fmt.Errorf("mark seen ids: %w", err)
		}
		ids = ids[n:]
	}
	return nil
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
