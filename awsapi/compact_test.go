package awsapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// compactReference is compactObject as encoding/json gives it.
func compactReference(detail string) ([]byte, bool) {
	s := strings.TrimLeft(detail, " \t\r\n")
	if s == "" || s[0] != '{' {
		return nil, false
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return nil, false
	}
	return b.Bytes(), true
}

func TestCompactObject(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{}`, `{}`},
		{" \n{ \"a\" : [ 1 , -2.5e+3 , true , false , null , { } , [ ] ] }\t", `{"a":[1,-2.5e+3,true,false,null,{},[]]}`},
		{`{"s":"x \" \\ \/ \b \f \n \r \t \u00e9 y"}`, `{"s":"x \" \\ \/ \b \f \n \r \t \u00e9 y"}`},
		{"{\"raw\":\"\xff é\"}", "{\"raw\":\"\xff é\"}"},
		{`{"n":0}`, `{"n":0}`},
		{`{"n":-0.0E-0}`, `{"n":-0.0E-0}`},
		{`[]`, ``},
		{`"s"`, ``},
		{``, ``},
		{`{"n":01}`, ``},
		{`{"n":1.}`, ``},
		{`{"n":.5}`, ``},
		{`{"n":1e}`, ``},
		{`{"n":-}`, ``},
		{`{"n":+1}`, ``},
		{`{"a":tru}`, ``},
		{`{"a":truex}`, ``},
		{`{"a":1,}`, ``},
		{`{"a" 1}`, ``},
		{`{a:1}`, ``},
		{`{"a":[1,]}`, ``},
		{`{"a":"\x"}`, ``},
		{`{"a":"\u12G4"}`, ``},
		{`{"a":"\u12"}`, ``},
		{"{\"a\":\"tab\there\"}", ``},
		{`{"a":1}}`, ``},
		{`{"a":1} x`, ``},
		{`{"a":1`, ``},
		{"{\"a\":1}\u00a0", ``},
	} {
		got, ok := compactObject(c.in)
		ref, refOK := compactReference(c.in)
		if ok != refOK || !bytes.Equal(got, ref) {
			t.Errorf("%q: got %q %v, encoding/json %q %v", c.in, got, ok, ref, refOK)
		}
		if ok != (c.want != "") || string(got) != c.want {
			t.Errorf("%q: got %q %v, want %q", c.in, got, ok, c.want)
		}
	}
}

func TestCompactObjectDepth(t *testing.T) {
	nest := func(n int) string {
		return `{"a":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + "}"
	}
	for _, n := range []int{maxCompactDepth, maxCompactDepth + 1} {
		_, ok := compactObject(nest(n))
		_, refOK := compactReference(nest(n))
		if ok != refOK || ok != (n <= maxCompactDepth) {
			t.Errorf("depth %d: ok %v, encoding/json %v", n, ok, refOK)
		}
	}
}

// FuzzCompactObject holds compactObject to encoding/json's Compact.
func FuzzCompactObject(f *testing.F) {
	for _, s := range []string{`{}`, ` { "a" : [ 1 , -2.5e+3 , true , null , { "b" : "\u00e9\n" } ] } `, `{"n":01}`, "{\"x\":\"\xff\"}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := compactObject(s)
		ref, refOK := compactReference(s)
		if ok != refOK || !bytes.Equal(got, ref) {
			t.Fatalf("%q: got %q %v, encoding/json %q %v", s, got, ok, ref, refOK)
		}
	})
}

func BenchmarkCompactObject(b *testing.B) {
	detail := `{"store":17,"order":"o-1234-5","total":15.95,"items":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}]}`
	b.Run("compactObject", func(b *testing.B) {
		for b.Loop() {
			compactObject(detail)
		}
	})
	b.Run("json.Compact", func(b *testing.B) {
		for b.Loop() {
			compactReference(detail)
		}
	})
}
