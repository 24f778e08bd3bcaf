package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds every metric of one process. Its methods are safe for
// concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	matched        *prometheus.CounterVec
	triggered      *prometheus.CounterVec
	dropped        *prometheus.CounterVec
	putCalls       prometheus.Counter
	putEntries     prometheus.Counter
	putFailed      prometheus.Counter
	requests       *prometheus.CounterVec
	requestLatency *prometheus.HistogramVec
}

// New registers trailbridge's metrics, and Go's and the process's, in a
// registry of their own.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &Metrics{
		reg: reg,
		matched: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trailbridge_MatchedEvents",
			Help: "Events that matched at least one rule (EventBridge's MatchedEvents).",
		}, []string{"bus"}),
		triggered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trailbridge_TriggeredRules",
			Help: "Rules that matched an event (EventBridge's TriggeredRules).",
		}, []string{"bus", "rule"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trailbridge_DroppedEvents",
			Help: "Accepted events no rule could receive, by reason: NoSuchBus (the bus was deleted), RuleGone (a schedule rule deleted before its event was routed), Unreadable.",
		}, []string{"bus", "reason"}),
		putCalls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trailbridge_PutEventsApproximateCallCount",
			Help: "PutEvents calls answered (EventBridge's PutEventsApproximateCallCount).",
		}),
		putEntries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trailbridge_PutEventsEntriesCount",
			Help: "Entries accepted by PutEvents.",
		}),
		putFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trailbridge_PutEventsFailedEntriesCount",
			Help: "Entries PutEvents answered with an error (EventBridge's PutEventsFailedEntriesCount).",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trailbridge_api_requests_total",
			Help: "API requests by action and AWS error code (empty on success).",
		}, []string{"action", "code"}),
		requestLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trailbridge_api_request_seconds",
			Help:    "Time to answer API requests, by action.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"action"}),
	}
	for _, c := range []prometheus.Collector{m.matched, m.triggered, m.dropped, m.putCalls, m.putEntries, m.putFailed, m.requests, m.requestLatency} {
		f(c)
	}
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is where other parts register their own metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Matched counts an event that matched rules on bus.
func (m *Metrics) Matched(bus string) { m.matched.WithLabelValues(bus).Inc() }

// Triggered counts a rule an event matched.
func (m *Metrics) Triggered(bus, rule string) { m.triggered.WithLabelValues(bus, rule).Inc() }

// Dropped counts an event that could not be routed.
func (m *Metrics) Dropped(bus, reason string) { m.dropped.WithLabelValues(bus, reason).Inc() }

// Entries counts one PutEvents call.
func (m *Metrics) Entries(accepted, failed int) {
	m.putCalls.Inc()
	m.putEntries.Add(float64(accepted))
	m.putFailed.Add(float64(failed))
}

// Request counts one API request.
func (m *Metrics) Request(action, code string, d time.Duration) {
	if action == "" {
		action = "unknown"
	}
	m.requests.WithLabelValues(action, code).Inc()
	m.requestLatency.WithLabelValues(action).Observe(d.Seconds())
}
