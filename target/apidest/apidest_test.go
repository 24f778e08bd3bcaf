package apidest

import (
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/target"
)

const destARN = "arn:aws:events:us-east-1:123456789012:api-destination/hook/5f6a1b2c-0000-4000-8000-000000000001"

// resolver is a Resolver over a map, recording authorization reports.
type resolver struct {
	mu      sync.Mutex
	dests   map[string]*Destination
	reports []string
}

func (r *resolver) Destination(_ context.Context, name string) (*Destination, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.dests[name]
	if !ok {
		return nil, fmt.Errorf("destination %s: %w", name, ErrNotFound)
	}
	cp := *d
	if d.Connection != nil {
		c := *d.Connection
		cp.Connection = &c
	}
	return &cp, nil
}

func (r *resolver) Authorized(_ context.Context, connection string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, fmt.Sprintf("%s: %v", connection, err))
}

// recorder is an HTTP server that records requests and answers with fn.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path, query string
	header              http.Header
	body                string
	at                  time.Time
}

func newRecorder(t *testing.T, fn http.HandlerFunc) *recorder {
	t.Helper()
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{req.Method, req.URL.EscapedPath(), req.URL.RawQuery, req.Header.Clone(), string(b), time.Now()})
		r.mu.Unlock()
		if fn != nil {
			fn(w, req)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func basicConn() *Connection {
	return &Connection{ARN: "arn:aws:events:us-east-1:123456789012:connection/c/1", Name: "c", State: StateAuthorized,
		Auth: Auth{Type: AuthBasic, Username: "alice", Password: "s3cret-pass"}}
}

// setup returns a Kind whose one destination, "hook", calls endpoint
// through conn.
func setup(t *testing.T, endpoint, method string, conn *Connection) (*Kind, *resolver, target.Target) {
	t.Helper()
	r := &resolver{dests: map[string]*Destination{"hook": {ARN: destARN, Name: "hook", Endpoint: endpoint, Method: method, Connection: conn}}}
	k := &Kind{Resolver: r}
	tg, err := k.Target(t.Context(), destARN)
	if err != nil {
		t.Fatal(err)
	}
	return k, r, tg
}

func invocation(payload string, hp *tb.HttpParameters) *target.Invocation {
	event := `{"id":"e1","detail-type":"order placed","detail":{"id":"o/1 2","kind":"big","n":3,"items":[{"sku":"a"},{"sku":"b"}]}}`
	return &target.Invocation{Payload: []byte(payload), Event: []byte(event), Target: &tb.Target{Id: "t", Arn: destARN, HttpParameters: hp}, Attempt: 1}
}

func asTargetError(t *testing.T, err error) *target.Error {
	t.Helper()
	var e *target.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want a *target.Error", err, err)
	}
	return e
}

func TestRequestCarriesPayloadAndEventBridgeHeaders(t *testing.T) {
	srv := newRecorder(t, nil)
	_, _, tg := setup(t, srv.URL+"/hook", "PUT", basicConn()) // http:// is allowed: a trailbridge deviation
	if err := tg.Invoke(t.Context(), invocation(`{"a":1}`, nil)); err != nil {
		t.Fatal(err)
	}
	got := srv.requests()[0]
	for h, want := range map[string]string{
		"Content-Type":    "application/json; charset=utf-8",
		"Range":           "bytes=0-1048575",
		"User-Agent":      "Amazon/EventBridge/ApiDestinations",
		"Accept-Encoding": "gzip,deflate",
	} {
		if got.header.Get(h) != want {
			t.Errorf("%s = %q, want %q", h, got.header.Get(h), want)
		}
	}
	if got.method != "PUT" || got.path != "/hook" || got.body != `{"a":1}` {
		t.Errorf("request = %s %s %q", got.method, got.path, got.body)
	}
}

