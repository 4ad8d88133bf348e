package xaitest_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// keyCreds sends a key as per-RPC credentials over a plaintext connection.
type keyCreds string

func (k keyCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(k)}, nil
}
func (keyCreds) RequireTransportSecurity() bool { return false }

var _ credentials.PerRPCCredentials = keyCreds("")

// TestConcurrentClients runs 200 clients, each on its own connection, that
// store, chain, read, stream and delete at once, then checks the store
// holds exactly what they left.
func TestConcurrentClients(t *testing.T) {
	const clients = 200
	srv := start(t)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		kept []string
		errs = make(chan error, clients)
	)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids, err := clientSession(srv, c)
			if err != nil {
				errs <- fmt.Errorf("client %d: %w", c, err)
				return
			}
			mu.Lock()
			kept = append(kept, ids...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	slices.Sort(kept)
	if got := srv.StoredResponseIDs(); !slices.Equal(got, kept) {
		t.Fatalf("store holds %d IDs, clients kept %d", len(got), len(kept))
	}
	if len(kept) != 2*clients {
		t.Fatalf("kept %d IDs", len(kept))
	}
}

// clientSession is one client's work; it returns the IDs it left stored.
func clientSession(srv *xaitest.Server, n int) ([]string, error) {
	conn, err := grpc.NewClient(srv.Target(), append(srv.DialOptions(), grpc.WithPerRPCCredentials(keyCreds(srv.APIKey())))...)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	chat := xaiv1.NewChatClient(conn)

	first := chatReq("grok-3", user(fmt.Sprintf("client %d says hello", n)))
	first.StoreMessages = true
	r1, err := chat.GetCompletion(ctx, first)
	if err != nil {
		return nil, fmt.Errorf("first: %w", err)
	}
	second := chatReq("grok-3", user("and continues"))
	second.StoreMessages = true
	second.PreviousResponseId = &r1.Id
	r2, err := chat.GetCompletion(ctx, second)
	if err != nil {
		return nil, fmt.Errorf("chain: %w", err)
	}
	wantCached := r1.GetUsage().GetPromptTextTokens() + 3 + r1.GetUsage().GetCompletionTokens()
	if r2.GetUsage().GetCachedPromptTextTokens() != wantCached {
		return nil, fmt.Errorf("chain cached %d, want %d", r2.GetUsage().GetCachedPromptTextTokens(), wantCached)
	}
	got, err := chat.GetStoredCompletion(ctx, &xaiv1.GetStoredCompletionRequest{ResponseId: r1.GetId()})
	if err != nil || !proto.Equal(got, r1) {
		return nil, fmt.Errorf("get: %v", err)
	}
	third := chatReq("grok-3", user("streams"))
	third.StoreMessages = true
	third.PreviousResponseId = &r2.Id
	stream, err := chat.GetCompletionChunk(ctx, third)
	if err != nil {
		return nil, fmt.Errorf("stream: %w", err)
	}
	var id string
	for {
		ch, err := stream.Recv()
		if err != nil {
			if status.Code(err) != codes.OK && err.Error() != "EOF" {
				return nil, fmt.Errorf("stream: %w", err)
			}
			break
		}
		id = ch.GetId()
	}
	// The stored stream response is readable as soon as the stream ends.
	if _, err := chat.GetStoredCompletion(ctx, &xaiv1.GetStoredCompletionRequest{ResponseId: id}); err != nil {
		return nil, fmt.Errorf("get streamed: %w", err)
	}
	if _, err := chat.DeleteStoredCompletion(ctx, &xaiv1.DeleteStoredCompletionRequest{ResponseId: r1.GetId()}); err != nil {
		return nil, fmt.Errorf("delete: %w", err)
	}
	if _, err := chat.GetStoredCompletion(ctx, &xaiv1.GetStoredCompletionRequest{ResponseId: r1.GetId()}); status.Code(err) != codes.NotFound {
		return nil, fmt.Errorf("get after delete: %v", err)
	}
	return []string{r2.GetId(), id}, nil
}

// TestCloseEndsOpenStreams closes the server while streams of every kind
// are open and checks that they all end at once and nothing leaks.
func TestCloseEndsOpenStreams(t *testing.T) {
	srv, err := xaitest.NewServer(xaitest.WithLatency(300 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	chunks := make([]string, 200)
	for i := range chunks {
		chunks[i] = fmt.Sprintf("part %d ", i)
	}
	srv.EnqueueReply(xaitest.Reply{Chunks: chunks})
	chat := xaiv1.NewChatClient(srv.Conn())
	files := xaiv1.NewFilesClient(srv.Conn())
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// One stream mid-way through its chunks.
	midway, err := chat.GetCompletionChunk(c, chatReq("grok-3", user("long")))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := midway.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	// One stream still waiting for its first chunk, an upload left open
	// and a unary call in flight.
	waiting, err := chat.GetCompletionChunk(c, chatReq("grok-3", user("waiting")))
	if err != nil {
		t.Fatal(err)
	}
	uploading, err := files.UploadFile(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := uploading.Send(&xaiv1.UploadFileChunk{Chunk: &xaiv1.UploadFileChunk_Init{Init: &xaiv1.UploadFileInit{Name: "x"}}}); err != nil {
		t.Fatal(err)
	}
	unary := make(chan error, 1)
	go func() {
		_, err := chat.GetCompletion(c, chatReq("grok-3", user("in flight")))
		unary <- err
	}()
	// Wait until the server holds both streams and the unary call.
	for arrived := 0; arrived < 3; {
		arrived = 0
		for _, r := range srv.Requests() {
			if r.FullMethod == "/xai_api.Chat/GetCompletionChunk" || r.FullMethod == "/xai_api.Chat/GetCompletion" {
				arrived++
			}
		}
		time.Sleep(time.Millisecond) // poll the request log
	}

	// Close cuts them off: a call it waited for would end without error.
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 3)
	go func() { ended <- drain(midway.Recv) }()
	go func() { ended <- drain(waiting.Recv) }()
	go func() { _, err := uploading.CloseAndRecv(); ended <- err }()
	for range 3 {
		if err := <-ended; err == nil {
			t.Fatal("a stream ended without error")
		}
	}
	if err := <-unary; err == nil {
		t.Fatal("the unary call succeeded")
	}
	goleak.VerifyNone(t)
}

// drain reads a stream until it fails and returns the error, or nil at a
// clean end.
func drain[T any](recv func() (T, error)) error {
	for {
		if _, err := recv(); err != nil {
			if err.Error() == "EOF" {
				return nil
			}
			return err
		}
	}
}
