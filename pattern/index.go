package pattern

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// A segment is an immutable, indexed set of patterns. Each alternative
// (sub) of each pattern is reachable from one anchor: a slot it needs, whose
// conditions are indexed by value, so that an event's values lead straight
// to the few alternatives they can satisfy. Only alternatives that need no
// value at all (every slot satisfiable by absence) are tried for every event.

type segment struct {
	ids     []string // pattern ids, by local pattern index
	subs    []segSub
	anchors []*anchorIndex // by path id; nil where no sub anchors
	always  []int32        // subs tried for every event
}

type segSub struct {
	pat   int32
	slots []segSlot
	// direct: the sub is one slot whose conditions are all indexed
	// exactly, so an exact anchor hit is a match.
	direct bool
}

type segSlot struct {
	path     int32
	conds    []cond
	absentOK bool
}

// anchorRef is a sub index shifted left once; the low bit marks an exact
// hit (the value satisfies the anchor slot), as opposed to a hint.
type anchorRef int32

func (r anchorRef) sub() int32  { return int32(r >> 1) }
func (r anchorRef) exact() bool { return r&1 != 0 }
func ref(sub int32, exact bool) anchorRef {
	r := anchorRef(sub << 1)
	if exact {
		r |= 1
	}
	return r
}

// anchorIndex finds the subs anchored at one path that a value may satisfy.
type anchorIndex struct {
	str      map[string][]anchorRef // exact strings
	num      map[numKey][]anchorRef // numbers by value
	numText  map[string][]anchorRef // numbers that compare by text
	lit      [vNull + 1][]anchorRef
	fold     map[string][]anchorRef
	prefix   affixIndex
	prefixF  affixIndex // folded
	suffix   affixIndex
	suffixF  affixIndex  // folded
	present  []anchorRef // any value at the path
	ranges   rangeIndex
	needFold bool
	byValue  bool // anything besides present
	// onlyRanges: numbers are all it looks up, in ranges (and points).
	onlyRanges bool
}

// rangeIndex finds the numeric conditions a number satisfies: their bounds,
// sorted, cut the number line into points and open segments, each listing
// the conditions that contain it.
type rangeIndex struct {
	bounds  []decimal
	segs    [][]anchorRef // 2i: below bounds[i]; 2i+1: bounds[i]; 2k: above all
	pending []rangeEntry
}

type rangeEntry struct {
	r   numRange
	ref anchorRef
}

func (ri *rangeIndex) build() {
	if len(ri.pending) == 0 {
		return
	}
	for _, e := range ri.pending {
		if e.r.hasLo {
			ri.bounds = append(ri.bounds, e.r.lo)
		}
		if e.r.hasHi {
			ri.bounds = append(ri.bounds, e.r.hi)
		}
	}
	slices.SortFunc(ri.bounds, func(a, b decimal) int { return cmpDecimal(&a, &b) })
	ri.bounds = slices.CompactFunc(ri.bounds, func(a, b decimal) bool { return cmpDecimal(&a, &b) == 0 })
	k := len(ri.bounds)
	ri.segs = make([][]anchorRef, 2*k+1)
	find := func(d *decimal) int {
		i, _ := slices.BinarySearchFunc(ri.bounds, d, func(a decimal, b *decimal) int { return cmpDecimal(&a, b) })
		return i
	}
	for _, e := range ri.pending {
		lo, hi := -1, k // bound positions; -1 and k stand for no bound
		if e.r.hasLo {
			lo = find(&e.r.lo)
		}
		if e.r.hasHi {
			hi = find(&e.r.hi)
		}
		for i := 0; i <= k; i++ {
			// The open segment below bounds[i] (above all when i == k).
			if lo <= i-1 && hi >= i {
				ri.segs[2*i] = append(ri.segs[2*i], e.ref)
			}
			if i == k {
				break
			}
			// The point bounds[i].
			above := !e.r.hasLo || i > lo || (i == lo && !e.r.openLo)
			below := !e.r.hasHi || i < hi || (i == hi && !e.r.openHi)
			if above && below {
				ri.segs[2*i+1] = append(ri.segs[2*i+1], e.ref)
			}
		}
	}
	ri.pending = nil
}

// findFrom is find for a value that often falls in segment last (-1 for
// none): an open segment is checked against its two bounds first.
func (ri *rangeIndex) findFrom(d *decimal, last int) int {
	if last >= 0 && last&1 == 0 {
		i := last / 2 // the segment below bounds[i]
		if (i == 0 || cmpDecimal(&ri.bounds[i-1], d) < 0) && (i == len(ri.bounds) || cmpDecimal(d, &ri.bounds[i]) < 0) {
			return last
		}
	}
	return ri.find(d)
}

// find returns the index in segs of the point or open segment holding d.
func (ri *rangeIndex) find(d *decimal) int {
	lo, hi := 0, len(ri.bounds)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		c := cmpDecimal(&ri.bounds[m], d)
		if c == 0 {
			return 2*m + 1
		}
		if c < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return 2 * lo
}

