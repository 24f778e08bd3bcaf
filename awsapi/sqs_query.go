package awsapi

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	tb "github.com/trailbridge/trailbridge"
)

// SQS's query protocol carries the members of the JSON shapes as form
// parameters, and answers them in XML. Both directions follow one rule set,
// driven by a field's `query` tag ("Name" or "Name,KeyName"; the field name
// when absent):
//
//   - scalars are Name=value; binary values are base64;
//   - lists are flattened: Name.1, Name.2, …; a list of structures is
//     Name.1.Member, …;
//   - maps are flattened: Name.1.Name (or Name.1.KeyName) and Name.1.Value,
//     where Value is a structure's members for a map of structures.
//
// Indexes count from 1 without gaps, as the SDKs and the aws CLI write them.

// sqsXMLNS is the namespace of SQS's query answers.
const sqsXMLNS = "http://queue.amazonaws.com/doc/2012-11-05/"

// queryIgnored are parameters of the protocol itself, not of an action.
var queryIgnored = map[string]bool{
	"Action": true, "Version": true,
	"X-Amz-Algorithm": true, "X-Amz-Credential": true, "X-Amz-Date": true, "X-Amz-Expires": true,
	"X-Amz-SignedHeaders": true, "X-Amz-Signature": true, "X-Amz-Security-Token": true,
	"AWSAccessKeyId": true, "SignatureVersion": true, "SignatureMethod": true, "Signature": true,
	"Timestamp": true, "Expires": true,
}

func queryName(f reflect.StructField) (name, key string) {
	name, key, _ = strings.Cut(f.Tag.Get("query"), ",")
	if name == "" {
		name = f.Name
	}
	if key == "" {
		key = "Name"
	}
	return name, key
}

// formDecoder reads form values into an action's input.
type formDecoder struct {
	vals url.Values
	used map[string]bool
}

// decodeForm reads the parameters of one action into v (a pointer to an
// input structure). queueURL, when not empty, stands in for a missing
// QueueUrl (a request posted to the queue's URL). Parameters the action
// does not have are refused, so that a misspelt one is not silently
// ignored.
func decodeForm(vals url.Values, queueURL string, v any) error {
	d := &formDecoder{vals: vals, used: map[string]bool{}}
	rv := reflect.ValueOf(v).Elem()
	if err := d.structure("", rv); err != nil {
		return err
	}
	if f := rv.FieldByName("QueueUrl"); f.IsValid() && f.IsNil() && queueURL != "" {
		f.Set(reflect.ValueOf(&queueURL))
	}
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		if !d.used[k] && !queryIgnored[k] {
			return tb.Errorf(sqsInvalidParameterValue, "The parameter %s is not recognized.", k)
		}
	}
	return nil
}

func (d *formDecoder) has(prefix string) bool {
	for k := range d.vals {
		if k == prefix || strings.HasPrefix(k, prefix+".") {
			return true
		}
	}
	return false
}

