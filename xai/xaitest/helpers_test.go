package xaitest_test

import (
	"bytes"
	"context"
	"errors"
	stdimage "image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	ragv1 "github.com/gogrok/sdk/gen/xai/api/v1/rag"
	"github.com/gogrok/sdk/xai/xaitest"
)

// TestMain fails the run if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// start runs a fake server for the test and closes it at the end.
func start(t testing.TB, opts ...xaitest.Option) *xaitest.Server {
	t.Helper()
	srv, err := xaitest.NewServer(opts...)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// startClient starts a fake as start does and returns it with a client
// of one service over its connection, made by newClient (such as
// xaiv1.NewChatClient).
func startClient[C any](t testing.TB, newClient func(grpc.ClientConnInterface) C, opts ...xaitest.Option) (*xaitest.Server, C) {
	t.Helper()
	srv := start(t, opts...)
	return srv, newClient(srv.Conn())
}

// rawConn returns a connection to srv that sends no API key.
func rawConn(t testing.TB, srv *xaitest.Server) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(srv.Target(), srv.DialOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// ctx returns a context that ends with the test, bounded so nothing hangs
// (generously: the 50 MiB round trip runs under -race on busy machines).
func ctx(t testing.TB) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// wantCode fails unless err has the code and its message contains every
// fragment.
func wantCode(t testing.TB, err error, code codes.Code, fragments ...string) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Fatalf("got %v (%v), want code %v", st.Code(), err, code)
	}
	for _, f := range fragments {
		if !strings.Contains(st.Message(), f) {
			t.Fatalf("message %q does not contain %q", st.Message(), f)
		}
	}
}

func text(s string) *xaiv1.Content {
	return &xaiv1.Content{Content: &xaiv1.Content_Text{Text: s}}
}

func user(s string, extra ...*xaiv1.Content) *xaiv1.Message {
	return &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_USER, Content: append([]*xaiv1.Content{text(s)}, extra...)}
}

func system(s string) *xaiv1.Message {
	return &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_SYSTEM, Content: []*xaiv1.Content{text(s)}}
}

func image(url string, d xaiv1.ImageDetail) *xaiv1.Content {
	return &xaiv1.Content{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{
		Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: url}, Detail: d,
	}}}
}

// chatReq builds a request for model with the messages.
func chatReq(model string, msgs ...*xaiv1.Message) *xaiv1.GetCompletionsRequest {
	return &xaiv1.GetCompletionsRequest{Model: model, Messages: msgs}
}

func ptr[T any](v T) *T { return &v }

// errOf returns the error of a call and drops its result, for tables of
// calls that are expected to fail.
func errOf[T any](_ T, err error) error { return err }

// content returns the content of output i of a response.
func content(r *xaiv1.GetChatCompletionResponse, i int) string {
	return r.GetOutputs()[i].GetMessage().GetContent()
}

// collect reads a whole completion stream.
func collect(t testing.TB, stream xaiv1.Chat_GetCompletionChunkClient) ([]*xaiv1.GetChatCompletionChunk, error) {
	t.Helper()
	var chunks []*xaiv1.GetChatCompletionChunk
	for {
		ch, err := stream.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return chunks, nil
			}
			return chunks, err
		}
		chunks = append(chunks, ch)
	}
}

// streamed answers req as a stream and returns its chunks, failing the
// test on any error.
func streamed(t testing.TB, chat xaiv1.ChatClient, req *xaiv1.GetCompletionsRequest) []*xaiv1.GetChatCompletionChunk {
	t.Helper()
	chunks, err := streamedErr(t, chat, req)
	if err != nil {
		t.Fatal(err)
	}
	return chunks
}

