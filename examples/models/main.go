// Command models lists the models your API key may use: language (chat)
// models, embedding models and image generation models, then describes one
// of them, looked up by an alias.
//
// Run it from the root of the repository with
//
//	go run ./examples/models
//
// With XAI_API_KEY set it talks to the real xAI API; without it, to a fake
// xAI server running inside the program, whose catalogue is a snapshot with
// illustrative prices.
package main

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/gogrok/sdk/examples/internal/connect"
	"github.com/gogrok/sdk/xai"
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("models: %v", err)
	}
}

func run(ctx context.Context) error {
	// In your own program: client, err := xai.NewClient()
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	// Models come back as plain protobuf descriptions, read with getters.
	// Prices are integers in USD ticks (xai.TicksPerUSD ticks make a
	// dollar) per token, or per image for image models.
	language, err := client.Models.ListLanguage(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("Language models (%d):\n", len(language))
	for _, m := range language {
		fmt.Printf("  %-28s %9d-token context, $%.2f in / $%.2f out per million tokens\n",
			m.GetName(), m.GetMaxPromptLength(),
			perMillion(m.GetPromptTextTokenPrice()), perMillion(m.GetCompletionTextTokenPrice()))
	}

	embedding, err := client.Models.ListEmbedding(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("Embedding models (%d):\n", len(embedding))
	for _, m := range embedding {
		fmt.Printf("  %-28s $%.2f per million tokens\n", m.GetName(), perMillion(m.GetPromptTextTokenPrice()))
	}

	images, err := client.Models.ListImageGeneration(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("Image generation models (%d):\n", len(images))
	for _, m := range images {
		fmt.Printf("  %-28s $%.3f per image\n", m.GetName(), float64(m.GetImagePrice())/xai.TicksPerUSD)
	}

	// Get one model by name or alias: the answer carries its full name.
	m, err := client.Models.GetLanguage(ctx, "grok-4")
	if err != nil {
		return err // xai.IsNotFound(err) for a model that does not exist
	}
	fmt.Println(`GetLanguage("grok-4"):`)
	fmt.Println("  name:     ", m.GetName())
	fmt.Println("  aliases:  ", strings.Join(m.GetAliases(), ", "))
	fmt.Println("  input:    ", m.GetInputModalities())
	fmt.Println("  output:   ", m.GetOutputModalities())
	fmt.Println("  context:  ", m.GetMaxPromptLength(), "tokens")
	if created := m.GetCreated(); created != nil {
		fmt.Println("  created:  ", created.AsTime().Format("2006-01-02"))
	}
	return nil
}

// perMillion converts a price in USD ticks per token into dollars per
// million tokens, the unit of xAI's price list.
func perMillion(ticksPerToken int64) float64 {
	return float64(ticksPerToken) * 1e6 / xai.TicksPerUSD
}
