package config

import (
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Queue is one of trailbridge's built-in SQS queues, which targets and
// dead-letter configurations name by ARN.
type Queue struct {
	Key        string `yaml:"-"` // path in the file, such as Queues[0]
	Name       string // ends in .fifo exactly when FifoQueue is set
	FifoQueue  bool
	Attributes map[string]string // SQS attribute names and their string values
}

func (d *decoder) queue(path string, n ast.Node) Queue {
	q := Queue{Key: path}
	d.object(path, n, fields{
		"Name":       d.str(&q.Name),
		"FifoQueue":  d.bool(&q.FifoQueue),
		"Attributes": d.strMap(&q.Attributes),
	})
	return q
}

func (c *checker) queues(queues []Queue) {
	seen := map[string]string{}
	for i, q := range queues {
		p := index("Queues", i)
		c.required(p, "Name", q.Name)
		c.unique(seen, q.Name, child(p, "Name"), p, "queue "+quoted(q.Name))
		switch fifoName := strings.HasSuffix(q.Name, ".fifo"); {
		case q.Name == "":
		case q.FifoQueue && !fifoName:
			c.errorf(child(p, "Name"), "the name of a FIFO queue must end in .fifo")
		case !q.FifoQueue && fifoName:
			c.errorf(child(p, "Name"), "ends in .fifo, which only FIFO queues do (set FifoQueue: true)")
		}
		// Two places for one setting would have to be kept in agreement.
		if _, ok := q.Attributes["FifoQueue"]; ok {
			c.errorf(child(child(p, "Attributes"), "FifoQueue"), "set FifoQueue beside Attributes, not in it")
		}
	}
}
