package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, that every problem it reports
// is an *Error with a message, that it is deterministic, and that whatever
// it accepts passes Validate.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"Rules: [{Name: r, EventPattern: {a: [1, 1e3, 0x1F, .inf, !!str 2]}}]",
		"Rules:\n  - &r {Name: r, ScheduleExpression: x, Targets: [&t {Id: t, Arn: a}]}\n  - {<<: *r, Name: s, Targets: [*t, *t]}\n",
		"Queues: [&q {<<: *q}]",
		"Functions: [{Name: f, Url: \"${TB_SECRET}\", Timeout: 1m, Environment: {A: $${B}}}]",
		"Connections: [{Name: c, AuthorizationType: OAUTH_CLIENT_CREDENTIALS, AuthParameters: {OAuthParameters: {HttpMethod: GET}}}]",
		"a: !Ref x\n---\nb: 1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// LinesOf reads any text without panicking, and every line it
		// gives is one of the text's.
		lines := 1 + bytes.Count(data, []byte("\n"))
		for path, l := range LinesOf(data) {
			if l < 1 || l > lines {
				t.Errorf("LinesOf: %s at line %d of %d", path, l, lines)
			}
		}
		file, err := Parse(data, testEnv)
		if err != nil {
			if file != nil {
				t.Errorf("Parse returned a File with an error")
			}
			for _, e := range unjoin(err) {
				var ce *Error
				if !errors.As(e, &ce) || ce.Msg == "" {
					t.Errorf("Parse error %q is not a *Error with a message", e)
				}
			}
			return
		}
		if err := file.Validate(); err != nil {
			t.Errorf("Parse accepted a File that Validate rejects: %v", err)
		}
		again, err := Parse(data, testEnv)
		if err != nil || !reflect.DeepEqual(file, again) {
			t.Errorf("Parse is not deterministic: %v", err)
		}
	})
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
