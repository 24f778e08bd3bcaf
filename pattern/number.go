package pattern

import (
	"bytes"
	"strconv"
	"unsafe"
)

// EventBridge compares numbers as IEEE-754 doubles, and only numbers whose
// decimal text is exactly the shortest decimal of their double: 300, 300.0
// and 3e2 compare equal, while 0.10000000000000001 cannot be compared at
// all (a pattern using it for a numeric condition is rejected, an event
// value like it matches no numeric condition). Between two such numbers the
// order of their doubles is the order of their decimals, so the matcher
// compares decimals digit by digit, never converting on the hot path, and
// confirms that a value round-trips only when a comparison succeeds.

// decimal is a JSON number as sign × 0.DIGITS × 10^exp, where DIGITS, the
// significant digits without leading or trailing zeros, is hi followed by
// lo. Both are slices of the number's text (the integer and fraction parts),
// so reading a number copies nothing. Zero has no digits.
type decimal struct {
	neg    bool
	exp    int32
	hi, lo []byte
}

// Exponents beyond this are clamped: no double comes close, so clamping keeps
// the order without overflow.
const maxExp = 1 << 28

// parseDecimal reads a syntactically valid JSON number.
func parseDecimal(text []byte) decimal {
	var d decimal
	i := 0
	if i < len(text) && text[i] == '-' {
		d.neg = true
		i++
	}
	intStart := i
	for i < len(text) && text[i] >= '0' && text[i] <= '9' {
		i++
	}
	intEnd := i
	fracStart, fracEnd := i, i
	if i < len(text) && text[i] == '.' {
		i++
		fracStart = i
		for i < len(text) && text[i] >= '0' && text[i] <= '9' {
			i++
		}
		fracEnd = i
	}
	e := 0
	if i < len(text) && (text[i] == 'e' || text[i] == 'E') {
		i++
		eneg := false
		if i < len(text) && (text[i] == '+' || text[i] == '-') {
			eneg = text[i] == '-'
			i++
		}
		for ; i < len(text) && text[i] >= '0' && text[i] <= '9'; i++ {
			if e < maxExp {
				e = e*10 + int(text[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
	}
	for intStart < intEnd && text[intStart] == '0' {
		intStart++
	}
	var exp int
	if intStart < intEnd {
		d.hi = text[intStart:intEnd]
		d.lo = trimZeros(text[fracStart:fracEnd])
		if len(d.lo) == 0 {
			d.lo = nil
			d.hi = trimZeros(d.hi)
		}
		exp = intEnd - intStart + e
	} else {
		k := fracStart
		for k < fracEnd && text[k] == '0' {
			k++
		}
		if k == fracEnd {
			return decimal{} // zero
		}
		d.hi = trimZeros(text[k:fracEnd])
		exp = fracStart - k + e
	}
	d.exp = int32(max(-maxExp, min(maxExp, exp)))
	return d
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	return b
}

func (d decimal) isZero() bool { return len(d.hi) == 0 }

// cmpDigits orders two digit sequences, each given in two parts.
func cmpDigits(a1, a2, b1, b2 []byte) int {
	if len(a1) == len(b1) {
		// Numbers of the same magnitude usually split alike.
		if c := bytes.Compare(a1, b1); c != 0 || (len(a2) == 0 && len(b2) == 0) {
			return c
		}
		return bytes.Compare(a2, b2)
	}
	if len(a2) == 0 && len(b2) == 0 {
		return bytes.Compare(a1, b1)
	}
	la, lb := len(a1)+len(a2), len(b1)+len(b2)
	for i := 0; i < la && i < lb; i++ {
		var x, y byte
		if i < len(a1) {
			x = a1[i]
		} else {
			x = a2[i-len(a1)]
		}
		if i < len(b1) {
			y = b1[i]
		} else {
			y = b2[i-len(b1)]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	switch {
	case la < lb:
		return -1
	case la > lb:
		return 1
	}
	return 0
}

// cmpDecimal orders two decimals by value.
func cmpDecimal(a, b *decimal) int {
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
		c = cmpDigits(a.hi, a.lo, b.hi, b.lo)
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
	return append(append(buf, d.hi...), d.lo...)
}

// roundTrips reports whether the number written as text, whose value is d,
// is exactly the shortest decimal of the double nearest to it.
func roundTrips(d *decimal, text []byte) bool {
	if d.isZero() {
		return true
	}
	// Up to 15 significant digits always survive a trip through a double
	// (DBL_DIG); so does any magnitude safely inside the normal range.
	n := len(d.hi) + len(d.lo)
	if n <= 15 && d.exp > -306 && d.exp < 309 {
		return true
	}
	if n > 17 {
		return false
	}
	// The event's bytes stay unchanged during the call; viewing them as a
	// string saves a copy on the matcher's hot path.
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(text), len(text)), 64)
	if err != nil {
		return false
	}
	var tmp [32]byte
	back := parseDecimal(strconv.AppendFloat(tmp[:0], f, 'e', -1, 64))
	return cmpDecimal(&back, d) == 0
}

// numRange is a numeric condition: lo and hi bound the value, each optional.
type numRange struct {
	lo, hi         decimal
	hasLo, hasHi   bool
	openLo, openHi bool // exclusive bounds
	eq             bool // lo == hi, both inclusive
}

func (r *numRange) contains(d *decimal) bool {
	if r.eq {
		return cmpDecimal(d, &r.lo) == 0
	}
	if r.hasLo {
		c := cmpDecimal(d, &r.lo)
		if c < 0 || (c == 0 && r.openLo) {
			return false
		}
	}
	if r.hasHi {
		c := cmpDecimal(d, &r.hi)
		if c > 0 || (c == 0 && r.openHi) {
			return false
		}
	}
	return true
}

// comparable parses a pattern's number operand, which must round-trip.
func comparableNumber(text string) (decimal, bool) {
	d := parseDecimal([]byte(text))
	return d, roundTrips(&d, []byte(text))
}
