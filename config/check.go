package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// checker checks the typed values of a File. It works from the values
// alone, so that Validate can run it on a File built in code; lines, when
// Parse has them, only place its errors in the text.
type checker struct {
	problems
	lines map[string]int
}

func (c *checker) errorf(path string, format string, args ...any) {
	c.add(path, c.line(path), format, args...)
}

// line returns the line of path or, for a key that is missing, of the
// nearest enclosing item that is there.
func (c *checker) line(path string) int {
	for path != "" {
		if l, ok := c.lines[path]; ok {
			return l
		}
		path = path[:max(strings.LastIndexAny(path, ".["), 0)]
	}
	return 0
}

func (c *checker) file(f *File) {
	c.accessKeys(f.AccessKeys)
	c.eventBuses(f.EventBuses)
	c.rules(f.Rules)
	c.connections(f.Connections)
	c.apiDestinations(f.ApiDestinations, f.Connections)
	c.functions(f.Functions)
	c.queues(f.Queues)
	c.interceptors(f.Interceptors)
	c.audit(f.Audit)
	c.k8sAudit(f.K8sAudit)
}

func (c *checker) required(item, key, value string) {
	if value == "" {
		c.errorf(child(item, key), "required")
	}
}

// unique reports id when an earlier item of the section, recorded in seen,
// has it too. Empty ids are left to required.
func (c *checker) unique(seen map[string]string, id, path, item, what string) {
	if id == "" {
		return
	}
	if first, dup := seen[id]; dup {
		c.errorf(path, "%s is already defined at %s", what, first)
		return
	}
	seen[id] = item
}

func (c *checker) oneOf(path, value string, allowed ...string) {
	if value != "" && !slices.Contains(allowed, value) {
		c.errorf(path, "must be one of %s, got %q", strings.Join(allowed, ", "), value)
	}
}

func (c *checker) between(path string, v *int, lo, hi int) {
	if v != nil && (*v < lo || *v > hi) {
		c.errorf(path, "must be between %d and %d, got %d", lo, hi, *v)
	}
}

// httpURL checks a URL that trailbridge itself calls. Plain http is
// allowed: a self-hosted server often talks to its neighbours on a
// private network.
func (c *checker) httpURL(path, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.errorf(path, "must be an http:// or https:// URL, got %q", s)
	}
}

func quoted(s string) string { return fmt.Sprintf("%q", s) }
