package pattern

// A deliberately simple evaluator of the pattern language, written apart
// from the Matcher (encoding/json, math/big, regexp, net/netip) so that the
// two can be checked against each other on generated inputs. It defines the
// semantics the Matcher must have; docs/patterns.md states them in prose.
// It assumes well-formed input: patterns the Matcher accepted, and events
// with no repeated key in an object.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// refLeaf is one leaf value of an event, with the array elements it lies in.
type refLeaf struct {
	path  string
	val   any // string, json.Number, bool, nil
	trail [][2]int
}

// refFlatten lists the leaves of an event in document order.
func refFlatten(event []byte) ([]refLeaf, error) {
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, err
	}
	if _, ok := root.(map[string]any); !ok {
		return nil, fmt.Errorf("not an object")
	}
	// Order inside objects does not change the leaves' paths or trails, and
	// array ids only need to be distinct, so a map-decoded tree is enough.
	var leaves []refLeaf
	arrays := 0
	var walk func(path string, top bool, v any, trail [][2]int)
	walk = func(path string, top bool, v any, trail [][2]int) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				p := path + "." + k
				if top {
					p = k
				}
				walk(p, false, e, trail)
			}
		case []any:
			id := arrays
			arrays++
			for i, e := range x {
				switch e.(type) {
				case map[string]any, []any:
					walk(path, false, e, append(trail[:len(trail):len(trail)], [2]int{id, i}))
				default:
					walk(path, false, e, trail)
				}
			}
		default:
			leaves = append(leaves, refLeaf{path: path, val: v, trail: trail})
		}
	}
	walk("", true, root, nil)
	return leaves, nil
}

// refCond is one condition as the reference reads it from pattern JSON.
type refCond struct {
	op  string // exact, prefix, suffix, eic, prefix-eic, suffix-eic, wildcard, but, but-eic, but-prefix, but-suffix, but-wildcard, numeric, exists, cidr
	val any    // operand: string, json.Number, bool, nil, []any, []any numeric terms
}

type refSlot struct {
	path     string
	conds    []refCond
	absentOK bool
}

// refCompile expands a pattern into alternatives of slots.
func refCompile(pattern []byte) ([][]refSlot, error) {
	dec := json.NewDecoder(bytes.NewReader(pattern))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, err
	}
	alts := []map[string]refSlot{{}}
	var object func(alts []map[string]refSlot, path string, obj map[string]any) []map[string]refSlot
	object = func(alts []map[string]refSlot, path string, obj map[string]any) []map[string]refSlot {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := obj[k]
			if k == "$or" {
				var out []map[string]refSlot
				for _, branch := range v.([]any) {
					var copies []map[string]refSlot
					for _, a := range alts {
						c := map[string]refSlot{}
						for kk, vv := range a {
							c[kk] = vv
						}
						copies = append(copies, c)
					}
					out = append(out, object(copies, path, branch.(map[string]any))...)
				}
				alts = out
				continue
			}
			p := k
			if path != "" {
				p = path + "." + k
			}
			switch x := v.(type) {
			case map[string]any:
				alts = object(alts, p, x)
			case []any:
				s := refSlot{path: p}
				for _, e := range x {
					c, absent := refCondOf(e)
					if absent {
						s.absentOK = true
					} else {
						s.conds = append(s.conds, c)
					}
				}
				for _, a := range alts {
					a[p] = s
				}
			}
		}
		return alts
	}
	alts = object(alts, "", root)
	var out [][]refSlot
	for _, a := range alts {
		var sub []refSlot
		for _, s := range a {
			sub = append(sub, s)
		}
		sort.Slice(sub, func(i, j int) bool { return sub[i].path < sub[j].path })
		out = append(out, sub)
	}
	return out, nil
}

