// Command tokenize shows how a model's tokenizer splits a text, and counts
// the tokens: the way to check a prompt against a model's context window,
// or to estimate its cost, before sending it.
//
// Run it from the root of the repository with
//
//	go run ./examples/tokenize
//
// With XAI_API_KEY set it talks to the real xAI API; without it, to a fake
// xAI server running inside the program, whose tokenizer is a simple
// stand-in: its counts differ from Grok's.
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/gogrok/sdk/examples/internal/connect"
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("tokenize: %v", err)
	}
}

func run(ctx context.Context) error {
	// In your own program: client, err := xai.NewClient()
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	const text = "Gophers dig 42 tunnels, don't they?"
	fmt.Printf("Text:   %q\n", text)

	// Text returns every token: its ID in the model's vocabulary and the
	// text it stands for (Bytes is exact even when a token holds part of a
	// multi-byte character).
	tokens, err := client.Tokenize.Text(ctx, "grok-4", text)
	if err != nil {
		return err
	}
	fmt.Println("Tokens:")
	for i, tok := range tokens {
		fmt.Printf("  %2d  id %-10d %q\n", i, tok.ID, tok.Text)
	}

	// Count returns just the number. A chat request adds a few tokens of
	// framing per message on top of this.
	n, err := client.Tokenize.Count(ctx, "grok-4", text)
	if err != nil {
		return err
	}
	fmt.Printf("Count:  %d tokens for %d bytes of text\n", n, len(text))
	return nil
}
