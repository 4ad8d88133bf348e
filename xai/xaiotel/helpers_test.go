package xaiotel_test

// Test helpers shared by the tests of package xaiotel: a traced client of a
// fake server with its recorded spans, readers of streams, and assertions
// on spans and attributes.

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaiotel"
	"github.com/gogrok/sdk/xai/xaitest"
)

// secretKey is the API key of the tests; it must never show in a span.
const secretKey = "xai-SECRET-otel-key-7d3e1b90"

// Texts of the conversation, searched for in spans by the content tests.
const (
	systemText = "You are a terse assistant (system-marker-5521)."
	userText   = "Tell me about user-marker-9d31."
)

// env is a fake server, a traced client of it, and the recorded spans.
type env struct {
	srv    *xaitest.Server
	client *xai.Client
	exp    *tracetest.InMemoryExporter
	tp     *countingProvider
	seen   atomic.Int64 // the span count spans last returned, -1 before
}

func newEnv(t *testing.T, opts ...xaiotel.Option) *env {
	t.Helper()
	srv := xaitest.Start(t, xaitest.WithAPIKeys(secretKey))
	exp := tracetest.NewInMemoryExporter()
	sdk := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = sdk.Shutdown(context.Background()) })
	e := &env{srv: srv, exp: exp}
	e.seen.Store(-1)
	// Runs once the client is closed and every call is over (before the
	// provider's shutdown empties exp): no span may have ended since the
	// test last counted them.
	t.Cleanup(func() {
		if n := e.seen.Load(); n >= 0 && len(exp.GetSpans()) != int(n) {
			t.Errorf("%d spans ended, the test saw %d", len(exp.GetSpans()), n)
		}
	})
	tp := &countingProvider{TracerProvider: sdk, ends: map[trace.SpanID]int{}}
	client, err := xai.NewClient(
		xai.WithEndpoint(srv.Target()),
		xai.WithDialOptions(srv.DialOptions()...),
		xai.WithAPIKey(srv.APIKey()),
		xai.WithInsecure(),
		xai.WithoutEnv(),
		xaiotel.WithTracing(append([]xaiotel.Option{xaiotel.WithTracerProvider(tp)}, opts...)...),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	e.client, e.tp = client, tp
	return e
}

// spans waits until n spans have ended and returns them, failing if more
// have. Spans that end later are caught when the test ends (see newEnv).
func (e *env) spans(t *testing.T, n int) tracetest.SpanStubs {
	t.Helper()
	for len(e.exp.GetSpans()) < n {
		time.Sleep(time.Millisecond) // poll: a span can end on another goroutine
	}
	got := e.exp.GetSpans()
	if len(got) != n {
		for _, s := range got {
			t.Logf("span %q", s.Name)
		}
		t.Fatalf("got %d spans, want %d", len(got), n)
	}
	e.seen.Store(int64(n))
	e.tp.checkEndedOnce(t)
	noSecrets(t, got)
	return got
}

func (e *env) chat(opts ...xai.ChatOption) *xai.Chat {
	return e.client.Chat.Create("grok-4", opts...).Append(xai.System(systemText), xai.User(userText))
}

// countingProvider counts the End calls of every span it starts.
type countingProvider struct {
	trace.TracerProvider
	mu   sync.Mutex
	ends map[trace.SpanID]int
}

func (p *countingProvider) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return countingTracer{Tracer: p.TracerProvider.Tracer(name, opts...), p: p}
}

func (p *countingProvider) checkEndedOnce(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, n := range p.ends {
		if n != 1 {
			t.Errorf("span %s ended %d times, want once", id, n)
		}
	}
}

type countingTracer struct {
	trace.Tracer
	p *countingProvider
}

func (t countingTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	ctx, s := t.Tracer.Start(ctx, name, opts...)
	return ctx, &countingSpan{Span: s, p: t.p}
}

type countingSpan struct {
	trace.Span
	p *countingProvider
}

func (s *countingSpan) End(opts ...trace.SpanEndOption) {
	s.p.mu.Lock()
	s.p.ends[s.SpanContext().SpanID()]++
	s.p.mu.Unlock()
	s.Span.End(opts...)
}

// attrs returns the attributes of a span by key.
func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value { return attrMap(s.Attributes) }

