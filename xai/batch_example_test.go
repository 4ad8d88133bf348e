package xai_test

import (
	"context"
	"fmt"
	"log"
	"time"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaitest"
)

func ExampleBatchService() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	srv.EnqueueReply(xaitest.Reply{Content: "London."})
	srv.EnqueueReply(xaitest.Reply{Content: "Paris."})

	batch, err := client.Batch.Create(ctx, "capitals")
	if err != nil {
		log.Fatal(err)
	}
	var reqs []xai.BatchRequest
	for _, country := range []string{"uk", "france"} {
		chat := client.Chat.Create("grok-4", xai.WithMaxTokens(50)).
			Append(xai.User("What is the capital of " + country + "?"))
		reqs = append(reqs, xai.BatchChat(country, chat)) // the ID matches results to requests
	}
	if err := client.Batch.Add(ctx, batch.GetBatchId(), reqs); err != nil {
		log.Fatal(err)
	}

	// Wait until nothing is pending; real batches take minutes to hours.
	for {
		b, err := client.Batch.Get(ctx, batch.GetBatchId())
		if err != nil {
			log.Fatal(err)
		}
		if b.GetState().GetNumPending() == 0 {
			fmt.Println(b.GetState().GetNumSuccess(), "succeeded")
			break
		}
		time.Sleep(10 * time.Millisecond)
	}

	for res, err := range client.Batch.ListResults(ctx, batch.GetBatchId()) {
		if err != nil {
			log.Fatal(err)
		}
		if res.Err() != nil {
			fmt.Println(res.ID(), "failed:", res.Err())
			continue
		}
		fmt.Println(res.ID(), res.Response().Content())
	}
	// Output:
	// 2 succeeded
	// uk London.
	// france Paris.
}

func ExampleBatchService_ListRequests() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	batch, err := client.Batch.Create(ctx, "mixed")
	if err != nil {
		log.Fatal(err)
	}
	err = client.Batch.Add(ctx, batch.GetBatchId(), []xai.BatchRequest{
		xai.BatchChat("good", client.Chat.Create("grok-4").Append(xai.User("Hi"))),
		xai.BatchChat("bad", client.Chat.Create("no-such-model").Append(xai.User("Hi"))),
	})
	if err != nil {
		log.Fatal(err)
	}
	client.Batch.Get(ctx, batch.GetBatchId()) // the fake processes requests on the read after they are first seen
	client.Batch.Get(ctx, batch.GetBatchId())

	// Only the failed requests, fetched 100 at a time.
	for md, err := range client.Batch.ListRequests(ctx, batch.GetBatchId(),
		xai.WithRequestStates(xaiv1.BatchRequestMetadata_STATE_FAILED), xai.WithPageSize(100)) {
		if err != nil {
			log.Fatal(err)
		}
		res, err := client.Batch.GetResult(ctx, batch.GetBatchId(), md.GetBatchRequestId())
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(md.GetBatchRequestId(), xai.IsInvalidArgument(res.Err()))
	}
	// Output:
	// bad true
}

func ExampleBatchImage() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	batch, err := client.Batch.Create(ctx, "media")
	if err != nil {
		log.Fatal(err)
	}
	// The options are those of Image.Generate, Video.Generate and Video.Extend.
	err = client.Batch.Add(ctx, batch.GetBatchId(), []xai.BatchRequest{
		xai.BatchImage("poster", "grok-2-image", "a lighthouse at dusk", xai.WithImageCount(2)),
		xai.BatchVideo("teaser", "grok-imagine-video", "waves at the lighthouse", xai.WithVideoDuration(5*time.Second)),
		xai.BatchVideoExtension("longer", "grok-imagine-video", "the light turns on",
			xai.VideoURL("https://example.com/lighthouse.mp4"), xai.WithVideoDuration(3*time.Second)),
	})
	if err != nil {
		log.Fatal(err)
	}
	for {
		b, err := client.Batch.Get(ctx, batch.GetBatchId())
		if err != nil {
			log.Fatal(err)
		}
		if b.GetState().GetNumPending() == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}

	for res, err := range client.Batch.ListResults(ctx, batch.GetBatchId()) {
		switch {
		case err != nil:
			log.Fatal(err)
		case res.Err() != nil:
			fmt.Println(res.ID(), "failed:", res.Err())
		case res.Image() != nil:
			fmt.Println(res.ID(), len(res.Image().Images()), "images")
		case res.Video() != nil:
			fmt.Println(res.ID(), "video of", res.Video().Duration())
		}
	}
	// Output:
	// poster 2 images
	// teaser video of 5s
	// longer video of 3s
}
