// Package xaiotel traces and measures the calls of an xai.Client with
// OpenTelemetry, following the OpenTelemetry semantic conventions for
// generative AI client spans and metrics.
//
// Turn tracing and metrics on with one option:
//
//	client, err := xai.NewClient(xaiotel.WithTracing())
//
// Spans go to the global tracer provider (otel.GetTracerProvider) unless
// [WithTracerProvider] names another, and metrics to the global meter
// provider (otel.GetMeterProvider) unless [WithMeterProvider] names another.
// Prompts and completions are recorded only with [WithContent](true). Two
// environment variables, read as the official Python SDK reads them, turn
// spans or their sensitive attributes off (see Environment below).
//
// # Why a separate package
//
// Package xai does not import OpenTelemetry: it offers a generic hook,
// xai.WithInterceptors, and this package plugs tracing into it. A program
// that never imports xaiotel therefore does not link OpenTelemetry at all,
// and a client made without WithTracing runs no tracing code: its calls go
// straight to the client's own interceptors. Go links only the packages a
// program imports, whatever go.mod lists, so keeping the otel imports here
// is what keeps them out of the builds of users who do not trace.
//
// # Spans
//
// Each logical call gets one span of kind CLIENT, covering the whole call:
// the client's retries and the waits between them included. A span is
// named after the operation and the model, "{gen_ai.operation.name}
// {gen_ai.request.model}":
//
//	Chat.GetCompletion, GetCompletionChunk,
//	StartDeferredCompletion            "chat grok-4"
//	Sample.SampleText, SampleTextStreaming  "text_completion grok-3"
//	Embedder.Embed                     "embeddings v1"
//	Image.GenerateImage                "generate_content grok-2-image"
//
// Every other method (models, auth, tokenize, stored and deferred results,
// files...) gets an RPC span named "{rpc.service}/{rpc.method}", for example
// "xai_api.Chat/GetStoredCompletion", with the rpc.*, server.* and error
// attributes only.
//
// A streamed call's span lasts until the stream ends: at its last chunk,
// at an error, or when the caller stops reading (breaking out of
// Stream.All, Stream.Close, or cancelling the context). It ends exactly
// once. Usage, finish reasons, response ID and model are taken from the
// chunks. A stream the caller stops early is not an error: its span gets
// xai.stream.cancelled=true and keeps what had arrived.
//
// # Attributes
//
// On the generative AI spans:
//
//	gen_ai.provider.name               "x_ai" (the convention's value for xAI)
//	gen_ai.system                      "xai" (the older attribute, for older backends)
//	gen_ai.operation.name              chat, text_completion, embeddings, generate_content
//	gen_ai.request.model               the model asked for
//	gen_ai.request.temperature, gen_ai.request.top_p, gen_ai.request.max_tokens,
//	gen_ai.request.seed, gen_ai.request.stop_sequences,
//	gen_ai.request.frequency_penalty, gen_ai.request.presence_penalty,
//	gen_ai.request.choice.count (n)    when set in the request
//	gen_ai.request.encoding_formats    embeddings: "float" or "base64"
//	gen_ai.output.type                 "json" with a JSON response format, "image" for images
//	gen_ai.response.id, gen_ai.response.model
//	gen_ai.response.finish_reasons     per output: stop, length, tool_calls, max_context, time_limit
//	gen_ai.usage.input_tokens          prompt tokens
//	gen_ai.usage.output_tokens         completion tokens plus reasoning tokens
//	gen_ai.usage.reasoning.output_tokens
//	gen_ai.usage.cache_read.input_tokens  cached prompt tokens (part of the input tokens)
//
// and attributes of this package where the conventions have none:
//
//	xai.request.reasoning_effort       low, medium, high...
//	xai.request.previous_response_id   the stored response a chat continues
//	xai.response.system_fingerprint
//	xai.usage.image_input_tokens       prompt tokens that came from images
//	xai.usage.cost_in_usd_ticks        cost, 10^10 ticks per USD, when reported
//	xai.usage.num_sources_used         search sources consulted, when any
//	xai.deferred.request_id            StartDeferredCompletion: the ID to poll
//	xai.stream.cancelled               true when the caller stopped a stream early
//
// The calls of a chat made with xai.WithConversationID (Sample, Stream,
// StartDeferred, Defer with its polls, and Compact) carry
// gen_ai.conversation.id on their spans, whatever their method, as the
// official Python SDK records its chats' conversation_id. The ID comes from
// the call's context (xai.ConversationID); it is not sent to the service.
//
// On every span: rpc.system "grpc", rpc.service ("xai_api.Chat"),
// rpc.method ("GetCompletion"), rpc.grpc.status_code, server.address and
// server.port (from the connection's target). A failed call has span status
// Error with the gRPC status message, and error.type set to the gRPC code
// name ("UNAVAILABLE", "DEADLINE_EXCEEDED"...).
//
// Each failed attempt that the client retried is a span event "xai.retry",
// stamped when the attempt failed, with xai.attempt (its number, from 1),
// error.type and rpc.grpc.status_code.
//
// # Content
//
// With WithContent(true), the span also gets gen_ai.input.messages and
// gen_ai.output.messages: JSON in the conventions' message format
// ([{"role":"user","parts":[{"type":"text","content":"..."}]}]), with text,
// reasoning, tool call and tool result parts. Images and files appear as
// their URL or file ID; inline image and file data, and encrypted reasoning,
// are never recorded. Prompts and completions may hold personal or
// confidential data: turn this on only where the tracing backend may keep
// them.
//
// # Metrics
//
// The generative AI calls (chat, text_completion, embeddings and
// generate_content, as above) record the two client metrics of the
// conventions, with their units and recommended explicit bucket
// boundaries:
//
//	gen_ai.client.operation.duration   histogram, s: the whole call, retries and
//	                                   streaming included, until the span's end
//	gen_ai.client.token.usage          histogram, {token}: one value with
//	                                   gen_ai.token.type "input" (prompt tokens) and
//	                                   one with "output" (completion plus reasoning
//	                                   tokens), when the response reports usage
//
// Both carry gen_ai.operation.name, gen_ai.provider.name ("x_ai"),
// gen_ai.request.model, gen_ai.response.model, server.address and
// server.port; the duration of a failed call also carries error.type, the
// gRPC code name as on the span. A stream the caller stopped early is
// recorded with error.type "CANCELLED", so that its cut duration does not
// mix with those of whole operations. Embeddings report no token counts,
// so they record a duration only. Queueing a deferred completion
// (StartDeferredCompletion) is not measured: its result comes later
// through a plain RPC. The conversation ID is never a metric attribute,
// which would make one series per conversation.
//
// Metrics are recorded whether or not the span is sampled. A no-op meter
// provider (go.opentelemetry.io/otel/metric/noop) turns them off.
//
// # Environment
//
// [WithTracing] reads two variables of the official Python SDK
// (src/xai_sdk/telemetry/config.py), once, when it is called; each is on
// when set to "1" or "true" in any case, as there:
//
//	XAI_SDK_DISABLE_TRACING            no spans at all, whatever the options
//	                                   (metrics are not tracing and stay on)
//	XAI_SDK_DISABLE_SENSITIVE_TELEMETRY_ATTRIBUTES
//	                                   spans keep only what identifies the call
//
// With the second, as in the official SDK, a span keeps its name,
// gen_ai.operation.name, gen_ai.provider.name, gen_ai.system,
// gen_ai.request.model and gen_ai.output.type, the rpc.*, server.* and
// error attributes and the retry events; the messages (even with
// WithContent(true)), the conversation ID, the request parameters and
// every response attribute (ID, model, finish reasons, usage) are left
// out. Metrics are not affected: their attributes name the operation, not
// the conversation.
//
// Whatever the options, the API key and the authorization metadata are
// never recorded: the hook runs outside the client's credentials and never
// sees them. Tool definitions (which may hold MCP server credentials) and
// the end-user ID are not recorded either.
//
// Trace context is not sent to the xAI servers. Instrumentation placed on
// the connection (an otelgrpc stats handler given with xai.WithDialOptions,
// for example) runs around each attempt, and its spans become children of
// the call's span.
package xaiotel
