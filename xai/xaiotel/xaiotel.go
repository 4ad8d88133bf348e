package xaiotel

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gogrok/sdk/xai"
)

// ScopeName is the instrumentation scope of the spans and metrics: the
// import path of this package.
const ScopeName = "github.com/gogrok/sdk/xai/xaiotel"

// Environment variables read by [WithTracing], with the names and meaning
// the official Python SDK gives them (src/xai_sdk/telemetry/config.py:
// get_tracer and should_disable_sensitive_attributes): each is on when set
// to "1" or "true", in any case.
const (
	// EnvDisableTracing turns the spans off: [WithTracing] records none,
	// whatever the options. Metrics are not tracing and stay on.
	EnvDisableTracing = "XAI_SDK_DISABLE_TRACING"
	// EnvDisableSensitiveAttributes keeps the spans to what identifies the
	// call: the attributes that may reveal the conversation (messages,
	// request parameters, the conversation ID, response IDs, usage) are not
	// recorded, even with WithContent(true). The package documentation
	// lists what remains. Metrics are not affected.
	EnvDisableSensitiveAttributes = "XAI_SDK_DISABLE_SENSITIVE_TELEMETRY_ATTRIBUTES"
)

// envOn reports whether the environment variable name is set to "1" or
// "true" (in any case), as the official SDK reads its switches.
func envOn(name string) bool {
	v := strings.ToLower(os.Getenv(name))
	return v == "1" || v == "true"
}

// Option configures [WithTracing].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	provider trace.TracerProvider
	meters   metric.MeterProvider
	content  bool
}

// WithTracerProvider sets the provider of the tracer; the default is the
// global one, otel.GetTracerProvider(), which follows later calls to
// otel.SetTracerProvider. A nil provider means the default.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.provider = tp })
}

// WithMeterProvider sets the provider of the meter that records the
// generative AI client metrics of the OpenTelemetry semantic conventions,
// gen_ai.client.token.usage and gen_ai.client.operation.duration (see the
// package documentation). The default is the global one,
// otel.GetMeterProvider(), which records nothing until otel.SetMeterProvider
// is called. A nil provider means the default; pass a no-op provider
// (go.opentelemetry.io/otel/metric/noop) to record no metrics.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.meters = mp })
}

// WithContent records the prompts and completions of generative calls as
// the span attributes gen_ai.input.messages and gen_ai.output.messages when
// capture is true. The default is false: no text of the conversation is
// recorded. See the package documentation for what is left out even then.
func WithContent(capture bool) Option {
	return optionFunc(func(c *config) { c.content = capture })
}

// WithTracing returns a client option that traces every call of the client
// with OpenTelemetry, one span per call, retries included, and measures its
// generative AI calls, as the package documentation says. Nil options are
// ignored. The environment variables [EnvDisableTracing] and
// [EnvDisableSensitiveAttributes] are read once, here.
func WithTracing(opts ...Option) xai.Option {
	t := newTracer(opts)
	return xai.WithInterceptors(t.unary, t.stream)
}

// tracer holds what the interceptors share.
type tracer struct {
	tracer  trace.Tracer
	meters  *meters
	content bool
	// hide: [EnvDisableSensitiveAttributes] is on.
	hide bool
}

func newTracer(opts []Option) *tracer {
	cfg := config{}
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	if cfg.provider == nil {
		cfg.provider = otel.GetTracerProvider()
	}
	if envOn(EnvDisableTracing) {
		cfg.provider = noop.NewTracerProvider()
	}
	if cfg.meters == nil {
		cfg.meters = otel.GetMeterProvider()
	}
	hide := envOn(EnvDisableSensitiveAttributes)
	return &tracer{
		tracer:  cfg.provider.Tracer(ScopeName, trace.WithInstrumentationVersion(xai.Version)),
		meters:  newMeters(cfg.meters),
		content: cfg.content && !hide,
		hide:    hide,
	}
}

