package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge"
)

type fakeRules []*trailbridge.Rule

func (f fakeRules) Rules(bus string) []*trailbridge.Rule {
	if bus != trailbridge.DefaultBus {
		return nil
	}
	return f
}

type appended struct {
	ids  []string
	evs  []trailbridge.Accepted
	fail bool
}

func (a *appended) AppendOnce(_ context.Context, id string, ev trailbridge.Accepted) error {
	if a.fail {
		return errors.New("store down")
	}
	a.ids = append(a.ids, id)
	a.evs = append(a.evs, ev)
	return nil
}

func TestRunnerFires(t *testing.T) {
	created := time.Date(2024, 1, 1, 10, 0, 30, 0, time.UTC)
	rules := fakeRules{
		{Name: "every5", ScheduleExpression: "rate(5 minutes)", State: trailbridge.StateEnabled, CreationTime: created, EventBusName: "default"},
		{Name: "hourly", ScheduleExpression: "cron(0 * * * ? *)", State: trailbridge.StateEnabled, CreationTime: created, EventBusName: "default"},
		{Name: "off", ScheduleExpression: "rate(1 minute)", State: trailbridge.StateDisabled, CreationTime: created, EventBusName: "default"},
		{Name: "pattern", EventPattern: `{}`, State: trailbridge.StateEnabled, CreationTime: created, EventBusName: "default"},
	}
	app := &appended{}
	place := trailbridge.Place{Region: "eu-west-1", Account: "123456789012"}
	r := &Runner{Rules: rules, Events: app, Place: place}
	ctx := t.Context()
	// Walk a simulated clock second by second from creation to 11:10:30.
	for now := created; !now.After(created.Add(70 * time.Minute)); now = now.Add(time.Second) {
		r.step(ctx, now)
	}
	var every5, hourly []time.Time
	for _, ev := range app.evs {
		var e struct {
			ID         string   `json:"id"`
			DetailType string   `json:"detail-type"`
			Source     string   `json:"source"`
			Time       string   `json:"time"`
			Resources  []string `json:"resources"`
			Detail     map[string]any
		}
		if err := json.Unmarshal(ev.Event, &e); err != nil {
			t.Fatal(err)
		}
		if e.DetailType != "Scheduled Event" || e.Source != "aws.events" || len(e.Detail) != 0 || ev.Bus != "default" {
			t.Errorf("event %s", ev.Event)
		}
		if want := place.RuleARN("default", ev.Rule); len(e.Resources) != 1 || e.Resources[0] != want {
			t.Errorf("resources %v, want [%s]", e.Resources, want)
		}
		at, _ := time.Parse(time.RFC3339, e.Time)
		switch ev.Rule {
		case "every5":
			every5 = append(every5, at)
		case "hourly":
			hourly = append(hourly, at)
		default:
			t.Errorf("rule %s fired", ev.Rule)
		}
	}
	// Rates fire one interval after creation (truncated to the minute).
	if len(every5) != 14 || !every5[0].Equal(time.Date(2024, 1, 1, 10, 5, 0, 0, time.UTC)) || !every5[13].Equal(time.Date(2024, 1, 1, 11, 10, 0, 0, time.UTC)) {
		t.Errorf("every5 fired at %v", every5)
	}
	if len(hourly) != 1 || !hourly[0].Equal(time.Date(2024, 1, 1, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("hourly fired at %v", hourly)
	}
	// Another process computes the same ids.
	other := &appended{}
	r2 := &Runner{Rules: rules, Events: other, Place: place}
	r2.step(ctx, time.Date(2024, 1, 1, 10, 4, 59, 0, time.UTC))
	r2.step(ctx, time.Date(2024, 1, 1, 10, 5, 1, 0, time.UTC))
	if len(other.ids) != 1 || other.ids[0] != app.ids[0] || string(other.evs[0].Event) != string(app.evs[0].Event) {
		t.Errorf("second process wrote %v, first %v", other.ids, app.ids[:1])
	}
}

func TestRunnerRetriesAFailedFire(t *testing.T) {
	created := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	app := &appended{fail: true}
	r := &Runner{Rules: fakeRules{{Name: "m", ScheduleExpression: "rate(1 minute)", State: trailbridge.StateEnabled, CreationTime: created}}, Events: app}
	r.step(t.Context(), created)
	r.step(t.Context(), created.Add(61*time.Second))
	app.fail = false
	r.step(t.Context(), created.Add(62*time.Second))
	if len(app.evs) != 1 {
		t.Fatalf("%d events after the store came back, want 1", len(app.evs))
	}
}
