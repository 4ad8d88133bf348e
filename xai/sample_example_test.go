package xai_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/gogrok/sdk/xai"
)

func ExampleSampleService_Text() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	comp, err := client.Sample.Text(context.Background(), "grok-3", "The capital of France is",
		xai.WithMaxTokens(8), xai.WithTemperature(0),
		xai.CallOptions{xai.WithCallTimeout(30 * time.Second)},
	)
	if err != nil {
		log.Fatal(err)
	}
	// The fake continues every prompt with the same canned text.
	fmt.Printf("%q %v\n", comp.Text(), comp.FinishReason())

	// Chat options the legacy API has no field for are refused.
	_, err = client.Sample.Text(context.Background(), "grok-3", "Hi", xai.WithTools(xai.WebSearch()))
	fmt.Println(xai.IsInvalidArgument(err))
	// Output:
	// " and so the text goes on after \"" REASON_MAX_LEN
	// true
}

func ExampleSampleService_Stream() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	stream, err := client.Sample.Stream(context.Background(), "grok-3", "Once upon a time")
	if err != nil {
		log.Fatal(err)
	}
	defer stream.Close()
	for chunk, err := range stream.All() {
		if err != nil {
			log.Fatal(err) // stream.Completion() holds what had arrived
		}
		fmt.Print(chunk.Text())
	}
	fmt.Println()
	fmt.Println(stream.Completion().FinishReason())
	// Output:
	//  and so the text goes on after "Once upon a time".
	// REASON_STOP
}
