package capture

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"
)

// A Namer names the calls of a non-AWS API. Operation returns what it
// knows about r's operation, and false when r matches none of its
// routes (the call is then named by FallbackName). It is called
// concurrently.
type Namer interface {
	Operation(r *http.Request) (Operation, bool)
}

// Operation is what a Namer says about one call.
type Operation struct {
	Name      string  // the record's eventName
	ReadOnly  bool    // the record's readOnly
	DataEvent bool    // a data event (eventCategory Data, managementEvent false)
	Params    []Param // the path parameters, in the template's order
}

// Param is one path parameter of a matched route.
type Param struct{ Name, Value string }

// Route maps a method and a path template to an eventName; it is the
// shape a configuration file gives routes in.
//
// Path is a template of slash-separated segments, each either literal
// text or a whole-segment parameter {name}; the last segment may be
// {name...}, which matches the rest of the path after its slash (zero or
// more segments: /files/{p...} matches /files/ and /files/a/b, not /files).
// Method is an HTTP method, or "" or "*" for any. ReadOnly overrides the
// method's default (GET, HEAD and OPTIONS read, the others write).
type Route struct {
	Method    string `json:"method,omitempty" yaml:"method,omitempty"`
	Path      string `json:"path" yaml:"path"`
	Name      string `json:"name" yaml:"name"`
	ReadOnly  *bool  `json:"readOnly,omitempty" yaml:"readOnly,omitempty"`
	DataEvent bool   `json:"dataEvent,omitempty" yaml:"dataEvent,omitempty"`
}

// Routes is a route table, a Namer. It is immutable once built and safe
// for concurrent use.
//
// When several routes match a request, the most specific wins: segment by
// segment from the left, a literal beats a parameter and a parameter
// beats a {name...} tail; a route for the request's method beats one for
// any method.
type Routes struct {
	routes []compiledRoute // in precedence order
}

type segKind uint8

const (
	segLiteral segKind = iota
	segParam
	segTail
)

type segment struct {
	kind segKind
	text string // literal text, or the parameter's name
}

type compiledRoute struct {
	method   string // "" for any
	segs     []segment
	op       Operation
	template string
}

// NewRoutes compiles a route table, refusing malformed templates, missing
// names and two routes of the same method and shape.
func NewRoutes(routes []Route) (*Routes, error) {
	t := &Routes{routes: make([]compiledRoute, 0, len(routes))}
	var errs []error
	for i, r := range routes {
		c, err := compileRoute(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("route %d (%s %s): %w", i, r.Method, r.Path, err))
			continue
		}
		t.routes = append(t.routes, c)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortStableFunc(t.routes, compareRoutes)
	for i := 1; i < len(t.routes); i++ {
		a, b := t.routes[i-1], t.routes[i]
		if a.method == b.method && compareRoutes(a, b) == 0 {
			return nil, fmt.Errorf("routes %s %s and %s %s match the same requests", methodName(a.method), a.template, methodName(b.method), b.template)
		}
	}
	return t, nil
}

func methodName(m string) string {
	if m == "" {
		return "*"
	}
	return m
}

func compileRoute(r Route) (compiledRoute, error) {
	method := strings.ToUpper(strings.TrimSpace(r.Method))
	if method == "*" {
		method = ""
	}
	for _, c := range method {
		if c < 'A' || c > 'Z' {
			return compiledRoute{}, fmt.Errorf("method %q is not a method name", r.Method)
		}
	}
	if r.Name == "" {
		return compiledRoute{}, errors.New("no name")
	}
	segs, err := parseTemplate(r.Path)
	if err != nil {
		return compiledRoute{}, err
	}
	ro := defaultReadOnly(method)
	if r.ReadOnly != nil {
		ro = *r.ReadOnly
	}
	return compiledRoute{method: method, segs: segs, template: r.Path,
		op: Operation{Name: r.Name, ReadOnly: ro, DataEvent: r.DataEvent}}, nil
}

// parseTemplate checks a path template (see Route) and returns its
// segments.
func parseTemplate(path string) ([]segment, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("template %q does not start with /", path)
	}
	parts := strings.Split(path[1:], "/")
	segs := make([]segment, 0, len(parts))
	seen := map[string]bool{}
	for i, p := range parts {
		if !strings.ContainsAny(p, "{}") {
			lit, err := url.PathUnescape(p)
			if err != nil {
				return nil, fmt.Errorf("template %q: segment %q: %w", path, p, err)
			}
			segs = append(segs, segment{kind: segLiteral, text: lit})
			continue
		}
		if len(p) < 3 || p[0] != '{' || p[len(p)-1] != '}' || strings.ContainsAny(p[1:len(p)-1], "{}") {
			return nil, fmt.Errorf("template %q: segment %q: a parameter must be a whole segment {name}", path, p)
		}
		name, tail := strings.CutSuffix(p[1:len(p)-1], "...")
		if name == "" {
			return nil, fmt.Errorf("template %q: segment %q: a parameter needs a name", path, p)
		}
		for _, c := range name {
			if !(c == '_' || c == '-' || c == '.' || unicode.IsLetter(c) || unicode.IsDigit(c)) {
				return nil, fmt.Errorf("template %q: parameter %q: names are letters, digits, '_', '-' and '.'", path, name)
			}
		}
		if seen[name] {
			return nil, fmt.Errorf("template %q: parameter %q appears twice", path, name)
		}
		seen[name] = true
		kind := segParam
		if tail {
			if i != len(parts)-1 {
				return nil, fmt.Errorf("template %q: {%s...} must be the last segment", path, name)
			}
			kind = segTail
		}
		segs = append(segs, segment{kind: kind, text: name})
	}
	return segs, nil
}

