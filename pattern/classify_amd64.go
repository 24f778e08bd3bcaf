//go:build !purego

package pattern

// classify64 returns, for the 64 bytes at p, bit masks of the quotes,
// backslashes, opening brackets ('{', '[') and closing brackets ('}', ']'):
// bit k stands for byte k. It uses SSE2, which every amd64 processor has.
//
//go:noescape
func classify64(p *byte) (quote, bslash, open, close uint64)
