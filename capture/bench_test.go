package capture

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// discardSink accepts everything.
type discardSink struct{}

func (discardSink) Put(context.Context, []Captured) error { return nil }

const benchBody = `{"item":"book","qty":2,"note":"leave at the door"}`

// benchClients is the number of concurrent keep-alive clients.
var benchClients = flag.Int("clients", 8, "concurrent clients of BenchmarkProxyOverhead*")

// benchWork is how long the upstream works on each call: 0 measures the
// proxies against an API that does nothing at all, the harshest case;
// an API that reads a database spends a millisecond or more.
var benchWork = flag.Duration("upstream-work", 0, "time the upstream of BenchmarkProxyOverhead* spends on each call")

// benchSetup starts the upstream, a plain reverse proxy and a capturing
// proxy (with its spool on disk and a sink that accepts everything), and
// returns their URLs by variant.
func benchSetup(b *testing.B) (map[string]string, *Handoff) {
	b.Helper()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if *benchWork > 0 {
			time.Sleep(*benchWork)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"o-1","status":"NEW","total":12.5}`)
	}))
	b.Cleanup(upstream.Close)
	u, _ := url.Parse(upstream.URL)

	plain := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.SetXForwarded()
		},
		Transport: NewTransport(),
	})
	b.Cleanup(plain.Close)

	h, err := NewHandoff(HandoffConfig{Dir: b.TempDir(), Sink: discardSink{}, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	routes, err := NewRoutes([]Route{{Method: "POST", Path: "/orders", Name: "CreateOrder"}})
	if err != nil {
		b.Fatal(err)
	}
	proxy, err := NewProxy(Config{EventSource: "orders.example.com", Account: "111122223333", Namer: routes, Logger: quietLogger()}, u, h)
	if err != nil {
		b.Fatal(err)
	}
	capture := httptest.NewServer(proxy)
	b.Cleanup(capture.Close)
	return map[string]string{"direct": upstream.URL, "plain-proxy": plain.URL, "capture-proxy": capture.URL}, h
}

// load is the latencies and duration of one run.
type load struct {
	lat     []time.Duration
	elapsed time.Duration
}

func (l *load) add(o load) {
	l.lat = append(l.lat, o.lat...)
	l.elapsed += o.elapsed
}

func (l load) pct(p float64) time.Duration {
	s := slices.Clone(l.lat)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func (l load) rate() float64 { return float64(len(l.lat)) / l.elapsed.Seconds() }

// runLoad sends n POSTs to base/orders from *benchClients keep-alive
// clients at once.
func runLoad(b *testing.B, client *http.Client, base string, n int) load {
	var next atomic.Int64
	lats := make([][]time.Duration, *benchClients)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range *benchClients {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				t0 := time.Now()
				resp, err := client.Post(base+"/orders", "application/json", strings.NewReader(benchBody))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lats[i] = append(lats[i], time.Since(t0))
			}
		})
	}
	wg.Wait()
	l := load{elapsed: time.Since(start)}
	for _, s := range lats {
		l.lat = append(l.lat, s...)
	}
	return l
}

func benchClient() *http.Client {
	t := NewTransport()
	t.MaxIdleConnsPerHost = *benchClients * 2
	return &http.Client{Transport: t}
}

func report(b *testing.B, prefix string, l load) {
	b.ReportMetric(float64(l.pct(0.50).Nanoseconds())/1e3, prefix+"p50-µs")
	b.ReportMetric(float64(l.pct(0.99).Nanoseconds())/1e3, prefix+"p99-µs")
	b.ReportMetric(l.rate(), prefix+"req/s")
}

// BenchmarkProxyOverhead measures each way of reaching the upstream on
// its own: directly, through a plain httputil.ReverseProxy, and through
// the capturing proxy.
func BenchmarkProxyOverhead(b *testing.B) {
	urls, _ := benchSetup(b)
	for _, v := range []string{"direct", "plain-proxy", "capture-proxy"} {
		b.Run(v, func(b *testing.B) {
			client := benchClient()
			runLoad(b, client, urls[v], 200) // warm the connections
			b.ResetTimer()
			l := runLoad(b, client, urls[v], b.N)
			b.StopTimer()
			b.ReportMetric(0, "ns/op")
			report(b, "", l)
		})
	}
}

// BenchmarkProxyOverheadSideBySide interleaves the three variants in
// rounds, so that they share the machine's conditions, and reports all
// of them and the capturing proxy's cost: added p50 over direct,
// throughput as a share of direct's and of the plain proxy's. With -v it
// logs a table.
func BenchmarkProxyOverheadSideBySide(b *testing.B) {
	urls, h := benchSetup(b)
	variants := []string{"direct", "plain-proxy", "capture-proxy"}
	clients := map[string]*http.Client{}
	for _, v := range variants {
		clients[v] = benchClient()
		runLoad(b, clients[v], urls[v], 200)
	}
	const rounds = 10
	per := max(b.N/rounds, 100)
	res := map[string]*load{}
	for _, v := range variants {
		res[v] = &load{}
	}
	b.ResetTimer()
	for r := range rounds {
		for i := range variants {
			v := variants[(i+r)%len(variants)]
			res[v].add(runLoad(b, clients[v], urls[v], per))
		}
	}
	b.StopTimer()
	b.ReportMetric(0, "ns/op")
	d, p, c := res["direct"], res["plain-proxy"], res["capture-proxy"]
	report(b, "direct-", *d)
	report(b, "plain-", *p)
	report(b, "capture-", *c)
	b.ReportMetric(float64((c.pct(0.5)-d.pct(0.5)).Nanoseconds())/1e3, "added-p50-µs")
	b.ReportMetric(100*c.rate()/d.rate(), "capture/direct-%")
	b.ReportMetric(100*c.rate()/p.rate(), "capture/plain-%")
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n%d clients, %d requests per variant\n%-14s %10s %10s %12s\n", *benchClients, len(d.lat), "variant", "p50 µs", "p99 µs", "req/s")
	for _, v := range variants {
		l := res[v]
		fmt.Fprintf(&sb, "%-14s %10.1f %10.1f %12.0f\n", v, float64(l.pct(0.5).Nanoseconds())/1e3, float64(l.pct(0.99).Nanoseconds())/1e3, l.rate())
	}
	fmt.Fprintf(&sb, "capture adds %.1f µs at p50; throughput %.1f%% of direct, %.1f%% of plain proxy\n",
		float64((c.pct(0.5)-d.pct(0.5)).Nanoseconds())/1e3, 100*c.rate()/d.rate(), 100*c.rate()/p.rate())
	st := h.Stats()
	fmt.Fprintf(&sb, "hand-off: accepted %d, spooled %d, sent %d, dropped %d\n", st.Accepted, st.Spooled, st.Sent, st.Dropped)
	b.Log(sb.String())
}

// BenchmarkMiddleware measures the capture path in process, without the
// network: the request goroutine's share (ns/op, allocs/op) while the
// hand-off builds, spools and "sends" the records in the background.
func BenchmarkMiddleware(b *testing.B) {
	h, err := NewHandoff(HandoffConfig{Dir: b.TempDir(), Sink: discardSink{}, Capacity: 1 << 16, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	defer func() { cancel(); <-done }()
	routes, _ := NewRoutes([]Route{{Method: "POST", Path: "/orders", Name: "CreateOrder"}})
	rec, _ := NewRecorder(Config{EventSource: "orders.example.com", Namer: routes, Logger: quietLogger()}, h)
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"o-1","status":"NEW","total":12.5}`)
	})
	for _, v := range []struct {
		name string
		h    http.Handler
	}{{"bare", api}, {"captured", rec.Middleware(api)}} {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			body := strings.NewReader(benchBody)
			req := httptest.NewRequest("POST", "/orders", body)
			req.Header.Set("Content-Type", "application/json")
			w := &discardWriter{h: http.Header{}}
			for b.Loop() {
				body.Reset(benchBody)
				req.Body = io.NopCloser(body)
				clear(w.h)
				v.h.ServeHTTP(w, req)
			}
		})
	}
	b.Logf("%+v", h.Stats())
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}