// compareRoutes orders routes most specific first.
func compareRoutes(a, b compiledRoute) int {
	for i := 0; i < len(a.segs) && i < len(b.segs); i++ {
		sa, sb := a.segs[i], b.segs[i]
		if c := cmp.Compare(sa.kind, sb.kind); c != 0 {
			return c
		}
		if sa.kind == segLiteral {
			if c := strings.Compare(sa.text, sb.text); c != 0 {
				return c
			}
		}
	}
	if c := cmp.Compare(len(b.segs), len(a.segs)); c != 0 {
		return c // routes of different lengths overlap only through a tail, ordered above
	}
	if a.method != b.method {
		if a.method == "" {
			return 1
		}
		if b.method == "" {
			return -1
		}
		return strings.Compare(a.method, b.method)
	}
	return 0
}

// Operation matches r's method and escaped path against the table.
func (t *Routes) Operation(r *http.Request) (Operation, bool) {
	return t.Lookup(r.Method, r.URL.EscapedPath())
}

// Lookup matches a method and an escaped path against the table.
func (t *Routes) Lookup(method, escapedPath string) (Operation, bool) {
	if t == nil || !strings.HasPrefix(escapedPath, "/") {
		return Operation{}, false
	}
	path := escapedPath[1:]
	for i := range t.routes {
		c := &t.routes[i]
		if c.method != "" && c.method != method {
			continue
		}
		if params, ok := c.match(path); ok {
			op := c.op
			op.Params = params
			return op, true
		}
	}
	return Operation{}, false
}

// match reports whether path (escaped, without its leading slash)
// matches the route, and returns the parameters.
func (c *compiledRoute) match(path string) ([]Param, bool) {
	var params []Param
	rest := path
	for i, s := range c.segs {
		if i > 0 {
			var ok bool
			if rest, ok = strings.CutPrefix(rest, "/"); !ok {
				return nil, false
			}
		}
		if s.kind == segTail {
			v, err := url.PathUnescape(rest)
			if err != nil {
				return nil, false
			}
			return append(params, Param{s.text, v}), true
		}
		seg := rest
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			seg, rest = rest[:j], rest[j:]
		} else {
			rest = ""
		}
		switch s.kind {
		case segLiteral:
			if seg != s.text {
				if u, err := url.PathUnescape(seg); err != nil || u != s.text {
					return nil, false
				}
			}
		case segParam:
			if seg == "" {
				return nil, false
			}
			v, err := url.PathUnescape(seg)
			if err != nil {
				return nil, false
			}
			if params == nil {
				params = make([]Param, 0, len(c.segs))
			}
			params = append(params, Param{s.text, v})
		}
	}
	return params, rest == ""
}

func defaultReadOnly(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// FallbackName names a call no route matched: the method in title case
// followed by each path segment in PascalCase, leaving out segments that
// contain a digit (identifiers, versions) and empty ones, at most 128
// characters. GET /orders/1 is GetOrders, POST /v1/line-items is
// PostLineItems, DELETE /orders/7/items/9 is DeleteOrdersItems, GET / is
// Get.
func FallbackName(method, path string) string {
	b := make([]byte, 0, 32)
	b = appendPascal(b, strings.ToLower(method))
	for seg := range strings.SplitSeq(path, "/") {
		if len(b) >= 128 {
			break
		}
		if seg == "" || strings.ContainsAny(seg, "0123456789") {
			continue
		}
		if u, err := url.PathUnescape(seg); err == nil {
			seg = u
		}
		b = appendPascal(b, seg)
	}
	if len(b) > 128 {
		b = b[:128]
	}
	if len(b) == 0 {
		return "Unknown"
	}
	return string(b)
}

// appendPascal appends the ASCII letters of s, upper-casing the first of
// each run.
func appendPascal(b []byte, s string) []byte {
	up := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			if up {
				c -= 'a' - 'A'
			}
			b = append(b, c)
			up = false
		case c >= 'A' && c <= 'Z':
			b = append(b, c)
			up = false
		default:
			up = true
		}
	}
	return b
}
