// Command responses walks through the whole Responses flow of the xAI API,
// one numbered step at a time:
//
//  1. create a response that xAI stores (WithStoreMessages);
//  2. continue it on the server with WithPreviousResponseID, sending only
//     the new turn (the usage shows the history as cached prompt tokens);
//  3. continue another conversation locally instead, with storing off and
//     the model's reasoning carried along encrypted (WithEncryptedContent);
//  4. ask about an image built in memory (ImageBytes), plus one fetched by
//     URL when talking to the real API;
//  5. read the stored response back (GetStoredCompletion);
//  6. delete it (DeleteStoredCompletion);
//  7. check that it is gone: reading it now fails with NotFound.
//
// Run it from the root of the repository with
//
//	go run ./examples/responses    (or: make run)
//
// With XAI_API_KEY set it talks to the real xAI API (a few requests to
// grok-4, billed to that key); without it, to a fake xAI server running
// inside the program, whose answers are canned but whose behaviour (storage,
// chaining, usage, encrypted reasoning, validation) follows the real one.
// The program exits with status 1 if any step fails, including when the
// deleted response can still be read.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"strings"

	"github.com/gogrok/sdk/examples/internal/connect"
	"github.com/gogrok/sdk/xai"
)

// model is used for every step: grok-4 reasons (so it has reasoning to
// encrypt) and understands images.
const model = "grok-4"

// imageURL is a public image from xAI's own documentation; only the real
// API fetches it.
const imageURL = "https://science.nasa.gov/wp-content/uploads/2023/09/web-first-images-release.png"

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("responses: %v", err)
	}
}

func run(ctx context.Context) error {
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	// ------------------------------------------------------------------
	step(1, "create a stored response")
	// WithStoreMessages(true) asks xAI to keep the conversation (for 30
	// days) under the response's ID.
	chat := client.Chat.Create(model, xai.WithStoreMessages(true))
	chat.Append(
		xai.System("You are Grok, a concise assistant."),
		xai.User("Give me one surprising fact about octopuses, in one sentence."),
	)
	stored, err := chat.Sample(ctx)
	if err != nil {
		return fmt.Errorf("step 1: %w", err)
	}
	show("response ID", stored.ID())
	show("content", stored.Content())

	// ------------------------------------------------------------------
	step(2, "continue it on the server with WithPreviousResponseID")
	// The server prepends the stored history, so the request carries only
	// the new question. This turn need not be kept, so it is not stored.
	next := client.Chat.Create(model,
		xai.WithPreviousResponseID(stored.ID()),
		xai.WithStoreMessages(false),
	)
	next.Append(xai.User("Now say it again in at most eight words."))
	show("messages sent", fmt.Sprint(len(next.Request().GetMessages())))
	resp, err := next.Sample(ctx)
	if err != nil {
		return fmt.Errorf("step 2: %w", err)
	}
	show("content", resp.Content())
	// The history the server added is billed as cached prompt tokens.
	u := resp.Usage()
	show("usage", fmt.Sprintf("%d prompt tokens, of which %d cached; %d completion, %d reasoning",
		u.GetPromptTokens(), u.GetCachedPromptTextTokens(), u.GetCompletionTokens(), u.GetReasoningTokens()))

	// ------------------------------------------------------------------
	step(3, "continue a conversation locally, with encrypted reasoning")
	// Nothing is stored on the server: the program keeps the history and
	// sends it whole each time. WithEncryptedContent returns the model's
	// reasoning as an opaque blob; appending the response sends it back,
	// so the model keeps its train of thought.
	local := client.Chat.Create(model,
		xai.WithEncryptedContent(true),
		xai.WithStoreMessages(false),
	)
	local.Append(xai.User("Pick a prime number between 10 and 30, but tell me only its last digit."))
	first, err := local.Sample(ctx)
	if err != nil {
		return fmt.Errorf("step 3: %w", err)
	}
	show("content", first.Content())
	show("encrypted reasoning", fmt.Sprintf("%d bytes (opaque to us)", len(first.EncryptedContent())))

	local.Append(first, xai.User("Which prime did you pick?"))
	msgs := local.Request().GetMessages()
	show("carried back", fmt.Sprintf("%d messages, the assistant's with %d bytes of encrypted reasoning",
		len(msgs), len(msgs[1].GetEncryptedContent())))
	followUp, err := local.Sample(ctx)
	if err != nil {
		return fmt.Errorf("step 3: %w", err)
	}
	show("content", followUp.Content())
	u = followUp.Usage()
	show("usage", fmt.Sprintf("%d prompt tokens, of which %d cached", u.GetPromptTokens(), u.GetCachedPromptTextTokens()))

	// ------------------------------------------------------------------
	step(4, "ask about an image")
	pic, err := squares()
	if err != nil {
		return fmt.Errorf("step 4: %w", err)
	}
	parts := []xai.Part{xai.ImageBytes(pic, xai.DetailLow)} // sent inline, as a data URL
	question := "What colours are in this image?"
	if connect.RealAPI() {
		// The real API can also fetch an image by https URL.
		parts = append(parts, xai.ImageURL(imageURL, xai.DetailHigh))
		question = "What colours are in the first image, and what does the second one show?"
	}
	// xAI advises not to store requests that contain images.
	vision := client.Chat.Create(model, xai.WithStoreMessages(false))
	vision.Append(xai.User(question, parts...))
	resp, err = vision.Sample(ctx)
	if err != nil {
		return fmt.Errorf("step 4: %w", err)
	}
	show("images sent", fmt.Sprint(len(parts)))
	show("content", resp.Content())
	show("image tokens", fmt.Sprint(resp.Usage().GetPromptImageTokens()))

	// ------------------------------------------------------------------
	step(5, "retrieve the stored response with GetStoredCompletion")
	got, err := client.Chat.GetStoredCompletion(ctx, stored.ID())
	if err != nil {
		return fmt.Errorf("step 5: %w", err)
	}
	show("response ID", got.ID())
	show("content", got.Content())

	// ------------------------------------------------------------------
	step(6, "delete it with DeleteStoredCompletion")
	deleted, err := client.Chat.DeleteStoredCompletion(ctx, stored.ID())
	if err != nil {
		return fmt.Errorf("step 6: %w", err)
	}
	show("deleted", deleted)

	// ------------------------------------------------------------------
	step(7, "check that it is gone")
	_, err = client.Chat.GetStoredCompletion(ctx, stored.ID())
	switch {
	case err == nil:
		return errors.New("step 7: the deleted response can still be read")
	case xai.IsNotFound(err):
		show("GetStoredCompletion", "NotFound, as expected: the response is gone")
	default:
		return fmt.Errorf("step 7: expected NotFound, got: %w", err)
	}
	return nil
}

// step prints the heading of a step.
func step(n int, title string) {
	fmt.Printf("\nStep %d/7: %s\n", n, title)
}

// show prints one labelled value of a step, indenting continuation lines.
func show(label, value string) {
	fmt.Printf("  %s: %s\n", label, strings.ReplaceAll(value, "\n", "\n    "))
}

// squares draws a small PNG image in memory: a red square on the left and a
// blue one on the right.
func squares() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 32))
	for y := range 32 {
		for x := range 64 {
			c := color.RGBA{R: 220, A: 255}
			if x >= 32 {
				c = color.RGBA{B: 220, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
