package transform

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func ptr(s string) *string { return &s }

func TestCompileTargetErrors(t *testing.T) {
	const only = "Only one of Input, InputPath, or InputTransformer must be provided for target t1."
	for _, tt := range []struct {
		name string
		spec Spec
		want string // AWS's message for target t1
	}{
		{"Input and InputPath", Spec{Input: ptr(`{}`), InputPath: ptr("$")}, only},
		{"Input and InputTransformer", Spec{Input: ptr(`{}`), InputTemplate: ptr(`"x"`)}, only},
		{"InputPath and InputTransformer", Spec{InputPath: ptr("$.detail"), InputTemplate: ptr(`"x"`)}, only},
		{"all three", Spec{Input: ptr(`{}`), InputPath: ptr("$"), InputTemplate: ptr(`"x"`)}, only},
		{"placeholder not in the map", Spec{InputPathsMap: map[string]string{"a": "$.a"}, InputTemplate: ptr(`"<a> <b>"`)},
			"InputTemplate for target t1 contains invalid placeholder b."},
		{"the first invalid placeholder is named", Spec{InputTemplate: ptr(`{"x": <zz>, "y": "<aa>"}`)},
			"InputTemplate for target t1 contains invalid placeholder zz."},
		{"a near miss of a predefined name", Spec{InputTemplate: ptr(`"<aws.events.rule>"`)},
			"InputTemplate for target t1 contains invalid placeholder aws.events.rule."},
		{"a placeholder in a quoted key", Spec{InputTemplate: ptr(`{"<k>": 1}`)},
			"InputTemplate for target t1 contains invalid placeholder k."},
		// AWS's answers, as recorded in aws-cli#6711 and community.aws#201
		// (there for target 1 and clone_lambda).
		{"Input that is a bare word", Spec{Input: ptr(`env:dev`)},
			`JSON syntax error in input for target t1: [Source: (String)"env:dev"; line: 1, column: 4]`},
		{"Input with single quotes", Spec{Input: ptr(`{'db_name':'x'}`)},
			`JSON syntax error in input for target t1: [Source: (String)"{'db_name':'x'}"; line: 1, column: 3]`},
		{"Input that ends too soon", Spec{Input: ptr(`{"a":`)},
			`JSON syntax error in input for target t1: [Source: (String)"{"a":"; line: 1, column: 6]`},
		{"Input with trailing text", Spec{Input: ptr(`{} {}`)},
			`JSON syntax error in input for target t1: [Source: (String)"{} {}"; line: 1, column: 5]`},
		{"long Input", Spec{Input: ptr(strings.Repeat("x", 600))},
			`JSON syntax error in input for target t1: [Source: (String)"` + strings.Repeat("x", 500) + `"[truncated 100 chars]; line: 1, column: 601]`},
		{"long Input of emoji, counted in UTF-16 units", Spec{Input: ptr(strings.Repeat("\U0001F600", 300))},
			`JSON syntax error in input for target t1: [Source: (String)"` + strings.Repeat("\U0001F600", 250) + `"[truncated 100 chars]; line: 1, column: 3]`},
		{"Input misspelling a literal on a second line", Spec{Input: ptr("{\n\"a\": tru}")},
			"JSON syntax error in input for target t1: [Source: (String)\"{\n\"a\": tru}\"; line: 2, column: 9]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.spec)
			var te TargetError
			if !errors.As(err, &te) {
				t.Fatalf("Compile error = %v, want a TargetError", err)
			}
			if got := te.Message("t1"); got != tt.want {
				t.Errorf("Message = %q, want %q", got, tt.want)
			}
			if te.Code() != "ValidationException" {
				t.Errorf("Code = %q", te.Code())
			}
		})
	}
}

func TestCompileInvalidPlaceholderName(t *testing.T) {
	_, err := Compile(Spec{InputTemplate: ptr(`"<notdefinedkey>"`)})
	var pe *InvalidPlaceholderError
	if !errors.As(err, &pe) || pe.Name != "notdefinedkey" {
		t.Fatalf("Compile error = %#v, want InvalidPlaceholderError{notdefinedkey}", err)
	}
}

