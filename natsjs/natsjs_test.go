package natsjs

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/internal/check"
)

func openTest(t *testing.T, dir string) *Engine {
	t.Helper()
	e, err := Open(t.Context(), Options{DataDir: dir})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return e
}

func TestEscapeToken(t *testing.T) {
	for _, s := range []string{"default", "a.b", "x=y", "", "=", "a/b.c-d_e", "*", ">", "héllo", "a b"} {
		esc := escapeToken(s)
		for _, c := range []byte(esc) {
			if c == '.' || c == '*' || c == '>' || c == ' ' || c > 126 {
				t.Errorf("escapeToken(%q) = %q: holds %q", s, esc, c)
			}
		}
		back, err := unescapeToken(esc)
		if err != nil || back != s {
			t.Errorf("unescapeToken(escapeToken(%q)) = %q, %v", s, back, err)
		}
	}
	if _, err := unescapeToken("a=4"); err == nil {
		t.Error("unescapeToken(\"a=4\"): no error")
	}
}

func TestGroupRoundTrip(t *testing.T) {
	now := time.UnixMicro(1700000000123456).UTC()
	in := []trailbridge.Accepted{
		{Bus: "default", Event: []byte(`{"a":1}`), Ingested: now},
		{Bus: "b.us", Event: []byte(`{}`), Ingested: now.Add(time.Second), Rule: "tick", Trace: "Root=1-5759e988-bd862e3fe1be46a994272793", From: "orders"},
	}
	out, err := readGroup(appendGroup(nil, in))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[1].Bus != "b.us" || out[1].Rule != "tick" || out[0].Rule != "" || string(out[0].Event) != `{"a":1}` || !out[1].Ingested.Equal(now.Add(time.Second)) ||
		out[0].Trace != "" || out[1].Trace != in[1].Trace || out[0].From != "" || out[1].From != "orders" {
		t.Errorf("round trip = %+v", out)
	}
	// Version 2, before events carried the bus they came from.
	v2 := []byte{2, 1, 'b', 0, 3, 'T', '=', '1'}
	v2 = binary.AppendVarint(v2, now.UnixMicro())
	v2 = append(v2, 2, '{', '}')
	if old, err := readGroup(v2); err != nil || len(old) != 1 || old[0].Trace != "T=1" || old[0].From != "" || string(old[0].Event) != "{}" {
		t.Errorf("version 2 = %+v, %v", old, err)
	}
	// A message of version 1, written before events carried a trace
	// header, is still read.
	v1 := []byte{1, 1, 'b', 1, 'r'}
	v1 = binary.AppendVarint(v1, now.UnixMicro())
	v1 = append(v1, 2, '{', '}')
	old, err := readGroup(v1)
	if err != nil || len(old) != 1 || old[0].Bus != "b" || old[0].Rule != "r" || string(old[0].Event) != "{}" || !old[0].Ingested.Equal(now) || old[0].Trace != "" {
		t.Errorf("version 1 = %+v, %v", old, err)
	}
	for _, bad := range [][]byte{nil, {4}, {0}, {1, 5, 'a'}, {1, 1, 'a', 0, 0, 9, '{'}, {1, 1, 'a', 3, 'b'}, {2, 1, 'a', 0, 5, 'x'}} {
		if _, err := readGroup(bad); err == nil {
			t.Errorf("readGroup(%v): no error", bad)
		}
	}
}

func FuzzReadGroup(f *testing.F) {
	f.Add(appendGroup(nil, []trailbridge.Accepted{{Bus: "x", Event: []byte("{}")}}))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, err := readGroup(b)
		if err != nil {
			return
		}
		again, err := readGroup(appendGroup(nil, evs))
		if err != nil || len(again) != len(evs) {
			t.Fatalf("re-encoding %d events: %d, %v", len(evs), len(again), err)
		}
	})
}

