package xai_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gogrok/sdk/xai"
)

func ExampleModelsService_ListLanguage() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	models, err := client.Models.ListLanguage(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range models[:3] {
		fmt.Println(m.GetName(), m.GetAliases())
	}
	// Output:
	// grok-4-0709 [grok-4 grok-4-latest]
	// grok-4-fast-reasoning [grok-4-fast-reasoning-latest grok-4-fast]
	// grok-4-fast-non-reasoning [grok-4-fast-non-reasoning-latest]
}

func ExampleModelsService_GetLanguage() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	m, err := client.Models.GetLanguage(ctx, "grok-4") // an alias
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.GetName(), m.GetMaxPromptLength(), m.GetInputModalities())
	// Prices are in USD ticks per token.
	fmt.Printf("$%.2f per million prompt tokens\n", float64(m.GetPromptTextTokenPrice())*1e6/xai.TicksPerUSD)

	_, err = client.Models.GetLanguage(ctx, "grok-99")
	fmt.Println(xai.IsNotFound(err))
	// Output:
	// grok-4-0709 256000 [TEXT IMAGE]
	// $3.00 per million prompt tokens
	// true
}
