package pattern

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// slot is what one sub-pattern asks of one field path: that some value at
// the path satisfies one of conds, or, when absentOK, that the path has no
// value at all ({"exists": false}).
type slot struct {
	path     string
	conds    []cond
	absentOK bool
}

// subPattern is one alternative of a pattern after its $or operators are
// expanded: every slot must hold. Slots are sorted by path.
type subPattern []slot

// compiled is a validated pattern: it matches when any alternative does.
type compiled struct {
	subs []subPattern
}

// reservedInOr are names EventBridge refuses as field names inside $or,
// because they are, or may become, operators.
var reservedInOr = map[string]bool{
	"exactly": true, "equals-ignore-case": true, "prefix": true, "suffix": true,
	"anything-but": true, "exists": true, "wildcard": true, "numeric": true, "cidr": true,
	"=": true, "<": true, "<=": true, ">": true, ">=": true,
	"regex": true, "not-wildcard": true, "not-equals-ignore-case": true,
	"date-after": true, "date-on-or-after": true, "date-before": true, "date-on-or-before": true,
	"in-date-range": true, "ip-address-in-range": true, "ip-address-not-in-range": true,
}

const (
	onlyOneKey   = "Only one key allowed in match expression"
	tooManyElems = "Too many elements in numeric expression"
)

// compiler turns pattern text into alternatives. It reads the text in one
// pass and checks as it goes, so that the first problem in reading order is
// the one reported, as EventBridge does.
type compiler struct {
	lx *lexer
	// rules are the alternatives being built; $or forks them.
	rules []map[string]*slot
}

func compile(text string) (*compiled, error) {
	if n := utf8.RuneCountInString(text); n > MaxPatternLength {
		return nil, &PatternTooLongError{Length: n}
	}
	c := &compiler{lx: newLexer(text)}
	tok, err := c.lx.next()
	if err != nil {
		return nil, err
	}
	if tok != tokObjStart {
		return nil, c.lx.fail("Filter is not an object")
	}
	if err := c.object(nil, false); err != nil {
		return nil, err
	}
	if ch, ok := c.lx.skipSpace(); ok {
		// EventBridge's parser stops at the end of the object; trailing text
		// is almost always a mistake, so it is refused here.
		return nil, c.lx.unexpected(ch, "expected end-of-input after the pattern object")
	}
	return c.finish()
}

func (c *compiler) finish() (*compiled, error) {
	out := &compiled{subs: make([]subPattern, 0, len(c.rules))}
	for _, r := range c.rules {
		sub := make(subPattern, 0, len(r))
		for _, s := range r {
			sub = append(sub, *s)
		}
		sort.Slice(sub, func(i, j int) bool { return sub[i].path < sub[j].path })
		out.subs = append(out.subs, sub)
	}
	if err := checkComplexity(out); err != nil {
		return nil, err
	}
	return out, nil
}

func joinPath(path []string, name string) string {
	if len(path) == 0 {
		return name
	}
	return strings.Join(path, ".") + "." + name
}

// object reads the members of an object whose '{' was just read.
func (c *compiler) object(path []string, inOr bool) error {
	members := false
	for {
		tok, err := c.lx.next()
		if err != nil {
			return err
		}
		if tok == tokObjEnd {
			break
		}
		members = true
		name := c.lx.cur.text
		if name == "$or" {
			if err := c.or(path); err != nil {
				return err
			}
			continue
		}
		if inOr && reservedInOr[name] {
			return c.lx.fail(name + " is Ruler reserved fieldName which cannot be used inside $or.")
		}
		tok, err = c.lx.next()
		if err != nil {
			return err
		}
		switch tok {
		case tokObjStart:
			if err := c.object(append(path, name), inOr); err != nil {
				return err
			}
		case tokArrStart:
			if err := c.values(joinPath(path, name)); err != nil {
				return err
			}
		default:
			return c.lx.fail(fmt.Sprintf("%q must be an object or an array", name))
		}
	}
	if !members {
		return c.lx.fail("Empty objects are not allowed")
	}
	return nil
}

func copyRules(rules []map[string]*slot) []map[string]*slot {
	out := make([]map[string]*slot, len(rules))
	for i, r := range rules {
		m := make(map[string]*slot, len(r))
		for k, v := range r {
			m[k] = v
		}
		out[i] = m
	}
	return out
}

