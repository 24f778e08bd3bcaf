package awsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/internal/check"
)

// collect gathers what reaches the events stream.
type collected struct {
	mu  sync.Mutex
	evs []tb.Accepted
}

func (s *server) collect(t *testing.T) *collected {
	c := &collected{}
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	go s.engine.ConsumeEvents(ctx, func(_ context.Context, evs []tb.Accepted) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, e := range evs {
			e.Event = append([]byte(nil), e.Event...)
			c.evs = append(c.evs, e)
		}
		return nil
	})
	return c
}

func (c *collected) waitFor(t *testing.T, n int) []tb.Accepted {
	t.Helper()
	check.For(t, 10*time.Second, 5*time.Millisecond, func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		if len(c.evs) < n {
			return fmt.Errorf("%d events stored, want %d", len(c.evs), n)
		}
		return nil
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]tb.Accepted(nil), c.evs...)
}

func TestPutEvents(t *testing.T) {
	s := startServer(t)
	ctx, c := t.Context(), s.client
	must(c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("shop")}))
	got := s.collect(t)
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

	out := must(c.PutEvents(ctx, &eb.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("shop"), DetailType: aws.String("Order Placed"), Detail: aws.String(`{ "id": 1, "total": 12.50 }`), Time: &when,
			Resources: []string{"arn:aws:x:::1"}},
		{DetailType: aws.String("x"), Detail: aws.String(`{}`)},
		{Source: aws.String("shop"), Detail: aws.String(`{}`)},
		{Source: aws.String("shop"), DetailType: aws.String("x")},
		{Source: aws.String("shop"), DetailType: aws.String("x"), Detail: aws.String(`[1]`)},
		{Source: aws.String("shop"), DetailType: aws.String("x"), Detail: aws.String(`{"a":`)},
		{Source: aws.String("aws.s3"), DetailType: aws.String("x"), Detail: aws.String(`{}`)},
		{Source: aws.String("shop"), DetailType: aws.String("to custom"), Detail: aws.String(`{}`), EventBusName: aws.String("shop")},
		{Source: aws.String("shop"), DetailType: aws.String("to nowhere"), Detail: aws.String(`{}`), EventBusName: aws.String("nope")},
	}}))
	type res struct{ code, msg string }
	want := []res{
		{},
		{"InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."},
		{"InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument."},
		{"InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."},
		{"MalformedDetail", "Detail is malformed."},
		{"MalformedDetail", "Detail is malformed."},
		{"NotAuthorizedForSourceException", "Not authorized for the source."},
		{},
		{},
	}
	if out.FailedEntryCount != 6 || len(out.Entries) != len(want) {
		t.Fatalf("FailedEntryCount %d, %d entries", out.FailedEntryCount, len(out.Entries))
	}
	for i, w := range want {
		e := out.Entries[i]
		if aws.ToString(e.ErrorCode) != w.code || aws.ToString(e.ErrorMessage) != w.msg {
			t.Errorf("entry %d: %s %q, want %s %q", i, aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage), w.code, w.msg)
		}
		if (w.code == "") != (e.EventId != nil) {
			t.Errorf("entry %d: EventId %v", i, e.EventId)
		}
	}

	evs := got.waitFor(t, 2)
	if len(evs) != 2 {
		t.Fatalf("%d events stored, want 2 (the one for a missing bus is dropped)", len(evs))
	}
	first := evs[0]
	if first.Bus != "default" {
		t.Errorf("bus = %s", first.Bus)
	}
	wantJSON := `{"version":"0","id":"` + aws.ToString(out.Entries[0].EventId) + `","detail-type":"Order Placed","source":"shop","account":"123456789012","time":"2024-05-06T07:08:09Z","region":"us-east-1","resources":["arn:aws:x:::1"],"detail":{"id":1,"total":12.50}}`
	if string(first.Event) != wantJSON {
		t.Errorf("stored event\n got %s\nwant %s", first.Event, wantJSON)
	}
	var second map[string]any
	if err := json.Unmarshal(evs[1].Event, &second); err != nil {
		t.Fatal(err)
	}
	if evs[1].Bus != "shop" || second["id"] != aws.ToString(out.Entries[7].EventId) || fmt.Sprint(second["resources"]) != "[]" {
		t.Errorf("second event on %s: %s", evs[1].Bus, evs[1].Event)
	}
	if tm, _ := time.Parse(time.RFC3339, second["time"].(string)); time.Since(tm) > time.Minute {
		t.Errorf("time without Time = %v", second["time"])
	}
}

