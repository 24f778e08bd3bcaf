package pattern

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// addConformanceSeeds seeds a fuzz target with the recorded patterns or
// events, when the shared folder is there.
func addConformanceSeeds(f *testing.F, field string) {
	file, err := os.Open(filepath.Join(conformanceDir, "patterns.jsonl"))
	if err != nil {
		return
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<20)
	for sc.Scan() {
		var c map[string]any
		if json.Unmarshal(sc.Bytes(), &c) == nil {
			if s, ok := c[field].(string); ok {
				f.Add([]byte(s))
			}
		}
	}
}

// FuzzCompile: any text gets a verdict without panicking; refusals carry
// EventBridge's prefix; anything accepted is valid JSON, keeps being
// accepted, and can be matched.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{`{"a":["b"]}`, `{"a":[{"wildcard":"*x*"}]}`, `{"$or":[{"a":[1]},{"b":[{"numeric":[">",1,"<",2]}]}]}`,
		`{"a":[{"anything-but":{"prefix":["x","y"]}}]}`, `{"a":[{"cidr":"10.0.0.0/8"}]}`, `{"a`, `[1]`, `{"a":{"b":{}}}`} {
		f.Add([]byte(s))
	}
	addConformanceSeeds(f, "pattern")
	event := []byte(`{"a":"x","b":[1,{"c":null}],"d.e":true}`)
	f.Fuzz(func(t *testing.T, pattern []byte) {
		err := Validate(pattern)
		if err != nil {
			var ipe *InvalidPatternError
			var tle *PatternTooLongError
			switch {
			case errors.As(err, &ipe):
				if !strings.HasPrefix(err.Error(), "Event pattern is not valid. Reason: ") || ipe.Reason == "" {
					t.Fatalf("malformed refusal %q", err)
				}
			case errors.As(err, &tle):
			default:
				t.Fatalf("refusal of unexpected type %T: %v", err, err)
			}
			return
		}
		if !json.Valid(pattern) {
			t.Fatalf("accepted invalid JSON %q", pattern)
		}
		m := NewMatcher()
		if err := m.Add("p", pattern); err != nil {
			t.Fatalf("Validate accepted, Add refused: %v", err)
		}
		if _, err := m.Match(event); err != nil {
			t.Fatalf("Match: %v", err)
		}
	})
}

// FuzzMatchEvent: any bytes as an event, against patterns that look at
// many places, without panicking; a JSON object never errs.
func FuzzMatchEvent(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":[{"b":"\u00e9\ud83d\ude80"}]}`, `{"a.b":{"c":[[1,2],[3]]}}`, `[1]`, `{"a":`, `{"a":"\`, `  {"x":1e999}  `} {
		f.Add([]byte(s))
	}
	addConformanceSeeds(f, "event")
	m := NewMatcher()
	for i, p := range []string{
		`{"a":[{"exists":true}]}`, `{"a":{"b":[{"prefix":"x"}],"c":[{"numeric":[">",0]}]}}`,
		`{"detail":{"state":[{"anything-but":"x"}]}}`, `{"a.b":{"c":[1,2,{"exists":false}]}}`,
		`{"x":[{"wildcard":"*1*"}],"y":[{"cidr":"10.0.0.0/8"}]}`, `{"$or":[{"a":[null]},{"b":[true]}]}`,
	} {
		if err := m.Add(string(rune('a'+i)), []byte(p)); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, event []byte) {
		_, err := m.Match(event)
		var obj map[string]json.RawMessage
		if err != nil && json.Unmarshal(event, &obj) == nil && obj != nil {
			t.Fatalf("Match refused a JSON object %q: %v", event, err)
		}
	})
}