func refCondOf(e any) (refCond, bool) {
	m, ok := e.(map[string]any)
	if !ok {
		return refCond{op: "exact", val: e}, false
	}
	for op, v := range m {
		switch op {
		case "exists":
			return refCond{op: "exists"}, v == false
		case "prefix", "suffix":
			if mm, ok := v.(map[string]any); ok {
				return refCond{op: op + "-eic", val: mm["equals-ignore-case"]}, false
			}
			return refCond{op: op, val: v}, false
		case "equals-ignore-case":
			return refCond{op: "eic", val: v}, false
		case "anything-but":
			if mm, ok := v.(map[string]any); ok {
				for k, vv := range mm {
					name := map[string]string{"equals-ignore-case": "but-eic", "prefix": "but-prefix", "suffix": "but-suffix", "wildcard": "but-wildcard"}[k]
					return refCond{op: name, val: vv}, false
				}
			}
			return refCond{op: "but", val: v}, false
		case "exactly":
			return refCond{op: "exact", val: v}, false
		default: // numeric, wildcard, cidr
			return refCond{op: op, val: v}, false
		}
	}
	panic("empty match expression")
}

// refMatch reports whether the event matches the pattern.
func refMatch(pattern, event []byte) (bool, error) {
	alts, err := refCompile(pattern)
	if err != nil {
		return false, err
	}
	leaves, err := refFlatten(event)
	if err != nil {
		return false, err
	}
	for _, sub := range alts {
		if refAssign(sub, leaves, nil) {
			return true, nil
		}
	}
	return false, nil
}

// refAssign picks, slot by slot in path order, a leaf satisfying the slot
// and consistent with the leaves picked before; a slot allowing absence
// also holds when no leaf of its path is consistent with them.
func refAssign(sub []refSlot, leaves []refLeaf, picked []refLeaf) bool {
	if len(sub) == 0 {
		return true
	}
	s := sub[0]
	present := false
	for _, l := range leaves {
		if l.path != s.path || !refConsistent(l, picked) {
			continue
		}
		present = true
		for _, c := range s.conds {
			if refHolds(c, l.val) && refAssign(sub[1:], leaves, append(picked, l)) {
				return true
			}
		}
	}
	return s.absentOK && !present && refAssign(sub[1:], leaves, picked)
}

func refConsistent(l refLeaf, picked []refLeaf) bool {
	for _, p := range picked {
		for a := 0; a < len(l.trail) && a < len(p.trail); a++ {
			if l.trail[a][0] != p.trail[a][0] {
				break
			}
			if l.trail[a][1] != p.trail[a][1] {
				return false
			}
		}
	}
	return true
}

// refRat is an event number's value when it can be compared: at most 17
// significant digits, and a magnitude from 1e-307 up to 1e308 unless it is
// the shortest form of its double.
func refRat(n json.Number) (*big.Rat, bool) {
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return nil, false
	}
	if r.Sign() == 0 {
		return r, true
	}
	if refDigits(string(n)) > 17 {
		return nil, false
	}
	abs := new(big.Rat).Abs(r)
	lo, _ := new(big.Rat).SetString("1e-307")
	hi, _ := new(big.Rat).SetString("1e308")
	if abs.Cmp(lo) >= 0 && abs.Cmp(hi) < 0 {
		return r, true
	}
	_, ok = refPatternRat(n)
	return r, ok
}

// refDigits counts significant digits: without leading or trailing zeros.
func refDigits(s string) int {
	s = strings.TrimPrefix(s, "-")
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	s = strings.Replace(s, ".", "", 1)
	s = strings.TrimLeft(s, "0")
	s = strings.TrimRight(s, "0")
	return len(s)
}

// refPatternRat is a pattern number, which compares by value only if it is
// the shortest decimal of its double.
func refPatternRat(n json.Number) (*big.Rat, bool) {
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return nil, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, false
	}
	back, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	return r, back.Cmp(r) == 0
}

