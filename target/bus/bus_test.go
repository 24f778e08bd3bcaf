package bus_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/target"
	"github.com/trailbridge/trailbridge/target/bus"
	"github.com/trailbridge/trailbridge/target/targettest"
)

var place = trailbridge.Place{Region: "us-east-1", Account: "000000000000"}

// fakeEngine is the event log and the bus configuration.
type fakeEngine struct {
	mu       sync.Mutex
	buses    map[string]bool
	accepted []trailbridge.Accepted
	broken   error
	hang     chan struct{} // while set, Append waits for it to close
	ids      []string      // of AppendOnce
}

func newFakeEngine(buses ...string) *fakeEngine {
	f := &fakeEngine{buses: map[string]bool{}}
	for _, b := range buses {
		f.buses[b] = true
	}
	return f
}

func (f *fakeEngine) Bus(name string) *trailbridge.Bus {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.buses[name] {
		return nil
	}
	return &trailbridge.Bus{Name: name}
}

func (f *fakeEngine) Append(ctx context.Context, evs []trailbridge.Accepted) error {
	f.mu.Lock()
	broken, hang := f.broken, f.hang
	f.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if broken != nil {
		return broken
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accepted = append(f.accepted, evs...)
	return nil
}

func (f *fakeEngine) events(bus string) [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out [][]byte
	for _, a := range f.accepted {
		if a.Bus == bus {
			out = append(out, a.Event)
		}
	}
	return out
}

func (f *fakeEngine) set(fn func(*fakeEngine)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// onceEngine keeps one copy per id.
type onceEngine struct{ *fakeEngine }

func (o onceEngine) AppendOnce(ctx context.Context, id string, ev trailbridge.Accepted) error {
	o.mu.Lock()
	for _, seen := range o.ids {
		if seen == id {
			o.mu.Unlock()
			return nil
		}
	}
	o.ids = append(o.ids, id)
	o.mu.Unlock()
	return o.Append(ctx, []trailbridge.Accepted{ev})
}

var eventSeq atomic.Int64

// event returns an envelope around detail, as trailbridge writes one.
func event(id string, detail []byte) []byte {
	if id == "" {
		id = fmt.Sprintf("11111111-2222-4333-8444-%012d", eventSeq.Add(1))
	}
	ev := &trailbridge.Event{ID: id, DetailType: "Order Placed", Source: "shop", Account: place.Account,
		Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), Region: place.Region, Resources: []string{"arn:aws:shop:::order/1"}, Detail: detail}
	b, _ := ev.MarshalJSON()
	return b
}

func TestConformance(t *testing.T) {
	fake := newFakeEngine("default", "dest")
	k := bus.New(fake, fake, place, bus.Options{})
	targettest.Run(t, targettest.Harness{
		Kind:       k,
		ARN:        place.BusARN("dest"),
		Received:   func(testing.TB) [][]byte { return fake.events("dest") },
		MissingARN: place.BusARN("nope"),
		Break:      func(testing.TB) { fake.set(func(f *fakeEngine) { f.broken = errors.New("the stream is full") }) },
		Heal:       func(testing.TB) { fake.set(func(f *fakeEngine) { f.broken = nil }) },
		Hang: func(testing.TB) func() {
			ch := make(chan struct{})
			fake.set(func(f *fakeEngine) { f.hang = ch })
			var once sync.Once
			return func() {
				once.Do(func() {
					fake.set(func(f *fakeEngine) { f.hang = nil })
					close(ch)
				})
			}
		},
		Shape: func(body []byte) []byte { return event("", body) },
	})
}

func invocation(payload []byte) *target.Invocation {
	return &target.Invocation{Payload: payload, Event: payload, Target: &trailbridge.Target{Id: "fwd", Arn: place.BusARN("dest")},
		Rule: "forward", Bus: "default", RuleArn: place.RuleARN("default", "forward"), Attempt: 1, Ingested: time.Now()}
}

func TestForwardedEvent(t *testing.T) {
	fake := newFakeEngine("dest")
	now := time.Date(2024, 5, 1, 12, 0, 7, 0, time.UTC)
	k := bus.New(fake, fake, place, bus.Options{Now: func() time.Time { return now }})
	tg, err := k.Target(t.Context(), place.BusARN("dest"))
	if err != nil {
		t.Fatal(err)
	}
	// As AWS writes it: another key order, spacing, a replay name.
	in := `{"id":"abc","version":"0","detail-type":"Order Placed","source":"shop","account":"000000000000",
		"time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":[],"replay-name":"r1","detail":{"n": 1}}`
	inv := invocation([]byte(in))
	inv.TraceHeader = "Root=1-5759e988-bd862e3fe1be46a994272793"
	if err := tg.Invoke(t.Context(), inv); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.accepted) != 1 {
		t.Fatalf("accepted %d events, want 1", len(fake.accepted))
	}
	got := fake.accepted[0]
	if got.Trace != inv.TraceHeader {
		t.Errorf("trace header %q, want it passed on", got.Trace)
	}
	want := `{"version":"0","id":"abc","detail-type":"Order Placed","source":"shop","account":"000000000000","time":"2024-05-01T12:00:00Z","region":"us-east-1","replay-name":"r1","resources":[],"detail":{"n": 1}}`
	if got.Bus != "dest" || got.Rule != "" || !got.Ingested.Equal(now) || string(got.Event) != want {
		t.Fatalf("accepted %+v (%s), want the same envelope on dest, ingested now:\n%s", got, got.Event, want)
	}
}

