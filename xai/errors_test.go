package xai

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/anypb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestErrorKeepsCodeAndContext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      error
		code    codes.Code
		matches error // an error errors.Is must find, or nil
	}{
		{"not found", status.Error(codes.NotFound, "no such response"), codes.NotFound, nil},
		{"canceled", status.Error(codes.Canceled, "context canceled"), codes.Canceled, context.Canceled},
		{"deadline", status.Error(codes.DeadlineExceeded, "context deadline exceeded"), codes.DeadlineExceeded, context.DeadlineExceeded},
		{"bare context canceled", context.Canceled, codes.Canceled, context.Canceled},
		{"wrapped context deadline", fmt.Errorf("waiting: %w", context.DeadlineExceeded), codes.DeadlineExceeded, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fromGRPC(tt.in)
			var xerr *Error
			if !errors.As(err, &xerr) {
				t.Fatalf("fromGRPC returned %T, want *Error", err)
			}
			if xerr.Code != tt.code || status.Code(err) != tt.code {
				t.Errorf("code = %v (status.Code %v), want %v", xerr.Code, status.Code(err), tt.code)
			}
			if tt.matches != nil && !errors.Is(err, tt.matches) {
				t.Errorf("errors.Is(err, %v) = false", tt.matches)
			}
			if tt.matches == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
				t.Errorf("%v matches a context error", err)
			}
		})
	}
}

// TestCanceledCallMatchesContextError checks the whole path: a call whose
// context ends reports an error that errors.Is matches to the context error.
func TestCanceledCallMatchesContextError(t *testing.T) {
	t.Parallel()
	_, client := newFake(t, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := client.Chat.Create("grok-4").Append(User("hi")).Sample(ctx)
	if !errors.Is(err, context.Canceled) || status.Code(err) != codes.Canceled {
		t.Fatalf("Sample with a canceled context: %v; want CANCELED matching context.Canceled", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	_, err = client.Chat.Create("grok-4").Append(User("hi")).Sample(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("Sample past its deadline: %v; want DEADLINE_EXCEEDED matching context.DeadlineExceeded", err)
	}
}

// echoStatus is a server error that echoes the authorization header of the
// call, and both keys, in its message, its details (known and unknown
// types) and its trailers.
func echoStatus(ctx context.Context, code codes.Code, mgmtKey string) error {
	md, _ := metadata.FromIncomingContext(ctx)
	auth := strings.Join(md.Get("authorization"), ",")
	grpc.SetTrailer(ctx, metadata.Pairs("x-echo", auth, "x-echo-key", testKey))
	st := status.New(code, "denied: header "+auth+", key "+testKey+", management key "+mgmtKey)
	unknown := &anypb.Any{TypeUrl: "type.googleapis.com/example.Unknown", Value: []byte("\x0a\x1a" + testKey)}
	st, err := st.WithDetails(
		&errdetails.ErrorInfo{Reason: "ECHO " + testKey, Metadata: map[string]string{"authorization": auth, testKey: "as a key"}},
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "auth", Description: "Bearer " + mgmtKey}}},
		unknown,
	)
	if err != nil {
		panic(err)
	}
	return st.Err()
}