// or reads a $or array: every branch is read into its own copy of the
// alternatives built so far, and the results are concatenated.
func (c *compiler) or(path []string) error {
	current := c.rules
	var result []map[string]*slot
	tok, err := c.lx.next()
	if err != nil {
		return err
	}
	if tok != tokArrStart {
		return c.lx.fail("It must be an Array followed with $or.")
	}
	branches := 0
	for {
		tok, err := c.lx.next()
		if err != nil {
			return err
		}
		if tok == tokArrEnd {
			break
		}
		branches++
		if tok != tokObjStart {
			return c.lx.fail("Only JSON object is allowed in array of $or relationship.")
		}
		c.rules = copyRules(current)
		if len(c.rules) == 0 {
			c.rules = []map[string]*slot{{}}
		}
		if err := c.object(path, true); err != nil {
			return err
		}
		result = append(result, c.rules...)
		if len(result) > MaxCombinations {
			return &InvalidPatternError{Reason: fmt.Sprintf("Rule is too complex - the $or relationships expand to more than %d combinations", MaxCombinations)}
		}
	}
	if branches < 2 {
		return c.lx.fail("There must have at least 2 Objects in $or relationship.")
	}
	c.rules = result
	return nil
}

// values reads the value list of a field whose '[' was just read and sets
// it, in every alternative, as the field's slot; a later slot for the same
// path replaces an earlier one.
func (c *compiler) values(path string) error {
	s := &slot{path: path}
	n := 0
	for {
		tok, err := c.lx.next()
		if err != nil {
			return err
		}
		if tok == tokArrEnd {
			break
		}
		n++
		switch tok {
		case tokObjStart:
			cd, absent, err := c.expression()
			if err != nil {
				return err
			}
			if absent {
				s.absentOK = true
			} else {
				s.conds = append(s.conds, cd)
			}
		case tokString:
			text, err := c.lx.text()
			if err != nil {
				return err
			}
			if r, ok := exactIP(text); ok {
				s.conds = append(s.conds, cond{op: opIP, s: text, ip: r})
			} else {
				s.conds = append(s.conds, cond{op: opString, s: text})
			}
		case tokNumber:
			s.conds = append(s.conds, numberCond(c.lx.cur.text))
		case tokTrue:
			s.conds = append(s.conds, cond{op: opLiteral, lit: vTrue})
		case tokFalse:
			s.conds = append(s.conds, cond{op: opLiteral, lit: vFalse})
		case tokNull:
			s.conds = append(s.conds, cond{op: opLiteral, lit: vNull})
		default:
			return c.lx.fail("Match value must be String, number, true, false, or null")
		}
	}
	if n == 0 {
		return c.lx.fail("Empty arrays are not allowed")
	}
	if len(c.rules) == 0 {
		c.rules = []map[string]*slot{{}}
	}
	for _, r := range c.rules {
		r[path] = s
	}
	return nil
}

// numberCond is an exact number: by value when it can be compared, else by
// its text, which is all EventBridge can do with it.
func numberCond(text string) cond {
	if d, ok := comparableNumber(text); ok {
		return cond{op: opNumber, s: text, num: d}
	}
	return cond{op: opNumberText, s: text}
}

// expectEnd reads the '}' that closes a match expression.
func (c *compiler) expectEnd(reason string) error {
	tok, err := c.lx.next()
	if err != nil {
		return err
	}
	if tok != tokObjEnd {
		return c.lx.fail(reason)
	}
	return nil
}

// stringOperand reads the current token as a string operand or fails with reason.
func (c *compiler) stringOperand(tok tokKind, reason string) (string, error) {
	if tok != tokString {
		return "", c.lx.fail(reason)
	}
	return c.lx.text()
}