func TestConfigUpdateAndRestart(t *testing.T) {
	dir := t.TempDir()
	e := openTest(t, dir)
	ctx := t.Context()
	cfg, err := e.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Bus("default") == nil {
		t.Fatal("default bus missing")
	}
	var changes sync.Map
	cfg.OnChange(func(c Change) { changes.Store(c, true) })
	_, err = cfg.UpdateBus(ctx, "orders.v1", func(cur *trailbridge.Bus) (*trailbridge.Bus, error) {
		if cur != nil {
			t.Errorf("bus exists before creation: %+v", cur)
		}
		return &trailbridge.Bus{Name: "orders.v1", Description: "d"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if b := cfg.Bus("orders.v1"); b == nil || b.Description != "d" {
		t.Fatalf("read after write: %+v", b)
	}
	if _, ok := changes.Load(Change{Bus: "orders.v1"}); !ok {
		t.Error("no change reported for the bus")
	}
	rule := func(pattern string) func(*trailbridge.Rule) (*trailbridge.Rule, error) {
		return func(*trailbridge.Rule) (*trailbridge.Rule, error) {
			return &trailbridge.Rule{Name: "r.1", EventBusName: "orders.v1", EventPattern: pattern, State: "ENABLED"}, nil
		}
	}
	if _, err := cfg.UpdateRule(ctx, "orders.v1", "r.1", rule(`{"source":["a"]}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.UpdateRule(ctx, "orders.v1", "r.1", rule(`{"source":["b"]}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.UpdateRule(ctx, "orders.v1", "gone", rule(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.UpdateRule(ctx, "orders.v1", "gone", func(*trailbridge.Rule) (*trailbridge.Rule, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if got := cfg.Rules("orders.v1"); len(got) != 1 || got[0].EventPattern != `{"source":["b"]}` {
		t.Fatalf("rules = %+v", got)
	}
	wantErr := errors.New("refused")
	if _, err := cfg.UpdateRule(ctx, "orders.v1", "r.1", func(*trailbridge.Rule) (*trailbridge.Rule, error) { return nil, wantErr }); err != wantErr {
		t.Fatalf("update error = %v", err)
	}

	// Concurrent writers each add one target: none is lost.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			_, err := cfg.UpdateRule(ctx, "orders.v1", "r.1", func(cur *trailbridge.Rule) (*trailbridge.Rule, error) {
				cur.Targets = append(cur.Targets, trailbridge.Target{Id: fmt.Sprint(i), Arn: "arn"})
				return cur, nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := len(cfg.Rule("orders.v1", "r.1").Targets); got != 8 {
		t.Errorf("targets after concurrent updates = %d, want 8", got)
	}
	e.Close()

	e = openTest(t, dir)
	defer e.Close()
	cfg, err = e.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Rule("orders.v1", "r.1")
	if r == nil || r.EventPattern != `{"source":["b"]}` || len(r.Targets) != 8 {
		t.Fatalf("rule after restart = %+v", r)
	}
	if cfg.Rule("orders.v1", "gone") != nil {
		t.Error("deleted rule back after restart")
	}
	if got := len(cfg.Buses()); got != 2 {
		t.Errorf("buses after restart = %d, want 2", got)
	}
}

func TestConfigResources(t *testing.T) {
	dir := t.TempDir()
	e := openTest(t, dir)
	ctx := t.Context()
	cfg, err := e.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Changes are reported from the writer and from the watch.
	var mu sync.Mutex
	var seenList []Change
	cfg.OnChange(func(c Change) { mu.Lock(); seenList = append(seenList, c); mu.Unlock() })
	seenNow := func() []Change { mu.Lock(); defer mu.Unlock(); return append([]Change(nil), seenList...) }
	put := func(name, v string) {
		t.Helper()
		if err := cfg.UpdateResource(ctx, "connection", name, func(cur json.RawMessage) (json.RawMessage, error) { return json.RawMessage(v), nil }); err != nil {
			t.Fatal(err)
		}
	}
	put("ops.1", `{"a":1}`)
	put("b", `{"b":2}`)
	if got := string(cfg.Resource("connection", "ops.1")); got != `{"a":1}` {
		t.Errorf("Resource = %s", got)
	}
	if got := cfg.ResourceNames("connection"); len(got) != 2 || got[0] != "b" || got[1] != "ops.1" {
		t.Errorf("ResourceNames = %v", got)
	}
	if seen := seenNow(); len(seen) != 2 || seen[0] != (Change{Resource: "connection", Name: "ops.1"}) {
		t.Errorf("changes = %+v", seen)
	}
	if err := cfg.UpdateResource(ctx, "connection", "b", func(cur json.RawMessage) (json.RawMessage, error) {
		if string(cur) != `{"b":2}` {
			t.Errorf("current = %s", cur)
		}
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	e.Close()
	e = openTest(t, dir)
	defer e.Close()
	cfg, err = e.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.ResourceNames("connection"); len(got) != 1 || string(cfg.Resource("connection", "ops.1")) != `{"a":1}` {
		t.Errorf("after restart: %v", got)
	}
}

func TestConfigSeenByOtherWatcher(t *testing.T) {
	e := openTest(t, t.TempDir())
	defer e.Close()
	ctx := t.Context()
	a, err := e.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.UpdateBus(ctx, "x", func(*trailbridge.Bus) (*trailbridge.Bus, error) { return &trailbridge.Bus{Name: "x"}, nil }); err != nil {
		t.Fatal(err)
	}
	check.For(t, 5*time.Second, 5*time.Millisecond, func() error {
		if b.Bus("x") == nil {
			return errors.New("second watcher never saw bus x")
		}
		return nil
	})
	if _, err := a.UpdateBus(ctx, "x", func(*trailbridge.Bus) (*trailbridge.Bus, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	check.For(t, 5*time.Second, 5*time.Millisecond, func() error {
		if b.Bus("x") != nil {
			return errors.New("second watcher never saw bus x deleted")
		}
		return nil
	})
}

func TestAppendConsumeSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := openTest(t, dir)
	ctx := t.Context()
	const n = 500
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ev := trailbridge.Accepted{Bus: "default", Event: fmt.Appendf(nil, `{"i":%d}`, i), Ingested: time.Now()}
			if err := e.Append(ctx, []trailbridge.Accepted{ev}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	info, err := e.events.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs >= n {
		t.Logf("no grouping happened: %d messages for %d appends", info.State.Msgs, n)
	}
	e.Close()

	// Nothing was routed before the restart: every event comes back.
	e = openTest(t, dir)
	defer e.Close()
	seen := map[string]bool{}
	var mu sync.Mutex
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- e.ConsumeEvents(cctx, func(_ context.Context, evs []trailbridge.Accepted) error {
			mu.Lock()
			defer mu.Unlock()
			for _, ev := range evs {
				seen[string(ev.Event)] = true
			}
			return nil
		})
	}()
	check.For(t, 10*time.Second, 10*time.Millisecond, func() error {
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != n {
			return fmt.Errorf("consumed %d distinct events, want %d", len(seen), n)
		}
		return nil
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Every group is acknowledged: nothing waits for the router.
	check.For(t, 5*time.Second, 10*time.Millisecond, func() error {
		ci, err := e.js.Consumer(ctx, EventsStream, RouterConsumer)
		if err != nil {
			return err
		}
		info, err := ci.Info(ctx)
		if err != nil {
			return err
		}
		if info.NumPending != 0 || info.NumAckPending != 0 {
			return fmt.Errorf("router consumer: %d pending, %d awaiting acknowledgement", info.NumPending, info.NumAckPending)
		}
		return nil
	})
}

func TestAppendOnceDeduplicates(t *testing.T) {
	e := openTest(t, t.TempDir())
	defer e.Close()
	ctx := t.Context()
	ev := trailbridge.Accepted{Bus: "default", Event: []byte(`{}`), Ingested: time.Now()}
	for range 3 {
		if err := e.AppendOnce(ctx, "sched/r/1", ev); err != nil {
			t.Fatal(err)
		}
	}
	info, err := e.events.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Errorf("stored %d copies, want 1", info.State.Msgs)
	}
}

func TestStoreDeliveries(t *testing.T) {
	e := openTest(t, t.TempDir())
	defer e.Close()
	ctx := t.Context()
	now := time.Now().Truncate(time.Microsecond)
	var ds []trailbridge.Delivery
	for i := range 1500 {
		ds = append(ds, trailbridge.Delivery{Bus: "b.1", Rule: "r", Target: fmt.Sprint("t", i%3), Event: fmt.Appendf(nil, `{"i":%d}`, i), Ingested: now.Add(time.Duration(i) * time.Microsecond)})
	}
	// 1,200 more targets: two atomic batches.
	for i := range 1200 {
		ds = append(ds, trailbridge.Delivery{Bus: "b.1", Rule: "many", Target: fmt.Sprint("m", i), Event: []byte(`{}`), Ingested: now})
	}
	if err := e.storeDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	info, err := e.deliveries.Info(ctx, jetstream.WithSubjectFilter(">"))
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1203 {
		t.Fatalf("stored %d messages, want 3 packed ones and 1200 single ones", info.State.Msgs)
	}
	// Each target's message holds its deliveries, in order.
	for tgt := range 3 {
		subj := DeliverySubject("b.1", "r", fmt.Sprint("t", tgt))
		m, err := e.deliveries.GetLastMsgForSubject(ctx, subj)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ReadDeliveries(m.Subject, m.Data)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 500 {
			t.Fatalf("%s holds %d deliveries, want 500", subj, len(got))
		}
		for j, d := range got {
			i := j*3 + tgt
			if d.Bus != "b.1" || d.Rule != "r" || d.Target != fmt.Sprint("t", tgt) || string(d.Event) != fmt.Sprintf(`{"i":%d}`, i) || !d.Ingested.Equal(now.Add(time.Duration(i)*time.Microsecond)) {
				t.Fatalf("delivery %d of %s = %+v", j, subj, d)
			}
		}
	}
	if _, err := ReadDeliveries("tb.events", []byte{1}); err == nil {
		t.Error("ReadDeliveries accepted a subject that is not a delivery subject")
	}
}

func TestDeliveriesVersions(t *testing.T) {
	now := time.UnixMicro(1700000000123456).UTC()
	b := appendDelivery([]byte{deliveryVersion}, trailbridge.Delivery{Event: []byte(`{"a":1}`), Ingested: now, Trace: "Root=1-abc", From: "orders"})
	b = appendDelivery(b, trailbridge.Delivery{Event: []byte(`{}`), Ingested: now})
	ds, err := readDeliveries(trailbridge.Delivery{Target: "t"}, b)
	if err != nil || len(ds) != 2 || ds[0].Trace != "Root=1-abc" || ds[1].Trace != "" || ds[0].Target != "t" || string(ds[1].Event) != "{}" || !ds[0].Ingested.Equal(now) ||
		ds[0].From != "orders" || ds[1].From != "" {
		t.Fatalf("round trip = %+v, %v", ds, err)
	}
	// Version 2, before deliveries carried the bus their event came from.
	v2 := binary.AppendVarint([]byte{2}, now.UnixMicro())
	v2 = append(v2, 1, 'T', 2, '{', '}')
	ds, err = readDeliveries(trailbridge.Delivery{}, v2)
	if err != nil || len(ds) != 1 || string(ds[0].Event) != "{}" || ds[0].Trace != "T" || ds[0].From != "" {
		t.Fatalf("version 2 = %+v, %v", ds, err)
	}
	// Version 1, before deliveries carried a trace header.
	v1 := binary.AppendVarint([]byte{1}, now.UnixMicro())
	v1 = append(v1, 2, '{', '}')
	ds, err = readDeliveries(trailbridge.Delivery{}, v1)
	if err != nil || len(ds) != 1 || string(ds[0].Event) != "{}" || ds[0].Trace != "" || !ds[0].Ingested.Equal(now) {
		t.Fatalf("version 1 = %+v, %v", ds, err)
	}
	if _, err := readDeliveries(trailbridge.Delivery{}, []byte{4, 0, 0}); err == nil {
		t.Error("version 4 read")
	}
}

func FuzzReadDeliveries(f *testing.F) {
	f.Add(appendDelivery([]byte{deliveryVersion}, trailbridge.Delivery{Event: []byte("{}")}))
	f.Add([]byte{deliveryVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := readDeliveries(trailbridge.Delivery{Target: "x"}, b)
		if err != nil {
			return
		}
		again := []byte{deliveryVersion}
		for _, d := range ds {
			again = appendDelivery(again, d)
		}
		back, err := readDeliveries(trailbridge.Delivery{}, again)
		if err != nil || len(back) != len(ds) {
			t.Fatalf("re-encoding %d deliveries: %d, %v", len(ds), len(back), err)
		}
	})
}

func TestConsumeDeliveriesAndRetry(t *testing.T) {
	e := openTest(t, t.TempDir())
	defer e.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	now := time.Now().Truncate(time.Microsecond)
	var ds []trailbridge.Delivery
	for i := range 5 {
		ds = append(ds, trailbridge.Delivery{Bus: "b", Rule: "r", Target: "t", Event: fmt.Appendf(nil, `{"i":%d}`, i), Ingested: now})
	}
	ds = append(ds, trailbridge.Delivery{Bus: "b", Rule: "r", Target: "other", Event: []byte(`{}`), Ingested: now})
	if err := e.storeDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	type got struct {
		events   int
		attempts int
		at       time.Time
	}
	var mu sync.Mutex
	var seen []got
	retried := false
	go e.ConsumeDeliveries(ctx, "b", "r", "t", 4, func(m *DeliveryMsg) {
		mu.Lock()
		seen = append(seen, got{len(m.Deliveries()), m.Attempts(), time.Now()})
		first := !retried
		retried = true
		mu.Unlock()
		if first {
			// Put the third event back for a second attempt in a second.
			if err := e.ScheduleRetry(ctx, m.Deliveries()[2], 1, time.Now().Add(time.Second)); err != nil {
				t.Error(err)
			}
		} else if string(m.Deliveries()[0].Event) != `{"i":2}` || !m.Deliveries()[0].Ingested.Equal(now) {
			t.Errorf("retried delivery = %+v", m.Deliveries()[0])
		}
		m.Ack()
	})
	check.For(t, 10*time.Second, 10*time.Millisecond, func() error {
		mu.Lock()
		defer mu.Unlock()
		if len(seen) < 2 {
			return fmt.Errorf("%d messages consumed, want the routed one and its retry", len(seen))
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	if seen[0].events != 5 || seen[0].attempts != 0 || seen[1].events != 1 || seen[1].attempts != 1 {
		t.Errorf("consumed %+v", seen)
	}
	if gap := seen[1].at.Sub(seen[0].at); gap < 900*time.Millisecond {
		t.Errorf("retry came back after %v, want about a second", gap)
	}
	if err := e.ForgetDeliveries(t.Context(), "b", "r", "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.js.Consumer(t.Context(), DeliveriesStream, DeliveryConsumer("b", "r", "t")); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Errorf("consumer after ForgetDeliveries: %v", err)
	}
}

func FuzzReadRouted(f *testing.F) {
	f.Add(appendRouted([]byte{routedVersion}, trailbridge.Delivery{Bus: "b", Rule: "r", Target: "t", Event: []byte("{}"), Trace: "x", From: "y"}))
	f.Add([]byte{routedVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := readRouted(b)
		if err != nil {
			return
		}
		again := []byte{routedVersion}
		for _, d := range ds {
			again = appendRouted(again, d)
		}
		back, err := readRouted(again)
		if err != nil || len(back) != len(ds) {
			t.Fatalf("re-encoding %d deliveries: %d, %v", len(ds), len(back), err)
		}
		for i := range ds {
			if back[i].Bus != ds[i].Bus || back[i].Rule != ds[i].Rule || back[i].Target != ds[i].Target || string(back[i].Event) != string(ds[i].Event) ||
				back[i].Trace != ds[i].Trace || back[i].From != ds[i].From || !back[i].Ingested.Equal(ds[i].Ingested) {
				t.Fatalf("delivery %d: %+v, then %+v", i, ds[i], back[i])
			}
		}
	})
}

// TestRoutingRecords checks the router's records: one message for all the
// deliveries of a routed batch, read back as one part per target, the
// record acknowledged once every part is settled, and a part settled with
// Nak stored on its target's subject for the target's consumer.
func TestRoutingRecords(t *testing.T) {
	e := openTest(t, t.TempDir())
	defer e.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	now := time.Now().Truncate(time.Microsecond)
	var ds []trailbridge.Delivery
	for i := range 6 {
		ds = append(ds, trailbridge.Delivery{Bus: "b", Rule: "r", Target: fmt.Sprint("t", i%3), Event: fmt.Appendf(nil, `{"i":%d}`, i), Ingested: now, From: "other"})
	}
	if err := e.PublishDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	info, err := e.deliveries.Info(ctx, jetstream.WithSubjectFilter(">"))
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Fatalf("stored %d messages, want one routing record", info.State.Msgs)
	}
	parts := make(chan *DeliveryMsg, 10)
	go e.ConsumeRouted(ctx, func(m *DeliveryMsg) { parts <- m })
	got := map[string]*DeliveryMsg{}
	for range 3 {
		select {
		case m := <-parts:
			_, _, tgt := m.Key()
			got[tgt] = m
		case <-time.After(10 * time.Second):
			t.Fatal("parts not consumed")
		}
	}
	for tgt, m := range got {
		if len(m.Deliveries()) != 2 || m.Attempts() != 0 || m.Deliveries()[0].From != "other" || !m.Deliveries()[0].Ingested.Equal(now) {
			t.Errorf("part for %s = %+v", tgt, m.Deliveries())
		}
	}
	routed := func() int {
		unsettled, _ := routedState(t, e)
		return unsettled
	}
	got["t0"].Ack()
	got["t0"].Ack() // settling twice counts once
	got["t1"].Nak(time.Second)
	if n := routed(); n != 1 {
		t.Errorf("%d records awaiting acknowledgement with a part unsettled, want 1", n)
	}
	got["t2"].Ack()
	check.For(t, 5*time.Second, 10*time.Millisecond, func() error {
		if n := routed(); n != 0 {
			return fmt.Errorf("%d records awaiting acknowledgement, want 0", n)
		}
		return nil
	})
	m, err := e.deliveries.GetLastMsgForSubject(ctx, DeliverySubject("b", "r", "t1"))
	if err != nil {
		t.Fatalf("the part stored apart: %v", err)
	}
	apart, err := ReadDeliveries(m.Subject, m.Data)
	if err != nil || len(apart) != 2 || string(apart[1].Event) != `{"i":4}` || apart[0].From != "other" {
		t.Fatalf("stored apart: %+v, %v", apart, err)
	}
}

// routedState tells how many routing records are handed out and not yet
// settled, and how many are not yet read.
func routedState(t *testing.T, e *Engine) (unsettled int, unread uint64) {
	t.Helper()
	c, err := e.js.Consumer(t.Context(), DeliveriesStream, RoutedConsumer)
	if err != nil {
		t.Fatal(err)
	}
	ci, err := c.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return ci.NumAckPending, ci.NumPending
}

// TestRoutedRelease checks that deliveries of a part released by its
// worker are stored on the target's subject, and that the record waits for
// the part's other deliveries all the same.
func TestRoutedRelease(t *testing.T) {
	e := openTest(t, t.TempDir())
	defer e.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	now := time.Now().Truncate(time.Microsecond)
	ds := []trailbridge.Delivery{{Bus: "b", Rule: "r", Target: "fast", Event: []byte(`{"i":0}`), Ingested: now}}
	for i := 1; i <= 3; i++ {
		ds = append(ds, trailbridge.Delivery{Bus: "b", Rule: "r", Target: "slow", Event: fmt.Appendf(nil, `{"i":%d}`, i), Ingested: now})
	}
	if err := e.PublishDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	parts := make(chan *DeliveryMsg, 10)
	go e.ConsumeRouted(ctx, func(m *DeliveryMsg) { parts <- m })
	var slow *DeliveryMsg
	for range 2 {
		select {
		case m := <-parts:
			if _, _, tgt := m.Key(); tgt == "fast" {
				m.Ack()
			} else {
				slow = m
			}
		case <-time.After(10 * time.Second):
			t.Fatal("parts not consumed")
		}
	}
	pending := func() int {
		unsettled, _ := routedState(t, e)
		return unsettled
	}
	slow.Release(slow.Deliveries()[1:])
	var apart []trailbridge.Delivery
	check.For(t, 5*time.Second, 10*time.Millisecond, func() error {
		m, err := e.deliveries.GetLastMsgForSubject(ctx, DeliverySubject("b", "r", "slow"))
		if err != nil {
			return fmt.Errorf("the released deliveries: %w", err)
		}
		apart, err = ReadDeliveries(m.Subject, m.Data)
		return err
	})
	if len(apart) != 2 || string(apart[0].Event) != `{"i":2}` || string(apart[1].Event) != `{"i":3}` {
		t.Errorf("stored apart: %+v", apart)
	}
	if n := pending(); n != 1 {
		t.Errorf("%d records awaiting acknowledgement while a delivery is in flight, want 1", n)
	}
	slow.Ack()
	check.For(t, 5*time.Second, 10*time.Millisecond, func() error {
		if n := pending(); n != 0 {
			return fmt.Errorf("%d records awaiting acknowledgement", n)
		}
		return nil
	})
	if _, err := e.deliveries.GetLastMsgForSubject(ctx, DeliverySubject("b", "r", "fast")); err == nil {
		t.Error("the settled part was stored apart too")
	}
}

// TestRoutedHeldLimit checks that a process holding routedMaxHeld records
// unsettled stores every part of the next records apart and acknowledges
// them, so that targets holding records cannot take the consumer's limit.
func TestRoutedHeldLimit(t *testing.T) {
	e := openTest(t, t.TempDir())
	defer e.Close()
	e.routedMaxHeld = 2
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	for i := range 5 {
		d := trailbridge.Delivery{Bus: "b", Rule: "r", Target: "t", Event: fmt.Appendf(nil, `{"i":%d}`, i), Ingested: time.Now()}
		if err := e.PublishDeliveries(ctx, []trailbridge.Delivery{d}); err != nil {
			t.Fatal(err)
		}
	}
	parts := make(chan *DeliveryMsg, 10)
	ended := make(chan struct{})
	go func() { e.ConsumeRouted(ctx, func(m *DeliveryMsg) { parts <- m }); close(ended) }() // settled at the end only
	defer func() {
		// Settled, so that ConsumeRouted ends before the engine closes.
		for len(parts) > 0 {
			(<-parts).Ack()
		}
		cancel()
		<-ended
	}()
	check.For(t, 10*time.Second, 10*time.Millisecond, func() error {
		_, err := e.js.Consumer(ctx, DeliveriesStream, RoutedConsumer)
		return err
	})
	check.For(t, 10*time.Second, 10*time.Millisecond, func() error {
		if unsettled, unread := routedState(t, e); unread != 0 || unsettled != 2 {
			return fmt.Errorf("%d records unread, %d unsettled; want 0 and 2", unread, unsettled)
		}
		return nil
	})
	if n := len(parts); n != 2 {
		t.Errorf("%d parts handed out, want 2", n)
	}
	info, err := e.deliveries.Info(ctx, jetstream.WithSubjectFilter(DeliverySubject("b", "r", "t")))
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs == 0 {
		t.Error("the records past the limit were not stored apart")
	}
	var apart int
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := e.deliveries.GetMsg(ctx, seq)
		if err != nil || m.Subject != DeliverySubject("b", "r", "t") {
			continue
		}
		ds, err := ReadDeliveries(m.Subject, m.Data)
		if err != nil {
			t.Fatal(err)
		}
		apart += len(ds)
	}
	if apart != 3 {
		t.Errorf("%d deliveries stored apart, want 3", apart)
	}
}

// fakeRecordMsg is a routing record's message that counts its
// acknowledgements.
type fakeRecordMsg struct {
	jetstream.Msg
	acks, naks, progress atomic.Int32
}

func (m *fakeRecordMsg) Ack() error                       { m.acks.Add(1); return nil }
func (m *fakeRecordMsg) NakWithDelay(time.Duration) error { m.naks.Add(1); return nil }
func (m *fakeRecordMsg) Nak() error                       { m.naks.Add(1); return nil }
func (m *fakeRecordMsg) InProgress() error                { m.progress.Add(1); return nil }

// TestSpillerRetries checks that a failed write of parts stored apart is
// tried again with the record kept in progress, never offered back whole
// (which would make every other target's delivery again).
func TestSpillerRetries(t *testing.T) {
	var calls atomic.Int32
	sp := newSpiller(func(context.Context, []trailbridge.Delivery) error {
		if calls.Add(1) <= 2 {
			return errors.New("disk full")
		}
		return nil
	}, slog.New(slog.DiscardHandler))
	defer sp.close()
	m := &fakeRecordMsg{}
	r := &routedRecord{e: &Engine{log: slog.New(slog.DiscardHandler)}, m: m}
	r.pending.Store(1)
	(&DeliveryMsg{rec: r, sp: sp, ds: []trailbridge.Delivery{{Bus: "b", Rule: "r", Target: "t"}}}).Nak(0)
	check.For(t, 20*time.Second, 10*time.Millisecond, func() error {
		if m.acks.Load() == 0 {
			return errors.New("record not settled")
		}
		return nil
	})
	if calls.Load() != 3 || m.acks.Load() != 1 || m.naks.Load() != 0 || m.progress.Load() < 2 {
		t.Errorf("writes %d, acks %d, naks %d, in progress %d; want 3, 1, 0, at least 2", calls.Load(), m.acks.Load(), m.naks.Load(), m.progress.Load())
	}
}

// TestSpillerChunks checks that a backlog is written in steps of at most
// spillChunk deliveries, each settling its own parts, and that closing the
// spiller stores what is still queued.
func TestSpillerChunks(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	block := make(chan struct{})
	sp := newSpiller(func(_ context.Context, ds []trailbridge.Delivery) error {
		<-block
		mu.Lock()
		sizes = append(sizes, len(ds))
		mu.Unlock()
		return nil
	}, slog.New(slog.DiscardHandler))
	e := &Engine{log: slog.New(slog.DiscardHandler)}
	var msgs []*fakeRecordMsg
	add := func(n int) {
		m := &fakeRecordMsg{}
		msgs = append(msgs, m)
		r := &routedRecord{e: e, m: m}
		r.pending.Store(1)
		(&DeliveryMsg{rec: r, sp: sp, ds: make([]trailbridge.Delivery, n)}).Nak(0)
	}
	for range 5 {
		add(1000)
	}
	close(block)
	sp.close()
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for _, n := range sizes {
		total += n
		if n > spillChunk {
			t.Errorf("a write of %d deliveries, more than %d", n, spillChunk)
		}
	}
	if total != 5000 || len(sizes) < 3 {
		t.Errorf("writes of %v deliveries, want 5,000 in at least three", sizes)
	}
	for i, m := range msgs {
		if m.acks.Load() != 1 {
			t.Errorf("record %d acknowledged %d times", i, m.acks.Load())
		}
	}
}

// TestSpillerBacklogInProgress checks that records waiting behind a long
// backlog of parts to store are reported in progress meanwhile, so that
// they are not read again (with every other target's delivery made again).
func TestSpillerBacklogInProgress(t *testing.T) {
	block := make(chan struct{})
	sp := newSpillerBeating(func(context.Context, []trailbridge.Delivery) error {
		<-block
		time.Sleep(30 * time.Millisecond)
		return nil
	}, slog.New(slog.DiscardHandler), 50*time.Millisecond)
	defer sp.close()
	e := &Engine{log: slog.New(slog.DiscardHandler)}
	var msgs []*fakeRecordMsg
	for range 8 {
		m := &fakeRecordMsg{}
		msgs = append(msgs, m)
		r := &routedRecord{e: e, m: m}
		r.pending.Store(1)
		(&DeliveryMsg{rec: r, sp: sp, ds: make([]trailbridge.Delivery, spillChunk)}).Nak(0)
	}
	close(block)
	last := msgs[len(msgs)-1]
	check.For(t, 10*time.Second, 10*time.Millisecond, func() error {
		if last.acks.Load() == 0 {
			return errors.New("the last record is not settled")
		}
		return nil
	})
	if last.progress.Load() == 0 {
		t.Error("the last record was not reported in progress while it waited")
	}
}

// TestRoutedSubjectRestored checks that a stream whose subjects a process
// of an older release reset (without tb.routed) gets them back when the
// router writes a record.
func TestRoutedSubjectRestored(t *testing.T) {
	e := openTest(t, t.TempDir())
	defer e.Close()
	ctx := t.Context()
	cfg := e.deliveries.CachedInfo().Config
	cfg.Subjects = []string{deliveriesSubject + ".>", scheduleSubject + ".>"}
	if _, err := e.js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	d := trailbridge.Delivery{Bus: "b", Rule: "r", Target: "t", Event: []byte(`{}`), Ingested: time.Now()}
	if err := e.PublishDeliveries(ctx, []trailbridge.Delivery{d}); err != nil {
		t.Fatalf("after an older release's settings: %v", err)
	}
	s, err := e.js.Stream(ctx, DeliveriesStream)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.CachedInfo().Config.Subjects; !slices.Contains(got, RoutedSubject) {
		t.Errorf("subjects %v", got)
	}
}

// TestConsumeRoutedEndsWithItsConsumer checks that ConsumeRouted returns an
// error, to be called again, when its consumer is deleted, and that a part
// it handed out before is still stored apart when offered back after.
func TestConsumeRoutedEndsWithItsConsumer(t *testing.T) {
	e := openTest(t, t.TempDir())
	defer e.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	d := trailbridge.Delivery{Bus: "b", Rule: "r", Target: "t", Event: []byte(`{}`), Ingested: time.Now()}
	if err := e.PublishDeliveries(ctx, []trailbridge.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	parts := make(chan *DeliveryMsg, 1)
	ended := make(chan error, 1)
	go func() { ended <- e.ConsumeRouted(ctx, func(m *DeliveryMsg) { parts <- m }) }()
	var part *DeliveryMsg
	select {
	case part = <-parts:
	case <-time.After(10 * time.Second):
		t.Fatal("no part handed out")
	}
	if err := e.js.DeleteConsumer(ctx, DeliveriesStream, RoutedConsumer); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ended:
		if err == nil {
			t.Error("ended without an error")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("ConsumeRouted still running after its consumer was deleted")
	}
	part.Nak(0)
	check.For(t, 10*time.Second, 10*time.Millisecond, func() error {
		_, err := e.deliveries.GetLastMsgForSubject(ctx, DeliverySubject("b", "r", "t"))
		return err
	})
}
