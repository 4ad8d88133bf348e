package xai

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	plaintext "google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// Version is the version of this SDK, sent to the server in the user agent
// and the xai-sdk-version metadata.
const Version = "0.1.0"

// userAgent is the gRPC user agent of connections the client creates,
// naming the SDK as the official Python SDK names itself ("XaiSdk/<v>"
// in src/xai_sdk/client.py); gRPC appends its own.
const userAgent = "xai-sdk-go/" + Version

// Client is a connection to the xAI API. Create one with NewClient, share
// it between goroutines, and Close it when done.
type Client struct {
	// Chat generates chat completions with Grok models.
	Chat *ChatService
	// Models lists and describes the available models.
	Models *ModelsService
	// Auth describes the API key in use.
	Auth *AuthService
	// Tokenize splits text into a model's tokens.
	Tokenize *TokenizeService
	// Embed computes embedding vectors of texts and images.
	Embed *EmbedService
	// Image generates and edits images.
	Image *ImageService
	// Sample is the legacy text completion API.
	Sample *SampleService
	// Files uploads, lists, downloads and shares stored files.
	Files *FilesService
	// Documents searches the documents of collections.
	Documents *DocumentsService
	// Collections manages collections of documents for retrieval. It uses
	// the management API and needs a management key (WithManagementKey or
	// XAI_MANAGEMENT_KEY).
	Collections *CollectionsService
	// Video generates and extends video clips.
	Video *VideoService
	// Batch runs many requests in the background as batches.
	Batch *BatchService

	// Everything below is behind pointers so that printing a Client value
	// shows addresses, never the keys.
	cfg      *config
	creds    *bearer
	credsOpt grpc.CallOption // grpc.PerRPCCredentials(creds), made once; nil: made per call
	conn     *grpc.ClientConn
	invoker  grpc.ClientConnInterface // conn, with our interceptors applied
	retry    *retryer
	// sendLimit is the request size checked before sending (see size.go):
	// the limit of a connection the client created, 0 for a caller's.
	sendLimit int
	logUnary  grpc.UnaryClientInterceptor  // nil without WithLogger
	logStrm   grpc.StreamClientInterceptor // nil without WithLogger
	close     *sync.Once

	mgmtConn    *grpc.ClientConn         // management connection the client created, or nil
	mgmtInvoker grpc.ClientConnInterface // the management connection with our interceptors, or nil
}

// NewClient returns a client for the xAI API. It does no network I/O: the
// connection is made on the first call, and connection problems are
// reported by calls.
//
// The API key comes from WithAPIKey or else the XAI_API_KEY environment
// variable; a missing or empty key is an error. By default the client
// connects to api.x.ai:443 over TLS, gives calls without a deadline 27
// minutes, and retries UNAVAILABLE up to 5 attempts.
func NewClient(opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	var problems []string
	for i, o := range opts {
		if o == nil {
			problems = append(problems, fmt.Sprintf("option %d is nil", i))
			continue
		}
		if err := o.applyOption(cfg); err != nil {
			problems = append(problems, errMessage(err))
		}
	}
	if len(problems) > 0 {
		return nil, invalidArgument("NewClient: %s", strings.Join(problems, "; "))
	}
	if err := cfg.resolveKeys(); err != nil {
		return nil, err
	}
	if err := cfg.checkConn(); err != nil {
		return nil, err
	}

	c := &Client{cfg: cfg, creds: newBearer(cfg.apiKey, cfg.insecure), close: new(sync.Once)}
	if cfg.conn == nil {
		c.sendLimit = cfg.maxMessageSize
	}
	c.credsOpt = grpc.PerRPCCredentials(c.creds)
	c.retry = newRetryer(cfg.logger)
	if cfg.logger != nil {
		l := slogLogger(cfg.logger, cfg.apiKey, cfg.managementKey)
		c.logUnary = logging.UnaryClientInterceptor(l)
		c.logStrm = logging.StreamClientInterceptor(l)
	}
	// The hooks of WithInterceptors wrap the client's own interceptors.
	unary := chainUnary(cfg.unaryHooks, c.unaryInterceptor)
	stream := chainStream(cfg.streamHooks, c.streamInterceptor)
	if cfg.conn != nil {
		c.invoker = &interceptedConn{cc: cfg.conn, unary: unary, stream: stream}
	} else {
		conn, err := grpc.NewClient(cfg.endpoint, c.dialOptions(cfg.insecure, unary, stream)...)
		if err != nil {
			return nil, &Error{Code: codes.InvalidArgument, Message: fmt.Sprintf("NewClient: cannot use endpoint %q: %v", cfg.endpoint, err), cause: err}
		}
		c.conn, c.invoker = conn, conn
	}
	c.Chat = &ChatService{stub: xaiv1.NewChatClient(c.invoker), shareMessages: cfg.requestPrivate(),
		scrub: func(m protoreflect.Message) { redactMessage(m, revealAll(cfg.apiKey, cfg.managementKey)) }}
	c.Models = &ModelsService{stub: xaiv1.NewModelsClient(c.invoker)}
	c.Auth = &AuthService{stub: xaiv1.NewAuthClient(c.invoker)}
	c.Tokenize = &TokenizeService{stub: xaiv1.NewTokenizeClient(c.invoker)}
	c.Embed = &EmbedService{stub: xaiv1.NewEmbedderClient(c.invoker)}
	c.Image = &ImageService{stub: xaiv1.NewImageClient(c.invoker)}
	c.Sample = &SampleService{stub: xaiv1.NewSampleClient(c.invoker)}
	if err := c.initServices(); err != nil {
		c.Close()
		return nil, err
	}
	c.Video = &VideoService{stub: xaiv1.NewVideoClient(c.invoker)}
	c.Batch = &BatchService{stub: xaiv1.NewBatchMgmtClient(c.invoker)}
	return c, nil
}

