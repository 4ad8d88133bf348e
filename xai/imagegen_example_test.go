package xai_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/gogrok/sdk/xai"
)

func ExampleImageService_Generate() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	resp, err := client.Image.Generate(context.Background(), "grok-2-image", "a lighthouse at dusk, oil painting",
		xai.WithImageCount(2),
		xai.WithImageFormat(xai.ImageFormatBase64),
		xai.WithImageAspectRatio(xai.ImageAspect16x9),
	)
	if err != nil {
		log.Fatal(err)
	}
	for i, img := range resp.Images() {
		data, err := img.Bytes()
		if err != nil {
			log.Fatal(err)
		}
		// The fake draws tiny PNG gradients; the real service returns JPEG photos.
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("image %d: %dx%d\n", i, cfg.Width, cfg.Height)
	}
	// Output:
	// image 0: 64x36
	// image 1: 64x36
}

func ExampleImageService_Generate_edit() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	// Create an image and keep it as a file for a day.
	first, err := client.Image.Generate(ctx, "grok-2-image", "a white cat",
		xai.WithImageStorage(xai.Storage{Filename: "cat.png", ExpiresAfter: 24 * time.Hour}))
	if err != nil {
		log.Fatal(err)
	}
	file := first.Images()[0].File()
	fmt.Println("stored as", file.GetFilename())

	// Edit it: source images are parts, as in chat (ImageURL, ImageBytes,
	// ImageFile or ImageFileID).
	edited, err := client.Image.Generate(ctx, "grok-2-image", "make the cat black",
		xai.WithSourceImages(xai.ImageFileID(file.GetFileId(), xai.DetailHigh)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(edited.Images()), "edited image")

	// Invalid values are refused before anything is sent.
	_, err = client.Image.Generate(ctx, "grok-2-image", "a dog", xai.WithImageCount(20))
	fmt.Println(err)
	// Output:
	// stored as cat.png
	// 1 edited image
	// xai: InvalidArgument: WithImageCount: the image count is 20; it must be between 1 and 10
}

// Images returned as URLs are fetched with Download, under the caller's
// context and a size cap. (Not run: the fake's URLs point nowhere.)
func ExampleGeneratedImage_Download() {
	client, err := xai.NewClient() // reads XAI_API_KEY
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	resp, err := client.Image.Generate(ctx, "grok-2-image", "a red fox in the snow")
	if err != nil {
		log.Fatal(err)
	}
	data, err := resp.Images()[0].Download(ctx, http.DefaultClient, xai.MaxImageBytes)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("fox.jpg", data, 0o644); err != nil {
		log.Fatal(err)
	}
}
