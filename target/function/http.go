package function

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge/target"
)

const (
	// answerInError bounds the response body quoted in a failure.
	answerInError = 512
	// drainLimit is how much of a response is read so that its
	// connection can be reused; larger answers cost a new connection.
	drainLimit = 64 << 10
)

// post sends the payload to the function's URL once.
func (f *function) post(ctx context.Context, inv *target.Invocation) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.spec.URL, bytes.NewReader(inv.Payload))
	if err != nil {
		return &target.Error{Code: target.CodeClientError, Message: fmt.Sprintf("function %s", f.spec.Name), Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "trailbridge")
	if inv.TraceHeader != "" {
		req.Header.Set("X-Amzn-Trace-Id", inv.TraceHeader)
	}
	for _, kv := range f.invocationVars(inv) {
		req.Header.Set("X-Trailbridge-"+headerCase(kv[0]), kv[1])
	}
	resp, err := f.kind.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctxError(ctx.Err(), "while function %s was answering (its timeout is %v)", f.spec.Name, f.spec.Timeout)
		}
		return &target.Error{Code: target.CodeConnection, Message: fmt.Sprintf("function %s: the request failed", f.spec.Name), Retryable: true, Err: err}
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, answerInError))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	msg := fmt.Sprintf("function %s answered %s", f.spec.Name, resp.Status)
	if body := strings.TrimSpace(strings.ToValidUTF8(string(head), "\uFFFD")); body != "" {
		msg += ": " + body
	}
	e := &target.Error{Code: target.CodeTargetError, Message: msg}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Code, e.Retryable = target.CodeThrottling, true
	case resp.StatusCode >= 500:
		e.Retryable = true
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		e.Code = target.CodeNoPermissions
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		e.Code = target.CodeNoResource
	}
	if e.Retryable {
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return e
}

// retryAfter reads a Retry-After header: delay seconds (negative ones ask
// not to retry) or an HTTP date. Anything else, or nothing, is 0.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		const max = int64(1<<63-1) / int64(time.Second)
		switch {
		case s < 0:
			return -1
		case s > max:
			return time.Duration(max) * time.Second
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// headerCase turns RULE_ARN into Rule-Arn.
func headerCase(s string) string {
	parts := strings.Split(strings.ToLower(s), "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}
