package pattern

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unsafe"
)

// EventBridge compares numbers as IEEE-754 doubles. A pattern's numeric
// operand must be exactly the shortest decimal of its double (300, 300.0 and
// 3e2 are; 0.10000000000000001 is not, and is refused with "Cannot compare
// number"). Between two such numbers the order of the doubles is the order
// of the decimals, so the matcher compares decimals, as integers, and never
// converts to floating point on the hot path.
//
// An event's number compares when it has at most 17 significant digits and
// a magnitude from 1e-307 up to 1e308 (beyond that, only when it is the
// shortest form of its double); longer numbers, or ones out of the range of
// doubles, match no numeric condition, as in EventBridge's engine. That
// engine also refuses 16- and 17-digit numbers that are not the shortest
// form of their double; trailbridge compares those by their exact value
// (docs/patterns.md explains why), which spares a float conversion per
// compared value.

// decimal is a JSON number as sign × 0.D1D2D3… × 10^exp, where D1 is its
// first significant digit. mant holds the first 19 significant digits as an
// integer, left-aligned (padded with zeros to 19 digits), so that comparing
// two decimals is comparing a few integers. Only numbers with at most 17
// significant digits are ever compared (see above), so the digits beyond the
// 19th never matter; n counts all of them. Zero has mant 0.
type decimal struct {
	mant uint64
	exp  int32
	n    int32 // significant digits, without trailing zeros
	neg  bool
}

// numKey identifies a decimal's value, for hash lookups.
type numKey struct {
	mant uint64
	exp  int32
	neg  bool
}

func (d *decimal) key() numKey {
	if d.mant == 0 {
		return numKey{}
	}
	return numKey{mant: d.mant, exp: d.exp, neg: d.neg}
}

// Exponents beyond this are clamped: no double comes close, so clamping keeps
// the order without overflow.
const maxExp = 1 << 28

// pow10 are the powers of ten that left-align a mantissa.
var pow10 = [20]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// parseDecimal reads a number known to be valid JSON.
func parseDecimal(text []byte) decimal {
	_, d := scanNumber(text)
	return d
}

// scanNumber reads the JSON number at the start of b in one pass, returning
// its length (0 when b does not start with a valid number) and its value.
func scanNumber(b []byte) (int, decimal) {
	if len(b) >= 32 {
		if n, d, ok := scanNumberWords(b); ok {
			return n, d
		}
	}
	var d decimal
	i := 0
	if i < len(b) && b[i] == '-' {
		d.neg = true
		i++
	}
	var mant uint64
	digits := 0 // significant digits read, trailing zeros included
	intDigits := 0
	leadFrac := 0 // zeros between the point and the first significant digit
	lastTail := 0 // position of the last non-zero digit after the 19th
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i]-'1' < 9:
		i, mant, digits, lastTail = addDigits(b, i, mant, digits, lastTail)
		intDigits = digits
	default:
		return 0, d
	}
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		if digits == 0 {
			for i < len(b) && b[i] == '0' {
				leadFrac++ // zeros before the first significant digit
				i++
			}
		}
		i, mant, digits, lastTail = addDigits(b, i, mant, digits, lastTail)
		if i == start {
			return 0, d
		}
	}
	e := 0
	if i < len(b) && b[i]|0x20 == 'e' {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		start := i
		for ; i < len(b) && b[i]-'0' < 10; i++ {
			if e < maxExp {
				e = e*10 + int(b[i]-'0')
			}
		}
		if i == start {
			return 0, d
		}
		if eneg {
			e = -e
		}
	}
	if mant == 0 {
		return i, decimal{} // zero, whatever its sign
	}
	kept := min(digits, 19) // digits held in mant
	n := lastTail
	for mant%10 == 0 {
		mant /= 10
		kept--
	}
	if n == 0 {
		n = kept
	}
	exp := intDigits + e
	if intDigits == 0 {
		exp = -leadFrac + e
	}
	d.mant = mant * pow10[19-kept]
	d.n = int32(n)
	d.exp = int32(max(-maxExp, min(maxExp, exp)))
	return i, d
}

// addDigits adds the run of digits at b[i:] to a mantissa holding digits
// digits: eight at a time while they fit, one by one past the 19th (where
// only the position of the last non-zero one matters) or near the end.
func addDigits(b []byte, i int, mant uint64, digits, lastTail int) (int, uint64, int, int) {
	for i+8 <= len(b) && digits+8 <= 19 {
		k, v := digitRun(b[i : i+8])
		mant = mant*pow10[k] + v
		digits += k
		i += k
		if k < 8 {
			return i, mant, digits, lastTail
		}
	}
	for ; i < len(b) && b[i]-'0' < 10; i++ {
		if digits < 19 {
			mant = mant*10 + uint64(b[i]-'0')
		} else if b[i] != '0' {
			lastTail = digits + 1
		}
		digits++
	}
	return i, mant, digits, lastTail
}

