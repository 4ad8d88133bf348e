package xai

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	plaintext "google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// pipeline is the way every call of the client travels on one connection:
// the connection (created by the client, or the caller's with the client's
// interceptors put in front of it), the credential that sends one key, the
// call options, metadata and deadline of each call, the size check,
// logging, retries and the explanation of errors. A Client holds two: one
// for the API, with the API key, and one for the management API, with the
// management key.
type pipeline struct {
	cfg      *config
	creds    *bearer
	credsOpt grpc.CallOption // grpc.PerRPCCredentials(creds), made once
	retry    *retryer        // shared by the client's pipelines
	// sendLimit is the request size checked before sending (see size.go):
	// the limit of a connection the client created, 0 for a caller's.
	sendLimit int
	logUnary  grpc.UnaryClientInterceptor  // nil without WithLogger
	logStrm   grpc.StreamClientInterceptor // nil without WithLogger
	conn      *grpc.ClientConn             // a connection the client created, or nil
	invoker   grpc.ClientConnInterface     // the connection with the interceptors applied
}

// newPipeline returns the pipeline that sends key, with TLS unless
// insecure: on own, a connection the caller gave, or else on a connection
// to endpoint that it creates (which does no network I/O). what names the
// endpoint in errors. The retryer is shared with the client's other
// pipeline.
func newPipeline(cfg *config, key secret, insecure bool, own *grpc.ClientConn, endpoint, what string, retry *retryer) (*pipeline, error) {
	p := &pipeline{cfg: cfg, creds: newBearer(key, insecure), retry: retry}
	p.credsOpt = grpc.PerRPCCredentials(p.creds)
	if own == nil {
		p.sendLimit = cfg.maxMessageSize
	}
	if cfg.logger != nil {
		l := slogLogger(cfg.logger, cfg.apiKey, cfg.managementKey)
		p.logUnary = logging.UnaryClientInterceptor(l)
		p.logStrm = logging.StreamClientInterceptor(l)
	}
	// The hooks of WithInterceptors wrap the client's own interceptors.
	unary := chainUnary(cfg.unaryHooks, p.unaryInterceptor)
	stream := chainStream(cfg.streamHooks, p.streamInterceptor)
	if own != nil {
		p.invoker = &interceptedConn{cc: own, unary: unary, stream: stream}
		return p, nil
	}
	conn, err := grpc.NewClient(endpoint, p.dialOptions(insecure, unary, stream)...)
	if err != nil {
		return nil, &Error{Code: codes.InvalidArgument, Message: fmt.Sprintf("NewClient: cannot use %s %q: %v", what, endpoint, err), cause: err}
	}
	p.conn, p.invoker = conn, conn
	return p, nil
}

// close closes the connection the pipeline created.
func (p *pipeline) close() error {
	if p == nil || p.conn == nil {
		return nil
	}
	return p.conn.Close()
}

// dialOptions returns the options of a connection the client creates, with
// TLS unless insecure.
func (p *pipeline) dialOptions(insecure bool, unary grpc.UnaryClientInterceptor, stream grpc.StreamClientInterceptor) []grpc.DialOption {
	tc := credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})
	if insecure {
		tc = plaintext.NewCredentials()
	}
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(tc),
		grpc.WithUserAgent(userAgent),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{
			Time:                p.cfg.keepaliveTime,
			Timeout:             p.cfg.keepaliveTimeout,
			PermitWithoutStream: true,
		}),
		grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(p.cfg.maxMessageSize),
			grpc.MaxCallSendMsgSize(p.cfg.maxMessageSize),
		),
		// Retries are ours (see retry.go); gRPC's own would stack on them.
		// Transparent retries of calls that never reached the server remain.
		grpc.WithDisableRetry(),
		grpc.WithChainUnaryInterceptor(unary),
		grpc.WithChainStreamInterceptor(stream),
	}
	return append(opts, p.cfg.dialOptions...)
}

// callConfig returns the client's defaults changed by the call options
// found among opts.
func (p *pipeline) callConfig(opts []grpc.CallOption) callConfig {
	cc := callConfig{retry: p.cfg.retry, streamIdle: p.cfg.streamIdle}
	for _, o := range opts {
		if co, ok := o.(CallOption); ok {
			co.applyCall(&cc)
		}
	}
	return cc
}

