package pattern

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// choices drives the generators: each decision consumes one byte, so a fuzz
// input is a recipe for a set of patterns and an event.
type choices struct {
	b []byte
	i int
}

func (c *choices) n(k int) int {
	if c.i >= len(c.b) {
		return 0
	}
	v := int(c.b[c.i])
	c.i++
	return v % k
}

func (c *choices) pick(xs []string) string { return xs[c.n(len(xs))] }

var (
	genKeys    = []string{"a", "b", "c", "d"}
	genStrings = []string{"", "x", "xy", "X", "Xy", "abc", "ABC", "a*b", "a\\\\b", "init", "initial", "file.txt",
		"FILE.TXT", "10.0.0.1", "10.0.0.200", "10.0.1.1", "2001:db8::1", "::1", "é", "É", "naïve", "\\u00e9",
		"ß", "SS", "ss", "ı", "I", "i", "İ", "i\u0307", "K", "k", "\u212a", "Σ", "σ", "ς", "ǅ", "Ǆ", "ǆ"}
	genNumbers = []string{"0", "-0", "1", "1.0", "1e0", "-1", "2.5", "300", "3e2", "300.0", "100", "101", "0.1",
		"0.10000000000000001", "12345678901234567890", "1e400", "-122.42200352825247", "5E-1"}
	genAffixes    = []string{"", "x", "X", "a", "in", "init", ".txt", ".TXT", "b", "é", "ß", "S", "ı", "İ", "k", "\u212a", "ς"}
	genWildcards  = []string{"*", "x*", "*y", "a*b", "*.txt", "in*al", "a\\\\*b", "", "10.0.*", "*b*"}
	genCIDRs      = []string{"10.0.0.0/24", "10.0.0.0/8", "10.0.1.0/31", "2001:db8::/32", "::/0"}
	genNumOps     = []string{"=", "<", "<=", ">", ">="}
	genComparable = []string{"0", "1", "-1", "2.5", "100", "101", "300", "0.1", "-122.5"}
)

func genString(c *choices) string { return `"` + c.pick(genStrings) + `"` }
func genScalar(c *choices) string {
	switch c.n(6) {
	case 0, 1, 2:
		return genString(c)
	case 3, 4:
		return c.pick(genNumbers)
	}
	return []string{"true", "false", "null"}[c.n(3)]
}

