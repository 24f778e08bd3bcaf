package config

import (
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// kind is what a YAML value is once anchors, aliases and tags are looked
// through; its String is the phrase used in type errors.
type kind int

const (
	kindNull kind = iota
	kindString
	kindInt
	kindFloat
	kindBool
	kindMap
	kindList
	kindOther
)

func (k kind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindString:
		return "a string"
	case kindInt:
		return "an integer"
	case kindFloat:
		return "a number"
	case kindBool:
		return "a boolean"
	case kindMap:
		return "a mapping"
	case kindList:
		return "a list"
	}
	return "an unsupported value"
}

func kindOf(n ast.Node) kind {
	switch n.(type) {
	case nil, *ast.NullNode:
		return kindNull
	case *ast.StringNode, *ast.LiteralNode:
		return kindString
	case *ast.IntegerNode:
		return kindInt
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return kindFloat
	case *ast.BoolNode:
		return kindBool
	case *ast.MappingNode, *ast.MappingValueNode:
		return kindMap
	case *ast.SequenceNode:
		return kindList
	}
	return kindOther
}

// scalarText returns a scalar's text: a string's value, or a number's or a
// boolean's text as written, so that a string field given 0123 keeps it.
func scalarText(n ast.Node) (string, bool) {
	switch x := n.(type) {
	case *ast.StringNode:
		return x.Value, true
	case *ast.LiteralNode:
		if x.Value == nil {
			return "", true
		}
		return x.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := n.GetToken(); tk != nil {
			return tk.Value, true
		}
	}
	return "", false
}

