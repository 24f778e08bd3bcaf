package schedule

import (
	"strings"
)

// Cron is a cron(...) schedule in AWS's dialect. Its fields are bit sets, so
// that Next can jump to the next allowed value of each field instead of
// stepping through minutes.
type Cron struct {
	expr    string
	minutes uint64    // bit m for minute m
	hours   uint64    // bit h for hour h
	months  uint64    // bit m for month m, 1-12
	years   [4]uint64 // bit y-minYear for year y
	day     dayRule   // Day-of-month or Day-of-week, whichever is not "?"
}

const (
	minYear = 1970
	maxYear = 2199
)

// dayKind tells which of the day forms a Cron uses.
type dayKind uint8

const (
	domSet            dayKind = iota // days of the month in set
	domLast                          // L: last day of the month
	domLastWeekday                   // LW: last Monday-Friday of the month
	domNearestWeekday                // nW: weekday nearest day n
	dowSet                           // weekdays in set (1 = Sunday)
	dowLast                          // dL: last weekday d of the month
	dowNth                           // d#k: k-th weekday d of the month
)

// dayRule is the parsed day constraint.
type dayRule struct {
	kind dayKind
	set  uint64 // domSet: bit d for day d; dowSet: bit w for weekday w
	n    int    // domNearestWeekday: the day; dowLast, dowNth: the weekday
	nth  int    // dowNth: which occurrence, 1-5
}

// field describes one cron field's values and what it allows.
type field struct {
	min, max int
	names    string // three letters per value from min on; "" when none
	step     bool   // "/" allowed
	wrap     bool   // ranges may run past max back to min
}

// Names are three letters each, in value order; constants so that nothing can
// change them.
const (
	monthNames = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC"
	dayNames   = "SUNMONTUEWEDTHUFRISAT"
)

// The fields, as functions so that no caller can change them.
func minuteField() field { return field{min: 0, max: 59, step: true, wrap: true} }
func hourField() field   { return field{min: 0, max: 23, step: true, wrap: true} }
func domField() field    { return field{min: 1, max: 31, step: true, wrap: true} }
func monthField() field  { return field{min: 1, max: 12, names: monthNames, step: true, wrap: true} }
func dowField() field    { return field{min: 1, max: 7, names: dayNames, wrap: true} }
func yearField() field   { return field{min: minYear, max: maxYear, step: true} }

func parseCron(body string) (*Cron, bool) {
	parts := strings.Split(body, " ")
	if len(parts) != 6 {
		return nil, false
	}
	dom, dow := parts[2], parts[4]
	// Exactly one of the two day fields is "?": both would leave the day
	// unconstrained, neither would leave AWS to combine them, which it does
	// not.
	if (dom == "?") == (dow == "?") {
		return nil, false
	}
	c := &Cron{}
	var ok bool
	if c.minutes, ok = parseSmall(parts[0], minuteField()); !ok {
		return nil, false
	}
	if c.hours, ok = parseSmall(parts[1], hourField()); !ok {
		return nil, false
	}
	if c.months, ok = parseSmall(parts[3], monthField()); !ok {
		return nil, false
	}
	if c.years, ok = parseYears(parts[5]); !ok {
		return nil, false
	}
	if dow == "?" {
		c.day, ok = parseDayOfMonth(dom)
	} else {
		c.day, ok = parseDayOfWeek(dow)
	}
	if !ok {
		return nil, false
	}
	return c, true
}

// parseSmall parses a field whose values all fit in one uint64.
func parseSmall(s string, f field) (uint64, bool) {
	var set uint64
	ok := parseField(s, f, func(v int) { set |= 1 << v })
	return set, ok
}

func parseYears(s string) ([4]uint64, bool) {
	var set [4]uint64
	ok := parseField(s, yearField(), func(y int) {
		i := y - minYear
		set[i/64] |= 1 << (i % 64)
	})
	return set, ok
}