// expression reads a match expression whose '{' was just read. absent
// reports {"exists": false}, which is not a condition on a value.
func (c *compiler) expression() (cond, bool, error) {
	tok, err := c.lx.next()
	if err != nil {
		return cond{}, false, err
	}
	if tok != tokName {
		return cond{}, false, c.lx.fail("Match expression name not found")
	}
	op := c.lx.cur.text
	tok, err = c.lx.next()
	if err != nil {
		return cond{}, false, err
	}
	var cd cond
	switch op {
	case "exactly":
		s, err := c.stringOperand(tok, "exact match pattern must be a string")
		if err != nil {
			return cd, false, err
		}
		cd = cond{op: opString, s: s}
	case "prefix", "suffix":
		fold := op == "prefix"
		kind, foldKind := opPrefix, opPrefixFold
		if !fold {
			kind, foldKind = opSuffix, opSuffixFold
		}
		if tok == tokObjStart {
			s, err := c.foldedAffix(op)
			return ciCond(foldKind, s), false, err
		}
		s, err := c.stringOperand(tok, op+" match pattern must be a string")
		if err != nil {
			return cd, false, err
		}
		cd = cond{op: kind, s: s}
	case "numeric":
		if tok != tokArrStart {
			return cd, false, c.lx.fail("Value of numeric must be an array.")
		}
		r, err := c.numeric()
		if err != nil {
			return cd, false, err
		}
		if err := c.expectEnd(tooManyElems); err != nil {
			return cd, false, err
		}
		return cond{op: opRange, rng: r}, false, nil
	case "anything-but":
		cd, err := c.anythingBut(tok)
		return cd, false, err
	case "exists":
		if tok != tokTrue && tok != tokFalse {
			return cd, false, c.lx.fail("exists match pattern must be either true or false.")
		}
		absent := tok == tokFalse
		if err := c.expectEnd(onlyOneKey); err != nil {
			return cd, false, err
		}
		return cond{op: opExists}, absent, nil
	case "cidr":
		s, err := c.stringOperand(tok, "prefix match pattern must be a string")
		if err != nil {
			return cd, false, err
		}
		r, err := parseCIDR(s)
		if err != nil {
			// EventBridge reports CIDR problems without a position.
			return cd, false, &InvalidPatternError{Reason: err.Error()}
		}
		cd = cond{op: opCIDR, s: s, ip: r}
	case "equals-ignore-case":
		s, err := c.stringOperand(tok, "equals-ignore-case match pattern must be a string")
		if err != nil {
			return cd, false, err
		}
		cd = ciCond(opFold, s)
	case "wildcard":
		s, err := c.stringOperand(tok, "wildcard match pattern must be a string")
		if err != nil {
			return cd, false, err
		}
		w, err := parseWildcard(s)
		if err != nil {
			return cd, false, c.lx.fail(err.Error())
		}
		cd = cond{op: opWildcard, s: s, wc: w}
	default:
		return cd, false, c.lx.fail("Unrecognized match type " + op)
	}
	if err := c.expectEnd(onlyOneKey); err != nil {
		return cd, false, err
	}
	return cd, false, nil
}

// foldedAffix reads {"equals-ignore-case": "…"} inside prefix or suffix.
func (c *compiler) foldedAffix(op string) (string, error) {
	title := strings.ToUpper(op[:1]) + op[1:]
	tok, err := c.lx.next()
	if err != nil {
		return "", err
	}
	if tok != tokName {
		return "", c.lx.fail(title + " expression name not found")
	}
	if name := c.lx.cur.text; name != "equals-ignore-case" {
		return "", c.lx.fail("Unsupported " + op + " pattern: " + name)
	}
	if tok, err = c.lx.next(); err != nil {
		return "", err
	}
	s, err := c.stringOperand(tok, "equals-ignore-case match pattern must be a string")
	if err != nil {
		return "", err
	}
	if err := c.expectEnd(onlyOneKey); err != nil {
		return "", err
	}
	if err := c.expectEnd(onlyOneKey); err != nil {
		return "", err
	}
	return s, nil
}

// ciCond is a case-insensitive condition on operand s.
func ciCond(op opKind, s string) cond {
	return cond{op: op, s: foldString(s), ci: s, ciASCII: isASCII([]byte(s))}
}

// tokenText is the text the JSON parser gives for any token, used in reasons.
func (c *compiler) tokenText(tok tokKind) string {
	switch tok {
	case tokObjStart:
		return "{"
	case tokObjEnd:
		return "}"
	case tokArrStart:
		return "["
	case tokArrEnd:
		return "]"
	}
	return c.lx.cur.text
}

