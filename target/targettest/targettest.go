package targettest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/target"
)

// Harness tells the suite how to drive one kind.
type Harness struct {
	// Kind makes the targets under test.
	Kind target.Kind
	// ARN resolves to a working target.
	ARN string
	// Received returns every payload the destination of ARN has received
	// so far, in any order.
	Received func(t testing.TB) [][]byte

	// MissingARN names a destination that does not exist; "" skips the
	// check.
	MissingARN string
	// Break makes the destination fail in a way worth retrying, and Heal
	// undoes it; nil skips the check.
	Break, Heal func(t testing.TB)
	// Hang makes the destination accept invocations without finishing
	// them until the returned function is called (or the attempt's
	// context ends); nil skips the checks of contexts that end while an
	// attempt is under way.
	Hang func(t testing.TB) (release func())
	// Shape turns a test body, a JSON value, into a payload the kind
	// accepts, such as an event envelope around it for a bus; it is
	// called once per invocation. Nil sends bodies as they are.
	Shape func(body []byte) []byte
	// Prompt bounds how long an attempt may take to notice that its
	// context ended; 0 means 5s.
	Prompt time.Duration
}

// Run checks that h's kind behaves as every target must.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Kind == nil || h.ARN == "" || h.Received == nil {
		t.Fatal("targettest: Harness needs Kind, ARN and Received")
	}
	if (h.Break == nil) != (h.Heal == nil) {
		t.Fatal("targettest: Harness needs both Break and Heal, or neither")
	}
	if h.Prompt == 0 {
		h.Prompt = 5 * time.Second
	}
	s := &suite{h: h}
	t.Run("delivers exactly the payload", s.delivers)
	t.Run("large and odd payloads arrive intact", s.oddPayloads)
	t.Run("concurrent invocations all arrive", s.concurrent)
	t.Run("a cancelled context fails retryably", s.cancelled)
	t.Run("an expired deadline is a retryable timeout", s.expired)
	t.Run("a context ending during an attempt ends it promptly", s.endsDuringAttempt)
	t.Run("a missing destination fails without retry", s.missing)
	t.Run("a malformed ARN is refused without retry", s.malformed)
	t.Run("a broken destination fails retryably and recovers", s.breakHeal)
}

type suite struct {
	h   Harness
	mu  sync.Mutex
	seq int
}

func (s *suite) payload(body []byte) []byte {
	if s.h.Shape == nil {
		return body
	}
	return s.h.Shape(body)
}

// invocation returns an invocation of payload, as the delivery engine
// would make it.
func (s *suite) invocation(payload []byte) *target.Invocation {
	s.mu.Lock()
	s.seq++
	n := s.seq
	s.mu.Unlock()
	ev := &trailbridge.Event{
		ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), DetailType: "Conformance", Source: "trailbridge.targettest",
		Account: "000000000000", Time: time.Now(), Region: "us-east-1", Detail: json.RawMessage(`{}`),
	}
	raw, _ := ev.MarshalJSON()
	return &target.Invocation{
		Payload:  payload,
		Event:    raw,
		Target:   &trailbridge.Target{Id: "conformance", Arn: s.h.ARN},
		Rule:     "conformance",
		Bus:      trailbridge.DefaultBus,
		RuleArn:  "arn:aws:events:us-east-1:000000000000:rule/conformance",
		Attempt:  1,
		Ingested: time.Now(),
	}
}

func (s *suite) target(t testing.TB) target.Target {
	t.Helper()
	tg, err := s.h.Kind.Target(t.Context(), s.h.ARN)
	if err != nil {
		t.Fatalf("Target(%s): %v", s.h.ARN, err)
	}
	return tg
}

// received returns what arrived since before, a snapshot of Received.
func (s *suite) since(t testing.TB, before [][]byte) [][]byte {
	t.Helper()
	return subtract(s.h.Received(t), before)
}

func (s *suite) delivers(t *testing.T) {
	tg := s.target(t)
	before := s.h.Received(t)
	p := s.payload([]byte(`{"greeting":"hello","n":1,"list":[true,null,1.5e3]}`))
	if err := tg.Invoke(t.Context(), s.invocation(p)); err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	got := s.since(t, before)
	if len(got) != 1 || !bytes.Equal(got[0], p) {
		t.Fatalf("received %s, want exactly [%s]", show(got), p)
	}
}

