package trailbridge

import (
	"errors"
	"fmt"
)

// AWS error codes (exception shape names), as they appear in the __type of
// AWS JSON error responses.
const (
	CodeValidation             = "ValidationException"
	CodeSerialization          = "SerializationException"
	CodeResourceNotFound       = "ResourceNotFoundException"
	CodeResourceAlreadyExists  = "ResourceAlreadyExistsException"
	CodeLimitExceeded          = "LimitExceededException"
	CodeConcurrentModification = "ConcurrentModificationException"
	CodeInvalidEventPattern    = "InvalidEventPatternException"
	CodeManagedRule            = "ManagedRuleException"
	CodePolicyLengthExceeded   = "PolicyLengthExceededException"
	CodeInternal               = "InternalException"
	CodeUnknownOperation       = "UnknownOperationException"
	CodeNotImplemented         = "NotImplementedException"
	CodeRequestEntityTooLarge  = "RequestEntityTooLargeException"
	CodeMissingAuthToken       = "MissingAuthenticationTokenException"
	CodeIncompleteSignature    = "IncompleteSignatureException"
	CodeUnrecognizedClient     = "UnrecognizedClientException"
	CodeInvalidSignature       = "InvalidSignatureException"
	CodeAccessDenied           = "AccessDeniedException"
	CodeThrottling             = "ThrottlingException"
)

// Error is an error with an AWS error code, reported to clients as
// {"__type": Code, "message": Message} with HTTP status Status.
type Error struct {
	Code    string
	Message string
	Status  int // HTTP status; 0 means 400
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// HTTPStatus is the status the error is answered with.
func (e *Error) HTTPStatus() int {
	if e.Status == 0 {
		return 400
	}
	return e.Status
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError returns the *Error in err's chain, or an InternalException that
// hides err's text (which may name internals) when there is none.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: "An internal error occurred.", Status: 500}
}
