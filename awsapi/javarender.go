package awsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// EventBridge's constraint messages print the offending value as its Java
// service holds it: a list as List.toString ("[a, b]"), a map as
// HashMap.toString ("{k=v, k2=v2}", in the hash table's order), and a
// collection's members are judged together: "Map keys must satisfy
// constraint: [every constraint of the key shape]". Seen in AWS's answer
// to a PutTargets with bad InputPathsMap keys: Value '{de onde?=…, Quem
// foi?=…, o que?=…}' at 'targets.1.member.inputTransformer.inputPathsMap'
// failed to satisfy constraint: Map keys must satisfy constraint: [Member
// must have length less than or equal to 256, Member must have length
// greater than or equal to 1, Member must satisfy regular expression
// pattern: [A-Za-z0-9\_\-]+] (its keys were sent in another order).

// strShape is a string shape of the API model.
type strShape struct {
	min, max int // max 0: none; min is shown only when hasMin
	hasMin   bool
	re       *regexp.Regexp
	// pattern and match stand in for re where the model's pattern is not
	// one Go's regexp can run (lookahead).
	pattern string
	match   func(string) bool
}

func (s strShape) ok(v string) bool {
	n := utf8.RuneCountInString(v)
	if s.hasMin && n < s.min || s.max > 0 && n > s.max {
		return false
	}
	switch {
	case s.re != nil:
		return s.re.MatchString(v)
	case s.match != nil:
		return s.match(v)
	}
	return true
}

// constraints lists the shape's constraints in the order AWS's messages do.
func (s strShape) constraints() string {
	var cs []string
	if s.max > 0 {
		cs = append(cs, fmt.Sprintf("Member must have length less than or equal to %d", s.max))
	}
	if s.hasMin {
		cs = append(cs, fmt.Sprintf("Member must have length greater than or equal to %d", s.min))
	}
	switch {
	case s.re != nil:
		cs = append(cs, "Member must satisfy regular expression pattern: "+modelPatternText(s.re))
	case s.pattern != "":
		cs = append(cs, "Member must satisfy regular expression pattern: "+s.pattern)
	}
	return "[" + strings.Join(cs, ", ") + "]"
}

// strMap checks a map of strings against its key and value shapes and its
// size; order is the keys' order in the request (see javaMap).
func (v *violations) strMap(m map[string]string, order []string, path string, maxLen int, key, val strShape) {
	if m == nil {
		return
	}
	badKey, badVal := false, false
	for k, x := range m {
		badKey = badKey || !key.ok(k)
		badVal = badVal || !val.ok(x)
	}
	tooMany := maxLen > 0 && len(m) > maxLen
	if !tooMany && !badKey && !badVal {
		return
	}
	shown := quote(javaMap(m, order))
	if tooMany {
		v.add(shown, path, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	}
	if badKey {
		v.add(shown, path, "Map keys must satisfy constraint: "+key.constraints())
	}
	if badVal {
		v.add(shown, path, "Map value must satisfy constraint: "+val.constraints())
	}
}

// strList checks a list of strings against its member shape and its size.
func (v *violations) strList(l []string, path string, minLen, maxLen int, member strShape) {
	if l == nil {
		return
	}
	short, long := len(l) < minLen, maxLen > 0 && len(l) > maxLen
	bad := slices.ContainsFunc(l, func(s string) bool { return !member.ok(s) })
	if !short && !long && !bad {
		return // the common case, on PutEvents' path: no text built
	}
	shown := quote("[" + strings.Join(l, ", ") + "]")
	if short {
		v.add(shown, path, fmt.Sprintf("Member must have length greater than or equal to %d", minLen))
	}
	if long {
		v.add(shown, path, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	}
	if bad {
		v.add(shown, path, "Member must satisfy constraint: "+member.constraints())
	}
}

// javaMap renders m as Java's HashMap.toString does when the keys were put
// in order (keys of m missing from order go last, sorted): entries by
// bucket of the table, and within a bucket in the order they were put.
func javaMap(m map[string]string, order []string) string {
	keys := make([]string, 0, len(m))
	seen := make(map[string]bool, len(m))
	for _, k := range order {
		if _, ok := m[k]; ok && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	keys = append(keys, rest...)
	// The table starts with 16 buckets and doubles whenever it holds more
	// than three quarters of its size; a resize keeps each bucket's order.
	size := 16
	for len(keys) > size*3/4 {
		size *= 2
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		return int(javaBucket(a, size)) - int(javaBucket(b, size))
	})
	var sb strings.Builder
	sb.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(k)
		sb.WriteByte('=')
		sb.WriteString(m[k])
	}
	sb.WriteByte('}')
	return sb.String()
}

// javaBucket is the bucket of key in a HashMap table of size buckets:
// String.hashCode over UTF-16 code units, spread as HashMap.hash does.
func javaBucket(key string, size int) uint32 {
	var h uint32
	for _, c := range utf16.Encode([]rune(key)) {
		h = 31*h + uint32(c)
	}
	h ^= h >> 16
	return h & uint32(size-1)
}

// objectKeys returns the member names of a JSON object in the order they
// appear; nil when raw is not an object.
func objectKeys(raw json.RawMessage) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}
