package capture

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The OpenAPI extensions RoutesFromOpenAPI reads on an operation.
const (
	ExtReadOnly  = "x-trailbridge-read-only"  // true or false: overrides the method's default
	ExtDataEvent = "x-trailbridge-data-event" // true: a data event
)

// RoutesFromOpenAPI reads an OpenAPI 3 document (JSON or YAML) and
// returns a route for each operation: its path template (under each
// server URL's base path, e.g. /v1 of https://api.example.com/v1), its
// method, its operationId as the name (when it has none, FallbackName of
// the template without its parameters: PUT /documents/{id} is
// PutDocuments), and the x-trailbridge-read-only and
// x-trailbridge-data-event extensions. The document is validated.
// Requests are matched by NewRoutes' table, not by the servers' hosts,
// so a proxy in front of the API names calls whatever Host they carry.
func RoutesFromOpenAPI(data []byte) ([]Route, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("capture: openapi: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("capture: openapi: %w", err)
	}
	bases := []string{""}
	if len(doc.Servers) > 0 {
		bases = bases[:0]
		for _, s := range doc.Servers {
			base, err := s.BasePath()
			if err != nil {
				return nil, fmt.Errorf("capture: openapi: server %q: %w", s.URL, err)
			}
			base = strings.TrimSuffix(base, "/")
			if !slices.Contains(bases, base) {
				bases = append(bases, base)
			}
		}
	}
	var routes []Route
	if doc.Paths == nil {
		return nil, nil
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Find(path)
		for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
			http.MethodDelete, http.MethodOptions, http.MethodTrace, http.MethodConnect} {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			name := op.OperationID
			if name == "" {
				name = FallbackName(method, withoutParams(path))
			}
			r := Route{Method: method, Name: name}
			if v, ok := op.Extensions[ExtReadOnly]; ok {
				b, ok := v.(bool)
				if !ok {
					return nil, fmt.Errorf("capture: openapi: %s %s: %s must be true or false", method, path, ExtReadOnly)
				}
				r.ReadOnly = &b
			}
			if v, ok := op.Extensions[ExtDataEvent]; ok {
				b, ok := v.(bool)
				if !ok {
					return nil, fmt.Errorf("capture: openapi: %s %s: %s must be true or false", method, path, ExtDataEvent)
				}
				r.DataEvent = b
			}
			for _, base := range bases {
				r.Path = base + path
				routes = append(routes, r)
			}
		}
	}
	return routes, nil
}

// withoutParams drops a template's parameter segments.
func withoutParams(template string) string {
	segs := strings.Split(template, "/")
	return strings.Join(slices.DeleteFunc(segs, func(s string) bool { return strings.HasPrefix(s, "{") }), "/")
}
