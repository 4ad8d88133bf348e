// Command conversation shows how to keep a conversation on your side: the
// chat, with the model's encrypted reasoning, is saved as JSON
// (Chat.MarshalJSON), written to a file, read back and restored
// (ChatService.Restore), then continued as if the program had never stopped.
//
// This is how to continue a conversation past the server's 30-day
// retention, or when nothing may be stored on xAI's side
// (WithStoreMessages(false)).
//
// Run it from the root of the repository with
//
//	go run ./examples/conversation
//
// With XAI_API_KEY set it talks to the real xAI API; without it, to a fake
// xAI server running inside the program, whose answers are canned.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gogrok/sdk/examples/internal/connect"
	"github.com/gogrok/sdk/xai"
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("conversation: %v", err)
	}
}

func run(ctx context.Context) error {
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	// A conversation that xAI does not store, with the model's reasoning
	// returned encrypted so that it can travel with the history.
	chat := client.Chat.Create("grok-4",
		xai.WithStoreMessages(false),
		xai.WithEncryptedContent(true),
	)
	chat.Append(xai.User("Think of an animal and give me one clue about it."))
	resp, err := chat.Sample(ctx)
	if err != nil {
		return err
	}
	fmt.Println("Clue:     ", resp.Content())
	chat.Append(resp) // the answer, with its encrypted reasoning

	// Save: model, options and every message, encrypted reasoning included.
	// The JSON holds the conversation in clear: keep it as safe as the
	// conversation itself.
	data, err := chat.MarshalJSON()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "xai-conversation-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "conversation.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	fmt.Printf("Saved:     %d bytes of JSON to %s\n", len(data), filepath.Base(path))

	// ... later, perhaps in another process: read it back and restore.
	data, err = os.ReadFile(path)
	if err != nil {
		return err
	}
	restored, err := client.Chat.Restore(data)
	if err != nil {
		return err
	}
	req := restored.Request()
	msgs := req.GetMessages()
	fmt.Printf("Restored:  %s, %d messages, encrypted content %t, the answer carries %d bytes of encrypted reasoning\n",
		req.GetModel(), len(msgs), req.GetUseEncryptedContent(), len(msgs[len(msgs)-1].GetEncryptedContent()))

	// Continue where we left off: the model sees its earlier reasoning.
	restored.Append(xai.User("Another clue, please, then tell me the animal."))
	resp, err = restored.Sample(ctx)
	if err != nil {
		return err
	}
	fmt.Println("Continued:", resp.Content())
	fmt.Printf("Usage:     %d prompt tokens, of which %d cached\n",
		resp.Usage().GetPromptTokens(), resp.Usage().GetCachedPromptTextTokens())
	return nil
}