// Attribute keys. They are written out here rather than taken from
// go.opentelemetry.io/otel/semconv, whose GenAI keys change between
// versions.
const (
	keyProviderName        = attribute.Key("gen_ai.provider.name")
	keySystem              = attribute.Key("gen_ai.system")
	keyOperationName       = attribute.Key("gen_ai.operation.name")
	keyRequestModel        = attribute.Key("gen_ai.request.model")
	keyTemperature         = attribute.Key("gen_ai.request.temperature")
	keyTopP                = attribute.Key("gen_ai.request.top_p")
	keyMaxTokens           = attribute.Key("gen_ai.request.max_tokens")
	keySeed                = attribute.Key("gen_ai.request.seed")
	keyStopSequences       = attribute.Key("gen_ai.request.stop_sequences")
	keyFrequencyPenalty    = attribute.Key("gen_ai.request.frequency_penalty")
	keyPresencePenalty     = attribute.Key("gen_ai.request.presence_penalty")
	keyChoiceCount         = attribute.Key("gen_ai.request.choice.count")
	keyEncodingFormats     = attribute.Key("gen_ai.request.encoding_formats")
	keyOutputType          = attribute.Key("gen_ai.output.type")
	keyResponseID          = attribute.Key("gen_ai.response.id")
	keyResponseModel       = attribute.Key("gen_ai.response.model")
	keyFinishReasons       = attribute.Key("gen_ai.response.finish_reasons")
	keyInputTokens         = attribute.Key("gen_ai.usage.input_tokens")
	keyOutputTokens        = attribute.Key("gen_ai.usage.output_tokens")
	keyReasoningTokens     = attribute.Key("gen_ai.usage.reasoning.output_tokens")
	keyCacheReadTokens     = attribute.Key("gen_ai.usage.cache_read.input_tokens")
	keyConversationID      = attribute.Key("gen_ai.conversation.id")
	keyInputMessages       = attribute.Key("gen_ai.input.messages")
	keyOutputMessages      = attribute.Key("gen_ai.output.messages")
	keyReasoningEffort     = attribute.Key("xai.request.reasoning_effort")
	keyPreviousResponseID  = attribute.Key("xai.request.previous_response_id")
	keySystemFingerprint   = attribute.Key("xai.response.system_fingerprint")
	keyImageInputTokens    = attribute.Key("xai.usage.image_input_tokens")
	keyCostTicks           = attribute.Key("xai.usage.cost_in_usd_ticks")
	keySourcesUsed         = attribute.Key("xai.usage.num_sources_used")
	keyDeferredRequestID   = attribute.Key("xai.deferred.request_id")
	keyStreamCancelled     = attribute.Key("xai.stream.cancelled")
	keyAttempt             = attribute.Key("xai.attempt")
	keyRPCSystem           = attribute.Key("rpc.system")
	keyRPCService          = attribute.Key("rpc.service")
	keyRPCMethod           = attribute.Key("rpc.method")
	keyRPCGRPCStatusCode   = attribute.Key("rpc.grpc.status_code")
	keyServerAddress       = attribute.Key("server.address")
	keyServerPort          = attribute.Key("server.port")
	keyErrorType           = attribute.Key("error.type")
	eventRetry             = "xai.retry"
	providerName           = "x_ai"
	systemName             = "xai"
	rpcSystemGRPC          = "grpc"
	operationChat          = "chat"
	operationTextComplete  = "text_completion"
	operationEmbeddings    = "embeddings"
	operationGenerateImage = "generate_content"
)

// operations maps the methods that are generative AI operations to their
// gen_ai.operation.name.
var operations = map[string]string{
	"/xai_api.Chat/GetCompletion":           operationChat,
	"/xai_api.Chat/GetCompletionChunk":      operationChat,
	"/xai_api.Chat/StartDeferredCompletion": operationChat,
	"/xai_api.Sample/SampleText":            operationTextComplete,
	"/xai_api.Sample/SampleTextStreaming":   operationTextComplete,
	"/xai_api.Embedder/Embed":               operationEmbeddings,
	"/xai_api.Image/GenerateImage":          operationGenerateImage,
}

// unary traces a unary call.
func (t *tracer) unary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	c := t.start(ctx, method, cc, false)
	if !c.recording && !c.measuring {
		err := invoker(c.ctx, method, req, reply, cc, opts...)
		c.span.End()
		return err
	}
	c.request(req)
	err := invoker(c.ctx, method, req, reply, cc, c.withAttempts(opts)...)
	if err == nil {
		c.response(reply)
	}
	c.end(err, endFinal)
	return err
}

// stream traces a streaming call until the stream ends.
func (t *tracer) stream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	c := t.start(ctx, method, cc, true)
	if !c.recording && !c.measuring {
		// A span that records nothing has nothing to end; its context still
		// carries the sampling decision to child spans.
		c.span.End()
		return streamer(c.ctx, desc, cc, method, opts...)
	}
	s, err := streamer(c.ctx, desc, cc, method, c.withAttempts(opts)...)
	if err != nil {
		c.end(err, endFinal)
		return nil, err
	}
	c.mu.Lock()
	c.confirmed = len(c.attempts) // the attempts before this one were retried
	c.mu.Unlock()
	ts := &tracedStream{ClientStream: s, c: c, desc: desc}
	// The caller may stop reading without telling the stream: end the span
	// when the context is done, unless a receive in progress will.
	stop := context.AfterFunc(c.ctx, ts.cancelled)
	c.mu.Lock()
	c.stop = stop
	c.mu.Unlock()
	return ts, nil
}