// affixIndex holds prefixes (or suffixes) by their text, and the distinct
// lengths to try, so a lookup costs one hash probe per distinct length.
type affixIndex struct {
	by   map[string][]anchorRef
	lens []int
}

func (a *affixIndex) add(s string, r anchorRef) {
	if a.by == nil {
		a.by = map[string][]anchorRef{}
	}
	if _, ok := a.by[s]; !ok {
		i := sort.SearchInts(a.lens, len(s))
		if i == len(a.lens) || a.lens[i] != len(s) {
			a.lens = append(a.lens, 0)
			copy(a.lens[i+1:], a.lens[i:])
			a.lens[i] = len(s)
		}
	}
	a.by[s] = append(a.by[s], r)
}

func addTo(m *map[string][]anchorRef, k string, r anchorRef) {
	if *m == nil {
		*m = map[string][]anchorRef{}
	}
	(*m)[k] = append((*m)[k], r)
}

// indexable reports how a condition can anchor: exactly (a hit means the
// condition holds) or as a hint (a hit is necessary, not sufficient), and
// the weight used to prefer selective anchors.
func indexable(c *cond) (exact bool, weight int) {
	switch c.op {
	case opString, opNumber, opNumberText, opLiteral, opFold:
		return true, 1
	case opRange:
		if c.rng.eq { // numeric "=": as selective as an exact value
			return true, 1
		}
		return true, 4
	case opPrefix, opSuffix, opPrefixFold, opSuffixFold:
		return true, 4
	case opWildcard:
		if c.wc.stars() == 0 || c.wc.literalPrefix() != "" || c.wc.literalSuffix() != "" {
			return false, 6
		}
	}
	return false, presenceWeight
}

const presenceWeight = 1000

// condKey identifies an indexed condition, to count how many subs share it.
func condKey(path int32, c *cond) string {
	var b strings.Builder
	b.WriteByte(byte(c.op))
	b.WriteByte(byte(path))
	b.WriteByte(byte(path >> 8))
	b.WriteByte(byte(path >> 16))
	switch c.op {
	case opNumber:
		k := c.num.key()
		fmt.Fprintf(&b, "%d/%d/%v", k.mant, k.exp, k.neg)
	case opLiteral:
		b.WriteByte(byte(c.lit))
	case opRange:
		r := &c.rng
		fmt.Fprintf(&b, "%v%v%v%v%v/%d/%d/%v/%d/%d", r.hasLo, r.openLo, r.hasHi, r.openHi, r.lo.neg, r.lo.mant, r.lo.exp, r.hi.neg, r.hi.mant, r.hi.exp)
	default:
		b.WriteString(c.s)
	}
	return b.String()
}

// buildSegment indexes patterns; pathID resolves their paths.
func buildSegment(ids []string, pats []*compiled, pathID func(string) int32, npaths int) *segment {
	seg := &segment{ids: ids, anchors: make([]*anchorIndex, npaths)}
	shared := map[string]int{}
	ranged := map[int32]bool{} // paths with true ranges: their numbers are searched anyway
	for _, p := range pats {
		for _, sub := range p.subs {
			for _, s := range sub {
				if s.absentOK {
					continue
				}
				id := pathID(s.path)
				for i := range s.conds {
					shared[condKey(id, &s.conds[i])]++
					if c := &s.conds[i]; c.op == opRange && !c.rng.eq {
						ranged[id] = true
					}
				}
			}
		}
	}
	for pi, p := range pats {
		for _, sub := range p.subs {
			ss := segSub{pat: int32(pi), slots: make([]segSlot, len(sub))}
			best, bestCost, bestExact, bestRank := -1, 0, false, 0
			for i, s := range sub {
				id := pathID(s.path)
				ss.slots[i] = segSlot{path: id, conds: s.conds, absentOK: s.absentOK}
				if s.absentOK || len(s.conds) == 0 {
					continue
				}
				cost, allExact, numeric := 0, true, true
				for j := range s.conds {
					c := &s.conds[j]
					exact, w := indexable(c)
					allExact = allExact && exact
					numeric = numeric && (c.op == opNumber || c.op == opRange)
					if w == presenceWeight {
						cost = presenceWeight * len(sub) // a hint on presence only
						break
					}
					cost += w * shared[condKey(id, c)]
				}
				// Of equally selective anchors, prefer one whose lookup the
				// event pays for anyway (numbers at a ranged path are searched
				// among its bounds, where this one's become points), and then
				// strings to numbers, which must be decoded to be looked up.
				rank := 1
				if numeric {
					rank = 2
					if ranged[id] {
						rank = 0
					}
				}
				if best < 0 || cost < bestCost || cost == bestCost && rank < bestRank {
					best, bestCost, bestExact, bestRank = i, cost, allExact, rank
				}
			}
			si := int32(len(seg.subs))
			if best < 0 {
				seg.always = append(seg.always, si)
			} else {
				ss.direct = len(sub) == 1 && bestExact
				seg.index(ss.slots[best], si)
			}
			seg.subs = append(seg.subs, ss)
		}
	}
	for _, a := range seg.anchors {
		if a == nil {
			continue
		}
		if a.num != nil && len(a.ranges.pending) > 0 {
			// One search finds both: exact numbers join the ranges as points.
			for k, refs := range a.num {
				d := decimal{mant: k.mant, exp: k.exp, neg: k.neg}
				for _, r := range refs {
					a.ranges.pending = append(a.ranges.pending, rangeEntry{r: numRange{lo: d, hi: d, hasLo: true, hasHi: true, eq: true}, ref: r})
				}
			}
			a.num = nil
		}
		a.ranges.build()
		a.onlyRanges = a.ranges.segs != nil && a.str == nil && a.num == nil && a.numText == nil && a.fold == nil &&
			a.prefix.by == nil && a.prefixF.by == nil && a.suffix.by == nil && a.suffixF.by == nil
		for _, l := range a.lit {
			a.onlyRanges = a.onlyRanges && len(l) == 0
		}
	}
	return seg
}

