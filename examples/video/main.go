// Command video generates a short video clip from a text prompt. Videos
// take a while to make, so generation is deferred: Generate returns a
// request ID at once, Get asks once how far along the video is, and Wait
// polls until it is ready (GenerateAndWait does both in one call). It then
// prints the video's URL and duration.
//
// Run it from the root of the repository with
//
//	go run ./examples/video
//
// With XAI_API_KEY set it talks to the real xAI API (billed per second of
// video, and it takes a minute or more); without it, to a fake xAI server
// running inside the program, which makes no video: its URL leads nowhere.
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
		log.Fatalf("video: %v", err)
	}
}

func run(ctx context.Context) error {
	// In your own program: client, err := xai.NewClient()
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	// Start the request. The options are checked before anything is sent.
	const prompt = "A gopher surfing a wave at sunset, cinematic"
	requestID, err := client.Video.Generate(ctx, "grok-imagine-video", prompt,
		xai.WithVideoDuration(5*time.Second),
		xai.WithVideoAspectRatio(xai.VideoAspect16x9),
		xai.WithVideoResolution(xai.VideoResolution480p),
	)
	if err != nil {
		return err
	}
	fmt.Println("Prompt:    ", prompt)
	fmt.Println("Started:   ", requestID, "(keep it to fetch the video later)")

	// Get asks once. While the video is being made, done is false and
	// Progress says how far along it is.
	video, done, err := client.Video.Get(ctx, requestID)
	if err != nil {
		return err
	}
	if !done {
		fmt.Printf("Progress:   %d%%, still being made\n", video.Progress())

		// Wait polls until the video is ready: every 5 seconds here (1 by
		// default), for at most 10 minutes. If it gives up, the video is
		// still being made: call Wait again with the same ID.
		video, err = client.Video.Wait(ctx, requestID,
			xai.WithPollInterval(5*time.Second), xai.WithPollTimeout(10*time.Minute))
		if err != nil {
			return err // a failed or expired video is an error too
		}
	}

	// The URL is temporary: download the video soon, or ask for
	// xai.WithVideoStorage to keep a copy with the Files API.
	fmt.Printf("Progress:   %d%%, ready\n", video.Progress())
	fmt.Println("URL:       ", video.URL())
	fmt.Println("Duration:  ", video.Duration())
	fmt.Println("Model:     ", video.Model())
	if video.RespectsModeration() {
		fmt.Println("Moderation: passed")
	} else {
		fmt.Println("Moderation: flagged")
	}
	if usd, ok := video.CostUSD(); ok {
		fmt.Printf("Cost:       $%.2f\n", usd)
	}
	return nil
}
