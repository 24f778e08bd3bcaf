package pattern

import (
	"bytes"
	"strconv"
)

// EventBridge compares numbers as IEEE-754 doubles, and only numbers whose
// decimal text is exactly the shortest decimal of their double: 300, 300.0
// and 3e2 compare equal, while 0.10000000000000001 cannot be compared at
// all (a pattern using it for a numeric condition is rejected, an event
// value like it matches no numeric condition). Between two such numbers the
// order of their doubles is the order of their decimals, so the matcher
// compares decimals digit by digit, never converting on the hot path, and
// confirms that a value round-trips only when a comparison succeeds.

// decimal is a JSON number as sign × 0.digits × 10^exp, with no leading or
// trailing zeros in digits; zero has no digits.
type decimal struct {
	neg    bool
	exp    int32
	digits []byte
}

// Exponents beyond this are clamped: no double comes close, so clamping keeps
// the order without overflow.
const maxExp = 1 << 28

// parseDecimal reads a syntactically valid JSON number, appending its digits
// to buf, which it returns grown.
func parseDecimal(text []byte, buf []byte) (decimal, []byte) {
	var d decimal
	i := 0
	if i < len(text) && text[i] == '-' {
		d.neg = true
		i++
	}
	start := len(buf)
	exp := 0
	seenPoint := false
	leading := true
	for ; i < len(text); i++ {
		c := text[i]
		if c == '.' {
			seenPoint = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		if leading && c == '0' {
			if seenPoint {
				exp--
			}
			continue
		}
		leading = false
		buf = append(buf, c)
		if !seenPoint {
			exp++
		}
	}
	if i < len(text) && (text[i] == 'e' || text[i] == 'E') {
		i++
		eneg := false
		if i < len(text) && (text[i] == '+' || text[i] == '-') {
			eneg = text[i] == '-'
			i++
		}
		e := 0
		for ; i < len(text) && text[i] >= '0' && text[i] <= '9'; i++ {
			if e < maxExp {
				e = e*10 + int(text[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	digits := buf[start:]
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	buf = buf[:start+len(digits)]
	if len(digits) == 0 {
		return decimal{}, buf
	}
	d.exp = int32(max(-maxExp, min(maxExp, exp)))
	d.digits = digits
	return d, buf
}

func (d decimal) isZero() bool { return len(d.digits) == 0 }

// cmpDecimal orders two decimals by value.
func cmpDecimal(a, b decimal) int {
	switch {
	case a.isZero() && b.isZero():
		return 0
	case a.isZero():
		if b.neg {
			return 1
		}
		return -1
	case b.isZero():
		if a.neg {
			return -1
		}
		return 1
	case a.neg != b.neg:
		if a.neg {
			return -1
		}
		return 1
	}
	c := 0
	switch {
	case a.exp < b.exp:
		c = -1
	case a.exp > b.exp:
		c = 1
	default:
		c = bytes.Compare(a.digits, b.digits)
	}
	if a.neg {
		return -c
	}
	return c
}

// key is a canonical encoding of d, equal for equal values.
func (d decimal) key(buf []byte) []byte {
	if d.isZero() {
		return append(buf, '0')
	}
	sign := byte('+')
	if d.neg {
		sign = '-'
	}
	e := uint32(d.exp)
	buf = append(buf, sign, byte(e>>24), byte(e>>16), byte(e>>8), byte(e))
	return append(buf, d.digits...)
}

// roundTrips reports whether the number written as text, whose value is d,
// is exactly the shortest decimal of the double nearest to it.
func roundTrips(d decimal, text []byte) bool {
	if d.isZero() {
		return true
	}
	// Up to 15 significant digits always survive a trip through a double
	// (DBL_DIG); so does any magnitude safely inside the normal range.
	if len(d.digits) <= 15 && d.exp > -306 && d.exp < 309 {
		return true
	}
	if len(d.digits) > 17 {
		return false
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		return false
	}
	var tmp [32]byte
	var dbuf [24]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	back, _ := parseDecimal(s, dbuf[:0])
	return cmpDecimal(back, d) == 0
}

// numRange is a numeric condition: lo and hi bound the value, each optional.
type numRange struct {
	lo, hi         decimal
	hasLo, hasHi   bool
	openLo, openHi bool // exclusive bounds
}

func (r *numRange) contains(d decimal) bool {
	if r.hasLo {
		c := cmpDecimal(d, r.lo)
		if c < 0 || (c == 0 && r.openLo) {
			return false
		}
	}
	if r.hasHi {
		c := cmpDecimal(d, r.hi)
		if c > 0 || (c == 0 && r.openHi) {
			return false
		}
	}
	return true
}

// comparable parses a pattern's number operand, which must round-trip.
func comparableNumber(text string) (decimal, bool) {
	d, _ := parseDecimal([]byte(text), nil)
	return d, roundTrips(d, []byte(text))
}
