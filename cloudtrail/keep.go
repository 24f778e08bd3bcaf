package cloudtrail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// fieldTable maps a struct type's JSON names to field indexes.
var fieldTables sync.Map // reflect.Type → map[string]int

func fieldsOf(t reflect.Type) map[string]int {
	if m, ok := fieldTables.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	fieldTables.Store(t, m)
	return m
}

// unmarshalKeeping decodes b into v (a pointer to a struct without its own
// UnmarshalJSON) and returns what the struct would lose on the way back
// out: keys it does not have, and keys it has whose value it would omit
// (an empty string, an empty list).
func unmarshalKeeping(b []byte, v any) (map[string]json.RawMessage, error) {
	if err := json.Unmarshal(b, v); err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	rv := reflect.ValueOf(v).Elem()
	fields := fieldsOf(rv.Type())
	var other map[string]json.RawMessage
	for k, raw := range all {
		if i, ok := fields[k]; ok && !omitted(rv.Field(i)) {
			continue
		}
		if other == nil {
			other = map[string]json.RawMessage{}
		}
		other[k] = raw
	}
	return other, nil
}

// omitted reports whether encoding/json leaves f out under omitempty.
func omitted(f reflect.Value) bool {
	switch f.Kind() {
	case reflect.String, reflect.Slice, reflect.Map:
		return f.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return f.IsNil()
	}
	return false
}

// marshalKeeping encodes v (a pointer to a struct without its own
// MarshalJSON) without HTML escaping, then appends the kept keys in
// sorted order; a kept key of a known field is written only while the
// field is still empty, so a value set since is not written twice.
func marshalKeeping(v any, other map[string]json.RawMessage) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(other) == 0 {
		return b, nil
	}
	rv := reflect.ValueOf(v).Elem()
	fields := fieldsOf(rv.Type())
	keys := make([]string, 0, len(other))
	for k := range other {
		if i, ok := fields[k]; ok && !omitted(rv.Field(i)) {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = b[:len(b)-1] // the closing brace
	for _, k := range keys {
		if len(b) > 1 {
			b = append(b, ',')
		}
		name, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		b = append(b, name...)
		b = append(b, ':')
		var val bytes.Buffer
		if err := json.Compact(&val, other[k]); err != nil {
			return nil, fmt.Errorf("field %s: %w", k, err)
		}
		b = append(b, val.Bytes()...)
	}
	return append(b, '}'), nil
}
