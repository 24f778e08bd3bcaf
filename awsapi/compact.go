package awsapi

// compactObject returns detail without insignificant white space when it
// is a JSON object.
//
// It accepts exactly what json.Compact accepts (valid JSON by RFC 8259's
// grammar, string bytes not checked as UTF-8, at most 10,000 levels of
// nesting) and writes the same bytes; FuzzCompactObject holds it to that.
// It is written out because json.Compact's state machine was 3 % of the CPU
// in a profile of BenchmarkPutEvents.
func compactObject(detail string) ([]byte, bool) {
	c := compactor{s: detail}
	c.space()
	if c.i >= len(c.s) || c.s[c.i] != '{' {
		return nil, false
	}
	c.out = make([]byte, 0, len(detail))
	if !c.value(0) {
		return nil, false
	}
	c.space()
	if c.i != len(c.s) {
		return nil, false
	}
	return c.out, true
}

// maxCompactDepth is encoding/json's limit on nesting.
const maxCompactDepth = 10000

type compactor struct {
	s   string
	i   int
	out []byte
}

func (c *compactor) space() {
	s, i := c.s, c.i
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	c.i = i
}

// value copies one value at c.i, which is not white space.
func (c *compactor) value(depth int) bool {
	if c.i >= len(c.s) {
		return false
	}
	switch ch := c.s[c.i]; {
	case ch == '{':
		return c.object(depth + 1)
	case ch == '[':
		return c.array(depth + 1)
	case ch == '"':
		return c.str()
	case ch == '-' || ch >= '0' && ch <= '9':
		return c.number()
	case ch == 't':
		return c.literal("true")
	case ch == 'f':
		return c.literal("false")
	case ch == 'n':
		return c.literal("null")
	}
	return false
}

// begin copies the opening at c.i of an object or array that closes with
// end, and the end too when it is empty (done, ok). Nesting too deep ends
// it as invalid (done, not ok).
func (c *compactor) begin(end byte, depth int) (done, ok bool) {
	if depth > maxCompactDepth {
		return true, false
	}
	c.out = append(c.out, c.s[c.i])
	c.i++
	c.space()
	if c.i < len(c.s) && c.s[c.i] == end {
		c.out = append(c.out, end)
		c.i++
		return true, true
	}
	return false, true
}

func (c *compactor) object(depth int) bool {
	if done, ok := c.begin('}', depth); done {
		return ok
	}
	for {
		if c.i >= len(c.s) || c.s[c.i] != '"' || !c.str() {
			return false
		}
		c.space()
		if c.i >= len(c.s) || c.s[c.i] != ':' {
			return false
		}
		c.out = append(c.out, ':')
		c.i++
		c.space()
		if !c.value(depth) {
			return false
		}
		if more, ok := c.next('}'); !more {
			return ok
		}
	}
}

// next copies the ',' after a member or element (more) or the closing
// end (done: ok).
func (c *compactor) next(end byte) (more, ok bool) {
	c.space()
	if c.i >= len(c.s) {
		return false, false
	}
	switch ch := c.s[c.i]; ch {
	case ',':
		c.out = append(c.out, ',')
		c.i++
		c.space()
		return true, true
	case end:
		c.out = append(c.out, end)
		c.i++
		return false, true
	}
	return false, false
}

func (c *compactor) array(depth int) bool {
	if done, ok := c.begin(']', depth); done {
		return ok
	}
	for {
		if !c.value(depth) {
			return false
		}
		if more, ok := c.next(']'); !more {
			return ok
		}
	}
}

// str copies a string at c.i, whose first byte is '"'.
func (c *compactor) str() bool {
	s, start := c.s, c.i
	i := start + 1
	for i < len(s) {
		ch := s[i]
		if ch >= 0x20 && ch != '"' && ch != '\\' {
			i++
			continue
		}
		switch {
		case ch == '"':
			i++
			c.i = i
			c.out = append(c.out, s[start:i]...)
			return true
		case ch == '\\':
			if i+1 >= len(s) {
				return false
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) || !isHex(s[i+5]) {
					return false
				}
				i += 6
			default:
				return false
			}
		default: // a control byte
			return false
		}
	}
	return false
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}

// number copies a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (c *compactor) number() bool {
	start := c.i
	if c.s[c.i] == '-' {
		c.i++
	}
	switch {
	case c.i < len(c.s) && c.s[c.i] == '0':
		c.i++
	case c.i < len(c.s) && c.s[c.i] >= '1' && c.s[c.i] <= '9':
		c.digits()
	default:
		return false
	}
	if c.i < len(c.s) && c.s[c.i] == '.' {
		c.i++
		if !c.digits() {
			return false
		}
	}
	if c.i < len(c.s) && (c.s[c.i] == 'e' || c.s[c.i] == 'E') {
		c.i++
		if c.i < len(c.s) && (c.s[c.i] == '+' || c.s[c.i] == '-') {
			c.i++
		}
		if !c.digits() {
			return false
		}
	}
	c.out = append(c.out, c.s[start:c.i]...)
	return true
}

// digits reads one or more digits.
func (c *compactor) digits() bool {
	s, i := c.s, c.i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	ok := i > c.i
	c.i = i
	return ok
}

func (c *compactor) literal(lit string) bool {
	if len(c.s)-c.i < len(lit) || c.s[c.i:c.i+len(lit)] != lit {
		return false
	}
	c.i += len(lit)
	c.out = append(c.out, lit...)
	return true
}
