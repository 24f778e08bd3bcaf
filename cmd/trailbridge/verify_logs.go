package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/trailbridge/trailbridge/compliance"
)

// verifyLogsCommand checks a compliance copy: every log file listed in a
// digest with its SHA-256, every digest chained to the one before.
func verifyLogsCommand(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify-logs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jsonOut := fs.Bool("json", false, "print the report as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: trailbridge verify-logs [-json] FOLDER")
		fmt.Fprintln(stderr, "Checks the CloudTrail log files and hourly digests of a compliance copy (Audit.ComplianceDir);")
		fmt.Fprintln(stderr, "exits 1 and names each file when one was changed, removed or added outside the digests.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	r, err := compliance.Verify(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "trailbridge verify-logs: %v\n", err)
		return 1
	}
	if *jsonOut {
		type problem struct{ File, Reason string }
		type chain struct{ Account, Region, Trail, Head, HeadSHA256 string }
		out := struct {
			Dir                        string
			LogFiles, Records, Digests int
			OK                         bool
			Problems                   []problem
			Pending                    []string // log files not yet in a digest
			Chains                     []chain  // keep the heads' hashes elsewhere
		}{Dir: r.Dir, LogFiles: r.LogFiles, Records: r.Records, Digests: r.Digests, OK: r.OK(), Problems: []problem{}, Pending: r.Pending, Chains: []chain{}}
		for _, c := range r.Chains {
			out.Chains = append(out.Chains, chain{c.Account, c.Region, c.Trail, c.Head, c.HeadSHA256})
		}
		for _, p := range r.Problems {
			out.Problems = append(out.Problems, problem{p.File, p.Reason})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(out)
	} else {
		fmt.Fprint(stdout, r.String())
	}
	if !r.OK() {
		return 1
	}
	return 0
}
