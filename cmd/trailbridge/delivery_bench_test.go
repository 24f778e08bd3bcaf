package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
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

// BenchmarkDelivery measures delivery to a local HTTP target (an API
// destination served by httptest in this process) from one server, with
// the default disk sync (every write) and, for comparison, syncing every
// two minutes:
//
//   - drain: a backlog of b.N routed events is delivered by a server that
//     starts with it: deliveries per second, start to last delivery.
//
//   - rate=1000: events are put one per PutEvents call at 1,000 per second
//     for b.N events; it reports the ingestion-to-delivery latency of each
//     (EventBridge's IngestionToInvocationSuccessLatency) at p50 and p99.
//     rate=1000/entries=10 puts the events ten per call (100 calls a
//     second, b.N rounded up to a multiple of ten), the call shape of
//     BenchmarkPutEvents; its %-sent-late counts calls.
//
//     go test -run '^$' -bench Delivery -benchtime 20000x ./cmd/trailbridge
func BenchmarkDelivery(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(serveGCPercent())) // as serve runs
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(serveProcs()))
	for _, sync := range []string{"always", "2m"} {
		b.Run("drain/sync="+sync, func(b *testing.B) { benchDrain(b, sync) })
	}
	for _, sync := range []string{"always", "2m"} {
		b.Run("rate=1000/sync="+sync, func(b *testing.B) { benchLatency(b, sync, 1000, 1) })
	}
	for _, sync := range []string{"always", "2m"} {
		b.Run("rate=1000/entries=10/sync="+sync, func(b *testing.B) { benchLatency(b, sync, 1000, 10) })
	}
}

// benchTarget is a local HTTP target that counts what it receives.
func benchTarget(b *testing.B) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
	}))
	srv.Config.SetKeepAlivesEnabled(true)
	b.Cleanup(srv.Close)
	return srv, &n
}

func benchOptions(b *testing.B, dir, syncMode string) serveOptions {
	return serveOptions{Addr: "127.0.0.1:0", DataDir: dir, Region: "us-east-1", AccountID: "123456789012", Sync: syncMode}
}

func benchSetup(b *testing.B, c *eb.Client, url string) {
	ctx := b.Context()
	conn := must(c.CreateConnection(ctx, &eb.CreateConnectionInput{
		Name: aws.String("bench"), AuthorizationType: types.ConnectionAuthorizationTypeApiKey,
		AuthParameters: &types.CreateConnectionAuthRequestParameters{ApiKeyAuthParameters: &types.CreateConnectionApiKeyAuthRequestParameters{
			ApiKeyName: aws.String("x-api-key"), ApiKeyValue: aws.String("bench-key")}},
	}))
	dest := must(c.CreateApiDestination(ctx, &eb.CreateApiDestinationInput{
		Name: aws.String("bench"), ConnectionArn: conn.ConnectionArn, InvocationEndpoint: aws.String(url),
		HttpMethod: types.ApiDestinationHttpMethodPost, InvocationRateLimitPerSecond: aws.Int32(1_000_000),
	}))
	must(c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("orders"), EventPattern: aws.String(`{"source":["shop"]}`)}))
	must(c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("orders"), Targets: []types.Target{
		{Id: aws.String("hook"), Arn: dest.ApiDestinationArn}}}))
}

func benchEntry(n int64) types.PutEventsRequestEntry {
	return types.PutEventsRequestEntry{Source: aws.String("shop"), DetailType: aws.String("Order Placed"),
		Detail: aws.String(fmt.Sprintf(`{"order":"o-%d","total":%d.95,"items":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}]}`, n, n%1000))}
}

