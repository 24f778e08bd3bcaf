package pattern

import (
	"unicode"
	"unicode/utf8"
)

// Case-insensitive operators compare strings after mapping every character
// to lower case with Unicode's simple one-to-one mappings. Matching a folded
// value against folded operands lets equals-ignore-case use a hash lookup and
// keeps prefix and suffix relations intact, since folding is per character.

// appendFold appends the folded form of s to buf.
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
			buf = append(buf, c) // keep invalid bytes as they are
			i++
			continue
		}
		buf = utf8.AppendRune(buf, unicode.ToLower(r))
		i += size
	}
	return buf
}

func foldString(s string) string { return string(appendFold(nil, []byte(s))) }
