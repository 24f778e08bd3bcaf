package pattern

import (
	"sort"
	"strings"
)

// maxWildcardComplexity is the most wildcard work one pattern may ask for.
// EventBridge does not publish its limit; 10 is the per-rule limit the
// matching library EventBridge uses recommends, and it is the only value
// consistent with what EventBridge accepts and refuses (complexity 7 and 3
// accepted, 11 refused).
const maxWildcardComplexity = 10

// checkComplexity refuses patterns whose wildcards could keep too many
// partial matches alive at once. For every field it takes all wildcard
// operands aimed at it (wildcard and anything-but wildcard, across $or
// alternatives) and computes the largest number of partial matches that any
// input value can leave active simultaneously; the pattern's complexity is
// the largest over its fields.
func checkComplexity(p *compiled) error {
	byPath := map[string]map[string]bool{}
	for _, sub := range p.subs {
		for _, s := range sub {
			for _, c := range s.conds {
				var ws []*wildcard
				switch c.op {
				case opWildcard:
					ws = []*wildcard{c.wc}
				case opNotWildcard:
					ws = c.wcs
				default:
					continue
				}
				for _, w := range ws {
					if w.stars() == 0 {
						continue
					}
					m := byPath[s.path]
					if m == nil {
						m = map[string]bool{}
						byPath[s.path] = m
					}
					kind := "w"
					if c.op == opNotWildcard {
						kind = "n" // counted apart from an equal wildcard operand
					}
					m[kind+w.pattern] = true
				}
			}
		}
	}
	for _, m := range byPath {
		var nfas [][]wcTok
		for k := range m {
			nfas = append(nfas, wildcardTokens(k[1:]))
		}
		sort.Slice(nfas, func(i, j int) bool { return len(nfas[i]) < len(nfas[j]) })
		if wildcardComplexity(nfas, maxWildcardComplexity) > maxWildcardComplexity {
			return &InvalidPatternError{Reason: "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character"}
		}
	}
	return nil
}

// wcTok is one step of a wildcard automaton: a literal byte or a star.
type wcTok struct {
	star bool
	b    byte
}

// wildcardTokens tokenizes an operand as EventBridge's automaton sees it:
// between quotes, escapes resolved.
func wildcardTokens(v string) []wcTok {
	q := `"` + v + `"`
	var out []wcTok
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case '*':
			out = append(out, wcTok{star: true})
		case '\\':
			if i+1 < len(q) {
				i++
			}
			out = append(out, wcTok{b: q[i]})
		default:
			out = append(out, wcTok{b: q[i]})
		}
	}
	return out
}

// wildcardComplexity explores every input over the automata's alphabet and
// returns the largest total of active non-initial states, stopping early
// once the total exceeds limit.
func wildcardComplexity(nfas [][]wcTok, limit int) int {
	alphabet := map[byte]bool{}
	for _, t := range nfas {
		for _, tok := range t {
			if !tok.star {
				alphabet[tok.b] = true
			}
		}
	}
	// One byte that no operand mentions stands for all the others.
	for b := 0; b < 256; b++ {
		if !alphabet[byte(b)] {
			alphabet[byte(b)] = true
			break
		}
	}
	type state [][]int
	encode := func(s state) string {
		var sb strings.Builder
		for _, set := range s {
			for _, k := range set {
				sb.WriteByte(byte(k >> 8))
				sb.WriteByte(byte(k))
			}
			sb.WriteByte(0xff)
			sb.WriteByte(0xff)
		}
		return sb.String()
	}
	closure := func(t []wcTok, set []int) []int {
		out := set[:0:0]
		seen := map[int]bool{}
		for _, k := range set {
			for !seen[k] {
				seen[k] = true
				out = append(out, k)
				if k < len(t) && t[k].star {
					k++
					continue
				}
				break
			}
		}
		sort.Ints(out)
		return out
	}
	start := make(state, len(nfas))
	for i, t := range nfas {
		start[i] = closure(t, []int{0})
	}
	best := 0
	seen := map[string]bool{encode(start): true}
	queue := []state{start}
	const maxVisited = 1 << 16 // beyond this the pattern is too complex anyway
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for b := range alphabet {
			next := make(state, len(nfas))
			weight, alive := 0, false
			for i, t := range nfas {
				var moved []int
				for _, k := range cur[i] {
					if k > 0 && t[k-1].star {
						moved = append(moved, k)
					}
					if k < len(t) && !t[k].star && t[k].b == b {
						moved = append(moved, k+1)
					}
				}
				next[i] = closure(t, moved)
				for _, k := range next[i] {
					if k != 0 {
						weight++
					}
				}
				alive = alive || len(next[i]) > 0
			}
			if weight > best {
				best = weight
				if best > limit {
					return best
				}
			}
			if !alive {
				continue
			}
			key := encode(next)
			if seen[key] {
				continue
			}
			if len(seen) >= maxVisited {
				return limit + 1
			}
			seen[key] = true
			queue = append(queue, next)
		}
	}
	return best
}
