package xai_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/gogrok/sdk/xai"
)

func ExampleVideoService_GenerateAndWait() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	video, err := client.Video.GenerateAndWait(context.Background(), "grok-imagine-video",
		"A red fox trotting through fresh snow at dawn",
		xai.WithVideoDuration(5*time.Second),
		xai.WithVideoAspectRatio(xai.VideoAspect16x9),
		xai.WithVideoResolution(xai.VideoResolution720p),
		xai.PollOptions{xai.WithPollInterval(10 * time.Millisecond), xai.WithPollTimeout(5 * time.Minute)},
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(video.Duration(), video.Model())
	cost, _ := video.CostUSD()
	fmt.Printf("%.2f USD\n", cost)
	// Output:
	// 5s grok-imagine-video
	// 0.25 USD
}

func ExampleVideoService_Get() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	// Animate an image, and keep the result as a file for a day.
	id, err := client.Video.Generate(ctx, "grok-imagine-video", "The cat slowly turns its head",
		xai.WithVideoImage(xai.ImageURL("https://example.com/cat.jpg", xai.DetailAuto)),
		xai.WithVideoStorage(xai.Storage{Filename: "cat.mp4", ExpiresAfter: 24 * time.Hour}))
	if err != nil {
		log.Fatal(err)
	}
	for {
		video, done, err := client.Video.Get(ctx, id)
		if err != nil {
			log.Fatal(err)
		}
		if done {
			fmt.Println("saved as", video.File().GetFilename())
			break
		}
		fmt.Printf("%d%% done\n", video.Progress())
		time.Sleep(10 * time.Millisecond) // real videos take minutes: poll every few seconds
	}
	// Output:
	// 50% done
	// saved as cat.mp4
}

func ExampleVideoService_Extend() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	id, err := client.Video.Extend(ctx, "grok-imagine-video", "Then it starts to rain",
		xai.VideoURL("https://example.com/clip.mp4"), xai.WithVideoDuration(4*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	video, err := client.Video.Wait(ctx, id, xai.WithPollInterval(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("added", video.Duration())
	// Output:
	// added 4s
}

func ExampleWithSourceVideo_invalid() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	// Checked before anything is sent.
	_, err = client.Video.Generate(context.Background(), "grok-imagine-video", "Make it black and white",
		xai.WithSourceVideo(xai.VideoURL("ftp://example.com/clip.mp4")))
	fmt.Println(xai.IsInvalidArgument(err), len(srv.Requests()))
	// Output:
	// true 0
}
