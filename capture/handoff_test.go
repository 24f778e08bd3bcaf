package capture

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/internal/check"
)

func record(i int) Captured {
	return Captured{Source: "orders.example.com", Record: []byte(fmt.Sprintf(`{"eventVersion":"1.11","eventTime":"2026-01-01T00:00:00Z","eventID":"id-%d","eventType":"AwsApiCall","eventCategory":"Management","awsRegion":"us-east-1"}`, i))}
}

func TestHandoffFailsOpenAndDeliversAfterTheSinkRecovers(t *testing.T) {
	sink := &memSink{}
	sink.fail.Store(true)
	h := runHandoff(t, HandoffConfig{Sink: sink})
	rec, err := NewRecorder(Config{EventSource: "orders.example.com", Logger: quietLogger()}, h)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rec.Middleware(ordersAPI()))
	defer srv.Close()
	for range 5 {
		resp, err := http.Post(srv.URL+"/orders", "application/json", strings.NewReader(`{"item":"book"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got, want := resp.StatusCode, http.StatusCreated; got != want {
			t.Fatalf("status %d while the sink is down, want %d", got, want)
		}
	}
	check.For(t, 5*time.Second, 5*time.Millisecond, func() error {
		if st := h.Stats(); st.SendErrors == 0 || st.Spooled != 5 {
			return fmt.Errorf("stats %+v: want send errors and 5 spooled", st)
		}
		return nil
	})
	if got := len(sink.all()); got != 0 {
		t.Fatalf("sink holds %d records while failing", got)
	}
	sink.fail.Store(false)
	sink.waitFor(t, 5)
	check.For(t, 5*time.Second, 5*time.Millisecond, func() error {
		if st := h.Stats(); st.Sent != 5 || st.Dropped != 0 || st.Queued != 0 {
			return fmt.Errorf("stats %+v", st)
		}
		return nil
	})
}

func TestHandoffResendsWhatAPreviousProcessSpooled(t *testing.T) {
	dir := t.TempDir()
	down := &memSink{}
	down.fail.Store(true)
	h1, err := NewHandoff(HandoffConfig{Dir: dir, Sink: down, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- h1.Run(ctx) }()
	for i := range 250 {
		if !h1.Offer(record(i)) {
			t.Fatalf("offer %d refused", i)
		}
	}
	check.For(t, 5*time.Second, 5*time.Millisecond, func() error {
		if st := h1.Stats(); st.Spooled != 250 {
			return fmt.Errorf("spooled %d of 250", st.Spooled)
		}
		return nil
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	up := &memSink{}
	h2 := runHandoff(t, HandoffConfig{Dir: dir, Sink: up})
	recs := up.waitFor(t, 250)
	for i, r := range recs {
		if got, want := r["eventID"], fmt.Sprintf("id-%d", i); got != want {
			t.Fatalf("record %d is %v, want %v (order kept)", i, got, want)
		}
	}
	if got, want := up.all()[0].Source, "orders.example.com"; got != want {
		t.Errorf("Source %q, want %q", got, want)
	}
	check.For(t, 5*time.Second, 5*time.Millisecond, func() error {
		segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
		if st := h2.Stats(); st.SpoolBytes != 0 || len(segs) > 1 {
			return fmt.Errorf("spool still holds %d bytes in %d segments", st.SpoolBytes, len(segs))
		}
		return nil
	})
	if n := up.puts.Load(); n < 3 {
		t.Errorf("%d puts for 250 records: batches hold at most 100", n)
	}
}

func TestHandoffSkipsATornTail(t *testing.T) {
	dir := t.TempDir()
	var seg []byte
	for i := range 3 {
		r := record(i)
		seg = appendFrame(seg, r.Source, "", func(b []byte) []byte { return append(b, r.Record...) })
	}
	good := len(seg)
	r := record(3)
	seg = appendFrame(seg, r.Source, "", func(b []byte) []byte { return append(b, r.Record...) })
	seg = seg[:good+20] // the crash cut the last frame
	if err := os.WriteFile(segName(dir, 7), seg, 0o600); err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	h := runHandoff(t, HandoffConfig{Dir: dir, Sink: sink})
	sink.waitFor(t, 3)
	check.For(t, 5*time.Second, 5*time.Millisecond, func() error {
		if _, err := os.Stat(segName(dir, 7)); err == nil {
			return fmt.Errorf("segment still there")
		}
		return nil
	})
	if !h.Offer(record(9)) {
		t.Fatal("offer refused")
	}
	recs := sink.waitFor(t, 4)
	if got, want := recs[3]["eventID"], "id-9"; got != want {
		t.Errorf("after recovery got %v, want %v", got, want)
	}
}

func TestHandoffFullDropsAndCounts(t *testing.T) {
	sink := &memSink{}
	h, err := NewHandoff(HandoffConfig{Dir: t.TempDir(), Sink: sink, Capacity: 2, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := NewRecorder(Config{EventSource: "orders.example.com", Logger: quietLogger()}, h)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rec.Middleware(ordersAPI()))
	defer srv.Close()
	for range 5 { // Run has not started: nothing drains the queue
		resp, err := http.Get(srv.URL + "/orders/o-1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got, want := resp.StatusCode, http.StatusOK; got != want {
			t.Fatalf("status %d, want %d (fail open)", got, want)
		}
	}
	if st := h.Stats(); st.Accepted != 2 || st.Dropped != 3 || st.Queued != 2 {
		t.Errorf("stats %+v: want 2 accepted, 3 dropped, 2 queued", st)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	defer func() { cancel(); <-done }()
	sink.waitFor(t, 2)
}

func TestFailClosedRefusesWithoutCallingUpstream(t *testing.T) {
	var calls atomic.Int64
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.WriteString(w, `{}`)
	}))
	defer upstream.Close()
	sink := &memSink{}
	h, err := NewHandoff(HandoffConfig{Dir: t.TempDir(), Sink: sink, Capacity: 1, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(upstream.URL)
	p, err := NewProxy(Config{EventSource: "orders.example.com", FailClosed: true, Logger: quietLogger()}, u, h)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	defer srv.Close()

	do := func() (int, string) {
		resp, err := http.Post(srv.URL+"/orders", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := do(); code != http.StatusOK {
		t.Fatalf("first call: status %d, want 200", code)
	}
	code, body := do()
	if got, want := code, http.StatusServiceUnavailable; got != want {
		t.Fatalf("second call: status %d, want %d", got, want)
	}
	if !strings.Contains(body, `"__type":"ServiceUnavailableException"`) || !strings.Contains(body, "audit record") {
		t.Errorf("refusal body %s", body)
	}
	if got, want := calls.Load(), int64(1); got != want {
		t.Errorf("upstream called %d times, want %d", got, want)
	}
	if st := h.Stats(); st.Refused != 1 || st.Dropped != 0 || st.Accepted != 1 {
		t.Errorf("stats %+v: want 1 refused, 1 accepted, none dropped", st)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	defer func() { cancel(); <-done }()
	sink.waitFor(t, 1)
	check.For(t, 5*time.Second, 5*time.Millisecond, func() error {
		if code, _ := do(); code != http.StatusOK {
			return fmt.Errorf("status %d once the queue drained", code)
		}
		return nil
	})
}

func TestFramesRoundTrip(t *testing.T) {
	var b []byte
	want := []Captured{{Source: "a", DetailType: "b", Record: []byte(`{"x":1}`)}, {Record: []byte(`{}`)}}
	for _, c := range want {
		b = appendFrame(b, c.Source, c.DetailType, func(d []byte) []byte { return append(d, c.Record...) })
	}
	for i, w := range want {
		c, n, err := parseFrame(b)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if c.Source != w.Source || c.DetailType != w.DetailType || string(c.Record) != string(w.Record) {
			t.Errorf("frame %d = %+v, want %+v", i, c, w)
		}
		b = b[n:]
	}
	if len(b) != 0 {
		t.Errorf("%d bytes left", len(b))
	}
}

func TestFullSpoolRefusesFailClosedCalls(t *testing.T) {
	sink := &memSink{}
	sink.fail.Store(true)
	h := runHandoff(t, HandoffConfig{Sink: sink, MaxSpoolBytes: 1})
	rec, err := NewRecorder(Config{EventSource: "orders.example.com", FailClosed: true, Logger: quietLogger()}, h)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rec.Middleware(ordersAPI()))
	defer srv.Close()
	get := func() int {
		resp, err := http.Get(srv.URL + "/orders/o-1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got, want := get(), http.StatusOK; got != want {
		t.Fatalf("first call: status %d, want %d", got, want)
	}
	waitStats(t, h, func(st Stats) bool { return st.Spooled == 1 })
	if got, want := get(), http.StatusServiceUnavailable; got != want {
		t.Errorf("with the spool full: status %d, want %d", got, want)
	}
	sink.fail.Store(false)
	sink.waitFor(t, 1)
	check.For(t, 5*time.Second, 5*time.Millisecond, func() error {
		if got := get(); got != http.StatusOK {
			return fmt.Errorf("status %d once the spool drained", got)
		}
		return nil
	})
}
