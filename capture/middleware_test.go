package capture

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

func ordersAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-1")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"o-1","status":"NEW","apiKey":"k-123"}`)
	})
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "missing" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"code":"OrderNotFound","message":"no order missing"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"o-1"}`)
	})
	mux.HandleFunc("DELETE /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone fishing", http.StatusInternalServerError)
	})
	mux.HandleFunc("PUT /files/", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func ordersRoutes(t *testing.T) *Routes {
	t.Helper()
	rt, err := NewRoutes([]Route{
		{Method: "POST", Path: "/orders", Name: "CreateOrder"},
		{Method: "GET", Path: "/orders/{id}", Name: "GetOrder"},
		{Method: "DELETE", Path: "/orders/{id}", Name: "DeleteOrder"},
		{Method: "PUT", Path: "/files/{path...}", Name: "PutFile", DataEvent: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func TestMiddlewareRecords(t *testing.T) {
	sink := &memSink{}
	h := runHandoff(t, HandoffConfig{Sink: sink})
	rec, err := NewRecorder(Config{
		EventSource: "orders.example.com", Region: "eu-west-1", Account: "111122223333",
		Namer: ordersRoutes(t), Logger: quietLogger(),
	}, h)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rec.Middleware(ordersAPI()))
	defer srv.Close()

	for _, tc := range []struct {
		name, method, path, body, contentType string
		status                                int
		want                                  string
	}{
		{
			name: "write records parameters and response", method: "POST", path: "/orders?dryRun=false&tag=a&tag=b",
			body: `{"item":"book","qty":2,"card":{"number":"4111","password":"hunter2"},"tag":"body-loses"}`, contentType: "application/json",
			status: 201,
			want: `{"eventVersion":"1.11","userIdentity":{"type":"Unknown"},"eventTime":"*","eventSource":"orders.example.com",
				"eventName":"CreateOrder","awsRegion":"eu-west-1","sourceIPAddress":"127.0.0.1","userAgent":"test-agent/1.0",
				"requestParameters":{"dryRun":"false","tag":["a","b"],"item":"book","qty":2,"card":{"number":"4111","password":"HIDDEN_DUE_TO_SECURITY_REASONS"}},
				"responseElements":{"id":"o-1","status":"NEW","apiKey":"HIDDEN_DUE_TO_SECURITY_REASONS"},
				"requestID":"req-1","eventID":"*","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,
				"recipientAccountId":"111122223333","eventCategory":"Management"}`,
		},
		{
			name: "read has path parameters and null response", method: "GET", path: "/orders/o-1", status: 200,
			want: `{"eventVersion":"1.11","userIdentity":{"type":"Unknown"},"eventTime":"*","eventSource":"orders.example.com",
				"eventName":"GetOrder","awsRegion":"eu-west-1","sourceIPAddress":"127.0.0.1","userAgent":"test-agent/1.0",
				"requestParameters":{"id":"o-1"},"responseElements":null,"requestID":"*","eventID":"*","readOnly":true,
				"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`,
		},
		{
			name: "JSON error gives code and message", method: "GET", path: "/orders/missing", status: 404,
			want: `{"eventVersion":"1.11","userIdentity":{"type":"Unknown"},"eventTime":"*","eventSource":"orders.example.com",
				"eventName":"GetOrder","awsRegion":"eu-west-1","sourceIPAddress":"127.0.0.1","userAgent":"test-agent/1.0",
				"errorCode":"OrderNotFound","errorMessage":"no order missing",
				"requestParameters":{"id":"missing"},"responseElements":null,"requestID":"*","eventID":"*","readOnly":true,
				"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`,
		},
		{
			name: "text error gives status text", method: "DELETE", path: "/orders/o-1", status: 500,
			want: `{"eventVersion":"1.11","userIdentity":{"type":"Unknown"},"eventTime":"*","eventSource":"orders.example.com",
				"eventName":"DeleteOrder","awsRegion":"eu-west-1","sourceIPAddress":"127.0.0.1","userAgent":"test-agent/1.0",
				"errorCode":"InternalServerError","errorMessage":"Internal Server Error",
				"requestParameters":{"id":"o-1"},"responseElements":null,"requestID":"*","eventID":"*","readOnly":false,
				"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`,
		},
		{
			name: "data event with tail and summarised body", method: "PUT", path: "/files/a/b%20c.txt", body: "plain text", contentType: "text/plain",
			status: 204,
			want: `{"eventVersion":"1.11","userIdentity":{"type":"Unknown"},"eventTime":"*","eventSource":"orders.example.com",
				"eventName":"PutFile","awsRegion":"eu-west-1","sourceIPAddress":"127.0.0.1","userAgent":"test-agent/1.0",
				"requestParameters":{"path":"a/b c.txt","body":{"contentType":"text/plain","contentLength":10}},"responseElements":null,
				"requestID":"*","eventID":"*","readOnly":false,
				"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"111122223333","eventCategory":"Data"}`,
		},
		{
			name: "unknown route is named by fallback", method: "PATCH", path: "/v2/line-items/17?token=abc", status: 404,
			want: `{"eventVersion":"1.11","userIdentity":{"type":"Unknown"},"eventTime":"*","eventSource":"orders.example.com",
				"eventName":"PatchLineItems","awsRegion":"eu-west-1","sourceIPAddress":"127.0.0.1","userAgent":"test-agent/1.0",
				"errorCode":"NotFound","errorMessage":"Not Found",
				"requestParameters":{"token":"HIDDEN_DUE_TO_SECURITY_REASONS"},"responseElements":null,"requestID":"*","eventID":"*","readOnly":false,
				"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(sink.all())
			req, err := http.NewRequestWithContext(t.Context(), tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("User-Agent", "test-agent/1.0")
			req.Header.Set("Authorization", "Bearer secret-token")
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if got, want := resp.StatusCode, tc.status; got != want {
				t.Fatalf("status %d, want %d", got, want)
			}
			recs := sink.waitFor(t, before+1)
			got := recs[before]
			sameRecord(t, got, tc.want)
			if _, err := time.Parse("2006-01-02T15:04:05Z", got["eventTime"].(string)); err != nil {
				t.Errorf("eventTime: %v", err)
			}
			if id := got["eventID"].(string); !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(id) {
				t.Errorf("eventID %q", id)
			}
			raw := sink.all()[before].Record
			if strings.Contains(string(raw), "secret-token") || strings.Contains(string(raw), "hunter2") {
				t.Errorf("a secret reached the record: %s", raw)
			}
			var r cloudtrail.Record
			if err := r.UnmarshalJSON(raw); err != nil {
				t.Fatal(err)
			}
			again, _ := r.MarshalJSON()
			if string(again) != string(raw) {
				t.Errorf("record is not in cloudtrail.Record's form:\n got %s\nwant %s", raw, again)
			}
		})
	}
}

func TestSourceIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, tc := range []struct {
		name, remote, xff, fwd, want string
	}{
		{"untrusted peer is believed alone", "192.0.2.7:5555", "198.51.100.1", "", "192.0.2.7"},
		{"trusted peer passes the client on", "10.0.0.1:80", "198.51.100.1", "", "198.51.100.1"},
		{"trusted hops are skipped from the right", "10.0.0.1:80", "203.0.113.9, 198.51.100.1, 10.0.0.2", "", "198.51.100.1"},
		{"all hops trusted gives the leftmost", "10.0.0.1:80", "10.1.1.1, 10.0.0.2", "", "10.1.1.1"},
		{"garbage stops the walk", "10.0.0.1:80", "198.51.100.1, nonsense, 10.0.0.2", "", "10.0.0.2"},
		{"forwarded header when no XFF", "[::1]:80", "", `for=192.0.2.60;proto=http, for="[2001:db8::17]:4711"`, "2001:db8::17"},
		{"ports in XFF", "10.0.0.1:80", "198.51.100.1:1234", "", "198.51.100.1"},
		{"mapped peer is unmapped", "[::ffff:192.0.2.8]:80", "", "", "192.0.2.8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &call{rec: &Recorder{cfg: Config{TrustedProxies: trusted}}, remoteAddr: tc.remote, forwardedFor: tc.xff, forwarded: tc.fwd}
			if got, want := c.sourceIP(), tc.want; got != want {
				t.Errorf("sourceIP = %q, want %q", got, want)
			}
		})
	}
}

func TestAbortedCallIsRecorded(t *testing.T) {
	sink := &memSink{}
	h := runHandoff(t, HandoffConfig{Sink: sink})
	rec, err := NewRecorder(Config{EventSource: "orders.example.com", Logger: quietLogger()}, h)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rec.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "partial")
		panic(http.ErrAbortHandler)
	})))
	srv.Config.ErrorLog = nil
	defer srv.Close()
	if resp, err := http.Get(srv.URL + "/downloads/big"); err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	got := sink.waitFor(t, 1)[0]
	if got["eventName"] != "GetDownloadsBig" || got["errorCode"] != nil {
		t.Errorf("record %v: want GetDownloadsBig without error (the status was sent)", got)
	}
}