// TestCompressedRefusal checks that a failed answer compressed as the
// request's Accept-Encoding allows (gzip, zlib deflate, or the raw deflate
// many servers send) is quoted as text in the error.
func TestCompressedRefusal(t *testing.T) {
	for _, enc := range []string{"gzip", "x-gzip", "deflate (zlib)", "deflate (raw)"} {
		t.Run(enc, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", strings.Fields(enc)[0])
				w.WriteHeader(http.StatusBadRequest)
				var zw io.WriteCloser
				switch enc {
				case "deflate (zlib)":
					zw = zlib.NewWriter(w)
				case "deflate (raw)":
					zw, _ = flate.NewWriter(w, flate.DefaultCompression)
				default:
					zw = gzip.NewWriter(w)
				}
				fmt.Fprint(zw, `{"message":"field x is required"}`)
				zw.Close()
			})
			_, _, tg := setup(t, srv.URL+"/hook", "POST", basicConn())
			e := asTargetError(t, tg.Invoke(t.Context(), invocation(`{}`, nil)))
			if e.Retryable || !strings.Contains(e.Message, "field x is required") {
				t.Errorf("error = %+v, want the answer's text, not retried", e)
			}
		})
	}
}

func TestAuthorization(t *testing.T) {
	tokens := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"access_token":"tok-1","token_type":"Bearer","expires_in":3600}`)
	})
	for _, tc := range []struct {
		name   string
		auth   Auth
		header string
		want   string
	}{
		{"basic", Auth{Type: AuthBasic, Username: "alice", Password: "s3cret-pass"}, "Authorization",
			"Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret-pass"))},
		{"api key", Auth{Type: AuthAPIKey, APIKeyName: "X-Api-Key", APIKeyValue: "k3y-value"}, "X-Api-Key", "k3y-value"},
		{"oauth", Auth{Type: AuthOAuth, OAuth: &OAuth{ClientID: "id", ClientSecret: "client-s3cret", Endpoint: tokens.URL + "/token", Method: "POST"}},
			"Authorization", "Bearer tok-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t, nil)
			c := basicConn()
			c.Auth = tc.auth
			_, _, tg := setup(t, srv.URL, "POST", c)
			if err := tg.Invoke(t.Context(), invocation(`{}`, nil)); err != nil {
				t.Fatal(err)
			}
			if got := srv.requests()[0].header.Get(tc.header); got != tc.want {
				t.Errorf("%s = %q, want %q", tc.header, got, tc.want)
			}
		})
	}
}

func TestParameters(t *testing.T) {
	srv := newRecorder(t, nil)
	c := basicConn()
	c.Invocation = Params{
		Headers: []Param{{Key: "X-Override", Value: "connection"}, {Key: "X-Conn-Secret", Value: "hdr-s3cret", Secret: true}},
		Query:   []Param{{Key: "token", Value: "q-s3cret", Secret: true}, {Key: "q", Value: "connection"}},
		Body:    []Param{{Key: "env", Value: "prod"}, {Key: "a", Value: "from connection"}},
	}
	_, _, tg := setup(t, srv.URL+"/orders/*/items/*?fixed=1", "POST", c)
	hp := &tb.HttpParameters{
		PathParameterValues:   []string{"$.detail.id", "static"},
		HeaderParameters:      map[string]string{"X-Kind": "$.detail.kind", "X-Sku": "$.detail.items[1].sku", "X-Static": "plain", "X-Override": "target", "X-Missing": "$.detail.nope"},
		QueryStringParameters: map[string]string{"n": "$.detail.n", "q": "target", "type": "$.detail-type"},
	}
	if err := tg.Invoke(t.Context(), invocation(`{"a":1,"z":{"k":[1,2]}}`, hp)); err != nil {
		t.Fatal(err)
	}
	got := srv.requests()[0]
	if want := "/orders/o%2F1%202/items/static"; got.path != want {
		t.Errorf("path = %s, want %s", got.path, want)
	}
	q, _ := url.ParseQuery(got.query)
	for k, want := range map[string]string{"fixed": "1", "n": "3", "q": "connection", "token": "q-s3cret", "type": "order placed"} {
		if q.Get(k) != want {
			t.Errorf("query %s = %q, want %q (query %s)", k, q.Get(k), want, got.query)
		}
	}
	for h, want := range map[string]string{"X-Kind": "big", "X-Sku": "b", "X-Static": "plain", "X-Override": "connection", "X-Conn-Secret": "hdr-s3cret", "X-Missing": ""} {
		if got.header.Get(h) != want {
			t.Errorf("header %s = %q, want %q", h, got.header.Get(h), want)
		}
	}
	if want := `{"a":"from connection","z":{"k":[1,2]},"env":"prod"}`; got.body != want {
		t.Errorf("body = %s, want %s", got.body, want)
	}

	t.Run("too few path values fail without a retry", func(t *testing.T) {
		err := tg.Invoke(t.Context(), invocation(`{}`, &tb.HttpParameters{PathParameterValues: []string{"one"}}))
		if e := asTargetError(t, err); e.Code != target.CodeInvalidPayload || e.Retryable {
			t.Errorf("error = %+v", e)
		}
	})
}

func TestMergeBody(t *testing.T) {
	params := []Param{{Key: "env", Value: "prod"}}
	for _, tc := range []struct{ in, want string }{
		{`{"b":1,"a":2}`, `{"b":1,"a":2,"env":"prod"}`},
		{`{"env":{"x":1}}`, `{"env":"prod"}`},
		{`{}`, `{"env":"prod"}`},
		{`"a string"`, `"a string"`},
		{`[1,2]`, `[1,2]`},
		{`not json`, `not json`},
	} {
		if got := string(mergeBody([]byte(tc.in), params)); got != tc.want {
			t.Errorf("mergeBody(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestLookup(t *testing.T) {
	doc := []byte(`{"a":{"b":[{"c":"x"},{"c":7}],"n":null},"s":"str"}`)
	for _, tc := range []struct {
		path, want string
		ok, err    bool
	}{
		{"$.s", `"str"`, true, false},
		{"$.a.b[1].c", `7`, true, false},
		{"$.a.b[0]", `{"c":"x"}`, true, false},
		{"$.a.b[5]", ``, false, false},
		{"$.a.n", ``, false, false},
		{"$.nope.x", ``, false, false},
		{"$.a.b[x]", ``, false, true},
		{"$.a..b", ``, false, true},
		{"$.a.b[0", ``, false, true},
	} {
		got, ok, err := lookup(doc, tc.path)
		if string(got) != tc.want || ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("lookup(%s) = %s, %v, %v; want %s, %v, error %v", tc.path, got, ok, err, tc.want, tc.ok, tc.err)
		}
	}
}

func TestClassification(t *testing.T) {
	// The server echoes the request's credentials, as a careless endpoint
	// might: errors must not repeat them.
	for _, tc := range []struct {
		status    int
		code      string
		retryable bool
	}{
		{200, "", false},
		{204, "", false},
		{302, target.CodeTargetError, false},
		{400, target.CodeTargetError, false},
		{401, target.CodeTargetError, false},
		{403, target.CodeTargetError, false},
		{404, target.CodeTargetError, false},
		{409, target.CodeTargetError, false},
		{429, target.CodeThrottling, true},
		{500, target.CodeTargetError, true},
		{502, target.CodeTargetError, true},
		{503, target.CodeTargetError, true},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.status == 302 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tc.status)
				fmt.Fprintf(w, "no good: auth=%s key=%s\n\tbye", r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
			})
			c := basicConn()
			c.Invocation.Headers = []Param{{Key: "X-Api-Key", Value: "k3y-value", Secret: true}}
			_, _, tg := setup(t, srv.URL, "POST", c)
			err := tg.Invoke(t.Context(), invocation(`{}`, nil))
			if tc.code == "" {
				if err != nil {
					t.Fatalf("Invoke = %v, want success", err)
				}
				return
			}
			e := asTargetError(t, err)
			if e.Code != tc.code || e.Retryable != tc.retryable {
				t.Errorf("error = %s retryable=%v, want %s retryable=%v", e.Code, e.Retryable, tc.code, tc.retryable)
			}
			msg := e.Error()
			if !strings.Contains(msg, fmt.Sprint(tc.status)) || !strings.Contains(msg, "no good") {
				t.Errorf("message %q lacks the status or the body excerpt", msg)
			}
			for _, s := range []string{"s3cret-pass", "k3y-value", base64.StdEncoding.EncodeToString([]byte("alice:s3cret-pass"))} {
				if strings.Contains(msg, s) {
					t.Errorf("message %q shows a secret", msg)
				}
			}
			if n := len(srv.requests()); n != 1 {
				t.Errorf("%d requests, want 1 (redirects are not followed, nothing is retried)", n)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"120", 120 * time.Second},
		{" 3 ", 3 * time.Second},
		{"0", 0},
		{"-1", -time.Second},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"soon", 0},
		{"99999999999999999999", 0},
	} {
		if got := retryAfter(tc.in, now); got != tc.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	t.Run("from the answer", func(t *testing.T) {
		srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		_, _, tg := setup(t, srv.URL, "POST", basicConn())
		e := asTargetError(t, tg.Invoke(t.Context(), invocation(`{}`, nil)))
		if e.RetryAfter != 7*time.Second || !e.Retryable {
			t.Errorf("error = %+v, want retryable after 7s", e)
		}
	})
}

// hang answers only when the client gives up.
func hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

func TestTimeout(t *testing.T) {
	srv := newRecorder(t, hang)
	t.Run("the invocation's deadline", func(t *testing.T) {
		_, _, tg := setup(t, srv.URL, "POST", basicConn())
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		e := asTargetError(t, tg.Invoke(ctx, invocation(`{}`, nil)))
		if e.Code != target.CodeTimeout || !e.Retryable {
			t.Errorf("error = %+v, want a retryable TIMEOUT", e)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("took %v: the shorter deadline did not win", d)
		}
	})
	t.Run("the kind's own limit", func(t *testing.T) {
		k, _, tg := setup(t, srv.URL, "POST", basicConn())
		k.Timeout = 50 * time.Millisecond // stands for the 5 s default
		e := asTargetError(t, tg.Invoke(t.Context(), invocation(`{}`, nil)))
		if e.Code != target.CodeTimeout || !e.Retryable {
			t.Errorf("error = %+v, want a retryable TIMEOUT", e)
		}
	})
	if (&Kind{}).timeout() != 5*time.Second {
		t.Error("default timeout is not 5 s")
	}
}

func TestUnreachableEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	c := basicConn()
	c.Invocation.Query = []Param{{Key: "token", Value: "q-s3cret", Secret: true}}
	_, _, tg := setup(t, addr+"/x", "POST", c)
	e := asTargetError(t, tg.Invoke(t.Context(), invocation(`{}`, nil)))
	if e.Code != target.CodeConnection || !e.Retryable {
		t.Errorf("error = %+v, want a retryable CONNECTION_FAILURE", e)
	}
	if strings.Contains(e.Error(), "q-s3cret") {
		t.Errorf("error shows a secret query parameter: %v", e)
	}
}

func TestOAuthToken(t *testing.T) {
	var mu sync.Mutex
	issued := 0
	tokens := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		issued++
		n := issued
		mu.Unlock()
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"Bearer","expires_in":3600}`, n)
	})
	reject := 0 // answers to refuse with 401
	api := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if reject > 0 {
			reject--
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	c := basicConn()
	c.State = StateAuthorizing
	c.Auth = Auth{Type: AuthOAuth, OAuth: &OAuth{ClientID: "my id", ClientSecret: "client-s3cret", Endpoint: tokens.URL + "/oauth/token?tenant=t1", Method: "POST",
		Params: Params{
			Headers: []Param{{Key: "X-Tenant", Value: "t1"}},
			Query:   []Param{{Key: "audience", Value: "api"}},
			Body:    []Param{{Key: "grant_type", Value: "client_credentials"}, {Key: "scope", Value: "events"}},
		}}}
	_, r, tg := setup(t, api.URL, "POST", c)

	for range 3 {
		if err := tg.Invoke(t.Context(), invocation(`{}`, nil)); err != nil {
			t.Fatal(err)
		}
	}
	tr := tokens.requests()
	if len(tr) != 1 {
		t.Fatalf("%d token requests for 3 invocations, want 1", len(tr))
	}
	form, _ := url.ParseQuery(tr[0].body)
	q, _ := url.ParseQuery(tr[0].query)
	if tr[0].method != "POST" || tr[0].path != "/oauth/token" || form.Get("grant_type") != "client_credentials" || form.Get("scope") != "events" ||
		q.Get("tenant") != "t1" || q.Get("audience") != "api" || tr[0].header.Get("X-Tenant") != "t1" ||
		tr[0].header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("token request = %+v", tr[0])
	}
	if got, want := tr[0].header.Get("Authorization"), "Basic "+base64.StdEncoding.EncodeToString([]byte("my+id:client-s3cret")); got != want {
		t.Errorf("token request Authorization = %q, want %q", got, want)
	}
	for _, req := range api.requests() {
		if req.header.Get("Authorization") != "Bearer tok-1" {
			t.Errorf("API request Authorization = %q, want the cached token", req.header.Get("Authorization"))
		}
	}
	if want := []string{"c: <nil>"}; !slices.Equal(r.reports, want) {
		t.Errorf("authorization reports = %q, want %q", r.reports, want)
	}

	t.Run("a 401 refreshes the token and calls again at once", func(t *testing.T) {
		mu.Lock()
		reject = 1
		mu.Unlock()
		before := len(api.requests())
		if err := tg.Invoke(t.Context(), invocation(`{}`, nil)); err != nil {
			t.Fatalf("Invoke after one 401: %v", err)
		}
		if n := len(tokens.requests()); n != 2 {
			t.Errorf("%d token requests, want 2", n)
		}
		reqs := api.requests()
		if len(reqs) != before+2 {
			t.Fatalf("%d calls, want 2 (refused, then with the new token)", len(reqs)-before)
		}
		if got := reqs[len(reqs)-1].header.Get("Authorization"); got != "Bearer tok-2" {
			t.Errorf("second call used %q, want the new token", got)
		}
	})
	t.Run("a second 401 is final", func(t *testing.T) {
		mu.Lock()
		reject = 2
		mu.Unlock()
		e := asTargetError(t, tg.Invoke(t.Context(), invocation(`{}`, nil)))
		if e.Retryable || e.Code != target.CodeTargetError || !strings.Contains(e.Message, "401") || !strings.Contains(e.Message, "refreshed") {
			t.Errorf("error = %+v, want a final ERROR_FROM_TARGET 401", e)
		}
		if strings.Contains(e.Error(), "tok-") || strings.Contains(e.Error(), "client-s3cret") {
			t.Errorf("error shows a secret: %v", e)
		}
		if n := len(tokens.requests()); n != 3 {
			t.Errorf("%d token requests, want 3", n)
		}
	})
}

