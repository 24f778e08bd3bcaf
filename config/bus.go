package config

import (
	"fmt"

	"github.com/goccy/go-yaml/ast"

	"github.com/trailbridge/trailbridge"
)

// EventBus is a custom event bus to create.
type EventBus struct {
	Key         string `yaml:"-"` // path in the file, such as EventBuses[0]
	Name        string
	Description string
	Tags        []trailbridge.Tag
}

func (d *decoder) eventBus(path string, n ast.Node) EventBus {
	b := EventBus{Key: path}
	d.object(path, n, fields{
		"Name":        d.str(&b.Name),
		"Description": d.str(&b.Description),
		"Tags":        d.tags(&b.Tags),
	})
	return b
}

// tags decodes a list of {Key, Value}, the shape of AWS and CloudFormation.
func (d *decoder) tags(dst *[]trailbridge.Tag) field {
	return func(p string, n ast.Node) {
		d.list(p, n, func(p string, n ast.Node) {
			var t trailbridge.Tag
			d.object(p, n, fields{
				"Key":   d.str(&t.Key),
				"Value": d.str(&t.Value),
			})
			*dst = append(*dst, t)
		})
	}
}

func (c *checker) eventBuses(buses []EventBus) {
	seen := map[string]string{}
	for i, b := range buses {
		p := index("EventBuses", i)
		c.required(p, "Name", b.Name)
		c.unique(seen, b.Name, child(p, "Name"), p, "event bus "+quoted(b.Name))
		c.tags(child(p, "Tags"), b.Tags)
	}
}

func (c *checker) tags(path string, tags []trailbridge.Tag) {
	seen := map[string]string{}
	for i, t := range tags {
		item := index(path, i)
		c.required(item, "Key", t.Key)
		c.unique(seen, t.Key, child(item, "Key"), item, fmt.Sprintf("tag %q", t.Key))
	}
}
