package router

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/internal/ctrules"
)

// fakeRules is an in-memory configuration.
type fakeRules struct {
	mu    sync.Mutex
	buses []string
	rules map[string]*trailbridge.Rule // bus + "/" + name
}

func newFake(buses ...string) *fakeRules {
	return &fakeRules{buses: buses, rules: map[string]*trailbridge.Rule{}}
}

func (f *fakeRules) Buses() []*trailbridge.Bus {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*trailbridge.Bus
	for _, b := range f.buses {
		out = append(out, &trailbridge.Bus{Name: b})
	}
	return out
}

func (f *fakeRules) Rules(bus string) []*trailbridge.Rule {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*trailbridge.Rule
	for _, r := range f.rules {
		if r.EventBusName == bus {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeRules) Rule(bus, name string) *trailbridge.Rule {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rules[bus+"/"+name]
}

func (f *fakeRules) put(r *trailbridge.Rule) {
	f.mu.Lock()
	f.rules[r.EventBusName+"/"+r.Name] = r
	f.mu.Unlock()
}

type sink struct{ got []trailbridge.Delivery }

func (s *sink) PublishDeliveries(_ context.Context, ds []trailbridge.Delivery) error {
	s.got = append(s.got, ds...)
	return nil
}

func (s *sink) keys() []string {
	var out []string
	for _, d := range s.got {
		out = append(out, d.Bus+"/"+d.Rule+"/"+d.Target)
	}
	slices.Sort(out)
	return out
}

func rule(bus, name, state, pat string, targets ...string) *trailbridge.Rule {
	r := &trailbridge.Rule{Name: name, EventBusName: bus, State: state, EventPattern: pat}
	for _, t := range targets {
		r.Targets = append(r.Targets, trailbridge.Target{Id: t, Arn: "arn:aws:sqs:us-east-1:000000000000:" + t})
	}
	return r
}

func ev(bus, json string) trailbridge.Accepted {
	return trailbridge.Accepted{Bus: bus, Event: []byte(json), Ingested: time.Now()}
}

const (
	orderEvent = `{"version":"0","id":"1","detail-type":"Order","source":"shop","account":"0","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{"total":12}}`
	ctRead     = `{"version":"0","id":"2","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","account":"0","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{"eventSource":"s3.amazonaws.com","eventName":"ListBuckets","readOnly":true}}`
	ctWrite    = `{"version":"0","id":"3","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","account":"0","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{"eventSource":"s3.amazonaws.com","eventName":"PutBucketPolicy","readOnly":false}}`
)

func TestRouteStates(t *testing.T) {
	f := newFake("default", "shop")
	f.put(rule("default", "all-ct", trailbridge.StateEnabled, `{"source":["aws.s3"]}`, "a"))
	f.put(rule("default", "all-ct-ro", trailbridge.StateEnabledWithCloudTrailReadOnly, `{"source":["aws.s3"]}`, "b", "c"))
	f.put(rule("default", "off", trailbridge.StateDisabled, `{"source":["aws.s3"]}`, "d"))
	f.put(rule("default", "sched", trailbridge.StateEnabled, "", "e"))
	f.put(rule("shop", "orders", trailbridge.StateEnabled, `{"detail":{"total":[{"numeric":[">",10]}]}}`, "f"))
	f.put(rule("shop", "no-targets", trailbridge.StateEnabled, `{"source":["shop"]}`))
	for _, tc := range []struct {
		name string
		ev   trailbridge.Accepted
		want []string
	}{
		{"read-only reaches only the opted-in rule", ev("default", ctRead), []string{"default/all-ct-ro/b", "default/all-ct-ro/c"}},
		{"a change reaches both enabled rules", ev("default", ctWrite), []string{"default/all-ct-ro/b", "default/all-ct-ro/c", "default/all-ct/a"}},
		{"custom bus", ev("shop", orderEvent), []string{"shop/orders/f"}},
		{"rules of another bus do not apply", ev("default", orderEvent), nil},
		{"unknown bus drops", ev("nope", orderEvent), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &sink{}
			r := New(f, s, nil, nil)
			r.Load()
			if err := r.Route(t.Context(), []trailbridge.Accepted{tc.ev}); err != nil {
				t.Fatal(err)
			}
			if got := s.keys(); !slices.Equal(got, tc.want) {
				t.Errorf("deliveries = %v, want %v", got, tc.want)
			}
			for _, d := range s.got {
				if string(d.Event) != string(tc.ev.Event) || !d.Ingested.Equal(tc.ev.Ingested) {
					t.Errorf("delivery carries %q at %v", d.Event, d.Ingested)
				}
			}
		})
	}
}

func TestChanged(t *testing.T) {
	f := newFake("default")
	s := &sink{}
	r := New(f, s, nil, nil)
	r.Load()
	route := func() []string {
		s.got = nil
		if err := r.Route(t.Context(), []trailbridge.Accepted{ev("default", orderEvent)}); err != nil {
			t.Fatal(err)
		}
		return s.keys()
	}
	if got := route(); got != nil {
		t.Fatalf("no rules: %v", got)
	}
	f.put(rule("default", "r", trailbridge.StateEnabled, `{"source":["shop"]}`, "t1"))
	r.Changed("default", "r")
	if got := route(); !slices.Equal(got, []string{"default/r/t1"}) {
		t.Fatalf("after add: %v", got)
	}
	f.put(rule("default", "r", trailbridge.StateEnabled, `{"source":["other"]}`, "t1"))
	r.Changed("default", "r")
	if got := route(); got != nil {
		t.Fatalf("after replace: %v", got)
	}
	f.put(rule("default", "r", trailbridge.StateEnabled, `{"source":["shop"]}`, "t1", "t2"))
	r.Changed("default", "r")
	if got := route(); !slices.Equal(got, []string{"default/r/t1", "default/r/t2"}) {
		t.Fatalf("after target added: %v", got)
	}
	f.put(rule("default", "r", trailbridge.StateDisabled, `{"source":["shop"]}`, "t1"))
	r.Changed("default", "r")
	if got := route(); got != nil {
		t.Fatalf("after disable: %v", got)
	}
	// A new bus appears with a rule already on it.
	f.mu.Lock()
	f.buses = append(f.buses, "late")
	f.mu.Unlock()
	f.put(rule("late", "x", trailbridge.StateEnabled, `{"source":["shop"]}`, "t"))
	r.Changed("late", "")
	s.got = nil
	if err := r.Route(t.Context(), []trailbridge.Accepted{ev("late", orderEvent)}); err != nil {
		t.Fatal(err)
	}
	if got := s.keys(); !slices.Equal(got, []string{"late/x/t"}) {
		t.Fatalf("new bus: %v", got)
	}
	// An event another bus sent keeps its sender and trace header in its
	// deliveries, for the bus target's one-hop rule and for X-Ray.
	s.got = nil
	sent := ev("late", orderEvent)
	sent.From, sent.Trace = "default", "Root=1-abc"
	if err := r.Route(t.Context(), []trailbridge.Accepted{sent}); err != nil {
		t.Fatal(err)
	}
	if len(s.got) != 1 || s.got[0].From != "default" || s.got[0].Trace != "Root=1-abc" {
		t.Fatalf("delivery of a sent event = %+v", s.got)
	}
}

type failSink struct{}

func (failSink) PublishDeliveries(context.Context, []trailbridge.Delivery) error {
	return errors.New("disk full")
}

func TestRouteFailsWhenDeliveriesCannotBeStored(t *testing.T) {
	f := newFake("default")
	f.put(rule("default", "r", trailbridge.StateEnabled, `{"source":["shop"]}`, "t"))
	r := New(f, failSink{}, nil, nil)
	r.Load()
	err := r.Route(t.Context(), []trailbridge.Accepted{ev("default", orderEvent)})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Route error = %v", err)
	}
}