func TestTargetARNs(t *testing.T) {
	fake := newFakeEngine("dest", "a/b.c-d_e")
	k := bus.New(fake, fake, place, bus.Options{})
	for _, tc := range []struct {
		arn  string
		code string // "" for success
	}{
		{place.BusARN("dest"), ""},
		{place.BusARN("a/b.c-d_e"), ""},
		{place.BusARN("missing"), target.CodeNoResource},
		{"arn:aws:events:us-east-1:123456789012:event-bus/dest", target.CodeNoPermissions},
		{"arn:aws:events:eu-west-1:000000000000:event-bus/dest", target.CodeNoPermissions},
		{"arn:aws:events:us-east-1:000000000000:rule/dest", target.CodeInvalidPayload},
		{"arn:aws:events:us-east-1:000000000000:event-bus/", target.CodeInvalidPayload},
		{"arn:aws:events:us-east-1:000000000000:event-bus/bad name", target.CodeInvalidPayload},
		{"arn:aws:sqs:us-east-1:000000000000:event-bus/dest", target.CodeInvalidPayload},
	} {
		tg, err := k.Target(t.Context(), tc.arn)
		if tc.code == "" {
			if err != nil || tg == nil {
				t.Errorf("Target(%s) = %v, %v", tc.arn, tg, err)
			}
			continue
		}
		var e *target.Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Retryable {
			t.Errorf("Target(%s) error = %v, want %s, not retryable", tc.arn, err, tc.code)
		}
	}
}

func TestBusDeletedAfterTarget(t *testing.T) {
	fake := newFakeEngine("dest")
	k := bus.New(fake, fake, place, bus.Options{})
	tg, err := k.Target(t.Context(), place.BusARN("dest"))
	if err != nil {
		t.Fatal(err)
	}
	fake.set(func(f *fakeEngine) { delete(f.buses, "dest") })
	err = tg.Invoke(t.Context(), invocation(event("", []byte(`{}`))))
	var e *target.Error
	if !errors.As(err, &e) || e.Code != target.CodeNoResource || e.Retryable {
		t.Fatalf("Invoke error = %v, want %s, not retryable", err, target.CodeNoResource)
	}
}

func TestPayloadsThatAreNotEvents(t *testing.T) {
	fake := newFakeEngine("dest")
	k := bus.New(fake, fake, place, bus.Options{})
	tg, err := k.Target(t.Context(), place.BusARN("dest"))
	if err != nil {
		t.Fatal(err)
	}
	ok := string(event("x", []byte(`{}`)))
	for _, payload := range []string{
		``,
		`"a string"`,
		`[1,2]`,
		`{}`,
		`{"detail":{"only":"detail"}}`,
		`not json`,
		strings.Replace(ok, `"id":"x"`, `"id":""`, 1),
		strings.Replace(ok, `"source":"shop"`, `"source":""`, 1),
		strings.Replace(ok, `"detail-type":"Order Placed"`, `"detail-type":""`, 1),
		strings.Replace(ok, `"time":"2024-05-01T12:00:00Z"`, `"time":"yesterday"`, 1),
		strings.Replace(ok, `"detail":{}`, `"detail":[1]`, 1),
		strings.Replace(ok, `"detail":{}`, `"detail":"text"`, 1),
		ok[:len(ok)-1],
	} {
		err := tg.Invoke(t.Context(), invocation([]byte(payload)))
		var e *target.Error
		if !errors.As(err, &e) || e.Code != target.CodeInvalidPayload || e.Retryable {
			t.Errorf("Invoke(%q) error = %v, want %s, not retryable", payload, err, target.CodeInvalidPayload)
		}
	}
	if got := fake.events("dest"); len(got) != 0 {
		t.Errorf("accepted %q", got)
	}
}

