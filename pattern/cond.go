package pattern

// opKind names one condition of a pattern's value list.
type opKind uint8

const (
	opString     opKind = iota // exact string
	opNumber                   // exact number, by value
	opNumberText               // exact number that cannot be compared by value: by its text
	opLiteral                  // true, false or null
	opIP                       // a string operand that is an IP address: equal addresses
	opPrefix
	opPrefixFold
	opSuffix
	opSuffixFold
	opFold // equals-ignore-case
	opWildcard
	opNotStrings  // anything-but, strings
	opNotNumbers  // anything-but, numbers
	opNotFold     // anything-but equals-ignore-case
	opNotPrefix   // anything-but prefix
	opNotSuffix   // anything-but suffix
	opNotWildcard // anything-but wildcard
	opRange       // numeric
	opExists      // exists: true
	opCIDR        // cidr
)

// valKind is the JSON type of an event value.
type valKind uint8

const (
	vString valKind = iota + 1
	vNumber
	vTrue
	vFalse
	vNull
)

// cond is one condition. Operands of the case-insensitive kinds are stored
// folded.
type cond struct {
	op  opKind
	s   string   // exact string, prefix, suffix, folded operand; number text
	lit valKind  // opLiteral
	num decimal  // opNumber
	set []string // anything-but strings, folded strings, prefixes, suffixes
	// ci is the operand of a case-insensitive operator as written (s is
	// its key), cis those of anything-but equals-ignore-case (set holds
	// their keys); ciASCII reports operands all ASCII, which keys decide.
	ci      string
	cis     []string
	ciASCII bool
	nums    []decimal   // anything-but numbers
	wc      *wildcard   // opWildcard
	wcs     []*wildcard // opNotWildcard
	rng     numRange    // opRange
	ip      ipRange     // opIP, opCIDR
}

// value is an event's leaf value. Forms derived from it (folded, as a
// number, as an address) are computed at most once, into an evalCtx.
type value struct {
	raw     []byte // strings: decoded; numbers: the JSON text
	num     decimal
	kind    valKind
	derived uint8 // which derived forms are computed
	ext     int32 // index of the derived forms in the evalCtx
}

const (
	haveFold uint8 = 1 << iota
	haveNum
	haveRT
	isComparable
	haveIP
	haveExt // ext is allocated
)

// evalCtx holds the derived forms of one event's values.
type evalCtx struct {
	arena []byte // decoded strings and folded forms
	exts  []valueExt
}

type valueExt struct {
	folded []byte
	ipOK   bool
	ip4    bool
	ip     [16]byte
}

func (ec *evalCtx) reset() {
	ec.arena = ec.arena[:0]
	ec.exts = ec.exts[:0]
}

func (v *value) extOf(ec *evalCtx) *valueExt {
	if v.derived&haveExt == 0 {
		v.ext = int32(len(ec.exts))
		ec.exts = append(ec.exts, valueExt{})
		v.derived |= haveExt
	}
	return &ec.exts[v.ext]
}

func (v *value) fold(ec *evalCtx) []byte {
	if v.derived&haveFold == 0 {
		x := v.extOf(ec)
		start := len(ec.arena)
		ec.arena = appendFold(ec.arena, v.raw)
		x.folded = ec.arena[start:len(ec.arena):len(ec.arena)]
		v.derived |= haveFold
		return x.folded
	}
	return ec.exts[v.ext].folded
}

// dec returns a number value as a decimal. The pointer is valid until the
// next derived form is computed.
func (v *value) dec(ec *evalCtx) *decimal {
	if v.derived&haveNum == 0 {
		// raw is a slice of the event: reading on past its end (to what
		// follows the number) lets the number be read a word at a time.
		_, v.num = scanNumber(v.raw[:cap(v.raw)])
		v.derived |= haveNum
	}
	return &v.num
}

// comparable reports whether a number value can be compared by value.
func (v *value) comparable(ec *evalCtx) bool {
	if v.derived&haveRT == 0 {
		if eventComparable(v.dec(ec), v.raw) {
			v.derived |= isComparable
		}
		v.derived |= haveRT
	}
	return v.derived&isComparable != 0
}