func TestOAuthRefused(t *testing.T) {
	tokens := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client"}`)
	})
	api := newRecorder(t, nil)
	c := basicConn()
	c.State = StateAuthorizing
	c.Auth = Auth{Type: AuthOAuth, OAuth: &OAuth{ClientID: "id", ClientSecret: "client-s3cret", Endpoint: tokens.URL, Method: "GET",
		Params: Params{Body: []Param{{Key: "grant_type", Value: "client_credentials"}}}}}
	_, r, tg := setup(t, api.URL, "POST", c)
	e := asTargetError(t, tg.Invoke(t.Context(), invocation(`{}`, nil)))
	if e.Code != target.CodeNoPermissions || e.Retryable || !strings.Contains(e.Message, "invalid_client") {
		t.Errorf("error = %+v, want NO_PERMISSIONS, not retryable", e)
	}
	if len(api.requests()) != 0 {
		t.Error("the API was called without a token")
	}
	if tr := tokens.requests(); len(tr) != 1 || tr[0].method != "GET" || !strings.Contains(tr[0].query, "grant_type=client_credentials") {
		t.Errorf("token requests = %+v, want one GET with the body parameters in the query", tr)
	}
	if len(r.reports) != 1 || !strings.Contains(r.reports[0], "401") {
		t.Errorf("reports = %q", r.reports)
	}
}

