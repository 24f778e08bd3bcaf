package awsapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	tb "github.com/trailbridge/trailbridge"
)

// epoch is a time written as AWS JSON writes timestamps: seconds since the
// Unix epoch, as a number with millisecond precision.
type epoch time.Time

func (e epoch) MarshalJSON() ([]byte, error) {
	t := time.Time(e)
	if t.IsZero() {
		return []byte("null"), nil
	}
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(nil, ms/1000, 10), nil
	}
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', 3, 64), nil
}

func (e *epoch) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Errorf("timestamp must be a number of seconds since the epoch, not %s", b)
	}
	sec, frac := math.Modf(f)
	*e = epoch(time.Unix(int64(sec), int64(frac*1e9)).UTC())
	return nil
}

// decode reads a request body into v strictly: unknown fields and values of
// the wrong type are SerializationExceptions, which change nothing.
func decode(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return serializationError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return tb.Errorf(tb.CodeSerialization, "Request body holds text after the JSON object.")
	}
	return nil
}

func serializationError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return tb.Errorf(tb.CodeSerialization, "Request body is not valid JSON: %s (at byte %d).", strings.TrimPrefix(syn.Error(), "json: "), syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return tb.Errorf(tb.CodeSerialization, "Request body must be a JSON object, not %s.", typ.Value)
		}
		return tb.Errorf(tb.CodeSerialization, "Value of %s must be %s, not %s.", field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return tb.Errorf(tb.CodeSerialization, "Request body is not valid JSON: unexpected end of input.")
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return tb.Errorf(tb.CodeSerialization, "Unrecognized field %s: it is not part of this operation's request.", f)
	}
	// Errors from our own UnmarshalJSON methods (timestamps).
	return tb.Errorf(tb.CodeSerialization, "Request body is not valid: %s.", strings.TrimSuffix(msg, "."))
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "a list"
	case "map", "struct":
		return "an object"
	case "int", "int32", "int64", "float64", "float32":
		return "a number"
	}
	return goKind
}
