package pattern

import (
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestDigitRun(t *testing.T) {
	for _, s := range []string{"00000000", "12345678", "99999999", "42200352", "1234567x", "/2345678", ":2345678",
		"12345:78", "x2345678", "1,345678", "9}", "07"} {
		b := []byte(s + "########")
		k, v := digitRun(b)
		wantK := 0
		for wantK < 8 && s[wantK] >= '0' && s[wantK] <= '9' && wantK < len(s) {
			wantK++
			if wantK == len(s) {
				break
			}
		}
		want := uint64(0)
		if wantK > 0 {
			want, _ = strconv.ParseUint(s[:wantK], 10, 64)
		}
		if k != wantK || v != want {
			t.Errorf("digitRun(%q) = %d, %d; want %d, %d", s, k, v, wantK, want)
		}
	}
}

// checkNumber compares scanNumber with encoding/json (validity) and
// math/big (value, significant digits).
func checkNumber(t *testing.T, s string) {
	n, d := scanNumber([]byte(s))
	// Followed by more of an event, as in practice: the word-at-a-time path.
	pn, pd := scanNumber([]byte(s + `,"padding":"................................"}`))
	if pn != n || pd != d {
		t.Fatalf("scanNumber(%q) = %d %+v alone, %d %+v inside an event", s, n, d, pn, pd)
	}
	// numberLen measures alike, but refuses what scanNumber stops short in
	// ("01" is 0 and then 1 to it).
	for _, in := range []string{s, s + `,"padding":"................................"}`} {
		want, _ := scanNumber([]byte(in))
		if want < len(in) && in[want]-'0' < 10 {
			want = 0
		}
		if got := numberLen([]byte(in)); got != want {
			t.Fatalf("numberLen(%q) = %d, want %d", in, got, want)
		}
	}
	valid := json.Valid([]byte(s)) && s != "" && strings.TrimSpace(s) == s && (s[0] == '-' || s[0] >= '0' && s[0] <= '9')
	if valid != (n == len(s) && n > 0) {
		t.Fatalf("scanNumber(%q) length %d, valid JSON number %v", s, n, valid)
	}
	if !valid {
		return
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return // an exponent too large for math/big
	}
	if got, want := d.isZero(), r.Sign() == 0; got != want {
		t.Fatalf("scanNumber(%q) zero = %v", s, got)
	}
	if r.Sign() != 0 && int(d.n) != refDigits(s) {
		t.Fatalf("scanNumber(%q) digits = %d, want %d", s, d.n, refDigits(s))
	}
	if d.n > 19 {
		return // beyond what decimals compare
	}
	// The decimal must order like the exact value against a few neighbours.
	for _, other := range []string{"0", "1", "-1", "122.42200352825247", "-122.42200352825247", "1e-300", "3e2", s} {
		_, od := scanNumber([]byte(other))
		or, _ := new(big.Rat).SetString(other)
		if got, want := cmpDecimal(&d, &od), r.Cmp(or); got != want {
			t.Fatalf("cmpDecimal(%s, %s) = %d, want %d", s, other, got, want)
		}
	}
}

func TestScanNumber(t *testing.T) {
	for _, s := range []string{"0", "-0", "0.0", "1", "10", "100", "1.5", "-122.42200352825247", "37.808835019815085",
		"0.000123", "1e10", "1E+10", "1e-10", "12345678901234567890", "1.2345678901234567890123", "0.1000000000000000000",
		"-", "01", "1.", ".5", "1e", "1e+", "--1", "1.2.3", "+1", "0x10", "9007199254740993", "1e400", "123456789.123456789"} {
		checkNumber(t, s)
	}
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 20000; i++ {
		s := ""
		if r.IntN(2) == 0 {
			s = "-"
		}
		s += strconv.FormatUint(r.Uint64()>>r.IntN(64), 10)
		if r.IntN(2) == 0 {
			s += "." + fmt.Sprintf("%0*d", r.IntN(20)+1, r.Uint64()>>r.IntN(64))
		}
		if r.IntN(3) == 0 {
			s += fmt.Sprintf("e%d", r.IntN(40)-20)
		}
		checkNumber(t, s)
	}
}

func FuzzScanNumber(f *testing.F) {
	for _, s := range []string{"0", "-122.42200352825247", "1e-5", "123456789012345678901234", "0.00000000000000000001"} {
		f.Add(s)
	}
	f.Fuzz(checkNumber)
}

// TestFindFromAgreesWithFind checks the shortcut through the previous
// value's segment against the plain search, from every starting segment.
func TestFindFromAgreesWithFind(t *testing.T) {
	var ri rangeIndex
	for _, b := range []string{"-122.5", "-122.4", "-1", "0", "2.5", "300"} {
		ri.bounds = append(ri.bounds, parseDecimal([]byte(b)))
	}
	for _, v := range []string{"-1000", "-122.5", "-122.45", "-122.4", "-5", "-1", "-0.5", "0", "1", "2.5", "3", "300", "1e9"} {
		d := parseDecimal([]byte(v))
		want := ri.find(&d)
		for last := -1; last <= 2*len(ri.bounds); last++ {
			if got := ri.findFrom(&d, last); got != want {
				t.Errorf("findFrom(%s, %d) = %d, want %d", v, last, got, want)
			}
		}
	}
}
