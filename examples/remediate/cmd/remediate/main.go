// Command remediate runs one of the example remediation functions on the
// EventBridge event on its standard input, as a trailbridge function
// target, and prints what it did as one line of JSON:
//
//	remediate disable-user < event.json
//
// Its environment is described in package remediate's Run. It exits with
// status 1 when the function fails (a malformed event, an API error) and
// 2 on a usage error.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/trailbridge/trailbridge/examples/remediate"
)

func main() {
	if len(os.Args) != 2 || strings.HasPrefix(os.Args[1], "-") {
		fmt.Fprintf(os.Stderr, "usage: remediate FUNCTION < event.json\nfunctions: %s\n", strings.Join(remediate.Names(), ", "))
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := remediate.Run(ctx, os.Args[1], os.Stdin, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
