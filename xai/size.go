package xai

import (
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Message size limits (WithMaxMessageSize) are checked by the client on
// both sides of a call. A request over the send limit is refused before
// anything is sent, as INVALID_ARGUMENT: retrying cannot help. A reply over
// the receive limit arrives after the server did the work, so it is never
// retried, and its error names the option that raises the limit.

// checkRequestSize refuses a request larger than limit bytes (0: no
// limit). It costs one proto.Size per call.
func checkRequestSize(req any, limit int) error {
	m, ok := req.(proto.Message)
	if limit <= 0 || !ok {
		return nil
	}
	if n := proto.Size(m); n > limit {
		return sendLimitErr(n, limit)
	}
	return nil
}

func sendLimitErr(size, limit int) *Error {
	return &Error{Code: codes.InvalidArgument, Message: fmt.Sprintf(
		"the request is %d bytes, over the limit of %d bytes; nothing was sent: use smaller or fewer images (or image URLs), "+
			"upload large documents with the Files API and refer to them, or raise the limit with WithMaxMessageSize "+
			"(the xAI API accepts at most %d bytes)", size, limit, DefaultMaxMessageSize)}
}

// sendLimitError converts gRPC's own refusal to send an oversized request
// (the check above covers connections the client creates; this one covers
// a caller's connection or a lower limit set with dial options) into the
// same INVALID_ARGUMENT, or returns nil. gRPC's client says "trying to send
// message larger than max"; its server, refusing to send a reply, prefixes
// "grpc: ", so that one is not matched.
func sendLimitError(err error) error {
	size, limit, ok := parseSizes(err, "trying to send message larger than max (")
	if !ok {
		return nil
	}
	return sendLimitErr(size, limit)
}

// recvLimitError converts gRPC's refusal to accept an oversized reply into
// a local RESOURCE_EXHAUSTED that says what to do, or returns nil.
// [IsRateLimited] is false for it.
func recvLimitError(err error) error {
	size, limit, ok := parseSizes(err, "grpc: received message larger than max (")
	if !ok {
		return nil
	}
	return &Error{Code: codes.ResourceExhausted, cause: err, Message: fmt.Sprintf(
		"the reply is %d bytes, over the receive limit of %d bytes; the server had answered, so the call was not retried: "+
			"raise the limit with WithMaxMessageSize, or ask for less (fewer outputs, a lower max tokens, smaller images)", size, limit)}
}

// parseSizes reads "(<size> vs. <limit>)" after prefix in a
// RESOURCE_EXHAUSTED status message.
func parseSizes(err error, prefix string) (size, limit int, ok bool) {
	st, isStatus := status.FromError(err)
	if !isStatus || st.Code() != codes.ResourceExhausted {
		return 0, 0, false
	}
	rest, found := strings.CutPrefix(st.Message(), prefix)
	if !found {
		return 0, 0, false
	}
	if _, serr := fmt.Sscanf(rest, "%d vs. %d)", &size, &limit); serr != nil {
		return 0, 0, false
	}
	return size, limit, true
}