// parseDayOfMonth parses a Day-of-month that is not "?".
func parseDayOfMonth(s string) (dayRule, bool) {
	switch {
	case s == "L":
		return dayRule{kind: domLast}, true
	case s == "LW":
		return dayRule{kind: domLastWeekday}, true
	case strings.HasSuffix(s, "W"):
		// W applies to a single day, never to a list or range.
		f := domField()
		n, ok := value(s[:len(s)-1], f)
		return dayRule{kind: domNearestWeekday, n: n}, ok
	}
	set, ok := parseSmall(s, domField())
	return dayRule{kind: domSet, set: set}, ok
}

// parseDayOfWeek parses a Day-of-week that is not "?".
func parseDayOfWeek(s string) (dayRule, bool) {
	f := dowField()
	switch {
	case s == "L":
		// Alone, L is the last day of the week, Saturday.
		return dayRule{kind: dowSet, set: 1 << 7}, true
	case strings.HasSuffix(s, "L"):
		d, ok := value(s[:len(s)-1], f)
		return dayRule{kind: dowLast, n: d}, ok
	}
	if d, k, found := strings.Cut(s, "#"); found {
		w, ok := value(d, f)
		if !ok || len(k) != 1 || k[0] < '1' || k[0] > '5' {
			return dayRule{}, false
		}
		return dayRule{kind: dowNth, n: w, nth: int(k[0] - '0')}, true
	}
	set, ok := parseSmall(s, f)
	return dayRule{kind: dowSet, set: set}, ok
}

// parseField parses "*" or a comma-separated list of items, calling add for
// every value it selects. An item is a value, a range "a-b", or an increment
// "a/n", "a-b/n" or "*/n".
func parseField(s string, f field, add func(int)) bool {
	if s == "*" {
		for v := f.min; v <= f.max; v++ {
			add(v)
		}
		return true
	}
	for item := range strings.SplitSeq(s, ",") {
		if !parseItem(item, f, add) {
			return false
		}
	}
	return true
}

func parseItem(item string, f field, add func(int)) bool {
	base, stepText, hasStep := strings.Cut(item, "/")
	step := 1
	if hasStep {
		var ok bool
		if !f.step {
			return false
		}
		// Quartz bounds the increment by the field's largest value.
		if step, ok = atoi(stepText, f.max); !ok || step < 1 {
			return false
		}
	}
	var lo, hi int
	switch a, b, isRange := strings.Cut(base, "-"); {
	case base == "*" && hasStep:
		lo, hi = f.min, f.max
	case isRange:
		var ok1, ok2 bool
		lo, ok1 = value(a, f)
		hi, ok2 = value(b, f)
		if !ok1 || !ok2 || (hi < lo && !f.wrap) {
			return false
		}
	default:
		var ok bool
		if lo, ok = value(base, f); !ok {
			return false
		}
		hi = lo
		if hasStep {
			hi = f.max // "a/n" runs from a to the end of the field
		}
	}
	// Walk the possibly wrapping range by position, so that "22-2/2" is
	// 22, 0, 2 just as "20-23/2" is 20, 22.
	size := f.max - f.min + 1
	length := (hi-lo+size)%size + 1
	for k := 0; k < length; k += step {
		add(f.min + (lo-f.min+k)%size)
	}
	return true
}

// value parses one number or name of field f.
func value(s string, f field) (int, bool) {
	if len(s) == 3 {
		for i := 0; i+3 <= len(f.names); i += 3 {
			if equalFoldASCII(s, f.names[i:i+3]) {
				return f.min + i/3, true
			}
		}
	}
	v, ok := atoi(s, f.max)
	return v, ok && v >= f.min
}

// equalFoldASCII compares s with the uppercase name upper, ignoring ASCII
// case only: strings.EqualFold would also let "ſ" or "K" (Kelvin) stand in
// for letters, which AWS has no reason to accept.
func equalFoldASCII(s, upper string) bool {
	for i := 0; i < len(upper); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}

// atoi parses a non-empty run of decimal digits worth at most limit. Leading
// zeros are allowed; callers that forbid them check first. It stops before
// overflowing, even where int has 32 bits.
func atoi(s string, limit int) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		digit := int(c - '0')
		if digit > limit || n > (limit-digit)/10 {
			return 0, false
		}
		n = n*10 + digit
	}
	return n, true
}

// String returns the expression as it was parsed.
func (c *Cron) String() string { return c.expr }
