package transform

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzCtx has no characters that need escaping, so that string templates
// over events without escapes stay JSON strings.
var fuzzCtx = Context{RuleArn: "arn:aws:events:us-east-1:1:rule/r", RuleName: "r", IngestionTime: time.Unix(1720706146, 5e8)}

// seedEvents adds the conformance events (when the shared folder is there)
// and the benchmark's CloudTrail event.
func seedEvents(add func(event []byte)) {
	if b, err := os.ReadFile(filepath.Join("testdata", "cloudtrail_event.json")); err == nil {
		add(b)
	}
	add([]byte(applyEvent))
	add([]byte(pathEvent))
	f, err := os.ReadFile(filepath.Join(conformanceDir, "transformers.jsonl"))
	if err != nil {
		return
	}
	for _, line := range bytes.Split(f, []byte("\n")) {
		var c struct{ Event string }
		if json.Unmarshal(line, &c) == nil && c.Event != "" {
			add([]byte(c.Event))
		}
	}
}

// tooDeep reports inputs that may nest past maxDepth, where this package
// and encoding/json legitimately disagree.
func tooDeep(b []byte) bool {
	return bytes.Count(b, []byte("["))+bytes.Count(b, []byte("{")) >= maxDepth
}

// isCompact reports whether b has no whitespace outside its strings.
func isCompact(b []byte) bool { return bytes.Equal(appendCompact(nil, b), b) }

// FuzzPath: any path and event get an answer without panicking; a path
// outside the subset is a *PathError; an event is refused exactly when it
// is not JSON; a value found is compact JSON and, for a path without
// wildcards, the value encoding/json finds there.
func FuzzPath(f *testing.F) {
	paths := []string{"$", "$.detail", "$.detail.payload.sf_id", "$.resources[0]", "$.detail.items[*].id", "$.*", "$..a", "$['a']", "$.a[01]"}
	seedEvents(func(e []byte) {
		for _, p := range paths {
			f.Add(e, p)
		}
	})
	f.Fuzz(func(t *testing.T, event []byte, path string) {
		got, found, err := Path(event, path)
		p, perr := parsePath(path)
		if perr != nil {
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Fatalf("Path(%q) error = %v, want a *PathError", path, err)
			}
			return
		}
		if tooDeep(event) {
			return
		}
		if (err == nil) != json.Valid(event) {
			t.Fatalf("Path over %q: err = %v, json.Valid = %v", event, err, json.Valid(event))
		}
		if err != nil {
			return
		}
		if found && (!json.Valid(got) || !isCompact(got)) {
			t.Fatalf("Path(%q) = %q: not compact JSON", path, got)
		}
		if p.wild && !found {
			t.Fatalf("Path(%q) with a wildcard found nothing", path)
		}
		if p.wild || !utf8.Valid(event) {
			return
		}
		want, wantFound := reference(t, event, p)
		if found != wantFound || found && !jsonEqual(t, got, want) {
			t.Fatalf("Path(%q) over %s = %s, %v; encoding/json finds %s, %v", path, event, got, found, want, wantFound)
		}
	})
}