func refHolds(c refCond, v any) bool {
	str, isStr := v.(string)
	num, isNum := v.(json.Number)
	switch c.op {
	case "exists":
		return true
	case "exact":
		switch x := c.val.(type) {
		case string:
			if a, err := netip.ParseAddr(x); err == nil && isStr {
				b, err := netip.ParseAddr(str)
				return err == nil && a.Unmap() == b.Unmap()
			}
			return isStr && str == x
		case json.Number:
			if !isNum {
				return false
			}
			if pr, ok := refPatternRat(x); ok {
				er, ok := refRat(num)
				return ok && er.Cmp(pr) == 0
			}
			return string(num) == string(x)
		default: // bool, nil
			return v == x
		}
	case "prefix":
		return isStr && strings.HasPrefix(str, c.val.(string))
	case "suffix":
		return isStr && strings.HasSuffix(str, c.val.(string))
	case "prefix-eic":
		return isStr && len(refCIRests(str, []rune(c.val.(string)))) > 0
	case "suffix-eic":
		if !isStr {
			return false
		}
		for i := range len(str) + 1 {
			if slices.Contains(refCIRests(str[i:], []rune(c.val.(string))), "") {
				return true
			}
		}
		return false
	case "eic":
		return isStr && slices.Contains(refCIRests(str, []rune(c.val.(string))), "")
	case "wildcard":
		return isStr && refWildcard(c.val.(string)).MatchString(str)
	case "numeric":
		if !isNum {
			return false
		}
		r, ok := refRat(num)
		if !ok {
			return false
		}
		terms := c.val.([]any)
		for i := 0; i+1 < len(terms); i += 2 {
			b, _ := refPatternRat(terms[i+1].(json.Number))
			cmp := r.Cmp(b)
			ok := map[string]bool{"=": cmp == 0, "<": cmp < 0, "<=": cmp <= 0, ">": cmp > 0, ">=": cmp >= 0}[terms[i].(string)]
			if !ok {
				return false
			}
		}
		return true
	case "cidr":
		p, err := netip.ParsePrefix(c.val.(string))
		if err != nil || !isStr {
			return false
		}
		a, err := netip.ParseAddr(str)
		return err == nil && p.Masked().Contains(a.Unmap())
	}
	// The anything-but forms.
	list, ok := c.val.([]any)
	if !ok {
		list = []any{c.val}
	}
	for _, e := range list {
		if refExcludes(c.op, e, v) {
			return false
		}
	}
	return true
}

// refExcludes reports whether anything-but operand e excludes value v.
func refExcludes(op string, e, v any) bool {
	str, isStr := v.(string)
	switch x := e.(type) {
	case json.Number: // the numeric form excludes equal comparable numbers
		num, isNum := v.(json.Number)
		if !isNum {
			return false
		}
		er, ok := refRat(num)
		pr, _ := refPatternRat(x)
		return ok && er.Cmp(pr) == 0
	case string:
		if !isStr {
			return false
		}
		switch op {
		case "but":
			return str == x
		case "but-eic":
			return slices.Contains(refCIRests(str, []rune(x)), "")
		case "but-prefix":
			return strings.HasPrefix(str, x)
		case "but-suffix":
			return strings.HasSuffix(str, x)
		case "but-wildcard":
			return refWildcard(x).MatchString(str)
		}
	}
	return false
}

// refWildcard turns a wildcard operand into an anchored regular expression.
func refWildcard(w string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for i := 0; i < len(w); i++ {
		switch {
		case w[i] == '*':
			b.WriteString(`.*`)
		case w[i] == '\\' && i+1 < len(w):
			i++
			b.WriteString(regexp.QuoteMeta(w[i : i+1]))
		default:
			b.WriteString(regexp.QuoteMeta(w[i : i+1]))
		}
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

// refCIRests returns what remains of s after each way of reading a string
// that op's characters stand for off its start: each character stands for
// its lower case or its upper case as Java maps one character.
func refCIRests(s string, op []rune) []string {
	if len(op) == 0 {
		return []string{s}
	}
	lo := strings.ToLower(string(op[0]))
	if op[0] == 'İ' {
		lo = "i\u0307"
	}
	up, ok := specialUpper[op[0]]
	if !ok {
		up = strings.ToUpper(string(op[0]))
	}
	var out []string
	for _, alt := range []string{lo, up} {
		if rest, ok := strings.CutPrefix(s, alt); ok {
			out = append(out, refCIRests(rest, op[1:])...)
		}
	}
	return out
}
