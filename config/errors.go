package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// maxErrors bounds how many problems one Parse reports: past a few, the
// rest are usually echoes of the same mistake.
const maxErrors = 20

// Error is one problem in a configuration file. Parse and Load return all
// the problems they find joined with errors.Join; errors.As finds each.
type Error struct {
	File string // the file's path, set by Load
	Line int    // 1-based; 0 when not known
	Path string // the key concerned, such as Rules[2].Targets[0].Arn; empty for the whole file
	Msg  string
}

// Error formats the problem as "FILE:LINE: PATH: MSG", leaving out the parts
// that are not known, and writing "line N" when there is a line but no file.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// problems collects the errors of one pass over a file.
type problems struct {
	list []*Error
}

func (p *problems) add(path string, line int, format string, args ...any) {
	p.list = append(p.list, &Error{Path: path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// err returns the problems in the order of the file, as one error, with
// file set on each; nil when there are none.
func (p *problems) err(file string) error {
	if len(p.list) == 0 {
		return nil
	}
	list := slices.Clone(p.list)
	// The checks run section by section; reading them in the file's order is
	// easier. Without lines (Validate) the stable sort keeps the check order.
	slices.SortStableFunc(list, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
	errs := make([]error, 0, min(len(list), maxErrors)+1)
	for i, e := range list {
		if i == maxErrors {
			errs = append(errs, &Error{File: file, Msg: fmt.Sprintf("too many errors (%d more)", len(list)-maxErrors)})
			break
		}
		e.File = file
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}
