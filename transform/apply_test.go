package transform

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

const applyEvent = `{"version":"0","id":"id-1","detail-type":"Thing Happened","source":"my.app","account":"111111111111",` +
	`"time":"2024-07-11T13:55:46Z","region":"us-east-1","resources":["arn:a"],` +
	`"detail":{"s":"a b","q":"say \"hi\"","n":12.5,"b":false,"z":null,"e":"","nl":"x\ny","u":"caf\u00e9",` +
	`"o":{"k":"v","l":[1,"x"]},"a":["p","q"],"items":[{"id":"i1"},{"id":"i2"}]}}`

var applyPaths = map[string]string{
	"s": "$.detail.s", "q": "$.detail.q", "n": "$.detail.n", "b": "$.detail.b", "z": "$.detail.z",
	"e": "$.detail.e", "nl": "$.detail.nl", "u": "$.detail.u", "o": "$.detail.o", "a": "$.detail.a",
	"missing": "$.detail.notinmessage", "ids": "$.detail.items[*].id", "none": "$.detail.items[*].x",
	"bad": "$..s", "dt": "$.detail-type",
}

var applyCtx = Context{
	RuleArn:       "arn:aws:events:us-east-1:111111111111:rule/bus/my-rule",
	RuleName:      "my-rule",
	IngestionTime: time.Date(2024, 7, 11, 13, 55, 47, 123_456_789, time.FixedZone("CEST", 2*3600)),
}

func applyTemplate(t *testing.T, tmpl string) ([]byte, bool) {
	t.Helper()
	tr, err := Compile(Spec{InputPathsMap: applyPaths, InputTemplate: &tmpl})
	if err != nil {
		t.Fatalf("Compile(%s): %v", tmpl, err)
	}
	out, ok, err := tr.Apply([]byte(applyEvent), applyCtx)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return out, ok
}

func TestStringTemplates(t *testing.T) {
	for _, tt := range []struct{ name, tmpl, want string }{
		{"scalars raw", `"<s> and <n> and <b>"`, `"a b and 12.5 and false"`},
		{"object without quotes", `"<o>"`, `"{k:v,l:[1,x]}"`},
		{"array without quotes", `"<a>!"`, `"[p,q]!"`},
		{"wildcard matches as a list", `"ids <ids>"`, `"ids [i1,i2]"`},
		{"wildcard without matches", `"<none>"`, `"[]"`},
		{"missing is empty", `"[<missing>]"`, `"[]"`},
		{"null is empty", `"[<z>]"`, `"[]"`},
		{"empty string", `"[<e>]"`, `"[]"`},
		{"path outside the subset is empty", `"[<bad>]"`, `"[]"`},
		{"repeated placeholder", `"users/<s>/second/<s>"`, `"users/a b/second/a b"`},
		{"escapes are decoded", `"<u>"`, `"café"`},
		// Values are not escaped: the quote breaks the JSON string, and
		// EventBridge delivers it so anyway.
		{"values are not escaped", `"<q>"`, `"say "hi""`},
		{"newline inserted as is", `"<nl>"`, "\"x\ny\""},
		{"escaped quotes of the template stay", `"instance \"<s>\" is in <n>"`, `"instance \"a b\" is in 12.5"`},
		{"special starting characters", `"{[/Check <dt>"`, `"{[/Check Thing Happened"`},
		{"text without quotes", `<s> is in state <n>`, `a b is in state 12.5`},
		{"several lines kept", "\"<s> one\"\n\"<n> two\"", "\"a b one\"\n\"12.5 two\""},
		{"surrounding space kept", ` "<s>" `, ` "a b" `},
		{"angle brackets that are not placeholders", `"a <= <s> >= c <not one>"`, `"a <= a b >= c <not one>"`},
		{"no placeholders", `"constant"`, `"constant"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := applyTemplate(t, tt.tmpl)
			if !ok || string(got) != tt.want {
				t.Fatalf("Apply(%s) = %q, %v; want %q", tt.tmpl, got, ok, tt.want)
			}
		})
	}
}

func TestJSONTemplates(t *testing.T) {
	for _, tt := range []struct{ name, tmpl, want string }{
		{"bare string gets quotes", `{"x": <s>}`, `{"x":"a b"}`},
		{"bare string keeps its escapes", `{"x": <q>}`, `{"x":"say \"hi\""}`},
		{"quoted string", `{"x" : "<s>"}`, `{"x":"a b"}`},
		{"text around a quoted value", `{"path": "users/<s>/x"}`, `{"path":"users/a b/x"}`},
		{"repeated in one string", `{"m": "users/<s>/second/<s>"}`, `{"m":"users/a b/second/a b"}`},
		{"object embedded", `{"bod": <o>}`, `{"bod":{"k":"v","l":[1,"x"]}}`},
		{"array embedded", `{"l": <a>}`, `{"l":["p","q"]}`},
		{"number and boolean raw", `{"n": <n>, "b": <b>}`, `{"n":12.5,"b":false}`},
		{"number in a string", `{"n": "n=<n>"}`, `{"n":"n=12.5"}`},
		{"boolean in a string", `{"b": "<b>"}`, `{"b":"false"}`},
		{"missing bare is the empty string", `{"x": <missing>}`, `{"x":""}`},
		{"missing quoted is empty", `{"x": "a<missing>b"}`, `{"x":"ab"}`},
		{"null bare is the empty string", `{"x": <z>}`, `{"x":""}`},
		{"empty string bare", `{"x": <e>}`, `{"x":""}`},
		{"inside an array", `{"bod": [<s>, "hardcoded", <n>]}`, `{"bod":["a b","hardcoded",12.5]}`},
		{"nested objects", `{"a": {"b": {"c": "users/<s>"} }, "d": "<s>"}`, `{"a":{"b":{"c":"users/a b"}},"d":"a b"}`},
		{"escaped quotes around a value", `{"m": "instance \"<s>\" is in <n>"}`, `{"m":"instance \"a b\" is in 12.5"}`},
		{"wildcard matches embedded", `{"ids": <ids>}`, `{"ids":["i1","i2"]}`},
		{"array template", `[<s>, <n>, <a>]`, `["a b",12.5,["p","q"]]`},
		{"multi-line is minified", "{\n  \"a\": <s>,\n  \"b\": [ 9, <n>, true ]\n}\n", `{"a":"a b","b":[9,12.5,true]}`},
		{"leading space", "  {\"a\": <n>}", `{"a":12.5}`},
		{"space inside strings kept", `{"a b": " <s> "}`, `{"a b":" a b "}`},
		{"bare placeholder as a key", `{<s>: 1}`, `{"a b":1}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := applyTemplate(t, tt.tmpl)
			if !ok || string(got) != tt.want {
				t.Fatalf("Apply(%s) = %q, %v; want %q", tt.tmpl, got, ok, tt.want)
			}
		})
	}
}

