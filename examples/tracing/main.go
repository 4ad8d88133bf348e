// Command tracing traces the client's calls with OpenTelemetry: package
// xaiotel adds one span per call, named and described after the
// OpenTelemetry conventions for generative AI (model, token usage, finish
// reasons...), with the gRPC method and status on every span.
//
// A real program sends spans to its tracing backend through an exporter
// (OTLP, for example) and usually sets the global tracer provider. This one
// keeps them in memory with the OpenTelemetry SDK's in-memory exporter and
// prints them after three calls made inside a span of its own: a chat, a
// token count, and a call that fails.
//
// Run it from the root of the repository with
//
//	go run ./examples/tracing
//
// With XAI_API_KEY set it talks to the real xAI API; without it, to a fake
// xAI server running inside the program, whose answers are canned.
package main

import (
	"context"
	"fmt"
	"log"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/gogrok/sdk/examples/internal/connect"
	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaiotel"
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("tracing: %v", err)
	}
}

// shown are the span attributes printed, in this order, when present.
var shown = []attribute.Key{
	"gen_ai.operation.name", "gen_ai.request.model", "gen_ai.request.temperature",
	"gen_ai.response.model", "gen_ai.response.finish_reasons",
	"gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
	"rpc.service", "rpc.method", "rpc.grpc.status_code", "error.type",
}

func run(ctx context.Context) error {
	// The tracer provider of the OpenTelemetry SDK, with an exporter that
	// keeps every span in memory as soon as it ends (WithSyncer). A real
	// program would use sdktrace.WithBatcher and an OTLP exporter.
	exporter := tracetest.NewInMemoryExporter()
	provider := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer provider.Shutdown(context.Background())

	// One option turns tracing on. Without WithTracerProvider, spans go to
	// the global provider (otel.SetTracerProvider). Prompts and answers
	// are recorded only with xaiotel.WithContent(true).
	// In your own program: client, err := xai.NewClient(xaiotel.WithTracing())
	client, cleanup, err := connect.Client(xaiotel.WithTracing(xaiotel.WithTracerProvider(provider)))
	if err != nil {
		return err
	}
	defer cleanup()

	// A span of the program's own: the client's spans become its children.
	ctx, parent := provider.Tracer("examples/tracing").Start(ctx, "answer-question")

	chat := client.Chat.Create("grok-4", xai.WithTemperature(0.3))
	chat.Append(xai.User("What is the capital of France?"))
	resp, err := chat.Sample(ctx)
	if err != nil {
		return err
	}
	fmt.Println("Answer:", resp.Content())

	n, err := client.Tokenize.Count(ctx, "grok-4", resp.Content())
	if err != nil {
		return err
	}
	fmt.Println("Tokens:", n)

	// A failed call gets a span too, with status Error and error.type.
	_, err = client.Chat.GetStoredCompletion(ctx, "no-such-response")
	if !xai.IsNotFound(err) {
		return fmt.Errorf("looking up a missing response: want NotFound, got %v", err)
	}
	fmt.Println("Lookup of a missing response: NotFound, as expected")

	parent.End()

	// Print the spans, in the order they ended.
	spans := exporter.GetSpans()
	fmt.Printf("Spans recorded: %d\n", len(spans))
	for _, s := range spans {
		fmt.Printf("%q  kind %s, status %s", s.Name, s.SpanKind, s.Status.Code)
		if s.Parent.SpanID() == parent.SpanContext().SpanID() {
			fmt.Print(", child of answer-question")
		}
		fmt.Println()
		for _, key := range shown {
			for _, kv := range s.Attributes {
				if kv.Key == key {
					fmt.Printf("    %s = %s\n", kv.Key, kv.Value.Emit())
				}
			}
		}
	}
	return nil
}
