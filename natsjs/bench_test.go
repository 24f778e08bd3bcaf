package natsjs

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge"
)

// BenchmarkAppend measures group commit alone: concurrent callers append
// 10 events each, as PutEvents does, with every write synced to disk.
//
//	go test -run '^$' -bench Append ./natsjs
func BenchmarkAppend(b *testing.B) {
	for _, consume := range []bool{false, true} {
		for _, callers := range []int{1, 4, 16, 64} {
			b.Run(fmt.Sprintf("consume=%v/callers=%d", consume, callers), func(b *testing.B) {
				e, err := Open(b.Context(), Options{DataDir: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				defer e.Close()
				if consume {
					go e.ConsumeEvents(b.Context(), func(context.Context, []trailbridge.Accepted) error { return nil })
				}
				ev := make([]trailbridge.Accepted, 10)
				for i := range ev {
					ev[i] = trailbridge.Accepted{Bus: "default", Event: make([]byte, 300), Ingested: time.Now()}
				}
				var mu sync.Mutex
				var lat []time.Duration
				b.SetParallelism(max(1, callers/2))
				b.ResetTimer()
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					var mine []time.Duration
					for pb.Next() {
						t0 := time.Now()
						if err := e.Append(b.Context(), ev); err != nil {
							b.Error(err)
							return
						}
						mine = append(mine, time.Since(t0))
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				})
				el := time.Since(start)
				slices.Sort(lat)
				b.ReportMetric(float64(len(lat)*10)/el.Seconds(), "events/s")
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}