// resolveKeys reads the environment for keys not given as options.
func (c *config) resolveKeys() error {
	if !c.apiKeySet {
		if c.noEnv {
			return &Error{Code: codes.Unauthenticated, Message: "NewClient: no API key: pass WithAPIKey(key) (WithoutEnv stops " + APIKeyEnv + " from being read)"}
		}
		v, ok := os.LookupEnv(APIKeyEnv)
		if !ok {
			return &Error{Code: codes.Unauthenticated, Message: "NewClient: no API key: pass WithAPIKey(key) or set the " + APIKeyEnv + " environment variable"}
		}
		k := newSecret(v)
		if err := k.check(APIKeyEnv, "API key in the environment variable"); err != nil {
			return &Error{Code: codes.Unauthenticated, Message: "NewClient: " + errMessage(err) + "; or pass WithAPIKey(key)"}
		}
		c.apiKey = k
	}
	if !c.managementKeySet && !c.noEnv {
		// The management key is optional: only an unusable value is an error.
		if v, ok := os.LookupEnv(ManagementKeyEnv); ok && v != "" {
			k := newSecret(v)
			if err := k.check(ManagementKeyEnv, "management key in the environment variable"); err != nil {
				return &Error{Code: codes.Unauthenticated, Message: "NewClient: " + errMessage(err)}
			}
			c.managementKey = k
		}
	}
	return nil
}

// checkConn rejects WithInsecure toward an address the caller did not name,
// and options that would be silently ignored with WithGRPCConn.
func (c *config) checkConn() error {
	if c.insecure && !c.endpointSet && c.conn == nil {
		return invalidArgument("NewClient: WithInsecure sends the API key without TLS, so it needs the address of your own server: "+
			"add WithEndpoint(\"127.0.0.1:<port>\") (or WithGRPCConn) for a local fake server; the default endpoint %s is only reached over TLS", DefaultEndpoint)
	}
	if c.conn == nil {
		return nil
	}
	var conflicts []string
	if c.endpointSet {
		conflicts = append(conflicts, "WithEndpoint")
	}
	if len(c.dialOptions) > 0 {
		conflicts = append(conflicts, "WithDialOptions")
	}
	if c.keepaliveSet {
		conflicts = append(conflicts, "WithKeepalive")
	}
	if c.maxMessageSizeSet {
		conflicts = append(conflicts, "WithMaxMessageSize")
	}
	if len(conflicts) > 0 {
		return invalidArgument("NewClient: %s cannot be combined with WithGRPCConn: they configure a connection the client does not create; set them when you create yours",
			strings.Join(conflicts, ", "))
	}
	return nil
}

