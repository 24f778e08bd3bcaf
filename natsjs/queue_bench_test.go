package natsjs

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge"
)

// BenchmarkQueue measures the queue store with every write synced (the
// default): 8 clients send b.N messages of 200 bytes, one or ten per Send
// (SendMessage, SendMessageBatch), then 8 clients receive them ten at a
// time and delete each, as SQS consumers do.
//
//	go test -run '^$' -bench Queue -benchtime 20000x ./natsjs
func BenchmarkQueue(b *testing.B) {
	const clients = 8
	for _, per := range []int{1, 10} {
		b.Run(fmt.Sprintf("clients=%d/per-send=%d", clients, per), func(b *testing.B) {
			e, err := Open(b.Context(), Options{DataDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			q, err := e.Queues()
			if err != nil {
				b.Fatal(err)
			}
			ctx := b.Context()
			if err := q.OpenQueue(ctx, "bench", time.Hour); err != nil {
				b.Fatal(err)
			}
			body := string(make([]byte, 200))
			b.ResetTimer()

			var next atomic.Int64
			var wg sync.WaitGroup
			start := time.Now()
			for range clients {
				wg.Go(func() {
					for {
						first := next.Add(int64(per)) - int64(per)
						if first >= int64(b.N) {
							return
						}
						n := min(per, b.N-int(first))
						ms := make([]trailbridge.QueueMessage, n)
						for i := range ms {
							ms[i] = trailbridge.QueueMessage{ID: strconv.Itoa(int(first) + i), Body: body, SentAt: time.Now()}
						}
						if err := q.Send(ctx, "bench", ms); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			sendRate := float64(b.N) / time.Since(start).Seconds()

			var done atomic.Int64
			start = time.Now()
			for range clients {
				wg.Go(func() {
					for done.Load() < int64(b.N) {
						got, err := q.Receive(ctx, "bench", 10, time.Minute, 100*time.Millisecond)
						if err != nil {
							b.Error(err)
							return
						}
						for _, m := range got {
							if err := q.Delete(ctx, "bench", m.Receipt); err != nil {
								b.Error(err)
								return
							}
						}
						done.Add(int64(len(got)))
					}
				})
			}
			wg.Wait()
			recvRate := float64(b.N) / time.Since(start).Seconds()
			b.ReportMetric(sendRate, "sends/s")
			b.ReportMetric(recvRate, "recv+del/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
