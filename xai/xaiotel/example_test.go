package xaiotel_test

import (
	"context"
	"fmt"
	"log"
	"slices"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
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

	// The conversation ID groups the spans of the chat's calls.
	chat := client.Chat.Create("grok-3", xai.WithTemperature(0.2), xai.WithConversationID("ticket-4711"))
	chat.Append(xai.User("What is the capital of France?"))
	if _, err := chat.Sample(context.Background()); err != nil {
		log.Fatal(err)
	}

	for _, span := range exporter.GetSpans() {
		fmt.Println(span.Name, span.SpanKind)
		for _, kv := range span.Attributes {
			switch kv.Key {
			case "gen_ai.provider.name", "gen_ai.operation.name", "gen_ai.request.model", "gen_ai.conversation.id",
				"gen_ai.request.temperature", "gen_ai.response.finish_reasons":
				fmt.Printf("  %s = %s\n", kv.Key, kv.Value.Emit())
			}
		}
	}
	// Output:
	// chat grok-3 client
	//   gen_ai.operation.name = chat
	//   gen_ai.provider.name = x_ai
	//   gen_ai.conversation.id = ticket-4711
	//   gen_ai.request.temperature = 0.2
	//   gen_ai.request.model = grok-3
	//   gen_ai.response.finish_reasons = ["stop"]
}

// Measure a client's generative calls with the GenAI client metrics. A
// real program gives its own MeterProvider, with an exporter to its metrics
// backend (or sets the global one); this one reads the metrics from memory.
func ExampleWithMeterProvider() {
	srv, err := xaitest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	reader := sdkmetric.NewManualReader()
	meters := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer meters.Shutdown(context.Background())

	client, err := xai.NewClient(
		xai.WithEndpoint(srv.Target()),
		xai.WithDialOptions(srv.DialOptions()...),
		xai.WithAPIKey(srv.APIKey()),
		xai.WithInsecure(),
		xaiotel.WithTracing(xaiotel.WithMeterProvider(meters)),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	chat := client.Chat.Create("grok-3")
	chat.Append(xai.User("What is the capital of France?"))
	if _, err := chat.Sample(context.Background()); err != nil {
		log.Fatal(err)
	}

	var data metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &data); err != nil {
		log.Fatal(err)
	}
	for _, scope := range data.ScopeMetrics {
		for _, m := range scope.Metrics {
			fmt.Printf("%s (%s)\n", m.Name, m.Unit)
			var lines []string
			switch h := m.Data.(type) {
			case metricdata.Histogram[int64]: // token usage
				for _, p := range h.DataPoints {
					typ, _ := p.Attributes.Value("gen_ai.token.type")
					model, _ := p.Attributes.Value("gen_ai.request.model")
					lines = append(lines, fmt.Sprintf("  %s tokens of %s: %d", typ.Emit(), model.Emit(), p.Sum))
				}
			case metricdata.Histogram[float64]: // duration, in seconds
				for _, p := range h.DataPoints {
					op, _ := p.Attributes.Value("gen_ai.operation.name")
					lines = append(lines, fmt.Sprintf("  %s calls: %d", op.Emit(), p.Count))
				}
			}
			slices.Sort(lines)
			for _, l := range lines {
				fmt.Println(l)
			}
		}
	}
	// Output:
	// gen_ai.client.token.usage ({token})
	//   input tokens of grok-3: 10
	//   output tokens of grok-3: 25
	// gen_ai.client.operation.duration (s)
	//   chat calls: 1
}