// reference evaluates a path without wildcards with encoding/json.
func reference(t *testing.T, event []byte, p *path) ([]byte, bool) {
	d := json.NewDecoder(bytes.NewReader(event))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	for _, st := range p.steps {
		switch st.kind {
		case stepMember:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[st.name]; !ok {
				return nil, false
			}
		case stepIndex:
			a, ok := v.([]any)
			if !ok || st.index >= len(a) {
				return nil, false
			}
			v = a[st.index]
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b, true
}

// FuzzCompile: any settings get a verdict without panicking; a refusal is
// one of the documented error types; what is accepted applies to events
// without panicking, and a JSON template delivers compact JSON or nothing.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`"Event of <detail-type> type, at time <timestamp>"`, `{"detailType": <detail-type>, "time": "<timestamp>"}`,
		`{"originalEvent": <aws.events.event>, "j": <aws.events.event.json>}`, `"<aws.events.rule-arn> <aws.events.event.ingestion-time>"`,
		`[<k>, "x"]`, `<k> is in state`, `{"a": "<k>"}`, `"\"<k>\""`, `{"a": <notdefined>}`, `{"a":`, "",
	} {
		f.Add(s, "k", "$.detail.k", "")
	}
	f.Add("", "", "", `{"a": 1}`)
	f.Add(`"<detail-type>"`, "detail-type", "$.detail-type", `x`)
	events := [][]byte{[]byte(applyEvent), []byte(pathEvent)}
	f.Fuzz(func(t *testing.T, template, key, path, input string) {
		specs := []Spec{
			{InputPathsMap: map[string]string{key: path, "detail-type": "$.detail-type", "timestamp": "$.time"}, InputTemplate: &template},
			{InputPath: &path},
			{Input: &input},
			{InputPath: &path, InputTemplate: &template},
		}
		for i, s := range specs {
			tr, err := Compile(s)
			if err != nil {
				var te TargetError
				var ce *ConstraintError
				if !errors.As(err, &te) && !errors.As(err, &ce) {
					t.Fatalf("spec %d: error %T %v is not a documented type", i, err, err)
				}
				if i == 3 && !errors.As(err, new(*MultipleInputsError)) && !errors.As(err, &ce) {
					t.Fatalf("InputPath with a template: %v", err)
				}
				continue
			}
			for _, e := range events {
				out, ok, err := tr.Apply(e, fuzzCtx)
				if err != nil {
					t.Fatalf("spec %d: Apply: %v", i, err)
				}
				if i == 0 && isJSONTemplate(template) && ok && (!json.Valid(out) || !isCompact(out)) {
					t.Fatalf("template %q delivered %q: not compact JSON", template, out)
				}
			}
		}
	})
}

// FuzzApply: any event goes through a transformer without panicking; it
// is refused exactly when it is not JSON; a JSON template delivers compact
// JSON or nothing; a text template is always delivered, and one that is a
// JSON string stays a JSON string when the event has no escapes (values
// are inserted unescaped, so only escapes could break it).
func FuzzApply(f *testing.F) {
	templates := []string{
		`{"detailType": <detail-type>, "time": <timestamp>, "command": <command>}`,
		`"Payload of <payload> with <userId> and <list>"`,
		`{"id": "<userId>", "bod": [<payload>, <all>], "e": <aws.events.event>, "j": <aws.events.event.json>}`,
		`"<aws.events.rule-name> <aws.events.event> <aws.events.event.ingestion-time>"`,
		`<userId> is in state <command>`,
		`{"payload": "<payload>"}`,
	}
	seedEvents(func(e []byte) {
		for _, tm := range templates {
			f.Add(e, tm)
		}
	})
	paths := map[string]string{
		"detail-type": "$.detail-type", "timestamp": "$.time", "command": "$.detail.command",
		"payload": "$.detail.payload", "userId": "$.detail.payload.acc_id", "list": "$.detail.listmulti",
		"all": "$.detail.*", "first": "$.resources[0]", "any": "$.*.*",
	}
	f.Fuzz(func(t *testing.T, event []byte, template string) {
		tr, err := Compile(Spec{InputPathsMap: paths, InputTemplate: &template})
		if err != nil {
			return
		}
		out, ok, err := tr.Apply(event, fuzzCtx)
		if tooDeep(event) {
			return
		}
		if (err == nil) != json.Valid(event) {
			t.Fatalf("Apply over %q: err = %v, json.Valid = %v", event, err, json.Valid(event))
		}
		if err != nil {
			return
		}
		if isJSONTemplate(template) {
			if ok && (!json.Valid(out) || !isCompact(out)) {
				t.Fatalf("template %q delivered %q: not compact JSON", template, out)
			}
			return
		}
		if !ok {
			t.Fatalf("text template %q delivered nothing", template)
		}
		var s string
		if json.Unmarshal([]byte(template), &s) == nil && !bytes.Contains(event, []byte(`\`)) && !json.Valid(out) {
			t.Fatalf("string template %q over %s delivered %q: not a JSON string", template, event, out)
		}
		if !strings.Contains(template, "<") && string(out) != template {
			t.Fatalf("template without placeholders %q delivered %q", template, out)
		}
	})
}
