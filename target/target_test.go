package target

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

type fixed string

func (f fixed) Invoke(context.Context, *Invocation) error { return nil }

type kindFunc func(arn string) (Target, error)

func (k kindFunc) Target(_ context.Context, arn string) (Target, error) { return k(arn) }

func TestRegistry(t *testing.T) {
	var r Registry
	r.Register("lambda:function", kindFunc(func(arn string) (Target, error) { return fixed("fn " + arn), nil }))
	r.Register("sqs", kindFunc(func(arn string) (Target, error) { return fixed("queue"), nil }))
	r.Register("events:event-bus", kindFunc(func(arn string) (Target, error) { return fixed("bus"), nil }))
	for _, tc := range []struct {
		arn  string
		want string
		code string
	}{
		{"arn:aws:lambda:us-east-1:123456789012:function:disable-user", "fn arn:aws:lambda:us-east-1:123456789012:function:disable-user", ""},
		{"arn:aws:sqs:us-east-1:123456789012:ops", "queue", ""},
		{"arn:aws:events:us-east-1:123456789012:event-bus/other", "bus", ""},
		{"arn:aws:events:us-east-1:123456789012:api-destination/x/1", "", CodeNoResource},
		{"arn:aws:kinesis:us-east-1:123456789012:stream/s", "", CodeNoResource},
		{"not-an-arn", "", CodeInvalidPayload},
	} {
		got, err := r.Target(t.Context(), tc.arn)
		if tc.code != "" {
			var e *Error
			if !errors.As(err, &e) || e.Code != tc.code || e.Retryable {
				t.Errorf("Target(%s) error = %v, want %s, not retryable", tc.arn, err, tc.code)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != tc.want {
			t.Errorf("Target(%s) = %v, %v; want %s", tc.arn, got, err, tc.want)
		}
	}
}

func TestAsError(t *testing.T) {
	if e := AsError(context.DeadlineExceeded); e.Code != CodeTimeout || !e.Retryable {
		t.Errorf("deadline = %+v", e)
	}
	if e := AsError(errors.New("boom")); e.Code != CodeInternal || !e.Retryable {
		t.Errorf("plain error = %+v", e)
	}
	f := Fail(CodeNoPermissions, "refused %d", 403)
	if e := AsError(fmt.Errorf("wrapped: %w", f)); e != f || e.Error() != "NO_PERMISSIONS: refused 403" {
		t.Errorf("wrapped = %v", e)
	}
	if AsError(nil) != nil {
		t.Error("AsError(nil) != nil")
	}
}
