package transform

import (
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// CodeValidation is the AWS error code of every rejection Compile reports.
const CodeValidation = "ValidationException"

// TargetError is a rejection that EventBridge's PutTargets reports with a
// message naming the target. Compile does not know the target's Id, so its
// errors carry what went wrong and the caller formats AWS's exact message
// with Message(id), under the code Code().
type TargetError interface {
	error
	Code() string
	Message(targetID string) string
}

// MultipleInputsError reports a Spec with more than one of Input,
// InputPath and an InputTransformer.
type MultipleInputsError struct{}

func (*MultipleInputsError) Error() string {
	return "transform: only one of Input, InputPath or InputTransformer may be set"
}

// Code returns the AWS error code.
func (*MultipleInputsError) Code() string { return CodeValidation }

// Message returns AWS's message for target targetID.
func (*MultipleInputsError) Message(targetID string) string {
	return fmt.Sprintf("Only one of Input, InputPath, or InputTransformer must be provided for target %s.", targetID)
}

// InvalidPlaceholderError reports a placeholder of the InputTemplate that
// is neither a key of InputPathsMap nor a predefined variable.
type InvalidPlaceholderError struct {
	Name string // without the angle brackets
}

func (e *InvalidPlaceholderError) Error() string {
	return "transform: InputTemplate contains invalid placeholder " + e.Name
}

// Code returns the AWS error code.
func (*InvalidPlaceholderError) Code() string { return CodeValidation }

// Message returns AWS's message for target targetID.
func (e *InvalidPlaceholderError) Message(targetID string) string {
	return fmt.Sprintf("InputTemplate for target %s contains invalid placeholder %s.", targetID, e.Name)
}

// InvalidInputError reports an Input that is not JSON text. Its Message is
// AWS's, which names where its JSON parser (Jackson) stopped, as AWS was
// seen answering:
//
//	JSON syntax error in input for target 1: [Source: (String)"env:dev"; line: 1, column: 4]
type InvalidInputError struct {
	Err   error  // what the JSON reader found
	Input string // the Input
	// At is where Jackson reports the error: a byte offset in Input.
	At int
}

func (e *InvalidInputError) Error() string {
	return "transform: Input is not valid JSON text: " + e.Err.Error()
}

func (e *InvalidInputError) Unwrap() error { return e.Err }

// Code returns the AWS error code.
func (*InvalidInputError) Code() string { return CodeValidation }

// Message returns AWS's message for target targetID.
func (e *InvalidInputError) Message(targetID string) string {
	line, col := jacksonPosition(e.Input, e.At)
	return fmt.Sprintf("JSON syntax error in input for target %s: %s; line: %d, column: %d]", targetID, jacksonSource(e.Input), line, col)
}

// jacksonSnippet is how many characters of a text Jackson's locations echo.
const jacksonSnippet = 500

// jacksonSource renders Jackson's `[Source: (String)"…"`, cut after
// jacksonSnippet characters, which Jackson counts in UTF-16 units.
func jacksonSource(s string) string {
	n := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > jacksonSnippet {
			return `[Source: (String)"` + s[:i] + `"[truncated ` + strconv.Itoa(utf16Len(s[i:])+n-jacksonSnippet) + ` chars]`
		}
		n += w
	}
	return `[Source: (String)"` + s + `"`
}

// utf16Len is the length of s in UTF-16 units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// jacksonPosition is the 1-based line and column of byte offset off of s,
// counting UTF-16 code units as Jackson does.
func jacksonPosition(s string, off int) (line, col int) {
	off = min(max(off, 0), len(s))
	line, col = 1, 1
	for i := 0; i < off; {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\n':
			line, col = line+1, 1
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue // \r\n counts once, at the \n
			}
			line, col = line+1, 1
		case r >= 0x10000:
			col += 2
		default:
			col++
		}
	}
	return line, col
}

// jacksonStop is where Jackson reports a syntax error found at byte off of
// s (len(s) for a text that ends too soon): after the word that starts
// there when a word does (an unrecognized token such as env in env:dev, or a
// misspelt literal), else after the character.
func jacksonStop(s string, off int) int {
	if off >= len(s) {
		return len(s)
	}
	r, size := utf8.DecodeRuneInString(s[off:])
	if !unicode.IsLetter(r) && r != '_' && r != '$' {
		return off + size
	}
	i := off
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '$' {
			break
		}
		i += size
	}
	return i
}

// ConstraintError reports a value outside the limits of EventBridge's API
// model (lengths, the InputPathsMap key pattern, the number of entries).
// AWS reports those before anything else, in the form
//
//	1 validation error detected: Value '<Value>' at 'targets.<n>.member.<Member>' failed to satisfy constraint: <Constraint>
//
// which the caller, knowing the target's position, can build from the
// fields.
type ConstraintError struct {
	Member     string // lower camel case, as in AWS's message, e.g. "inputTransformer.inputTemplate"
	Value      string
	Constraint string // e.g. "Member must have length less than or equal to 8192"
}

func (e *ConstraintError) Error() string {
	return "transform: " + e.Member + ": " + e.Constraint
}
