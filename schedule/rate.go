package schedule

import (
	"math"
	"time"
)

// Rate is a rate(value unit) schedule: it fires every interval, counted from
// an anchor. Parse returns a Rate anchored at the Unix epoch; WithStart moves
// the anchor to when the rule was created, which is what EventBridge counts
// from. The zero Rate never fires.
type Rate struct {
	expr    string
	minutes int64 // the interval
	anchor  int64 // Unix seconds, on a whole minute
}

// maxRateValue bounds the value of a rate expression. AWS documents no bound;
// a 32-bit integer is the likely limit of its parser, and it keeps every
// computation in Next well inside int64.
const maxRateValue = math.MaxInt32

func parseRate(body string) (Rate, bool) {
	num, unit, ok := cutSpace(body)
	if !ok || num == "" || num[0] == '0' {
		return Rate{}, false
	}
	n, ok := atoi(num, maxRateValue)
	if !ok {
		return Rate{}, false
	}
	var per int64
	switch unit {
	case "minute", "minutes":
		per = 1
	case "hour", "hours":
		per = 60
	case "day", "days":
		per = 24 * 60
	default:
		return Rate{}, false
	}
	// AWS insists on the singular with 1 and the plural otherwise.
	if plural := unit[len(unit)-1] == 's'; plural != (n > 1) {
		return Rate{}, false
	}
	return Rate{minutes: int64(n) * per}, true
}

// cutSpace splits s around its only space.
func cutSpace(s string) (before, after string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			before, after = s[:i], s[i+1:]
			for j := 0; j < len(after); j++ {
				if after[j] == ' ' {
					return "", "", false
				}
			}
			return before, after, true
		}
	}
	return "", "", false
}

// WithStart returns the same rate anchored at start, normally the moment the
// rule was created: it then fires one interval after start and every
// interval after that. start is truncated to the minute.
func (r Rate) WithStart(start time.Time) Schedule {
	r.anchor = floorMinute(start.Unix())
	return r
}

// unixLimit bounds the Unix seconds Next works with: far beyond any real
// date, and far enough from the int64 limits that no sum below overflows.
const unixLimit = 1 << 62

// Next returns the first anchor+k*interval (k ≥ 1) strictly after after.
func (r Rate) Next(after time.Time) time.Time {
	step := r.minutes * 60
	if step <= 0 || r.anchor <= -unixLimit || r.anchor >= unixLimit {
		return time.Time{} // the zero Rate, or an anchor no clock reaches
	}
	// Fire times are whole seconds, so "later than after" is "later than
	// after's whole second".
	b := max(after.Unix(), -unixLimit)
	if b >= unixLimit {
		return time.Time{}
	}
	k := int64(1)
	if d := b - r.anchor; d >= step {
		k = d/step + 1
	}
	return time.Unix(r.anchor+k*step, 0).UTC()
}

// String returns the expression as it was parsed.
func (r Rate) String() string { return r.expr }

// floorMinute rounds Unix seconds down to a whole minute, also before 1970.
func floorMinute(sec int64) int64 {
	m := sec % 60
	if m < 0 {
		m += 60
	}
	return sec - m
}