// scanNumberWords reads the common shape of number, -?[1-9]d{0,6}(.d{1,16})?
// with at most 19 digits and no exponent, a word at a time; ok is false for
// anything else, which scanNumber then reads digit by digit. b must have 32
// bytes.
func scanNumberWords(b []byte) (n int, d decimal, ok bool) {
	i := 0
	if b[0] == '-' {
		d.neg = true
		i = 1
	}
	if b[i]-'1' >= 9 {
		return 0, d, false
	}
	w := binary.LittleEndian.Uint64(b[i:])
	k := runLen(w)
	if k == 8 {
		return 0, d, false
	}
	mant := runValue(w, k)
	i += k
	intDigits, digits := k, k
	if b[i] == '.' {
		w = binary.LittleEndian.Uint64(b[i+1:])
		k = runLen(w)
		if k == 0 {
			return 0, d, false
		}
		mant = mant*pow10[k] + runValue(w, k)
		digits += k
		i += 1 + k
		if k == 8 {
			w = binary.LittleEndian.Uint64(b[i:])
			if k = runLen(w); k == 8 || digits+k > 19 {
				return 0, d, false
			}
			mant = mant*pow10[k] + runValue(w, k)
			digits += k
			i += k
		}
	}
	if b[i]|0x20 == 'e' {
		return 0, d, false
	}
	// Trailing zeros are dropped from the count; the text shows whether
	// there are any, which spares the division most of the time.
	if b[i-1] == '0' {
		for mant%10 == 0 { // the first digit is not zero, so this ends
			mant /= 10
			digits--
		}
	}
	d.mant = mant * pow10[19-digits]
	d.n = int32(digits)
	d.exp = int32(intDigits)
	return i, d, true
}

// runLen counts the decimal digits that start the word w (its first byte
// is the lowest): 0 to 8.
func runLen(w uint64) int {
	// A byte is a digit when its high nibble is 3 and its low one below 10.
	bad := (w & 0xf0f0f0f0f0f0f0f0) ^ 0x3030303030303030 | ((w&0x0f0f0f0f0f0f0f0f)+0x0606060606060606)&0xf0f0f0f0f0f0f0f0
	return bits.TrailingZeros64(^zeroLanes(bad)&0x8080808080808080) >> 3
}

// runValue is the value of the first k digits of the word w.
func runValue(w uint64, k int) uint64 {
	// Keep the k digits, as the most significant lanes, and combine pairs,
	// quads and halves (the first byte is the first digit).
	x := (w - 0x3030303030303030) << (8 * (8 - k))
	x = x*10 + x>>8
	return ((x&0x000000ff000000ff)*(100+(1000000<<32)) + ((x>>16)&0x000000ff000000ff)*(1+(10000<<32))) >> 32
}

// digitRun reads the run of decimal digits at the start of the eight bytes
// of b: k digits (0 to 8) and their value.
func digitRun(b []byte) (k int, v uint64) {
	w := binary.LittleEndian.Uint64(b)
	k = runLen(w)
	return k, runValue(w, k)
}

func (d *decimal) isZero() bool { return d.mant == 0 }

// cmpDecimal orders two decimals by value, assuming both have at most 19
// significant digits.
func cmpDecimal(a, b *decimal) int {
	if a.neg != b.neg || a.mant == 0 || b.mant == 0 {
		switch {
		case a.mant == 0 && b.mant == 0:
			return 0
		case a.mant == 0:
			if b.neg {
				return 1
			}
			return -1
		case b.mant == 0:
			if a.neg {
				return -1
			}
			return 1
		case a.neg:
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
	case a.mant < b.mant:
		c = -1
	case a.mant > b.mant:
		c = 1
	}
	if a.neg {
		return -c
	}
	return c
}

// roundTrips reports whether the number written as text, whose value is d,
// is exactly the shortest decimal of the double nearest to it.
func roundTrips(d *decimal, text []byte) bool {
	if d.isZero() {
		return true
	}
	// Up to 15 significant digits always survive a trip through a double
	// (DBL_DIG); so does any magnitude safely inside the normal range.
	if d.n <= 15 && d.exp > -306 && d.exp < 309 {
		return true
	}
	if d.n > 17 {
		return false
	}
	// The text is not changed during the call; viewing it as a string saves
	// a copy.
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

// eventComparable reports whether an event's number, whose value is d, can
// be compared by value.
func eventComparable(d *decimal, text []byte) bool {
	switch {
	case d.isZero() || plainlyComparable(d):
		return true
	case d.n > 17:
		return false
	}
	return roundTrips(d, text) // at the edges of the range of doubles
}

// plainlyComparable is eventComparable's common case, which needs no text:
// few enough digits, well inside the range of doubles.
func plainlyComparable(d *decimal) bool {
	return d.n <= 17 && d.exp > -307 && d.exp < 309
}

// comparableNumber parses a pattern's number operand, which must round-trip.
func comparableNumber(text string) (decimal, bool) {
	d := parseDecimal([]byte(text))
	return d, roundTrips(&d, []byte(text))
}