// oddBodies are JSON values a payload may be, each with its own trap.
func oddBodies() []struct{ name, body string } {
	deep := strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100)
	large := `{"data":"` + strings.Repeat("0123456789abcdef", 256*1024/16-2) + `"}`
	return []struct{ name, body string }{
		{"large (256 KB)", large},
		{"unicode", `{"s":"héllo wörld, 日本語, emoji 🎉, U+2028 ` + "\u2028" + `, U+FEFF ` + "\ufeff" + `"}`},
		{"escaped control characters", `{"s":"nul \u0000 bell \u0007 tab \t newline \n quote \" backslash \\ slash \/ del ` + "\x7f" + `"}`},
		{"nested 100 deep", deep},
		{"empty object", `{}`},
		{"html characters", `{"s":"<script>&amp;</script>"}`},
		{"whitespace kept", "{ \"spaced\" :\t[ 1 , 2 ] }"},
	}
}

func (s *suite) oddPayloads(t *testing.T) {
	tg := s.target(t)
	for _, tc := range oddBodies() {
		t.Run(tc.name, func(t *testing.T) {
			before := s.h.Received(t)
			p := s.payload([]byte(tc.body))
			if err := tg.Invoke(t.Context(), s.invocation(p)); err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			got := s.since(t, before)
			if len(got) != 1 || !bytes.Equal(got[0], p) {
				t.Fatalf("received %s, want exactly [%s]", show(got), shorten(p))
			}
		})
	}
}