func TestReadOnlyManagementEvent(t *testing.T) {
	wrap := func(detail string) []byte {
		return []byte(`{"version":"0","id":"x","detail-type":"AWS API Call via CloudTrail","source":"aws.x","account":"0","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":` + detail + `}`)
	}
	for _, tc := range []struct {
		event []byte
		want  bool
	}{
		{wrap(`{"eventName":"DescribeInstances","eventSource":"ec2.amazonaws.com"}`), true},
		{wrap(`{"eventName":"ListUsers"}`), true},
		{wrap(`{"eventName":"GetObject","managementEvent":false,"readOnly":true}`), false},
		{wrap(`{"eventName":"CreateUser","readOnly":false}`), false},
		{wrap(`{"eventName":"ConsoleLogin","readOnly":true}`), true},
		{wrap(`{"eventName":"GetSessionToken","eventSource":"sts.amazonaws.com","readOnly":true}`), false},
		{wrap(`{"eventName":"GetFederationToken","eventSource":"sts.amazonaws.com"}`), false},
		{wrap(`{"eventName":"GetCallerIdentity","eventSource":"sts.amazonaws.com"}`), true},
		{[]byte(`{"detail-type":"AWS Service Event via CloudTrail","detail":{"eventName":"GetThing"}}`), false},
		{[]byte(`{"detail-type":"Order","detail":{"eventName":"ListX"}}`), false},
	} {
		if got := ReadOnlyManagementEvent(tc.event); got != tc.want {
			t.Errorf("ReadOnlyManagementEvent(%s) = %v, want %v", tc.event, got, tc.want)
		}
	}
}