func TestPutEventsRequestLimits(t *testing.T) {
	s := startServer(t)
	ctx, c := t.Context(), s.client
	var eleven []types.PutEventsRequestEntry
	for range 11 {
		eleven = append(eleven, types.PutEventsRequestEntry{Source: aws.String("s"), DetailType: aws.String("d"), Detail: aws.String(`{}`)})
	}
	_, err := c.PutEvents(ctx, &eb.PutEventsInput{Entries: eleven})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '["+
		strings.Repeat("PutEventsRequestEntry(time=null, source=s, resources=null, detailType=d, detail={}, eventBusName=null, traceHeader=null), ", 10)+
		"PutEventsRequestEntry(time=null, source=s, resources=null, detailType=d, detail={}, eventBusName=null, traceHeader=null)]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10")

	// 256 KB by EventBridge's formula: just at the limit passes, one byte
	// more fails.
	big := func(n int) *string { return aws.String(`{"a":"` + strings.Repeat("x", n-8) + `"}`) }
	limit := 256 * 1024
	at := []types.PutEventsRequestEntry{{Source: aws.String("s"), DetailType: aws.String("d"), Detail: big(limit - 2)}}
	out := must(c.PutEvents(ctx, &eb.PutEventsInput{Entries: at}))
	if out.FailedEntryCount != 0 {
		t.Errorf("entry of exactly 256 KB: %+v", out.Entries)
	}
	over := []types.PutEventsRequestEntry{{Source: aws.String("s"), DetailType: aws.String("d"), Detail: big(limit - 1)}}
	_, err = c.PutEvents(ctx, &eb.PutEventsInput{Entries: over})
	wantAPIError(t, err, "ValidationException", "Total size of the entries in the request is over the limit.")

	// The model's constraints on an entry's members refuse the whole
	// request: a mistyped bus name is not silently accepted and dropped.
	entry := func(f func(*types.PutEventsRequestEntry)) []types.PutEventsRequestEntry {
		e := types.PutEventsRequestEntry{Source: aws.String("s"), DetailType: aws.String("d"), Detail: aws.String(`{}`)}
		f(&e)
		return []types.PutEventsRequestEntry{e}
	}
	_, err = c.PutEvents(ctx, &eb.PutEventsInput{Entries: entry(func(e *types.PutEventsRequestEntry) { e.EventBusName = aws.String("bad name!") })})
	wantAPIError(t, err, "ValidationException", `1 validation error detected: Value 'bad name!' at 'entries.1.member.eventBusName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[\.\-_A-Za-z0-9]+`)
	long := strings.Repeat("r", 2049)
	_, err = c.PutEvents(ctx, &eb.PutEventsInput{Entries: entry(func(e *types.PutEventsRequestEntry) { e.Resources = []string{"a", long} })})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '[a, "+long+"]' at 'entries.1.member.resources' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 2048]")
	// SDKs sign a call with an EndpointId with SigV4a; the body alone
	// is checked here.
	got := s.call(t, "POST", "/", "AWSEvents.PutEvents", `{"EndpointId":"abc","Entries":[{"Source":"s","DetailType":"d","Detail":"{}"}]}`, testKeyID, testSecret, time.Now())
	if want := `1 validation error detected: Value 'abc' at 'endpointId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[A-Za-z0-9\-]+[\.][A-Za-z0-9\-]+$`; got.status != 400 || got.Type != "ValidationException" || got.Message != want {
		t.Errorf("EndpointId: %d %s %q", got.status, got.Type, got.Message)
	}
	// A bus ARN of the model's form is taken (and, naming no bus here,
	// accepted and dropped).
	out = must(c.PutEvents(ctx, &eb.PutEventsInput{Entries: entry(func(e *types.PutEventsRequestEntry) {
		e.EventBusName = aws.String("arn:aws:events:eu-west-1:999999999999:event-bus/other")
	})}))
	if out.FailedEntryCount != 0 || out.Entries[0].EventId == nil {
		t.Errorf("entry naming a bus by ARN: %+v", out.Entries)
	}
}

func TestTestEventPattern(t *testing.T) {
	s := startServer(t)
	ctx, c := t.Context(), s.client
	event := `{"id":"1","account":"1","source":"shop","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail-type":"x","detail":{"n":5}}`
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{`{"source":["shop"]}`, true},
		{`{"detail":{"n":[{"numeric":[">",5]}]}}`, false},
	} {
		out := must(c.TestEventPattern(ctx, &eb.TestEventPatternInput{EventPattern: aws.String(tc.pattern), Event: aws.String(event)}))
		if out.Result != tc.want {
			t.Errorf("TestEventPattern(%s) = %v", tc.pattern, out.Result)
		}
	}
	_, err := c.TestEventPattern(ctx, &eb.TestEventPatternInput{EventPattern: aws.String(`{"source":[]}`), Event: aws.String(event)})
	wantAPIError(t, err, "InvalidEventPatternException", "Event pattern is not valid. Reason: Empty arrays are not allowed\n at [Source: (String)\"{\"source\":[]}\"; line: 1, column: 13]")
	_, err = c.TestEventPattern(ctx, &eb.TestEventPatternInput{EventPattern: aws.String(`{"source":["shop"]}`), Event: aws.String(`{"source":"shop"}`)})
	wantAPIError(t, err, "ValidationException", "Parameter Event is not valid.")
}
