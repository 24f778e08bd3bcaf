// Command bench measures trailbridge's event-pattern matcher side by side
// with quamina on the citylots2 rule sets, and its scaling with the number
// of CloudTrail-style rules. It prints figures; it asserts nothing about
// speed, since machines differ, but it does check every match count.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/trailbridge/trailbridge/internal/citylots"
	"github.com/trailbridge/trailbridge/pattern"
	"quamina.net/go/quamina"
)

// quaminaSets are the rule sets quamina v1.5.1 can express.
var quaminaSets = map[string]bool{"EXACT": true, "PREFIX": true, "WILDCARD": true, "EQUALS_IGNORE_CASE": true, "ANYTHING_BUT": true}

func main() {
	shared := flag.String("shared", filepath.Join("..", "..", "shared"), "the shared folder (conformance rules, CloudTrail logs)")
	passes := flag.Int("passes", 3, "timed passes over the events per rule set and matcher; the best is reported")
	only := flag.String("set", "", "run only this rule set, or 'scaling'")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	ctx := context.Background()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	if *only == "" || *only != "scaling" {
		if err := citylotsBench(ctx, *shared, *passes, *only); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	if *only == "" || *only == "scaling" {
		if err := scalingBench(*shared, *passes); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
}

type matcher interface {
	name() string
	add(id, pattern string) error
	match(event []byte) (int, []string, error)
}

type ours struct{ m *pattern.Matcher }

func (o *ours) name() string { return "trailbridge" }
func (o *ours) add(id, p string) error {
	return o.m.Add(id, []byte(p))
}
func (o *ours) match(ev []byte) (int, []string, error) {
	ids, err := o.m.Match(ev)
	return len(ids), ids, err
}

type theirs struct{ q *quamina.Quamina }

func (q *theirs) name() string { return "quamina" }
func (q *theirs) add(id, p string) error {
	return q.q.AddPattern(id, p)
}
func (q *theirs) match(ev []byte) (int, []string, error) {
	xs, err := q.q.MatchesForEvent(ev)
	ids := make([]string, len(xs))
	for i, x := range xs {
		ids[i] = x.(string)
	}
	return len(xs), ids, err
}

// run makes passes over events and returns the best events/s and the
// counts per rule of the last pass. Counting is kept cheap (a short linear
// search instead of a map) so that it weighs little in the timing.
func run(m matcher, names []string, events [][]byte, passes int) (float64, []int, error) {
	best := 0.0
	var counts []int
	for p := 0; p < passes; p++ {
		counts = make([]int, len(names))
		start := time.Now()
		for _, ev := range events {
			_, ids, err := m.match(ev)
			if err != nil {
				return 0, nil, err
			}
			for _, id := range ids {
				for i, n := range names {
					if n == id {
						counts[i]++
						break
					}
				}
			}
		}
		if eps := float64(len(events)) / time.Since(start).Seconds(); eps > best {
			best = eps
		}
	}
	return best, counts, nil
}

func citylotsBench(ctx context.Context, shared string, passes int, only string) error {
	rules, err := citylots.ReadRules(filepath.Join(shared, "conformance"))
	if err != nil {
		return err
	}
	path, err := citylots.DataPath(ctx)
	if err != nil {
		return err
	}
	events, err := citylots.ReadLines(path)
	if err != nil {
		return err
	}
	fmt.Printf("citylots2: %d events, %d passes per matcher and set (best shown), GOMAXPROCS=%d, %s\n",
		len(events), passes, runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Printf("%-26s %14s %14s %7s\n", "set", "trailbridge/s", "quamina/s", "ratio")
	for _, set := range citylots.Sets {
		if only != "" && only != set {
			continue
		}
		var setRules []citylots.Rule
		for _, r := range rules {
			if r.Set == set {
				setRules = append(setRules, r)
			}
		}
		var names []string
		for _, r := range setRules {
			names = append(names, r.Name)
		}
		ms := []matcher{&ours{pattern.NewMatcher()}}
		if quaminaSets[set] {
			q, err := quamina.New()
			if err != nil {
				return err
			}
			ms = append(ms, &theirs{q})
		}
		eps := make([]float64, len(ms))
		for _, m := range ms {
			for _, r := range setRules {
				if err := m.add(r.Name, r.Pattern); err != nil {
					return fmt.Errorf("%s %s %s: %w", m.name(), set, r.Name, err)
				}
			}
			run(m, names, events[:20000], 1) // warm up
		}
		// Alternate the matchers pass by pass so that both see the same
		// machine conditions.
		for p := 0; p < passes; p++ {
			for i, m := range ms {
				e, counts, err := run(m, names, events, 1)
				if err != nil {
					return fmt.Errorf("%s %s: %w", m.name(), set, err)
				}
				for i, r := range setRules {
					if counts[i] != r.Count {
						return fmt.Errorf("%s %s %s: %d matches, want %d", m.name(), set, r.Name, counts[i], r.Count)
					}
				}
				eps[i] = max(eps[i], e)
			}
		}
		if len(ms) == 2 {
			fmt.Printf("%-26s %14.0f %14.0f %6.2fx\n", set, eps[0], eps[1], eps[0]/eps[1])
		} else {
			fmt.Printf("%-26s %14.0f %14s %7s\n", set, eps[0], "-", "-")
		}
	}
	return nil
}
