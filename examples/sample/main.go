// Command sample shows the legacy text completion API: the model continues
// a raw text prompt, without chat roles, tools or stored conversations.
// It asks once and waits for the whole text, then streams a second
// completion as it is generated. New code should prefer the chat API (see
// the chat and stream examples).
//
// Run it from the root of the repository with
//
//	go run ./examples/sample
//
// With XAI_API_KEY set it talks to the real xAI API; without it, to a fake
// xAI server running inside the program, which continues every prompt with
// the same fixed text.
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
		log.Fatalf("sample: %v", err)
	}
}

func run(ctx context.Context) error {
	// In your own program: client, err := xai.NewClient()
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	// 1. Unary: Text sends the prompt and waits for the whole completion.
	// It takes the chat options the legacy API has a field for, such as
	// WithMaxTokens and WithTemperature.
	prompt := "Once upon a time, a gopher"
	completion, err := client.Sample.Text(ctx, "grok-3", prompt,
		xai.WithMaxTokens(40), xai.WithTemperature(0.7))
	if err != nil {
		return err
	}
	fmt.Printf("Prompt:    %s\n", prompt)
	fmt.Printf("Text:      %s\n", completion.Text())
	fmt.Println("Model:    ", completion.Model())
	fmt.Println("Finish:   ", completion.FinishReason())
	fmt.Printf("Usage:     %d prompt + %d completion tokens\n",
		completion.Usage().GetPromptTokens(), completion.Usage().GetCompletionTokens())

	// 2. Streamed: print each piece as it arrives. Breaking out of the
	// loop early would close the stream.
	prompt = "The three rules of tunnel digging are"
	stream, err := client.Sample.Stream(ctx, "grok-3", prompt, xai.WithMaxTokens(40))
	if err != nil {
		return err
	}
	fmt.Printf("Streaming: %s", prompt)
	chunks := 0
	for chunk, err := range stream.All() {
		if err != nil {
			return err
		}
		chunks++
		fmt.Print(chunk.Text())
	}
	fmt.Println()
	// The stream also builds the whole completion from its chunks.
	whole := stream.Completion()
	fmt.Printf("Chunks:    %d, finish %s, %d completion tokens\n",
		chunks, whole.FinishReason(), whole.Usage().GetCompletionTokens())
	return nil
}