func benchDrain(b *testing.B, syncMode string) {
	dir := b.TempDir()
	srv, got := benchTarget(b)
	o := benchOptions(b, dir, syncMode)
	o.noDelivery = true
	a, err := startApp(b.Context(), o, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	c := sdkClient(a.URL, "AKIDBENCH", "x")
	benchSetup(b, c, srv.URL)
	// The backlog: b.N events from 8 clients, 10 per call, all routed.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			c := sdkClient(a.URL, "AKIDBENCH", "x")
			for {
				first := next.Add(10) - 10
				if first >= int64(b.N) {
					return
				}
				entries := make([]types.PutEventsRequestEntry, min(10, int64(b.N)-first))
				for i := range entries {
					entries[i] = benchEntry(first + int64(i))
				}
				if out, err := c.PutEvents(b.Context(), &eb.PutEventsInput{Entries: entries}); err != nil || out.FailedEntryCount != 0 {
					panic(fmt.Sprint("PutEvents: ", err))
				}
			}
		})
	}
	wg.Wait()
	waitRouted(b, a)
	a.Close()

	b.ResetTimer()
	start := time.Now()
	o.noDelivery = false
	a, err = startApp(b.Context(), o, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	deadline := start.Add(5 * time.Minute)
	for got.Load() < int64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d delivered after 5 minutes", got.Load(), b.N)
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
}

// waitRouted waits until the router has recorded the deliveries of every
// event put.
func waitRouted(b *testing.B, a *app) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		c, err := a.Engine.JetStream().Consumer(b.Context(), natsjs.EventsStream, natsjs.RouterConsumer)
		if err != nil {
			b.Fatal(err)
		}
		ci, err := c.Info(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		if ci.NumPending == 0 && ci.NumAckPending == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatal("router did not finish in 2 minutes")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// latencies collects ingestion-to-delivery latencies from the engine.
type latencies struct {
	nopObserver
	mu    sync.Mutex
	d     []time.Duration
	start []time.Duration
}

func (l *latencies) Started(_, _, _ string, d time.Duration) {
	l.mu.Lock()
	l.start = append(l.start, d)
	l.mu.Unlock()
}

func (l *latencies) Succeeded(_, _, _ string, d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.d)
}

type nopObserver struct{}

func (nopObserver) Attempted(string, string, string, bool)          {}
func (nopObserver) Started(string, string, string, time.Duration)   {}
func (nopObserver) Succeeded(string, string, string, time.Duration) {}
func (nopObserver) Failed(string, string, string)                   {}
func (nopObserver) DeadLettered(string, string, string, bool)       {}
func (nopObserver) Throttled(string, string)                        {}
func (nopObserver) NotInvoked(string, string, string, string)       {}

func benchLatency(b *testing.B, syncMode string, rate, entries int) {
	srv, got := benchTarget(b)
	lat := &latencies{}
	o := benchOptions(b, b.TempDir(), syncMode)
	o.deliveryObserver = lat
	a, err := startApp(b.Context(), o, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	benchSetup(b, sdkClient(a.URL, "AKIDBENCH", "x"), srv.URL)

	// Paced: call n, with events n*entries onwards, is due at start +
	// n*entries/rate, sent by whichever of the clients is free.
	const clients = 8
	interval := time.Duration(entries) * time.Second / time.Duration(rate)
	calls := int64((b.N + entries - 1) / entries)
	var next atomic.Int64
	var late atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			c := sdkClient(a.URL, "AKIDBENCH", "x")
			for {
				n := next.Add(1) - 1
				if n >= calls {
					return
				}
				due := start.Add(time.Duration(n) * interval)
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				} else if d < -10*time.Millisecond {
					late.Add(1)
				}
				ctx, cancel := context.WithTimeout(b.Context(), 10*time.Second)
				es := make([]types.PutEventsRequestEntry, entries)
				for j := range es {
					es[j] = benchEntry(n*int64(entries) + int64(j))
				}
				out, err := c.PutEvents(ctx, &eb.PutEventsInput{Entries: es})
				cancel()
				if err != nil || out.FailedEntryCount != 0 {
					panic(fmt.Sprint("PutEvents: ", err))
				}
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(time.Minute)
	want := int(calls) * entries
	for got.Load() < int64(want) || lat.count() < want {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d delivered a minute after the last PutEvents", got.Load(), want)
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	lat.mu.Lock()
	d := slices.Clone(lat.d)
	st := slices.Clone(lat.start)
	lat.mu.Unlock()
	slices.Sort(st)
	b.ReportMetric(float64(st[int(0.99*float64(len(st)-1))].Microseconds())/1000, "start-p99-ms")
	slices.Sort(d)
	pct := func(p float64) float64 { return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(want)/elapsed.Seconds(), "events/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(late.Load())/float64(calls)*100, "%-sent-late")
}
