package pattern

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrInvalidEvent is wrapped by the errors Match returns for an event that
// is not a JSON object.
var ErrInvalidEvent = errors.New("event is not a valid JSON object")

// pathNode is one step of the trie of field paths that patterns name. Paths
// are split at dots on both sides, so an event key "a.b" reaches the same
// node as {"a":{"b":…}}, as in EventBridge.
type pathNode struct {
	id       int32 // path id of values found exactly here, or -1
	children []pathEdge
	byName   map[string]int32 // child index by name, when children are many
	allMask  uint64           // a bit per child; 0 when there are more than 64
}

type pathEdge struct {
	name string
	node *pathNode
}

const linearChildren = 8

// child returns the index of the child called name, or -1.
func (n *pathNode) child(name []byte) int {
	if n.byName != nil {
		if i, ok := n.byName[string(name)]; ok {
			return int(i)
		}
		return -1
	}
	if len(name) == 0 {
		for i := range n.children {
			if n.children[i].name == "" {
				return i
			}
		}
		return -1
	}
	for i := range n.children {
		// Comparing the first byte first saves a call on most misses, and
		// one-byte names need nothing more.
		if e := &n.children[i]; len(e.name) == len(name) && e.name[0] == name[0] && (len(name) == 1 || e.name == string(name)) {
			return i
		}
	}
	return -1
}

// lookup resolves an event key below n. idx is the index of the child the
// key names, or for a dotted key of the child its first segment names; -1
// when there is none.
func (n *pathNode) lookup(key []byte) (node *pathNode, idx int, dotted bool) {
	if i := n.child(key); i >= 0 {
		return n.children[i].node, i, false
	}
	first := bytes.IndexByte(key, '.')
	if first < 0 {
		return nil, -1, false
	}
	idx = n.child(key[:first])
	if idx < 0 {
		return nil, -1, true
	}
	n, key = n.children[idx].node, key[first+1:]
	for {
		i := bytes.IndexByte(key, '.')
		if i < 0 {
			i = len(key)
		}
		c := n.child(key[:i])
		if c < 0 {
			return nil, idx, true
		}
		n = n.children[c].node
		if i == len(key) {
			return n, idx, true
		}
		key = key[i+1:]
	}
}

// field is one leaf value the event holds at a path some pattern names.
type field struct {
	val      value
	path     int32
	next     int32 // next field at the same path, or -1
	trailOff int32 // the array positions enclosing it, in scanState.trails
	trailLen int32
}

// scanState reads one event. It is reused across events (see Matcher).
type scanState struct {
	ev     []byte
	pos    int
	fields []field
	trails []int32 // (array id, index) pairs of all fields
	trail  []int32 // the pairs enclosing the current value
	// trailOff is where trail is stored in trails, -1 until a value inside
	// the current element needs it.
	trailOff int32
	arrays   int32
	decode   []bool // by path id: numbers there are decoded as they are read
	evalCtx         // decoded strings and derived forms
	// open counts the objects still missing a name the patterns use, plus
	// the arrays being read; at zero nothing further can matter.
	open int
}

// errStop unwinds the scan once nothing further can matter.
var errStop = errors.New("stop")

func (s *scanState) reset(ev []byte) {
	s.ev, s.pos = ev, 0
	s.fields = s.fields[:0]
	s.trails = s.trails[:0]
	s.trail = s.trail[:0]
	s.trailOff = -1
	s.arrays = 0
	s.evalCtx.reset()
	s.open = 0
}

func (s *scanState) fail(reason string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrInvalidEvent, reason, s.pos)
}

func (s *scanState) skipSpace() {
	for s.pos < len(s.ev) && isSpace[s.ev[s.pos]] {
		s.pos++
	}
}

// scan reads the event, recording the values at the trie's paths. It stops
// as soon as every object it is inside has shown each name the patterns use
// there (and no array is open): the rest of the event cannot add a value.
func (s *scanState) scan(root *pathNode) error {
	s.skipSpace()
	if s.pos >= len(s.ev) || s.ev[s.pos] != '{' {
		return s.fail("not an object")
	}
	err := s.object(root)
	if err == errStop {
		return nil
	}
	if err != nil {
		return err
	}
	s.skipSpace()
	if s.pos != len(s.ev) {
		return s.fail("unexpected data after the object")
	}
	return nil
}

