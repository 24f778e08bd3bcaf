package apidest

import (
	"encoding/json"
	"testing"
	"time"
)

func FuzzLookup(f *testing.F) {
	for _, s := range [][2]string{
		{`{"a":{"b":[{"c":"x"}]}}`, "$.a.b[0].c"},
		{`{"a":1}`, "$.a[99999999999999999999]"},
		{`[1,2]`, "$[1]"},
		{`{"a.b":1}`, "$..["},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, doc, path string) {
		v, ok, err := lookup([]byte(doc), path)
		if ok && (err != nil || !json.Valid(v)) {
			t.Fatalf("lookup(%q, %q) = %q, %v, %v", doc, path, v, ok, err)
		}
	})
}

func FuzzMergeBody(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{}`, `[1]`, `"s"`, `{"a":`, `{"env":{"x":[1,{"y":2}]}}`} {
		f.Add(s, "env", "prod")
	}
	f.Fuzz(func(t *testing.T, payload, key, value string) {
		out := mergeBody([]byte(payload), []Param{{Key: key, Value: value}})
		var obj map[string]any
		if json.Unmarshal([]byte(payload), &obj) == nil && obj != nil && !json.Valid(out) {
			t.Fatalf("mergeBody(%q) = %q, not JSON", payload, out)
		}
	})
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "-1", "Wed, 21 Oct 2015 07:28:00 GMT", "", "9999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) { retryAfter(v, now) })
}

func FuzzParseARN(f *testing.F) {
	for _, s := range []string{destARN, "arn:aws:events:r:a:api-destination/x", "arn:aws:events:r:a:api-destination/", "not"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		name, _, err := parseARN(arn)
		if err == nil && name == "" {
			t.Fatalf("parseARN(%q) accepted an empty name", arn)
		}
	})
}
