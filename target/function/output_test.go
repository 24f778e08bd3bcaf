package function_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/internal/check"
	"github.com/trailbridge/trailbridge/target"
	"github.com/trailbridge/trailbridge/target/function"
)

func TestCommandOutputIsLogged(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
		level  string
		stdout []string // in the logged stdout
		stderr []string
		max    int // bytes of the logged stdout, when set
	}{
		{
			name: "both streams", script: "cat; echo; echo to stderr >&2", level: "INFO",
			stdout: []string{`{"x":1}`}, stderr: []string{"to stderr"},
		},
		{
			name: "a failure's output is a warning", script: "echo failing >&2; exit 2", level: "WARN",
			stderr: []string{"failing"},
		},
		{
			name: "a flood is cut to its beginning and end", script: "echo BEGIN; head -c 3000000 /dev/zero | tr '\\0' y; echo; echo END",
			level: "INFO", stdout: []string{"BEGIN", "bytes left out", "END"}, max: 9 << 10,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf syncBuffer
			log := slog.New(slog.NewJSONHandler(&buf, nil))
			k, err := function.New([]function.Spec{{Name: "f", Command: sh(tc.script)}}, log)
			if err != nil {
				t.Fatal(err)
			}
			tg, err := k.Target(t.Context(), arnPrefix+"f")
			if err != nil {
				t.Fatal(err)
			}
			_ = tg.Invoke(t.Context(), invocation(`{"x":1}`))
			var rec map[string]any
			if err := json.Unmarshal([]byte(buf.String()), &rec); err != nil {
				t.Fatalf("want one log record, got %q: %v", buf.String(), err)
			}
			if rec["level"] != tc.level || rec["msg"] != "function output" || rec["function"] != "f" || rec["rule"] != "r" ||
				rec["bus"] != "default" || rec["attempt"] != 2.0 || rec["event"] != "6a7e8feb-b491-4cf7-a9f1-bf3703467718" {
				t.Errorf("log record %v lacks the invocation's attributes", rec)
			}
			stdout, _ := rec["stdout"].(string)
			stderr, _ := rec["stderr"].(string)
			for _, s := range tc.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("logged stdout %.200q does not contain %q", stdout, s)
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("logged stderr %.200q does not contain %q", stderr, s)
				}
			}
			if tc.max > 0 && len(stdout) > tc.max {
				t.Errorf("logged stdout is %d bytes, want at most %d", len(stdout), tc.max)
			}
		})
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	const limit, n = 2, 7
	fake := &fakeFunction{}
	release := fake.setHang()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	k, err := function.New([]function.Spec{{Name: "f", URL: srv.URL, Concurrency: limit}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := k.Target(t.Context(), arnPrefix+"f")
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = tg.Invoke(t.Context(), invocation(`{}`)) })
	}
	check.For(t, 5*time.Second, 5*time.Millisecond, func() error {
		fake.mu.Lock()
		defer fake.mu.Unlock()
		if fake.inflight != limit {
			return errors.New("the function never got as many invocations as it may take")
		}
		return nil
	})
	release()
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("an invocation beyond the limit failed instead of waiting: %v", err)
	}
	if got := len(fake.received(t)); got != n {
		t.Errorf("the function received %d invocations, want %d", got, n)
	}
	fake.mu.Lock()
	most := fake.most
	fake.mu.Unlock()
	if most != limit {
		t.Errorf("at most %d invocations ran at once, want %d", most, limit)
	}
}

