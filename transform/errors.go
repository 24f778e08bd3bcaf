package transform

import "fmt"

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

// InvalidInputError reports an Input that is not JSON text.
//
// The message is the one trailbridge's API has used so far; an AWS
// recording of it is not on file.
type InvalidInputError struct {
	Err error // what the JSON reader found
}

func (e *InvalidInputError) Error() string {
	return "transform: Input is not valid JSON text: " + e.Err.Error()
}

func (e *InvalidInputError) Unwrap() error { return e.Err }

// Code returns the AWS error code.
func (*InvalidInputError) Code() string { return CodeValidation }

// Message returns the API's message for target targetID.
func (*InvalidInputError) Message(targetID string) string {
	return fmt.Sprintf("Input for target %s is not valid JSON text.", targetID)
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
