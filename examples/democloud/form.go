package democloud

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// maxListIndex bounds the position of a list member in a query-protocol
// form (InstanceId.N), so that one pair cannot make a huge list.
const maxListIndex = 1000

// A formNode is one level of a query-protocol form: a value, named
// members, or list members by their 1-based position. A node is one of
// the three, never several.
type formNode struct {
	value   *string
	members map[string]*formNode
	items   map[int]*formNode
}

// parseForm turns the pairs of a query-protocol request into a tree: the
// key TagSpecification.1.Tag.2.Key names member Key of the second item of
// member Tag of the first item of TagSpecification. Action and Version are
// the caller's to remove. A key used both as a value and as a prefix, a
// key given twice, an empty segment and a position that is not between 1
// and maxListIndex are errors.
func parseForm(values url.Values) (*formNode, error) {
	root := &formNode{}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic errors
	for _, key := range keys {
		vs := values[key]
		if len(vs) != 1 {
			return nil, fmt.Errorf("parameter %s is given %d times", key, len(vs))
		}
		n := root
		for seg := range strings.SplitSeq(key, ".") {
			if seg == "" {
				return nil, fmt.Errorf("parameter %q has an empty name segment", key)
			}
			next, err := n.child(seg)
			if err != nil {
				return nil, fmt.Errorf("parameter %s: %w", key, err)
			}
			n = next
		}
		if n.value != nil || n.members != nil || n.items != nil {
			return nil, fmt.Errorf("parameter %s is both a value and a structure", key)
		}
		v := vs[0]
		n.value = &v
	}
	return root, nil
}

// child returns n's member or item named seg, creating it.
func (n *formNode) child(seg string) (*formNode, error) {
	if n.value != nil {
		return nil, errors.New("a value cannot have members")
	}
	if seg[0] >= '0' && seg[0] <= '9' {
		i, err := strconv.Atoi(seg)
		if err != nil || i < 1 || i > maxListIndex {
			return nil, fmt.Errorf("list position %q is not between 1 and %d", seg, maxListIndex)
		}
		if n.members != nil {
			return nil, errors.New("a structure cannot have list items")
		}
		if n.items == nil {
			n.items = map[int]*formNode{}
		}
		c := n.items[i]
		if c == nil {
			c = &formNode{}
			n.items[i] = c
		}
		return c, nil
	}
	if n.items != nil {
		return nil, errors.New("a list cannot have named members")
	}
	if n.members == nil {
		n.members = map[string]*formNode{}
	}
	c := n.members[seg]
	if c == nil {
		c = &formNode{}
		n.members[seg] = c
	}
	return c, nil
}

// list returns n's items in the order of their positions.
func (n *formNode) list() []*formNode {
	pos := make([]int, 0, len(n.items))
	for i := range n.items {
		pos = append(pos, i)
	}
	slices.Sort(pos)
	out := make([]*formNode, len(pos))
	for j, i := range pos {
		out[j] = n.items[i]
	}
	return out
}

// bindForm sets the fields of the struct v points to from n. A field is
// named by its json tag; a `query:"Name"` tag gives the name the query
// protocol uses instead, and `query:"Name,member"` says the list's items
// sit under Name.member.N (IAM's and RDS's encoding) rather than Name.N
// (EC2's). Values are parsed into strings, integers and booleans; members
// the struct does not have are ignored, as AWS does.
func bindForm(n *formNode, v any) error {
	return bindValue(n, reflect.ValueOf(v).Elem(), "")
}

func bindValue(n *formNode, v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := bindValue(n, p.Elem(), path); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.Struct:
		if n.value != nil || n.items != nil {
			return fmt.Errorf("parameter %s must be a structure", path)
		}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			member := ""
			if q := f.Tag.Get("query"); q != "" {
				name, member, _ = strings.Cut(q, ",")
			}
			c := n.members[name]
			if c == nil {
				continue
			}
			p := join(path, name)
			if member != "" {
				if c.value != nil || c.items != nil || c.members[member] == nil {
					return fmt.Errorf("parameter %s must be a list of %s.%s.N", p, p, member)
				}
				c, p = c.members[member], p+"."+member
			}
			if err := bindValue(c, v.Field(i), p); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if n.items == nil {
			return fmt.Errorf("parameter %s must be a list (%s.1, %s.2, …)", path, path, path)
		}
		items := n.list()
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, c := range items {
			if err := bindValue(c, s.Index(i), path+"."+strconv.Itoa(i+1)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	}
	if n.value == nil {
		return fmt.Errorf("parameter %s must be a value", path)
	}
	s := *n.value
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int64, reflect.Int32:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v.OverflowInt(i) {
			return fmt.Errorf("parameter %s must be an integer, not %q", path, s)
		}
		v.SetInt(i)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("parameter %s must be true or false, not %q", path, s)
		}
		v.SetBool(b)
	default:
		return fmt.Errorf("parameter %s: unsupported field kind %s", path, v.Kind())
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