// attrMap returns attributes by key.
func attrMap(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

// texts returns every string a span holds: its name, status, attribute
// keys and values, and its events.
func texts(s tracetest.SpanStub) []string {
	out := []string{s.Name, s.Status.Description}
	for _, kv := range s.Attributes {
		out = append(out, string(kv.Key), kv.Value.Emit())
	}
	for _, ev := range s.Events {
		out = append(out, ev.Name)
		for _, kv := range ev.Attributes {
			out = append(out, string(kv.Key), kv.Value.Emit())
		}
	}
	return out
}

// noSecrets fails if the API key or the authorization metadata shows
// anywhere in the spans.
func noSecrets(t *testing.T, spans tracetest.SpanStubs) {
	t.Helper()
	for _, s := range spans {
		for _, x := range texts(s) {
			lx := strings.ToLower(x)
			if strings.Contains(x, secretKey) || strings.Contains(lx, "bearer") || strings.Contains(lx, "authorization") {
				t.Errorf("span %q holds a secret: %q", s.Name, x)
			}
		}
	}
}

// contains reports whether any string of the spans contains sub.
func contains(spans tracetest.SpanStubs, sub string) bool {
	for _, s := range spans {
		for _, x := range texts(s) {
			if strings.Contains(x, sub) {
				return true
			}
		}
	}
	return false
}

// wantAttr fails unless attribute key of a is want.
func wantAttr(t *testing.T, a map[attribute.Key]attribute.Value, key string, want any) {
	t.Helper()
	v, ok := a[attribute.Key(key)]
	if !ok {
		t.Errorf("attribute %s is missing, want %v", key, want)
		return
	}
	var got any
	switch v.Type() {
	case attribute.STRINGSLICE:
		got = strings.Join(v.AsStringSlice(), ",")
		if w, ok := want.([]string); ok {
			want = strings.Join(w, ",")
		}
	default:
		got = v.AsInterface()
	}
	if got != want {
		t.Errorf("attribute %s = %v (%T), want %v (%T)", key, got, got, want, want)
	}
}

// wantResponseAttrs checks the attributes a span takes from resp, a reply
// that stopped on its own: its ID, model, finish reason and token counts.
func wantResponseAttrs(t *testing.T, a map[attribute.Key]attribute.Value, resp *xai.Response) {
	t.Helper()
	u := resp.Usage()
	for k, v := range map[string]any{
		"gen_ai.response.id":                   resp.ID(),
		"gen_ai.response.model":                resp.Model(),
		"gen_ai.response.finish_reasons":       []string{"stop"},
		"gen_ai.usage.input_tokens":            int64(u.GetPromptTokens()),
		"gen_ai.usage.output_tokens":           int64(u.GetCompletionTokens() + u.GetReasoningTokens()),
		"gen_ai.usage.reasoning.output_tokens": int64(u.GetReasoningTokens()),
	} {
		wantAttr(t, a, k, v)
	}
}

// noAttr fails if a has any of keys.
func noAttr(t *testing.T, a map[attribute.Key]attribute.Value, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if v, ok := a[attribute.Key(k)]; ok {
			t.Errorf("attribute %s = %v, want none", k, v.Emit())
		}
	}
}

// streamAll opens chat's stream and reads it to its end, failing the test
// on any error; it returns the stream and the count of its chunks.
func streamAll(t *testing.T, chat *xai.Chat, opts ...xai.CallOption) (*xai.Stream, int) {
	t.Helper()
	stream, n, err := readStream(t, chat, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return stream, n
}

// streamFailure opens chat's stream and reads it to its end, failing the
// test if it ends cleanly; it returns the stream, the count of its chunks
// and its error.
func streamFailure(t *testing.T, chat *xai.Chat, opts ...xai.CallOption) (*xai.Stream, int, error) {
	t.Helper()
	stream, n, err := readStream(t, chat, opts...)
	if err == nil {
		t.Fatal("the stream did not fail")
	}
	return stream, n, err
}

// readStream opens chat's stream, failing the test if it does not open,
// and reads it to its end.
func readStream(t *testing.T, chat *xai.Chat, opts ...xai.CallOption) (stream *xai.Stream, chunks int, err error) {
	t.Helper()
	stream, err = chat.Stream(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stream.Close() })
	for _, err = range stream.All() {
		if err != nil {
			return stream, chunks, err
		}
		chunks++
	}
	return stream, chunks, nil
}

// ptr returns a pointer to a copy of v, for optional proto fields.
func ptr[T any](v T) *T { return &v }

// jsonString is s as it stands inside a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}
