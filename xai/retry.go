package xai

import (
	"context"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// RetryPolicy says which failed calls are tried again and how long to wait
// in between. A call is retried when an attempt fails with one of Codes
// before the server committed to it: once response headers or a message
// have arrived, the server may have done the work (generated and billed a
// completion, stored, deleted or started something), so the call is never
// retried, unary or streaming. This is the commit point of gRPC's own retry
// design (gRFC A6), which the official Python SDK uses through its service
// config (src/xai_sdk/client.py, with the defaults of [DefaultRetryPolicy]).
// The wait before retry n is a random duration up to
// min(InitialBackoff * Multiplier^(n-1), MaxBackoff), unless the server asks
// for a specific wait with the "grpc-retry-pushback-ms" trailer (a negative
// or malformed value there means "do not retry"). Retries stop when the
// call's context is done or its deadline would pass during the wait.
//
// Zero fields take the values of [DefaultRetryPolicy]; negative ones are
// errors. Set MaxAttempts to 1, or use [WithoutRetry], to turn retries off.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts, the first included.
	MaxAttempts int
	// InitialBackoff is the upper bound of the wait before the first retry.
	InitialBackoff time.Duration
	// MaxBackoff caps the wait between attempts.
	MaxBackoff time.Duration
	// Multiplier grows the bound after each attempt; at least 1.
	Multiplier float64
	// Codes lists the status codes that are retried. OK, CANCELED and
	// INVALID_ARGUMENT are not allowed: retrying them cannot succeed.
	Codes []codes.Code
}

// DefaultRetryPolicy returns the policy used unless [WithRetryPolicy] says
// otherwise: up to 5 attempts on UNAVAILABLE, waiting up to 0.1 s, 0.2 s,
// 0.4 s and 0.8 s, capped at 1 s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts:    5,
		InitialBackoff: 100 * time.Millisecond,
		MaxBackoff:     time.Second,
		Multiplier:     2,
		Codes:          []codes.Code{codes.Unavailable},
	}
}

// noRetry is the policy of [WithoutRetry].
var noRetry = RetryPolicy{MaxAttempts: 1}

// resolve fills zero fields with defaults and checks the rest; option names
// the option in errors.
func (p RetryPolicy) resolve(option string) (RetryPolicy, error) {
	d := DefaultRetryPolicy()
	if p.MaxAttempts < 0 || p.InitialBackoff < 0 || p.MaxBackoff < 0 || p.Multiplier < 0 || math.IsNaN(p.Multiplier) {
		return RetryPolicy{}, invalidArgument("%s: MaxAttempts, InitialBackoff, MaxBackoff and Multiplier must not be negative (zero means the default)", option)
	}
	if p.MaxAttempts == 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.InitialBackoff == 0 {
		p.InitialBackoff = d.InitialBackoff
	}
	if p.MaxBackoff == 0 {
		p.MaxBackoff = max(d.MaxBackoff, p.InitialBackoff)
	}
	if p.Multiplier == 0 {
		p.Multiplier = d.Multiplier
	}
	if len(p.Codes) == 0 {
		p.Codes = d.Codes
	} else {
		p.Codes = slices.Clone(p.Codes)
	}
	switch {
	case p.MaxBackoff < p.InitialBackoff:
		return RetryPolicy{}, invalidArgument("%s: MaxBackoff (%v) is below InitialBackoff (%v)", option, p.MaxBackoff, p.InitialBackoff)
	case p.Multiplier < 1 || math.IsInf(p.Multiplier, 0):
		return RetryPolicy{}, invalidArgument("%s: Multiplier (%v) must be a finite number of at least 1", option, p.Multiplier)
	}
	for _, c := range p.Codes {
		switch c {
		case codes.OK, codes.Canceled, codes.InvalidArgument:
			return RetryPolicy{}, invalidArgument("%s: %s cannot be retried: the same request would get the same answer", option, c)
		}
		if c > codes.Unauthenticated {
			return RetryPolicy{}, invalidArgument("%s: %d is not a gRPC status code", option, uint32(c))
		}
	}
	return p, nil
}

