package bus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/target"
)

// Appender makes events accepted on a bus durable.
type Appender interface {
	Append(ctx context.Context, evs []trailbridge.Accepted) error
}

// OnceAppender is an Appender that keeps one copy of the events appended
// under one id within some window, so that a retried attempt does not put
// an event on the bus twice.
type OnceAppender interface {
	AppendOnce(ctx context.Context, id string, ev trailbridge.Accepted) error
}

// Buses says which buses exist.
type Buses interface {
	Bus(name string) *trailbridge.Bus
}

// Options tune a Kind; zero fields take the defaults.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Kind makes the targets of the buses of one place (region and account).
// It is safe for concurrent use.
type Kind struct {
	events Appender
	buses  Buses
	place  trailbridge.Place
	now    func() time.Time
}

// New returns the Kind that puts events on the buses of place through
// events.
func New(events Appender, buses Buses, place trailbridge.Place, opts Options) *Kind {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Kind{
		events: events,
		buses:  buses,
		place:  place,
		now:    opts.Now,
	}
}

// Target returns the bus an ARN names.
func (k *Kind) Target(_ context.Context, arn string) (target.Target, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "events" {
		return nil, target.Fail(target.CodeInvalidPayload, "%q is not an event bus ARN (arn:aws:events:REGION:ACCOUNT:event-bus/NAME)", arn)
	}
	name, ok := strings.CutPrefix(parts[5], "event-bus/")
	if !ok || !validName(name) {
		return nil, target.Fail(target.CodeInvalidPayload, "%q is not an event bus ARN (arn:aws:events:REGION:ACCOUNT:event-bus/NAME)", arn)
	}
	if parts[3] != k.place.Region || parts[4] != k.place.Account {
		return nil, target.Fail(target.CodeNoPermissions,
			"cross-account and cross-region targets are not supported: %s is not a bus of account %s in %s", arn, k.place.Account, k.place.Region)
	}
	b := &bus{k: k, name: name}
	if err := b.exists(); err != nil {
		return nil, err
	}
	return b, nil
}

// validName reports whether name can be a bus's name.
func validName(name string) bool {
	if name == "" || len(name) > 256 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '/') {
			return false
		}
	}
	return true
}

// bus is the target of one bus. It is safe for concurrent use.
type bus struct {
	k    *Kind
	name string
}

func (b *bus) exists() error {
	if b.k.buses.Bus(b.name) == nil {
		return target.Fail(target.CodeNoResource, "event bus %s does not exist", b.name)
	}
	return nil
}

// Invoke puts the payload on the bus.
func (b *bus) Invoke(ctx context.Context, inv *target.Invocation) error {
	if err := ctx.Err(); err != nil {
		return ctxError(err, b.name)
	}
	// The bus may have gone since Target found it.
	if err := b.exists(); err != nil {
		return err
	}
	ev, err := envelope(inv.Payload)
	if err != nil {
		return &target.Error{Code: target.CodeInvalidPayload, Message: "the payload is not an event, and only events can be put on a bus", Err: err}
	}
	if inv.FromBus != "" {
		return target.Fail(target.CodeInvalidPayload,
			"event %s came to bus %s from bus %s, and an event received from another bus is not routed to a bus again", ev.ID, inv.Bus, inv.FromBus)
	}
	raw, err := ev.AppendJSON(make([]byte, 0, len(inv.Payload)+16))
	if err != nil {
		return &target.Error{Code: target.CodeInvalidPayload, Message: "the event cannot be written", Err: err}
	}
	acc := trailbridge.Accepted{Bus: b.name, Event: raw, Ingested: b.k.now(), Trace: inv.TraceHeader, From: inv.Bus}
	if once, ok := b.k.events.(OnceAppender); ok {
		err = once.AppendOnce(ctx, deliveryID(inv, b.name, ev.ID), acc)
	} else {
		err = b.k.events.Append(ctx, []trailbridge.Accepted{acc})
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctxError(ctx.Err(), b.name)
		}
		return &target.Error{Code: target.CodeInternal, Message: "the event could not be put on bus " + b.name, Retryable: true, Err: err}
	}
	return nil
}

// envelope reads an event envelope, as a bus would accept it.
func envelope(payload []byte) (*trailbridge.Event, error) {
	p := bytes.TrimSpace(payload)
	if len(p) == 0 || p[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	var ev trailbridge.Event
	if err := json.Unmarshal(p, &ev); err != nil {
		return nil, fmt.Errorf("not an event envelope: %w", err)
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"id", ev.ID}, {"source", ev.Source}, {"detail-type", ev.DetailType}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the event has no %s", strings.Join(missing, ", "))
	}
	if d := bytes.TrimSpace(ev.Detail); len(d) > 0 && d[0] != '{' {
		return nil, errors.New("the event's detail is not an object")
	}
	return &ev, nil
}

// deliveryID names one delivery of an event to a bus: every attempt of it
// shares the id, while another rule's delivery, or the same event coming
// round again (accepted anew, so ingested at another time), gets its own.
func deliveryID(inv *target.Invocation, bus, eventID string) string {
	h := sha256.New()
	targetID := ""
	if inv.Target != nil {
		targetID = inv.Target.Id
	}
	for _, s := range []string{bus, eventID, inv.Bus, inv.RuleArn, inv.Rule, targetID, strconv.FormatInt(inv.Ingested.UnixNano(), 10)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "bus-target/" + hex.EncodeToString(h.Sum(nil)[:16])
}

// ctxError is the error of an attempt whose context ended: a timeout when
// its deadline passed, else cancellation (trailbridge stopping), both worth
// another attempt.
func ctxError(err error, bus string) *target.Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &target.Error{Code: target.CodeTimeout, Message: "the attempt timed out before the event was put on bus " + bus, Retryable: true, Err: err}
	}
	return &target.Error{Code: target.CodeInternal, Message: "the attempt was cancelled before the event was put on bus " + bus, Retryable: true, Err: err}
}