// TestErrorsRedactKeys: whatever the server echoes, no error of the client
// shows either key, by any route: Message, Error(), every fmt verb, the
// details, the wrapped causes, the status, and the retry-wait message.
func TestErrorsRedactKeys(t *testing.T) {
	t.Parallel()
	const mgmtKey = "xai-SECRET-mgmt-key-51d0"
	srv := &scriptServer{
		unary: func(ctx context.Context, _ int, _ *xaiv1.GetCompletionsRequest) (*xaiv1.GetChatCompletionResponse, error) {
			return nil, echoStatus(ctx, codes.PermissionDenied, mgmtKey)
		},
	}
	srv.stream = func(_ int, _ *xaiv1.GetCompletionsRequest, ss grpc.ServerStreamingServer[xaiv1.GetChatCompletionChunk]) error {
		// The partial output echoes a key too: it goes into Error.Partial.
		if err := sendChunks(ss, "partial ", "Bearer "+testKey+" ", mgmtKey); err != nil {
			return err
		}
		return echoStatus(ss.Context(), codes.Internal, mgmtKey)
	}
	c := startScript(t, srv, true, WithManagementKey(mgmtKey), WithManagementEndpoint("passthrough:///bufnet"))
	ctx := context.Background()
	chat := c.Chat.Create("grok-4").Append(User("hi"))
	var trailer metadata.MD

	errs := map[string]error{}
	_, errs["unary"] = chat.Sample(ctx, CaptureTrailer(&trailer))
	if s, err := chat.Stream(ctx); err != nil {
		errs["stream"] = err
	} else {
		for _, err := range s.All() {
			errs["stream"] = err
		}
		s.Close()
	}
	// The retry-wait message quotes the error that caused the retry.
	srv.unary = func(ctx context.Context, _ int, _ *xaiv1.GetCompletionsRequest) (*xaiv1.GetChatCompletionResponse, error) {
		return nil, echoStatus(ctx, codes.Unavailable, mgmtKey)
	}
	c.api.retry.sleep = func(context.Context, time.Duration) error { return context.Canceled }
	_, errs["retry wait"] = chat.Sample(ctx)
	checkErr(t, errs["retry wait"], codes.Canceled, "while waiting to retry")

	for name, err := range errs {
		t.Run(name, func(t *testing.T) {
			var xerr *Error
			if !errors.As(err, &xerr) {
				t.Fatalf("%T %v is not an *Error", err, err)
			}
			if !strings.Contains(xerr.Message, redacted) {
				t.Errorf("Message %q does not show %s", xerr.Message, redacted)
			}
			if strings.Contains(xerr.Message, "Bearer") {
				t.Errorf("Message %q keeps the Bearer prefix of a redacted header", xerr.Message)
			}
			shown := []string{xerr.Message, err.Error(), status.Convert(err).Message(), fmt.Sprint(status.Convert(err).Proto())}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10.200s"} {
				shown = append(shown, fmt.Sprintf(verb, err))
			}
			for _, d := range xerr.Details {
				shown = append(shown, fmt.Sprintf("%+v", d))
			}
			for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
				shown = append(shown, e.Error(), fmt.Sprintf("%+v", e))
			}
			if name == "stream" {
				if xerr.Partial == nil || !strings.HasPrefix(xerr.Partial.Content(), "partial ") {
					t.Errorf("Partial = %v, want what arrived, redacted", xerr.Partial)
				}
				shown = append(shown, xerr.Partial.Content(), fmt.Sprint(xerr.Partial.Proto()))
			}
			for i, s := range shown {
				for _, k := range []string{testKey, mgmtKey} {
					if strings.Contains(s, k) || strings.Contains(s, fmt.Sprintf("%x", k)) {
						t.Errorf("view %d of the error shows a key", i)
					}
				}
			}
			if name != "retry wait" && len(xerr.Details) != 3 {
				t.Errorf("%d details, want the 3 the server sent (redacted)", len(xerr.Details))
			}
		})
	}
	if len(trailer.Get("x-echo")) == 0 {
		t.Error("the trailers were not captured: the echo in them was not exercised")
	}
}

// Local tells an error the SDK made (nothing sent, for InvalidArgument)
// from one that came back from the call.
func TestErrorLocal(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	_, err := c.Chat.Create("", WithTemperature(0.5)).Append(User("hi")).Sample(ctx)
	var xerr *Error
	if !errors.As(err, &xerr) || !xerr.Local() || xerr.Code != codes.InvalidArgument {
		t.Errorf("validation error %v: want Local and InvalidArgument", err)
	}
	before := len(srv.Requests())
	srv.InjectFault(xaiv1.Chat_GetCompletion_FullMethodName, xaitest.Fault{Code: codes.PermissionDenied, Message: "not for this key"})
	_, err = c.Chat.Create("grok-4").Append(User("hi")).Sample(ctx)
	if !errors.As(err, &xerr) || xerr.Local() || !IsPermissionDenied(err) {
		t.Errorf("server error %v: want not Local, PermissionDenied", err)
	}
	if len(srv.Requests()) != before+1 {
		t.Error("the server error was not sent by the server")
	}
}

func TestIsHelpers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		is   func(error) bool
		code codes.Code
	}{
		{IsNotFound, codes.NotFound}, {IsUnauthenticated, codes.Unauthenticated}, {IsInvalidArgument, codes.InvalidArgument},
		{IsUnavailable, codes.Unavailable}, {IsDeadlineExceeded, codes.DeadlineExceeded}, {IsPermissionDenied, codes.PermissionDenied},
		{IsAlreadyExists, codes.AlreadyExists}, {IsFailedPrecondition, codes.FailedPrecondition}, {IsRateLimited, codes.ResourceExhausted},
	} {
		err := fromGRPC(status.Error(tc.code, "x"))
		if !tc.is(err) {
			t.Errorf("%v: helper is false", tc.code)
		}
		if tc.is(fromGRPC(status.Error(codes.Internal, "x"))) || tc.is(nil) {
			t.Errorf("%v: helper is true for another code or nil", tc.code)
		}
	}
}
