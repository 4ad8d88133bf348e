package xaiotel_test

import (
	"context"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaiotel"
	"github.com/gogrok/sdk/xai/xaitest"
)

// The recommended bucket boundaries of the OpenTelemetry GenAI semantic
// conventions (docs/gen-ai/gen-ai-metrics.md).
var (
	specTokenBounds    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
	specDurationBounds = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
)

// newMeteredEnv is newEnv with the metrics going to an in-memory reader.
func newMeteredEnv(t *testing.T, opts ...xaiotel.Option) (*env, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return newEnv(t, append([]xaiotel.Option{xaiotel.WithMeterProvider(mp)}, opts...)...), reader
}

// point is one histogram data point.
type point struct {
	attrs  map[attribute.Key]attribute.Value
	count  uint64
	sum    float64
	bounds []float64
}

// metrics collects what reader holds: the data points of each histogram of
// this package's scope by name, and the units.
func metrics(t *testing.T, reader *sdkmetric.ManualReader) (points map[string][]point, units map[string]string) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	points, units = map[string][]point{}, map[string]string{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != xaiotel.ScopeName {
			t.Errorf("metrics of scope %q", sm.Scope.Name)
			continue
		}
		for _, m := range sm.Metrics {
			units[m.Name] = m.Unit
			switch d := m.Data.(type) {
			case metricdata.Histogram[int64]:
				for _, dp := range d.DataPoints {
					points[m.Name] = append(points[m.Name], point{attrMap(dp.Attributes.ToSlice()), dp.Count, float64(dp.Sum), dp.Bounds})
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					points[m.Name] = append(points[m.Name], point{attrMap(dp.Attributes.ToSlice()), dp.Count, dp.Sum, dp.Bounds})
				}
			default:
				t.Errorf("%s is a %T, want a histogram", m.Name, m.Data)
			}
		}
	}
	return points, units
}

// checkCall checks the metrics of one successful generative call: its
// duration, and its input and output tokens when usage is not nil.
func checkCall(t *testing.T, e *env, reader *sdkmetric.ManualReader, op, model, responseModel string, usage *xaiv1.SamplingUsage) {
	t.Helper()
	points, units := metrics(t, reader)
	host, portText, _ := net.SplitHostPort(e.srv.Target())
	port, _ := strconv.Atoi(portText)
	common := func(a map[attribute.Key]attribute.Value) {
		t.Helper()
		wantAttr(t, a, "gen_ai.operation.name", op)
		wantAttr(t, a, "gen_ai.provider.name", "x_ai")
		wantAttr(t, a, "gen_ai.request.model", model)
		wantAttr(t, a, "gen_ai.response.model", responseModel)
		wantAttr(t, a, "server.address", host)
		wantAttr(t, a, "server.port", int64(port))
	}

	if units["gen_ai.client.operation.duration"] != "s" {
		t.Errorf("duration unit %q, want s", units["gen_ai.client.operation.duration"])
	}
	d := points["gen_ai.client.operation.duration"]
	if len(d) != 1 || d[0].count != 1 {
		t.Fatalf("duration points %+v, want one of one call", d)
	}
	common(d[0].attrs)
	noAttr(t, d[0].attrs, "error.type", "gen_ai.token.type")
	if d[0].sum <= 0 {
		t.Errorf("duration %v s", d[0].sum)
	}
	if !slices.Equal(d[0].bounds, specDurationBounds) {
		t.Errorf("duration buckets %v, want the conventions' %v", d[0].bounds, specDurationBounds)
	}

	tokens := points["gen_ai.client.token.usage"]
	if usage == nil {
		if len(tokens) != 0 {
			t.Errorf("token points %+v without usage", tokens)
		}
		return
	}
	if units["gen_ai.client.token.usage"] != "{token}" {
		t.Errorf("token unit %q, want {token}", units["gen_ai.client.token.usage"])
	}
	want := map[string]float64{
		"input":  float64(usage.GetPromptTokens()),
		"output": float64(usage.GetCompletionTokens() + usage.GetReasoningTokens()),
	}
	if want["input"] <= 0 || want["output"] <= 0 {
		t.Fatalf("the fake reported usage %v: the test would prove nothing", usage)
	}
	if len(tokens) != 2 {
		t.Fatalf("token points %+v, want input and output", tokens)
	}
	for _, p := range tokens {
		typ := p.attrs["gen_ai.token.type"].AsString()
		w, ok := want[typ]
		if !ok || p.count != 1 || p.sum != w {
			t.Errorf("token point %s: count %d sum %v, want 1 and %v", typ, p.count, p.sum, w)
		}
		delete(want, typ)
		common(p.attrs)
		noAttr(t, p.attrs, "error.type")
		if !slices.Equal(p.bounds, specTokenBounds) {
			t.Errorf("token buckets %v, want the conventions' %v", p.bounds, specTokenBounds)
		}
	}
}

