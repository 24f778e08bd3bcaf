package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const envelope = `{"id":"1","account":"000000000000","source":"aws.iam","time":"2026-01-01T00:00:00Z","region":"us-east-1","detail-type":"AWS API Call via CloudTrail","resources":[],"detail":{"eventName":"CreateUser"}}`

func TestTestEventPatternCommand(t *testing.T) {
	dir := t.TempDir()
	eventFile := filepath.Join(dir, "event.json")
	if err := os.WriteFile(eventFile, []byte(envelope), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"match", []string{"--event-pattern", `{"detail":{"eventName":[{"prefix":"Create"}]}}`, "--event", envelope},
			0, `{"Result": true}` + "\n", ""},
		{"no match", []string{"--event-pattern", `{"source":["aws.s3"]}`, "--event", envelope},
			0, `{"Result": false}` + "\n", ""},
		{"event from a file", []string{"--event-pattern", `{"source":["aws.iam"]}`, "--event", "file://" + eventFile},
			0, `{"Result": true}` + "\n", ""},
		{"invalid pattern", []string{"--event-pattern", `{"source":"aws.iam"}`, "--event", envelope},
			2, "", `InvalidEventPatternException) when calling the TestEventPattern operation: Event pattern is not valid. Reason: "source" must be an object or an array`},
		{"invalid event", []string{"--event-pattern", `{"source":["aws.iam"]}`, "--event", `{"source":"aws.iam"}`},
			2, "", "(ValidationException) when calling the TestEventPattern operation: Parameter Event is not valid."},
		{"missing file", []string{"--event-pattern", `{"source":["aws.iam"]}`, "--event", "file://" + filepath.Join(dir, "nope.json")},
			2, "", "--event: open "},
		{"missing flag", []string{"--event", envelope}, 2, "", "usage: trailbridge test-event-pattern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), append([]string{"test-event-pattern"}, tc.args...), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tc.code, stderr.String())
			}
			if stdout.String() != tc.stdout {
				t.Errorf("stdout %q, want %q", stdout.String(), tc.stdout)
			}
			if !strings.Contains(stderr.String(), tc.stderr) || (tc.stderr == "" && stderr.Len() > 0) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tc.stderr)
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"frobnicate"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `unknown command "frobnicate"`) {
		t.Fatalf("code %d, stderr %q", code, stderr.String())
	}
}
