package xai_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaitest"
)

// fake starts an in-memory fake xAI server and returns it with the options
// that point a client at it. Real programs call xai.NewClient() with the
// key in XAI_API_KEY instead.
func fake() (*xaitest.Server, []xai.Option) {
	srv, err := xaitest.NewServer(xaitest.WithBufconn())
	if err != nil {
		log.Fatal(err)
	}
	return srv, []xai.Option{
		xai.WithEndpoint(srv.Target()),
		xai.WithDialOptions(srv.DialOptions()...),
		xai.WithInsecure(), // the fake has no TLS
		xai.WithAPIKey(srv.APIKey()),
	}
}

func ExampleNewClient() {
	srv, opts := fake()
	defer srv.Close()

	client, err := xai.NewClient(append(opts,
		xai.WithTimeout(time.Hour), // default deadline of calls without one
		xai.WithMetadata("x-team", "search"),
	)...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	fmt.Println(client) // the key is never printed
	// Output:
	// xai.Client{endpoint: "passthrough:///bufnet", insecure: true, api_key: [REDACTED]}
}

func ExampleChat_Sample() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	srv.EnqueueReply(xaitest.Reply{Content: "Paris."})
	srv.EnqueueReply(xaitest.Reply{Content: "Rome."})

	chat := client.Chat.Create("grok-4", xai.WithTemperature(0.2))
	chat.Append(
		xai.System("Answer in one word."),
		xai.User("What is the capital of France?"),
	)
	resp, err := chat.Sample(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Content())

	// Continue: append the reply and the next question.
	chat.Append(resp, xai.User("And of Italy?"))
	resp, err = chat.Sample(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Content())
	fmt.Println(len(chat.Request().GetMessages()), "messages")
	// Output:
	// Paris.
	// Rome.
	// 4 messages
}

func ExampleChat_Sample_invalid() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	// Invalid values are reported before anything is sent.
	chat := client.Chat.Create("grok-4", xai.WithTemperature(3)).Append(xai.User("Hi"))
	_, err = chat.Sample(context.Background())
	fmt.Println(err)
	fmt.Println(xai.IsInvalidArgument(err), len(srv.Requests()))
	// Output:
	// xai: InvalidArgument: WithTemperature: temperature is 3; it must be between 0 and 2
	// true 0
}

func ExampleChat_Stream() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	srv.EnqueueReply(xaitest.Reply{Chunks: []string{"Once ", "upon ", "a time."}})

	chat := client.Chat.Create("grok-4").Append(xai.User("Tell me a story."))
	stream, err := chat.Stream(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for chunk, err := range stream.All() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(chunk.Content())
	}
	fmt.Println()

	final := stream.Response() // built from the chunks
	fmt.Println(final.Content())
	fmt.Println(final.FinishReason())
	// Output:
	// Once upon a time.
	// Once upon a time.
	// REASON_STOP
}

func ExampleStream_All_partial() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	srv.EnqueueReply(xaitest.Reply{Chunks: []string{"one ", "two ", "three ", "four"}})
	// The stream breaks after two words.
	srv.InjectFault(xaiv1.Chat_GetCompletionChunk_FullMethodName,
		xaitest.Fault{Code: codes.Unavailable, Message: "connection lost", AfterChunks: 2})

	stream, err := client.Chat.Create("grok-3").Append(xai.User("Count.")).Stream(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, err := range stream.All() {
		var xerr *xai.Error
		if errors.As(err, &xerr) {
			fmt.Println(xerr.Code, xerr.Message)
			fmt.Printf("received before the failure: %q\n", xerr.Partial.Content())
		}
	}
	// Output:
	// Unavailable connection lost
	// received before the failure: "one two "
}

func ExampleChatService_GetStoredCompletion() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	srv.EnqueueReply(xaitest.Reply{Content: "Noted."})
	srv.EnqueueReply(xaitest.Reply{Content: "42."})

	resp, err := client.Chat.Create("grok-4", xai.WithStoreMessages(true)).
		Append(xai.User("Remember the number 42.")).Sample(ctx)
	if err != nil {
		log.Fatal(err)
	}

	stored, err := client.Chat.GetStoredCompletion(ctx, resp.ID())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(stored.Content())

	// Continue on the server's copy: only the new turn is sent.
	next, err := client.Chat.Create("grok-4", xai.WithPreviousResponseID(resp.ID())).
		Append(xai.User("Which number?")).Sample(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(next.Content())

	if _, err := client.Chat.DeleteStoredCompletion(ctx, resp.ID()); err != nil {
		log.Fatal(err)
	}
	_, err = client.Chat.GetStoredCompletion(ctx, resp.ID())
	fmt.Println(xai.IsNotFound(err))
	// Output:
	// Noted.
	// 42.
	// true
}

func ExampleChat_Defer() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	srv.EnqueueReply(xaitest.Reply{Content: "A long essay."})

	chat := client.Chat.Create("grok-4").Append(xai.User("Write an essay."))
	resp, err := chat.Defer(context.Background(), xai.WithPollInterval(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Content())
	// Output:
	// A long essay.
}

func ExampleChat_MarshalJSON() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	chat := client.Chat.Create("grok-4", xai.WithEncryptedContent(true), xai.WithStoreMessages(false)).
		Append(xai.User("Hello"))
	data, err := chat.MarshalJSON() // save it anywhere
	if err != nil {
		log.Fatal(err)
	}

	restored, err := client.Chat.Restore(data)
	if err != nil {
		log.Fatal(err)
	}
	req := restored.Request()
	fmt.Println(req.GetModel(), req.GetUseEncryptedContent(), len(req.GetMessages()))
	// Output:
	// grok-4 true 1
}
