package awsapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"

	tb "github.com/trailbridge/trailbridge"
)

// Store holds buses and rules. Values it returns are shared and read-only;
// Update functions get a private copy, may run more than once, and return
// the new value (nil deletes; a value equal to the stored one writes
// nothing).
type Store interface {
	Bus(name string) *tb.Bus
	Buses() []*tb.Bus
	Rule(bus, name string) *tb.Rule
	Rules(bus string) []*tb.Rule
	UpdateBus(ctx context.Context, name string, fn func(cur *tb.Bus) (*tb.Bus, error)) (*tb.Bus, error)
	UpdateRule(ctx context.Context, bus, name string, fn func(cur *tb.Rule) (*tb.Rule, error)) (*tb.Rule, error)
}

// ResourceStore holds the resources other than buses and rules
// (connections, API destinations), each as JSON under a kind and a name.
// UpdateResource works as Store's updates: fn gets the current JSON (nil
// when there is none) and returns the new JSON, nil to delete.
type ResourceStore interface {
	Resource(kind, name string) json.RawMessage
	ResourceNames(kind string) []string
	UpdateResource(ctx context.Context, kind, name string, fn func(cur json.RawMessage) (json.RawMessage, error)) error
}

// EventLog makes accepted events durable.
type EventLog interface {
	Append(ctx context.Context, evs []tb.Accepted) error
}

// PutEventsObserver counts PutEvents outcomes; metrics implement it.
type PutEventsObserver interface {
	// Entries is called once per PutEvents call with how many entries
	// were accepted and how many failed.
	Entries(accepted, failed int)
	// Dropped is called for an accepted event no rule can receive, with
	// why (NoSuchBus: its bus does not exist, as AWS accepts and drops).
	Dropped(bus, reason string)
}

// EventBridge is the EventBridge API over a Store and an EventLog. Its
// methods are safe for concurrent use.
type EventBridge struct {
	Store Store
	// Resources holds connections and API destinations.
	Resources ResourceStore
	Events    EventLog
	Place     tb.Place
	Log       *slog.Logger
	// Observer, when set, is told about every PutEvents call.
	Observer PutEventsObserver
	// Seen, when set, lets PutAuditRecords skip records put before.
	Seen SeenIDs
	// AuditCopy, when set, keeps the compliance copy of every record
	// PutAuditRecords puts.
	AuditCopy AuditCopy
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	dropMu     sync.Mutex
	dropLogged map[string]time.Time // bus → when a drop was last logged
}

// dropped counts and logs an accepted event that goes nowhere. The log says
// so at most once a minute per bus, so that a client putting to a wrong bus
// in a loop cannot flood it; the metric counts every one.
func (eb *EventBridge) dropped(bus, reason string) {
	if eb.Observer != nil {
		eb.Observer.Dropped(bus, reason)
	}
	if eb.Log == nil {
		return
	}
	now := eb.now()
	eb.dropMu.Lock()
	last, seen := eb.dropLogged[bus]
	if !seen || now.Sub(last) >= time.Minute {
		if eb.dropLogged == nil {
			eb.dropLogged = map[string]time.Time{}
		}
		eb.dropLogged[bus] = now
		seen = false
	}
	eb.dropMu.Unlock()
	if !seen {
		eb.Log.Warn("events accepted for a bus that does not exist are dropped, as on AWS (counted in trailbridge_DroppedEvents; logged once a minute per bus)", "bus", bus, "reason", reason)
	}
}

func (eb *EventBridge) now() time.Time {
	if eb.Now != nil {
		return eb.Now().UTC()
	}
	return time.Now().UTC()
}

// ids are ChaCha8 generators seeded from crypto/rand: as unpredictable as
// reading crypto/rand for every id, without a system call each time (which
// measured at a tenth of PutEvents' cost).
var ids = sync.Pool{New: func() any {
	var seed [32]byte
	rand.Read(seed[:])
	return mrand.NewChaCha8(seed)
}}

// newID returns a random (version 4) UUID, the form of EventBridge's event
// ids.
func newID() string {
	var b [16]byte
	g := ids.Get().(*mrand.ChaCha8)
	g.Read(b[:])
	ids.Put(g)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// busName resolves an EventBusName member, which may be a name or a bus ARN,
// to a name; empty means the default bus. An ARN names a bus of this
// account and region only when its partition, region and account are
// these: AWS takes another's as a cross-account or cross-Region bus, which
// here is the whole ARN, a name no bus has.
func (eb *EventBridge) busName(s *string) string {
	if s == nil || *s == "" {
		return tb.DefaultBus
	}
	if name, ok := strings.CutPrefix(*s, eb.Place.BusARN("")); ok {
		return name
	}
	return *s
}

func errNoBus(name string) error {
	return tb.Errorf(tb.CodeResourceNotFound, "Event bus %s does not exist.", name)
}

func errNoRule(rule, bus string) error {
	return tb.Errorf(tb.CodeResourceNotFound, "Rule %s does not exist on EventBus %s.", rule, bus)
}

// page picks the slice of a sorted listing that a NextToken and Limit ask
// for. Tokens name the last item returned, so that a listing that changes
// between calls neither repeats nor skips what stayed, and the listing they
// belong to (list, such as "rules/BUS"), so that one listing's token is
// refused by another.
func page[T any](list string, items []T, key func(T) string, token *string, limit *int) ([]T, *string, error) {
	n := 100
	if limit != nil {
		n = *limit
	}
	prefix := "tb1:" + list + ":"
	start := 0
	if token != nil && *token != "" {
		last, err := base64.RawURLEncoding.DecodeString(*token)
		if err != nil || !strings.HasPrefix(string(last), prefix) {
			return nil, nil, errBadToken()
		}
		after := string(last[len(prefix):])
		for start < len(items) && key(items[start]) <= after {
			start++
		}
	}
	end := min(start+n, len(items))
	var next *string
	if end < len(items) {
		t := base64.RawURLEncoding.EncodeToString([]byte(prefix + key(items[end-1])))
		next = &t
	}
	return items[start:end], next, nil
}

func errBadToken() error { return tb.Errorf(tb.CodeValidation, "The NextToken provided is invalid.") }

func checkLimit(v *violations, limit *int) { v.intRange(limit, "limit", 1, 100) }

func ptr[T any](v T) *T { return &v }

// emptyNil returns nil for an empty string, so that omitempty fields and
// pointer fields agree.
func emptyNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
