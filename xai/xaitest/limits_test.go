package xaitest_test

import (
	"bytes"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	"github.com/gogrok/sdk/xai/xaitest"
)

// preEncoded is a request marshalled in advance; rawCodec sends it as is,
// so that a test measures what the server allocates, not the client.
type preEncoded []byte

type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	if b, ok := v.(preEncoded); ok {
		return b, nil
	}
	return proto.Marshal(v.(proto.Message))
}

func (rawCodec) Unmarshal(b []byte, v any) error { return proto.Unmarshal(b, v.(proto.Message)) }
func (rawCodec) Name() string                    { return "proto" }

// allocated returns how many bytes the process allocates while fn runs.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func mustMarshal(t testing.TB, m proto.Message) preEncoded {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Issue 11, finding 2: Embed with 400,000 one-character inputs (a 1.9 MiB
// request) took the fake to 1 GiB. The number of inputs is now limited
// (Limits.EmbedInputs, 2048 by default): the request is refused with
// INVALID_ARGUMENT naming the limit, before any vector is made.
func TestEmbedInputLimit(t *testing.T) {
	srv := start(t, xaitest.WithRequestLog(0)) // as cmd/xaifake runs: no copies kept
	req := &xaiv1.EmbedRequest{Model: "v1"}
	for range 400_000 {
		req.Input = append(req.Input, &xaiv1.EmbedInput{Input: &xaiv1.EmbedInput_String_{String_: "a"}})
	}
	raw := mustMarshal(t, req)
	req = nil
	var err error
	n := allocated(func() {
		err = srv.Conn().Invoke(ctx(t), xaiv1.Embedder_Embed_FullMethodName, raw, &xaiv1.EmbedResponse{}, grpc.ForceCodec(rawCodec{}))
	})
	wantCode(t, err, codes.InvalidArgument, "400000 entries", "limit of 2048", "Limits.EmbedInputs", "-max-embed-inputs")
	t.Logf("the refused Embed request allocated %.1f MiB", float64(n)/(1<<20))
	// Decoding 400,000 inputs costs tens of MiB; making their vectors
	// cost 1 GiB.
	if n > 96<<20 {
		t.Errorf("the refused request allocated %d MiB", n>>20)
	}

	small := start(t, xaitest.WithLimits(xaitest.Limits{EmbedInputs: 2}))
	three := &xaiv1.EmbedRequest{Model: "v1"}
	for _, s := range []string{"a", "b", "c"} {
		three.Input = append(three.Input, &xaiv1.EmbedInput{Input: &xaiv1.EmbedInput_String_{String_: s}})
	}
	embed := xaiv1.NewEmbedderClient(small.Conn())
	_, err = embed.Embed(ctx(t), three)
	wantCode(t, err, codes.InvalidArgument, "limit of 2")
	three.Input = three.Input[:2]
	if _, err := embed.Embed(ctx(t), three); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
}

// Issue 11, finding 2: TokenizeText of 8 MiB added 560 MiB and then
// failed to send its reply. The tokens of one reply are now limited
// (Limits.TokenizeTokens, 131,072 by default), counted before the reply is
// built.
func TestTokenizeLimit(t *testing.T) {
	srv := start(t, xaitest.WithRequestLog(0))
	raw := mustMarshal(t, &xaiv1.TokenizeTextRequest{Model: "grok-3", Text: strings.Repeat(".", 8<<20)})
	var err error
	n := allocated(func() {
		err = srv.Conn().Invoke(ctx(t), xaiv1.Tokenize_TokenizeText_FullMethodName, raw, &xaiv1.TokenizeTextResponse{}, grpc.ForceCodec(rawCodec{}))
	})
	wantCode(t, err, codes.InvalidArgument, "8388608 tokens", "limit of 131072", "Limits.TokenizeTokens", "-max-tokenize-tokens")
	t.Logf("the refused TokenizeText request allocated %.1f MiB", float64(n)/(1<<20))
	if n > 64<<20 {
		t.Errorf("the refused request allocated %d MiB", n>>20)
	}

	small := start(t, xaitest.WithLimits(xaitest.Limits{TokenizeTokens: 3}))
	tok := xaiv1.NewTokenizeClient(small.Conn())
	if _, err := tok.TokenizeText(ctx(t), &xaiv1.TokenizeTextRequest{Model: "grok-3", Text: "a b c"}); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	_, err = tok.TokenizeText(ctx(t), &xaiv1.TokenizeTextRequest{Model: "grok-3", Text: "a b c d"})
	wantCode(t, err, codes.InvalidArgument, "4 tokens", "limit of 3")

	// 11 MiB of spaces are one token, whose reply (the text twice) would
	// not fit in a 20 MiB message: refused with a clear error, not failed
	// by gRPC on the way out.
	_, err = xaiv1.NewTokenizeClient(srv.Conn()).TokenizeText(ctx(t), &xaiv1.TokenizeTextRequest{Model: "grok-3", Text: strings.Repeat(" ", 11<<20)})
	wantCode(t, err, codes.InvalidArgument, "over the message limit of 20971520 bytes")
}

