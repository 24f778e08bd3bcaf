package schedule

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"time"

	"github.com/trailbridge/trailbridge"
)

// Rules is where a Runner finds the schedule rules (on the default bus, the
// only bus schedules are allowed on).
type Rules interface {
	Rules(bus string) []*trailbridge.Rule
}

// Appender stores a rule's event once, however many processes append it
// under the same id.
type Appender interface {
	AppendOnce(ctx context.Context, id string, ev trailbridge.Accepted) error
}

// Runner fires the schedule rules: when a rule is due it appends a
// "Scheduled Event" from aws.events addressed to that rule alone. Every
// trailbridge process runs one; all of them compute the same fire times and
// event ids, and the Appender keeps one copy, so a rule fires once however
// many processes run. Missed fire times (the process was down) are not
// caught up: like EventBridge, a schedule only fires from now on. A Runner
// keeps state between checks: run it from one goroutine.
type Runner struct {
	Rules  Rules
	Events Appender
	Place  trailbridge.Place
	Log    *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Tick is how often rules are checked; zero means every second.
	Tick time.Duration

	due map[string]*due
}

// due is what the runner knows of one rule.
type due struct {
	expr    string
	created time.Time
	sched   Schedule
	next    time.Time
}

// Run fires schedules until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	tick := r.Tick
	if tick <= 0 {
		tick = time.Second
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		r.step(ctx, r.now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// step fires every rule due at now.
func (r *Runner) step(ctx context.Context, now time.Time) {
	if r.due == nil {
		r.due = map[string]*due{}
	}
	seen := map[string]bool{}
	for _, rule := range r.Rules.Rules(trailbridge.DefaultBus) {
		if rule.ScheduleExpression == "" || rule.State == trailbridge.StateDisabled {
			continue
		}
		seen[rule.Name] = true
		d := r.due[rule.Name]
		if d == nil || d.expr != rule.ScheduleExpression || !d.created.Equal(rule.CreationTime) {
			s, err := Parse(rule.ScheduleExpression)
			if err != nil {
				r.log().Error("schedule rule has an invalid expression", "rule", rule.Name, "expression", rule.ScheduleExpression)
				continue
			}
			if rate, ok := s.(Rate); ok {
				s = rate.WithStart(rule.CreationTime)
			}
			d = &due{expr: rule.ScheduleExpression, created: rule.CreationTime, sched: s, next: s.Next(now)}
			r.due[rule.Name] = d
		}
		if d.next.IsZero() || now.Before(d.next) {
			continue
		}
		if err := r.fire(ctx, rule.Name, d.next, now); err != nil {
			r.log().Warn("schedule rule could not fire; retrying", "rule", rule.Name, "err", err)
			continue
		}
		d.next = d.sched.Next(now)
	}
	for name := range r.due {
		if !seen[name] {
			delete(r.due, name)
		}
	}
}

func (r *Runner) fire(ctx context.Context, rule string, at, now time.Time) error {
	arn := r.Place.RuleARN(trailbridge.DefaultBus, rule)
	key := fmt.Sprintf("%s@%d", arn, at.Unix())
	ev := trailbridge.Event{
		ID:         eventID(key),
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		Account:    r.Place.Account,
		Time:       at,
		Region:     r.Place.Region,
		Resources:  []string{arn},
		Detail:     []byte("{}"),
	}
	b, err := ev.MarshalJSON()
	if err != nil {
		return err
	}
	return r.Events.AppendOnce(ctx, "schedule/"+key, trailbridge.Accepted{Bus: trailbridge.DefaultBus, Rule: rule, Event: b, Ingested: now})
}

// eventID derives a UUID-shaped id from key, so that every process firing
// the same rule at the same time writes the same event.
func eventID(key string) string {
	h := sha256.Sum256([]byte(key))
	h[6] = h[6]&0x0f | 0x80 // version 8: custom
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}
