package config

import (
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Bounds of a function, those of AWS Lambda where it has them.
const (
	defaultTimeout     = 30 * time.Second
	maxTimeout         = 15 * time.Minute
	defaultConcurrency = 10
)

// Function is what targets of ARN arn:aws:lambda:REGION:ACCOUNT:function:NAME
// run: a command that reads the event on its standard input, or an HTTP
// endpoint the event is posted to. Exactly one of Command and Url is set.
type Function struct {
	Key         string `yaml:"-"` // path in the file, such as Functions[0]
	Name        string
	Command     []string // argv
	Url         string
	Environment map[string]string
	Timeout     time.Duration // 30s when omitted
	Concurrency int           // 10 when omitted
}

func (d *decoder) function(path string, n ast.Node) Function {
	fn := Function{Key: path, Timeout: defaultTimeout, Concurrency: defaultConcurrency}
	d.object(path, n, fields{
		"Name":        d.str(&fn.Name),
		"Command":     d.strList(&fn.Command),
		"Url":         d.str(&fn.Url),
		"Environment": d.strMap(&fn.Environment),
		"Timeout":     d.duration(&fn.Timeout),
		"Concurrency": d.int(&fn.Concurrency),
	})
	return fn
}

func (c *checker) functions(fns []Function) {
	seen := map[string]string{}
	for i, fn := range fns {
		p := index("Functions", i)
		c.required(p, "Name", fn.Name)
		c.unique(seen, fn.Name, child(p, "Name"), p, "function "+quoted(fn.Name))
		switch {
		case len(fn.Command) == 0 && fn.Url == "":
			c.errorf(p, "needs Command or Url")
		case len(fn.Command) > 0 && fn.Url != "":
			c.errorf(p, "has both Command and Url, give one")
		case len(fn.Command) > 0 && fn.Command[0] == "":
			c.errorf(index(child(p, "Command"), 0), "the program to run is empty")
		}
		c.httpURL(child(p, "Url"), fn.Url)
		for k := range fn.Environment {
			if k == "" || strings.ContainsAny(k, "=\x00") {
				c.errorf(child(child(p, "Environment"), k), "invalid environment variable name %q", k)
			}
		}
		if fn.Timeout <= 0 || fn.Timeout > maxTimeout {
			c.errorf(child(p, "Timeout"), "must be more than 0s and at most %v, got %v", maxTimeout, fn.Timeout)
		}
		if fn.Concurrency < 1 {
			c.errorf(child(p, "Concurrency"), "must be at least 1, got %d", fn.Concurrency)
		}
	}
}
