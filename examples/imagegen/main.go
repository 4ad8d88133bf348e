// Command imagegen generates an image from a text prompt, asks for it as
// base64 data rather than a link, decodes it to bytes and writes it to a
// file in the temporary directory, whose path and size it prints.
//
// Run it from the root of the repository with
//
//	go run ./examples/imagegen
//
// With XAI_API_KEY set it talks to the real xAI API (billed per image);
// without it, to a fake xAI server running inside the program, which draws
// a tiny PNG gradient instead of a picture.
package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // lets image.DecodeConfig read JPEG, what the real API sends
	_ "image/png"  // and PNG, what the fake sends
	"log"
	"os"

	"github.com/gogrok/sdk/examples/internal/connect"
	"github.com/gogrok/sdk/xai"
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("imagegen: %v", err)
	}
}

func run(ctx context.Context) error {
	// In your own program: client, err := xai.NewClient()
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	// By default images come back as temporary links (fetch them with
	// GeneratedImage.Download); ImageFormatBase64 puts the data in the
	// response itself.
	const prompt = "A gopher astronaut planting a flag on the moon, watercolour"
	resp, err := client.Image.Generate(ctx, "grok-2-image", prompt,
		xai.WithImageFormat(xai.ImageFormatBase64),
		xai.WithImageCount(1),
	)
	if err != nil {
		return err
	}
	fmt.Println("Prompt:  ", prompt)
	fmt.Println("Model:   ", resp.Model())
	if usd, ok := resp.CostUSD(); ok {
		fmt.Printf("Cost:     $%.4f\n", usd)
	}

	img := resp.Images()[0]
	if !img.RespectsModeration() {
		return fmt.Errorf("the image was flagged by moderation")
	}
	// Base64 is the text the server sent, usually a data URL
	// ("data:image/png;base64,..."); Bytes decodes it.
	fmt.Printf("Base64:   %d characters\n", len(img.Base64()))
	data, err := img.Bytes()
	if err != nil {
		return err
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("the image does not decode: %w", err)
	}
	fmt.Printf("Decoded:  %d bytes, a %dx%d %s image\n", len(data), cfg.Width, cfg.Height, format)

	// Write it to a new file in the temporary directory (kept, so you can
	// open it: delete it when done).
	f, err := os.CreateTemp("", "grok-image-*."+format)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	st, err := os.Stat(f.Name())
	if err != nil {
		return err
	}
	fmt.Printf("Saved:    %s (%d bytes)\n", f.Name(), st.Size())
	return nil
}
