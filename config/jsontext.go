package config

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// jsonDoc decodes a value that AWS takes as JSON text (an event pattern,
// the parameters of other target kinds): a YAML mapping becomes compact
// JSON in the key order written, and a string must already hold JSON, which
// is compacted.
func (d *decoder) jsonDoc(dst *string) field {
	return func(p string, n ast.Node) {
		v, ok := d.resolve(p, n)
		if !ok || v == nil {
			return
		}
		switch kindOf(v) {
		case kindMap:
			if s, ok := d.toJSON(p, v); ok {
				*dst = s
			}
		case kindString:
			s, ok := d.string(p, v)
			if !ok {
				return
			}
			var b bytes.Buffer
			if err := json.Compact(&b, []byte(s)); err != nil {
				d.errorf(p, v, "must be valid JSON: %v", err)
				return
			}
			*dst = b.String()
		default:
			d.typeError(p, v, "a mapping or a string holding JSON")
		}
	}
}

// rawJSON is jsonDoc for json.RawMessage fields.
func (d *decoder) rawJSON(dst *json.RawMessage) field {
	return func(p string, n ast.Node) {
		var s string
		d.jsonDoc(&s)(p, n)
		if s != "" {
			*dst = json.RawMessage(s)
		}
	}
}

// input decodes a target's Input: a mapping or a list becomes compact
// JSON; a scalar is kept as written, since the API layer checks it.
func (d *decoder) input(dst **string) field {
	return func(p string, n ast.Node) {
		v, ok := d.resolve(p, n)
		if !ok || v == nil {
			return
		}
		switch kindOf(v) {
		case kindMap, kindList:
			if s, ok := d.toJSON(p, v); ok {
				*dst = &s
			}
		default:
			d.strPtr(dst)(p, v)
		}
	}
}

// toJSON writes the YAML value n as compact JSON.
func (d *decoder) toJSON(path string, n ast.Node) (string, bool) {
	var b bytes.Buffer
	if !d.writeJSON(&b, path, n, 0) {
		return "", false
	}
	return b.String(), true
}

func (d *decoder) writeJSON(b *bytes.Buffer, path string, n ast.Node, depth int) bool {
	if depth > maxDepth {
		d.errorf(path, n, "nested too deeply")
		return false
	}
	v, ok := d.resolve(path, n)
	if !ok {
		return false
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case *ast.BoolNode:
		b.WriteString(strconv.FormatBool(x.Value))
	case *ast.IntegerNode:
		if text := tokenValue(x); isJSONNumber(text) {
			b.WriteString(text)
		} else {
			// 0x1f, 0o17, 1_000: JSON knows only decimal.
			switch i := x.Value.(type) {
			case int64:
				b.WriteString(strconv.FormatInt(i, 10))
			case uint64:
				b.WriteString(strconv.FormatUint(i, 10))
			default:
				d.errorf(path, x, "integer %s cannot be written as JSON", text)
				return false
			}
		}
	case *ast.FloatNode:
		switch text := tokenValue(x); {
		case isJSONNumber(text):
			b.WriteString(text)
		case math.IsInf(x.Value, 0) || math.IsNaN(x.Value):
			d.errorf(path, x, "%s is not a JSON number", text)
			return false
		default:
			b.WriteString(strconv.FormatFloat(x.Value, 'g', -1, 64))
		}
	case *ast.InfinityNode, *ast.NanNode:
		d.errorf(path, x, "%s is not a JSON number", tokenValue(x))
		return false
	case *ast.StringNode:
		// The parser leaves some plain numbers (1e3, integers past 64 bits)
		// as strings; unquoted, they are numbers in JSON as in YAML 1.2.
		if x.Token != nil && x.Token.Type == token.StringType && isJSONNumber(x.Value) {
			b.WriteString(x.Value)
			return true
		}
		s, ok := d.string(path, x)
		if !ok {
			return false
		}
		writeJSONString(b, s)
	case *ast.LiteralNode:
		s, ok := d.string(path, x)
		if !ok {
			return false
		}
		writeJSONString(b, s)
	case *ast.MappingNode, *ast.MappingValueNode:
		es, ok := d.entries(path, x, 0)
		if !ok {
			return false
		}
		b.WriteByte('{')
		for i, e := range es {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, e.key)
			b.WriteByte(':')
			if !d.writeJSON(b, child(path, e.key), e.value, depth+1) {
				return false
			}
		}
		b.WriteByte('}')
	case *ast.SequenceNode:
		b.WriteByte('[')
		for i, item := range x.Values {
			if i > 0 {
				b.WriteByte(',')
			}
			if !d.writeJSON(b, index(path, i), item, depth+1) {
				return false
			}
		}
		b.WriteByte(']')
	default:
		d.typeError(path, v, "a JSON value")
		return false
	}
	return true
}

// writeJSONString quotes s as JSON without escaping <, > and &, which AWS
// leaves alone and which input templates are full of.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a string always encodes
	b.Truncate(b.Len() - 1) // Encode's newline
}

// isJSONNumber reports whether s is a number in JSON's grammar.
func isJSONNumber(s string) bool {
	i := 0
	digits := func() int {
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