func TestWaitingForASlotHonoursTheContext(t *testing.T) {
	fake := &fakeFunction{}
	release := fake.setHang()
	defer release()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	k, err := function.New([]function.Spec{{Name: "f", URL: srv.URL, Concurrency: 1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tg, _ := k.Target(t.Context(), arnPrefix+"f")
	first := make(chan error, 1)
	go func() { first <- tg.Invoke(t.Context(), invocation(`{}`)) }()
	check.For(t, 5*time.Second, 5*time.Millisecond, func() error {
		fake.mu.Lock()
		defer fake.mu.Unlock()
		if fake.inflight != 1 {
			return errors.New("the first invocation did not arrive")
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	err = tg.Invoke(ctx, invocation(`{}`))
	var e *target.Error
	if !errors.As(err, &e) || e.Code != target.CodeTimeout || !e.Retryable || !strings.Contains(e.Message, "busy") {
		t.Fatalf("queued invocation error = %v, want a retryable timeout while the function was busy", err)
	}
	release()
	if err := <-first; err != nil {
		t.Fatalf("first invocation: %v", err)
	}
}

func TestURLAnswers(t *testing.T) {
	date := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		status     int
		retryAfter string
		code       string // "" for success
		retryable  bool
		wait       time.Duration // RetryAfter, roughly
	}{
		{status: 200},
		{status: 202},
		{status: 204},
		{status: 429, retryAfter: "7", code: target.CodeThrottling, retryable: true, wait: 7 * time.Second},
		{status: 503, retryAfter: date, code: target.CodeTargetError, retryable: true, wait: time.Hour},
		{status: 500, code: target.CodeTargetError, retryable: true},
		{status: 502, retryAfter: "-1", code: target.CodeTargetError, retryable: true, wait: -1},
		{status: 400, retryAfter: "5", code: target.CodeTargetError},
		{status: 401, code: target.CodeNoPermissions},
		{status: 403, code: target.CodeNoPermissions},
		{status: 404, code: target.CodeNoResource},
		{status: 410, code: target.CodeNoResource},
		{status: 413, code: target.CodeTargetError},
		{status: 301, code: target.CodeTargetError},
		{status: 307, code: target.CodeTargetError},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			type request struct {
				*http.Request
				body string
			}
			requests := make(chan request, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				requests <- request{r, string(b)}
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				if tc.status >= 300 && tc.status < 400 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte("the answer\n"))
			}))
			defer srv.Close()
			err := invoke(t, function.Spec{URL: srv.URL + "/fn?x=1"}, `{"hello":"world"}`)
			var got request
			select {
			case got = <-requests:
			default:
				t.Fatalf("no request arrived: %v", err)
			}
			body := got.body
			if got.Method != http.MethodPost || got.URL.Path != "/fn" || got.URL.RawQuery != "x=1" || body != `{"hello":"world"}` ||
				got.Header.Get("Content-Type") != "application/json" || got.Header.Get("X-Trailbridge-Rule") != "r" ||
				got.Header.Get("X-Trailbridge-Rule-Arn") != "arn:aws:events:us-east-1:000000000000:rule/r" ||
				got.Header.Get("X-Trailbridge-Attempt") != "2" || got.Header.Get("X-Trailbridge-Event-Id") == "" ||
				got.Header.Get("X-Amzn-Trace-Id") != "Root=1-5759e988-bd862e3fe1be46a994272793" {
				t.Errorf("request %s %s %v %q is not the invocation", got.Method, got.URL, got.Header, body)
			}
			if tc.code == "" {
				if err != nil {
					t.Fatalf("Invoke: %v", err)
				}
				return
			}
			var e *target.Error
			if !errors.As(err, &e) || e.Code != tc.code || e.Retryable != tc.retryable {
				t.Fatalf("Invoke error = %v, want %s, retryable %v", err, tc.code, tc.retryable)
			}
			if !strings.Contains(e.Message, "the answer") {
				t.Errorf("message %q does not quote the answer", e.Message)
			}
			switch {
			case tc.wait < 0 && e.RetryAfter >= 0,
				tc.wait == 0 && e.RetryAfter != 0,
				tc.wait > 0 && (e.RetryAfter < tc.wait-time.Minute || e.RetryAfter > tc.wait):
				t.Errorf("RetryAfter = %v, want about %v", e.RetryAfter, tc.wait)
			}
		})
	}
}

func TestURLUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	err := invoke(t, function.Spec{URL: url}, `{}`)
	var e *target.Error
	if !errors.As(err, &e) || e.Code != target.CodeConnection || !e.Retryable {
		t.Fatalf("Invoke error = %v, want a retryable %s", err, target.CodeConnection)
	}
}

func TestURLTimeout(t *testing.T) {
	fake := &fakeFunction{}
	release := fake.setHang()
	defer release()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	start := time.Now()
	err := invoke(t, function.Spec{URL: srv.URL, Timeout: 200 * time.Millisecond}, `{}`)
	var e *target.Error
	if !errors.As(err, &e) || e.Code != target.CodeTimeout || !e.Retryable {
		t.Fatalf("Invoke error = %v, want a retryable timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the timeout of 200ms took %v", d)
	}
}