// streamedErr answers req as a stream and returns the chunks received
// before the stream ended, and the error it ended with (nil at its end).
func streamedErr(t testing.TB, chat xaiv1.ChatClient, req *xaiv1.GetCompletionsRequest) ([]*xaiv1.GetChatCompletionChunk, error) {
	t.Helper()
	stream, err := chat.GetCompletionChunk(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	return collect(t, stream)
}

// encode returns a tiny real PNG or JPEG image.
func encode(t testing.TB, format string) []byte {
	t.Helper()
	img := stdimage.NewRGBA(stdimage.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tokens counts text with the server's Tokenize service.
func tokens(t *testing.T, srv *xaitest.Server, s string) int32 {
	t.Helper()
	resp, err := xaiv1.NewTokenizeClient(srv.Conn()).TokenizeText(ctx(t), &xaiv1.TokenizeTextRequest{Model: "grok-3", Text: s})
	if err != nil {
		t.Fatal(err)
	}
	return int32(len(resp.GetTokens()))
}

func checkUsageTotals(t *testing.T, u *xaiv1.SamplingUsage) {
	t.Helper()
	if u.GetPromptTokens() != u.GetPromptTextTokens()+u.GetPromptImageTokens() ||
		u.GetTotalTokens() != u.GetPromptTokens()+u.GetCompletionTokens()+u.GetReasoningTokens() ||
		u.GetCachedPromptTextTokens() > u.GetPromptTextTokens() {
		t.Fatalf("inconsistent usage %v", u)
	}
}

// Server-side tools, as requests name them.
var (
	webSearch  = &xaiv1.Tool{Tool: &xaiv1.Tool_WebSearch{WebSearch: &xaiv1.WebSearch{}}}
	xSearch    = &xaiv1.Tool{Tool: &xaiv1.Tool_XSearch{XSearch: &xaiv1.XSearch{}}}
	codeExec   = &xaiv1.Tool{Tool: &xaiv1.Tool_CodeExecution{CodeExecution: &xaiv1.CodeExecution{}}}
	imageGen   = &xaiv1.Tool{Tool: &xaiv1.Tool_ImageGeneration{ImageGeneration: &xaiv1.ImageGeneration{}}}
	attachment = &xaiv1.Tool{Tool: &xaiv1.Tool_AttachmentSearch{AttachmentSearch: &xaiv1.AttachmentSearch{}}}
	mcpTool    = &xaiv1.Tool{Tool: &xaiv1.Tool_Mcp{Mcp: &xaiv1.MCP{ServerLabel: "docs", ServerUrl: "https://mcp.example.com/sse",
		AllowedToolNames: []string{"lookup"}, Authorization: ptr("secret-token")}}}
)

// collectionsTool is the collections_search tool over the collections ids.
func collectionsTool(ids ...string) *xaiv1.Tool {
	return &xaiv1.Tool{Tool: &xaiv1.Tool_CollectionsSearch{CollectionsSearch: &xaiv1.CollectionsSearch{CollectionIds: ids}}}
}

// The roles of the agent loop's outputs.
const (
	assistant = xaiv1.MessageRole_ROLE_ASSISTANT
	toolRole  = xaiv1.MessageRole_ROLE_TOOL
)

// officialText reads a stream the way the official Python SDK does
// (src/xai_sdk/chat.py: Chunk.choices keeps only outputs whose delta.role
// is ROLE_ASSISTANT, for the index it tracks) and returns the text of
// each index.
func officialText(chunks []*xaiv1.GetChatCompletionChunk) map[int32]string {
	text := map[int32]string{}
	for _, ch := range chunks {
		for _, o := range ch.GetOutputs() {
			if o.GetDelta().GetRole() == assistant {
				text[o.GetIndex()] += o.GetDelta().GetContent()
			}
		}
	}
	return text
}

// accumulate rebuilds a response from a stream, one output per (index,
// role) in order of appearance: text fields concatenated, tool calls,
// inline citations and log probabilities appended, the last finish reason
// kept. It reads the raw stubs only, as any client of the fake would.
func accumulate(chunks []*xaiv1.GetChatCompletionChunk) *xaiv1.GetChatCompletionResponse {
	type key struct {
		index int32
		role  xaiv1.MessageRole
	}
	resp := &xaiv1.GetChatCompletionResponse{}
	byKey := map[key]*xaiv1.CompletionOutput{}
	for _, ch := range chunks {
		resp.Id, resp.Created, resp.Model, resp.SystemFingerprint = ch.GetId(), ch.GetCreated(), ch.GetModel(), ch.GetSystemFingerprint()
		resp.ServiceTier = ch.GetServiceTier()
		if ch.Usage != nil {
			resp.Usage = ch.GetUsage()
		}
		resp.Citations = append(resp.Citations, ch.GetCitations()...)
		for _, o := range ch.GetOutputs() {
			d := o.GetDelta()
			k := key{o.GetIndex(), d.GetRole()}
			out, ok := byKey[k]
			if !ok {
				out = &xaiv1.CompletionOutput{Index: k.index, Message: &xaiv1.CompletionMessage{Role: k.role}}
				byKey[k] = out
				resp.Outputs = append(resp.Outputs, out)
			}
			m := out.Message
			m.Content += d.GetContent()
			m.ReasoningContent += d.GetReasoningContent()
			m.EncryptedContent += d.GetEncryptedContent()
			m.ToolCalls = append(m.ToolCalls, d.GetToolCalls()...)
			m.Citations = append(m.Citations, d.GetCitations()...)
			if o.GetFinishReason() != xaiv1.FinishReason_REASON_INVALID {
				out.FinishReason = o.GetFinishReason()
			}
			if lp := o.GetLogprobs(); lp != nil {
				if out.Logprobs == nil {
					out.Logprobs = &xaiv1.LogProbs{}
				}
				out.Logprobs.Content = append(out.Logprobs.Content, lp.GetContent()...)
			}
		}
	}
	return resp
}

// roleOnEveryDelta fails unless every chunk output names its role.
func roleOnEveryDelta(t *testing.T, chunks []*xaiv1.GetChatCompletionChunk) {
	t.Helper()
	for i, ch := range chunks {
		for _, o := range ch.GetOutputs() {
			if r := o.GetDelta().GetRole(); r != assistant && r != toolRole {
				t.Fatalf("chunk %d, output %d has role %v: %v", i, o.GetIndex(), r, ch)
			}
		}
	}
}

// threeWays answers req unary, streamed and deferred.
func threeWays(t *testing.T, chat xaiv1.ChatClient, req *xaiv1.GetCompletionsRequest) (unary *xaiv1.GetChatCompletionResponse, chunks []*xaiv1.GetChatCompletionChunk, deferred *xaiv1.GetChatCompletionResponse) {
	t.Helper()
	unary, err := chat.GetCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	chunks = streamed(t, chat, req)
	start, err := chat.StartDeferredCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	// A job without a scripted outcome reports PENDING once, then DONE
	// (the documented default of EnqueueDeferredOutcome).
	poll := &xaiv1.GetDeferredRequest{RequestId: start.GetRequestId()}
	pending, err := chat.GetDeferredCompletion(ctx(t), poll)
	if err != nil || pending.GetStatus() != xaiv1.DeferredStatus_PENDING || pending.Response != nil {
		t.Fatalf("first poll: %v %v", pending, err)
	}
	done, err := chat.GetDeferredCompletion(ctx(t), poll)
	if err != nil || done.GetStatus() != xaiv1.DeferredStatus_DONE {
		t.Fatalf("second poll: %v %v", done, err)
	}
	return unary, chunks, done.GetResponse()
}

// replay turns the outputs of a response into messages as the official
// Python SDK's Chat.append does (chat.py: a ROLE_TOOL output gets the
// tool_call_id of the call it echoes), optionally without that ID.
func replay(resp *xaiv1.GetChatCompletionResponse, withID bool) []*xaiv1.Message {
	var msgs []*xaiv1.Message
	for _, o := range resp.GetOutputs() {
		m := o.GetMessage()
		msg := &xaiv1.Message{Role: m.GetRole(), Content: []*xaiv1.Content{text(m.GetContent())}, ToolCalls: m.GetToolCalls()}
		if m.GetRole() == toolRole && withID {
			msg.ToolCallId = ptr(m.GetToolCalls()[0].GetId())
		}
		msgs = append(msgs, msg)
	}
	return msgs
}

// complete answers req with a unary call, failing the test on error.
func complete(t testing.TB, chat xaiv1.ChatClient, req *xaiv1.GetCompletionsRequest) *xaiv1.GetChatCompletionResponse {
	t.Helper()
	resp, err := chat.GetCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// uploadText uploads a small text file and returns its ID.
func uploadText(t testing.TB, srv *xaitest.Server, name, content string) string {
	t.Helper()
	f, err := upload(t, xaiv1.NewFilesClient(srv.Conn()), name, []byte(content), 1<<20, nil)
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	return f.GetId()
}

// newCollection creates a collection, failing the test on error.
func newCollection(t testing.TB, cc collectionsv1.CollectionsClient, req *collectionsv1.CreateCollectionRequest) *collectionsv1.CollectionMetadata {
	t.Helper()
	c, err := cc.CreateCollection(ctx(t), req)
	if err != nil {
		t.Fatalf("CreateCollection: %v", err)
	}
	return c
}

// chars is a chunk configuration in characters.
func chars(size, overlap int32) *ragv1.ChunkConfiguration {
	return &ragv1.ChunkConfiguration{Config: &ragv1.ChunkConfiguration_CharsConfiguration{
		CharsConfiguration: &ragv1.CharsConfiguration{MaxChunkSizeChars: size, ChunkOverlapChars: overlap}}}
}

// pages lists every page with the given page request and returns the names
// in order and the number of pages.
func pages[T any](t *testing.T, list func(token *string) ([]T, *string, error), name func(T) string) ([]string, int) {
	t.Helper()
	var names []string
	var token *string
	n := 0
	for {
		items, next, err := list(token)
		if err != nil {
			t.Fatalf("page %d: %v", n+1, err)
		}
		n++
		for _, it := range items {
			names = append(names, name(it))
		}
		if next == nil {
			return names, n
		}
		token = next
		if n > 100 {
			t.Fatal("pagination does not end")
		}
	}
}
