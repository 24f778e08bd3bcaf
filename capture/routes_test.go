package capture

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestRoutesLookup(t *testing.T) {
	no := false
	rt, err := NewRoutes([]Route{
		{Method: "GET", Path: "/orders", Name: "ListOrders"},
		{Method: "GET", Path: "/orders/{id}", Name: "GetOrder"},
		{Method: "GET", Path: "/orders/export", Name: "ExportOrders"},
		{Method: "POST", Path: "/orders/{id}/items/{item}", Name: "AddItem"},
		{Method: "GET", Path: "/files/{path...}", Name: "GetFile", DataEvent: true},
		{Method: "", Path: "/health", Name: "Health"},
		{Method: "GET", Path: "/health", Name: "GetHealth", ReadOnly: &no},
		{Method: "*", Path: "/", Name: "Root"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path string
		name         string
		readOnly     bool
		data         bool
		params       []Param
	}{
		{"GET", "/orders", "ListOrders", true, false, nil},
		{"GET", "/orders/o-1", "GetOrder", true, false, []Param{{"id", "o-1"}}},
		{"GET", "/orders/export", "ExportOrders", true, false, nil},
		{"GET", "/orders/a%2Fb", "GetOrder", true, false, []Param{{"id", "a/b"}}},
		{"POST", "/orders/o-1/items/7", "AddItem", false, false, []Param{{"id", "o-1"}, {"item", "7"}}},
		{"GET", "/files/", "GetFile", true, true, []Param{{"path", ""}}},
		{"GET", "/files/a/b.txt", "GetFile", true, true, []Param{{"path", "a/b.txt"}}},
		{"GET", "/health", "GetHealth", false, false, nil},
		{"POST", "/health", "Health", false, false, nil},
		{"DELETE", "/", "Root", false, false, nil},
		{"GET", "/orders/", "", false, false, nil},
		{"GET", "/files", "", false, false, nil},
		{"PUT", "/orders/o-1", "", false, false, nil},
		{"GET", "/orders/o-1/extra", "", false, false, nil},
	} {
		name := tc.name
		if name == "" {
			name = "no route"
		}
		t.Run(name+" for "+tc.method+" "+tc.path, func(t *testing.T) {
			op, ok := rt.Lookup(tc.method, tc.path)
			if got, want := ok, tc.name != ""; got != want {
				t.Fatalf("matched = %v (%+v), want %v", got, op, want)
			}
			if !ok {
				return
			}
			if op.Name != tc.name || op.ReadOnly != tc.readOnly || op.DataEvent != tc.data || !slices.Equal(op.Params, tc.params) {
				t.Errorf("got %+v, want name %s readOnly %v data %v params %v", op, tc.name, tc.readOnly, tc.data, tc.params)
			}
		})
	}
}

func TestNewRoutesRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		routes []Route
		want   string
	}{
		{"relative path", []Route{{Path: "orders", Name: "X"}}, "does not start with /"},
		{"partial segment parameter", []Route{{Path: "/files/{name}.json", Name: "X"}}, "whole segment"},
		{"unnamed parameter", []Route{{Path: "/files/{}", Name: "X"}}, "whole segment"},
		{"tail not last", []Route{{Path: "/files/{p...}/x", Name: "X"}}, "must be the last segment"},
		{"repeated parameter", []Route{{Path: "/a/{id}/b/{id}", Name: "X"}}, "appears twice"},
		{"odd parameter name", []Route{{Path: "/a/{i d}", Name: "X"}}, "names are letters"},
		{"missing name", []Route{{Path: "/a"}}, "no name"},
		{"bad method", []Route{{Method: "GE T", Path: "/a", Name: "X"}}, "not a method name"},
		{"same shape twice", []Route{{Method: "GET", Path: "/a/{x}", Name: "X"}, {Method: "get", Path: "/a/{y}", Name: "Y"}}, "match the same requests"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewRoutes(tc.routes)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestFallbackName(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/orders/1", "GetOrders"},
		{"POST", "/v1/line-items", "PostLineItems"},
		{"DELETE", "/orders/7/items/9", "DeleteOrdersItems"},
		{"GET", "/", "Get"},
		{"PATCH", "/user_profiles/me", "PatchUserProfilesMe"},
		{"", "", "Unknown"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := FallbackName(tc.method, tc.path); got != tc.want {
				t.Errorf("FallbackName(%q, %q) = %q, want %q", tc.method, tc.path, got, tc.want)
			}
		})
	}
}

func TestRoutesFromOpenAPI(t *testing.T) {
	doc, err := os.ReadFile("testdata/orders.yaml")
	if err != nil {
		t.Fatal(err)
	}
	routes, err := RoutesFromOpenAPI(doc)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := NewRoutes(routes)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path string
		name         string
		readOnly     bool
		data         bool
	}{
		{"GET", "/v1/orders", "ListOrders", true, false},
		{"POST", "/v1/orders", "CreateOrder", false, false},
		{"GET", "/v1/orders/o-1", "GetOrder", true, false},
		{"DELETE", "/v1/orders/o-1", "CancelOrder", false, false},
		{"POST", "/v1/orders/o-1/quote", "QuoteOrder", true, false},
		{"GET", "/v1/documents/d-1", "DownloadDocument", true, true},
		{"PUT", "/v1/documents/d-1", "PutDocuments", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op, ok := rt.Lookup(tc.method, tc.path)
			if !ok {
				t.Fatalf("%s %s matched nothing", tc.method, tc.path)
			}
			if op.Name != tc.name || op.ReadOnly != tc.readOnly || op.DataEvent != tc.data {
				t.Errorf("got %+v, want %s readOnly %v data %v", op, tc.name, tc.readOnly, tc.data)
			}
		})
	}
	if _, ok := rt.Lookup("GET", "/orders"); ok {
		t.Errorf("a path outside the server's base path matched")
	}
}

func TestRoutesFromOpenAPIRefuses(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"not a document", "nope: [", "openapi"},
		{"extension not a boolean", `openapi: 3.0.3
info: {title: x, version: "1"}
paths:
  /a:
    get:
      x-trailbridge-read-only: "yes"
      responses: {"200": {description: ok}}
`, "must be true or false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RoutesFromOpenAPI([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}
