package xai

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

func TestDefer(t *testing.T) {
	t.Parallel()
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		ctx := context.Background()
		chat := c.Chat.Create("grok-4").Append(User("take your time"))
		want, err := chat.Sample(ctx)
		if err != nil {
			t.Fatal(err)
		}
		srv.ResetRequests()
		resp, err := chat.Defer(ctx, WithPollInterval(time.Millisecond), WithCallMetadata("x-job", "j1"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Content() != want.Content() {
			t.Errorf("deferred content %q, want %q", resp.Content(), want.Content())
		}
		reqs := srv.Requests()
		if len(reqs) != 3 || reqs[0].FullMethod != xaiv1.Chat_StartDeferredCompletion_FullMethodName {
			t.Fatalf("requests: %d, first %s; want start then two polls", len(reqs), reqs[0].FullMethod)
		}
		for _, r := range reqs {
			if len(r.Metadata.Get("x-job")) != 1 {
				t.Errorf("%s lacks the call metadata", r.FullMethod)
			}
		}
	})
}

func TestDeferManualAndExpired(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	id, err := c.Chat.Create("grok-4").Append(User("later")).StartDeferred(ctx)
	if err != nil || id == "" {
		t.Fatalf("StartDeferred = %q, %v", id, err)
	}
	resp, done, err := c.Chat.GetDeferred(ctx, id)
	if err != nil || done || resp != nil {
		t.Fatalf("first poll = %v, %v, %v; want pending", resp, done, err)
	}
	resp, done, err = c.Chat.GetDeferred(ctx, id)
	if err != nil || !done || resp.Content() == "" {
		t.Fatalf("second poll = %v, %v, %v; want done", resp, done, err)
	}

	id2, err := c.Chat.Create("grok-4").Append(User("forgotten")).StartDeferred(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(48 * time.Hour)
	_, _, err = c.Chat.GetDeferred(ctx, id2)
	checkErr(t, err, codes.NotFound, id2, "expired")
	if !IsNotFound(err) {
		t.Error("IsNotFound is false for an expired request")
	}
	_, _, err = c.Chat.GetDeferred(ctx, "")
	checkErr(t, err, codes.InvalidArgument, "GetDeferred")
}

func TestDeferStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		reply    *xaiv1.GetDeferredCompletionResponse
		opts     []DeferOption
		wantCode codes.Code
		wantMsg  []string
	}{
		{"failed", &xaiv1.GetDeferredCompletionResponse{Status: xaiv1.DeferredStatus_FAILED}, nil, codes.Internal, []string{"req-1", "failed"}},
		{"expired", &xaiv1.GetDeferredCompletionResponse{Status: xaiv1.DeferredStatus_EXPIRED}, nil, codes.NotFound, []string{"req-1", "expired"}},
		{"invalid", &xaiv1.GetDeferredCompletionResponse{Status: xaiv1.DeferredStatus_INVALID_DEFERRED_STATUS}, nil, codes.Unknown, []string{"INVALID_DEFERRED_STATUS"}},
		{"unknown", &xaiv1.GetDeferredCompletionResponse{Status: 42}, nil, codes.Unknown, []string{"42"}},
		{"done without response", &xaiv1.GetDeferredCompletionResponse{Status: xaiv1.DeferredStatus_DONE}, nil, codes.Internal, []string{"no response"}},
		{"poll timeout", &xaiv1.GetDeferredCompletionResponse{Status: xaiv1.DeferredStatus_PENDING},
			[]DeferOption{WithPollInterval(5 * time.Millisecond), WithPollTimeout(50 * time.Millisecond)}, codes.DeadlineExceeded,
			[]string{"req-1", "still running", "GetDeferred", "WithPollTimeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &scriptServer{deferred: func(int, string) (*xaiv1.GetDeferredCompletionResponse, error) { return tt.reply, nil }}
			c := startScript(t, srv, true)
			_, err := c.Chat.Create("grok-4").Append(User("x")).Defer(context.Background(), tt.opts...)
			checkErr(t, err, tt.wantCode, tt.wantMsg...)
		})
	}
}

func TestDeferOptionsAndCancel(t *testing.T) {
	t.Parallel()
	srv := &scriptServer{deferred: func(int, string) (*xaiv1.GetDeferredCompletionResponse, error) {
		return &xaiv1.GetDeferredCompletionResponse{Status: xaiv1.DeferredStatus_PENDING}, nil
	}}
	c := startScript(t, srv, true)
	chat := c.Chat.Create("grok-4").Append(User("x"))
	_, err := chat.Defer(context.Background(), WithPollInterval(0))
	checkErr(t, err, codes.InvalidArgument, "WithPollInterval")
	_, err = chat.Defer(context.Background(), WithPollTimeout(-time.Second))
	checkErr(t, err, codes.InvalidArgument, "WithPollTimeout")
	// Issue 13: a nil option was skipped here; it is rejected as everywhere.
	_, err = chat.Defer(context.Background(), WithPollInterval(time.Second), nil)
	checkErr(t, err, codes.InvalidArgument, "Chat.Defer: option 1 is nil")
	if n := srv.count("StartDeferredCompletion"); n != 0 {
		t.Errorf("invalid options still started %d requests", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	_, err = chat.Defer(ctx, WithPollInterval(5*time.Millisecond))
	checkErr(t, err, codes.Canceled)
}

// The poll defaults are the official Python SDK's: chat.defer polls every
// 100 ms for up to 10 minutes (sync/chat.py, defer's docstring), videos
// every second (video.py, DEFAULT_VIDEO_POLL_INTERVAL and
// DEFAULT_VIDEO_TIMEOUT of 10 minutes).
func TestPollDefaultsMatchOfficialSDK(t *testing.T) {
	t.Parallel()
	if DefaultPollInterval != 100*time.Millisecond || DefaultPollTimeout != 10*time.Minute || DefaultVideoPollInterval != time.Second {
		t.Errorf("poll defaults %v/%v, video %v; want 100ms/10m, video 1s", DefaultPollInterval, DefaultPollTimeout, DefaultVideoPollInterval)
	}
}