// retryer decides about and waits for retries. It is shared by all calls of
// a client.
//
// The loop is ours rather than gRPC's service-config retryPolicy, with the
// same semantics (gRFC A6: retry only attempts that ended before response
// headers arrived, which grpc-go reports as a nil header; honour
// grpc-retry-pushback-ms), because gRPC's would lose what the SDK promises:
// a policy per call ([WithCallRetry], [WithoutRetry]) where gRPC's is per
// connection; a log line per retry ([WithLogger]); more than 5 attempts
// (grpc-go caps maxAttempts at 5); and retries of requests over gRPC's
// 256 KiB replay buffer, which grpc-go commits at once, so that a chat with
// an image would never be retried. TestRetryMatchesGRPCRetry drives the same
// server through both and checks they make the same number of attempts.
type retryer struct {
	log *slog.Logger // may be nil
	// sleep waits for d or until ctx is done; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
	// jitter returns a random duration in [0, d]; tests replace it.
	jitter func(d time.Duration) time.Duration
}

func newRetryer(log *slog.Logger) *retryer {
	return &retryer{log: log, sleep: sleepContext, jitter: fullJitter}
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func fullJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}

// pushbackTrailer is the trailer a server sets to say how long to wait
// before retrying, in milliseconds, or (negative) not to retry.
const pushbackTrailer = "grpc-retry-pushback-ms"

