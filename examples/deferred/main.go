// Command deferred shows deferred completions: the server runs the request
// in the background and the client collects the result later, which suits
// long generations that might outlast a connection.
//
// It does it twice: with Chat.Defer, which starts the request and polls
// until the answer is ready, and by hand with StartDeferred and GetDeferred,
// for programs that want to keep the request ID and come back later.
//
// Run it from the root of the repository with
//
//	go run ./examples/deferred
//
// With XAI_API_KEY set it talks to the real xAI API; without it, to a fake
// xAI server running inside the program, whose answers are canned.
package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/gogrok/sdk/examples/internal/connect"
	"github.com/gogrok/sdk/xai"
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("deferred: %v", err)
	}
}

func run(ctx context.Context) error {
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	// 1. The simple way: Defer starts the request and waits for it.
	chat := client.Chat.Create("grok-4")
	chat.Append(xai.User("Write a limerick about a patient gopher."))
	resp, err := chat.Defer(ctx,
		xai.WithPollInterval(500*time.Millisecond), // how often to ask (default 100 ms)
		xai.WithPollTimeout(5*time.Minute),         // when to give up waiting (default 10 min)
	)
	if err != nil {
		return err
	}
	fmt.Println("Defer:  ", resp.Content())

	// 2. By hand: start now, keep the request ID, poll when it suits you.
	chat = client.Chat.Create("grok-4")
	chat.Append(xai.User("Write a limerick about a hasty gopher."))
	requestID, err := chat.StartDeferred(ctx)
	if err != nil {
		return err
	}
	fmt.Println("Started:", requestID)
	polls := 0
	for {
		polls++
		resp, done, err := client.Chat.GetDeferred(ctx, requestID)
		if err != nil {
			return err // xai.IsNotFound(err): the result expired or never existed
		}
		if done {
			fmt.Printf("Ready after %d polls: %s\n", polls, resp.Content())
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
