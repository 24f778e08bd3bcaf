package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/internal/check"
)

// memSink keeps what it is given; it fails while fail is set.
type memSink struct {
	mu   sync.Mutex
	recs []Captured
	fail atomic.Bool
	puts atomic.Int64
}

func (s *memSink) Put(ctx context.Context, batch []Captured) error {
	s.puts.Add(1)
	if s.fail.Load() {
		return errors.New("sink down")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range batch {
		c.Record = append(json.RawMessage(nil), c.Record...)
		s.recs = append(s.recs, c)
	}
	return nil
}

func (s *memSink) all() []Captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Captured(nil), s.recs...)
}

// waitFor waits until the sink holds n records and returns them decoded.
func (s *memSink) waitFor(t *testing.T, n int) []map[string]any {
	t.Helper()
	check.For(t, 5*time.Second, 5*time.Millisecond, func() error {
		if got := len(s.all()); got < n {
			return fmt.Errorf("sink holds %d records, want %d", got, n)
		}
		return nil
	})
	var out []map[string]any
	for _, c := range s.all() {
		var m map[string]any
		if err := json.Unmarshal(c.Record, &m); err != nil {
			t.Fatalf("record is not JSON: %v\n%s", err, c.Record)
		}
		out = append(out, m)
	}
	return out
}

// quietLogger discards what it is told.
func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// runHandoff makes a hand-off over dir and runs it until the test ends.
func runHandoff(t *testing.T, cfg HandoffConfig) *Handoff {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	h, err := NewHandoff(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := h.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return h
}

// sameRecord compares a record with the JSON wanted; a wanted value "*"
// only asks that the field be present.
func sameRecord(t *testing.T, got map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want: %v", err)
	}
	g := map[string]any{}
	for k, v := range got {
		g[k] = v
	}
	for k, v := range w {
		if v == "*" {
			if _, ok := g[k]; !ok {
				t.Errorf("record has no %s", k)
			}
			g[k] = "*"
		}
	}
	if !reflect.DeepEqual(g, w) {
		gb, _ := json.MarshalIndent(g, "", "  ")
		wb, _ := json.MarshalIndent(w, "", "  ")
		t.Errorf("record:\n%s\nwant:\n%s", gb, wb)
	}
}

// waitStats waits until ok holds for h's stats.
func waitStats(t *testing.T, h *Handoff, ok func(Stats) bool) {
	t.Helper()
	check.For(t, 5*time.Second, 5*time.Millisecond, func() error {
		if st := h.Stats(); !ok(st) {
			return fmt.Errorf("stats %+v", st)
		}
		return nil
	})
}

func mustPrefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}
