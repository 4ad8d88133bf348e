// Command chat shows the basics: create a client, build a chat with a system
// message and a question, sample the answer, then continue the conversation
// by appending the answer and a follow-up question.
//
// Run it from the root of the repository with
//
//	go run ./examples/chat
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
		log.Fatalf("chat: %v", err)
	}
}

func run(ctx context.Context) error {
	// In your own program: client, err := xai.NewClient()
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	// Create sends nothing: it builds a request for a model, with options.
	chat := client.Chat.Create("grok-4", xai.WithTemperature(0.3))
	chat.Append(
		xai.System("You are Grok, a concise assistant. Answer in one sentence."),
		xai.User("What is the capital of France?"),
	)

	// Sample sends the conversation and waits for the whole answer.
	resp, err := chat.Sample(ctx)
	if err != nil {
		return err
	}
	fmt.Println("Answer:   ", resp.Content())
	fmt.Println("Model:    ", resp.Model())
	fmt.Println("Finish:   ", resp.FinishReason())
	usage := resp.Usage()
	fmt.Printf("Usage:     %d prompt + %d completion + %d reasoning = %d tokens\n",
		usage.GetPromptTokens(), usage.GetCompletionTokens(), usage.GetReasoningTokens(), usage.GetTotalTokens())
	if usd, ok := resp.CostUSD(); ok {
		fmt.Printf("Cost:      $%.6f\n", usd)
	}

	// Sampling does not change the chat: to continue, append the answer
	// (so the model sees what it said) and the next question.
	chat.Append(resp, xai.User("And what is its population, roughly?"))
	resp, err = chat.Sample(ctx)
	if err != nil {
		return err
	}
	fmt.Println("Follow-up:", resp.Content())
	return nil
}
