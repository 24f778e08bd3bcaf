package pattern

import (
	"bytes"
	"strconv"
	"strings"
)

// wildcard is a compiled wildcard operand: literal runs separated by '*',
// each '*' standing for any run of characters, the empty run included.
type wildcard struct {
	segs    []string // literal runs, escapes resolved; len(segs) = stars + 1
	pattern string   // the operand as written, for the complexity check
}

// parseWildcard compiles a wildcard operand. Positions in its errors count
// UTF-8 bytes from the opening quote of the JSON string, as EventBridge's do.
func parseWildcard(text string) (*wildcard, error) {
	w := &wildcard{pattern: text}
	var cur strings.Builder
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '*':
			if i+1 < len(text) && text[i+1] == '*' {
				return nil, reasonError("Consecutive wildcard characters at pos " + strconv.Itoa(i+1))
			}
			w.segs = append(w.segs, cur.String())
			cur.Reset()
		case '\\':
			if i+1 < len(text) && (text[i+1] == '*' || text[i+1] == '\\') {
				cur.WriteByte(text[i+1])
				i++
				continue
			}
			return nil, reasonError("Invalid escape character at pos " + strconv.Itoa(i+1))
		default:
			cur.WriteByte(c)
		}
	}
	w.segs = append(w.segs, cur.String())
	return w, nil
}

// reasonError is a reason whose position the caller supplies.
type reasonError string

func (e reasonError) Error() string { return string(e) }

func (w *wildcard) stars() int { return len(w.segs) - 1 }

// literalPrefix and literalSuffix are what every match must start and end
// with; the matcher indexes wildcards by them.
func (w *wildcard) literalPrefix() string { return w.segs[0] }
func (w *wildcard) literalSuffix() string {
	if len(w.segs) == 1 {
		return w.segs[0]
	}
	return w.segs[len(w.segs)-1]
}

func (w *wildcard) match(v []byte) bool {
	segs := w.segs
	if len(segs) == 1 {
		return string(v) == segs[0]
	}
	first, last := segs[0], segs[len(segs)-1]
	if len(v) < len(first)+len(last) || string(v[:len(first)]) != first || string(v[len(v)-len(last):]) != last {
		return false
	}
	// Middle runs: taking each at its leftmost place leaves the most room for
	// the rest, so a greedy scan decides the match.
	rest := v[len(first) : len(v)-len(last)]
	for _, s := range segs[1 : len(segs)-1] {
		i := bytes.Index(rest, []byte(s))
		if i < 0 {
			return false
		}
		rest = rest[i+len(s):]
	}
	return true
}
