package xai

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

func TestDeadlines(t *testing.T) {
	t.Parallel()
	srv := &scriptServer{unary: func(ctx context.Context, _ int, _ *xaiv1.GetCompletionsRequest) (*xaiv1.GetChatCompletionResponse, error) {
		dl, ok := ctx.Deadline()
		if !ok {
			return nil, status.Error(codes.FailedPrecondition, "no deadline")
		}
		return textResponse("r", time.Until(dl).Round(time.Minute).String()), nil
	}}
	c := startScript(t, srv, true, WithTimeout(time.Hour))
	chat := c.Chat.Create("grok-4", WithMessages(User("hi")))
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		opts []CallOption
		want string
	}{
		{"client default", noDeadline, nil, "1h0m0s"},
		{"context wins", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 10*time.Minute)
		}, nil, "10m0s"},
		{"call timeout", noDeadline, []CallOption{WithCallTimeout(5 * time.Minute)}, "5m0s"},
		{"earlier context beats call timeout", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 2*time.Minute)
		}, []CallOption{WithCallTimeout(5 * time.Minute)}, "2m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			resp, err := chat.Sample(ctx, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Content(); got != tt.want {
				t.Errorf("server saw a deadline in %s, want %s", got, tt.want)
			}
		})
	}
	_, err := chat.Sample(context.Background(), WithCallTimeout(-time.Second))
	checkErr(t, err, codes.InvalidArgument, "WithCallTimeout")
	if n := srv.count("GetCompletion"); n != len(tests) {
		t.Errorf("server got %d calls, want %d (the invalid one must not be sent)", n, len(tests))
	}
}

func noDeadline() (context.Context, context.CancelFunc) { return context.Background(), func() {} }

// A stream that stalls ends with DEADLINE_EXCEEDED naming the idle
// timeout, keeping what had arrived; one whose messages keep coming lives
// longer than the idle timeout. The option works per client and per call.
func TestStreamIdleTimeout(t *testing.T) {
	stall := make(chan struct{})
	defer close(stall)
	srv := &scriptServer{}
	srv.stream = func(n int, req *xaiv1.GetCompletionsRequest, ss grpc.ServerStreamingServer[xaiv1.GetChatCompletionChunk]) error {
		switch req.GetMessages()[0].GetContent()[0].GetText() {
		case "stall after one":
			if err := sendChunks(ss, "first "); err != nil {
				return err
			}
		case "steady":
			for range 6 {
				time.Sleep(100 * time.Millisecond)
				if err := sendChunks(ss, "tick "); err != nil {
					return err
				}
			}
			return nil
		}
		select { // "stall at once" and the rest of "stall after one"
		case <-ss.Context().Done():
		case <-stall:
		}
		return ss.Context().Err()
	}
	idle := startScript(t, srv, true, WithStreamIdleTimeout(300*time.Millisecond))
	plain := startScript(t, srv, true)
	read := func(c *Client, text string, opts ...CallOption) (string, error) {
		s, err := c.Chat.Create("grok-4").Append(User(text)).Stream(context.Background(), opts...)
		if err != nil {
			return "", err
		}
		defer s.Close()
		var got strings.Builder
		for chunk, err := range s.All() {
			if err != nil {
				return got.String(), err
			}
			got.WriteString(chunk.Content())
		}
		return got.String(), nil
	}
	for _, tt := range []struct {
		name string
		c    *Client
		opts []CallOption
	}{
		{"client option", idle, nil},
		{"call option", plain, []CallOption{WithCallStreamIdleTimeout(300 * time.Millisecond)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(tt.c, "stall after one", tt.opts...)
			checkErr(t, err, codes.DeadlineExceeded, "no message arrived on the stream for 300ms", "idle timeout", "WithStreamIdleTimeout")
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Error("errors.Is(err, context.DeadlineExceeded) is false")
			}
			var xerr *Error
			if errors.As(err, &xerr); got != "first " || xerr.Partial == nil || xerr.Partial.Content() != got {
				t.Errorf("received %q, partial %v; want the first chunk kept", got, xerr.Partial)
			}
			_, err = read(tt.c, "stall at once", tt.opts...)
			checkErr(t, err, codes.DeadlineExceeded, "idle timeout")
			if got, err := read(tt.c, "steady", tt.opts...); err != nil || got != strings.Repeat("tick ", 6) {
				t.Errorf("a stream with a message every 100 ms: %q, %v", got, err)
			}
		})
	}
	_, err := read(plain, "hi", WithCallStreamIdleTimeout(0))
	checkErr(t, err, codes.InvalidArgument, "WithCallStreamIdleTimeout")
	if _, err := NewClient(WithAPIKey(testKey), WithoutEnv(), WithStreamIdleTimeout(-time.Second)); !IsInvalidArgument(err) {
		t.Errorf("WithStreamIdleTimeout(-1s): %v, want INVALID_ARGUMENT", err)
	}
}
