package pattern

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// conformanceDir is where CI lays the shared conformance data: beside the
// repository.
var conformanceDir = filepath.Join("..", "..", "shared", "conformance")

type patternCase struct {
	Name      string  `json:"name"`
	Pattern   string  `json:"pattern"`
	Event     string  `json:"event"`
	Expected  string  `json:"expected"`
	Error     *string `json:"error"`
	ErrorCode *string `json:"error_code"`
	ErrorRaw  *string `json:"error_raw"`
}

func readPatternCases(t *testing.T) []patternCase {
	t.Helper()
	f, err := os.Open(filepath.Join(conformanceDir, "patterns.jsonl"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("conformance data not found at %s (shared/ is not beside the repository)", conformanceDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []patternCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<20)
	for sc.Scan() {
		var c patternCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("case %d: %v", len(cases)+1, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestConformancePatterns runs every case recorded against AWS through
// Test, as TestEventPattern, and through a Matcher.
func TestConformancePatterns(t *testing.T) {
	cases := readPatternCases(t)
	counts := map[string]int{}
	for _, c := range cases {
		counts[c.Expected]++
		t.Run(c.Name, func(t *testing.T) {
			got, err := Test([]byte(c.Pattern), []byte(c.Event))
			switch c.Expected {
			case "match", "nomatch":
				if err != nil {
					t.Fatalf("Test: unexpected error %v", err)
				}
				if want := c.Expected == "match"; got != want {
					t.Fatalf("Test = %v, want %v", got, want)
				}
				m := NewMatcher()
				if err := m.Add("r", []byte(c.Pattern)); err != nil {
					t.Fatalf("Add: %v", err)
				}
				ids, err := m.Match([]byte(c.Event))
				if err != nil {
					t.Fatalf("Match: %v", err)
				}
				if got := len(ids) == 1; got != (c.Expected == "match") {
					t.Fatalf("Match = %v, want %s", ids, c.Expected)
				}
			case "invalid":
				var ipe *InvalidPatternError
				if !errors.As(err, &ipe) {
					t.Fatalf("Test error = %v, want an InvalidPatternError", err)
				}
				first, _, _ := strings.Cut(err.Error(), "\n")
				if strings.HasPrefix(c.Name, "invalid_json") {
					// The parser's own wording: compare what we emulate.
					if !strings.HasPrefix(first, "Event pattern is not valid. Reason: ") {
						t.Fatalf("error %q lacks the AWS prefix", first)
					}
				}
				if first != *c.Error {
					t.Errorf("error first line\n got %q\nwant %q", first, *c.Error)
				}
				if c.ErrorRaw != nil && err.Error() != *c.ErrorRaw {
					t.Errorf("whole error\n got %q\nwant %q", err.Error(), *c.ErrorRaw)
				}
				if verr := Validate([]byte(c.Pattern)); verr == nil || verr.Error() != err.Error() {
					t.Errorf("Validate = %v, want %v", verr, err)
				}
			case "invalid-event":
				var iee *InvalidEventError
				if !errors.As(err, &iee) || err.Error() != *c.Error {
					t.Fatalf("Test error = %v, want %q", err, *c.Error)
				}
			default:
				t.Fatalf("unknown expectation %q", c.Expected)
			}
		})
	}
	want := map[string]int{"match": 84, "nomatch": 61, "invalid": 42, "invalid-event": 3}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%d %s cases read, the conformance README lists %d", counts[k], k, n)
		}
	}
}
