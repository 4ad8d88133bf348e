// Command stream shows streaming: the answer is printed piece by piece as
// the model writes it, by ranging over Stream.All, and the stream also
// builds the whole response, read afterwards with Stream.Response.
//
// Run it from the root of the repository with
//
//	go run ./examples/stream
//
// With XAI_API_KEY set it talks to the real xAI API; without it, to a fake
// xAI server running inside the program, whose answers are canned.
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/gogrok/sdk/examples/internal/connect"
	"github.com/gogrok/sdk/xai"
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("stream: %v", err)
	}
}

func run(ctx context.Context) error {
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	chat := client.Chat.Create("grok-4")
	chat.Append(xai.User("Write a haiku about gRPC streams."))

	stream, err := chat.Stream(ctx)
	if err != nil {
		return err
	}
	// Close releases the stream if we return early; after a complete read
	// it does nothing. Breaking out of the loop closes the stream too.
	defer stream.Close()

	fmt.Print("Streaming: ")
	chunks := 0
	for chunk, err := range stream.All() {
		if err != nil {
			// The stream failed part-way; what had arrived is in
			// stream.Response() (and in the *xai.Error's Partial).
			return err
		}
		chunks++
		fmt.Print(chunk.Content()) // reasoning chunks have no content
	}
	fmt.Println()

	// The whole response, accumulated from the chunks.
	final := stream.Response()
	fmt.Println("Chunks:   ", chunks)
	fmt.Println("ID:       ", final.ID())
	fmt.Println("Content:  ", final.Content())
	fmt.Println("Finish:   ", final.FinishReason())
	fmt.Printf("Usage:     %d prompt, %d completion, %d reasoning tokens\n",
		final.Usage().GetPromptTokens(), final.Usage().GetCompletionTokens(), final.Usage().GetReasoningTokens())
	return nil
}
