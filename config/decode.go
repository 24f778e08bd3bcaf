package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// decoder turns the YAML tree into typed values, reporting every problem
// with its key path. It records the line of each path it meets so that the
// checks run afterwards on the typed values can point into the file.
type decoder struct {
	problems
	env       func(string) (string, bool)
	anchors   map[string][]*ast.AnchorNode
	lines     map[string]int
	budget    int // nodes left to visit; see spend
	exhausted bool
}

func (d *decoder) errorf(path string, n ast.Node, format string, args ...any) {
	d.add(path, lineOf(n), format, args...)
}

func (d *decoder) typeError(path string, n ast.Node, want string) {
	d.errorf(path, n, "must be %s, got %s", want, kindOf(n))
}

// field decodes the value of one key found at path.
type field func(path string, n ast.Node)

// fields are the keys a mapping may hold.
type fields map[string]field

// child returns the path of key under path. Keys that would make the path
// ambiguous are written in brackets.
func child(path, key string) string {
	plain := key != ""
	for _, c := range key {
		if !(c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return path + "[" + strconv.Quote(key) + "]"
	case path == "":
		return key
	}
	return path + "." + key
}

func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// object decodes the mapping n with fs, reporting unknown keys. A null
// value is an absent one.
func (d *decoder) object(path string, n ast.Node, fs fields) {
	v, ok := d.resolve(path, n)
	if !ok || v == nil {
		return
	}
	if kindOf(v) != kindMap {
		d.typeError(path, v, "a mapping")
		return
	}
	es, ok := d.entries(path, v, 0)
	if !ok {
		return
	}
	for _, e := range es {
		p := child(path, e.key)
		f := fs[e.key]
		if f == nil {
			d.unknownKey(p, e, fs)
			continue
		}
		d.lines[p] = lineOf(e.at)
		f(p, e.value)
	}
}

func (d *decoder) unknownKey(path string, e entry, fs fields) {
	known := make([]string, 0, len(fs))
	for k := range fs {
		known = append(known, k)
	}
	if s := suggest(e.key, known); s != "" {
		d.errorf(path, e.at, "unknown key, did you mean %s?", s)
		return
	}
	d.errorf(path, e.at, "unknown key")
}

// list calls item for each element of the list n. A null list is an empty
// one; a null element is an error, as it is almost always a stray dash.
func (d *decoder) list(path string, n ast.Node, item func(path string, n ast.Node)) {
	v, ok := d.resolve(path, n)
	if !ok || v == nil {
		return
	}
	seq, isList := v.(*ast.SequenceNode)
	if !isList {
		d.typeError(path, v, "a list")
		return
	}
	for i, it := range seq.Values {
		p := index(path, i)
		d.lines[p] = lineOf(it)
		r, ok := d.resolve(p, it)
		if !ok {
			continue
		}
		if r == nil {
			d.errorf(p, it, "empty list item")
			continue
		}
		item(p, r)
	}
}

// string returns a scalar as a string with ${NAME} expanded; ok is false
// for null and after an error.
func (d *decoder) string(path string, n ast.Node) (string, bool) {
	v, ok := d.resolve(path, n)
	if !ok || v == nil {
		return "", false
	}
	text, isScalar := scalarText(v)
	if !isScalar {
		d.typeError(path, v, "a string")
		return "", false
	}
	s, err := expand(text, d.env)
	if err != nil {
		d.errorf(path, v, "%v", err)
		return "", false
	}
	return s, true
}

func (d *decoder) str(dst *string) field {
	return func(p string, n ast.Node) {
		if s, ok := d.string(p, n); ok {
			*dst = s
		}
	}
}

func (d *decoder) strPtr(dst **string) field {
	return func(p string, n ast.Node) {
		if s, ok := d.string(p, n); ok {
			*dst = &s
		}
	}
}

func (d *decoder) strList(dst *[]string) field {
	return func(p string, n ast.Node) {
		d.list(p, n, func(p string, n ast.Node) {
			if s, ok := d.string(p, n); ok {
				*dst = append(*dst, s)
			}
		})
	}
}

// strMap decodes a mapping of strings; a null value is the empty string,
// as the key itself says something (an empty header, an empty variable).
func (d *decoder) strMap(dst *map[string]string) field {
	return func(p string, n ast.Node) {
		v, ok := d.resolve(p, n)
		if !ok || v == nil {
			return
		}
		if kindOf(v) != kindMap {
			d.typeError(p, v, "a mapping")
			return
		}
		es, ok := d.entries(p, v, 0)
		if !ok {
			return
		}
		m := make(map[string]string, len(es))
		for _, e := range es {
			kp := child(p, e.key)
			d.lines[kp] = lineOf(e.at)
			s, _ := d.string(kp, e.value)
			m[e.key] = s
		}
		*dst = m
	}
}

func (d *decoder) integer(path string, n ast.Node) (int, bool) {
	v, ok := d.resolve(path, n)
	if !ok || v == nil {
		return 0, false
	}
	x, isInt := v.(*ast.IntegerNode)
	if !isInt {
		if s, isStr := v.(*ast.StringNode); isStr && s.Token != nil && s.Token.Type == token.StringType && isDecimal(s.Value) {
			// The parser leaves integers that overflow 64 bits as strings.
			d.errorf(path, v, "integer %s is out of range", s.Value)
			return 0, false
		}
		d.typeError(path, v, "an integer")
		return 0, false
	}
	switch i := x.Value.(type) {
	case int64:
		if i >= math.MinInt && i <= math.MaxInt {
			return int(i), true
		}
	case uint64:
		if i <= math.MaxInt {
			return int(i), true
		}
	}
	d.errorf(path, v, "integer %s is out of range", tokenValue(x))
	return 0, false
}

func isDecimal(s string) bool {
	s = strings.TrimLeft(s, "+-")
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (d *decoder) int(dst *int) field {
	return func(p string, n ast.Node) {
		if i, ok := d.integer(p, n); ok {
			*dst = i
		}
	}
}

func (d *decoder) intPtr(dst **int) field {
	return func(p string, n ast.Node) {
		if i, ok := d.integer(p, n); ok {
			*dst = &i
		}
	}
}

func (d *decoder) bool(dst *bool) field {
	return func(p string, n ast.Node) {
		v, ok := d.resolve(p, n)
		if !ok || v == nil {
			return
		}
		b, isBool := v.(*ast.BoolNode)
		if !isBool {
			d.typeError(p, v, "a boolean (true or false)")
			return
		}
		*dst = b.Value
	}
}

func (d *decoder) duration(dst *time.Duration) field {
	return func(p string, n ast.Node) {
		v, ok := d.resolve(p, n)
		if !ok || v == nil {
			return
		}
		if kindOf(v) != kindString {
			d.typeError(p, v, "a duration such as 30s or 5m")
			return
		}
		s, ok := d.string(p, v)
		if !ok {
			return
		}
		t, err := time.ParseDuration(s)
		if err != nil {
			d.errorf(p, v, "invalid duration %q, want a duration such as 30s or 5m", s)
			return
		}
		*dst = t
	}
}