// index files sub si under the conditions of its anchor slot s.
func (seg *segment) index(s segSlot, si int32) {
	a := seg.anchors[s.path]
	if a == nil {
		a = &anchorIndex{}
		seg.anchors[s.path] = a
	}
	for _, c := range s.conds {
		if _, w := indexable(&c); w == presenceWeight {
			a.present = append(a.present, ref(si, false))
			return
		}
	}
	a.byValue = true
	for i := range s.conds {
		c := &s.conds[i]
		switch c.op {
		case opString:
			addTo(&a.str, c.s, ref(si, true))
		case opNumber:
			if a.num == nil {
				a.num = map[numKey][]anchorRef{}
			}
			k := c.num.key()
			a.num[k] = append(a.num[k], ref(si, true))
		case opNumberText:
			addTo(&a.numText, c.s, ref(si, true))
		case opLiteral:
			a.lit[c.lit] = append(a.lit[c.lit], ref(si, true))
		// A key hit decides a case-insensitive condition only when operand
		// and value are ASCII; lookup clears the mark for other values.
		case opFold:
			addTo(&a.fold, c.s, ref(si, c.ciASCII))
			a.needFold = true
		case opPrefix:
			a.prefix.add(c.s, ref(si, true))
		case opPrefixFold:
			a.prefixF.add(c.s, ref(si, c.ciASCII))
			a.needFold = true
		case opSuffix:
			a.suffix.add(c.s, ref(si, true))
		case opSuffixFold:
			a.suffixF.add(c.s, ref(si, c.ciASCII))
			a.needFold = true
		case opRange:
			a.ranges.pending = append(a.ranges.pending, rangeEntry{r: c.rng, ref: ref(si, true)})
		case opWildcard:
			// Every match starts with the literal prefix and ends with the
			// literal suffix; file it under the longer one.
			w := c.wc
			if w.stars() == 0 {
				addTo(&a.str, w.segs[0], ref(si, true))
			} else if len(w.literalPrefix()) >= len(w.literalSuffix()) {
				a.prefix.add(w.literalPrefix(), ref(si, false))
			} else {
				a.suffix.add(w.literalSuffix(), ref(si, false))
			}
		}
	}
}

// lookup appends to out every sub the value may satisfy, apart from those
// in present. lastSeg is the range segment of the previous value looked up
// at this path in this event (-1 at first): a value in the same segment
// leads to subs already tried, so their refs are left out.
func (a *anchorIndex) lookup(v *value, ec *evalCtx, out []anchorRef, lastSeg *int) []anchorRef {
	switch v.kind {
	case vString:
		if a.str != nil {
			out = append(out, a.str[string(v.raw)]...)
		}
		out = a.prefix.find(v.raw, false, out)
		out = a.suffix.find(v.raw, true, out)
		if a.needFold {
			f := v.fold(ec)
			n := len(out)
			if a.fold != nil {
				out = append(out, a.fold[string(f)]...)
			}
			out = a.prefixF.find(f, false, out)
			out = a.suffixF.find(f, true, out)
			if len(out) > n && !isASCII(v.raw) {
				for i := n; i < len(out); i++ {
					out[i] &^= 1 // a hint: the condition is checked
				}
			}
		}
	case vNumber:
		if a.num != nil || a.ranges.segs != nil {
			if d := v.dec(ec); v.comparable(ec) {
				if a.num != nil {
					out = append(out, a.num[d.key()]...)
				}
				if a.ranges.segs != nil {
					// Values in arrays (coordinates, readings) often fall
					// in the segment of the one before.
					if k := a.ranges.findFrom(d, *lastSeg); k != *lastSeg {
						*lastSeg = k
						out = append(out, a.ranges.segs[k]...)
					}
				}
			}
		}
		if a.numText != nil {
			out = append(out, a.numText[string(v.raw)]...)
		}
	default:
		out = append(out, a.lit[v.kind]...)
	}
	return out
}

func (ix *affixIndex) find(s []byte, suffix bool, out []anchorRef) []anchorRef {
	for _, n := range ix.lens {
		if n > len(s) {
			break
		}
		k := s[:n]
		if suffix {
			k = s[len(s)-n:]
		}
		out = append(out, ix.by[string(k)]...)
	}
	return out
}
