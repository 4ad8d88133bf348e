package xai

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestErrorKeepsCodeAndContext(t *testing.T) {
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
