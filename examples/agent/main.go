// Command agent shows server-side tools: tools that xAI runs during the
// request. The model searches the web and answers with citations, then
// draws an image with the image generation tool, and edits that image in a
// second turn: appending the first response replays its tool turns with
// their tool_call_id, by which the service finds the generated image again.
//
// Run it from the root of the repository with
//
//	go run ./examples/agent
//
// With XAI_API_KEY set it talks to the real xAI API (server-side tools are
// billed per call, see the pricing page); without it, to a fake xAI server
// running inside the program, whose searches and images are deterministic
// stand-ins.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/gogrok/sdk/examples/internal/connect"
	"github.com/gogrok/sdk/xai"
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("agent: %v", err)
	}
}

func run(ctx context.Context) error {
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	// 1. Web search. The reply holds one output per step of the agent loop:
	// the model's call, the tool's result, the final answer.
	search := client.Chat.Create("grok-4", xai.WithTools(xai.WebSearch()), xai.WithInclude(xai.IncludeInlineCitations))
	search.Append(xai.User("Who designed the Eiffel Tower?"))
	resp, err := search.Sample(ctx)
	if err != nil {
		return err
	}
	fmt.Println("1. Web search")
	for _, call := range resp.ToolCalls() {
		fmt.Printf("   tool call:   %s(%s)\n", call.Name(), call.RawArguments())
	}
	for _, out := range resp.ToolOutputs() {
		fmt.Printf("   tool output: %d bytes of results\n", len(out.Content()))
	}
	fmt.Println("   answer:     ", firstLine(resp.Content()))
	fmt.Println("   citations:  ", len(resp.Citations()), "sources,", len(resp.InlineCitations()), "inline")
	for tool, n := range resp.ServerSideToolUsage() {
		fmt.Printf("   billed:      %d × %s\n", n, tool)
	}

	// 2. Image generation: the images arrive decoded in ImageOutputs.
	draw := client.Chat.Create("grok-4", xai.WithTools(xai.ImageGeneration()))
	draw.Append(xai.User("Draw the Eiffel Tower at night."))
	drawn, err := draw.Sample(ctx)
	if err != nil {
		return err
	}
	images, err := drawn.ImageOutputs()
	if err != nil {
		return err
	}
	if len(images) == 0 {
		return fmt.Errorf("the model drew no image; it answered %q", drawn.Content())
	}
	dir, err := os.MkdirTemp("", "xai-agent-")
	if err != nil {
		return err
	}
	fmt.Println("2. Image generation")
	if err := save(dir, "drawn", images[0]); err != nil {
		return err
	}

	// 3. Edit it in the next turn. Append replays every step of the reply,
	// the tool turn with the tool_call_id of its call, so the service finds
	// the image without previous_response_id.
	draw.Append(drawn, xai.User("Now edit the image: make the sky red."))
	edited, err := draw.Sample(ctx)
	if err != nil {
		return err
	}
	images, err = edited.ImageOutputs()
	if err != nil {
		return err
	}
	if len(images) == 0 {
		return fmt.Errorf("the model made no edit; it answered %q", edited.Content())
	}
	fmt.Println("3. Image edit")
	return save(dir, "edited", images[0])
}

// save writes an image to dir and describes it.
func save(dir, name string, img xai.ImageOutput) error {
	ext := strings.TrimPrefix(img.MIMEType, "image/")
	path := filepath.Join(dir, name+"."+ext)
	if err := os.WriteFile(path, img.Image, 0o600); err != nil {
		return err
	}
	fmt.Printf("   %s: %d-byte %s, written to %s\n", img.Call.Name(), len(img.Image), img.MIMEType, path)
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