// dialOptions returns the options of a connection the client creates, with
// TLS unless insecure.
func (c *Client) dialOptions(insecure bool, unary grpc.UnaryClientInterceptor, stream grpc.StreamClientInterceptor) []grpc.DialOption {
	tc := credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})
	if insecure {
		tc = plaintext.NewCredentials()
	}
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(tc),
		grpc.WithUserAgent(userAgent),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{
			Time:                c.cfg.keepaliveTime,
			Timeout:             c.cfg.keepaliveTimeout,
			PermitWithoutStream: true,
		}),
		grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(c.cfg.maxMessageSize),
			grpc.MaxCallSendMsgSize(c.cfg.maxMessageSize),
		),
		// Retries are ours (see retry.go); gRPC's own would stack on them.
		// Transparent retries of calls that never reached the server remain.
		grpc.WithDisableRetry(),
		grpc.WithChainUnaryInterceptor(unary),
		grpc.WithChainStreamInterceptor(stream),
	}
	return append(opts, c.cfg.dialOptions...)
}

// Close closes the connections the client created (API and management); a
// connection given with WithGRPCConn or WithManagementGRPCConn stays open.
// Calls in progress fail. Close is safe to call more than once.
func (c *Client) Close() error {
	if c == nil || c.close == nil {
		return nil // a zero Client holds nothing
	}
	var err error
	c.close.Do(func() {
		if c.conn != nil {
			err = c.conn.Close()
		}
		if merr := c.closeManagement(); err == nil {
			err = merr
		}
	})
	return err
}

// Conn returns the gRPC connection, for raw stubs of package xaiv1 (every
// field of the API stays reachable): xaiv1.NewChatClient(client.Conn()).
// Calls on a connection the
// client created carry the API key and metadata and get the default
// deadline, retries and logging; call options such as WithCallTimeout can be
// passed to the raw stubs too. A connection given with WithGRPCConn is
// returned as it is, without any of that.
func (c *Client) Conn() *grpc.ClientConn {
	switch {
	case c == nil || c.cfg == nil:
		return nil
	case c.conn != nil:
		return c.conn
	}
	return c.cfg.conn
}

// String describes the client without its keys.
func (c *Client) String() string {
	if c == nil || c.cfg == nil {
		return "xai.Client(nil)"
	}
	ep := c.cfg.endpoint
	if c.conn == nil {
		ep = "caller's connection"
	}
	return fmt.Sprintf("xai.Client{endpoint: %q, insecure: %t, api_key: %s}", ep, c.cfg.insecure, c.cfg.apiKey.describe())
}

// GoString is String: the keys are never printed.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb and flag.
func (c *Client) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// errMessage returns the message of an *Error, or the text of another error.
func errMessage(err error) string {
	var xerr *Error
	if errors.As(err, &xerr) {
		return xerr.Message
	}
	return err.Error()
}

// callConfig returns the client's defaults changed by the call options
// found among opts.
func (c *Client) callConfig(opts []grpc.CallOption) callConfig {
	cc := callConfig{retry: c.cfg.retry, streamIdle: c.cfg.streamIdle}
	for _, o := range opts {
		if co, ok := o.(CallOption); ok {
			co.applyCall(&cc)
		}
	}
	return cc
}

// requestPrivate reports whether no code of the caller's sees the requests
// the client sends: no WithInterceptors hooks, no extra dial options (which
// may add interceptors or stats handlers) and no caller's connection. Only
// then may a Chat send a request that shares its messages with the chat
// (see Chat.sendable); otherwise each call gets a deep copy, so that code
// changing the request it is handed cannot change the chat.
func (c *config) requestPrivate() bool {
	return len(c.unaryHooks) == 0 && len(c.streamHooks) == 0 && len(c.dialOptions) == 0 && c.conn == nil
}

// prepare adds the client's and the call's metadata and the deadline to
// ctx. cancel releases the deadline's timer. The authorization and SDK
// headers travel with the credentials (see bearer).
func (c *Client) prepare(ctx context.Context, cc *callConfig) (_ context.Context, cancel context.CancelFunc) {
	switch {
	case len(cc.metadata) == 0 && len(c.cfg.metadata) > 0:
		ctx = metadata.AppendToOutgoingContext(ctx, c.cfg.metadata...)
	case len(cc.metadata) > 0:
		kv := make([]string, 0, len(c.cfg.metadata)+len(cc.metadata))
		kv = append(kv, c.cfg.metadata...)
		kv = append(kv, cc.metadata...)
		ctx = metadata.AppendToOutgoingContext(ctx, kv...)
	}
	switch _, has := ctx.Deadline(); {
	case cc.timeout > 0:
		return context.WithTimeout(ctx, cc.timeout)
	case !has:
		return context.WithTimeout(ctx, c.cfg.timeout)
	}
	return ctx, func() {}
}