// Issue 11, finding 2: 24 concurrent requests of 19 MiB without a key, on
// a fake with latency, took it to 1.4 GiB: bodies were read and the
// latency waited out before the key was checked. Keyless calls are now
// refused as their headers arrive (a gRPC tap handle): at once, whatever
// the latency, without reading or recording the body.
func TestKeylessCallsAreRefusedBeforeTheBody(t *testing.T) {
	srv := start(t, xaitest.WithLatency(time.Hour))
	conn := rawConn(t, srv)
	big := mustMarshal(t, chatReq("grok-3", user(strings.Repeat("x", 19<<20))))
	errs := make([]error, 24)
	n := allocated(func() {
		var wg sync.WaitGroup
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Without the tap, each call would wait out the hour (and
				// end with the test's deadline instead).
				errs[i] = conn.Invoke(ctx(t), xaiv1.Chat_GetCompletion_FullMethodName, big, &xaiv1.GetChatCompletionResponse{}, grpc.ForceCodec(rawCodec{}))
			}()
		}
		wg.Wait()
	})
	for _, err := range errs {
		wantCode(t, err, codes.Unauthenticated, "missing API key")
	}
	t.Logf("24 keyless calls of 19 MiB allocated %.1f MiB", float64(n)/(1<<20))
	// 24 bodies read would be 456 MiB.
	if n > 64<<20 {
		t.Errorf("24 keyless calls allocated %d MiB", n>>20)
	}
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Errorf("keyless calls were recorded: %d", len(reqs))
	}
	// A wrong key is refused the same way, and discovery needs none.
	_, err := xaiv1.NewModelsClient(conn).ListLanguageModels(as(t, "wrong-key-0123456789"), &emptypb.Empty{})
	wantCode(t, err, codes.Unauthenticated, "incorrect API key")
}