// TestJSONTemplatesNotDelivered: a JSON template that does not render to
// JSON delivers nothing and is not an error.
func TestJSONTemplatesNotDelivered(t *testing.T) {
	for _, tt := range []struct{ name, tmpl string }{
		{"object in quotes", `{"payload": "<o>"}`},
		{"object in a longer string", `{"x": "users/<o>", "bod": <o>}`},
		{"list in quotes", `{"l": "<a>"}`},
		{"wildcard list in quotes", `{"l": "<ids>"}`},
		{"quote in a value placed in quotes", `{"q": "<q>"}`},
		{"newline in a value placed in quotes", `{"q": "<nl>"}`},
		{"template that is not JSON", `{"a": <s>`},
		{"text after the JSON", `{"a": <s>} extra`},
		{"missing value as an object key", `{<missing> 1}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := applyTemplate(t, tt.tmpl); ok {
				t.Fatalf("Apply(%s) = %q, want nothing delivered", tt.tmpl, got)
			}
		})
	}
}

func TestPredefinedVariables(t *testing.T) {
	const eventNoDetail = `{"id":"id-1","account":"111111111111","detailType":"Thing Happened","time":"2024-07-11T13:55:46Z",` +
		`"source":"my.app","region":"us-east-1","resources":["arn:a"],"version":"0"}`
	for _, tt := range []struct{ name, tmpl, want string }{
		{"rule and time as JSON values",
			`{"arn": <aws.events.rule-arn>, "name": <aws.events.rule-name>, "t": <aws.events.event.ingestion-time>}`,
			`{"arn":"arn:aws:events:us-east-1:111111111111:rule/bus/my-rule","name":"my-rule","t":"2024-07-11T11:55:47.123Z"}`},
		{"in a string template",
			`"Message <aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"`,
			`"Message arn:aws:events:us-east-1:111111111111:rule/bus/my-rule my-rule 2024-07-11T11:55:47.123Z"`},
		{"in quotes of a JSON template", `{"m": "<aws.events.rule-name> triggered"}`, `{"m":"my-rule triggered"}`},
		{"the event without detail, keys as AWS writes them", `{"originalEvent": <aws.events.event>}`,
			`{"originalEvent":` + eventNoDetail + `}`},
		{"the whole event", `{"originalEventJson": <aws.events.event.json>}`, `{"originalEventJson":` + applyEvent + `}`},
		{"both", `{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}`,
			`{"originalEvent":` + eventNoDetail + `,"originalEventJson":` + applyEvent + `}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := applyTemplate(t, tt.tmpl)
			if !ok || string(got) != tt.want {
				t.Fatalf("Apply(%s) =\n %q, %v; want\n %q", tt.tmpl, got, ok, tt.want)
			}
		})
	}
}

