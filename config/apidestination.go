package config

import "github.com/goccy/go-yaml/ast"

// defaultRateLimit is EventBridge's default InvocationRateLimitPerSecond.
const defaultRateLimit = 300

// ApiDestination is an HTTP endpoint that targets can call; its fields
// are those of EventBridge's CreateApiDestination, except that the
// connection may be named instead of given by ARN.
type ApiDestination struct {
	Key                          string `yaml:"-"` // path in the file, such as ApiDestinations[0]
	Name                         string
	Description                  string
	Connection                   string // name of a connection of this file; or ConnectionArn
	ConnectionArn                string
	InvocationEndpoint           string // http:// allowed as well as https://
	HttpMethod                   string
	InvocationRateLimitPerSecond int // 300 when omitted
}

func (d *decoder) apiDestination(path string, n ast.Node) ApiDestination {
	a := ApiDestination{Key: path, InvocationRateLimitPerSecond: defaultRateLimit}
	d.object(path, n, fields{
		"Name":                         d.str(&a.Name),
		"Description":                  d.str(&a.Description),
		"Connection":                   d.str(&a.Connection),
		"ConnectionArn":                d.str(&a.ConnectionArn),
		"InvocationEndpoint":           d.str(&a.InvocationEndpoint),
		"HttpMethod":                   d.str(&a.HttpMethod),
		"InvocationRateLimitPerSecond": d.int(&a.InvocationRateLimitPerSecond),
	})
	return a
}

func (c *checker) apiDestinations(dests []ApiDestination, conns []Connection) {
	defined := map[string]bool{}
	for _, conn := range conns {
		defined[conn.Name] = true
	}
	seen := map[string]string{}
	for i, a := range dests {
		p := index("ApiDestinations", i)
		c.required(p, "Name", a.Name)
		c.unique(seen, a.Name, child(p, "Name"), p, "API destination "+quoted(a.Name))
		switch {
		case a.Connection == "" && a.ConnectionArn == "":
			c.errorf(p, "needs Connection or ConnectionArn")
		case a.Connection != "" && a.ConnectionArn != "":
			c.errorf(p, "has both Connection and ConnectionArn, give one")
		case a.Connection != "" && !defined[a.Connection]:
			c.errorf(child(p, "Connection"), "connection %q is not defined in Connections", a.Connection)
		}
		c.required(p, "InvocationEndpoint", a.InvocationEndpoint)
		c.httpURL(child(p, "InvocationEndpoint"), a.InvocationEndpoint)
		c.required(p, "HttpMethod", a.HttpMethod)
		c.oneOf(child(p, "HttpMethod"), a.HttpMethod, "POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE")
		if a.InvocationRateLimitPerSecond < 1 {
			c.errorf(child(p, "InvocationRateLimitPerSecond"), "must be at least 1, got %d", a.InvocationRateLimitPerSecond)
		}
	}
}