// prepare adds the client's and the call's metadata and the deadline to
// ctx. cancel releases the deadline's timer. The authorization and SDK
// headers travel with the credentials (see bearer).
func (p *pipeline) prepare(ctx context.Context, cc *callConfig) (_ context.Context, cancel context.CancelFunc) {
	switch {
	case len(cc.metadata) == 0 && len(p.cfg.metadata) > 0:
		ctx = metadata.AppendToOutgoingContext(ctx, p.cfg.metadata...)
	case len(cc.metadata) > 0:
		kv := make([]string, 0, len(p.cfg.metadata)+len(cc.metadata))
		kv = append(kv, p.cfg.metadata...)
		kv = append(kv, cc.metadata...)
		ctx = metadata.AppendToOutgoingContext(ctx, kv...)
	}
	switch _, has := ctx.Deadline(); {
	case cc.timeout > 0:
		return context.WithTimeout(ctx, cc.timeout)
	case !has:
		return context.WithTimeout(ctx, p.cfg.timeout)
	}
	return ctx, func() {}
}

// callOpts returns the gRPC call options of one call: the caller's, the
// captures, and the credentials.
func (p *pipeline) callOpts(opts []grpc.CallOption, cc *callConfig) []grpc.CallOption {
	creds := p.credsOpt
	if creds == nil {
		creds = grpc.PerRPCCredentials(p.creds)
	}
	// Two spare slots, for the header and trailer captures the retryer adds.
	out := make([]grpc.CallOption, 0, len(opts)+len(cc.grpcOpts)+3)
	out = append(out, opts...)
	out = append(out, cc.grpcOpts...)
	return append(out, creds)
}

// unaryInterceptor applies the client's behaviour to a unary call:
// metadata, credentials, deadline, size limit, logging and retries.
func (p *pipeline) unaryInterceptor(ctx context.Context, method string, req, reply any, conn *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	cc := p.callConfig(opts)
	if cc.err != nil {
		return cc.err
	}
	if err := checkRequestSize(req, p.sendLimit); err != nil {
		return err
	}
	ctx, cancel := p.prepare(ctx, &cc)
	defer cancel()
	if p.logUnary == nil {
		// No wrapper closure to allocate without a logger.
		return p.explain(p.retry.invoke(ctx, cc.retry, method, req, reply, conn, invoker, p.callOpts(opts, &cc)))
	}
	retry := cc.retry
	retrying := func(ctx context.Context, method string, req, reply any, conn *grpc.ClientConn, opts ...grpc.CallOption) error {
		return p.retry.invoke(ctx, retry, method, req, reply, conn, invoker, opts)
	}
	return p.explain(p.logUnary(ctx, method, req, reply, conn, retrying, p.callOpts(opts, &cc)...))
}

// streamInterceptor is unaryInterceptor for streams; the returned stream
// retries until the server commits to it, ends after the idle timeout, and
// explains its errors.
func (p *pipeline) streamInterceptor(ctx context.Context, desc *grpc.StreamDesc, conn *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	cc := p.callConfig(opts)
	if cc.err != nil {
		return nil, cc.err
	}
	ctx, cancel := p.prepare(ctx, &cc)
	var idle *idleTimer
	if cc.streamIdle > 0 {
		ctx, idle = startIdleTimer(ctx, cc.streamIdle)
		cancelDeadline := cancel
		cancel = func() { idle.stop(); cancelDeadline() }
	}
	var (
		s   grpc.ClientStream
		err error
	)
	if p.logStrm == nil {
		s, err = p.retry.newStream(ctx, cc.retry, desc, conn, method, streamer, p.callOpts(opts, &cc), p.sendLimit, cancel)
	} else {
		retry := cc.retry
		retrying := func(ctx context.Context, desc *grpc.StreamDesc, conn *grpc.ClientConn, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			return p.retry.newStream(ctx, retry, desc, conn, method, streamer, opts, p.sendLimit, cancel)
		}
		s, err = p.logStrm(ctx, desc, conn, method, retrying, p.callOpts(opts, &cc)...)
	}
	if err != nil {
		cancel()
		return nil, p.explain(idle.explain(err))
	}
	return &callStream{ClientStream: s, p: p, idle: idle}, nil
}

