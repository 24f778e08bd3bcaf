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

	invocations     *prometheus.CounterVec
	failed          *prometheus.CounterVec
	attempts        *prometheus.CounterVec
	successAttempts *prometheus.CounterVec
	retryAttempts   *prometheus.CounterVec
	sentToDlq       *prometheus.CounterVec
	failedToDlq     *prometheus.CounterVec
	deadLetterInv   *prometheus.CounterVec
	throttled       *prometheus.CounterVec
	startLatency    *prometheus.HistogramVec
	successLatency  *prometheus.HistogramVec
}

// latencyBuckets span a local target's milliseconds to retries' hours.
var latencyBuckets = []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60, 600, 3600, 86400}

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
	target := []string{"bus", "rule", "target"}
	counter := func(name, help string, labels []string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	m.invocations = counter("trailbridge_Invocations", "Events whose delivery to a target ended, delivered or given up; retries not counted (EventBridge's Invocations).", target)
	m.failed = counter("trailbridge_FailedInvocations", "Events given up on without a dead-letter queue to take them (EventBridge's FailedInvocations).", target)
	m.attempts = counter("trailbridge_InvocationAttempts", "Attempts to invoke a target, retries included (EventBridge's InvocationAttempts).", target)
	m.successAttempts = counter("trailbridge_SuccessfulInvocationAttempts", "Attempts that delivered (EventBridge's SuccessfulInvocationAttempts).", target)
	m.retryAttempts = counter("trailbridge_RetryInvocationAttempts", "Attempts that were retries (EventBridge's RetryInvocationAttempts).", target)
	m.sentToDlq = counter("trailbridge_InvocationsSentToDlq", "Events written to the target's dead-letter queue (EventBridge's InvocationsSentToDlq).", target)
	m.failedToDlq = counter("trailbridge_InvocationsFailedToBeSentToDlq", "Events that could not be written to the target's dead-letter queue (EventBridge's InvocationsFailedToBeSentToDlq).", target)
	m.deadLetterInv = counter("trailbridge_DeadLetterInvocations", "Events for which the target was not invoked at all, by reason: InvalidRendering (the input template rendered invalid JSON), TargetGone (EventBridge's DeadLetterInvocations).", append(target, "reason"))
	m.throttled = counter("trailbridge_ThrottledRules", "Invocations a target refused as throttled (EventBridge's ThrottledRules).", []string{"bus", "rule"})
	m.startLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "trailbridge_IngestionToInvocationStartLatency",
		Help:    "Seconds from an event's acceptance to the start of its first invocation (EventBridge's IngestionToInvocationStartLatency, there in milliseconds).",
		Buckets: latencyBuckets,
	}, target)
	m.successLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "trailbridge_IngestionToInvocationSuccessLatency",
		Help:    "Seconds from an event's acceptance to its successful delivery, retries included (EventBridge's IngestionToInvocationSuccessLatency).",
		Buckets: latencyBuckets,
	}, target)
	for _, c := range []prometheus.Collector{m.matched, m.triggered, m.dropped, m.putCalls, m.putEntries, m.putFailed, m.requests, m.requestLatency,
		m.invocations, m.failed, m.attempts, m.successAttempts, m.retryAttempts, m.sentToDlq, m.failedToDlq, m.deadLetterInv, m.throttled, m.startLatency, m.successLatency} {
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

// Attempted counts an attempt to invoke a target.
func (m *Metrics) Attempted(bus, rule, target string, retry bool) {
	m.attempts.WithLabelValues(bus, rule, target).Inc()
	if retry {
		m.retryAttempts.WithLabelValues(bus, rule, target).Inc()
	}
}

// Started records when an event's first invocation began.
func (m *Metrics) Started(bus, rule, target string, sinceIngestion time.Duration) {
	m.startLatency.WithLabelValues(bus, rule, target).Observe(sinceIngestion.Seconds())
}

// Succeeded counts a delivered event.
func (m *Metrics) Succeeded(bus, rule, target string, sinceIngestion time.Duration) {
	m.successAttempts.WithLabelValues(bus, rule, target).Inc()
	m.invocations.WithLabelValues(bus, rule, target).Inc()
	m.successLatency.WithLabelValues(bus, rule, target).Observe(sinceIngestion.Seconds())
}

// Failed counts an event given up on without a dead-letter queue.
func (m *Metrics) Failed(bus, rule, target string) {
	m.invocations.WithLabelValues(bus, rule, target).Inc()
	m.failed.WithLabelValues(bus, rule, target).Inc()
}

// DeadLettered counts an event given up on and sent to the target's
// dead-letter queue, or not, when that failed.
func (m *Metrics) DeadLettered(bus, rule, target string, written bool) {
	m.invocations.WithLabelValues(bus, rule, target).Inc()
	if written {
		m.sentToDlq.WithLabelValues(bus, rule, target).Inc()
	} else {
		m.failedToDlq.WithLabelValues(bus, rule, target).Inc()
	}
}

// Throttled counts a target's refusal as throttled.
func (m *Metrics) Throttled(bus, rule string) { m.throttled.WithLabelValues(bus, rule).Inc() }

// NotInvoked counts an event for which the target was not invoked.
func (m *Metrics) NotInvoked(bus, rule, target, reason string) {
	m.deadLetterInv.WithLabelValues(bus, rule, target, reason).Inc()
}
