// Command batch runs chats as a batch: the service works through the
// requests in the background, at a lower price, and keeps each result for
// later. It creates a batch, adds two chats, then checks the batch now and
// then, printing each result as it finishes.
//
// Run it from the root of the repository with
//
//	go run ./examples/batch
//
// With XAI_API_KEY set it talks to the real xAI API, where a batch may
// take minutes or more (this program waits up to 30 minutes; the batch
// goes on without it); without it, to a fake xAI server running inside the
// program, which runs a batch's requests when it is next read.
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
		log.Fatalf("batch: %v", err)
	}
}

func run(ctx context.Context) error {
	// In your own program: client, err := xai.NewClient()
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	// 1. Create an empty batch. Its ID is all you need to come back later.
	created, err := client.Batch.Create(ctx, "gopher-capitals")
	if err != nil {
		return err
	}
	batchID := created.GetBatchId()
	fmt.Println("Created batch:", batchID)

	// 2. Add requests: chats built as for Sample, each under an ID of your
	// choice that tells its result apart. They are added all or none.
	ask := func(question string) *xai.Chat {
		return client.Chat.Create("grok-4").Append(
			xai.System("Answer in one short sentence."),
			xai.User(question),
		)
	}
	err = client.Batch.Add(ctx, batchID, []xai.BatchRequest{
		xai.BatchChat("france", ask("What is the capital of France?")),
		xai.BatchChat("japan", ask("What is the capital of Japan?")),
	})
	if err != nil {
		return err
	}
	fmt.Println("Added 2 chats: france, japan")

	// 3. Check the batch now and then, printing results as they finish:
	// after 1 second, then 2, 4... up to a minute between checks.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	printed := map[string]bool{}
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		// Read the counts first: once nothing is pending, the listing
		// that follows holds every result.
		batch, err := client.Batch.Get(ctx, batchID)
		if err != nil {
			return err
		}
		state := batch.GetState()
		fmt.Printf("Progress: %d of %d requests pending\n", state.GetNumPending(), state.GetNumRequests())

		// ListResults returns the finished requests (one page per call,
		// following pagination as the loop goes on).
		for res, err := range client.Batch.ListResults(ctx, batchID) {
			if err != nil {
				return err
			}
			if printed[res.ID()] {
				continue
			}
			printed[res.ID()] = true
			if err := res.Err(); err != nil {
				fmt.Printf("  %-7s failed: %v\n", res.ID(), err)
			} else {
				fmt.Printf("  %-7s %s\n", res.ID(), res.Response().Content())
			}
		}

		if state.GetNumPending() == 0 {
			fmt.Printf("Done: %d succeeded, %d failed, %d cancelled, cost $%.6f\n",
				state.GetNumSuccess(), state.GetNumError(), state.GetNumCancelled(),
				float64(batch.GetCostBreakdown().GetTotalCostUsdTicks())/xai.TicksPerUSD)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("batch %s is still running; list its results later: %w", batchID, ctx.Err())
		case <-time.After(wait):
		}
	}
}
