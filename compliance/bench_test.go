package compliance

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkAdd measures Add from many goroutines at once (group commit)
// and from one, with the journal synced on every group and without.
func BenchmarkAdd(b *testing.B) {
	rec := record(1, t0, "", "")
	for _, noSync := range []bool{false, true} {
		for _, parallel := range []bool{true, false} {
			name := fmt.Sprintf("sync=%v/parallel=%v", !noSync, parallel)
			b.Run(name, func(b *testing.B) {
				w := open(b, b.TempDir(), newClock(time.Now()), func(c *Config) { c.NoSync = noSync })
				b.SetBytes(int64(len(rec)))
				b.ResetTimer()
				if parallel {
					b.SetParallelism(32) // 32 goroutines a CPU: callers such as proxy requests
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := w.Add(b.Context(), rec); err != nil {
								b.Error(err)
								return
							}
						}
					})
				} else {
					for b.Loop() {
						if err := w.Add(b.Context(), rec); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.StopTimer()
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
			})
		}
	}
}