func TestMetricsSample(t *testing.T) {
	t.Parallel()
	e, reader := newMeteredEnv(t)
	resp, err := e.chat().Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCall(t, e, reader, "chat", "grok-4", resp.Proto().GetModel(), resp.Proto().GetUsage())
}

func TestMetricsStream(t *testing.T) {
	t.Parallel()
	e, reader := newMeteredEnv(t)
	e.srv.EnqueueReply(xaitest.Reply{Chunks: []string{"one ", "two ", "three"}})
	stream, _ := streamAll(t, e.chat())
	resp := stream.Response()
	checkCall(t, e, reader, "chat", "grok-4", resp.Proto().GetModel(), resp.Proto().GetUsage())
}

func TestMetricsTextCompletion(t *testing.T) {
	t.Parallel()
	e, reader := newMeteredEnv(t)
	text, err := e.client.Sample.Text(context.Background(), "grok-3", "Once upon a time")
	if err != nil {
		t.Fatal(err)
	}
	checkCall(t, e, reader, "text_completion", "grok-3", text.Proto().GetModel(), text.Proto().GetUsage())
}

// errorType returns the error.type of the only duration point, and fails
// if any tokens were counted.
func errorType(t *testing.T, reader *sdkmetric.ManualReader) string {
	t.Helper()
	points, _ := metrics(t, reader)
	d := points["gen_ai.client.operation.duration"]
	if len(d) != 1 || d[0].count != 1 {
		t.Fatalf("duration points %+v, want one", d)
	}
	wantAttr(t, d[0].attrs, "gen_ai.operation.name", "chat")
	wantAttr(t, d[0].attrs, "gen_ai.request.model", "grok-4")
	if tokens := points["gen_ai.client.token.usage"]; len(tokens) != 0 {
		t.Errorf("token points %+v for a call that failed before its usage", tokens)
	}
	v, ok := d[0].attrs["error.type"]
	if !ok {
		return ""
	}
	return v.AsString()
}

// The conventions require error.type on the duration of a failed operation.
func TestMetricsErrors(t *testing.T) {
	t.Parallel()
	t.Run("unary", func(t *testing.T) {
		e, reader := newMeteredEnv(t)
		e.srv.InjectFault(xaiv1.Chat_GetCompletion_FullMethodName, xaitest.Fault{Code: codes.PermissionDenied, Message: "no"})
		if _, err := e.chat().Sample(context.Background()); err == nil {
			t.Fatal("want an error")
		}
		if got := errorType(t, reader); got != "PERMISSION_DENIED" {
			t.Errorf("error.type %q", got)
		}
	})
	t.Run("stream midway", func(t *testing.T) {
		e, reader := newMeteredEnv(t)
		e.srv.InjectFault(xaiv1.Chat_GetCompletionChunk_FullMethodName, xaitest.Fault{Code: codes.Internal, Message: "boom", AfterChunks: 1})
		streamFailure(t, e.chat())
		if got := errorType(t, reader); got != "INTERNAL" {
			t.Errorf("error.type %q", got)
		}
	})
	t.Run("stream stopped by the caller", func(t *testing.T) {
		e, reader := newMeteredEnv(t)
		e.srv.EnqueueReply(xaitest.Reply{Chunks: []string{"first ", "second ", "third"}})
		stream, err := e.chat().Stream(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for range stream.All() {
			break
		}
		stream.Close()
		e.spans(t, 1) // the call has ended
		if got := errorType(t, reader); got != "CANCELLED" {
			t.Errorf("error.type %q, want CANCELLED: a cut stream's duration is not an operation's", got)
		}
	})
}

// Only the generative operations are measured; queueing a deferred
// completion is not one (its result comes through a plain RPC).
func TestMetricsOnlyGenerativeCalls(t *testing.T) {
	t.Parallel()
	e, reader := newMeteredEnv(t)
	ctx := context.Background()
	if _, err := xaiv1.NewModelsClient(e.client.Conn()).ListLanguageModels(ctx, &emptypb.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.chat().Defer(ctx, xai.WithPollInterval(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if points, _ := metrics(t, reader); len(points) != 0 {
		t.Errorf("metrics %+v, want none", points)
	}
}

func TestMetricsWithoutSpans(t *testing.T) {
	t.Setenv(xaiotel.EnvDisableTracing, "true")
	e, reader := newMeteredEnv(t)
	resp, err := e.chat().Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e.spans(t, 0)
	checkCall(t, e, reader, "chat", "grok-4", resp.Proto().GetModel(), resp.Proto().GetUsage())
}
