package transform

import (
	"unicode/utf16"
	"unicode/utf8"
)

// The helpers below read JSON text that has already been checked by the
// scanner, so they track only string boundaries and never fail.

// appendCompact appends src without the whitespace outside its strings:
// EventBridge delivers JSON minified.
func appendCompact(dst, src []byte) []byte {
	in := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case in && c == '\\':
			dst = append(dst, c)
			i++
			if i < len(src) {
				dst = append(dst, src[i])
			}
			continue
		case c == '"':
			in = !in
		case !in && isSpace(c):
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// compactInPlace removes the whitespace outside strings from b, reusing its
// storage (the result is never longer).
func compactInPlace(b []byte) []byte {
	w := 0
	in := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case in && c == '\\':
			b[w] = c
			w++
			i++
			if i < len(b) {
				b[w] = b[i]
				w++
			}
			continue
		case c == '"':
			in = !in
		case !in && isSpace(c):
			continue
		}
		b[w] = c
		w++
	}
	return b[:w]
}

// appendUnquoted appends the content of the JSON string literal lit,
// decoded and without its quotes. EventBridge inserts extracted strings this
// way, unescaped, which is why a value holding a quote can break a JSON
// template.
func appendUnquoted(dst, lit []byte) []byte {
	inner := lit[1 : len(lit)-1]
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		if i >= len(inner) {
			break
		}
		switch inner[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, n := decodeU(inner[i+1:])
			dst = utf8.AppendRune(dst, r)
			i += n
		default: // " \ /
			dst = append(dst, inner[i])
		}
	}
	return dst
}

// decodeU decodes the hex digits after `\u`, joining a surrogate pair when
// one follows; it returns the rune and how many bytes it consumed. A lone
// surrogate becomes U+FFFD, as Go's encoding/json does.
func decodeU(b []byte) (rune, int) {
	r1 := hex4(b)
	if r1 < 0 {
		return utf8.RuneError, min(len(b), 4)
	}
	if !utf16.IsSurrogate(rune(r1)) {
		return rune(r1), 4
	}
	if len(b) >= 10 && b[4] == '\\' && b[5] == 'u' {
		if r2 := hex4(b[6:]); r2 >= 0 {
			if r := utf16.DecodeRune(rune(r1), rune(r2)); r != utf8.RuneError {
				return r, 10
			}
		}
	}
	return utf8.RuneError, 4
}

func hex4(b []byte) int {
	if len(b) < 4 {
		return -1
	}
	n := 0
	for _, c := range b[:4] {
		d := unhex(c)
		if d < 0 {
			return -1
		}
		n = n<<4 | d
	}
	return n
}

// appendStripped renders an object or array the way EventBridge writes one
// into a string template: compact, with every string's quotes dropped and
// its content unescaped, e.g. {acc_id:0a787ecb-4015,sf_id:baz} or
// [ACTIVE,INACTIVE].
func appendStripped(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '"':
			end := stringEnd(src, i)
			dst = appendUnquoted(dst, src[i:end])
			i = end - 1
		case isSpace(c):
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// stringEnd returns the offset just past the string literal starting at
// src[i].
func stringEnd(src []byte, i int) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(src)
}

// appendString appends s as a JSON string literal.
func appendString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
