// Command trailbridge is a self-hosted CloudTrail + EventBridge: it captures
// API calls as audit events, matches them against EventBridge event patterns
// and routes them to targets.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand; run returns the process exit code.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"serve", "run the API, the router and the schedules on JetStream", serveCommand},
		{"intercept", "run a capturing proxy that sends its records to a trailbridge server", interceptCommand},
		{"ingest", "put the records of CloudTrail log files on a bus, once each", ingestCommand},
		{"test-event-pattern", "check whether an event matches an event pattern", testEventPatternCommand},
		{"demo", "run the seed's scenarios end to end: intercepted calls, rules, remediation, notifications", demoCommand},
		{"remediate", "run one of the demo's remediation functions on an event read from stdin", remediateCommand},
		{"verify-logs", "check a compliance copy's log files against its digests", verifyLogsCommand},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "trailbridge: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: trailbridge <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-20s %s\n", c.name, c.summary)
	}
}
