package trailbridge

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uo\te`, "tab\there\nnl\r\x00\x1f\x7f", "é ü 日本", "\u2028\u2029", "bad\xffutf8\xc3", "<html>&"} {
		got := string(AppendJSONString(nil, s))
		var sb strings.Builder
		enc := json.NewEncoder(&sb)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if want := strings.TrimSuffix(sb.String(), "\n"); got != want {
			t.Errorf("AppendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("a\"b\\c\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) {
		var sb strings.Builder
		enc := json.NewEncoder(&sb)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if got, want := string(AppendJSONString(nil, s)), strings.TrimSuffix(sb.String(), "\n"); got != want {
			t.Fatalf("AppendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}

func TestEventJSONRoundTrip(t *testing.T) {
	e := Event{ID: "1", DetailType: "Order \"Placed\"", Source: "shop", Account: "123456789012",
		Time: time.Date(2024, 1, 2, 3, 4, 5, 600, time.UTC), Region: "us-east-1", Resources: []string{"arn:x"}, Detail: json.RawMessage(`{"a":1}`)}
	b, err := e.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":"0","id":"1","detail-type":"Order \"Placed\"","source":"shop","account":"123456789012","time":"2024-01-02T03:04:05Z","region":"us-east-1","resources":["arn:x"],"detail":{"a":1}}`
	if string(b) != want {
		t.Errorf("MarshalJSON\n got %s\nwant %s", b, want)
	}
	var back Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.DetailType != e.DetailType || !back.Time.Equal(e.Time.Truncate(time.Second)) || string(back.Detail) != `{"a":1}` || back.Resources[0] != "arn:x" {
		t.Errorf("round trip = %+v", back)
	}
	e.ReplayName, e.Resources = "r1", nil
	b, _ = e.MarshalJSON()
	if !strings.Contains(string(b), `"region":"us-east-1","replay-name":"r1","resources":[],`) {
		t.Errorf("replayed event: %s", b)
	}
}
