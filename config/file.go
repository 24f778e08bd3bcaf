package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// File is a parsed and checked configuration file. Every section is
// optional. Items keep the order of the file.
type File struct {
	// SecretKey seals connection secrets at rest (base64 of 32 bytes, or a
	// passphrase); normally "${NAME}" of an environment variable.
	SecretKey       string
	AccessKeys      []AccessKey
	EventBuses      []EventBus
	Rules           []Rule
	Connections     []Connection
	ApiDestinations []ApiDestination
	Functions       []Function
	Queues          []Queue
	Interceptors    []Interceptor
	Audit           Audit
	K8sAudit        *K8sAudit
}

// Load reads the file at path and parses it with the process's
// environment. Its errors start with path (and the line, when known).
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path comes first below; say it once
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return parse(path, data, os.LookupEnv)
}

// Parse reads a configuration file's content. env looks up the variables
// that ${NAME} refers to (os.LookupEnv in production; nil means none is
// set). The error, if any, joins one *Error per problem.
func Parse(data []byte, env func(string) (string, bool)) (*File, error) {
	return parse("", data, env)
}

func parse(name string, data []byte, env func(string) (string, bool)) (*File, error) {
	d := newDecoder(data, env)
	f := d.file(bomless(data))
	if err := d.err(name); err != nil {
		return nil, err
	}
	c := &checker{lines: d.lines}
	c.file(f)
	if err := c.err(name); err != nil {
		return nil, err
	}
	return f, nil
}

func newDecoder(data []byte, env func(string) (string, bool)) *decoder {
	return &decoder{
		env:     env,
		anchors: map[string][]*ast.AnchorNode{},
		lines:   map[string]int{},
		// Room for every node of the file many times over; only aliases
		// that multiply each other come near it.
		budget: 64*len(data) + 1<<16,
	}
}

// bomless drops a byte order mark at the start: YAML allows one (editors on
// Windows write it), and the parser would take it as part of the first key.
func bomless(data []byte) []byte { return bytes.TrimPrefix(data, []byte("\ufeff")) }

// Lines returns where the items and keys of a file's text are, by path
// ("Rules[1]", "Rules[1].Targets"): for messages about an item that is
// found wrong after parsing, such as a rule the API refuses. A path not in
// the text is absent; Line finds the nearest enclosing one.
type Lines map[string]int

// LinesOf reads the positions of the text's items. The text is not
// checked (Parse does that) and ${NAME} references are not resolved.
func LinesOf(data []byte) Lines {
	d := newDecoder(data, func(string) (string, bool) { return "", true })
	d.file(bomless(data))
	return d.lines
}

// Line returns the line of path or of the nearest enclosing item, 0 when
// none is known.
func (l Lines) Line(path string) int {
	c := &checker{lines: l}
	return c.line(path)
}

// Validate checks f as Parse checks what it decodes: required fields,
// enumerations, ranges, duplicates and references between sections. Parse
// has already done it for the files it returns; Validate is for files built
// or changed in code. It does not fill defaults.
func (f *File) Validate() error {
	c := &checker{}
	c.file(f)
	return c.err("")
}

// file decodes the YAML text into a File.
func (d *decoder) file(data []byte) *File {
	f := &File{}
	doc, ok := d.syntax(data)
	if !ok || doc == nil {
		return f
	}
	collectAnchors(doc, d.anchors)
	v, ok := d.resolve("", doc)
	if !ok || v == nil {
		return f
	}
	if kindOf(v) != kindMap {
		d.errorf("", v, "the file must be a mapping of sections such as Rules, got %s", kindOf(v))
		return f
	}
	d.object("", v, fields{
		"SecretKey": d.str(&f.SecretKey),
		"AccessKeys": func(p string, n ast.Node) {
			d.list(p, n, func(p string, n ast.Node) { f.AccessKeys = append(f.AccessKeys, d.accessKey(p, n)) })
		},
		"EventBuses": func(p string, n ast.Node) {
			d.list(p, n, func(p string, n ast.Node) { f.EventBuses = append(f.EventBuses, d.eventBus(p, n)) })
		},
		"Rules": func(p string, n ast.Node) {
			d.list(p, n, func(p string, n ast.Node) { f.Rules = append(f.Rules, d.rule(p, n)) })
		},
		"Connections": func(p string, n ast.Node) {
			d.list(p, n, func(p string, n ast.Node) { f.Connections = append(f.Connections, d.connection(p, n)) })
		},
		"ApiDestinations": func(p string, n ast.Node) {
			d.list(p, n, func(p string, n ast.Node) { f.ApiDestinations = append(f.ApiDestinations, d.apiDestination(p, n)) })
		},
		"Functions": func(p string, n ast.Node) {
			d.list(p, n, func(p string, n ast.Node) { f.Functions = append(f.Functions, d.function(p, n)) })
		},
		"Queues": func(p string, n ast.Node) {
			d.list(p, n, func(p string, n ast.Node) { f.Queues = append(f.Queues, d.queue(p, n)) })
		},
		"Interceptors": func(p string, n ast.Node) {
			d.list(p, n, func(p string, n ast.Node) { f.Interceptors = append(f.Interceptors, d.interceptor(p, n)) })
		},
		"Audit":    func(p string, n ast.Node) { f.Audit = d.audit(p, n) },
		"K8sAudit": func(p string, n ast.Node) { f.K8sAudit = d.k8sAudit(p, n) },
	})
	return f
}

// syntax parses the YAML text and returns its only document's body, nil
// for an empty file.
func (d *decoder) syntax(data []byte) (body ast.Node, ok bool) {
	defer func() {
		// The parser is not ours; a crash inside it on a malformed file
		// must still end as an error.
		if r := recover(); r != nil {
			d.add("", 0, "invalid YAML: %v", r)
			body, ok = nil, false
		}
	}()
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		d.syntaxError(data, err)
		return nil, false
	}
	var docs []*ast.DocumentNode
	for _, doc := range file.Docs {
		if doc != nil && doc.Body != nil {
			docs = append(docs, doc)
		}
	}
	switch len(docs) {
	case 0:
		return nil, true
	case 1:
		return docs[0].Body, true
	}
	d.errorf("", docs[1].Body, "the file must hold one YAML document, found %d", len(docs))
	return nil, false
}

func (d *decoder) syntaxError(data []byte, err error) {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil || ye.GetToken().Position == nil {
		d.add("", 0, "invalid YAML: %v", err)
		return
	}
	line := ye.GetToken().Position.Line
	msg := ye.GetMessage()
	// In a flow collection ({…} or […]) YAML ends a plain value at "}", so
	// ${NAME} there must be quoted; the parser's message does not say so.
	if l := sourceLine(data, line); strings.Contains(l, "${") && strings.ContainsAny(strings.ReplaceAll(l, "${", ""), "{[") {
		msg += ` (inside { } or [ ], quote values that contain ${NAME}: "${NAME}")`
	}
	d.add("", line, "invalid YAML: %s", msg)
}

func sourceLine(data []byte, line int) string {
	for i, l := range strings.Split(string(data), "\n") {
		if i+1 == line {
			return l
		}
	}
	return ""
}
