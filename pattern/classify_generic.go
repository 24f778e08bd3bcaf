//go:build !amd64 || purego

package pattern

import (
	"encoding/binary"
	"unsafe"
)

// classify64 returns, for the 64 bytes at p, bit masks of the quotes,
// backslashes, opening brackets ('{', '[') and closing brackets ('}', ']'):
// bit k stands for byte k.
func classify64(p *byte) (quote, bslash, open, close uint64) {
	b := unsafe.Slice(p, 64) // the caller guarantees 64 bytes
	for w := 7; w >= 0; w-- {
		x := binary.LittleEndian.Uint64(b[8*w:])
		t := x | lanes1*0x20
		quote = quote<<8 | gatherLanes(zeroLanes(x^lanes1*'"'))
		bslash = bslash<<8 | gatherLanes(zeroLanes(x^lanes1*'\\'))
		open = open<<8 | gatherLanes(zeroLanes(t^lanes1*'{'))
		close = close<<8 | gatherLanes(zeroLanes(t^lanes1*'}'))
	}
	return
}

// gatherLanes packs the high bit of each byte lane into one bit per lane.
func gatherLanes(m uint64) uint64 {
	return (m >> 7) * 0x0102040810204080 >> 56
}