// value reads the value at s.pos whose path leads to node n.
func (s *scanState) value(n *pathNode) error {
	if s.pos >= len(s.ev) {
		return s.fail("unexpected end of input")
	}
	switch c := s.ev[s.pos]; c {
	case '{':
		if len(n.children) == 0 {
			return s.skipContainer()
		}
		return s.object(n)
	case '[':
		return s.array(n)
	case '"':
		if n.id < 0 {
			return s.skipString()
		}
		str, err := s.readString()
		if err != nil {
			return err
		}
		s.add(n.id, vString, str)
		return nil
	default:
		start := s.pos
		if c == '-' || c-'0' < 10 {
			if n.id < 0 {
				_, err := s.scalar()
				return err
			}
			return s.number(n.id)
		}
		kind, err := s.scalar()
		if err != nil || n.id < 0 {
			return err
		}
		s.add(n.id, kind, s.ev[start:s.pos])
		return nil
	}
}

// number reads the number at s.pos, at path id (not -1).
func (s *scanState) number(id int32) error {
	start := s.pos
	if int(id) < len(s.decode) && s.decode[id] {
		// Every number here is looked up by value: checking and decoding
		// it are one pass.
		k, d := scanNumber(s.ev[start:])
		if k == 0 || start+k < len(s.ev) && s.ev[start+k]-'0' < 10 { // "01", as numberLen
			return s.fail("invalid number")
		}
		s.pos += k
		f := s.add(id, vNumber, s.ev[start:s.pos])
		f.val.num, f.val.derived = d, haveNum
		if plainlyComparable(&d) { // known now at no cost
			f.val.derived |= haveRT | isComparable
		}
		return nil
	}
	// Elsewhere a number is checked now, and read when a condition asks
	// for its value.
	k := numberLen(s.ev[start:])
	if k == 0 {
		return s.fail("invalid number")
	}
	s.pos += k
	s.add(id, vNumber, s.ev[start:s.pos])
	return nil
}

// add records a value and returns its field, valid until the next add.
func (s *scanState) add(path int32, kind valKind, raw []byte) *field {
	// Filled in place: fields are large, and building one aside to copy it
	// in costs more than the rest of add.
	n := len(s.fields)
	if n == cap(s.fields) {
		s.fields = append(s.fields, field{})
	}
	s.fields = s.fields[:n+1]
	f := &s.fields[n]
	// num and ext are read only when derived says they are set.
	f.val.raw, f.val.kind, f.val.derived = raw, kind, 0
	f.path, f.next = path, -1
	f.trailOff, f.trailLen = 0, 0
	if len(s.trail) > 0 {
		if s.trailOff < 0 {
			// The first value inside this element: its positions are
			// stored once for all the values that follow inside it.
			s.trailOff = int32(len(s.trails))
			s.trails = append(s.trails, s.trail...)
		}
		f.trailOff, f.trailLen = s.trailOff, int32(len(s.trail))
	}
	return f
}

