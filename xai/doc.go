// Package xai is a Go client for the xAI API (Grok models) over gRPC.
//
// # Quick start
//
// Create a client (it reads the API key from XAI_API_KEY), build a chat,
// and sample a reply:
//
//	client, err := xai.NewClient()
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer client.Close()
//
//	chat := client.Chat.Create("grok-4")
//	chat.Append(
//		xai.System("You are a concise assistant."),
//		xai.User("What is the capital of France?"),
//	)
//	resp, err := chat.Sample(ctx)
//	if err != nil {
//		log.Fatal(err)
//	}
//	fmt.Println(resp.Content())
//
//	// Continue the conversation: append the reply and a new question.
//	chat.Append(resp, xai.User("And of Italy?"))
//
// Stream the reply as it is generated:
//
//	stream, err := chat.Stream(ctx)
//	if err != nil {
//		log.Fatal(err)
//	}
//	for chunk, err := range stream.All() {
//		if err != nil {
//			log.Fatal(err)
//		}
//		fmt.Print(chunk.Content())
//	}
//	final := stream.Response() // the whole reply, built from the chunks
//
// # Connection and calls
//
// NewClient does no network I/O. By default it connects to api.x.ai:443
// over TLS, sends the key as "authorization: Bearer <key>" (never without
// TLS unless [WithInsecure] is given together with the address of a local
// fake), limits messages to 20 MiB (a larger request fails before anything
// is sent), pings idle connections every 30 s, gives calls without a
// deadline 27 minutes, and retries UNAVAILABLE up to 5 attempts with
// exponential backoff. Options change each of these; call options
// ([WithCallTimeout], [WithCallMetadata], [WithCallRetry], [CaptureHeader]...)
// change one call.
//
// A call is retried only until the server commits to it, when its response
// headers or first message arrive (gRPC's rule): after that the server may
// have done the work, and a retry would do it twice. A stream that fails
// after its first chunk returns an [*Error] whose Partial holds what had
// arrived.
//
// A stream holds its call (an HTTP/2 stream, the server's work and a few
// goroutines) until it is read to the end, closed or cancelled, or its
// deadline passes, by default 27 minutes later. So break out of All, or
// Close the stream (defer stream.Close()), when you stop reading early;
// cancelling the context does it too. WithStreamIdleTimeout (or
// [WithCallStreamIdleTimeout]) also ends a stream when no message arrives for
// a given time, which catches stalled servers and bounds what a forgotten
// stream costs.
//
// # Errors
//
// Every error returned by this package is an [*Error] carrying a gRPC code,
// so both errors.As and status.Code work. Neither key ever shows in an
// error: if the server's text quotes one, it reads "[REDACTED]". Problems
// found before sending (a missing model, an out-of-range temperature, a
// misplaced system message, a request over the size limit) have code
// InvalidArgument, and nothing is sent: [Error.Local] tells such errors
// from those the call returned. Values are never silently adjusted.
// [IsNotFound], [IsRateLimited], [IsUnavailable], [IsDeadlineExceeded],
// [IsPermissionDenied] and the other Is functions test the codes callers
// branch on.
//
// # Conversations
//
// Keep a conversation on the server with [WithStoreMessages] and continue it
// with [WithPreviousResponseID], or keep it locally: appending a response
// carries its encrypted reasoning along ([WithEncryptedContent]), and
// [Chat.MarshalJSON] with [ChatService.Restore] saves and restores the whole
// conversation in a stable, versioned JSON format. Each turn you will
// continue by ID must itself be stored.
//
// The history is yours to read and change: [Chat.Messages] reads it,
// [Chat.DropLast] rolls back a failed exchange, [Chat.Clone] branches it,
// and [Chat.Compact] has the service fold it into one encrypted message
// (a [CompactedContext], which can also be appended as a turn). Files go
// into messages by ID ([FileID]), inline ([FileBytes]) or by URL
// ([FileURL]).
//
// # Server-side tools
//
// Tools that xAI runs during the request ([WebSearch], [XSearch],
// [CodeExecution], [CollectionsSearch], [AttachmentSearch], MCP, [ImageGeneration])
// turn one request into an agent loop on the server. The reply then holds
// one output per step, each with its own index: assistant outputs (text,
// tool calls) and ROLE_TOOL outputs (a tool's result, echoing its call).
// The service may also answer this way when it adds tools by itself.
//
//	chat := client.Chat.Create("grok-4", xai.WithTools(xai.WebSearch(), xai.ImageGeneration()))
//	chat.Append(xai.User("Find the tallest tower in Paris and draw it."))
//	resp, err := chat.Sample(ctx)
//	...
//	fmt.Println(resp.Content())              // the final answer only
//	for _, call := range resp.ToolCalls() { ... }   // what the model called
//	for _, out := range resp.ToolOutputs() { ... }  // what the tools returned
//	images, err := resp.ImageOutputs()       // decoded generated images
//	chat.Append(resp)                        // replays every step, tool turns with their tool_call_id
//
// [Response] reads such replies as the official Python SDK does: the answer
// is the last assistant output, and a tool's text never appears in
// Content. Streams carry a role on every delta ([Chunk]); [Stream.Response]
// assembles them into the same response as [Chat.Sample].
//
// # Other services
//
// Besides Chat, the client has a field for every service of the API:
// Models, Auth (the key's info), Tokenize, Embed, Image (generation), Files
// (streamed upload and download, [FilesService.UploadMany] with bounded
// parallelism, paged listing), Documents (search), Collections (on the
// management endpoint, with the management key from [WithManagementKey] or
// XAI_MANAGEMENT_KEY; [CollectionsService.UploadDocument] uploads and waits
// for indexing), Video (deferred generation, polled like [Chat.Defer]), Batch
// (chat, image and video requests: [BatchChat], [BatchImage], [BatchVideo],
// [BatchVideoExtension]) and Sample (legacy text completion). List calls
// return iterators that follow pagination. Package xaiotel adds
// OpenTelemetry tracing and GenAI metrics with one option; a chat made with
// [WithConversationID] marks the spans of its calls with its conversation.
//
// # Raw access
//
// [Response.Proto], [Chat.Request] and [Client.Conn] give access to the generated
// protobuf types and stubs of package xaiv1, so no field of the API is out
// of reach.
//
// # Results: wrappers and raw messages
//
// A call returns a wrapper type of this package when the SDK has work to
// do on the result: decoding ([Embeddings] decodes base64 vectors,
// [GeneratedImage] its image data), assembling ([Stream] and
// [SampleStream] build a [Response] or [Completion] from chunks), reading
// agentic replies ([Response], [Output], [ToolCall]), converting times and
// enums ([File], [Collection], [Document], [Video]), or feeding the result
// back into a request ([Response] and [CompactedContext] are [Turn]s).
// A wrapper of one message has a Proto method that returns it.
//
// A call returns the raw protobuf message of package xaiv1 when the
// message is a plain description with nothing to decode, read with its
// getters: models ([ModelsService]), the key's info
// ([AuthService.APIKeyInfo]), batches ([BatchService], except
// [BatchResult], which holds a [Response]) and usage counts
// ([Response.Usage]). Such messages are the caller's: the SDK keeps no
// reference to them.
//
// # Enums
//
// A value that the API names with a word is a string type with constants
// whose values are those words: [ReasoningEffort] ("low", "high"...),
// [ServiceTier], [ImageFormat], [ImageAspectRatio], [ImageResolution],
// [ImageQuality], [EmbedEncoding], [VideoAspectRatio], [VideoResolution],
// [ImageAction] and [Include]. A value that is a choice among a few
// modes is an int type whose zero value is the default ([Detail]:
// [DetailAuto]; [ToolMode]: [ToolChoiceAuto]) or means "not set, the server
// decides" ([SortBy], [Order], [DownloadFormat], [ChunkUnit], [Metric]);
// [DocumentStatus] keeps the numbers of the API's enum. An option given a
// value outside its constants fails with InvalidArgument naming the
// accepted ones, before anything is sent. The parsers in enums.go
// ([ParseDetail], [ParseReasoningEffort], [ParseServiceTier],
// [ParseImageFormat]) turn names from configuration files, flags or HTTP
// input into values.
//
// # Testing
//
// Package xaitest runs a fake xAI server on loopback or in memory; connect
// to it with WithEndpoint(srv.Target()), WithDialOptions(srv.DialOptions()...),
// WithAPIKey(srv.APIKey()), WithInsecure() and WithoutEnv(), so that no
// real key from the environment is picked up.
package xai
