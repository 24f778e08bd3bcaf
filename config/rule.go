package config

import (
	"encoding/json"

	"github.com/goccy/go-yaml/ast"

	"github.com/trailbridge/trailbridge"
)

// maxTargets is EventBridge's limit of targets per rule.
const maxTargets = 5

// Rule is a rule of an event bus with its targets.
type Rule struct {
	Key                string `yaml:"-"` // path in the file, such as Rules[0]
	Name               string
	EventBusName       string // "default" when omitted; the bus may exist only on the server
	Description        string
	State              string // "ENABLED" when omitted
	EventPattern       string // compact JSON text; the pattern language is left to the server
	ScheduleExpression string
	RoleArn            string
	Tags               []trailbridge.Tag
	Targets            []trailbridge.Target
}

func (d *decoder) rule(path string, n ast.Node) Rule {
	r := Rule{Key: path}
	d.object(path, n, fields{
		"Name":               d.str(&r.Name),
		"EventBusName":       d.str(&r.EventBusName),
		"Description":        d.str(&r.Description),
		"State":              d.str(&r.State),
		"EventPattern":       d.jsonDoc(&r.EventPattern),
		"ScheduleExpression": d.str(&r.ScheduleExpression),
		"RoleArn":            d.str(&r.RoleArn),
		"Tags":               d.tags(&r.Tags),
		"Targets": func(p string, n ast.Node) {
			d.list(p, n, func(p string, n ast.Node) { r.Targets = append(r.Targets, d.target(p, n)) })
		},
	})
	if r.EventBusName == "" {
		r.EventBusName = trailbridge.DefaultBus
	}
	if r.State == "" {
		r.State = trailbridge.StateEnabled
	}
	return r
}

func (c *checker) rules(rules []Rule) {
	seen := map[string]string{}
	for i, r := range rules {
		p := index("Rules", i)
		c.required(p, "Name", r.Name)
		bus := r.EventBusName
		if bus == "" {
			bus = trailbridge.DefaultBus
		}
		// Rules are named per bus, as in EventBridge.
		c.unique(seen, bus+"\x00"+r.Name, child(p, "Name"), p,
			"rule "+quoted(r.Name)+" on event bus "+quoted(bus))
		c.oneOf(child(p, "State"), r.State,
			trailbridge.StateEnabled, trailbridge.StateDisabled, trailbridge.StateEnabledWithCloudTrailReadOnly)
		if r.EventPattern == "" && r.ScheduleExpression == "" {
			c.errorf(p, "needs EventPattern or ScheduleExpression")
		}
		c.json(child(p, "EventPattern"), r.EventPattern)
		c.tags(child(p, "Tags"), r.Tags)
		c.targets(child(p, "Targets"), r.Targets)
	}
}

// json checks JSON text set in code; Parse has produced or checked it.
func (c *checker) json(path, s string) {
	if s != "" && !json.Valid([]byte(s)) {
		c.errorf(path, "must be valid JSON")
	}
}
