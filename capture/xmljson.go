package capture

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// CloudTrail writes the answers of AWS's query-protocol services (IAM,
// STS, EC2, RDS, …), which travel as XML, as JSON: element names in lower
// camel case, the operation's result wrapper and the response metadata
// left out, EC2's <item> lists as {"items": […]} and <member> lists as
// arrays. queryAnswerJSON does the same for an answer's body.

// xmlNode is an element of an answer: its text, or its children.
type xmlNode struct {
	name     string
	text     strings.Builder
	children []*xmlNode
}

// maxXMLDepth bounds the nesting of an answer converted: deeper answers
// are summarised instead.
const maxXMLDepth = 64

var errXMLTooDeep = errors.New("xml answer nested too deep")

// queryAnswerJSON converts an XML answer to CloudTrail's JSON shape; ok
// is false when body is not well-formed XML with one root element.
func queryAnswerJSON(body []byte) (out []byte, ok bool) {
	root, err := parseXMLAnswer(body)
	if err != nil || root == nil {
		return nil, false
	}
	// <OpResponse><OpResult>…</OpResult><ResponseMetadata>…</ResponseMetadata></OpResponse>
	// for IAM, STS, RDS; EC2 puts its members under the response itself.
	members := root.children
	for _, c := range root.children {
		if strings.HasSuffix(c.name, "Result") && len(root.children) <= 2 {
			members = c.children
			break
		}
	}
	obj := map[string]any{}
	for _, c := range members {
		if c.name == "ResponseMetadata" {
			continue
		}
		obj[lowerFirst(c.name)] = xmlValue(c)
	}
	if len(obj) == 0 {
		return []byte("null"), true
	}
	b, err := json.Marshal(obj)
	return b, err == nil
}

func parseXMLAnswer(body []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxXMLDepth {
				return nil, errXMLTooDeep
			}
			n := &xmlNode{name: t.Name.Local}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root != nil {
				return nil, errors.New("xml answer with two root elements")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	return root, nil
}

// xmlValue is an element's JSON value: its text when it has no child
// elements, a list when its children are <item>s or <member>s, an object
// otherwise (a repeated name becomes a list).
func xmlValue(n *xmlNode) any {
	if len(n.children) == 0 {
		return strings.TrimSpace(n.text.String())
	}
	if list := n.children[0].name; list == "item" || list == "member" {
		same := true
		for _, c := range n.children {
			same = same && c.name == list
		}
		if same {
			items := make([]any, len(n.children))
			for i, c := range n.children {
				items[i] = xmlValue(c)
			}
			if list == "item" {
				return map[string]any{"items": items} // EC2's xxxSet shape
			}
			return items
		}
	}
	obj := map[string]any{}
	for _, c := range n.children {
		k := lowerFirst(c.name)
		v := xmlValue(c)
		if prev, ok := obj[k]; ok {
			if l, isList := prev.([]any); isList {
				obj[k] = append(l, v)
			} else {
				obj[k] = []any{prev, v}
			}
			continue
		}
		obj[k] = v
	}
	return obj
}