// callOpts returns the gRPC call options of one call: the caller's, the
// captures, and the credentials.
func (c *Client) callOpts(opts []grpc.CallOption, cc *callConfig) []grpc.CallOption {
	creds := c.credsOpt
	if creds == nil {
		creds = grpc.PerRPCCredentials(c.creds)
	}
	// Two spare slots, for the header and trailer captures the retryer adds.
	out := make([]grpc.CallOption, 0, len(opts)+len(cc.grpcOpts)+3)
	out = append(out, opts...)
	out = append(out, cc.grpcOpts...)
	return append(out, creds)
}

// unaryInterceptor applies the client's behaviour to a unary call:
// metadata, credentials, deadline, size limit, logging and retries.
func (c *Client) unaryInterceptor(ctx context.Context, method string, req, reply any, conn *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	cc := c.callConfig(opts)
	if cc.err != nil {
		return cc.err
	}
	if err := checkRequestSize(req, c.sendLimit); err != nil {
		return err
	}
	ctx, cancel := c.prepare(ctx, &cc)
	defer cancel()
	if c.logUnary == nil {
		// No wrapper closure to allocate without a logger.
		return c.explain(c.retry.invoke(ctx, cc.retry, method, req, reply, conn, invoker, c.callOpts(opts, &cc)))
	}
	retry := cc.retry
	retrying := func(ctx context.Context, method string, req, reply any, conn *grpc.ClientConn, opts ...grpc.CallOption) error {
		return c.retry.invoke(ctx, retry, method, req, reply, conn, invoker, opts)
	}
	return c.explain(c.logUnary(ctx, method, req, reply, conn, retrying, c.callOpts(opts, &cc)...))
}

// streamInterceptor is unaryInterceptor for streams; the returned stream
// retries until the server commits to it, ends after the idle timeout, and
// explains its errors.
func (c *Client) streamInterceptor(ctx context.Context, desc *grpc.StreamDesc, conn *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	cc := c.callConfig(opts)
	if cc.err != nil {
		return nil, cc.err
	}
	ctx, cancel := c.prepare(ctx, &cc)
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
	if c.logStrm == nil {
		s, err = c.retry.newStream(ctx, cc.retry, desc, conn, method, streamer, c.callOpts(opts, &cc), c.sendLimit, cancel)
	} else {
		retry := cc.retry
		retrying := func(ctx context.Context, desc *grpc.StreamDesc, conn *grpc.ClientConn, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			return c.retry.newStream(ctx, retry, desc, conn, method, streamer, opts, c.sendLimit, cancel)
		}
		s, err = c.logStrm(ctx, desc, conn, method, retrying, c.callOpts(opts, &cc)...)
	}
	if err != nil {
		cancel()
		return nil, c.explain(idle.explain(err))
	}
	return &callStream{ClientStream: s, c: c, idle: idle}, nil
}

// explain adds what to do next to transport errors whose gRPC message does
// not say it, and redacts the keys from server errors (see redact).
// Errors the client made itself (*Error) and non-status errors (io.EOF)
// are returned unchanged.
func (c *Client) explain(err error) error {
	if err == nil {
		return nil
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
	case st.Code() == codes.Unavailable && strings.Contains(msg, "tls:") && !c.creds.insecure:
		st = status.New(codes.Unavailable, msg+
			" (the TLS handshake failed: check the endpoint; if it is a local fake server without TLS, pass WithInsecure())")
		err = st.Err()
	}
	if red, changed := redact(st, c.cfg.apiKey, c.cfg.managementKey); changed {
		return red.Err()
	}
	return err
}

// callStream is a stream of the client: it applies the idle timeout and
// explain to the stream's errors.
type callStream struct {
	grpc.ClientStream
	c    *Client
	idle *idleTimer // nil without an idle timeout
}

func (s *callStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	if err == nil {
		s.idle.reset()
		return nil
	}
	return s.c.explain(s.idle.explain(err))
}

func (s *callStream) SendMsg(m any) error {
	return s.c.explain(s.idle.explain(s.ClientStream.SendMsg(m)))
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