// isSpace marks JSON's whitespace.
var isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// object reads an object whose path leads to node n. Of repeated names,
// only the first member is read.
func (s *scanState) object(n *pathNode) error {
	ev := s.ev
	i := s.pos + 1 // after '{'
	// need holds a bit for each of n's children not yet seen. An object with
	// more than 64 children never counts as complete.
	need := n.allMask
	counted := len(n.children) > 0
	if counted {
		s.open++
	}
	for i < len(ev) && isSpace[ev[i]] {
		i++
	}
	if i < len(ev) && ev[i] == '}' {
		s.pos = i + 1
		if counted {
			s.open--
		}
		return nil
	}
	for {
		// The member name; names without escapes are slices of the event.
		if i >= len(ev) || ev[i] != '"' {
			s.pos = i
			return s.fail("expected a member name")
		}
		j := i + 1
		for j < len(ev) && !strStop[ev[j]] {
			j++
		}
		var key []byte
		if j < len(ev) && ev[j] == '"' {
			key = ev[i+1 : j]
			i = j + 1
		} else {
			s.pos = i
			k, err := s.readString()
			if err != nil {
				return err
			}
			key, i = k, s.pos
		}
		for i < len(ev) && isSpace[ev[i]] {
			i++
		}
		if i >= len(ev) || ev[i] != ':' {
			s.pos = i
			return s.fail("expected ':'")
		}
		i++
		for i < len(ev) && isSpace[ev[i]] {
			i++
		}
		s.pos = i
		var c *pathNode
		idx, dotted := -1, false
		if len(n.children) == 1 && n.children[0].name == string(key) {
			// One name used here, as in coordinates {x, y, z} read for x.
			c, idx = n.children[0].node, 0
		} else {
			c, idx, dotted = n.lookup(key)
		}
		if idx >= 0 && idx < 64 && n.allMask != 0 {
			bit := uint64(1) << idx
			switch {
			case need&bit == 0:
				// A repeated name: the first member counts. A dotted key
				// whose first segment came before as a name is not read
				// either, whatever else the object still lacks: what is
				// read must not depend on the names patterns use after it
				// (a lazy pass knows fewer of them, see matchState.pass).
				c = nil
			case !dotted:
				if need &^= bit; need == 0 {
					// This object lacks nothing more; what the value itself
					// opens counts on its own.
					s.open--
				}
			}
		}
		var err error
		if c != nil {
			err = s.value(c)
		} else {
			err = s.skip()
		}
		if err != nil {
			return err
		}
		if s.open == 0 {
			return errStop
		}
		if need == 0 && n.allMask != 0 {
			// Every name the patterns use here has been seen: what follows
			// could only repeat one (the first counts) or name nothing used.
			return s.skipFrom(s.pos, 1)
		}
		i = s.pos
		for i < len(ev) && isSpace[ev[i]] {
			i++
		}
		if i >= len(ev) {
			s.pos = i
			return s.fail("unexpected end of input in an object")
		}
		switch ev[i] {
		case ',':
			i++
			for i < len(ev) && isSpace[ev[i]] {
				i++
			}
		case '}':
			s.pos = i + 1
			if counted && (need != 0 || n.allMask == 0) {
				s.open--
			}
			return nil
		default:
			s.pos = i
			return s.fail("expected ',' or '}'")
		}
	}
}

// array reads an array at node n. Values inside an object or array element
// remember which element they came from, so that a pattern's fields can be
// required to come from the same element; scalar elements do not, as in
// EventBridge.
func (s *scanState) array(n *pathNode) error {
	ev := s.ev
	i := s.pos + 1 // after '['
	id := s.arrays
	s.arrays++
	for i < len(ev) && isSpace[ev[i]] {
		i++
	}
	if i < len(ev) && ev[i] == ']' {
		s.pos = i + 1
		return nil
	}
	s.open++
	for idx := int32(0); ; idx++ {
		if i >= len(ev) {
			s.pos = i
			return s.fail("unexpected end of input in an array")
		}
		s.pos = i
		var err error
		if c := ev[i]; c == '{' || c == '[' {
			s.trail = append(s.trail, id, idx)
			s.trailOff = -1
			err = s.value(n)
			// The stored copy, if any, still starts with the shorter trail.
			s.trail = s.trail[:len(s.trail)-2]
		} else {
			err = s.value(n)
		}
		if err != nil {
			return err
		}
		i = s.pos
		for i < len(ev) && isSpace[ev[i]] {
			i++
		}
		if i >= len(ev) {
			s.pos = i
			return s.fail("unexpected end of input in an array")
		}
		switch ev[i] {
		case ',':
			i++
			for i < len(ev) && isSpace[ev[i]] {
				i++
			}
		case ']':
			s.pos = i + 1
			s.open--
			return nil
		default:
			s.pos = i
			return s.fail("expected ',' or ']'")
		}
	}
}

// scalar reads a number or literal and returns its kind.
func (s *scanState) scalar() (valKind, error) {
	ev, i := s.ev, s.pos
	switch ev[i] {
	case 't':
		if bytes.HasPrefix(ev[i:], []byte("true")) {
			s.pos += 4
			return vTrue, nil
		}
	case 'f':
		if bytes.HasPrefix(ev[i:], []byte("false")) {
			s.pos += 5
			return vFalse, nil
		}
	case 'n':
		if bytes.HasPrefix(ev[i:], []byte("null")) {
			s.pos += 4
			return vNull, nil
		}
	default:
		if n := numberLen(ev[i:]); n > 0 {
			s.pos += n
			return vNumber, nil
		}
	}
	return 0, s.fail("invalid value")
}

