package xaiotel_test

import (
	"context"
	"fmt"
	"log"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaiotel"
	"github.com/gogrok/sdk/xai/xaitest"
)

// Trace a client's calls. A real program sets up an exporter to its tracing
// backend and passes xaiotel.WithTracing() to use the global provider; this
// one records spans in memory and talks to the in-process fake server.
func ExampleWithTracing() {
	srv, err := xaitest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	exporter := tracetest.NewInMemoryExporter()
	provider := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer provider.Shutdown(context.Background())

	client, err := xai.NewClient(
		xai.WithEndpoint(srv.Target()),
		xai.WithDialOptions(srv.DialOptions()...),
		xai.WithAPIKey(srv.APIKey()),
		xai.WithInsecure(),
		xaiotel.WithTracing(
			xaiotel.WithTracerProvider(provider),
			xaiotel.WithContent(false), // the default: no prompts or completions in spans
		),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	chat := client.Chat.Create("grok-3", xai.WithTemperature(0.2))
	chat.Append(xai.User("What is the capital of France?"))
	if _, err := chat.Sample(context.Background()); err != nil {
		log.Fatal(err)
	}

	for _, span := range exporter.GetSpans() {
		fmt.Println(span.Name, span.SpanKind)
		for _, kv := range span.Attributes {
			switch kv.Key {
			case "gen_ai.provider.name", "gen_ai.operation.name", "gen_ai.request.model",
				"gen_ai.request.temperature", "gen_ai.response.finish_reasons":
				fmt.Printf("  %s = %s\n", kv.Key, kv.Value.Emit())
			}
		}
	}
	// Output:
	// chat grok-3 client
	//   gen_ai.operation.name = chat
	//   gen_ai.provider.name = x_ai
	//   gen_ai.request.temperature = 0.2
	//   gen_ai.request.model = grok-3
	//   gen_ai.response.finish_reasons = ["stop"]
}
