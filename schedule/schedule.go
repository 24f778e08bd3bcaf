package schedule

import (
	"strings"
	"time"

	"github.com/trailbridge/trailbridge"
)

// Schedule is a parsed ScheduleExpression.
type Schedule interface {
	// Next returns the first fire time strictly after after, in UTC and on a
	// whole minute, or the zero Time when the schedule never fires again.
	Next(after time.Time) time.Time
	// String returns the expression exactly as it was parsed.
	String() string
}

// invalidMessage is AWS's text for every invalid expression, whatever is
// wrong with it.
const invalidMessage = "Parameter ScheduleExpression is not valid."

// errInvalid returns a fresh error each time so that no caller can alter what
// another one receives.
func errInvalid() error {
	return &trailbridge.Error{Code: trailbridge.CodeValidation, Message: invalidMessage}
}

// Parse validates expr as EventBridge does and returns its schedule: a Rate
// for rate(...) and a *Cron for cron(...). The expression must match exactly;
// see the package documentation for the accepted forms.
func Parse(expr string) (Schedule, error) {
	if body, ok := cutParens(expr, "rate("); ok {
		r, ok := parseRate(body)
		if !ok {
			return nil, errInvalid()
		}
		r.expr = expr
		return r, nil
	}
	if body, ok := cutParens(expr, "cron("); ok {
		c, ok := parseCron(body)
		if !ok {
			return nil, errInvalid()
		}
		c.expr = expr
		return c, nil
	}
	return nil, errInvalid()
}

// cutParens returns what lies between prefix and a final ")", refusing white
// space right inside the parentheses, which AWS rejects.
func cutParens(expr, prefix string) (string, bool) {
	body, ok := strings.CutPrefix(expr, prefix)
	if !ok {
		return "", false
	}
	body, ok = strings.CutSuffix(body, ")")
	if !ok || body == "" || body[0] == ' ' || body[len(body)-1] == ' ' {
		return "", false
	}
	return body, true
}
