package transform

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// conformanceDir is where CI lays the shared conformance data: beside the
// repository.
var conformanceDir = filepath.Join("..", "..", "shared", "conformance")

// transformerCases is how many cases the README of the data announces; a
// truncated file must fail, not pass with fewer.
const transformerCases = 42

type transformerCase struct {
	Name             string  `json:"name"`
	Event            string  `json:"event"`
	Input            *string `json:"input"`
	InputPath        *string `json:"input_path"`
	InputTransformer *struct {
		InputPathsMap map[string]string
		InputTemplate *string
	} `json:"input_transformer"`
	ExpectedBody      *string `json:"expected_body"`
	BodyCompare       *string `json:"body_compare"`
	ExpectedError     *string `json:"expected_error"`
	ExpectedErrorCode *string `json:"expected_error_code"`
	TargetID          *string `json:"target_id"`
}

func (c *transformerCase) spec() Spec {
	s := Spec{Input: c.Input, InputPath: c.InputPath}
	if it := c.InputTransformer; it != nil {
		s.InputPathsMap, s.InputTemplate = it.InputPathsMap, it.InputTemplate
	}
	return s
}

func readTransformerCases(t testing.TB) []transformerCase {
	t.Helper()
	f, err := os.Open(filepath.Join(conformanceDir, "transformers.jsonl"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("conformance data not found at %s (shared/ is not beside the repository)", conformanceDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []transformerCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<20)
	for sc.Scan() {
		var c transformerCase
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

// TestConformanceTransformers runs every case recorded against AWS: the
// PutTargets error, the exact body, the body as a JSON value, or nothing
// delivered.
func TestConformanceTransformers(t *testing.T) {
	cases := readTransformerCases(t)
	if len(cases) != transformerCases {
		t.Fatalf("read %d cases, the data announces %d", len(cases), transformerCases)
	}
	ctx := Context{
		RuleArn:       "arn:aws:events:us-east-1:111111111111:rule/test-bus/test-rule",
		RuleName:      "test-rule",
		IngestionTime: time.Date(2024, 7, 11, 13, 55, 46, 0, time.UTC),
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			tr, err := Compile(c.spec())
			if c.ExpectedError != nil {
				var te TargetError
				if !errors.As(err, &te) {
					t.Fatalf("Compile error = %v, want a TargetError: %s", err, *c.ExpectedError)
				}
				if got := te.Message(*c.TargetID); got != *c.ExpectedError {
					t.Errorf("message = %q, want %q", got, *c.ExpectedError)
				}
				if got := te.Code(); got != *c.ExpectedErrorCode {
					t.Errorf("code = %q, want %q", got, *c.ExpectedErrorCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, ok, err := tr.Apply([]byte(c.Event), ctx)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if c.ExpectedBody == nil {
				if ok {
					t.Fatalf("delivered %s, want nothing", got)
				}
				return
			}
			if !ok {
				t.Fatalf("delivered nothing, want %s", *c.ExpectedBody)
			}
			switch *c.BodyCompare {
			case "exact":
				if string(got) != *c.ExpectedBody {
					t.Fatalf("body:\n got %q\nwant %q", got, *c.ExpectedBody)
				}
			case "json":
				if !jsonEqual(t, got, []byte(*c.ExpectedBody)) {
					t.Fatalf("body:\n got %s\nwant %s", got, *c.ExpectedBody)
				}
			default:
				t.Fatalf("unknown body_compare %q", *c.BodyCompare)
			}
		})
	}
}

// jsonEqual compares two JSON texts as values, numbers by their text.
func jsonEqual(t testing.TB, a, b []byte) bool {
	t.Helper()
	decode := func(b []byte) any {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("not JSON: %v: %s", err, b)
		}
		return v
	}
	return reflect.DeepEqual(decode(a), decode(b))
}
