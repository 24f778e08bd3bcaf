package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/trailbridge/trailbridge/examples/remediate"
)

// remediateCommand runs one of the demo's remediation functions: the event
// on stdin, what it did on stdout. The demo's function targets run it.
func remediateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintf(stderr, "usage: trailbridge remediate FUNCTION < event.json\nfunctions: %s\n", strings.Join(remediate.Names(), ", "))
		return 2
	}
	if err := remediate.Run(ctx, args[0], os.Stdin, stdout, os.Getenv); err != nil {
		fmt.Fprintf(stderr, "trailbridge remediate %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