func (v *value) address(ec *evalCtx) ([16]byte, bool, bool) {
	if v.derived&haveIP == 0 {
		x := v.extOf(ec)
		if v.kind == vString {
			x.ip, x.ip4, x.ipOK = parseIP(v.raw)
		}
		v.derived |= haveIP
	}
	x := &ec.exts[v.ext]
	return x.ip, x.ip4, x.ipOK
}

// ciConfirm decides a case-insensitive condition whose keys agreed: keys
// decide ASCII operands on ASCII values; otherwise ciMatch does.
func (c *cond) ciConfirm(raw []byte, op string, mode ciMode) bool {
	return c.ciASCII && isASCII(raw) || ciMatch(raw, op, mode)
}

// matches evaluates c against v; sb holds derived forms.
func (c *cond) matches(v *value, sb *evalCtx) bool {
	switch c.op {
	case opString:
		return v.kind == vString && string(v.raw) == c.s
	case opNumber:
		return v.kind == vNumber && cmpDecimal(v.dec(sb), &c.num) == 0 && v.comparable(sb)
	case opNumberText:
		return v.kind == vNumber && string(v.raw) == c.s
	case opLiteral:
		return v.kind == c.lit
	case opIP, opCIDR:
		ip, ip4, ok := v.address(sb)
		return ok && c.ip.contains(ip, ip4)
	case opPrefix:
		return v.kind == vString && len(v.raw) >= len(c.s) && string(v.raw[:len(c.s)]) == c.s
	case opSuffix:
		return v.kind == vString && len(v.raw) >= len(c.s) && string(v.raw[len(v.raw)-len(c.s):]) == c.s
	case opPrefixFold:
		if v.kind != vString {
			return false
		}
		f := v.fold(sb)
		return len(f) >= len(c.s) && string(f[:len(c.s)]) == c.s && c.ciConfirm(v.raw, c.ci, ciPrefix)
	case opSuffixFold:
		if v.kind != vString {
			return false
		}
		f := v.fold(sb)
		return len(f) >= len(c.s) && string(f[len(f)-len(c.s):]) == c.s && c.ciConfirm(v.raw, c.ci, ciSuffix)
	case opFold:
		return v.kind == vString && string(v.fold(sb)) == c.s && c.ciConfirm(v.raw, c.ci, ciWhole)
	case opWildcard:
		return v.kind == vString && c.wc.match(v.raw)
	case opNotStrings:
		if v.kind != vString {
			return true
		}
		for _, s := range c.set {
			if string(v.raw) == s {
				return false
			}
		}
		return true
	case opNotNumbers:
		if v.kind != vNumber {
			return true
		}
		d := v.dec(sb)
		for _, n := range c.nums {
			if cmpDecimal(d, &n) == 0 {
				return !v.comparable(sb)
			}
		}
		return true
	case opNotFold:
		if v.kind != vString {
			return true
		}
		f := v.fold(sb)
		for i, s := range c.set {
			if string(f) == s && c.ciConfirm(v.raw, c.cis[i], ciWhole) {
				return false
			}
		}
		return true
	case opNotPrefix:
		if v.kind != vString {
			return true
		}
		for _, s := range c.set {
			if len(v.raw) >= len(s) && string(v.raw[:len(s)]) == s {
				return false
			}
		}
		return true
	case opNotSuffix:
		if v.kind != vString {
			return true
		}
		for _, s := range c.set {
			if len(v.raw) >= len(s) && string(v.raw[len(v.raw)-len(s):]) == s {
				return false
			}
		}
		return true
	case opNotWildcard:
		if v.kind != vString {
			return true
		}
		for _, w := range c.wcs {
			if w.match(v.raw) {
				return false
			}
		}
		return true
	case opRange:
		return v.kind == vNumber && c.rng.contains(v.dec(sb)) && v.comparable(sb)
	case opExists:
		return true
	}
	return false
}
