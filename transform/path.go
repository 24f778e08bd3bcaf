package transform

import (
	"fmt"
	"strconv"
)

// MaxPathLength is the longest InputPath EventBridge accepts; the values of
// InputPathsMap have the same limit.
const MaxPathLength = 256

type stepKind uint8

const (
	stepMember   stepKind = iota // .name
	stepIndex                    // [n]
	stepWildcard                 // .* or [*]
)

type step struct {
	kind  stepKind
	name  string // stepMember
	index int    // stepIndex
}

// path is a parsed JSONPath of the subset EventBridge documents: dot
// members, array indices and wildcards.
type path struct {
	steps []step
	// wild marks a path with a wildcard: like the Java JSONPath library
	// EventBridge's runtime follows, such a path yields the list of all its
	// matches, never a single value.
	wild bool
}

// PathError reports a JSONPath outside the subset EventBridge supports.
type PathError struct {
	Path   string
	Offset int // byte offset of the problem in Path
	Reason string
}

func (e *PathError) Error() string {
	return fmt.Sprintf("transform: JSONPath %q: %s at offset %d", e.Path, e.Reason, e.Offset)
}

// parsePath reads `$`, then any number of `.name`, `.*`, `[n]` and `[*]`.
// A name is any run of characters other than `.`, `[` and `]`, so the
// dashes, underscores, slashes and colons of real event keys need no
// quoting. Bracketed names (`['a.b']`), negative indices, slices, filters
// and deep scans (`..`) are refused: EventBridge's documentation asks for
// dot notation and lists none of them.
func parsePath(p string) (*path, error) {
	bad := func(off int, reason string) (*path, error) {
		return nil, &PathError{Path: p, Offset: off, Reason: reason}
	}
	if p == "" {
		return bad(0, "empty path")
	}
	if p[0] != '$' {
		return bad(0, "path must start with $")
	}
	out := &path{}
	for i := 1; i < len(p); {
		switch p[i] {
		case '.':
			j := i + 1
			for j < len(p) && p[j] != '.' && p[j] != '[' && p[j] != ']' {
				j++
			}
			name := p[i+1 : j]
			switch name {
			case "":
				if j < len(p) && p[j] == '.' {
					return bad(i, "deep scan (..) is not supported")
				}
				return bad(i, "empty member name")
			case "*":
				out.steps = append(out.steps, step{kind: stepWildcard})
				out.wild = true
			default:
				out.steps = append(out.steps, step{kind: stepMember, name: name})
			}
			i = j
		case '[':
			j := i + 1
			for j < len(p) && p[j] != ']' {
				j++
			}
			if j == len(p) {
				return bad(i, "unclosed [")
			}
			inner := p[i+1 : j]
			switch {
			case inner == "*":
				out.steps = append(out.steps, step{kind: stepWildcard})
				out.wild = true
			case isIndex(inner):
				n, err := strconv.Atoi(inner)
				if err != nil {
					return bad(i+1, "array index out of range")
				}
				out.steps = append(out.steps, step{kind: stepIndex, index: n})
			case inner != "" && (inner[0] == '\'' || inner[0] == '"'):
				return bad(i, "bracket notation is not supported; use dot notation")
			default:
				return bad(i+1, "invalid array index "+strconv.Quote(inner))
			}
			i = j + 1
		default:
			return bad(i, "expected . or [")
		}
	}
	return out, nil
}

// isIndex accepts decimal indices without sign or leading zeros, under a
// billion so that the conversion cannot overflow on any platform.
func isIndex(s string) bool {
	if s == "" || len(s) > 9 || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Path evaluates a JSONPath of the subset EventBridge supports against an
// event, as InputPath and the `$.` values of HttpParameters do. The value is
// compact JSON text: a string keeps its quotes. A path with a wildcard
// yields a JSON array of all its matches, in document order (empty when
// nothing matches, and then found is still true). found is false when a
// path without wildcards selects nothing. err reports a path outside the
// subset (a *PathError) or an event that is not JSON.
func Path(event []byte, path string) (value []byte, found bool, err error) {
	p, err := parsePath(path)
	if err != nil {
		return nil, false, err
	}
	var q query
	q.add(p, 0)
	res, err := q.run(event, false)
	if err != nil {
		return nil, false, err
	}
	v, ok := res.value(0, p.wild, nil)
	if !ok {
		return nil, false, nil
	}
	return v, true, nil
}
