package xaiotel

import (
	"context"
	"slices"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/gogrok/sdk/xai"
)

// The GenAI client metrics of the OpenTelemetry semantic conventions
// (docs/gen-ai/gen-ai-metrics.md): names, units and the recommended
// explicit bucket boundaries.
const (
	metricTokenUsage = "gen_ai.client.token.usage"
	metricDuration   = "gen_ai.client.operation.duration"
	keyTokenType     = attribute.Key("gen_ai.token.type")
)

var (
	tokenBuckets    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
	durationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
)

// meters holds the instruments of the generative AI calls.
type meters struct {
	tokens   metric.Int64Histogram
	duration metric.Float64Histogram
}

func newMeters(mp metric.MeterProvider) *meters {
	m := mp.Meter(ScopeName, metric.WithInstrumentationVersion(xai.Version))
	// On an error the API still returns a working (no-op) instrument; the
	// error goes to the global error handler, as OpenTelemetry does.
	tokens, err := m.Int64Histogram(metricTokenUsage,
		metric.WithUnit("{token}"),
		metric.WithDescription("Number of input and output tokens used."),
		metric.WithExplicitBucketBoundaries(tokenBuckets...))
	if err != nil {
		otel.Handle(err)
	}
	duration, err := m.Float64Histogram(metricDuration,
		metric.WithUnit("s"),
		metric.WithDescription("GenAI operation duration."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	if err != nil {
		otel.Handle(err)
	}
	return &meters{tokens: tokens, duration: duration}
}

// enabled reports whether the instruments record anything: false with a
// no-op provider, or the global one before otel.SetMeterProvider.
func (m *meters) enabled(ctx context.Context) bool {
	return m.duration.Enabled(ctx) || m.tokens.Enabled(ctx)
}

// measure records the metrics of a generative call that ended: model is
// the model asked for, errType its error.type ("" on success). c.res is
// complete and assembled.
func (c *call) measure(model, errType string) {
	elapsed := time.Since(c.begin).Seconds()
	attrs := make([]attribute.KeyValue, 0, 8)
	attrs = append(attrs, keyOperationName.String(c.op), keyProviderName.String(providerName))
	if model != "" {
		attrs = append(attrs, keyRequestModel.String(model))
	}
	if c.res.model != "" {
		attrs = append(attrs, keyResponseModel.String(c.res.model))
	}
	if c.host != "" {
		attrs = append(attrs, keyServerAddress.String(c.host))
		if c.port > 0 {
			attrs = append(attrs, keyServerPort.Int(c.port))
		}
	}
	m := c.t.meters
	if u := c.res.usage; u != nil {
		// NewSet sorts its argument in place: each set gets its own slice.
		in := attribute.NewSet(slices.Concat(attrs, []attribute.KeyValue{keyTokenType.String("input")})...)
		out := attribute.NewSet(slices.Concat(attrs, []attribute.KeyValue{keyTokenType.String("output")})...)
		m.tokens.Record(c.ctx, int64(u.GetPromptTokens()), metric.WithAttributeSet(in))
		m.tokens.Record(c.ctx, int64(u.GetCompletionTokens())+int64(u.GetReasoningTokens()), metric.WithAttributeSet(out))
	}
	if errType != "" {
		attrs = append(attrs, keyErrorType.String(errType))
	}
	m.duration.Record(c.ctx, elapsed, metric.WithAttributeSet(attribute.NewSet(attrs...)))
}
