package pattern

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The pattern reader reproduces how EventBridge's JSON parser walks a
// pattern, because EventBridge reports the first problem in reading order,
// with that parser's wording and position. The parser reads one token ahead
// after a field name, and leaves a string value unread until its text is
// asked for; both show in the reported column, so the lexer models them.

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokObjStart
	tokObjEnd
	tokArrStart
	tokArrEnd
	tokName
	tokString
	tokNumber
	tokTrue
	tokFalse
	tokNull
)

type ctxKind uint8

const (
	ctxRoot ctxKind = iota
	ctxObject
	ctxArray
)

type lexCtx struct {
	kind    ctxKind
	start   int // offset of the opening bracket
	entries int // values (arrays) or names (objects) read so far
}

type token struct {
	kind tokKind
	text string // decoded string, field name, number or literal text
	end  int    // offset just after the token
	// open is, for a string value, the offset just after its opening quote:
	// the parser's position until the string's text is read.
	open int
	err  *InvalidPatternError // a problem inside a string value, reported when it is read
}

type lexer struct {
	src   string
	pos   int
	stack []lexCtx
	cur   token
	ahead *token // the value read ahead after a field name
	// textRead records that the current string value's text was asked for,
	// which moves the reported position past its closing quote.
	textRead bool
}

func newLexer(src string) *lexer {
	return &lexer{src: src, stack: []lexCtx{{kind: ctxRoot}}}
}

// loc is the parser's current position, used for reasons found while reading.
func (lx *lexer) loc() int {
	if lx.cur.kind == tokString && !lx.textRead {
		return lx.cur.open
	}
	return lx.cur.end
}

// fail builds an InvalidPatternError positioned where the parser is now.
func (lx *lexer) fail(reason string) *InvalidPatternError {
	return &InvalidPatternError{Reason: reason, Location: location(lx.src, lx.loc())}
}

func (lx *lexer) failAt(reason string, off int) *InvalidPatternError {
	return &InvalidPatternError{Reason: reason, Location: location(lx.src, off)}
}

// text returns the current token's text; for a string value this is the
// moment its content counts as read.
func (lx *lexer) text() (string, error) {
	if lx.cur.kind == tokString {
		if lx.cur.err != nil {
			return "", lx.cur.err
		}
		lx.textRead = true
	}
	return lx.cur.text, nil
}

func (lx *lexer) top() *lexCtx { return &lx.stack[len(lx.stack)-1] }

// next advances to the next token.
func (lx *lexer) next() (tokKind, error) {
	if lx.ahead != nil {
		lx.cur, lx.ahead, lx.textRead = *lx.ahead, nil, false
		lx.push(lx.cur.kind, lx.cur.end-1)
		return lx.cur.kind, nil
	}
	if lx.cur.kind == tokString && lx.cur.err != nil {
		return 0, lx.cur.err
	}
	lx.textRead = false
	c, ok := lx.skipSpace()
	ctx := lx.top()
	if !ok {
		switch ctx.kind {
		case ctxObject:
			return 0, lx.failAt("Unexpected end-of-input: expected close marker for OBJECT (start marker at "+lx.startRef(ctx.start)+")", len(lx.src))
		case ctxArray:
			return 0, lx.failAt("Unexpected end-of-input: expected close marker for ARRAY (start marker at "+lx.startRef(ctx.start)+")", len(lx.src))
		}
		lx.cur = token{kind: tokEOF, end: len(lx.src)}
		return tokEOF, nil
	}
	if c == ']' || c == '}' {
		if (c == ']' && ctx.kind != ctxArray) || (c == '}' && ctx.kind != ctxObject) {
			return 0, lx.failAt("Unexpected close marker '"+string(c)+"': expected '"+closer(ctx.kind)+"' (for "+ctxDesc(ctx.kind)+" starting at "+lx.startRef(ctx.start)+")", lx.pos)
		}
		lx.pos++
		lx.stack = lx.stack[:len(lx.stack)-1]
		kind := tokObjEnd
		if c == ']' {
			kind = tokArrEnd
		}
		lx.cur = token{kind: kind, end: lx.pos}
		return kind, nil
	}
	if ctx.entries > 0 && ctx.kind != ctxRoot {
		if c != ',' {
			return 0, lx.unexpected(c, "was expecting comma to separate "+ctxDesc(ctx.kind)+" entries")
		}
		lx.pos++
		if c, ok = lx.skipSpace(); !ok {
			return 0, lx.failAt("Unexpected end-of-input within/between "+ctxDesc(ctx.kind)+" entries", len(lx.src))
		}
	}
	ctx.entries++
	if ctx.kind == ctxObject {
		return lx.readName(c)
	}
	t, err := lx.readValue(c)
	if err != nil {
		return 0, err
	}
	lx.cur = t
	lx.push(t.kind, t.end-1)
	return t.kind, nil
}

