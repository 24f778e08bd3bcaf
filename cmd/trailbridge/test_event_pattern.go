package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/trailbridge/trailbridge/pattern"
)

// testEventPatternCommand is the offline twin of
// `aws events test-event-pattern`.
func testEventPatternCommand(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test-event-pattern", flag.ContinueOnError)
	fs.SetOutput(stderr)
	patternArg := fs.String("event-pattern", "", "the event pattern: JSON text, or file://PATH")
	eventArg := fs.String("event", "", "the event: JSON text, or file://PATH")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: trailbridge test-event-pattern --event-pattern PATTERN --event EVENT")
		fmt.Fprintln(stderr, "Prints {\"Result\": true} or {\"Result\": false}; exits 2 on an invalid pattern or event.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *patternArg == "" || *eventArg == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	p, err := cliValue(*patternArg)
	if err != nil {
		fmt.Fprintf(stderr, "trailbridge: --event-pattern: %v\n", err)
		return 2
	}
	e, err := cliValue(*eventArg)
	if err != nil {
		fmt.Fprintf(stderr, "trailbridge: --event: %v\n", err)
		return 2
	}
	ok, err := pattern.Test(p, e)
	if err != nil {
		var ipe *pattern.InvalidPatternError
		var iee *pattern.InvalidEventError
		switch {
		case errors.As(err, &ipe):
			fmt.Fprintf(stderr, "An error occurred (InvalidEventPatternException) when calling the TestEventPattern operation: %s\n", err)
		case errors.As(err, &iee):
			fmt.Fprintf(stderr, "An error occurred (ValidationException) when calling the TestEventPattern operation: %s\n", err)
		default:
			fmt.Fprintf(stderr, "An error occurred (ValidationException) when calling the TestEventPattern operation: %s\n", err)
		}
		return 2
	}
	fmt.Fprintf(stdout, "{\"Result\": %v}\n", ok)
	return 0
}

// cliValue reads a parameter the way the aws CLI does: file://PATH names a
// file, anything else is the value itself.
func cliValue(arg string) ([]byte, error) {
	if path, ok := strings.CutPrefix(arg, "file://"); ok {
		return os.ReadFile(path)
	}
	return []byte(arg), nil
}
