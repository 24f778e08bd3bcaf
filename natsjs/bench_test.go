package natsjs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
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
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				start := time.Now()
				for range callers {
					wg.Go(func() {
						var mine []time.Duration
						for next.Add(1) <= int64(b.N) {
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
				}
				wg.Wait()
				el := time.Since(start)
				slices.Sort(lat)
				b.ReportMetric(float64(len(lat)*10)/el.Seconds(), "events/s")
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}

// BenchmarkCommitLatency measures how long one synced write takes at 1,000
// writes a second, the load of the delivery latency target: a bare 1 KiB
// append with fsync to a growing file, the same write over a file whose
// blocks already exist, and an event appended to the events stream with
// every write synced and with syncing every two minutes. It shows how much
// of an event's ingestion-to-delivery latency the disk and JetStream's
// synced commit take before any routing or delivery begins.
//
//	go test -run '^$' -bench CommitLatency -benchtime 3000x ./natsjs
func BenchmarkCommitLatency(b *testing.B) {
	block := make([]byte, 1024)
	fileWrite := func(prealloc bool) func(b *testing.B) func() error {
		return func(b *testing.B) func() error {
			f, err := os.Create(filepath.Join(b.TempDir(), "log"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { f.Close() })
			if prealloc {
				if _, err := f.Write(make([]byte, len(block)*(b.N+1))); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			var off int64
			return func() error {
				if _, err := f.WriteAt(block, off); err != nil {
					return err
				}
				off += int64(len(block))
				return f.Sync()
			}
		}
	}
	appendEvent := func(sync time.Duration) func(b *testing.B) func() error {
		return func(b *testing.B) func() error {
			e, err := Open(b.Context(), Options{DataDir: b.TempDir(), SyncInterval: sync})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(e.Close)
			ev := []trailbridge.Accepted{{Bus: "default", Event: make([]byte, 1024), Ingested: time.Now()}}
			return func() error { return e.Append(b.Context(), ev) }
		}
	}
	for _, c := range []struct {
		name  string
		setup func(b *testing.B) func() error
	}{
		{"file-append-fsync", fileWrite(false)},
		{"file-overwrite-fsync", fileWrite(true)},
		{"events-sync-always", appendEvent(0)},
		{"events-sync-2m", appendEvent(2 * time.Minute)},
	} {
		b.Run(c.name, func(b *testing.B) {
			op := c.setup(b)
			lat := make([]time.Duration, 0, b.N)
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			b.ResetTimer()
			for range b.N {
				<-tick.C
				t0 := time.Now()
				if err := op(); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(at(0.5), "p50-ms")
			b.ReportMetric(at(0.99), "p99-ms")
			b.ReportMetric(at(0.999), "p99.9-ms")
		})
	}
}

// BenchmarkPublishDeliveries measures what storing one routed batch's
// deliveries costs, by how many targets it reaches (ten 350-byte events
// each), with every write synced: as storeDeliveries writes them (one by
// one up to maxPlainDeliveries messages, else as an atomic batch), and
// always one by one or always as an atomic batch for comparison. A message
// written alone costs one sync; an atomic batch costs a fixed amount for
// the store JetStream stages it in (a folder with synced metadata, created
// and removed per batch) and then a little per message, and one sync.
//
//	go test -run '^$' -bench PublishDeliveries -benchtime 300x ./natsjs
func BenchmarkPublishDeliveries(b *testing.B) {
	for _, how := range []string{"chosen", "each", "atomic"} {
		for _, targets := range []int{1, 6, 7, 20, 80} {
			if how != "chosen" && targets == 1 {
				continue
			}
			b.Run(fmt.Sprintf("%s/targets=%d", how, targets), func(b *testing.B) {
				e, err := Open(b.Context(), Options{DataDir: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				defer e.Close()
				var ds []trailbridge.Delivery
				for t := range targets {
					for range 10 {
						ds = append(ds, trailbridge.Delivery{Bus: "default", Rule: fmt.Sprintf("rule-%02d", t), Target: "t",
							Event: make([]byte, 350), Ingested: time.Now()})
					}
				}
				msgs := func() []*nats.Msg {
					var out []*nats.Msg
					for t := range targets {
						data := []byte{deliveryVersion}
						for _, d := range ds[t*10 : t*10+10] {
							data = appendDelivery(data, d)
						}
						out = append(out, &nats.Msg{Subject: DeliverySubject("default", fmt.Sprintf("rule-%02d", t), "t"), Data: data})
					}
					return out
				}
				b.ResetTimer()
				for range b.N {
					switch how {
					case "chosen":
						err = e.storeDeliveries(b.Context(), ds)
					case "each":
						err = e.publishEach(b.Context(), msgs())
					case "atomic":
						err = e.publishBatch(b.Context(), msgs())
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/batch")
			})
		}
	}
}
