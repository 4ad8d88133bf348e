package xai

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// Defaults of [Chat.Defer], as in the official SDKs.
const (
	// DefaultPollInterval is how often Defer asks whether the result is
	// ready.
	DefaultPollInterval = 100 * time.Millisecond
	// DefaultPollTimeout is how long Defer waits for the result.
	DefaultPollTimeout = 10 * time.Minute
)

// DeferOption changes how [Chat.Defer] waits. Every [CallOption] is also a
// [DeferOption], applied to each call Defer makes.
type DeferOption interface {
	applyDefer(*deferConfig)
}

type deferConfig struct {
	interval, timeout time.Duration
	call              []CallOption
	err               error
}

type deferOptionFunc func(*deferConfig)

func (f deferOptionFunc) applyDefer(d *deferConfig) { f(d) }

// WithPollInterval sets how often Defer asks whether the result is ready;
// the default is [DefaultPollInterval] (100 ms).
func WithPollInterval(d time.Duration) DeferOption {
	return deferOptionFunc(func(c *deferConfig) {
		if d <= 0 && c.err == nil {
			c.err = invalidArgument("WithPollInterval(%v): the interval must be positive", d)
		}
		c.interval = d
	})
}

// WithPollTimeout sets how long Defer waits for the result once the request
// is started; the default is [DefaultPollTimeout] (10 minutes). The request
// keeps running on the server after Defer gives up.
func WithPollTimeout(d time.Duration) DeferOption {
	return deferOptionFunc(func(c *deferConfig) {
		if d <= 0 && c.err == nil {
			c.err = invalidArgument("WithPollTimeout(%v): the timeout must be positive", d)
		}
		c.timeout = d
	})
}

// StartDeferred queues the chat to run in the background and returns the
// request ID at once; fetch the result with [ChatService.GetDeferred]. Defer
// does both.
func (c *Chat) StartDeferred(ctx context.Context, opts ...CallOption) (string, error) {
	req, err := c.sendable()
	if err != nil {
		return "", err
	}
	ctx = c.callContext(ctx)
	pb, err := c.svc.stub.StartDeferredCompletion(ctx, req, grpcCallOptions(opts)...)
	if err != nil {
		return "", fromGRPC(err)
	}
	return pb.GetRequestId(), nil
}

// GetDeferred asks once for the result of a request started with
// StartDeferred. It returns the response and true when it is ready, and
// false while it is still running. A request that expired (the server no
// longer holds its result) gives an error for which [IsNotFound] is true; one
// that failed on the server, an error with code Internal.
func (s *ChatService) GetDeferred(ctx context.Context, requestID string, opts ...CallOption) (resp *Response, done bool, err error) {
	if err := s.ready(); err != nil {
		return nil, false, err
	}
	if strings.TrimSpace(requestID) == "" {
		return nil, false, invalidArgument("GetDeferred: the request ID is empty; pass the ID returned by Chat.StartDeferred")
	}
	pb, err := s.stub.GetDeferredCompletion(ctx, &xaiv1.GetDeferredRequest{RequestId: requestID}, grpcCallOptions(opts)...)
	if err != nil {
		return nil, false, fromGRPC(err)
	}
	switch pb.GetStatus() {
	case xaiv1.DeferredStatus_DONE:
		if pb.Response == nil {
			return nil, false, &Error{Code: codes.Internal, Message: "deferred request " + requestID + " is done but the server sent no response; fetch it again with GetDeferred"}
		}
		return newResponse(pb.Response, nil), true, nil
	case xaiv1.DeferredStatus_PENDING:
		return nil, false, nil
	case xaiv1.DeferredStatus_EXPIRED:
		return nil, false, &Error{Code: codes.NotFound, Message: "deferred request " + requestID + " has expired: the server no longer holds its result; start the chat again"}
	case xaiv1.DeferredStatus_FAILED:
		return nil, false, &Error{Code: codes.Internal, Message: "deferred request " + requestID + " failed on the server; start the chat again, or use Sample to see the error"}
	}
	return nil, false, &Error{Code: codes.Unknown, Message: "deferred request " + requestID + ": the server returned status " + pb.GetStatus().String() + ", which this SDK does not know"}
}

// Defer runs the chat in the background on the server and waits for the
// result, polling every poll interval until it is ready or the poll timeout
// passes. Use it for long generations that might outlast a connection.
func (c *Chat) Defer(ctx context.Context, opts ...DeferOption) (*Response, error) {
	ctx = c.callContext(ctx) // the polls belong to the conversation too
	cfg, err := newDeferConfig("Chat.Defer", DefaultPollInterval, opts)
	if err != nil {
		return nil, err
	}
	id, err := c.StartDeferred(ctx, cfg.call...)
	if err != nil {
		return nil, err
	}
	resp, err := pollUntilDone(ctx, cfg, "deferred request "+id, "fetch its result later with client.Chat.GetDeferred(ctx, \""+id+"\")",
		func(ctx context.Context) (*Response, bool, error) { return c.svc.GetDeferred(ctx, id, cfg.call...) })
	if err != nil {
		return nil, err
	}
	// The chat knows what GetDeferred could only guess: n and the tools.
	c.mu.Lock()
	resp.one = oneAnswer(resp.pb, c.req)
	c.mu.Unlock()
	return resp, nil
}

// newDeferConfig applies opts over the given poll interval and
// [DefaultPollTimeout], for the methods that wait ([Chat.Defer] and the
// Video service). A nil option is an error naming method.
func newDeferConfig(method string, interval time.Duration, opts []DeferOption) (deferConfig, error) {
	cfg := deferConfig{interval: interval, timeout: DefaultPollTimeout}
	for i, o := range opts {
		if o == nil {
			return cfg, errNilOption(method, i)
		}
		o.applyDefer(&cfg)
	}
	return cfg, cfg.err
}

// pollUntilDone calls poll every cfg.interval until it reports done, fails,
// or cfg.timeout passes; what names the request in the timeout error, and
// later says how to fetch the result after giving up. [Chat.Defer] and the
// Video service share it.
func pollUntilDone[T any](ctx context.Context, cfg deferConfig, what, later string, poll func(context.Context) (T, bool, error)) (T, error) {
	var zero T
	deadline := time.Now().Add(cfg.timeout)
	pollCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	// The poll timeout is ours only when it comes before the caller's
	// deadline. A call may see the deadline pass before pollCtx reports
	// it, hence the look at the clock.
	pd, has := ctx.Deadline()
	ours := !has || pd.After(deadline)
	timedOut := func(err error) error {
		if !ours || ctx.Err() != nil {
			return nil
		}
		if errors.Is(pollCtx.Err(), context.DeadlineExceeded) || (hasCode(err, codes.DeadlineExceeded) && !time.Now().Before(deadline)) {
			return &Error{Code: codes.DeadlineExceeded, cause: context.DeadlineExceeded,
				Message: fmt.Sprintf("%s is still running after %v (the poll timeout); %s, or raise WithPollTimeout", what, cfg.timeout, later)}
		}
		return nil
	}
	for {
		v, done, err := poll(pollCtx)
		if err != nil {
			if terr := timedOut(err); terr != nil {
				return zero, terr
			}
			return zero, err
		}
		if done {
			return v, nil
		}
		if err := sleepContext(pollCtx, cfg.interval); err != nil {
			if terr := timedOut(fromGRPC(err)); terr != nil {
				return zero, terr
			}
			return zero, fromGRPC(err)
		}
	}
}
