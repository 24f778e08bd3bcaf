package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestExposition(t *testing.T) {
	m := New()
	m.Matched("default")
	m.Triggered("default", "new-user")
	m.Triggered("default", "new-user")
	m.Dropped("gone", "NoSuchBus")
	m.Entries(9, 1)
	m.Request("PutEvents", "", 2*time.Millisecond)
	m.Request("", "UnknownOperationException", time.Millisecond)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`trailbridge_MatchedEvents{bus="default"} 1`,
		`trailbridge_TriggeredRules{bus="default",rule="new-user"} 2`,
		`trailbridge_DroppedEvents{bus="gone",reason="NoSuchBus"} 1`,
		`trailbridge_PutEventsApproximateCallCount 1`,
		`trailbridge_PutEventsEntriesCount 9`,
		`trailbridge_PutEventsFailedEntriesCount 1`,
		`trailbridge_api_requests_total{action="PutEvents",code=""} 1`,
		`trailbridge_api_requests_total{action="unknown",code="UnknownOperationException"} 1`,
		`trailbridge_api_request_seconds_count{action="PutEvents"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