// TestReadOnlyOnRealRecords checks the classification against the flag
// CloudTrail itself wrote on real records.
func TestReadOnlyOnRealRecords(t *testing.T) {
	traffic, err := ctrules.Load(filepath.Join("..", "..", "shared", "data", "cloudtrail", "invictus-ir"))
	if err != nil {
		t.Skipf("CloudTrail data: %v", err)
	}
	var ro, n int
	for _, e := range traffic.Events {
		if ReadOnlyManagementEvent(e) {
			ro++
		}
		n++
	}
	// 2,326 of the 2,900 records say readOnly: true, and no record
	// without the flag has a read-only name.
	if n != 2900 || ro != 2326 {
		t.Errorf("%d of %d records read-only", ro, n)
	}
}

func TestScheduledEventGoesToItsRuleOnly(t *testing.T) {
	f := newFake("default")
	tick := rule("default", "tick", trailbridge.StateEnabled, "", "t1", "t2")
	tick.ScheduleExpression = "rate(1 minute)"
	f.put(tick)
	// A pattern rule that would match the scheduled event does not get it.
	f.put(rule("default", "all-aws-events", trailbridge.StateEnabled, `{"source":["aws.events"]}`, "x"))
	off := rule("default", "off", trailbridge.StateDisabled, "", "t")
	off.ScheduleExpression = "rate(1 minute)"
	f.put(off)
	s := &sink{}
	r := New(f, s, nil, nil)
	r.Load()
	sched := `{"version":"0","id":"s","detail-type":"Scheduled Event","source":"aws.events","account":"0","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:0:rule/tick"],"detail":{}}`
	evs := []trailbridge.Accepted{
		{Bus: "default", Rule: "tick", Event: []byte(sched)},
		{Bus: "default", Rule: "off", Event: []byte(sched)},
		{Bus: "default", Rule: "deleted", Event: []byte(sched)},
	}
	if err := r.Route(t.Context(), evs); err != nil {
		t.Fatal(err)
	}
	if got, want := s.keys(), []string{"default/tick/t1", "default/tick/t2"}; !slices.Equal(got, want) {
		t.Errorf("deliveries = %v, want %v", got, want)
	}
}