// backoff returns how long to wait before retrying after failed attempt
// number attempt (1-based) ended with err and trailer, and whether to retry.
func (r *retryer) backoff(ctx context.Context, p RetryPolicy, attempt int, err error, trailer metadata.MD) (time.Duration, bool) {
	if attempt >= p.MaxAttempts || ctx.Err() != nil {
		return 0, false
	}
	if !slices.Contains(p.Codes, status.Code(err)) {
		return 0, false
	}
	var wait time.Duration
	if v := trailer.Get(pushbackTrailer); len(v) > 0 {
		ms, perr := strconv.Atoi(strings.TrimSpace(v[0]))
		if perr != nil || ms < 0 {
			return 0, false // the server asked us not to retry
		}
		wait = time.Duration(ms) * time.Millisecond
	} else {
		// In float64, clamped to MaxBackoff before converting back: the
		// bound may exceed what a Duration holds (float64(MaxInt64)
		// itself converts to a negative Duration), and Pow may be +Inf.
		bound := p.MaxBackoff
		if b := float64(p.InitialBackoff) * math.Pow(p.Multiplier, float64(attempt-1)); b < float64(p.MaxBackoff) {
			bound = time.Duration(b)
		}
		wait = r.jitter(bound)
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= wait {
		return 0, false // the deadline would pass while waiting
	}
	return wait, true
}

// wait logs the retry and sleeps. It returns a status error if ctx ends
// first, naming the error that caused the retry.
func (r *retryer) wait(ctx context.Context, method string, attempt int, cause error, d time.Duration) error {
	if r.log != nil {
		service, name, _ := strings.Cut(strings.TrimPrefix(method, "/"), "/")
		r.log.LogAttrs(ctx, slog.LevelInfo, "xai: retrying call",
			slog.String("grpc.service", service), slog.String("grpc.method", name),
			slog.Int("attempt", attempt+1), slog.String("grpc.code", status.Code(cause).String()),
			slog.Duration("backoff", d))
	}
	if err := r.sleep(ctx, d); err != nil {
		st, _ := status.FromError(cause)
		return status.Errorf(status.FromContextError(err).Code(),
			"%v while waiting to retry after %s: %s", err, st.Code(), st.Message())
	}
	return nil
}

// invoke runs a unary call, retrying it according to p until the server
// commits to it (sends response headers).
func (r *retryer) invoke(ctx context.Context, p RetryPolicy, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts []grpc.CallOption) error {
	// The capturing options are appended once; each attempt resets header
	// and trailer, which gRPC fills in when the attempt ends. gRPC leaves
	// header nil when no response headers arrived (a Trailers-Only
	// response, or no response at all).
	// Both live in one struct: one allocation per call, not two.
	var md struct{ header, trailer metadata.MD }
	opts = append(slices.Clip(opts), grpc.Header(&md.header), grpc.Trailer(&md.trailer))
	for attempt := 1; ; attempt++ {
		md.header, md.trailer = nil, nil
		err := invoker(ctx, method, req, reply, cc, opts...)
		if err == nil {
			return nil
		}
		if md.header != nil {
			return committed(err) // the server has the call: never again
		}
		if e := sendLimitError(err); e != nil {
			return e // nothing was sent, and retrying cannot help
		}
		d, ok := r.backoff(ctx, p, attempt, err, md.trailer)
		if !ok {
			return err
		}
		if werr := r.wait(ctx, method, attempt, err, d); werr != nil {
			return werr
		}
	}
}

// committed returns the error of an attempt that failed after the server
// committed to the call, which is not retried whatever its code; a reply
// over the receive limit is explained (see recvLimitError).
func committed(err error) error {
	if e := recvLimitError(err); e != nil {
		return e
	}
	return err
}

// newStream returns a stream that is retried according to p until response
// headers or the first message arrive. Retrying after sending is possible
// only when the client sends a single request (server-streaming calls):
// that request is replayed. Such a stream is opened only when its request
// is sent, after checking its size against sendLimit (0: no check), so an
// oversized request sends nothing at all. release is called once the
// stream has ended or failed.
func (r *retryer) newStream(ctx context.Context, p RetryPolicy, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts []grpc.CallOption, sendLimit int, release func()) (grpc.ClientStream, error) {
	s := &retryStream{r: r, p: p, ctx: ctx, desc: desc, cc: cc, method: method, streamer: streamer, opts: opts, sendLimit: sendLimit, release: release}
	if desc.ClientStreams {
		if err := s.open(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// retryStream is a client stream that starts over, on a new gRPC stream,
// when an attempt fails before the server committed to it: before response
// headers or any message arrived.
type retryStream struct {
	r         *retryer
	p         RetryPolicy
	ctx       context.Context
	desc      *grpc.StreamDesc
	cc        *grpc.ClientConn
	method    string
	streamer  grpc.Streamer
	opts      []grpc.CallOption
	sendLimit int
	release   func()

	mu        sync.Mutex // guards cur and cancel against Header/Trailer/Context
	cur       grpc.ClientStream
	cancel    context.CancelFunc
	attempt   int
	sent      []any // messages sent, replayed on retry (single-request calls)
	sendDone  bool  // CloseSend was called
	committed bool  // response headers or a message arrived: no more retries
	finished  bool
	failed    error // why the stream could not be opened; RecvMsg returns it
}

// open starts attempts until one gets a stream or the policy gives up.
func (s *retryStream) open() error {
	for {
		s.attempt++
		actx, cancel := context.WithCancel(s.ctx)
		cs, err := s.streamer(actx, s.desc, s.cc, s.method, s.opts...)
		if err == nil {
			err = s.replay(cs)
		}
		if err == nil {
			s.mu.Lock()
			s.cur, s.cancel = cs, cancel
			s.mu.Unlock()
			return nil
		}
		var trailer metadata.MD
		if cs != nil {
			trailer = cs.Trailer()
		}
		cancel()
		if e := sendLimitError(err); e != nil {
			return e
		}
		d, ok := s.r.backoff(s.ctx, s.p, s.attempt, err, trailer)
		if !ok {
			return err
		}
		if werr := s.r.wait(s.ctx, s.method, s.attempt, err, d); werr != nil {
			return werr
		}
	}
}

// replay sends again what was sent on a failed attempt. io.EOF from SendMsg
// means the new attempt already failed; RecvMsg will report how.
func (s *retryStream) replay(cs grpc.ClientStream) error {
	for _, m := range s.sent {
		if err := cs.SendMsg(m); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
	if s.sendDone {
		return cs.CloseSend()
	}
	return nil
}

// current returns the latest attempt, or nil before the first.
func (s *retryStream) current() grpc.ClientStream {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// ensureOpen opens a stream whose request was never sent (a caller that
// receives or closes first); the failure ends the stream.
func (s *retryStream) ensureOpen() (grpc.ClientStream, error) {
	if cs := s.current(); cs != nil {
		return cs, nil
	}
	if s.failed == nil {
		s.fail(s.open())
	}
	if s.failed != nil {
		return nil, s.failed
	}
	return s.current(), nil
}

// fail records why the stream could not be opened, and ends it.
func (s *retryStream) fail(err error) {
	if err != nil {
		s.failed = err
		s.finish()
	}
}

// canRetry says whether the stream may still start over.
func (s *retryStream) canRetry() bool { return !s.committed && !s.desc.ClientStreams }

// SendMsg sends m. The first message of a single-request stream opens it,
// once its size is checked; if it cannot be opened (or m is over the size
// limit), SendMsg returns nil and RecvMsg reports why, as gRPC reports a
// failed stream, so that every layer above (logging, tracing, the caller's
// interceptors) sees the call end in RecvMsg. While the stream may still
// start over, m is kept for replay, and io.EOF (the attempt failed) is
// hidden: RecvMsg reports the failure and retries it if the policy allows.
func (s *retryStream) SendMsg(m any) error {
	if s.current() == nil && s.failed == nil {
		if err := checkRequestSize(m, s.sendLimit); err != nil {
			s.fail(err)
			return nil
		}
		s.sent = append(s.sent, m)
		s.fail(s.open())
		return nil
	}
	cs, err := s.ensureOpen()
	if err != nil {
		return io.EOF // the stream failed; RecvMsg says how
	}
	if !s.canRetry() {
		return cs.SendMsg(m)
	}
	s.sent = append(s.sent, m)
	if err := cs.SendMsg(m); err != nil && err != io.EOF {
		if e := sendLimitError(err); e != nil {
			return e
		}
		return err
	}
	return nil
}

func (s *retryStream) CloseSend() error {
	s.sendDone = true
	if cs := s.current(); cs != nil {
		return cs.CloseSend()
	}
	return nil // replayed when the stream opens
}

func (s *retryStream) RecvMsg(m any) error {
	if s.committed && !s.finished {
		// No more attempts: the stream is final, and only this method
		// replaces it, so it is read without the lock.
		err := s.cur.RecvMsg(m)
		if err == nil {
			return nil
		}
		s.finish()
		if err != io.EOF {
			return committed(err)
		}
		return err
	}
	for {
		cs, err := s.ensureOpen()
		if err != nil {
			return err
		}
		err = cs.RecvMsg(m)
		if err == nil {
			s.committed = true
			if !s.desc.ServerStreams {
				s.finish()
			}
			return nil
		}
		if err == io.EOF || !s.canRetry() {
			s.finish()
			if err != io.EOF && s.committed {
				return committed(err)
			}
			return err
		}
		// The attempt is over, so Header does not block: it returns the
		// headers if they arrived, and nil otherwise (gRPC's commit point).
		if md, _ := cs.Header(); md != nil {
			s.committed = true
			s.finish()
			return committed(err)
		}
		d, ok := s.r.backoff(s.ctx, s.p, s.attempt, err, cs.Trailer())
		if !ok {
			s.finish()
			return err
		}
		if werr := s.r.wait(s.ctx, s.method, s.attempt, err, d); werr != nil {
			s.finish()
			return werr
		}
		s.mu.Lock()
		s.cancel()
		s.mu.Unlock()
		if oerr := s.open(); oerr != nil {
			s.finish()
			return oerr
		}
	}
}

// finish releases the attempt and the call once the stream is over.
func (s *retryStream) finish() {
	if s.finished {
		return
	}
	s.finished = true
	s.mu.Lock()
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	s.release()
}

func (s *retryStream) Header() (metadata.MD, error) {
	if cs := s.current(); cs != nil {
		return cs.Header()
	}
	return nil, nil
}

func (s *retryStream) Trailer() metadata.MD {
	if cs := s.current(); cs != nil {
		return cs.Trailer()
	}
	return nil
}

func (s *retryStream) Context() context.Context {
	if cs := s.current(); cs != nil {
		return cs.Context()
	}
	return s.ctx
}