func TestPredefinedEventExtraFields(t *testing.T) {
	// A replayed event carries replay-name; it follows the envelope fields.
	// Space in the event is not carried over.
	event := `{"version":"0","id":"id-1","detail-type":"t","source":"s","account":"1","time":"2024-07-11T13:55:46Z",` +
		`"region":"r","replay-name":"rp","resources":[ "x" ],"detail":{"a":1}}`
	tr, err := Compile(Spec{InputTemplate: ptr(`{"e": <aws.events.event>}`)})
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := tr.Apply([]byte(event), Context{})
	if err != nil || !ok {
		t.Fatalf("Apply: %v, %v", ok, err)
	}
	want := `{"e":{"id":"id-1","account":"1","detailType":"t","time":"2024-07-11T13:55:46Z","source":"s","region":"r",` +
		`"resources":["x"],"version":"0","replay-name":"rp"}}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestPredefinedEscaping(t *testing.T) {
	tr, err := Compile(Spec{InputTemplate: ptr(`{"name": <aws.events.rule-name>}`)})
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := tr.Apply([]byte(applyEvent), Context{RuleName: "a\"b\\c\n"})
	if err != nil || !ok {
		t.Fatalf("Apply: %v, %v", ok, err)
	}
	if want := `{"name":"a\"b\\c\n"}`; string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestInputPath(t *testing.T) {
	for _, tt := range []struct {
		name, path string
		want       string // "" when nothing is delivered
	}{
		{"object", "$.detail.o", `{"k":"v","l":[1,"x"]}`},
		{"string with quotes", "$.detail.s", `"a b"`},
		{"number", "$.detail.n", `12.5`},
		{"whole event", "$", applyEvent},
		{"missing delivers nothing", "$.detail.notinmessage", ""},
		{"null delivers nothing", "$.detail.z", ""},
		{"wildcard", "$.detail.items[*].id", `["i1","i2"]`},
		{"wildcard without matches", "$.detail.items[*].x", `[]`},
		{"outside the subset delivers nothing", "$['detail']", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := Compile(Spec{InputPath: &tt.path})
			if err != nil {
				t.Fatal(err)
			}
			got, ok, err := tr.Apply([]byte(applyEvent), applyCtx)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if ok {
					t.Fatalf("delivered %s, want nothing", got)
				}
				return
			}
			if !ok || string(got) != tt.want {
				t.Fatalf("got %s, %v; want %s", got, ok, tt.want)
			}
		})
	}
}

func TestApplyWholeEventAndInput(t *testing.T) {
	ev := []byte(applyEvent)
	tr, err := Compile(Spec{})
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := tr.Apply(ev, applyCtx)
	if err != nil || !ok || !bytes.Equal(got, ev) {
		t.Fatalf("whole event: %s, %v, %v", got, ok, err)
	}

	in := ` {"message": "Hello from EventBridge"} `
	tr, err = Compile(Spec{Input: &in})
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err = tr.Apply(ev, applyCtx)
	if err != nil || !ok || string(got) != in {
		t.Fatalf("Input: %q, %v, %v", got, ok, err)
	}
	got[1] = 'X' // the payload is the caller's
	if again, _, _ := tr.Apply(ev, applyCtx); string(again) != in {
		t.Fatalf("Input changed by a caller: %q", again)
	}
}

func TestApplyBadEvent(t *testing.T) {
	for _, spec := range []Spec{
		{InputPath: ptr("$.detail")},
		{InputPath: ptr("$..x")},
		{InputPathsMap: map[string]string{"a": "$.a"}, InputTemplate: ptr(`"<a>"`)},
		{InputTemplate: ptr(`{"e": <aws.events.event>}`)},
	} {
		tr, err := Compile(spec)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := tr.Apply([]byte(`{"detail": {`), applyCtx); err == nil || ok {
			t.Errorf("%+v over a truncated event: ok=%v err=%v, want an error", spec, ok, err)
		}
	}
}

func TestDeepEvents(t *testing.T) {
	nest := func(n int) []byte {
		return []byte(`{"a":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`)
	}
	if _, _, err := Path(nest(maxDepth-2), "$.a"); err != nil {
		t.Fatalf("depth %d: %v", maxDepth-1, err)
	}
	if _, _, err := Path(nest(maxDepth+10), "$.a"); err == nil {
		t.Fatalf("depth %d: no error", maxDepth+10)
	}
}

// TestApplyConcurrent: one Transformer serves many goroutines (run with
// -race).
func TestApplyConcurrent(t *testing.T) {
	tr, err := Compile(Spec{InputPathsMap: applyPaths,
		InputTemplate: ptr(`{"s": <s>, "ids": <ids>, "e": <aws.events.event>, "o": "<n>"}`)})
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := tr.Apply([]byte(applyEvent), applyCtx)
	done := make(chan string)
	for range 8 {
		go func() {
			for range 50 {
				got, ok, err := tr.Apply([]byte(applyEvent), applyCtx)
				if err != nil || !ok || !bytes.Equal(got, want) {
					done <- string(got)
					return
				}
			}
			done <- ""
		}()
	}
	for range 8 {
		if got := <-done; got != "" {
			t.Fatalf("concurrent Apply = %s, want %s", got, want)
		}
	}
}
