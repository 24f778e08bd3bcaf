package transform

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// maxDepth bounds the nesting of the JSON this package reads. EventBridge
// allows detail to nest 1000 levels; the margin keeps deep but legal events
// working while a hostile input cannot exhaust the stack.
const maxDepth = 4096

var (
	errDepth = errors.New("nesting too deep")
	errEOF   = errors.New("unexpected end of input")
)

// syntaxError locates malformed JSON; the offset is what makes a bad event
// debuggable from a log line.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at offset %d", e.msg, e.off) }

// scanner reads JSON text in place. It never builds a tree: callers want a
// few values out of a large event, so everything else is skipped after
// being checked.
type scanner struct {
	buf []byte
	pos int
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *scanner) ws() {
	for s.pos < len(s.buf) && isSpace(s.buf[s.pos]) {
		s.pos++
	}
}

// peek returns the current byte, or 0 at the end (0 is never valid JSON
// outside a string, so it doubles as "nothing here").
func (s *scanner) peek() byte {
	if s.pos < len(s.buf) {
		return s.buf[s.pos]
	}
	return 0
}

func (s *scanner) fail(msg string) error {
	if s.pos >= len(s.buf) {
		return errEOF
	}
	return &syntaxError{off: s.pos, msg: msg}
}

// value checks the value at s.pos (no leading space) and moves past it.
func (s *scanner) value(depth int) error {
	switch c := s.peek(); {
	case c == '{':
		return s.object(depth, nil)
	case c == '[':
		return s.array(depth, nil)
	case c == '"':
		_, err := s.str()
		return err
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	default:
		return s.fail("invalid character " + quoteByte(c) + " looking for a value")
	}
}

// object reads an object; member, when set, is called for each member with
// the raw key's span (quotes included), whether the key holds escapes, and
// s.pos on the member's value; it must move past that value.
func (s *scanner) object(depth int, member func(key span, escaped bool) error) error {
	if depth >= maxDepth {
		return errDepth
	}
	s.pos++ // {
	s.ws()
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.fail("invalid character " + quoteByte(s.peek()) + " looking for an object key")
		}
		start := s.pos
		escaped, err := s.str()
		if err != nil {
			return err
		}
		key := span{start, s.pos}
		s.ws()
		if s.peek() != ':' {
			return s.fail("invalid character " + quoteByte(s.peek()) + " after object key")
		}
		s.pos++
		s.ws()
		if member != nil {
			err = member(key, escaped)
		} else {
			err = s.value(depth + 1)
		}
		if err != nil {
			return err
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.pos++
			s.ws()
		case '}':
			s.pos++
			return nil
		default:
			return s.fail("invalid character " + quoteByte(s.peek()) + " after object value")
		}
	}
}

// array reads an array; element, when set, is called with each element's
// index and s.pos on the element, and must move past it.
func (s *scanner) array(depth int, element func(i int) error) error {
	if depth >= maxDepth {
		return errDepth
	}
	s.pos++ // [
	s.ws()
	if s.peek() == ']' {
		s.pos++
		return nil
	}
	for i := 0; ; i++ {
		var err error
		if element != nil {
			err = element(i)
		} else {
			err = s.value(depth + 1)
		}
		if err != nil {
			return err
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.pos++
			s.ws()
		case ']':
			s.pos++
			return nil
		default:
			return s.fail("invalid character " + quoteByte(s.peek()) + " after array element")
		}
	}
}

// str reads a string literal and reports whether it holds escapes (most
// keys and values do not, which lets callers compare raw bytes).
func (s *scanner) str() (escaped bool, err error) {
	b := s.buf
	i := s.pos + 1
	for {
		// Eight bytes at a time while none of them ends the string, starts
		// an escape or is a control character: strings are most of an
		// event's bytes.
		for i+8 <= len(b) && !special8(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		if i >= len(b) {
			s.pos = len(b)
			return escaped, errEOF
		}
		switch c := b[i]; {
		case c == '"':
			s.pos = i + 1
			return escaped, nil
		case c == '\\':
			escaped = true
			i++
			if i >= len(b) {
				s.pos = i
				return true, errEOF
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) {
					s.pos = len(b)
					return true, errEOF
				}
				if hex4(b[i+1:]) < 0 {
					s.pos = i
					return true, s.fail("invalid \\u escape")
				}
				i += 4
			default:
				s.pos = i
				return true, s.fail("invalid escape " + quoteByte(b[i]))
			}
		case c < 0x20:
			s.pos = i
			return escaped, s.fail("control character in string")
		}
		i++
	}
}

// special8 reports whether any of the eight bytes in x is a quote, a
// backslash or below 0x20 (the classic bit tricks: a byte is zero, or less
// than n, exactly when its high bit survives the subtraction).
func special8(x uint64) bool {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	q := x ^ (lsb * '"')
	e := x ^ (lsb * '\\')
	return ((x-lsb*0x20)&^x|(q-lsb)&^q|(e-lsb)&^e)&msb != 0
}

func (s *scanner) lit(word string) error {
	if len(s.buf)-s.pos < len(word) || string(s.buf[s.pos:s.pos+len(word)]) != word {
		return s.fail("invalid literal")
	}
	s.pos += len(word)
	return nil
}

// number follows JSON's grammar exactly: EventBridge's parser refuses
// leading zeros, bare dots and the like, so they are not values here either.
func (s *scanner) number() error {
	b := s.buf
	i := s.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		s.pos = i
		return s.fail("invalid number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.pos = i
			return s.fail("invalid number")
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.pos = i
			return s.fail("invalid number")
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	s.pos = i
	return nil
}

// end checks that only whitespace follows the top-level value.
func (s *scanner) end() error {
	s.ws()
	if s.pos != len(s.buf) {
		return s.fail("invalid character " + quoteByte(s.peek()) + " after top-level value")
	}
	return nil
}

// valid reports whether b is exactly one JSON value.
func valid(b []byte) bool {
	s := scanner{buf: b}
	s.ws()
	return s.value(0) == nil && s.end() == nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

func quoteByte(c byte) string {
	if c == 0 {
		return "end of input"
	}
	return fmt.Sprintf("%q", rune(c))
}