func TestCompileConstraints(t *testing.T) {
	big := map[string]string{}
	for i := 0; i <= MaxPathsMapEntries; i++ {
		big["k"+strconv.Itoa(i)] = "$.a"
	}
	for _, tt := range []struct {
		name   string
		spec   Spec
		member string
	}{
		{"Input too long", Spec{Input: ptr(`"` + strings.Repeat("x", MaxInputLength) + `"`)}, "input"},
		{"InputPath too long", Spec{InputPath: ptr("$." + strings.Repeat("x", MaxPathLength))}, "inputPath"},
		{"map without template", Spec{InputPathsMap: map[string]string{"a": "$.a"}}, "inputTransformer.inputTemplate"},
		{"empty template", Spec{InputTemplate: ptr("")}, "inputTransformer.inputTemplate"},
		{"template too long", Spec{InputTemplate: ptr(strings.Repeat("x", MaxTemplateLength+1))}, "inputTransformer.inputTemplate"},
		{"too many map entries", Spec{InputPathsMap: big, InputTemplate: ptr(`"x"`)}, "inputTransformer.inputPathsMap"},
		{"empty key", Spec{InputPathsMap: map[string]string{"": "$.a"}, InputTemplate: ptr(`"x"`)}, "inputTransformer.inputPathsMap.key"},
		{"dotted key", Spec{InputPathsMap: map[string]string{"AWS.x": "$.a"}, InputTemplate: ptr(`"x"`)}, "inputTransformer.inputPathsMap.key"},
		{"predefined name as key", Spec{InputPathsMap: map[string]string{"aws.events.rule-arn": "$.a"}, InputTemplate: ptr(`"x"`)}, "inputTransformer.inputPathsMap.key"},
		{"space in key", Spec{InputPathsMap: map[string]string{"a b": "$.a"}, InputTemplate: ptr(`"x"`)}, "inputTransformer.inputPathsMap.key"},
		{"path too long", Spec{InputPathsMap: map[string]string{"a": "$." + strings.Repeat("x", MaxPathLength)}, InputTemplate: ptr(`"x"`)}, "inputTransformer.inputPathsMap.value"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.spec)
			var ce *ConstraintError
			if !errors.As(err, &ce) {
				t.Fatalf("Compile error = %v, want a *ConstraintError", err)
			}
			if ce.Member != tt.member {
				t.Errorf("Member = %q, want %q (%v)", ce.Member, tt.member, err)
			}
		})
	}
}

func TestCompileAccepts(t *testing.T) {
	for _, tt := range []struct {
		name string
		spec Spec
	}{
		{"nothing", Spec{}},
		{"Input", Spec{Input: ptr(` {"a": [1, 2]} `)}},
		{"Input of characters, not bytes, at the limit", Spec{Input: ptr(`"` + strings.Repeat("é", MaxInputLength-2) + `"`)}},
		{"InputPath", Spec{InputPath: ptr("$.detail")}},
		// EventBridge does not validate paths: they select nothing.
		{"InputPath outside the subset", Spec{InputPath: ptr("$..x")}},
		{"map path outside the subset", Spec{InputPathsMap: map[string]string{"a": "not a path"}, InputTemplate: ptr(`"<a>"`)}},
		{"predefined variables without a map", Spec{InputTemplate: ptr(
			`{"a": <aws.events.rule-arn>, "b": <aws.events.rule-name>, "c": <aws.events.event.ingestion-time>, "d": <aws.events.event>, "e": <aws.events.event.json>}`)}},
		{"unused map entries", Spec{InputPathsMap: map[string]string{"a": "$.a", "b": "$.b"}, InputTemplate: ptr(`"<a>"`)}},
		{"empty map", Spec{InputPathsMap: map[string]string{}, InputTemplate: ptr(`"constant"`)}},
		{"angle brackets that are not placeholders", Spec{InputTemplate: ptr(`"a <= b, c > d, <not one>, <>"`)}},
		{"template that is not JSON", Spec{InputPathsMap: map[string]string{"a": "$.a"}, InputTemplate: ptr(`<a> is in state`)}},
		{"all 100 map entries", Spec{InputPathsMap: func() map[string]string {
			m := map[string]string{}
			for i := range MaxPathsMapEntries {
				m["k_-"+strconv.Itoa(i)] = "$.a"
			}
			return m
		}(), InputTemplate: ptr(`"x"`)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Compile(tt.spec); err != nil {
				t.Fatalf("Compile: %v", err)
			}
		})
	}
}
