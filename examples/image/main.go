// Command image shows image understanding: a picture is sent inline with a
// question, and the model answers about it.
//
// Without arguments it draws a small PNG in memory (a traffic light) and
// sends its bytes with xai.ImageBytes; given the path of a PNG or JPEG file
// it sends that file with xai.ImageFile. Either way the image is checked
// (PNG or JPEG, at most 20 MiB) before anything is sent.
//
// Run it from the root of the repository with
//
//	go run ./examples/image [photo.jpg]
//
// With XAI_API_KEY set it talks to the real xAI API; without it, to a fake
// xAI server running inside the program, whose answers are canned.
package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"os"

	"github.com/gogrok/sdk/examples/internal/connect"
	"github.com/gogrok/sdk/xai"
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background(), os.Args[1:]); err != nil {
		log.Fatalf("image: %v", err)
	}
}

func run(ctx context.Context, args []string) error {
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	var picture xai.Part
	if len(args) > 0 {
		// A file on disk: its size and format are checked, then it is read
		// and sent inline. DetailHigh looks at it at full resolution.
		picture = xai.ImageFile(args[0], xai.DetailHigh)
		fmt.Println("Image:   ", args[0])
	} else {
		data, err := trafficLight()
		if err != nil {
			return err
		}
		// Bytes in memory. DetailLow is cheaper and plenty for a tiny image.
		picture = xai.ImageBytes(data, xai.DetailLow)
		fmt.Printf("Image:    a %d-byte PNG drawn in memory\n", len(data))
	}
	if err := picture.Err(); err != nil {
		return err // for example, not a PNG or JPEG file
	}

	// grok-4 understands images. xAI advises not to store requests that
	// contain images, hence WithStoreMessages(false).
	chat := client.Chat.Create("grok-4", xai.WithStoreMessages(false))
	chat.Append(xai.User("What is in this image? Answer in one sentence.", picture))
	resp, err := chat.Sample(ctx)
	if err != nil {
		return err
	}
	fmt.Println("Answer:  ", resp.Content())
	fmt.Printf("Usage:    %d prompt tokens, of which %d for the image\n",
		resp.Usage().GetPromptTokens(), resp.Usage().GetPromptImageTokens())
	return nil
}

// trafficLight draws a traffic light: a dark box with a red, an amber and a
// green disc, and returns it encoded as PNG.
func trafficLight() ([]byte, error) {
	const w, h = 40, 100
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	lights := []color.RGBA{{220, 30, 30, 255}, {240, 170, 20, 255}, {30, 180, 60, 255}}
	for y := range h {
		for x := range w {
			c := color.RGBA{40, 40, 40, 255}
			// Discs of radius 12 centred at (20, 18), (20, 50), (20, 82).
			for i, light := range lights {
				dx, dy := x-20, y-(18+32*i)
				if dx*dx+dy*dy <= 12*12 {
					c = light
				}
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