// explain adds what to do next to transport errors whose gRPC message does
// not say it, and redacts the keys from server errors (see redact).
// Errors the client made itself (*Error) and non-status errors (io.EOF)
// are returned unchanged.
func (p *pipeline) explain(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	var xerr *Error
	if errors.As(err, &xerr) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	msg := st.Message()
	switch {
	case st.Code() == codes.Unauthenticated && strings.Contains(msg, "cannot send secure credentials on an insecure connection"):
		// Nothing was sent: a local error.
		return &Error{Code: codes.Unauthenticated, cause: err,
			Message: "refusing to send the API or management key over a connection without TLS: connect with TLS, or pass WithInsecure() together with WithEndpoint (or WithManagementEndpoint) naming your local fake server"}
	case st.Code() == codes.Unavailable && strings.Contains(msg, "tls:") && !p.creds.insecure:
		st = status.New(codes.Unavailable, msg+
			" (the TLS handshake failed: check the endpoint; if it is a local fake server without TLS, pass WithInsecure())")
		err = st.Err()
	}
	if red, changed := redact(st, p.cfg.apiKey, p.cfg.managementKey); changed {
		return red.Err()
	}
	return err
}

// callStream is a stream of the client: it applies the idle timeout and
// explain to the stream's errors.
type callStream struct {
	grpc.ClientStream
	p    *pipeline
	idle *idleTimer // nil without an idle timeout
}

func (s *callStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	if err == nil {
		s.idle.reset()
		return nil
	}
	return s.p.explain(s.idle.explain(err))
}

func (s *callStream) SendMsg(m any) error {
	return s.p.explain(s.idle.explain(s.ClientStream.SendMsg(m)))
}

// errStreamIdle is the cause of a stream's context ended by its idle
// timeout.
var errStreamIdle = errors.New("stream idle timeout")

// idleTimer ends a stream, by cancelling its context, when no message has
// arrived for d: since the stream opened, or since the last message.
type idleTimer struct {
	d      time.Duration
	ctx    context.Context
	t      *time.Timer
	cancel context.CancelCauseFunc
}

func startIdleTimer(ctx context.Context, d time.Duration) (context.Context, *idleTimer) {
	ctx, cancel := context.WithCancelCause(ctx)
	it := &idleTimer{d: d, ctx: ctx, cancel: cancel}
	it.t = time.AfterFunc(d, func() { cancel(errStreamIdle) })
	return ctx, it
}

// reset restarts the wait after a message arrived.
func (it *idleTimer) reset() {
	if it != nil {
		it.t.Reset(it.d)
	}
}

// stop releases the timer once the stream is over.
func (it *idleTimer) stop() {
	it.t.Stop()
	it.cancel(nil)
}

// explain turns the cancellation caused by the timer into
// DEADLINE_EXCEEDED naming the idle timeout.
func (it *idleTimer) explain(err error) error {
	if it == nil || err == nil || err == io.EOF || !errors.Is(context.Cause(it.ctx), errStreamIdle) {
		return err
	}
	return status.Errorf(codes.DeadlineExceeded,
		"no message arrived on the stream for %v, its idle timeout (WithStreamIdleTimeout or WithCallStreamIdleTimeout), so the stream was ended: "+
			"retry the call, or raise the timeout if the model may pause longer", it.d)
}

// interceptedConn applies the client's interceptors to a connection created
// by the caller, which cannot be given interceptors after the fact.
type interceptedConn struct {
	cc     *grpc.ClientConn
	unary  grpc.UnaryClientInterceptor
	stream grpc.StreamClientInterceptor
}

func (ic *interceptedConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	return ic.unary(ctx, method, args, reply, ic.cc, invokeOn, opts...)
}

func (ic *interceptedConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return ic.stream(ctx, desc, ic.cc, method, streamOn, opts...)
}

func invokeOn(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...grpc.CallOption) error {
	return cc.Invoke(ctx, method, req, reply, opts...)
}

func streamOn(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return cc.NewStream(ctx, desc, method, opts...)
}

// chainUnary returns inner wrapped by outer, outer[0] outermost, or inner
// itself when there are no hooks: then they cost nothing.
func chainUnary(outer []grpc.UnaryClientInterceptor, inner grpc.UnaryClientInterceptor) grpc.UnaryClientInterceptor {
	for i := len(outer) - 1; i >= 0; i-- {
		o, next := outer[i], inner
		inner = func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			return o(ctx, method, req, reply, cc, func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...grpc.CallOption) error {
				return next(ctx, method, req, reply, cc, invoker, opts...)
			}, opts...)
		}
	}
	return inner
}

// chainStream is chainUnary for streams.
func chainStream(outer []grpc.StreamClientInterceptor, inner grpc.StreamClientInterceptor) grpc.StreamClientInterceptor {
	for i := len(outer) - 1; i >= 0; i-- {
		o, next := outer[i], inner
		inner = func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			return o(ctx, desc, cc, method, func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
				return next(ctx, desc, cc, method, streamer, opts...)
			}, opts...)
		}
	}
	return inner
}