// numeric reads the array of a numeric expression whose '[' was just read.
func (c *compiler) numeric() (numRange, error) {
	var r numRange
	tok, err := c.lx.next()
	if err != nil {
		return r, err
	}
	if tok != tokString {
		return r, c.lx.fail("Invalid member in numeric match: " + c.tokenText(tok))
	}
	op, err := c.lx.text()
	if err != nil {
		return r, err
	}
	if tok, err = c.lx.next(); err != nil {
		return r, err
	}
	operand := func(name string) (decimal, error) {
		if tok != tokNumber {
			return decimal{}, c.lx.fail("Value of " + name + " must be numeric")
		}
		return decimal{}, nil
	}
	switch op {
	case "=", "<", "<=":
		name := op
		if op == "=" {
			name = "equals"
		}
		if _, err := operand(name); err != nil {
			return r, err
		}
		text := c.lx.cur.text
		if tok, err = c.lx.next(); err != nil {
			return r, err
		}
		if tok != tokArrEnd {
			return r, c.lx.fail(tooManyElems)
		}
		d, err := c.comparable(text)
		if err != nil {
			return r, err
		}
		switch op {
		case "=":
			r = numRange{lo: d, hi: d, hasLo: true, hasHi: true, eq: true}
		case "<":
			r = numRange{hi: d, hasHi: true, openHi: true}
		case "<=":
			r = numRange{hi: d, hasHi: true}
		}
		return r, nil
	case ">", ">=":
		if _, err := operand(op); err != nil {
			return r, err
		}
		bottom := c.lx.cur.text
		if tok, err = c.lx.next(); err != nil {
			return r, err
		}
		r.hasLo, r.openLo = true, op == ">"
		if tok == tokArrEnd {
			r.lo, err = c.comparable(bottom)
			return r, err
		}
		if tok != tokString {
			return r, c.lx.fail("Bad value in numeric range: " + c.tokenText(tok))
		}
		op2, err := c.lx.text()
		if err != nil {
			return r, err
		}
		if op2 != "<" && op2 != "<=" {
			return r, c.lx.fail("Bad numeric range operator: " + op2)
		}
		if tok, err = c.lx.next(); err != nil {
			return r, err
		}
		if tok != tokNumber {
			return r, c.lx.fail("Value of " + op2 + " must be numeric")
		}
		top := c.lx.cur.text
		if tok, err = c.lx.next(); err != nil {
			return r, err
		}
		if tok != tokArrEnd {
			return r, c.lx.fail("Too many terms in numeric range expression")
		}
		if r.lo, err = c.comparable(bottom); err != nil {
			return r, err
		}
		if r.hi, err = c.comparable(top); err != nil {
			return r, err
		}
		r.hasHi, r.openHi = true, op2 == "<"
		if cmpDecimal(&r.lo, &r.hi) >= 0 {
			return r, c.lx.fail("Bottom must be less than top")
		}
		return r, nil
	}
	return r, c.lx.fail("Unrecognized numeric range operator: " + op)
}

// comparable parses a numeric operand, which EventBridge insists can be
// compared as a double without loss.
func (c *compiler) comparable(text string) (decimal, error) {
	d, ok := comparableNumber(text)
	if !ok {
		return d, c.lx.fail("Cannot compare number : " + text)
	}
	return d, nil
}

// anythingBut reads the operand of anything-but, whose first token is tok.
func (c *compiler) anythingBut(tok tokKind) (cond, error) {
	kind := opNotStrings // plain; refined below
	plain := true
	if tok == tokObjStart {
		plain = false
		t, err := c.lx.next()
		if err != nil {
			return cond{}, err
		}
		if t != tokName {
			return cond{}, c.lx.fail("Anything-But expression name not found")
		}
		switch name := c.lx.cur.text; name {
		case "equals-ignore-case":
			kind = opNotFold
		case "prefix":
			kind = opNotPrefix
		case "suffix":
			kind = opNotSuffix
		case "wildcard":
			kind = opNotWildcard
		default:
			return cond{}, c.lx.fail("Unsupported anything-but pattern: " + name)
		}
		if tok, err = c.lx.next(); err != nil {
			return cond{}, err
		}
	}
	if tok != tokArrStart && tok != tokString && tok != tokNumber {
		return cond{}, c.lx.fail("Value of anything-but must be an array or single string/number value.")
	}
	var cd cond
	var err error
	switch {
	case plain && tok == tokArrStart:
		cd, err = c.anythingButList()
	case plain && tok == tokString:
		var s string
		if s, err = c.lx.text(); err == nil {
			cd = cond{op: opNotStrings, set: []string{s}}
		}
	case plain:
		text := c.lx.cur.text
		d, ok := comparableNumber(text)
		if !ok {
			// Not caught by EventBridge's parser, so no position.
			return cond{}, &InvalidPatternError{Reason: "Cannot compare number : " + text}
		}
		cd = cond{op: opNotNumbers, nums: []decimal{d}}
	default:
		cd, err = c.anythingButSet(kind, tok)
	}
	if err != nil {
		return cond{}, err
	}
	if err := c.expectEnd(tooManyElems); err != nil {
		return cond{}, err
	}
	if !plain {
		if err := c.expectEnd(tooManyElems); err != nil {
			return cond{}, err
		}
	}
	return cd, nil
}

