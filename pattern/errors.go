package pattern

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// MaxPatternLength is the largest pattern, in characters, that EventBridge
// accepts (its API model allows 4096; the default account quota is 2048).
const MaxPatternLength = 4096

// MaxCombinations bounds how many alternatives the $or operators of one
// pattern may expand to, as EventBridge does.
const MaxCombinations = 1000

// InvalidPatternError reports why a pattern was rejected. Its Error text is
// EventBridge's InvalidEventPatternException message.
type InvalidPatternError struct {
	// Reason is the first line of EventBridge's reason, for example
	// `Empty arrays are not allowed`.
	Reason string
	// Location is the parser's position suffix that EventBridge appends to
	// reasons found while reading the JSON text ("\n at [Source: …; line: 1,
	// column: 17]"); empty for reasons found afterwards.
	Location string
}

func (e *InvalidPatternError) Error() string {
	return "Event pattern is not valid. Reason: " + e.Reason + e.Location
}

// PatternTooLongError reports a pattern over MaxPatternLength characters.
// EventBridge refuses those with a ValidationException before looking at
// their content, so it is a separate type from InvalidPatternError.
type PatternTooLongError struct {
	Length int // in characters (Unicode code points)
}

func (e *PatternTooLongError) Error() string {
	return fmt.Sprintf("Member must have length less than or equal to %d (the event pattern has %d characters)", MaxPatternLength, e.Length)
}

// sourceSnippet is how many characters of the pattern a location echoes
// before the JSON parser EventBridge uses truncates it.
const sourceSnippet = 500

// location renders the JSON parser's position suffix for byte offset off of
// src: line and column count UTF-16 code units, as the parser EventBridge uses
// does for text input, and the column is 1-based.
func location(src string, off int) string {
	if off > len(src) {
		off = len(src)
	}
	line, col := 1, 1
	for i := 0; i < off; {
		r, size := utf8.DecodeRuneInString(src[i:])
		i += size
		switch {
		case r == '\n':
			line++
			col = 1
		case r == '\r':
			if i < len(src) && src[i] == '\n' {
				continue // \r\n counts once, at the \n
			}
			line++
			col = 1
		case r >= 0x10000:
			col += 2
		default:
			col++
		}
	}
	return "\n at " + sourceRef(src) + "; line: " + strconv.Itoa(line) + ", column: " + strconv.Itoa(col) + "]"
}

// sourceRef renders "[Source: (String)\"…\"" with the parser's truncation.
func sourceRef(src string) string {
	n := 0
	for i := range src {
		if n == sourceSnippet {
			rest := utf8.RuneCountInString(src[i:])
			return `[Source: (String)"` + src[:i] + `"[truncated ` + strconv.Itoa(rest) + ` chars]`
		}
		n++
	}
	return `[Source: (String)"` + src + `"`
}