// numberLen returns the length of the JSON number at the start of b, or 0.
func numberLen(b []byte) int {
	if len(b) >= 32 {
		if n := numberLenWords(b); n > 0 {
			return n
		}
	}
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	start := i
	for i < len(b) && b[i]-'0' < 10 {
		i++
	}
	if i == start || (b[start] == '0' && i-start > 1) {
		return 0
	}
	if i < len(b) && b[i] == '.' {
		i++
		j := i
		for i < len(b) && b[i]-'0' < 10 {
			i++
		}
		if i == j {
			return 0
		}
	}
	if i < len(b) && b[i]|0x20 == 'e' {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := i
		for i < len(b) && b[i]-'0' < 10 {
			i++
		}
		if i == j {
			return 0
		}
	}
	return i
}

// numberLenWords measures the common shape of number, -?[1-9]d{0,6}(.d+)?
// with no exponent, a word at a time; 0 means "measure it byte by byte".
// b must have 32 bytes.
func numberLenWords(b []byte) int {
	i := 0
	if b[0] == '-' {
		i = 1
	}
	if b[i]-'1' >= 9 {
		return 0
	}
	k := runLen(binary.LittleEndian.Uint64(b[i:]))
	if k == 8 {
		return 0
	}
	i += k
	if b[i] == '.' {
		k = runLen(binary.LittleEndian.Uint64(b[i+1:]))
		if k == 0 {
			return 0
		}
		i += 1 + k
		if k == 8 {
			if k = runLen(binary.LittleEndian.Uint64(b[i:])); k == 8 {
				return 0
			}
			i += k
		}
	}
	if b[i]|0x20 == 'e' {
		return 0
	}
	return i
}

// strStop marks the bytes that end the plain run of a JSON string.
var strStop = [256]bool{'"': true, '\\': true}

func init() {
	for c := 0; c < 0x20; c++ {
		strStop[c] = true
	}
}

// readString reads the string at s.pos (its opening quote) and returns its
// decoded content: a slice of the event when it has no escapes.
func (s *scanState) readString() ([]byte, error) {
	start := s.pos + 1
	ev := s.ev
	i := start
	for i < len(ev) && !strStop[ev[i]] {
		i++
	}
	if i < len(ev) && ev[i] == '"' {
		s.pos = i + 1
		return ev[start:i], nil
	}
	if i < len(ev) && ev[i] == '\\' {
		return s.readEscaped(start, i)
	}
	s.pos = i
	if i < len(ev) {
		return nil, s.fail("control character in a string")
	}
	return nil, s.fail("unterminated string")
}