func closer(k ctxKind) string {
	if k == ctxArray {
		return "]"
	}
	return "}"
}

func ctxDesc(k ctxKind) string {
	switch k {
	case ctxObject:
		return "Object"
	case ctxArray:
		return "Array"
	}
	return "root"
}

func (lx *lexer) push(k tokKind, at int) {
	switch k {
	case tokObjStart:
		lx.stack = append(lx.stack, lexCtx{kind: ctxObject, start: at})
	case tokArrStart:
		lx.stack = append(lx.stack, lexCtx{kind: ctxArray, start: at})
	}
}

// startRef renders the nested "[Source: …; line: L, column: C]" of a bracket.
func (lx *lexer) startRef(off int) string {
	l := location(lx.src, off)
	return strings.TrimPrefix(l, "\n at ")
}

func (lx *lexer) skipSpace() (byte, bool) {
	for lx.pos < len(lx.src) {
		switch c := lx.src[lx.pos]; c {
		case ' ', '\t', '\n', '\r':
			lx.pos++
		default:
			return c, true
		}
	}
	return 0, false
}

// unexpected reports the character at lx.pos, positioned on that character.
func (lx *lexer) unexpected(c byte, comment string) *InvalidPatternError {
	r, _ := utf8.DecodeRuneInString(lx.src[lx.pos:])
	if c < utf8.RuneSelf {
		r = rune(c)
	}
	return lx.failAt("Unexpected character ("+charDesc(r)+"): "+comment, lx.pos)
}

func charDesc(r rune) string {
	code := strconv.Itoa(int(r))
	if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
		return "(CTRL-CHAR, code " + code + ")"
	}
	if r > 255 {
		return "'" + string(r) + "' (code " + code + " / 0x" + strconv.FormatInt(int64(r), 16) + ")"
	}
	return "'" + string(r) + "' (code " + code + ")"
}

func (lx *lexer) readName(c byte) (tokKind, error) {
	if c != '"' {
		return 0, lx.unexpected(c, "was expecting double-quote to start field name")
	}
	name, end, err := lx.readString(lx.pos+1, "name")
	if err != nil {
		return 0, err
	}
	lx.pos = end
	c, ok := lx.skipSpace()
	if !ok {
		return 0, lx.failAt("Unexpected end-of-input: was expecting a colon to separate field name and value", len(lx.src))
	}
	if c != ':' {
		return 0, lx.unexpected(c, "was expecting a colon to separate field name and value")
	}
	lx.pos++
	if c, ok = lx.skipSpace(); !ok {
		return 0, lx.failAt("Unexpected end-of-input: expected a value", len(lx.src))
	}
	v, err := lx.readValue(c)
	if err != nil {
		return 0, err
	}
	lx.cur = token{kind: tokName, text: name, end: v.end}
	if v.kind == tokString {
		lx.cur.end = v.open
	}
	lx.ahead = &v
	return tokName, nil
}

const validValues = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"

// readValue reads the value that starts with c at lx.pos.
func (lx *lexer) readValue(c byte) (token, error) {
	start := lx.pos
	switch {
	case c == '"':
		s, end, err := lx.readString(start+1, "string value")
		t := token{kind: tokString, text: s, end: end, open: start + 1}
		if err != nil {
			t.err = err.(*InvalidPatternError)
			t.end = len(lx.src)
		}
		lx.pos = t.end
		return t, nil
	case c == '{':
		lx.pos++
		return token{kind: tokObjStart, end: lx.pos}, nil
	case c == '[':
		lx.pos++
		return token{kind: tokArrStart, end: lx.pos}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return lx.readNumber()
	case c == ']' || c == '}' || c == ',':
		return token{}, lx.unexpected(c, "expected a value")
	}
	word := lx.word()
	switch word {
	case "true":
		return token{kind: tokTrue, text: word, end: lx.pos}, nil
	case "false":
		return token{kind: tokFalse, text: word, end: lx.pos}, nil
	case "null":
		return token{kind: tokNull, text: word, end: lx.pos}, nil
	case "":
		return token{}, lx.unexpected(c, "expected a valid value "+validValues)
	}
	return token{}, lx.failAt("Unrecognized token '"+word+"': was expecting "+validValues, lx.pos)
}

