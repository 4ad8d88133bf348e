package xai

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// CallOption changes one call: its timeout, metadata, retries, or captures
// what the server sent back. Every method that talks to the server accepts
// call options.
//
// A [CallOption] is also a grpc.CallOption, so it works with the raw stubs of
// package xaiv1 on [Client.Conn] too.
type CallOption interface {
	grpc.CallOption
	DeferOption
	applyCall(*callConfig)
}

// callConfig is the per-call configuration: the client's defaults changed by
// the call options.
type callConfig struct {
	timeout  time.Duration // 0: the client default applies if ctx has no deadline
	metadata []string
	retry    RetryPolicy
	// streamIdle ends a stream when no message arrives for that long; 0:
	// no idle timeout.
	streamIdle time.Duration
	grpcOpts   []grpc.CallOption
	err        error // the first invalid option
}

type callOption struct {
	grpc.EmptyCallOption
	apply func(*callConfig)
}

func (o callOption) applyCall(c *callConfig)   { o.apply(c) }
func (o callOption) applyDefer(d *deferConfig) { d.call = append(d.call, o) }

func newCallOption(f func(*callConfig)) CallOption { return callOption{apply: f} }

func (c *callConfig) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// CallOptions passes call options ([WithCallTimeout], [WithCallMetadata],
// [WithCallRetry], [CaptureHeader]...) to a method whose variadic parameter
// holds request options: [ImageService.Generate], [EmbedService.Inputs],
// [SampleService.Text] and [SampleService.Stream]. Give it among the other
// options:
//
//	resp, err := client.Image.Generate(ctx, "grok-2-image", "a red fox",
//		xai.WithImageCount(2),
//		xai.CallOptions{xai.WithCallTimeout(time.Minute)})
//
// Passed to [ChatService.Create], which sends nothing, it is an error: give
// call options to [Chat.Sample], [Chat.Stream] or [Chat.Defer] instead.
type CallOptions []CallOption

// WithCallTimeout gives the call a deadline d from now. A deadline already
// on the context still applies if it is earlier. d must be positive.
func WithCallTimeout(d time.Duration) CallOption {
	return newCallOption(func(c *callConfig) {
		if d <= 0 {
			c.fail(invalidArgument("WithCallTimeout(%v): the timeout must be positive", d))
			return
		}
		c.timeout = d
	})
}

// WithCallMetadata adds gRPC metadata to the call, as key/value pairs.
func WithCallMetadata(kv ...string) CallOption {
	return newCallOption(func(c *callConfig) {
		if err := checkMetadata("WithCallMetadata", kv); err != nil {
			c.fail(err)
			return
		}
		c.metadata = append(c.metadata, kv...)
	})
}

// WithCallRetry replaces the client's retry policy for this call. Zero
// fields take the values of [DefaultRetryPolicy].
func WithCallRetry(p RetryPolicy) CallOption {
	return newCallOption(func(c *callConfig) {
		rp, err := p.resolve("WithCallRetry")
		if err != nil {
			c.fail(err)
			return
		}
		c.retry = rp
	})
}

// WithoutRetry makes the call a single attempt.
func WithoutRetry() CallOption {
	return newCallOption(func(c *callConfig) { c.retry = noRetry })
}

// WithCallStreamIdleTimeout ends the call's stream with DEADLINE_EXCEEDED
// when no message arrives for d, replacing the client's
// [WithStreamIdleTimeout] for this call. d must be positive. Unary calls
// ignore it.
func WithCallStreamIdleTimeout(d time.Duration) CallOption {
	return newCallOption(func(c *callConfig) {
		if d <= 0 {
			c.fail(invalidArgument("WithCallStreamIdleTimeout(%v): the timeout must be positive", d))
			return
		}
		c.streamIdle = d
	})
}

// CaptureHeader stores the response header metadata of the call in *md.
// For a stream, *md is set once the stream has ended.
func CaptureHeader(md *metadata.MD) CallOption {
	return newCallOption(func(c *callConfig) {
		if md == nil {
			c.fail(invalidArgument("CaptureHeader: the metadata pointer is nil"))
			return
		}
		c.grpcOpts = append(c.grpcOpts, grpc.Header(md))
	})
}

// CaptureTrailer stores the response trailer metadata of the call in *md.
// For a stream, *md is set once the stream has ended.
func CaptureTrailer(md *metadata.MD) CallOption {
	return newCallOption(func(c *callConfig) {
		if md == nil {
			c.fail(invalidArgument("CaptureTrailer: the metadata pointer is nil"))
			return
		}
		c.grpcOpts = append(c.grpcOpts, grpc.Trailer(md))
	})
}

// grpcCallOptions converts call options for a generated stub.
func grpcCallOptions(opts []CallOption) []grpc.CallOption {
	out := make([]grpc.CallOption, 0, len(opts))
	for i, o := range opts {
		if o == nil {
			// Refused like every nil option: the call fails in the
			// pipeline, before anything is sent.
			o = newCallOption(func(c *callConfig) { c.fail(invalidArgument("call option %d is nil", i)) })
		}
		out = append(out, o)
	}
	return out
}

// unary makes one unary call with the call options and returns its reply,
// or its error as an [*Error].
func unary[Req, Resp any](ctx context.Context, rpc func(context.Context, *Req, ...grpc.CallOption) (*Resp, error), req *Req, opts []CallOption) (*Resp, error) {
	resp, err := rpc(ctx, req, grpcCallOptions(opts)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return resp, nil
}