// genEvent writes an object with unique keys; a dotted key never shares its
// first segment with a plain key of the same object.
func genEvent(c *choices, depth int) string {
	var b strings.Builder
	b.WriteByte('{')
	used := map[string]bool{}
	for i, n := 0, 1+c.n(4); i < n; i++ {
		k := c.pick(genKeys)
		if c.n(6) == 0 {
			k += "." + c.pick(genKeys)
		}
		head, _, _ := strings.Cut(k, ".")
		if used[k] || used[head] || used["dotted:"+head] && !strings.Contains(k, ".") {
			continue
		}
		used[k] = true
		if strings.Contains(k, ".") {
			used["dotted:"+head] = true
		} else {
			used[head] = true
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", k, genEventValue(c, depth))
	}
	b.WriteByte('}')
	return b.String()
}

func genEventValue(c *choices, depth int) string {
	switch k := c.n(8); {
	case k < 4 || depth > 2:
		return genScalar(c)
	case k < 6:
		var parts []string
		for i, n := 0, c.n(4); i < n; i++ {
			parts = append(parts, genEventValue(c, depth+1))
		}
		return "[" + strings.Join(parts, ",") + "]"
	default:
		return genEvent(c, depth+1)
	}
}

func genCondition(c *choices) string {
	switch c.n(16) {
	case 0, 1:
		return genScalar(c)
	case 2:
		return fmt.Sprintf(`{"prefix":"%s"}`, c.pick(genAffixes))
	case 3:
		return fmt.Sprintf(`{"suffix":"%s"}`, c.pick(genAffixes))
	case 4:
		return fmt.Sprintf(`{"prefix":{"equals-ignore-case":"%s"}}`, c.pick(genAffixes))
	case 5:
		return fmt.Sprintf(`{"suffix":{"equals-ignore-case":"%s"}}`, c.pick(genAffixes))
	case 6:
		return fmt.Sprintf(`{"equals-ignore-case":"%s"}`, c.pick(genStrings))
	case 7:
		return fmt.Sprintf(`{"wildcard":"%s"}`, c.pick(genWildcards))
	case 8:
		switch c.n(4) {
		case 0:
			return fmt.Sprintf(`{"anything-but":%s}`, genString(c))
		case 1:
			return fmt.Sprintf(`{"anything-but":[%s,%s]}`, genString(c), genString(c))
		case 2:
			return fmt.Sprintf(`{"anything-but":%s}`, c.pick(genComparable))
		}
		return fmt.Sprintf(`{"anything-but":[%s,%s]}`, c.pick(genComparable), c.pick(genComparable))
	case 9:
		form := []string{"equals-ignore-case", "prefix", "suffix", "wildcard"}[c.n(4)]
		vals := genAffixes
		if form == "wildcard" {
			vals = genWildcards
		}
		if c.n(2) == 0 {
			return fmt.Sprintf(`{"anything-but":{%q:"%s"}}`, form, c.pick(vals))
		}
		return fmt.Sprintf(`{"anything-but":{%q:["%s","%s"]}}`, form, c.pick(vals), c.pick(vals))
	case 10, 11:
		switch c.n(3) {
		case 0:
			return fmt.Sprintf(`{"numeric":["%s",%s]}`, c.pick(genNumOps), c.pick(genComparable))
		case 1:
			return fmt.Sprintf(`{"numeric":[">",%s,"<=",%s]}`, c.pick(genComparable), c.pick(genComparable))
		}
		return fmt.Sprintf(`{"numeric":[">=",%s,"<",%s]}`, c.pick(genComparable), c.pick(genComparable))
	case 12, 13:
		return fmt.Sprintf(`{"exists":%v}`, c.n(2) == 0)
	case 14:
		return fmt.Sprintf(`{"cidr":"%s"}`, c.pick(genCIDRs))
	}
	return fmt.Sprintf(`{"exactly":%s}`, genString(c))
}

// genPattern writes a pattern whose paths are distinct within every
// alternative, so that "last duplicate wins" never comes into play.
func genPattern(c *choices, prefix string, depth int, used map[string]bool) string {
	var b strings.Builder
	b.WriteByte('{')
	here := map[string]bool{} // keys of this object
	for i, n := 0, 1+c.n(3); i < n; i++ {
		if depth < 2 && c.n(8) == 0 && !here["$or"] {
			here["$or"] = true
			if b.Len() > 1 {
				b.WriteByte(',')
			}
			b.WriteString(`"$or":[`)
			for j := 0; j < 2+c.n(2); j++ {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(genPattern(c, prefix, depth+1, used))
			}
			b.WriteByte(']')
			continue
		}
		k := c.pick(genKeys)
		if c.n(5) == 0 {
			k += "." + c.pick(genKeys)
		}
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		if used[path] || here[k] {
			continue
		}
		here[k] = true
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		if depth < 2 && c.n(4) == 0 {
			fmt.Fprintf(&b, "%q:%s", k, genPattern(c, path, depth+1, used))
			continue
		}
		used[path] = true
		var conds []string
		for j, m := 0, 1+c.n(3); j < m; j++ {
			conds = append(conds, genCondition(c))
		}
		fmt.Fprintf(&b, "%q:[%s]", k, strings.Join(conds, ","))
	}
	if b.Len() == 1 {
		// Every object needs a member: take a path nobody uses.
		for _, k := range []string{"e", "f", "g", "h", "i", "j", "k", "l", "m", "n"} {
			path := k
			if prefix != "" {
				path = prefix + "." + k
			}
			if !used[path] {
				used[path] = true
				fmt.Fprintf(&b, "%q:[%s]", k, genCondition(c))
				break
			}
		}
	}
	b.WriteByte('}')
	return b.String()
}

// checkAgainstReference matches generated patterns in one Matcher and
// compares every outcome with the reference evaluator.
func checkAgainstReference(t *testing.T, recipe []byte) {
	c := &choices{b: recipe}
	event := genEvent(c, 0)
	m := NewMatcher()
	var ids []string
	pats := map[string]string{}
	for i, n := 0, 1+c.n(4); i < n; i++ {
		p := genPattern(c, "", 0, map[string]bool{})
		id := fmt.Sprintf("p%d", i)
		if err := m.Add(id, []byte(p)); err != nil {
			continue // a generated pattern EventBridge refuses
		}
		ids = append(ids, id)
		pats[id] = p
	}
	got, err := m.Match([]byte(event))
	if err != nil {
		t.Fatalf("Match(%s): %v", event, err)
	}
	slices.Sort(got)
	var want []string
	for _, id := range ids {
		ok, err := refMatch([]byte(pats[id]), []byte(event))
		if err != nil {
			t.Fatalf("reference on %s / %s: %v", pats[id], event, err)
		}
		if ok {
			want = append(want, id)
		}
	}
	if !slices.Equal(got, want) {
		var desc strings.Builder
		for _, id := range ids {
			fmt.Fprintf(&desc, "\n  %s: %s", id, pats[id])
		}
		t.Fatalf("event %s\npatterns:%s\nMatcher: %v\nreference: %v", event, desc.String(), got, want)
	}
	// Replacing a pattern changes its outcome only.
	if len(ids) > 0 {
		p := genPattern(c, "", 0, map[string]bool{})
		if m.Add(ids[0], []byte(p)) == nil {
			pats[ids[0]] = p
			ok, _ := refMatch([]byte(p), []byte(event))
			want = slices.DeleteFunc(want, func(s string) bool { return s == ids[0] })
			if ok {
				want = append(want, ids[0])
				slices.Sort(want)
			}
			got, _ := m.Match([]byte(event))
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("after replacing %s by %s: got %v, want %v (event %s)", ids[0], p, got, want, event)
			}
		}
	}
	// Removing a pattern leaves the others' outcomes alone.
	if len(ids) > 1 {
		m.Remove(ids[0])
		got, _ := m.Match([]byte(event))
		slices.Sort(got)
		if want := slices.DeleteFunc(slices.Clone(want), func(s string) bool { return s == ids[0] }); !slices.Equal(got, want) {
			t.Fatalf("after Remove(%s): got %v, want %v (event %s)", ids[0], got, want, event)
		}
	}
}

// TestMatcherAgainstReference runs a fixed set of generated cases, so that
// plain `go test` exercises what FuzzMatcherAgainstReference explores.
func TestMatcherAgainstReference(t *testing.T) {
	eachRecipe(1, func(_ *rand.Rand, recipe []byte) { checkAgainstReference(t, recipe) })
}

// eachRecipe calls fn with 20,000 random recipes (2,000 under -short)
// drawn from a fixed seed, and the generator that drew them.
func eachRecipe(seed uint64, fn func(r *rand.Rand, recipe []byte)) {
	r := rand.New(rand.NewPCG(seed, seed+1))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	recipe := make([]byte, 256)
	for i := 0; i < n; i++ {
		for j := range recipe {
			recipe[j] = byte(r.Uint32())
		}
		fn(r, recipe)
	}
}

func FuzzMatcherAgainstReference(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("seed: anything-but and arrays of objects"))
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 16; i++ {
		b := make([]byte, 128)
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		f.Add(b)
	}
	f.Fuzz(checkAgainstReference)
}
