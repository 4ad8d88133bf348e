package xai

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is the error type of every call in this package. It carries the gRPC
// status code and message, whether the error came from the server or from
// validation before anything was sent, so both errors.As and status.Code
// work on it:
//
//	var xerr *xai.Error
//	if errors.As(err, &xerr) && xerr.Code == codes.NotFound { ... }
//	if status.Code(err) == codes.NotFound { ... }
type Error struct {
	// Code is the gRPC status code.
	Code codes.Code
	// Message says what went wrong. It never contains the API or
	// management key: where the server's text quotes one, bare or as
	// "Bearer <key>", it reads "[REDACTED]" (as in Details).
	Message string
	// Details are the status details sent by the server, if any.
	Details []any
	// Partial holds what a stream delivered before it failed, or nil. Its
	// content is the text of every chunk received.
	Partial *Response

	status *status.Status
	cause  error
	wire   bool // came back from a gRPC call; see Local
}

// Local reports whether this SDK made the error itself rather than
// receiving it from a gRPC call. A local error with code InvalidArgument
// was found before sending (an invalid option or message, a request over
// the size limit), so nothing was sent; other local errors judge what the
// server sent (a reply over the receive limit, content that Decode cannot
// parse). An error that is not local came back from the call: the
// server's answer, or gRPC's own (a failed connection, an expired
// deadline).
func (e *Error) Local() bool { return !e.wire }

// Error formats the error as "xai: <code>: <message>".
func (e *Error) Error() string {
	return fmt.Sprintf("xai: %s: %s", e.Code, e.Message)
}

// Format prints Error() for every verb (as fmt would print that string),
// with %#v in Go syntax and %+v adding the details. No verb prints the
// fields through reflection, so nothing reaches the output that Error()
// and the details do not show; both are redacted (see redact).
func (e *Error) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprintf(f, "&xai.Error{Code: codes.%s, Message: %q}", e.Code, e.Message)
	case verb == 'v' && f.Flag('+'):
		fmt.Fprint(f, e.Error())
		for _, d := range e.Details {
			fmt.Fprintf(f, "\n\tdetail: %v", d)
		}
	case verb == 'v':
		fmt.Fprint(f, e.Error())
	default:
		fmt.Fprintf(f, fmt.FormatString(f, verb), e.Error())
	}
}

// GRPCStatus returns the error as a gRPC status, so that status.Code and
// status.FromError see the original code.
func (e *Error) GRPCStatus() *status.Status {
	if e.status != nil {
		return e.status
	}
	return status.New(e.Code, e.Message)
}

// Unwrap returns the underlying error: the gRPC status error for errors
// from a call (nil for checks made before sending). For CANCELLED and
// DEADLINE_EXCEEDED it also matches context.Canceled and
// context.DeadlineExceeded, so errors.Is(err, context.Canceled) works.
func (e *Error) Unwrap() error { return e.cause }

// invalidArgument returns a local validation error: nothing was sent.
func invalidArgument(format string, args ...any) *Error {
	return &Error{Code: codes.InvalidArgument, Message: fmt.Sprintf(format, args...)}
}

// fromGRPC converts an error returned by a gRPC call into an [*Error]. It
// returns nil for nil and leaves an [*Error] as it is.
func fromGRPC(err error) error {
	if err == nil {
		return nil
	}
	var xerr *Error
	if errors.As(err, &xerr) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		// A context error from our own code (a wait between polls, say).
		st = status.FromContextError(err)
	}
	e := &Error{Code: st.Code(), Message: st.Message(), status: st, cause: err, wire: true}
	// gRPC reports the end of the caller's context as a status error that
	// does not wrap the context error; keep both reachable.
	switch st.Code() {
	case codes.Canceled:
		e.cause = errors.Join(err, context.Canceled)
	case codes.DeadlineExceeded:
		e.cause = errors.Join(err, context.DeadlineExceeded)
	}
	e.Details = st.Details()
	return e
}

func hasCode(err error, c codes.Code) bool { return err != nil && status.Code(err) == c }

// IsNotFound reports whether err means the resource does not exist, for
// example a stored response that was deleted or has expired.
func IsNotFound(err error) bool { return hasCode(err, codes.NotFound) }

// IsUnauthenticated reports whether the API key was missing or rejected.
func IsUnauthenticated(err error) bool { return hasCode(err, codes.Unauthenticated) }

// IsRateLimited reports whether the server refused the call for exceeding a
// rate limit or quota (RESOURCE_EXHAUSTED); retry later, with backoff. It
// is false for a reply over the client's receive limit, which gRPC also
// reports as RESOURCE_EXHAUSTED but which no wait will cure.
func IsRateLimited(err error) bool {
	var xerr *Error
	if errors.As(err, &xerr) && xerr.Local() {
		return false
	}
	return hasCode(err, codes.ResourceExhausted)
}

// IsUnavailable reports whether the service could not be reached or was
// overloaded (UNAVAILABLE) after the client's retries; a later call may
// succeed.
func IsUnavailable(err error) bool { return hasCode(err, codes.Unavailable) }

// IsDeadlineExceeded reports whether the call ran out of time: its
// deadline (by default 27 minutes), [WithCallTimeout], a stream's idle
// timeout or Defer's poll timeout. errors.Is(err, context.DeadlineExceeded)
// is true too.
func IsDeadlineExceeded(err error) bool { return hasCode(err, codes.DeadlineExceeded) }

// IsPermissionDenied reports whether the key may not do what was asked
// (PERMISSION_DENIED), for example a model or endpoint the key's ACL does
// not allow.
func IsPermissionDenied(err error) bool { return hasCode(err, codes.PermissionDenied) }

// IsAlreadyExists reports whether what the call would create exists
// already (ALREADY_EXISTS).
func IsAlreadyExists(err error) bool { return hasCode(err, codes.AlreadyExists) }

// IsFailedPrecondition reports whether the call does not fit the state of
// what it acts on (FAILED_PRECONDITION), for example cancelling a batch
// that has finished.
func IsFailedPrecondition(err error) bool { return hasCode(err, codes.FailedPrecondition) }

// IsInvalidArgument reports whether the request was rejected as malformed,
// locally before sending or by the server.
func IsInvalidArgument(err error) bool { return hasCode(err, codes.InvalidArgument) }
