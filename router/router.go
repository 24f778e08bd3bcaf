package router

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/pattern"
)

// Rules is where the router reads the configuration. Returned values are
// shared and read-only.
type Rules interface {
	Buses() []*trailbridge.Bus
	Rules(bus string) []*trailbridge.Rule
	Rule(bus, name string) *trailbridge.Rule
}

// Sink stores deliveries durably.
type Sink interface {
	PublishDeliveries(ctx context.Context, ds []trailbridge.Delivery) error
}

// Observer counts what the router does; metrics implement it.
type Observer interface {
	// Matched is called once per event that matched at least one rule.
	Matched(bus string)
	// Triggered is called once per rule an event matched.
	Triggered(bus, rule string)
	// Dropped is called for an event that cannot be routed, with why.
	Dropped(bus, reason string)
}

// Router routes events. Its methods are safe for concurrent use; Route never
// waits for a configuration change to finish.
type Router struct {
	rules Rules
	sink  Sink
	obs   Observer
	log   *slog.Logger

	mu    sync.Mutex // serializes matcher updates
	buses sync.Map   // bus name → *pattern.Matcher
}

// New returns a router with no rules loaded: subscribe Changed to the
// configuration's changes first, then call Load, so that no change made in
// between is missed.
func New(rules Rules, sink Sink, obs Observer, log *slog.Logger) *Router {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if obs == nil {
		obs = nopObserver{}
	}
	return &Router{rules: rules, sink: sink, obs: obs, log: log}
}

// Load (re)reads every bus and rule.
func (r *Router) Load() {
	for _, b := range r.rules.Buses() {
		r.Changed(b.Name, "")
	}
}

// Changed brings the router in line with the current state of a bus
// (rule empty) or of one rule.
func (r *Router) Changed(bus, rule string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rule == "" {
		// A bus appeared or went: (re)load all its rules.
		if r.rulesBusMissing(bus) {
			r.buses.Delete(bus)
			return
		}
		m := pattern.NewMatcher()
		for _, ru := range r.rules.Rules(bus) {
			r.load(m, ru.Name, ru)
		}
		r.buses.Store(bus, m)
		return
	}
	v, ok := r.buses.Load(bus)
	if !ok {
		if r.rulesBusMissing(bus) {
			return
		}
		v = pattern.NewMatcher()
		r.buses.Store(bus, v)
	}
	r.load(v.(*pattern.Matcher), rule, r.rules.Rule(bus, rule))
}

func (r *Router) rulesBusMissing(bus string) bool {
	for _, b := range r.rules.Buses() {
		if b.Name == bus {
			return false
		}
	}
	return true
}

// load puts rule's pattern in m, or takes it out when the rule is gone,
// disabled or has no pattern.
func (r *Router) load(m *pattern.Matcher, name string, ru *trailbridge.Rule) {
	if ru == nil || ru.State == trailbridge.StateDisabled || ru.EventPattern == "" {
		m.Remove(name)
		return
	}
	if err := m.Add(name, []byte(ru.EventPattern)); err != nil {
		// Patterns are validated before they are stored; one that no
		// longer compiles would match nothing on AWS either.
		r.log.Error("rule pattern does not compile", "bus", ru.EventBusName, "rule", name, "err", err)
		m.Remove(name)
	}
}

// Match returns the rules of bus that ev matches, after the rule states
// are applied.
func (r *Router) Match(bus string, event []byte) ([]*trailbridge.Rule, error) {
	v, ok := r.buses.Load(bus)
	if !ok {
		return nil, nil
	}
	names, err := v.(*pattern.Matcher).Match(event)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	out := make([]*trailbridge.Rule, 0, len(names))
	readOnly := -1 // unknown until a rule's state needs it
	for _, n := range names {
		ru := r.rules.Rule(bus, n)
		if ru == nil {
			continue
		}
		switch ru.State {
		case trailbridge.StateEnabledWithCloudTrailReadOnly:
		case trailbridge.StateEnabled:
			if readOnly < 0 {
				readOnly = 0
				if ReadOnlyManagementEvent(event) {
					readOnly = 1
				}
			}
			if readOnly == 1 {
				continue
			}
		default:
			continue
		}
		out = append(out, ru)
	}
	return out, nil
}

// Route matches events against their buses' rules and stores one delivery
// per target of each matching rule. It fails only when the deliveries
// cannot be stored; the caller then offers the events again.
func (r *Router) Route(ctx context.Context, evs []trailbridge.Accepted) error {
	var ds []trailbridge.Delivery
	for _, ev := range evs {
		if ev.Rule != "" {
			ds = r.scheduled(ds, ev)
			continue
		}
		if _, ok := r.buses.Load(ev.Bus); !ok {
			r.log.Warn("event dropped: its bus was deleted before it was routed", "bus", ev.Bus)
			r.obs.Dropped(ev.Bus, "NoSuchBus")
			continue
		}
		rules, err := r.Match(ev.Bus, ev.Event)
		if err != nil {
			r.log.Error("event cannot be matched", "bus", ev.Bus, "err", err)
			r.obs.Dropped(ev.Bus, "Unreadable")
			continue
		}
		if len(rules) == 0 {
			continue
		}
		r.obs.Matched(ev.Bus)
		for _, ru := range rules {
			r.obs.Triggered(ev.Bus, ru.Name)
			for _, t := range ru.Targets {
				ds = append(ds, trailbridge.Delivery{Bus: ev.Bus, Rule: ru.Name, Target: t.Id, Event: ev.Event, Ingested: ev.Ingested, Trace: ev.Trace, From: ev.From})
			}
		}
	}
	if len(ds) == 0 {
		return nil
	}
	if err := r.sink.PublishDeliveries(ctx, ds); err != nil {
		return fmt.Errorf("route %d events: %w", len(evs), err)
	}
	return nil
}

// scheduled adds the deliveries of a schedule rule's own event, if the rule
// still exists with its schedule and is enabled.
func (r *Router) scheduled(ds []trailbridge.Delivery, ev trailbridge.Accepted) []trailbridge.Delivery {
	ru := r.rules.Rule(ev.Bus, ev.Rule)
	if ru == nil || ru.ScheduleExpression == "" || ru.State == trailbridge.StateDisabled {
		r.log.Info("scheduled event dropped: its rule was deleted, disabled or lost its schedule before the event was routed", "rule", ev.Rule)
		r.obs.Dropped(ev.Bus, "RuleGone")
		return ds
	}
	r.obs.Triggered(ev.Bus, ru.Name)
	for _, t := range ru.Targets {
		ds = append(ds, trailbridge.Delivery{Bus: ev.Bus, Rule: ru.Name, Target: t.Id, Event: ev.Event, Ingested: ev.Ingested, Trace: ev.Trace, From: ev.From})
	}
	return ds
}

type nopObserver struct{}

func (nopObserver) Matched(string)           {}
func (nopObserver) Triggered(string, string) {}
func (nopObserver) Dropped(string, string)   {}
