package transform

// template is a parsed InputTemplate: literal text and placeholders.
type template struct {
	parts []part
	// json is set for a template whose first non-space character is { or
	// [. Its rendering must be JSON; EventBridge delivers it minified and
	// silently delivers nothing when it is not JSON. Every other template is
	// text (typically one JSON string literal in quotes, but not
	// necessarily: AWS delivers several quoted lines, or plain words, as
	// they come out) and is delivered as rendered.
	json bool
	lits int // total length of the literal parts, to size the output
}

type part struct {
	lit string // when v < 0
	v   int    // variable index, or -1
	// quoted marks a placeholder inside a string literal of a JSON
	// template, where the value is inserted as text rather than as a JSON
	// value.
	quoted bool
}

// placeholderAt reports the placeholder starting at text[i] (a '<'): its
// name and the offset just past its '>'. Names use the characters of
// InputPathsMap keys plus the dot of the predefined variables; anything else
// between angle brackets is literal text, as in "a <= b".
func placeholderAt(text string, i int) (name string, end int, ok bool) {
	j := i + 1
	for j < len(text) && isNameChar(text[j]) {
		j++
	}
	if j == i+1 || j >= len(text) || text[j] != '>' {
		return "", 0, false
	}
	return text[i+1 : j], j + 1, true
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// parseTemplate splits text into parts; resolve maps each placeholder name
// to a variable index, or reports it as invalid.
func parseTemplate(text string, resolve func(name string) (int, error)) (template, error) {
	t := template{json: isJSONTemplate(text)}
	inString := false
	litStart := 0
	flush := func(end int) {
		if end > litStart {
			t.parts = append(t.parts, part{lit: text[litStart:end], v: -1})
			t.lits += end - litStart
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c == '<' {
			if name, end, ok := placeholderAt(text, i); ok {
				v, err := resolve(name)
				if err != nil {
					return template{}, err
				}
				flush(i)
				t.parts = append(t.parts, part{v: v, quoted: t.json && inString})
				litStart = end
				i = end
				continue
			}
		}
		if t.json {
			switch {
			case inString && c == '\\':
				i += 2 // the escaped character cannot end the string
				continue
			case c == '"':
				inString = !inString
			}
		}
		i++
	}
	flush(len(text))
	return t, nil
}

func isJSONTemplate(text string) bool {
	for i := 0; i < len(text); i++ {
		if !isSpace(text[i]) {
			return text[i] == '{' || text[i] == '['
		}
	}
	return false
}

// render fills the template with vals (nil: the variable has no value)
// and returns the payload, or ok=false when a JSON template did not render
// to JSON.
func (t *template) render(vals [][]byte) (out []byte, ok bool) {
	n := t.lits
	for _, p := range t.parts {
		if p.v >= 0 {
			// Every rendering is at most as long as the raw value, or two
			// bytes for a missing one, so one allocation suffices.
			n += len(vals[p.v]) + 2
		}
	}
	out = make([]byte, 0, n)
	for _, p := range t.parts {
		if p.v < 0 {
			out = append(out, p.lit...)
			continue
		}
		out = t.appendValue(out, vals[p.v], p.quoted)
	}
	if !t.json {
		return out, true
	}
	if !valid(out) {
		return nil, false
	}
	return compactInPlace(out), true
}

// appendValue inserts one value (raw JSON text from the event, or nil) the
// way EventBridge does, after the recorded deliveries:
//
//   - a bare placeholder of a JSON template takes the value as JSON, so a
//     string comes with its quotes and objects and arrays are embedded; a
//     missing value becomes "";
//   - inside a string of a JSON template, a string is inserted unescaped
//     and anything else as its JSON text (an object there breaks the JSON,
//     and nothing is delivered); a missing value becomes nothing;
//   - in a text template, a string is inserted unescaped, an object or
//     array compact without any quotes ({k:v}, [a,b]), a number or boolean
//     as written; a missing value becomes nothing.
func (t *template) appendValue(dst, val []byte, quoted bool) []byte {
	if val == nil {
		if t.json && !quoted {
			return append(dst, '"', '"')
		}
		return dst
	}
	switch c := val[0]; {
	case t.json && !quoted:
		return appendCompact(dst, val)
	case c == '"':
		return appendUnquoted(dst, val)
	case !t.json && (c == '{' || c == '['):
		return appendStripped(dst, val)
	default:
		return appendCompact(dst, val)
	}
}