// word reads the identifier-like run at lx.pos, as the parser does to name
// an unrecognized token.
func (lx *lexer) word() string {
	start := lx.pos
	for lx.pos < len(lx.src) {
		r, size := utf8.DecodeRuneInString(lx.src[lx.pos:])
		ok := r == '_' || r == '$' || unicode.IsLetter(r)
		if lx.pos > start {
			ok = ok || unicode.IsDigit(r)
		}
		if !ok {
			break
		}
		lx.pos += size
	}
	return lx.src[start:lx.pos]
}

func (lx *lexer) readNumber() (token, error) {
	start := lx.pos
	s := lx.src
	i := start
	digitAt := func(i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }
	numErr := func(i int, what string) error {
		if i >= len(s) {
			return lx.failAt("Unexpected end-of-input in a Number value", len(s))
		}
		lx.pos = i
		return lx.unexpectedNum(i, what)
	}
	if s[i] == '-' {
		i++
		if !digitAt(i) {
			return token{}, numErr(i, "expected digit (0-9) to follow minus sign, for valid numeric value")
		}
	}
	if s[i] == '0' && digitAt(i+1) {
		return token{}, lx.failAt("Invalid numeric value: Leading zeroes not allowed", i+1)
	}
	for digitAt(i) {
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digitAt(i) {
			return token{}, numErr(i, "Decimal point not followed by a digit")
		}
		for digitAt(i) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digitAt(i) {
			return token{}, numErr(i, "Exponent indicator not followed by a digit")
		}
		for digitAt(i) {
			i++
		}
	}
	lx.pos = i
	return token{kind: tokNumber, text: s[start:i], end: i}, nil
}

func (lx *lexer) unexpectedNum(i int, what string) *InvalidPatternError {
	r, _ := utf8.DecodeRuneInString(lx.src[i:])
	return lx.failAt("Unexpected character ("+charDesc(r)+") in numeric value: "+what, i)
}

// readString decodes the string whose content starts at off and returns the
// offset after its closing quote. Invalid surrogate escapes become U+FFFD, as
// encoding/json does, so that patterns and events decode alike.
func (lx *lexer) readString(off int, what string) (string, int, error) {
	s := lx.src
	i := off
	for i < len(s) {
		c := s[i]
		if c == '"' {
			return s[off:i], i + 1, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		i++
	}
	var b strings.Builder
	b.WriteString(s[off:i])
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), i + 1, nil
		case c < 0x20:
			return "", 0, lx.failAt("Illegal unquoted character ("+charDesc(rune(c))+"): has to be escaped using backslash to be included in "+what, i)
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		e := s[i]
		i++
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, n, err := lx.hex4(i)
			if err != nil {
				return "", 0, err
			}
			i = n
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if x, n2, err := lx.hex4(i + 2); err == nil {
						if d := utf16.DecodeRune(r, x); d != unicode.ReplacementChar {
							r2, i = d, n2
						}
					}
				}
				if r2 < 0 {
					r2 = unicode.ReplacementChar
				}
				r = r2
			}
			b.WriteRune(r)
		default:
			r, _ := utf8.DecodeRuneInString(s[i-1:])
			return "", 0, lx.failAt("Unrecognized character escape "+charDesc(r), i)
		}
	}
	return "", 0, lx.failAt("Unexpected end-of-input: was expecting closing quote for a "+what, len(s))
}

func (lx *lexer) hex4(i int) (rune, int, error) {
	var r rune
	for k := 0; k < 4; k++ {
		if i+k >= len(lx.src) {
			return 0, 0, lx.failAt("Unexpected end-of-input in character escape sequence", len(lx.src))
		}
		c := lx.src[i+k]
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			r, _ := utf8.DecodeRuneInString(lx.src[i+k:])
			return 0, 0, lx.failAt("Unexpected character ("+charDesc(r)+"): expected a hex-digit for character escape sequence", i+k)
		}
		r = r<<4 | rune(v)
	}
	return r, i + 4, nil
}
