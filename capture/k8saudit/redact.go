package k8saudit

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

// lastApplied is the annotation in which kubectl apply keeps the whole
// object it applied, as a JSON string: a Secret's data included.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// redact returns a request or response object with its secrets replaced
// by cloudtrail.Hidden (keys are kept, so that patterns testing for a
// field still work), and whether anything was replaced; when nothing was,
// raw is returned as it came. secret says the object belongs to a call
// on the secrets resource.
//
// Replaced are:
//   - in a Secret (a call on secrets, or an object of kind Secret or
//     SecretList anywhere): every value under data and stringData, and
//     every value of a JSON patch (a patch of a secret is its data); a
//     secret call's object that is not a JSON object or array is hidden
//     whole;
//   - anywhere: the values of fields named like a credential (password,
//     token, secret, credential, apiKey, privateKey, clientKey, …),
//     except names of references (…Name, …Ref), whose values are names;
//   - the last-applied-configuration annotation, redacted by the same
//     rules inside its JSON (hidden whole when it is not JSON).
//
// Numbers, booleans and nulls are never replaced: they are not secrets,
// and automountServiceAccountToken: false is worth matching.
func redact(raw json.RawMessage, secret bool) (json.RawMessage, bool) {
	if !present(raw) {
		return raw, false
	}
	v, err := decode(raw)
	if err != nil {
		// validate saw valid JSON; this cannot happen, but a value that
		// cannot be read cannot be shown.
		return hiddenJSON, true
	}
	if secret {
		switch v.(type) {
		case map[string]any, []any:
		default:
			return hiddenJSON, true
		}
	}
	v, changed := redactValue(v, secret)
	if !changed {
		return raw, false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return hiddenJSON, true
	}
	return b, true
}

var hiddenJSON = json.RawMessage(`"` + cloudtrail.Hidden + `"`)

// decode reads JSON keeping numbers as they were written.
func decode(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// redactValue redacts v in place, secret saying v is (part of) a Secret.
func redactValue(v any, secret bool) (any, bool) {
	changed := false
	switch v := v.(type) {
	case map[string]any:
		if k, _ := v["kind"].(string); k == "Secret" || k == "SecretList" {
			secret = true
		}
		for key, val := range v {
			var c bool
			switch {
			case secret && (key == "data" || key == "stringData" || key == "value"):
				val, c = hideAll(val)
			case key == lastApplied:
				val, c = redactLastApplied(val, secret)
			case sensitiveName(key):
				val, c = hideAll(val)
			default:
				val, c = redactValue(val, secret)
			}
			if c {
				v[key] = val
				changed = true
			}
		}
		return v, changed
	case []any:
		for i, val := range v {
			if val, c := redactValue(val, secret); c {
				v[i] = val
				changed = true
			}
		}
		return v, changed
	}
	return v, false
}

// hideAll replaces every string within v.
func hideAll(v any) (any, bool) {
	changed := false
	switch v := v.(type) {
	case string:
		return cloudtrail.Hidden, true
	case map[string]any:
		for key, val := range v {
			if val, c := hideAll(val); c {
				v[key] = val
				changed = true
			}
		}
	case []any:
		for i, val := range v {
			if val, c := hideAll(val); c {
				v[i] = val
				changed = true
			}
		}
	}
	return v, changed
}

// redactLastApplied redacts the JSON inside the annotation's string.
func redactLastApplied(v any, secret bool) (any, bool) {
	s, ok := v.(string)
	if !ok {
		return hideAll(v)
	}
	inner, err := decode([]byte(s))
	if err != nil {
		return cloudtrail.Hidden, true
	}
	if _, isObject := inner.(map[string]any); !isObject {
		return cloudtrail.Hidden, true
	}
	inner, changed := redactValue(inner, secret)
	if !changed {
		return v, false
	}
	b, err := json.Marshal(inner)
	if err != nil {
		return cloudtrail.Hidden, true
	}
	return string(b), true
}

// sensitiveName reports whether a field's name says its value is a
// credential. Case, dashes, dots and underscores are ignored; names of
// references (…name, …names, …ref, …refs) are not sensitive.
func sensitiveName(key string) bool {
	k := strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == '_' || r == '.':
			return -1
		case 'A' <= r && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, key)
	for _, ref := range []string{"name", "names", "ref", "refs"} {
		if strings.HasSuffix(k, ref) {
			return false
		}
	}
	for _, word := range sensitiveWords {
		if strings.Contains(k, word) {
			return true
		}
	}
	return false
}

// sensitiveWords are the parts of field names that mark credentials, in
// lower case without separators. "key" alone is not one: Kubernetes uses
// it for label keys, toleration keys and the keys of a ConfigMap.
var sensitiveWords = []string{
	"password", "passwd", "passphrase",
	"secret", "token", "credential",
	"apikey", "privatekey", "accesskey", "clientkey", "signingkey", "encryptionkey", "keydata",
	"authorization", "cookie", "bearer",
}