func TestRateLimit(t *testing.T) {
	srv := newRecorder(t, nil)
	_, r, tg := setup(t, srv.URL, "POST", basicConn())
	const limit, n = 20, 50
	r.dests["hook"].RateLimit = limit
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() { errs <- tg.Invoke(t.Context(), invocation(`{}`, nil)) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("an invocation failed instead of waiting: %v", err)
		}
	}
	reqs := srv.requests()
	if len(reqs) != n {
		t.Fatalf("%d requests, want %d: excess must queue, not drop", len(reqs), n)
	}
	// A bucket holds one second's worth: no 1-second window may see more
	// than the limit plus that burst.
	times := make([]time.Time, len(reqs))
	for i, q := range reqs {
		times[i] = q.at
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for i, t0 := range times {
		j := i
		for j < len(times) && times[j].Sub(t0) < time.Second {
			j++
		}
		if j-i > 2*limit {
			t.Errorf("%d requests within a second of %v, want at most %d", j-i, t0.Sub(start), 2*limit)
		}
	}
	// 50 tokens at 20 a second with 20 at hand take at least 1.5 s.
	if d := times[len(times)-1].Sub(start); d < 1400*time.Millisecond {
		t.Errorf("all requests sent within %v, faster than the limit allows", d)
	}
}

func TestRateLimitWaitRespectsContext(t *testing.T) {
	srv := newRecorder(t, nil)
	_, r, tg := setup(t, srv.URL, "POST", basicConn())
	r.dests["hook"].RateLimit = 1
	if err := tg.Invoke(t.Context(), invocation(`{}`, nil)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	e := asTargetError(t, tg.Invoke(ctx, invocation(`{}`, nil)))
	if e.Code != target.CodeThrottling || !e.Retryable {
		t.Errorf("error = %+v, want a retryable THROTTLING", e)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestResolution(t *testing.T) {
	srv := newRecorder(t, nil)
	k, r, tg := setup(t, srv.URL, "POST", basicConn())
	for _, tc := range []struct{ arn, code string }{
		{"arn:aws:events:us-east-1:123456789012:api-destination/nope/1", target.CodeNoResource},
		{"arn:aws:events:us-east-1:123456789012:api-destination/hook/other-uuid", target.CodeNoResource},
		{"arn:aws:events:us-east-1:123456789012:rule/hook", target.CodeInvalidPayload},
		{"arn:aws:events:us-east-1:123456789012:api-destination/", target.CodeInvalidPayload},
	} {
		tgt, err := k.Target(t.Context(), tc.arn)
		if err == nil {
			err = tgt.Invoke(t.Context(), invocation(`{}`, nil))
		}
		if e := asTargetError(t, err); e.Code != tc.code || e.Retryable {
			t.Errorf("Target(%s) = %+v, want %s, not retryable", tc.arn, e, tc.code)
		}
	}
	if _, err := k.Target(t.Context(), "arn:aws:events:us-east-1:123456789012:api-destination/hook"); err != nil {
		t.Errorf("an ARN without UUID: %v", err)
	}
	t.Run("deauthorized connection", func(t *testing.T) {
		r.dests["hook"].Connection.State = StateDeauthorized
		defer func() { r.dests["hook"].Connection.State = StateAuthorized }()
		if e := asTargetError(t, tg.Invoke(t.Context(), invocation(`{}`, nil))); e.Code != target.CodeNoPermissions || e.Retryable {
			t.Errorf("error = %+v", e)
		}
	})
	t.Run("deleted connection", func(t *testing.T) {
		c := r.dests["hook"].Connection
		r.dests["hook"].Connection = nil
		defer func() { r.dests["hook"].Connection = c }()
		if e := asTargetError(t, tg.Invoke(t.Context(), invocation(`{}`, nil))); e.Code != target.CodeNoResource || e.Retryable {
			t.Errorf("error = %+v", e)
		}
	})
	t.Run("deleted destination", func(t *testing.T) {
		d := r.dests["hook"]
		delete(r.dests, "hook")
		defer func() { r.dests["hook"] = d }()
		if e := asTargetError(t, tg.Invoke(t.Context(), invocation(`{}`, nil))); e.Code != target.CodeNoResource || e.Retryable {
			t.Errorf("error = %+v", e)
		}
	})
	if len(srv.requests()) != 0 {
		t.Error("a request was sent")
	}
}

func TestPrintingHidesSecrets(t *testing.T) {
	c := basicConn()
	c.Auth.OAuth = &OAuth{ClientID: "id", ClientSecret: "client-s3cret", Endpoint: "https://auth.example/token?key=q-s3cret"}
	c.Invocation.Headers = []Param{{Key: "X-Secret", Value: "hdr-s3cret", Secret: true}}
	d := &Destination{Name: "hook", Connection: c}
	for _, s := range []string{fmt.Sprintf("%v", *d.Connection), fmt.Sprintf("%+v", *c), fmt.Sprint(c.Auth.OAuth)} {
		for _, secret := range []string{"s3cret-pass", "client-s3cret", "q-s3cret", "hdr-s3cret"} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows %s", s, secret)
			}
		}
	}
}