// TestOneHop checks that an event that came to its bus from another bus
// is not put on a bus again, whichever, and that an event put on a bus
// carries the bus it came from.
func TestOneHop(t *testing.T) {
	fake := newFakeEngine("a", "b")
	k := bus.New(fake, fake, place, bus.Options{})
	tgA, err := k.Target(t.Context(), place.BusARN("a"))
	if err != nil {
		t.Fatal(err)
	}
	inv := invocation(event("e1", []byte(`{}`)))
	if err := tgA.Invoke(t.Context(), inv); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	from := fake.accepted[0].From
	fake.mu.Unlock()
	if from != "default" {
		t.Fatalf("the event put on a carries From %q, want the bus of the rule that sent it", from)
	}
	for _, dest := range []string{"b", "a"} {
		tg, err := k.Target(t.Context(), place.BusARN(dest))
		if err != nil {
			t.Fatal(err)
		}
		again := invocation(event("e1", []byte(`{}`)))
		again.Bus, again.FromBus = "a", "default"
		err = tg.Invoke(t.Context(), again)
		var e *target.Error
		if !errors.As(err, &e) || e.Code != target.CodeInvalidPayload || e.Retryable ||
			!strings.Contains(e.Message, "came to bus a from bus default") {
			t.Errorf("second hop to %s: error %v, want INVALID_PARAMETER, not retried", dest, err)
		}
	}
	if n := len(fake.events("a")) + len(fake.events("b")); n != 1 {
		t.Errorf("%d events put on buses, want 1", n)
	}
}

func TestAppendErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		ctx  func(context.Context) (context.Context, context.CancelFunc)
		code string
	}{
		{"a failed append is retryable", errors.New("no space left"), nil, target.CodeInternal},
		{"an append past the deadline is a timeout", context.DeadlineExceeded,
			func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithDeadline(ctx, time.Now().Add(-time.Second))
			}, target.CodeTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeEngine("a")
			fake.broken = tc.err
			k := bus.New(fake, fake, place, bus.Options{})
			tg, _ := k.Target(t.Context(), place.BusARN("a"))
			ctx, cancel := context.WithCancel(t.Context())
			if tc.ctx != nil {
				ctx, cancel = tc.ctx(t.Context())
			}
			defer cancel()
			err := tg.Invoke(ctx, invocation(event("", []byte(`{}`))))
			var e *target.Error
			if !errors.As(err, &e) || e.Code != tc.code || !e.Retryable {
				t.Fatalf("Invoke error = %v, want a retryable %s", err, tc.code)
			}
		})
	}
}

func TestRetriesAreAppendedOnce(t *testing.T) {
	fake := onceEngine{newFakeEngine("a")}
	k := bus.New(fake, fake, place, bus.Options{})
	tg, _ := k.Target(t.Context(), place.BusARN("a"))
	payload := event("", []byte(`{}`))
	first := invocation(payload)
	retry := *first
	retry.Attempt = 2
	other := *first
	other.Target = &trailbridge.Target{Id: "another"}
	again := *first
	again.Ingested = first.Ingested.Add(time.Second) // the event came round again
	for _, inv := range []*target.Invocation{first, &retry, &other, &again} {
		if err := tg.Invoke(t.Context(), inv); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(fake.events("a")); got != 3 {
		t.Fatalf("%d copies accepted, want 3: the retry is the first attempt's copy", got)
	}
	for _, id := range fake.ids {
		if len(id) > 64 || !strings.HasPrefix(id, "bus-target/") {
			t.Errorf("append id %q", id)
		}
	}
	var ev trailbridge.Event
	if err := json.Unmarshal(fake.events("a")[0], &ev); err != nil {
		t.Fatal(err)
	}
}