func (s *suite) concurrent(t *testing.T) {
	const n = 32
	tg := s.target(t)
	before := s.h.Received(t)
	want := make([][]byte, n)
	for i := range want {
		want[i] = s.payload(fmt.Appendf(nil, `{"i":%d,"pad":"%s"}`, i, strings.Repeat("x", 1000*i)))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range want {
		wg.Go(func() { errs[i] = tg.Invoke(t.Context(), s.invocation(want[i])) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	got := s.since(t, before)
	if !sameSet(got, want) {
		t.Fatalf("received %d payloads %s, want the %d sent", len(got), show(got), n)
	}
}

// retryable fails t unless err is a retryable *target.Error, and returns it.
func retryable(t testing.TB, err error) *target.Error {
	t.Helper()
	if err == nil {
		t.Fatal("Invoke succeeded, want a retryable error")
	}
	var e *target.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *target.Error", err, err)
	}
	if !e.Retryable {
		t.Fatalf("error %v is not retryable", err)
	}
	return e
}

// invokeTimed invokes and fails t when the call outlives limit.
func (s *suite) invokeTimed(t testing.TB, ctx context.Context, tg target.Target, inv *target.Invocation, limit time.Duration) error {
	t.Helper()
	start := time.Now()
	err := tg.Invoke(ctx, inv)
	if d := time.Since(start); d > limit {
		t.Errorf("Invoke took %v, want at most %v", d, limit)
	}
	return err
}

func (s *suite) cancelled(t *testing.T) {
	tg := s.target(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.invokeTimed(t, ctx, tg, s.invocation(s.payload([]byte(`{"cancelled":true}`))), s.h.Prompt)
	retryable(t, err)
}

func (s *suite) expired(t *testing.T) {
	tg := s.target(t)
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	err := s.invokeTimed(t, ctx, tg, s.invocation(s.payload([]byte(`{"expired":true}`))), s.h.Prompt)
	if e := retryable(t, err); e.Code != target.CodeTimeout {
		t.Fatalf("error code %s, want %s", e.Code, target.CodeTimeout)
	}
}

func (s *suite) endsDuringAttempt(t *testing.T) {
	if s.h.Hang == nil {
		t.Skip("the harness cannot make its destination hang")
	}
	tg := s.target(t)
	release := s.h.Hang(t)
	defer release()
	// The timeouts are stimuli, not waits: the destination hangs until
	// released, so only the context can end these attempts.
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		err := s.invokeTimed(t, ctx, tg, s.invocation(s.payload([]byte(`{"hang":"deadline"}`))), 300*time.Millisecond+s.h.Prompt)
		if e := retryable(t, err); e.Code != target.CodeTimeout {
			t.Fatalf("error code %s, want %s", e.Code, target.CodeTimeout)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		stop := time.AfterFunc(300*time.Millisecond, cancel)
		defer stop.Stop()
		err := s.invokeTimed(t, ctx, tg, s.invocation(s.payload([]byte(`{"hang":"cancel"}`))), 300*time.Millisecond+s.h.Prompt)
		retryable(t, err)
	})
	release()
	// Released, the destination works again.
	before := s.h.Received(t)
	p := s.payload([]byte(`{"hang":"released"}`))
	if err := tg.Invoke(t.Context(), s.invocation(p)); err != nil {
		t.Fatalf("Invoke after release: %v", err)
	}
	if got := s.since(t, before); !slices.ContainsFunc(got, func(b []byte) bool { return bytes.Equal(b, p) }) {
		t.Fatalf("received %s after release, want %s among them", show(got), p)
	}
}

func (s *suite) missing(t *testing.T) {
	if s.h.MissingARN == "" {
		t.Skip("the kind has no missing destinations")
	}
	tg, err := s.h.Kind.Target(t.Context(), s.h.MissingARN)
	if err == nil {
		err = tg.Invoke(t.Context(), s.invocation(s.payload([]byte(`{"missing":true}`))))
	}
	var e *target.Error
	if !errors.As(err, &e) || e.Code != target.CodeNoResource || e.Retryable {
		t.Fatalf("missing destination: error %v, want a %s *target.Error, not retryable", err, target.CodeNoResource)
	}
}

func (s *suite) malformed(t *testing.T) {
	for _, arn := range []string{"", "not-an-arn", "arn:aws", s.h.ARN + "\x00"} {
		tg, err := s.h.Kind.Target(t.Context(), arn)
		if err == nil {
			err = tg.Invoke(t.Context(), s.invocation(s.payload([]byte(`{"malformed":true}`))))
		}
		var e *target.Error
		if !errors.As(err, &e) || e.Retryable {
			t.Errorf("Target(%q): error %v, want a *target.Error, not retryable", arn, err)
		}
	}
}

func (s *suite) breakHeal(t *testing.T) {
	if s.h.Break == nil {
		t.Skip("the harness cannot break its destination")
	}
	tg := s.target(t)
	s.h.Break(t)
	healed := false
	defer func() {
		if !healed {
			s.h.Heal(t)
		}
	}()
	retryable(t, tg.Invoke(t.Context(), s.invocation(s.payload([]byte(`{"broken":true}`)))))
	s.h.Heal(t)
	healed = true
	before := s.h.Received(t)
	p := s.payload([]byte(`{"healed":true}`))
	if err := tg.Invoke(t.Context(), s.invocation(p)); err != nil {
		t.Fatalf("Invoke after Heal: %v", err)
	}
	if got := s.since(t, before); len(got) != 1 || !bytes.Equal(got[0], p) {
		t.Fatalf("received %s after Heal, want exactly [%s]", show(got), p)
	}
}

// subtract returns the payloads of all that are not in before, counting
// duplicates: what arrived since before was taken.
func subtract(all, before [][]byte) [][]byte {
	seen := map[string]int{}
	for _, b := range before {
		seen[string(b)]++
	}
	var out [][]byte
	for _, b := range all {
		if seen[string(b)] > 0 {
			seen[string(b)]--
			continue
		}
		out = append(out, b)
	}
	return out
}

func sameSet(a, b [][]byte) bool {
	return len(a) == len(b) && len(subtract(a, b)) == 0
}

func show(ps [][]byte) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = string(shorten(p))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// shorten keeps failure messages readable when payloads are large.
func shorten(p []byte) []byte {
	if len(p) <= 200 {
		return p
	}
	return fmt.Appendf(nil, "%s…(%d bytes)…%s", p[:100], len(p)-200, p[len(p)-100:])
}