func (d *formDecoder) structure(prefix string, rv reflect.Value) error {
	t := rv.Type()
	for i := range t.NumField() {
		name, key := queryName(t.Field(i))
		if err := d.value(prefix+name, key, rv.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

func (d *formDecoder) scalar(name string) (string, bool) {
	vs, ok := d.vals[name]
	if !ok {
		return "", false
	}
	d.used[name] = true
	return vs[len(vs)-1], true
}

func (d *formDecoder) value(name, key string, fv reflect.Value) error {
	switch fv.Kind() {
	case reflect.Pointer:
		s, ok := d.scalar(name)
		if !ok {
			return nil
		}
		switch fv.Type().Elem().Kind() {
		case reflect.String:
			fv.Set(reflect.ValueOf(&s))
		case reflect.Int:
			n, err := strconv.Atoi(s)
			if err != nil {
				return tb.Errorf(sqsInvalidParameterValue, "Value %s for parameter %s is invalid. Reason: Must be an integer.", s, name)
			}
			fv.Set(reflect.ValueOf(&n))
		case reflect.Bool:
			b, err := strconv.ParseBool(s)
			if err != nil {
				return tb.Errorf(sqsInvalidParameterValue, "Value %s for parameter %s is invalid. Reason: Must be true or false.", s, name)
			}
			fv.Set(reflect.ValueOf(&b))
		}
	case reflect.Slice:
		if fv.Type().Elem().Kind() == reflect.Uint8 { // binary
			s, ok := d.scalar(name)
			if !ok {
				return nil
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return tb.Errorf(sqsInvalidParameterValue, "Value for parameter %s is invalid. Reason: It is not valid base64.", name)
			}
			fv.SetBytes(b)
			return nil
		}
		for i := 1; d.has(name + "." + strconv.Itoa(i)); i++ {
			el := reflect.New(fv.Type().Elem()).Elem()
			if err := d.element(name+"."+strconv.Itoa(i), el); err != nil {
				return err
			}
			fv.Set(reflect.Append(fv, el))
		}
	case reflect.Map:
		for i := 1; d.has(name + "." + strconv.Itoa(i)); i++ {
			p := name + "." + strconv.Itoa(i)
			k, ok := d.scalar(p + "." + key)
			if !ok {
				return errMissing(p + "." + key)
			}
			el := reflect.New(fv.Type().Elem()).Elem()
			if err := d.element(p+".Value", el); err != nil {
				return err
			}
			if fv.IsNil() {
				fv.Set(reflect.MakeMap(fv.Type()))
			}
			fv.SetMapIndex(reflect.ValueOf(k), el)
		}
	}
	return nil
}

// element reads a list or map element: a string, binary, or structure.
func (d *formDecoder) element(name string, el reflect.Value) error {
	switch el.Kind() {
	case reflect.String:
		s, _ := d.scalar(name)
		el.SetString(s)
	case reflect.Slice: // binary
		return d.value(name, "", el)
	case reflect.Struct:
		return d.structure(name+".", el)
	}
	return nil
}

// encodeXML writes an action's answer as SQS's query protocol does.
func encodeXML(action, requestID string, out any) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n<" + action + `Response xmlns="` + sqsXMLNS + `">`)
	if rv := reflect.ValueOf(out); out != nil && rv.Elem().NumField() > 0 {
		b.WriteString("<" + action + "Result>")
		xmlStruct(&b, rv.Elem())
		b.WriteString("</" + action + "Result>")
	}
	b.WriteString("<ResponseMetadata><RequestId>" + requestID + "</RequestId></ResponseMetadata></" + action + "Response>")
	return b.Bytes()
}

func xmlText(b *bytes.Buffer, name, s string) {
	b.WriteString("<" + name + ">")
	xml.EscapeText(b, []byte(s))
	b.WriteString("</" + name + ">")
}

func xmlStruct(b *bytes.Buffer, rv reflect.Value) {
	t := rv.Type()
	for i := range t.NumField() {
		name, key := queryName(t.Field(i))
		xmlField(b, name, key, rv.Field(i))
	}
}

func xmlField(b *bytes.Buffer, name, key string, fv reflect.Value) {
	switch fv.Kind() {
	case reflect.String:
		if fv.String() != "" {
			xmlText(b, name, fv.String())
		}
	case reflect.Bool:
		xmlText(b, name, strconv.FormatBool(fv.Bool()))
	case reflect.Pointer:
		if !fv.IsNil() {
			xmlField(b, name, key, fv.Elem())
		}
	case reflect.Slice:
		if fv.Type().Elem().Kind() == reflect.Uint8 {
			if fv.Len() > 0 {
				xmlText(b, name, base64.StdEncoding.EncodeToString(fv.Bytes()))
			}
			return
		}
		for i := range fv.Len() {
			xmlElement(b, name, fv.Index(i))
		}
	case reflect.Map:
		keys := fv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			b.WriteString("<" + name + ">")
			xmlText(b, key, k.String())
			xmlElement(b, "Value", fv.MapIndex(k))
			b.WriteString("</" + name + ">")
		}
	}
}

func xmlElement(b *bytes.Buffer, name string, el reflect.Value) {
	switch el.Kind() {
	case reflect.String:
		xmlText(b, name, el.String())
	case reflect.Struct:
		b.WriteString("<" + name + ">")
		xmlStruct(b, el)
		b.WriteString("</" + name + ">")
	default:
		xmlField(b, name, "", el)
	}
}

// encodeXMLError writes an error as SQS's query protocol does.
func encodeXMLError(w sqsWireError, requestID string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<ErrorResponse xmlns="` + sqsXMLNS + `"><Error>`)
	xmlText(&b, "Type", w.fault)
	xmlText(&b, "Code", w.queryCode)
	xmlText(&b, "Message", w.message)
	b.WriteString("<Detail/></Error>")
	xmlText(&b, "RequestId", requestID)
	b.WriteString("</ErrorResponse>")
	return b.Bytes()
}