// lineOf returns the 1-based line where n starts, or 0.
func lineOf(n ast.Node) int {
	if n == nil {
		return 0
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

func offsetOf(n ast.Node) int {
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Offset
	}
	return 0
}

// collectAnchors records every anchor of the tree under n, in document
// order, so that aliases can be resolved wherever the decoder meets them.
func collectAnchors(n ast.Node, into map[string][]*ast.AnchorNode) {
	switch x := n.(type) {
	case *ast.AnchorNode:
		name := tokenValue(x.Name)
		into[name] = append(into[name], x)
		collectAnchors(x.Value, into)
	case *ast.TagNode:
		collectAnchors(x.Value, into)
	case *ast.MappingNode:
		for _, v := range x.Values {
			collectAnchors(v, into)
		}
	case *ast.MappingValueNode:
		collectAnchors(x.Key, into)
		collectAnchors(x.Value, into)
	case *ast.MappingKeyNode:
		collectAnchors(x.Value, into)
	case *ast.SequenceNode:
		for _, v := range x.Values {
			collectAnchors(v, into)
		}
	}
}

// Limits that keep a hostile file (an alias bomb, an alias that contains
// itself) from taking unbounded time or stack.
const (
	maxAliasHops = 64
	maxDepth     = 64
)

// resolve returns the node that holds n's value, looking through anchors,
// aliases and tags, or nil for null. ok is false when it reported an error.
func (d *decoder) resolve(path string, n ast.Node) (v ast.Node, ok bool) {
	for hops := 0; ; hops++ {
		if !d.spend(path, n) {
			return nil, false
		}
		if hops > maxAliasHops {
			d.errorf(path, n, "too many nested aliases")
			return nil, false
		}
		switch x := n.(type) {
		case nil, *ast.NullNode:
			return nil, true
		case *ast.AnchorNode:
			n = x.Value
		case *ast.AliasNode:
			target, found := d.anchor(x)
			if !found {
				d.errorf(path, x, "unknown alias *%s", tokenValue(x.Value))
				return nil, false
			}
			n = target
		case *ast.TagNode:
			tag := ""
			if x.Start != nil {
				tag = x.Start.Value
			}
			switch {
			case tag == "!!str":
				return d.forceString(path, x)
			case strings.HasPrefix(tag, "!!"):
				n = x.Value
			default:
				// Most often CloudFormation's !Ref, !Sub or !GetAtt, pasted
				// with the rest of a template.
				d.errorf(path, x, "YAML tag %s is not supported (write the value itself, or ${NAME} to take it from the environment)", tag)
				return nil, false
			}
		default:
			return n, true
		}
	}
}

// forceString gives the value of a !!str scalar as a string node, whatever
// it looks like, so that !!str 123 is the string "123".
func (d *decoder) forceString(path string, x *ast.TagNode) (ast.Node, bool) {
	v, ok := d.resolve(path, x.Value)
	if !ok {
		return nil, false
	}
	text := ""
	if v != nil {
		var isScalar bool
		if text, isScalar = scalarText(v); !isScalar {
			d.errorf(path, x, "!!str applies to scalars only, got %s", kindOf(v))
			return nil, false
		}
	}
	var pos *token.Position
	if tk := x.GetToken(); tk != nil {
		pos = tk.Position
	}
	// A quoted token, so that JSON conversion never reads the text as a number.
	tk := &token.Token{Type: token.DoubleQuoteType, Value: text, Origin: text, Position: pos}
	return &ast.StringNode{BaseNode: &ast.BaseNode{}, Token: tk, Value: text}, true
}

// tokenValue returns the text of n's token, such as an anchor's name.
func tokenValue(n ast.Node) string {
	if n == nil {
		return ""
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

// anchor returns the value of the anchor an alias refers to: the last one
// of that name before it, since YAML lets a later anchor reuse a name.
func (d *decoder) anchor(x *ast.AliasNode) (ast.Node, bool) {
	defs := d.anchors[tokenValue(x.Value)]
	at := offsetOf(x)
	for i := len(defs) - 1; i >= 0; i-- {
		if offsetOf(defs[i]) < at {
			return defs[i].Value, true
		}
	}
	return nil, false
}

// spend counts one node visited against the decoder's budget, so that
// aliases cannot multiply a small file into an enormous one.
func (d *decoder) spend(path string, n ast.Node) bool {
	if d.exhausted {
		return false
	}
	d.budget--
	if d.budget < 0 {
		d.exhausted = true
		d.errorf(path, n, "too many values once aliases are expanded")
		return false
	}
	return true
}

// entry is one key of a mapping and its value.
type entry struct {
	key   string
	at    ast.Node // the key, for its line
	value ast.Node
}

// entries returns the keys of the mapping n (already resolved) in order,
// with merge keys (<<) expanded: keys written in the mapping win over
// merged ones, and earlier merged mappings over later ones.
func (d *decoder) entries(path string, n ast.Node, depth int) ([]entry, bool) {
	if depth > maxDepth {
		d.errorf(path, n, "merge keys nested too deeply")
		return nil, false
	}
	var values []*ast.MappingValueNode
	switch x := n.(type) {
	case *ast.MappingNode:
		values = x.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{x}
	}
	var out []entry
	index := map[string]int{}
	merged := map[string]bool{}
	for _, mv := range values {
		if mv == nil {
			continue
		}
		if _, isMerge := mv.Key.(*ast.MergeKeyNode); isMerge {
			es, ok := d.merged(path, mv.Value, depth)
			if !ok {
				return nil, false
			}
			for _, e := range es {
				if _, seen := index[e.key]; !seen {
					index[e.key] = len(out)
					merged[e.key] = true
					out = append(out, e)
				}
			}
			continue
		}
		key, ok := d.keyText(path, mv.Key)
		if !ok {
			return nil, false
		}
		e := entry{key: key, at: mv.Key, value: mv.Value}
		if i, seen := index[key]; seen && merged[key] {
			out[i] = e
			merged[key] = false
			continue
		}
		index[key] = len(out)
		out = append(out, e)
	}
	return out, true
}

// merged returns the entries a merge key of the mapping at path brings:
// those of one mapping or of a list of mappings.
func (d *decoder) merged(path string, n ast.Node, depth int) ([]entry, bool) {
	mergePath := path + ".<<"
	v, ok := d.resolve(mergePath, n)
	if !ok {
		return nil, false
	}
	var sources []ast.Node
	switch kindOf(v) {
	case kindMap:
		sources = []ast.Node{v}
	case kindList:
		for _, item := range v.(*ast.SequenceNode).Values {
			m, ok := d.resolve(mergePath, item)
			if !ok {
				return nil, false
			}
			if kindOf(m) != kindMap {
				d.errorf(mergePath, item, "must be a mapping or a list of mappings, got a list holding %s", kindOf(m))
				return nil, false
			}
			sources = append(sources, m)
		}
	default:
		d.errorf(mergePath, n, "must be a mapping or a list of mappings, got %s", kindOf(v))
		return nil, false
	}
	var out []entry
	seen := map[string]bool{}
	for _, m := range sources {
		es, ok := d.entries(path, m, depth+1)
		if !ok {
			return nil, false
		}
		for _, e := range es {
			if !seen[e.key] {
				seen[e.key] = true
				out = append(out, e)
			}
		}
	}
	return out, true
}

// keyText returns a mapping key as a string; keys are never expanded.
func (d *decoder) keyText(path string, k ast.Node) (string, bool) {
	var n ast.Node = k
	if mk, ok := k.(*ast.MappingKeyNode); ok {
		n = mk.Value
	}
	v, ok := d.resolve(path, n)
	if !ok {
		return "", false
	}
	text, isScalar := scalarText(v)
	if !isScalar {
		d.errorf(path, k, "mapping keys must be strings, got %s", kindOf(v))
		return "", false
	}
	return text, true
}
