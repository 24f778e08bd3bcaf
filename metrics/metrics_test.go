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
	m.Attempted("default", "r", "t", false)
	m.Attempted("default", "r", "t", true)
	m.Started("default", "r", "t", 3*time.Millisecond)
	m.Succeeded("default", "r", "t", time.Second)
	m.Failed("default", "r", "t")
	m.DeadLettered("default", "r", "t", true)
	m.DeadLettered("default", "r", "t", false)
	m.Throttled("default", "r")
	m.NotInvoked("default", "r", "t", "InvalidRendering")
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
		`trailbridge_InvocationAttempts{bus="default",rule="r",target="t"} 2`,
		`trailbridge_RetryInvocationAttempts{bus="default",rule="r",target="t"} 1`,
		`trailbridge_SuccessfulInvocationAttempts{bus="default",rule="r",target="t"} 1`,
		`trailbridge_Invocations{bus="default",rule="r",target="t"} 4`,
		`trailbridge_FailedInvocations{bus="default",rule="r",target="t"} 1`,
		`trailbridge_InvocationsSentToDlq{bus="default",rule="r",target="t"} 1`,
		`trailbridge_InvocationsFailedToBeSentToDlq{bus="default",rule="r",target="t"} 1`,
		`trailbridge_ThrottledRules{bus="default",rule="r"} 1`,
		`trailbridge_DeadLetterInvocations{bus="default",reason="InvalidRendering",rule="r",target="t"} 1`,
		`trailbridge_IngestionToInvocationStartLatency_count{bus="default",rule="r",target="t"} 1`,
		`trailbridge_IngestionToInvocationSuccessLatency_bucket{bus="default",rule="r",target="t",le="1"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
