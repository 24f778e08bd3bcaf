package transform

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const pathEvent = `{"version":"0","id":"e1","detail-type":"t","source":"s","resources":["arn:a","arn:b"],
 "detail":{"payload":{"acc_id":"0a787ecb-4015","sf_id":"baz"},"dash-key":1,"under_score":2,"a/b":3,"k:v":4,
   "items":[{"id":"i1","n":1},{"id":"i2"},{"n":3}],"nothing":null,"text":"x",
   "dup":1,"dup":2,"k\u0065y":"escaped key","spaced":{ "a" : [ 1 , 2 ] }}}`

func TestPath(t *testing.T) {
	for _, tt := range []struct {
		name, path string
		want       string // compact JSON; "" when not found
	}{
		{"root is the whole event compacted", "$", ""},
		{"member", "$.source", `"s"`},
		{"string keeps its quotes", "$.detail.payload.sf_id", `"baz"`},
		{"object", "$.detail.payload", `{"acc_id":"0a787ecb-4015","sf_id":"baz"}`},
		{"index", "$.resources[1]", `"arn:b"`},
		{"index past the end is missing", "$.resources[2]", ""},
		{"index into an object is missing", "$.detail[0]", ""},
		{"member of a string is missing", "$.detail.text.x", ""},
		{"missing member", "$.detail.notinmessage", ""},
		{"dash in a key", "$.detail.dash-key", `1`},
		{"underscore in a key", "$.detail.under_score", `2`},
		{"slash in a key", "$.detail.a/b", `3`},
		{"colon in a key", "$.detail.k:v", `4`},
		{"null is found", "$.detail.nothing", `null`},
		{"duplicate keys: the last wins", "$.detail.dup", `2`},
		{"escaped key", "$.detail.key", `"escaped key"`},
		{"whitespace is removed", "$.detail.spaced", `{"a":[1,2]}`},
		{"index after member", "$.detail.items[0].id", `"i1"`},
		{"wildcard over an array", "$.detail.items[*].id", `["i1","i2"]`},
		{"dot wildcard over an array", "$.resources.*", `["arn:a","arn:b"]`},
		{"wildcard over an object", "$.detail.payload.*", `["0a787ecb-4015","baz"]`},
		{"wildcard with no match is an empty array", "$.detail.items[*].missing", `[]`},
		{"wildcard over a scalar is an empty array", "$.source[*]", `[]`},
		{"two wildcards flatten", "$.detail.spaced.*[*]", `[1,2]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, found, err := Path([]byte(pathEvent), tt.path)
			if err != nil {
				t.Fatalf("Path(%q): %v", tt.path, err)
			}
			if tt.path == "$" {
				if !found || !jsonEqual(t, got, []byte(pathEvent)) || string(appendCompact(nil, got)) != string(got) {
					t.Fatalf("Path($) = %s", got)
				}
				return
			}
			if tt.want == "" {
				if found {
					t.Fatalf("Path(%q) = %s, want not found", tt.path, got)
				}
				return
			}
			if !found || string(got) != tt.want {
				t.Fatalf("Path(%q) = %s, %v; want %s", tt.path, got, found, tt.want)
			}
		})
	}
}

// TestPathDuplicateKeys: a repeated key replaces the whole earlier value,
// as in a parsed tree, also for members a wildcard walks.
func TestPathDuplicateKeys(t *testing.T) {
	var wide strings.Builder
	wide.WriteString(`{"o":{`)
	for i := range 40 {
		fmt.Fprintf(&wide, `"k%d":{"x":%d},`, i, i)
	}
	wide.WriteString(`"k3":{"y":1},"k\u0035":5}}`)
	for _, tt := range []struct{ name, event, path, want string }{
		{"nested path into a replaced object", `{"a":{"b":1},"a":{"c":2}}`, "$.a.b", ""},
		{"nested path into the replacing object", `{"a":{"b":1},"a":{"b":3}}`, "$.a.b", "3"},
		// Matches come in document order; a parsed tree might keep a
		// replaced key at its first position ([3,2]).
		{"wildcard sees the last value", `{"a":1,"b":2,"a":3}`, "$.*", "[2,3]"},
		{"escaped duplicate", `{"a":1,"\u0061":2}`, "$.a", "2"},
		{"wide object: replaced", wide.String(), "$.o.k3.x", ""},
		{"wide object: replaced by an escaped key", wide.String(), "$.o.k5", "5"},
		{"wide object: wildcard", wide.String(), "$.o.*.x", "[0,1,2,4,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, found, err := Path([]byte(tt.event), tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if found != (tt.want != "") || string(got) != tt.want {
				t.Fatalf("Path(%s) = %s, %v; want %q", tt.path, got, found, tt.want)
			}
		})
	}
}

func TestPathRejects(t *testing.T) {
	for _, tt := range []struct{ name, path string }{
		{"empty", ""},
		{"no dollar", "detail.x"},
		{"trailing dot", "$.detail."},
		{"deep scan", "$..detail"},
		{"bracket notation", "$['detail']"},
		{"double-quoted bracket notation", `$["detail"]`},
		{"negative index", "$.resources[-1]"},
		{"leading zero", "$.resources[01]"},
		{"slice", "$.resources[0:1]"},
		{"unclosed bracket", "$.resources[0"},
		{"stray bracket", "$.a]"},
		{"text after dollar", "$detail"},
		{"huge index", "$.resources[12345678901]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Path([]byte(pathEvent), tt.path)
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Fatalf("Path(%q) error = %v, want a *PathError", tt.path, err)
			}
		})
	}
}

func TestPathBadEvent(t *testing.T) {
	for _, tt := range []struct{ name, event string }{
		{"empty", ``},
		{"truncated", `{"a":`},
		{"trailing data", `{"a":1} x`},
		{"bad literal", `{"a":tru}`},
		{"bad number", `{"a":01}`},
		{"bad escape", `{"a":"\x"}`},
		{"control character", "{\"a\":\"\x01\"}"},
		{"missing colon", `{"a" 1}`},
		{"missing comma", `[1 2]`},
		{"trailing comma", `[1,]`},
		{"unquoted key", `{a:1}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := Path([]byte(tt.event), "$.a"); err == nil {
				t.Fatalf("Path over %q: no error", tt.event)
			}
		})
	}
}
