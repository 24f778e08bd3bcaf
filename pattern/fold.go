package pattern

import (
	"unicode"
	"unicode/utf8"
)

// Case-insensitive operators follow EventBridge's engine: each character c
// of the operand stands for exactly two strings, c in lower case and c in
// upper case as Java maps one character (so "ß" stands for "ß" or "SS",
// "ı" for "ı" or "I", and the Kelvin sign for "k" or itself, but not "K"),
// and a value matches when it is such a string, character by character.
//
// To keep hash lookups and prefix and suffix tries, values and operands are
// compared first by a key: every character mapped to upper case and the
// result to lower case. Both strings a character stands for have the key of
// the character, so a match implies equal keys (and prefix keys for
// prefixes, suffix keys for suffixes); the converse holds when both sides
// are ASCII, and otherwise ciMatch decides.

// appendFold appends the key of s to buf. Bytes that are not UTF-8 are
// kept as they are.
func appendFold(buf, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf = append(buf, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, c)
			i++
			continue
		}
		if up, ok := specialUpper[r]; ok {
			for _, u := range up {
				buf = appendLower(buf, u)
			}
		} else if u := unicode.ToUpper(r); u == 'ẞ' {
			// Capital sharp s lowers to ß, whose key is ss: one
			// character whose lower case has a longer upper case.
			buf = append(buf, "ss"...)
		} else {
			buf = appendLower(buf, u)
		}
		i += size
	}
	return buf
}

// appendLower appends r in lower case as Java maps one character: simply,
// except that "İ" becomes "i" and a combining dot above.
func appendLower(buf []byte, r rune) []byte {
	if r == 'İ' {
		return append(buf, "i\u0307"...)
	}
	return utf8.AppendRune(buf, unicode.ToLower(r))
}

func foldString(s string) string { return string(appendFold(nil, []byte(s))) }

// isASCII reports whether s holds only ASCII bytes.
func isASCII(s []byte) bool {
	for _, c := range s {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// ciMode is the relation ciMatch checks.
type ciMode uint8

const (
	ciWhole ciMode = iota
	ciPrefix
	ciSuffix
)

// ciMatch reports whether v, whole or a prefix or suffix of it, is a string
// that op's characters stand for (see above). The strings a character
// stands for may differ in length ("ß", "SS"), so it follows every way of
// reading v at once; there are rarely more than one. Callers compare keys
// first: this is for the cases keys do not decide.
func ciMatch(v []byte, op string, mode ciMode) bool {
	var lower, upper [12]byte
	pos := []int{0}
	if mode == ciSuffix {
		pos[0] = len(v)
	}
	var next []int
	for i := 0; i < len(op); {
		var ch string
		if mode == ciSuffix {
			_, size := utf8.DecodeLastRuneInString(op[:len(op)-i])
			ch = op[len(op)-i-size : len(op)-i]
		} else {
			_, size := utf8.DecodeRuneInString(op[i:])
			ch = op[i : i+size]
		}
		i += len(ch)
		lo, up := ciForms(ch, lower[:0], upper[:0])
		next = next[:0]
		for _, p := range pos {
			for _, alt := range [2][]byte{lo, up} {
				q := p + len(alt)
				ok := q <= len(v) && string(v[p:q]) == string(alt)
				if mode == ciSuffix {
					q = p - len(alt)
					ok = q >= 0 && string(v[q:p]) == string(alt)
				}
				if ok && !containsInt(next, q) {
					next = append(next, q)
				}
			}
		}
		if len(next) == 0 {
			return false
		}
		pos, next = next, pos
	}
	return mode != ciWhole || containsInt(pos, len(v))
}

// ciForms returns the lower- and upper-case forms of the character ch, as
// Java maps one character; a byte that is not UTF-8 stands for itself.
func ciForms(ch string, lo, up []byte) ([]byte, []byte) {
	r, size := utf8.DecodeRuneInString(ch)
	if r == utf8.RuneError && size <= 1 {
		return append(lo, ch...), append(up, ch...)
	}
	lo = appendLower(lo, r)
	if u, ok := specialUpper[r]; ok {
		up = append(up, u...)
	} else {
		up = utf8.AppendRune(up, unicode.ToUpper(r))
	}
	return lo, up
}

func containsInt(s []int, x int) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
