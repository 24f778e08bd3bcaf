package main

import (
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/trailbridge/trailbridge/natsjs"
)

// BenchmarkPutEvents measures PutEvents as users see it: concurrent SDK
// clients (in this process, so they share its two cores with the server)
// send 10-entry batches to a bus with 100 rules, each with its own target.
// With match=one every event matches one rule and the router records its
// delivery (ten targets per call: the heaviest fan-out); with match=none
// no event matches, as most audited API calls match no alerting rule. It
// reports accepted events per second and the latency of PutEvents calls,
// for several numbers of clients, with the default disk sync (every write)
// and, for comparison, with syncing every two minutes. Delivery is off,
// so that the figures are those of accepting and routing (the router still
// records every delivery); BenchmarkDelivery and BenchmarkQueues measure
// delivering.
//
//	go test -run '^$' -bench PutEvents -benchtime 4000x ./cmd/trailbridge
func BenchmarkPutEvents(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(serveGCPercent())) // as serve runs
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(serveProcs()))
	for _, match := range []bool{true, false} {
		for _, clients := range []int{1, 4, 8, 16, 32} {
			for _, sync := range []string{"always", "2m"} {
				name := fmt.Sprintf("match=one/clients=%d/sync=%s", clients, sync)
				if !match {
					name = fmt.Sprintf("match=none/clients=%d/sync=%s", clients, sync)
				}
				b.Run(name, func(b *testing.B) { benchPutEvents(b, clients, sync, match) })
			}
		}
	}
}

func benchPutEvents(b *testing.B, clients int, syncMode string, match bool) {
	o := serveOptions{Addr: "127.0.0.1:0", DataDir: b.TempDir(), Region: "us-east-1", AccountID: "123456789012", Sync: syncMode, noDelivery: true}
	a, err := startApp(b.Context(), o, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	const rules = 100
	setup := sdkClient(a.URL, "AKIDBENCH", "x")
	for i := range rules {
		name := fmt.Sprintf("store-%03d", i)
		must(setup.PutRule(b.Context(), &eb.PutRuleInput{Name: aws.String(name),
			EventPattern: aws.String(fmt.Sprintf(`{"source":["shop"],"detail-type":["Order Placed"],"detail":{"store":[%d],"total":[{"numeric":[">",0]}]}}`, i))}))
		must(setup.PutTargets(b.Context(), &eb.PutTargetsInput{Rule: aws.String(name), Targets: []types.Target{
			{Id: aws.String("t"), Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:q")}}}))
	}
	var mu sync.Mutex
	var lat []time.Duration
	var next atomic.Int64
	var failed atomic.Int64
	source := "shop"
	if !match {
		source = "warehouse" // no rule names it
	}
	// Exactly clients goroutines, each one SDK client calling in a loop:
	// b.RunParallel would start a multiple of GOMAXPROCS, which serve sets
	// above the number of CPUs.
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Go(func() {
			c := sdkClient(a.URL, "AKIDBENCH", "x")
			var mine []time.Duration
			for {
				n := next.Add(1) - 1
				if n >= int64(b.N) {
					break
				}
				entries := make([]types.PutEventsRequestEntry, 10)
				for j := range entries {
					entries[j] = types.PutEventsRequestEntry{Source: aws.String(source), DetailType: aws.String("Order Placed"),
						Detail: aws.String(fmt.Sprintf(`{"store":%d,"order":"o-%d-%d","total":%d.95,"items":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}]}`, (n*10+int64(j))%rules, n, j, 10+j))}
				}
				t0 := time.Now()
				out, err := c.PutEvents(b.Context(), &eb.PutEventsInput{Entries: entries})
				mine = append(mine, time.Since(t0))
				if err != nil || out.FailedEntryCount != 0 {
					failed.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d PutEvents calls failed", n)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(len(lat)*10)/elapsed.Seconds(), "events/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")

	// How long the router takes to record every delivery after the last
	// PutEvents returned: until its consumer has nothing left.
	routed := time.Now()
	waitRouted(b, a)
	b.ReportMetric(float64(time.Since(routed).Milliseconds()), "route-drain-ms")
	es, err := a.Engine.JetStream().Stream(b.Context(), natsjs.EventsStream)
	if err != nil {
		b.Fatal(err)
	}
	einfo, err := es.Info(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(lat)*10)/float64(einfo.State.LastSeq), "events/commit")
}
