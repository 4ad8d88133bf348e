package xai_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gogrok/sdk/xai"
)

func ExampleTokenizeService_Text() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	// The fake's tokenizer is not Grok's: real counts differ.
	tokens, err := client.Tokenize.Text(context.Background(), "grok-4", "Hello, world!")
	if err != nil {
		log.Fatal(err)
	}
	for _, tok := range tokens {
		fmt.Printf("%q ", tok.Text)
	}
	fmt.Println()
	// Output:
	// "Hello" "," " world" "!"
}

func ExampleTokenizeService_Count() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	n, err := client.Tokenize.Count(context.Background(), "grok-4", "How many tokens is this?")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "tokens")
	// Output:
	// 6 tokens
}