// Issue 11, finding 2: file storage had no total cap (3 uploads of 128 MiB
// took 711 MiB). Each team's files are now limited in total
// (Limits.FileBytesPerTeam, 64 MiB by default); an upload is counted as
// it arrives and stops as soon as it would exceed the quota.
func TestFileBytesQuota(t *testing.T) {
	srv, files := startClient(t, xaiv1.NewFilesClient, xaitest.WithAPIKeys(keyA, keyB), xaitest.WithLimits(xaitest.Limits{FileBytesPerTeam: 1 << 20}))
	first, err := upload(t, files, "a.bin", bytes.Repeat([]byte{1}, 600<<10), 64<<10, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = upload(t, files, "b.bin", bytes.Repeat([]byte{2}, 600<<10), 64<<10, nil)
	wantCode(t, err, codes.ResourceExhausted, "limit of 1048576 bytes per team", "Limits.FileBytesPerTeam", "-max-file-bytes")
	// The failed upload gave its bytes back: the rest of the quota fits.
	if _, err := upload(t, files, "c.bin", bytes.Repeat([]byte{3}, 424<<10), 64<<10, nil); err != nil {
		t.Fatalf("within the quota: %v", err)
	}
	// Generated files count too.
	img := &xaiv1.GenerateImageRequest{Prompt: "a cat", Model: "grok-2-image-1212", StorageOptions: &xaiv1.StorageOptions{}}
	_, err = xaiv1.NewImageClient(srv.Conn()).GenerateImage(ctx(t), img)
	wantCode(t, err, codes.ResourceExhausted, "Limits.FileBytesPerTeam")
	// Another team has its own quota.
	other := xaiv1.NewFilesClient(rawConn(t, srv))
	if _, err := other.ListFiles(as(t, keyB), &xaiv1.ListFilesRequest{}); err != nil {
		t.Fatal(err)
	}
	stream, err := other.UploadFile(as(t, keyB))
	if err != nil {
		t.Fatal(err)
	}
	stream.Send(&xaiv1.UploadFileChunk{Chunk: &xaiv1.UploadFileChunk_Init{Init: &xaiv1.UploadFileInit{Name: "b.bin"}}})
	stream.Send(&xaiv1.UploadFileChunk{Chunk: &xaiv1.UploadFileChunk_Data{Data: make([]byte, 900<<10)}})
	if _, err := stream.CloseAndRecv(); err != nil {
		t.Fatalf("another team's upload: %v", err)
	}
	// Deleting frees the bytes.
	if _, err := files.DeleteFile(ctx(t), &xaiv1.DeleteFileRequest{FileId: first.GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := upload(t, files, "d.bin", bytes.Repeat([]byte{4}, 600<<10), 64<<10, nil); err != nil {
		t.Fatalf("after deleting: %v", err)
	}
}

// Issue 11, finding 3: stored responses were bounded only by the 30-day
// retention. Each team may now store Limits.StoredResponsesPerTeam (20,000
// by default); beyond that a completion with store_messages is
// RESOURCE_EXHAUSTED, before anything is generated or streamed.
func TestStoredResponsesQuota(t *testing.T) {
	clock := xaitest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	_, chat := startClient(t, xaiv1.NewChatClient, xaitest.WithClock(clock), xaitest.WithLimits(xaitest.Limits{StoredResponsesPerTeam: 2}))
	req := chatReq("grok-3", user("keep me"))
	req.StoreMessages = true
	var ids []string
	for range 2 {
		resp := complete(t, chat, req)
		ids = append(ids, resp.GetId())
	}
	_, err := chat.GetCompletion(ctx(t), req)
	wantCode(t, err, codes.ResourceExhausted, "limit per team", "Limits.StoredResponsesPerTeam", "-max-stored-responses")
	chunks, err := streamedErr(t, chat, req)
	wantCode(t, err, codes.ResourceExhausted, "Limits.StoredResponsesPerTeam")
	if len(chunks) != 0 {
		t.Errorf("the refused stream sent %d chunks", len(chunks))
	}
	// Without storing, completions go on.
	req.StoreMessages = false
	if _, err := chat.GetCompletion(ctx(t), req); err != nil {
		t.Fatal(err)
	}
	req.StoreMessages = true
	if _, err := chat.DeleteStoredCompletion(ctx(t), &xaiv1.DeleteStoredCompletionRequest{ResponseId: ids[0]}); err != nil {
		t.Fatal(err)
	}
	if _, err := chat.GetCompletion(ctx(t), req); err != nil {
		t.Fatalf("after a delete: %v", err)
	}
	_, err = chat.GetCompletion(ctx(t), req)
	wantCode(t, err, codes.ResourceExhausted)
	// Expired responses do not count.
	clock.Advance(31 * 24 * time.Hour)
	if _, err := chat.GetCompletion(ctx(t), req); err != nil {
		t.Fatalf("after expiry: %v", err)
	}

	if srv, err := xaitest.NewServer(xaitest.WithLimits(xaitest.Limits{EmbedInputs: -1})); err == nil {
		srv.Close()
		t.Error("NewServer accepted a negative limit")
	}
}

// A collection's document is a snapshot that outlives its file, so it
// counts against the team's file quota until it is removed: deleting the
// file and adding it again cannot grow the fake without bound.
func TestDocumentsCountAgainstFileQuota(t *testing.T) {
	srv, files := startClient(t, xaiv1.NewFilesClient, xaitest.WithLimits(xaitest.Limits{FileBytesPerTeam: 1 << 20}))
	cc := collectionsv1.NewCollectionsClient(srv.Conn())
	col := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "docs"})
	text := bytes.Repeat([]byte("word "), 80<<10) // 400 KiB
	f, err := upload(t, files, "a.txt", text, 64<<10, nil)
	if err != nil {
		t.Fatal(err)
	}
	add := &collectionsv1.AddDocumentToCollectionRequest{CollectionId: col.GetCollectionId(), FileId: f.GetId()}
	if _, err := cc.AddDocumentToCollection(ctx(t), add); err != nil {
		t.Fatal(err)
	}
	if _, err := files.DeleteFile(ctx(t), &xaiv1.DeleteFileRequest{FileId: f.GetId()}); err != nil {
		t.Fatal(err)
	}
	// The document's 400 KiB still count: 700 KiB more do not fit.
	_, err = upload(t, files, "b.txt", bytes.Repeat([]byte{1}, 700<<10), 64<<10, nil)
	wantCode(t, err, codes.ResourceExhausted, "Limits.FileBytesPerTeam")
	g, err := upload(t, files, "c.txt", text, 64<<10, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A second snapshot of 400 KiB would take the team to 1,200 KiB.
	add.FileId = g.GetId()
	_, err = cc.AddDocumentToCollection(ctx(t), add)
	wantCode(t, err, codes.ResourceExhausted, "Limits.FileBytesPerTeam")
	// Replacing a document's content counts the new content.
	upd := &collectionsv1.UpdateDocumentRequest{CollectionId: col.GetCollectionId(), FileId: f.GetId(), Data: bytes.Repeat([]byte("x"), 300<<10)}
	_, err = cc.UpdateDocument(ctx(t), upd)
	wantCode(t, err, codes.ResourceExhausted, "Limits.FileBytesPerTeam")
	upd.Data = []byte("short")
	if _, err := cc.UpdateDocument(ctx(t), upd); err != nil {
		t.Fatalf("a smaller content: %v", err)
	}
	// The old 400 KiB were given back: the second snapshot now fits.
	if _, err := cc.AddDocumentToCollection(ctx(t), add); err != nil {
		t.Fatalf("after shrinking the first document: %v", err)
	}
	// Deleting the collection frees its documents.
	if _, err := cc.DeleteCollection(ctx(t), &collectionsv1.DeleteCollectionRequest{CollectionId: col.GetCollectionId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := upload(t, files, "d.txt", bytes.Repeat([]byte{1}, 500<<10), 64<<10, nil); err != nil {
		t.Fatalf("after deleting the collection: %v", err)
	}
}
