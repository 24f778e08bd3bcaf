package sigv4

import (
	"net/url"
	"slices"
	"testing"
)

func TestURIEncode(t *testing.T) {
	tests := []struct {
		in, query, path string
	}{
		{in: "AZaz09-_.~", query: "AZaz09-_.~", path: "AZaz09-_.~"},
		{in: "a b", query: "a%20b", path: "a%20b"},
		{in: "/x/y", query: "%2Fx%2Fy", path: "/x/y"},
		{in: "k=v&w", query: "k%3Dv%26w", path: "k%3Dv%26w"},
		{in: "1+1", query: "1%2B1", path: "1%2B1"},
		{in: "café €", query: "caf%C3%A9%20%E2%82%AC", path: "caf%C3%A9%20%E2%82%AC"},
		{in: "%20", query: "%2520", path: "%2520"},
	}
	for _, tc := range tests {
		if got := uriEncode(tc.in, true); got != tc.query {
			t.Errorf("uriEncode(%q, true) = %q, want %q", tc.in, got, tc.query)
		}
		if got := uriEncode(tc.in, false); got != tc.path {
			t.Errorf("uriEncode(%q, false) = %q, want %q", tc.in, got, tc.path)
		}
	}
}

func TestCanonicalURIs(t *testing.T) {
	tests := []struct {
		path string
		want []string
	}{
		{path: "", want: []string{"/"}},
		{path: "/", want: []string{"/"}},
		{path: "/000000000000/q", want: []string{"/000000000000/q"}},
		{path: "/a%20b/", want: []string{"/a%2520b/"}},
		{path: "//a/./b/../c", want: []string{"/a/c", "//a/./b/../c"}},
		{path: "/..", want: []string{"/", "/.."}},
		{path: "/a/b/..//", want: []string{"/a/", "/a/b/..//"}},
	}
	for _, tc := range tests {
		if got := canonicalURIs(tc.path); !slices.Equal(got, tc.want) {
			t.Errorf("canonicalURIs(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct {
		name, raw string
		presigned bool
		want      string
	}{
		{name: "empty", raw: "", want: ""},
		{name: "sorted by name", raw: "b=2&a=1&c", want: "a=1&b=2&c="},
		// "a%2Fb" sorts before "a-b" though "a/b" sorts after it: SigV4
		// sorts the encoded forms.
		{name: "sorted after encoding", raw: "k=a-b&k=a%2Fb", want: "k=a%2Fb&k=a-b"},
		{name: "plus is a space", raw: "q=a+b", want: "q=a%20b"},
		{name: "encoded plus", raw: "q=a%2Bb", want: "q=a%2Bb"},
		{name: "presigned leaves out the signature", raw: "X-Amz-Signature=abc&X-Amz-Date=1", presigned: true, want: "X-Amz-Date=1"},
		{name: "header-signed keeps X-Amz-Signature", raw: "X-Amz-Signature=abc", want: "X-Amz-Signature=abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			if got := canonicalQuery(q, tc.presigned); got != tc.want {
				t.Errorf("canonicalQuery(%q) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}

func TestCanonicalHeaderValue(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"plain":               "plain",
		"  a   b  c ":         "a b c",
		"\tattempt=1;  max=3": "attempt=1; max=3",
	} {
		if got := canonicalHeaderValue(in); got != want {
			t.Errorf("canonicalHeaderValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseAmzDate(t *testing.T) {
	for s, ok := range map[string]bool{
		"20240301T120000Z":     true,
		"20240229T235959Z":     true,
		"20230229T000000Z":     false, // not a leap year
		"20240301T250000Z":     false,
		"20240301T1200000":     false,
		"2024-03-01T12:00:00Z": false,
		"20240301T12000Z":      false,
		"+0240301T120000Z":     false,
		"":                     false,
	} {
		if _, got := parseAmzDate(s); got != ok {
			t.Errorf("parseAmzDate(%q) ok = %v, want %v", s, got, ok)
		}
	}
}
