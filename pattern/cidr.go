package pattern

import (
	"bytes"
	"strconv"
	"strings"
)

// ipRange is an inclusive range of IPv4 or IPv6 addresses. IPv4 addresses
// use the first 4 bytes.
type ipRange struct {
	lo, hi [16]byte
	v4     bool
}

func (r *ipRange) contains(ip [16]byte, v4 bool) bool {
	if v4 != r.v4 {
		return false
	}
	n := 16
	if v4 {
		n = 4
	}
	return bytes.Compare(ip[:n], r.lo[:n]) >= 0 && bytes.Compare(ip[:n], r.hi[:n]) <= 0
}

// looksLikeIP is EventBridge's gate before it parses an address: four dotted
// runs of digits, or hex digits and colons with at least one colon.
func looksLikeIP(s []byte) (v4, v6 bool) {
	if len(s) == 0 {
		return false, false
	}
	dots, digits := 0, 0
	v4 = true
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			if digits == 0 {
				v4 = false
			}
			dots++
			digits = 0
		default:
			v4 = false
		}
		if !v4 {
			break
		}
	}
	v4 = v4 && dots == 3 && digits > 0
	if v4 {
		return true, false
	}
	colon := false
	for _, c := range s {
		switch {
		case c == ':':
			colon = true
		case (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'):
		default:
			return false, false
		}
	}
	return false, colon
}

// parseIP parses an IPv4 or IPv6 address literal as EventBridge does. An
// IPv4-mapped IPv6 address counts as IPv4.
func parseIP(s []byte) (ip [16]byte, v4, ok bool) {
	isV4, isV6 := looksLikeIP(s)
	switch {
	case isV4:
		ok = parseIPv4(s, ip[:4])
		return ip, true, ok
	case isV6:
		var b [16]byte
		if !parseIPv6(s, &b) {
			return ip, false, false
		}
		if bytes.Equal(b[:10], make([]byte, 10)) && b[10] == 0xff && b[11] == 0xff {
			copy(ip[:4], b[12:])
			return ip, true, true
		}
		return b, false, true
	}
	return ip, false, false
}

func parseIPv4(s []byte, out []byte) bool {
	part := 0
	for _, f := range bytes.Split(s, []byte{'.'}) {
		n := 0
		for _, c := range f {
			n = n*10 + int(c-'0')
			if n > 255 {
				return false
			}
		}
		out[part] = byte(n)
		part++
	}
	return part == 4
}

func parseIPv6(s []byte, out *[16]byte) bool {
	var head, tail []uint16
	gap := false
	rest := s
	if bytes.HasPrefix(rest, []byte("::")) {
		gap = true
		rest = rest[2:]
		if len(rest) == 0 {
			return true
		}
	} else if len(rest) > 0 && rest[0] == ':' {
		return false
	}
	for {
		i := 0
		for i < len(rest) && rest[i] != ':' {
			i++
		}
		if i == 0 || i > 4 {
			return false
		}
		v, err := strconv.ParseUint(string(rest[:i]), 16, 16)
		if err != nil {
			return false
		}
		if gap {
			tail = append(tail, uint16(v))
		} else {
			head = append(head, uint16(v))
		}
		rest = rest[i:]
		if len(rest) == 0 {
			break
		}
		// rest starts with ':'
		if bytes.HasPrefix(rest, []byte("::")) {
			if gap {
				return false
			}
			gap = true
			rest = rest[2:]
			if len(rest) == 0 {
				break
			}
			continue
		}
		rest = rest[1:]
		if len(rest) == 0 {
			return false
		}
	}
	n := len(head) + len(tail)
	if (gap && n > 7) || (!gap && n != 8) {
		return false
	}
	for i, v := range head {
		out[2*i], out[2*i+1] = byte(v>>8), byte(v)
	}
	off := 16 - 2*len(tail)
	for i, v := range tail {
		out[off+2*i], out[off+2*i+1] = byte(v>>8), byte(v)
	}
	return true
}

// exactIP turns a string operand that is an IP address into an equality on
// addresses, as EventBridge does; ok is false for any other string.
func exactIP(s string) (ipRange, bool) {
	ip, v4, ok := parseIP([]byte(s))
	if !ok {
		return ipRange{}, false
	}
	return ipRange{lo: ip, hi: ip, v4: v4}, true
}

// parseCIDR compiles a cidr operand, with EventBridge's reasons.
func parseCIDR(s string) (ipRange, error) {
	// Splitting drops trailing empty fields, as Java's String.split does.
	parts := strings.Split(s, "/")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) != 2 {
		return ipRange{}, reasonError("Malformed CIDR, one '/' required")
	}
	bits, err := parseJavaInt(parts[1])
	if err != nil {
		return ipRange{}, reasonError("Malformed CIDR, mask bits must be an integer")
	}
	if bits < 0 {
		return ipRange{}, reasonError("Malformed CIDR, mask bits must not be negative")
	}
	isV4, isV6 := looksLikeIP([]byte(parts[0]))
	if !isV4 && !isV6 {
		return ipRange{}, reasonError("Nonstandard IP address: " + parts[0])
	}
	ip, v4, ok := parseIP([]byte(parts[0]))
	if !ok {
		return ipRange{}, reasonError("Invalid IP address: " + parts[0])
	}
	size := 16
	if v4 {
		size = 4
		if bits > 31 {
			return ipRange{}, reasonError("IPv4 mask bits must be < 32")
		}
	} else if bits > 127 {
		return ipRange{}, reasonError("IPv6 mask bits must be < 128")
	}
	r := ipRange{v4: v4}
	for i := 0; i < size; i++ {
		keep := min(8, max(0, bits-8*i)) // network bits in this byte
		mask := byte(0xff << (8 - keep))
		if keep == 0 {
			mask = 0
		}
		r.lo[i] = ip[i] & mask
		r.hi[i] = ip[i] | ^mask
	}
	return r, nil
}

// parseJavaInt parses as Java's Integer.parseInt does: an optional sign and
// decimal digits that fit 32 bits.
func parseJavaInt(s string) (int, error) {
	if strings.HasPrefix(s, "+") && len(s) > 1 && s[1] != '-' && s[1] != '+' {
		s = s[1:]
	}
	n, err := strconv.ParseInt(s, 10, 32)
	return int(n), err
}