func (s *scanState) readEscaped(start, i int) ([]byte, error) {
	ev := s.ev
	off := len(s.arena)
	s.arena = append(s.arena, ev[start:i]...)
	for i < len(ev) {
		c := ev[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return s.arena[off:len(s.arena):len(s.arena)], nil
		case c < 0x20:
			s.pos = i
			return nil, s.fail("control character in a string")
		case c != '\\':
			s.arena = append(s.arena, c)
			i++
			continue
		}
		if i+1 >= len(ev) {
			break
		}
		e := ev[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			s.arena = append(s.arena, e)
		case 'b':
			s.arena = append(s.arena, '\b')
		case 'f':
			s.arena = append(s.arena, '\f')
		case 'n':
			s.arena = append(s.arena, '\n')
		case 'r':
			s.arena = append(s.arena, '\r')
		case 't':
			s.arena = append(s.arena, '\t')
		case 'u':
			r, ok := hex4(ev, i)
			if !ok {
				s.pos = i
				return nil, s.fail("invalid \\u escape")
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+5 < len(ev) && ev[i] == '\\' && ev[i+1] == 'u' {
					if x, ok := hex4(ev, i+2); ok {
						if d := utf16.DecodeRune(r, x); d != utf8.RuneError {
							r2 = d
							i += 6
						}
					}
				}
				r = r2
			}
			s.arena = utf8.AppendRune(s.arena, r)
		default:
			s.pos = i - 1
			return nil, s.fail("invalid escape")
		}
	}
	s.pos = len(ev)
	return nil, s.fail("unterminated string")
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// skip passes over the value at s.pos, which no pattern looks into.
func (s *scanState) skip() error {
	if s.pos >= len(s.ev) {
		return s.fail("unexpected end of input")
	}
	switch s.ev[s.pos] {
	case '{', '[':
		return s.skipContainer()
	case '"':
		return s.skipString()
	}
	_, err := s.scalar()
	return err
}

func (s *scanState) skipString() error {
	ev := s.ev
	i := s.pos + 1
	for {
		// Short strings are the common case: look a few bytes ahead before
		// calling the vectorized search.
		j := -1
		for k := i; k < len(ev) && k < i+16; k++ {
			if ev[k] == '"' {
				j = k - i
				break
			}
		}
		if j < 0 {
			if j = bytes.IndexByte(ev[i:], '"'); j < 0 {
				s.pos = len(ev)
				return s.fail("unterminated string")
			}
		}
		i += j
		// The quote ends the string unless an odd run of backslashes precedes it.
		k := i - 1
		for k > s.pos && ev[k] == '\\' {
			k--
		}
		if (i-1-k)%2 == 0 {
			s.pos = i + 1
			return nil
		}
		i++
	}
}

// SWAR constants: a byte repeated in every lane of a word.
const (
	lanes1 = 0x0101010101010101
	lanes7 = 0x7F7F7F7F7F7F7F7F
)

// zeroLanes has the high bit set in exactly the bytes of x that are zero.
func zeroLanes(x uint64) uint64 {
	t := (x & lanes7) + lanes7
	return ^(t | x | lanes7)
}

// skipContainer passes over the object or array at s.pos by counting
// brackets outside strings, 64 bytes at a time: skipping the parts of events
// no pattern looks into is most of the matcher's work on large events.
func (s *scanState) skipContainer() error {
	return s.skipFrom(s.pos, 0)
}

// skipFrom skips from i, depth brackets deep (outside strings), to the
// bracket that closes the outermost one.
func (s *scanState) skipFrom(i, depth int) error {
	ev := s.ev
	// Even the short rest of an object is skipped a block at a time: a
	// block costs about what a dozen bytes do one by one.
	inStr := false
	for i+64 <= len(ev) {
		quote, bslash, open, closing := classify64(&ev[i])
		if bslash != 0 {
			// Escapes: walk this block byte by byte, then carry on.
			var done bool
			i, depth, inStr, done = s.skipBytes(i, i+64, depth, inStr)
			if done {
				return nil
			}
			continue
		}
		// Bits at or after an odd number of quotes are inside a string.
		p := quote
		p ^= p << 1
		p ^= p << 2
		p ^= p << 4
		p ^= p << 8
		p ^= p << 16
		p ^= p << 32
		if inStr {
			p = ^p
		}
		inStr = p>>63 != 0
		open &^= p
		closing &^= p
		nc := bits.OnesCount64(closing)
		if nc < depth || nc == 0 {
			// The container cannot end in this block.
			depth += bits.OnesCount64(open) - nc
			i += 64
			continue
		}
		for m := open | closing; m != 0; m &= m - 1 {
			k := bits.TrailingZeros64(m)
			if open>>k&1 != 0 {
				depth++
			} else if depth--; depth == 0 {
				s.pos = i + k + 1
				return nil
			}
		}
		i += 64
	}
	if _, _, _, done := s.skipBytes(i, len(ev), depth, inStr); done {
		return nil
	}
	s.pos = len(ev)
	return s.fail("unexpected end of input")
}

// skipBytes continues skipContainer byte by byte from i up to at least end
// (further when end falls inside an escape). done reports that the container
// closed, with s.pos after it.
func (s *scanState) skipBytes(i, end, depth int, inStr bool) (int, int, bool, bool) {
	ev := s.ev
	end = min(end, len(ev))
	for i < end {
		c := skipClass[ev[i]]
		if c == 0 {
			i++
			continue
		}
		if inStr {
			switch c {
			case skipEscape:
				i++
			case skipQuote:
				inStr = false
			}
			i++
			continue
		}
		switch c {
		case skipQuote:
			inStr = true
		case skipOpen:
			depth++
		case skipClose:
			depth--
			if depth == 0 {
				s.pos = i + 1
				return i, depth, false, true
			}
		}
		i++
	}
	return i, depth, inStr, false
}

// skipClass sorts the bytes skipBytes must look at; the others are 0.
var skipClass = [256]uint8{'"': skipQuote, '\\': skipEscape, '{': skipOpen, '[': skipOpen, '}': skipClose, ']': skipClose}

const (
	skipQuote = 1 + iota
	skipEscape
	skipOpen
	skipClose
)