// call is one traced call.
type call struct {
	t         *tracer
	span      trace.Span
	ctx       context.Context // the caller's, with the span
	begin     time.Time
	recording bool // the span records
	measuring bool // a generative call: its metrics are recorded
	streaming bool
	op        string // gen_ai.operation.name, "" for plain RPCs
	content   bool   // record messages
	host      string // server.address
	port      int    // server.port, 0 if unknown

	mu        sync.Mutex
	ended     bool
	sent      bool        // the (first) request was seen
	model     string      // gen_ai.request.model
	attempts  []attempt   // attempts that finished, in order
	confirmed int         // attempts[:confirmed] are known to have been retried
	receiving bool        // a RecvMsg is in progress
	stop      func() bool // stops the context watch of a stream
	res       result
}

// attempt is one finished attempt of a call.
type attempt struct {
	at  time.Time
	err error
}

func (t *tracer) start(ctx context.Context, method string, cc *grpc.ClientConn, streaming bool) *call {
	begin := time.Now()
	service, name := splitMethod(method)
	op := operations[method]
	spanName := service + "/" + name
	if op != "" {
		spanName = op // the model is added once the request is seen
	}
	attrs := make([]attribute.KeyValue, 0, 10)
	attrs = append(attrs,
		keyRPCSystem.String(rpcSystemGRPC),
		keyRPCService.String(service),
		keyRPCMethod.String(name),
	)
	host, port := serverAddress(cc)
	if host != "" {
		attrs = append(attrs, keyServerAddress.String(host))
		if port > 0 {
			attrs = append(attrs, keyServerPort.Int(port))
		}
	}
	if op != "" {
		attrs = append(attrs,
			keyOperationName.String(op),
			keyProviderName.String(providerName),
			keySystem.String(systemName),
		)
	}
	if id := xai.ConversationID(ctx); id != "" && !t.hide {
		attrs = append(attrs, keyConversationID.String(id))
	}
	ctx, span := t.tracer.Start(ctx, spanName, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	recording := span.IsRecording()
	return &call{
		t:         t,
		span:      span,
		ctx:       ctx,
		begin:     begin,
		recording: recording,
		// A deferred completion's start is not the operation: its duration
		// would be the queueing, and its usage comes with the result.
		measuring: op != "" && method != deferredStart && t.meters.enabled(ctx),
		streaming: streaming,
		op:        op,
		content:   t.content && op != "" && recording,
		host:      host,
		port:      port,
	}
}

// deferredStart is the method that queues a deferred chat completion.
const deferredStart = "/xai_api.Chat/StartDeferredCompletion"

// withAttempts adds to opts a callback that records each attempt's end.
func (c *call) withAttempts(opts []grpc.CallOption) []grpc.CallOption {
	out := make([]grpc.CallOption, len(opts), len(opts)+1)
	copy(out, opts)
	return append(out, grpc.OnFinish(c.attemptDone))
}

// attemptDone is called by gRPC when an attempt finishes. Once a stream has
// delivered a message it is no longer retried, so its attempt's end is the
// end of the call: this ends the span of a stream that the caller abandoned
// without closing it, when the client's deadline cuts it.
func (c *call) attemptDone(err error) {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.attempts = append(c.attempts, attempt{at: time.Now(), err: err})
	final := c.streaming && c.res.messages > 0
	c.mu.Unlock()
	if final {
		c.end(err, endFinal)
	}
}

// How a call ended, which decides which failed attempts were retries.
const (
	// endFinal: the last recorded attempt is the last attempt.
	endFinal = iota
	// endConfirmed: only the attempts confirmed as retried are known; the
	// last attempt may not have reported yet.
	endConfirmed
)

// end ends the span once, recording the outcome. err is nil or io.EOF for
// success.
func (c *call) end(err error, how int) {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended = true
	stop := c.stop
	attempts := c.attempts
	model := c.model
	retried := c.confirmed
	if how == endFinal {
		retried = max(retried, len(attempts)-1)
	}
	c.mu.Unlock()
	// From here on nothing else writes to c.res or c.attempts.
	if stop != nil {
		stop()
	}
	span := c.span
	if c.op != "" {
		c.res.assemble(c.content)
	}
	for i, a := range attempts[:max(retried, 0)] {
		if a.err == nil || !c.recording {
			continue
		}
		code := statusOf(a.err).Code()
		span.AddEvent(eventRetry, trace.WithTimestamp(a.at), trace.WithAttributes(
			keyAttempt.Int(i+1),
			keyErrorType.String(codeName(code)),
			keyRPCGRPCStatusCode.Int(int(code)),
		))
	}
	if c.recording && c.op != "" && !c.t.hide {
		c.res.record(span, c)
	}
	var errType string // for the metrics
	switch {
	case err == nil || errors.Is(err, io.EOF):
		span.SetAttributes(keyRPCGRPCStatusCode.Int(int(codes.OK)))
	case c.streaming && c.callerCancelled(err):
		// Not a failure of the call, but not a whole operation either:
		// the duration is kept apart from those of finished streams.
		span.SetAttributes(keyStreamCancelled.Bool(true))
		errType = codeName(codes.Canceled)
	default:
		st := statusOf(err)
		errType = codeName(st.Code())
		span.SetAttributes(
			keyRPCGRPCStatusCode.Int(int(st.Code())),
			keyErrorType.String(errType),
		)
		span.SetStatus(otelcodes.Error, st.Message())
	}
	span.End()
	if c.measuring {
		c.measure(model, errType)
	}
}

// callerCancelled reports whether err is the end of a stream that the caller
// cancelled: a break out of Stream.All, Stream.Close or a cancelled context.
func (c *call) callerCancelled(err error) bool {
	return errors.Is(c.ctx.Err(), context.Canceled) &&
		(errors.Is(err, context.Canceled) || statusOf(err).Code() == codes.Canceled)
}

// request records the request of a call. For streams it is called with
// each message sent; only the first counts.
func (c *call) request(m any) {
	c.mu.Lock()
	if c.sent || c.ended {
		c.mu.Unlock()
		return
	}
	c.sent = true
	c.mu.Unlock()
	if c.op == "" {
		return
	}
	model, attrs, input := requestAttributes(m, c.content)
	c.mu.Lock()
	c.model = model
	c.mu.Unlock()
	if !c.recording {
		return
	}
	if model != "" {
		c.span.SetName(c.op + " " + model)
	}
	if c.t.hide {
		attrs = slices.DeleteFunc(attrs, func(kv attribute.KeyValue) bool {
			return kv.Key != keyRequestModel && kv.Key != keyOutputType
		})
	}
	c.span.SetAttributes(attrs...)
	if input != "" {
		c.span.SetAttributes(keyInputMessages.String(input))
	}
}

// response records the reply of a unary call.
func (c *call) response(m any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ended && c.op != "" {
		c.res.add(m, c.content)
	}
}

// statusOf returns the gRPC status of err.
func statusOf(err error) *status.Status {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		if _, ok := err.(interface{ GRPCStatus() *status.Status }); !ok {
			return status.FromContextError(err)
		}
	}
	st, _ := status.FromError(err)
	return st
}

