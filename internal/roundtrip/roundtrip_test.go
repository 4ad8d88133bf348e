// Package roundtrip checks that the generated Chat stubs carry a request and
// a streamed reply intact between a generated client and server over an
// in-memory connection.
package roundtrip

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// chatServer records the request it receives and streams back chunks one at
// a time, waiting for the test to acknowledge each before sending the next.
type chatServer struct {
	xaiv1.UnimplementedChatServer
	received chan *xaiv1.GetCompletionsRequest
	chunks   []*xaiv1.GetChatCompletionChunk
	ack      chan struct{}
}

func (s *chatServer) GetCompletionChunk(req *xaiv1.GetCompletionsRequest, stream grpc.ServerStreamingServer[xaiv1.GetChatCompletionChunk]) error {
	s.received <- req
	for _, c := range s.chunks {
		if err := stream.Send(c); err != nil {
			return err
		}
		select {
		case <-s.ack:
		case <-stream.Context().Done():
			return stream.Context().Err()
		}
	}
	return nil
}

func TestChatRoundTripOverBufconn(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	chunks := []*xaiv1.GetChatCompletionChunk{
		{Id: "resp-1", Outputs: []*xaiv1.CompletionOutputChunk{{Delta: &xaiv1.Delta{Role: xaiv1.MessageRole_ROLE_ASSISTANT}}}},
		{Id: "resp-1", Outputs: []*xaiv1.CompletionOutputChunk{{Delta: &xaiv1.Delta{Content: "A red "}}}},
		{Id: "resp-1", Outputs: []*xaiv1.CompletionOutputChunk{{Delta: &xaiv1.Delta{Content: "square."}}}},
		{Id: "resp-1", Outputs: []*xaiv1.CompletionOutputChunk{{FinishReason: xaiv1.FinishReason_REASON_STOP}},
			Usage: &xaiv1.SamplingUsage{PromptTokens: 12, CompletionTokens: 3, TotalTokens: 15}},
	}
	srv := &chatServer{
		received: make(chan *xaiv1.GetCompletionsRequest, 1),
		chunks:   chunks,
		ack:      make(chan struct{}),
	}
	lis := bufconn.Listen(1 << 20)
	gs := grpc.NewServer()
	xaiv1.RegisterChatServer(gs, srv)
	go func() { _ = gs.Serve(lis) }()
	defer gs.Stop()

	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	want := &xaiv1.GetCompletionsRequest{
		Model:               "grok-4",
		PreviousResponseId:  proto.String("resp-0"),
		StoreMessages:       true,
		UseEncryptedContent: true,
		Messages: []*xaiv1.Message{
			{Role: xaiv1.MessageRole_ROLE_SYSTEM, Content: []*xaiv1.Content{{Content: &xaiv1.Content_Text{Text: "You are terse."}}}},
			{Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{
				{Content: &xaiv1.Content_Text{Text: "What is in this image?"}},
				{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{
					Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: "https://example.com/square.png"},
					Detail: xaiv1.ImageDetail_DETAIL_HIGH,
				}}},
			}},
		},
	}
	stream, err := xaiv1.NewChatClient(conn).GetCompletionChunk(ctx, want)
	if err != nil {
		t.Fatal(err)
	}

	select {
	case got := <-srv.received:
		if diff := cmpProto(want, got); diff != "" {
			t.Errorf("server saw a different request: %s", diff)
		}
		if got.GetPreviousResponseId() != "resp-0" || !got.GetStoreMessages() || !got.GetUseEncryptedContent() {
			t.Errorf("stored-conversation fields lost: %v", got)
		}
		img := got.GetMessages()[1].GetContent()[1].GetImageUrl()
		if img.GetDetail() != xaiv1.ImageDetail_DETAIL_HIGH || img.GetImageUrl() != "https://example.com/square.png" {
			t.Errorf("image content lost: %v", img)
		}
	case <-ctx.Done():
		t.Fatal("server never received the request")
	}

	// Each chunk must arrive before the server is allowed to send the next.
	for i, wantChunk := range chunks {
		got, err := stream.Recv()
		if err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
		if diff := cmpProto(wantChunk, got); diff != "" {
			t.Errorf("chunk %d differs: %s", i, diff)
		}
		srv.ack <- struct{}{}
	}
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last chunk: got %v, want io.EOF", err)
	}
}

func cmpProto(want, got proto.Message) string {
	if proto.Equal(want, got) {
		return ""
	}
	return "want {" + prototext.Format(want) + "}, got {" + prototext.Format(got) + "}"
}