func (c *compiler) anythingButList() (cond, error) {
	var strs []string
	var nums []decimal
	for {
		tok, err := c.lx.next()
		if err != nil {
			return cond{}, rethrown(err)
		}
		if tok == tokArrEnd {
			break
		}
		switch tok {
		case tokString:
			s, err := c.lx.text()
			if err != nil {
				return cond{}, rethrown(err)
			}
			strs = append(strs, s)
		case tokNumber:
			d, err := c.comparable(c.lx.cur.text)
			if err != nil {
				return cond{}, err
			}
			nums = append(nums, d)
		default:
			return cond{}, rethrown(c.lx.fail("Inside anything but list, start|null|boolean is not supported."))
		}
	}
	if (len(strs) > 0) == (len(nums) > 0) {
		return cond{}, c.lx.fail("Inside anything but list, either all values are number or string, mixed type is not supported")
	}
	if len(nums) > 0 {
		return cond{op: opNotNumbers, nums: nums}, nil
	}
	return cond{op: opNotStrings, set: strs}, nil
}

// anythingButSet reads the value or list of the equals-ignore-case, prefix,
// suffix or wildcard forms of anything-but.
func (c *compiler) anythingButSet(kind opKind, tok tokKind) (cond, error) {
	wrongType := "prefix/suffix match pattern must be a string"
	switch kind {
	case opNotFold:
		wrongType = "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
	case opNotWildcard:
		wrongType = "wildcard match pattern must be a string"
	}
	var vals []string
	add := func() error {
		s, err := c.lx.text()
		if err != nil {
			return err
		}
		if s == "" && (kind == opNotPrefix || kind == opNotSuffix) {
			return c.lx.fail("Null prefix/suffix not allowed")
		}
		vals = append(vals, s)
		return nil
	}
	list := tok == tokArrStart
	if list {
		for {
			t, err := c.lx.next()
			if err != nil {
				return cond{}, rethrown(err)
			}
			if t == tokArrEnd {
				break
			}
			if t != tokString {
				return cond{}, rethrown(c.lx.fail(wrongType))
			}
			if err := add(); err != nil {
				return cond{}, rethrown(err)
			}
		}
	} else {
		if tok != tokString {
			return cond{}, c.lx.fail(wrongType)
		}
		if err := add(); err != nil {
			return cond{}, err
		}
	}
	cd := cond{op: kind}
	switch kind {
	case opNotWildcard:
		for _, v := range vals {
			w, err := parseWildcard(v)
			if err != nil {
				return cond{}, c.lx.fail(err.Error())
			}
			cd.wcs = append(cd.wcs, w)
		}
	case opNotFold:
		cd.ciASCII = true
		for _, v := range vals {
			cd.set = append(cd.set, foldString(v))
			cd.cis = append(cd.cis, v)
			cd.ciASCII = cd.ciASCII && isASCII([]byte(v))
		}
	default:
		cd.set = vals
	}
	return cd, nil
}

// rethrown reproduces EventBridge's reading of anything-but lists, which
// catches the parser's own errors and raises them again with the position
// appended a second time.
func rethrown(err error) error {
	if e, ok := err.(*InvalidPatternError); ok && e.Location != "" {
		return &InvalidPatternError{Reason: e.Reason, Location: e.Location + e.Location}
	}
	return err
}