// codeNames are the canonical names of the gRPC codes, as the conventions
// use them for error.type.
var codeNames = [...]string{
	codes.OK:                 "OK",
	codes.Canceled:           "CANCELLED",
	codes.Unknown:            "UNKNOWN",
	codes.InvalidArgument:    "INVALID_ARGUMENT",
	codes.DeadlineExceeded:   "DEADLINE_EXCEEDED",
	codes.NotFound:           "NOT_FOUND",
	codes.AlreadyExists:      "ALREADY_EXISTS",
	codes.PermissionDenied:   "PERMISSION_DENIED",
	codes.ResourceExhausted:  "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION",
	codes.Aborted:            "ABORTED",
	codes.OutOfRange:         "OUT_OF_RANGE",
	codes.Unimplemented:      "UNIMPLEMENTED",
	codes.Internal:           "INTERNAL",
	codes.Unavailable:        "UNAVAILABLE",
	codes.DataLoss:           "DATA_LOSS",
	codes.Unauthenticated:    "UNAUTHENTICATED",
}

func codeName(c codes.Code) string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "CODE_" + strconv.Itoa(int(c))
}

// splitMethod splits "/xai_api.Chat/GetCompletion" into "xai_api.Chat" and
// "GetCompletion".
func splitMethod(full string) (service, method string) {
	s := strings.TrimPrefix(full, "/")
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[:i], s[i+1:]
	}
	return "", s
}

// serverAddress returns the host and port of the connection's target, such
// as "api.x.ai" and 443; port is 0 when the target has none.
func serverAddress(cc *grpc.ClientConn) (host string, port int) {
	if cc == nil {
		return "", 0
	}
	t := cc.Target()
	if scheme, rest, ok := strings.Cut(t, "://"); ok { // scheme://authority/endpoint
		if strings.HasPrefix(scheme, "unix") {
			return t, 0 // a socket path has no host or port
		}
		_, t, _ = strings.Cut(rest, "/")
	}
	h, p, err := net.SplitHostPort(t)
	if err != nil {
		return t, 0
	}
	port, _ = strconv.Atoi(p)
	return h, port
}
