package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/trailbridge/trailbridge/internal/ctrules"
	"github.com/trailbridge/trailbridge/pattern"
)

// scalingBench matches the shared CloudTrail records, in their EventBridge
// envelope, against 10 and then 10,000 CloudTrail-style rules, and reports
// events/s for both and the heap the larger rule set holds.
func scalingBench(shared string, passes int) error {
	traffic, err := ctrules.Load(filepath.Join(shared, "data", "cloudtrail", "invictus-ir"))
	if err != nil {
		return err
	}
	fmt.Printf("\nCloudTrail rules: %d events (%d distinct calls), %d passes per size (best shown)\n",
		len(traffic.Events), len(traffic.Calls), passes)
	fmt.Printf("%-8s %12s %10s %12s %14s\n", "rules", "events/s", "vs 10", "heap MB", "build s")
	var base float64
	for _, n := range []int{10, 1000, 10000} {
		rules := traffic.Rules(n)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		m := pattern.NewMatcher()
		for i, r := range rules {
			if err := m.Add(strconv.Itoa(i), []byte(r)); err != nil {
				return fmt.Errorf("rule %d: %w", i, err)
			}
		}
		build := time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
		best := 0.0
		matched := 0
		for p := 0; p < passes; p++ {
			matched = 0
			start := time.Now()
			for r := 0; r < 20; r++ { // the file set is small: go round it
				for _, ev := range traffic.Events {
					ids, err := m.Match(ev)
					if err != nil {
						return err
					}
					matched += len(ids)
				}
			}
			best = max(best, float64(20*len(traffic.Events))/time.Since(start).Seconds())
		}
		if n == 10 {
			base = best
		}
		runtime.KeepAlive(m)
		fmt.Printf("%-8d %12.0f %9.2fx %12.1f %14.2f   (%d matches per pass)\n", n, best, best/base, heap, build.Seconds(), matched)
	}
	return nil
}
