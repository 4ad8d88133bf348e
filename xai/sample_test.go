package xai

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestSampleText(t *testing.T) {
	t.Parallel()
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		ctx := context.Background()
		comp, err := c.Sample.Text(ctx, "grok-3-latest", "Once upon a time",
			WithN(2), WithMaxTokens(50), WithSeed(7), WithStop("END"), WithTemperature(0.5), WithTopP(0.9),
			WithFrequencyPenalty(0.1), WithPresencePenalty(-0.2), WithLogprobs(3), WithUser("u-1"),
			CallOptions{WithCallMetadata("x-sample", "1")})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(comp.Text(), `"Once upon a time"`) || comp.FinishReason() != xaiv1.FinishReason_REASON_STOP {
			t.Errorf("Text = %q, finish %v", comp.Text(), comp.FinishReason())
		}
		ch := comp.Choices()
		if len(ch) != 2 || ch[0].Index != 0 || ch[1].Index != 1 || ch[0].Text != comp.Text() || ch[1].Text == ch[0].Text {
			t.Errorf("Choices = %+v", ch)
		}
		if comp.ID() == "" || comp.Model() != "grok-3" || comp.Created().IsZero() || comp.SystemFingerprint() == "" ||
			comp.Usage().GetCompletionTokens() == 0 || !strings.HasPrefix(comp.String(), comp.ID()+": ") {
			t.Errorf("completion = %v", comp.Proto())
		}

		r := srv.Requests()[0]
		req := r.Message.(*xaiv1.SampleTextRequest)
		want := &xaiv1.SampleTextRequest{
			Prompt: []string{"Once upon a time"}, Model: "grok-3-latest",
			N: ptr[int32](2), MaxTokens: ptr[int32](50), Seed: ptr[int32](7), Stop: []string{"END"},
			Temperature: ptr[float32](0.5), TopP: ptr[float32](0.9), FrequencyPenalty: ptr[float32](0.1),
			PresencePenalty: ptr[float32](-0.2), Logprobs: true, TopLogprobs: ptr[int32](3), User: "u-1",
		}
		if req.String() != want.String() {
			t.Errorf("request =\n%v\nwant\n%v", req, want)
		}
		if got := r.Metadata.Get("x-sample"); len(got) != 1 || got[0] != "1" {
			t.Errorf("call metadata = %v", got)
		}
	})
}

func TestSampleTextMaxTokens(t *testing.T) {
	t.Parallel()
	_, c := newFake(t, false)
	comp, err := c.Sample.Text(context.Background(), "grok-3", "Count with me", WithMaxTokens(2))
	if err != nil {
		t.Fatal(err)
	}
	if comp.FinishReason() != xaiv1.FinishReason_REASON_MAX_LEN || comp.Text() != " and so" {
		t.Errorf("Text = %q, finish %v", comp.Text(), comp.FinishReason())
	}
}

func TestSampleValidation(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	ctx := context.Background()
	tests := []struct {
		name   string
		model  string
		prompt string
		opts   []ChatOption
		want   []string
	}{
		{"no model", "", "hi", nil, []string{"model name is empty"}},
		{"no prompt", "grok-3", "", nil, []string{"prompt is empty"}},
		{"nil option", "grok-3", "hi", []ChatOption{WithN(1), nil}, []string{"option 1 is nil"}},
		{"temperature", "grok-3", "hi", []ChatOption{WithTemperature(3)}, []string{"WithTemperature", "between 0 and 2"}},
		{"n", "grok-3", "hi", []ChatOption{WithN(0)}, []string{"WithN"}},
		{"tools", "grok-3", "hi", []ChatOption{WithTools(WebSearch())}, []string{"option 0 sets tools", "legacy Sample API"}},
		{"messages", "grok-3", "hi", []ChatOption{WithMessages(User("x"))}, []string{"sets messages"}},
		{"effort", "grok-3", "hi", []ChatOption{WithMaxTokens(3), WithReasoningEffort(EffortLow)}, []string{"option 1 sets reasoning_effort"}},
		{"schema", "grok-3", "hi", []ChatOption{WithJSONSchema(`{"type":"object"}`)}, []string{"sets response_format"}},
		{"store", "grok-3", "hi", []ChatOption{WithStoreMessages(true)}, []string{"sets store_messages"}},
		{"bad call option", "grok-3", "hi", []ChatOption{CallOptions{WithCallTimeout(-time.Second)}}, []string{"WithCallTimeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Sample.Text(ctx, tt.model, tt.prompt, tt.opts...)
			checkErr(t, err, codes.InvalidArgument, tt.want...)
			s, err := c.Sample.Stream(ctx, tt.model, tt.prompt, tt.opts...)
			if err == nil { // call options are checked when the stream opens
				_, err = drainSample(s)
			}
			checkErr(t, err, codes.InvalidArgument, tt.want...)
		})
	}
	checkNoneSent(t, srv)
	// Call options belong to calls, not to chats.
	err := c.Chat.Create("grok-4", CallOptions{WithoutRetry()}).Append(User("hi")).Err()
	checkErr(t, err, codes.InvalidArgument, "xai.CallOptions is not a chat option")
}

func TestSampleServerErrors(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	ctx := context.Background()
	_, err := c.Sample.Text(ctx, "v1", "hi") // an embedding model
	checkErr(t, err, codes.InvalidArgument, "not a language model")

	srv.InjectFault(xaiv1.Sample_SampleText_FullMethodName, xaitest.Fault{Code: codes.PermissionDenied, Message: "no sampling"})
	_, err = c.Sample.Text(ctx, "grok-3", "hi")
	checkErr(t, err, codes.PermissionDenied, "no sampling")

	srv.InjectFault(xaiv1.Sample_SampleTextStreaming_FullMethodName, xaitest.Fault{Code: codes.FailedPrecondition, Message: "no streaming"})
	s, err := c.Sample.Stream(ctx, "grok-3", "hi")
	if err == nil {
		_, err = drainSample(s)
	}
	checkErr(t, err, codes.FailedPrecondition, "no streaming")

	srv.InjectFault(xaiv1.Sample_SampleText_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Times: 2})
	if _, err := c.Sample.Text(ctx, "grok-3", "hi"); err != nil {
		t.Errorf("transient faults were not retried: %v", err)
	}
}

func TestSampleStreamWhole(t *testing.T) {
	transports(t, func(t *testing.T, useBufconn bool) {
		_, c := newLeakCheckedFake(t, useBufconn)
		ctx := context.Background()
		const prompt = "The quick brown fox jumps over the lazy dog"
		whole, err := c.Sample.Text(ctx, "grok-3", prompt, WithN(2))
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.Sample.Stream(ctx, "grok-3", prompt, WithN(2))
		if err != nil {
			t.Fatal(err)
		}
		var (
			texts  []string
			finish xaiv1.FinishReason
			usage  *xaiv1.SamplingUsage
		)
		for chunk, err := range s.All() {
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, chunk.Text())
			if r := chunk.FinishReason(); r != xaiv1.FinishReason_REASON_INVALID {
				finish = r
			}
			if chunk.Usage() != nil {
				usage = chunk.Usage()
			}
			if chunk.Proto() == nil {
				t.Error("chunk without proto")
			}
		}
		if len(texts) < 3 {
			t.Errorf("only %d chunks", len(texts))
		}
		got := s.Completion()
		if strings.Join(texts, "") != whole.Text() || got.Text() != whole.Text() {
			t.Errorf("streamed %q (accumulated %q), want %q", strings.Join(texts, ""), got.Text(), whole.Text())
		}
		if len(got.Choices()) != 2 || got.Choices()[1].Text != whole.Choices()[1].Text {
			t.Errorf("accumulated choices %+v, want %+v", got.Choices(), whole.Choices())
		}
		if finish != xaiv1.FinishReason_REASON_STOP || got.FinishReason() != finish || usage == nil ||
			got.Usage().GetCompletionTokens() != whole.Usage().GetCompletionTokens() || got.ID() == "" || got.Model() != "grok-3" {
			t.Errorf("finish %v, usage %v, completion %v", finish, usage, got.Proto())
		}
		if s.Err() != nil {
			t.Errorf("Err() = %v after a clean end", s.Err())
		}
		for range s.All() {
			t.Error("All yielded after the end")
		}
	})
}

func TestSampleStreamEarlyBreak(t *testing.T) {
	transports(t, func(t *testing.T, useBufconn bool) {
		_, c := newFake(t, useBufconn)
		warm(t, c)
		before := goleak.IgnoreCurrent()
		s, err := c.Sample.Stream(context.Background(), "grok-3", "Tell me a long story about the sea")
		if err != nil {
			t.Fatal(err)
		}
		var first string
		for chunk, err := range s.All() {
			if err != nil {
				t.Fatal(err)
			}
			first = chunk.Text()
			break
		}
		// Breaking alone must release the gRPC stream.
		goleak.VerifyNone(t, before)
		if first == "" || s.Completion().Text() != first {
			t.Errorf("Completion after break = %q, want %q", s.Completion().Text(), first)
		}
		for range s.All() {
			t.Error("All yielded after a break")
		}
		if s.Err() != nil || s.Close() != nil {
			t.Errorf("Err() = %v after a break", s.Err())
		}
	})
}

func TestSampleStreamNeverRead(t *testing.T) {
	_, c := newLeakCheckedFake(t, false)
	s, err := c.Sample.Stream(context.Background(), "grok-3", "unread")
	if err != nil {
		t.Fatal(err)
	}
	s.Close() // closing an unread stream releases it
}

func TestSampleStreamRetriedBeforeFirstChunk(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	srv.InjectFault(xaiv1.Sample_SampleTextStreaming_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Times: 2})
	s, err := c.Sample.Stream(context.Background(), "grok-3", "retry me")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := drainSample(s); err != nil {
		t.Fatalf("stream failed despite retries: %v", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("server got %d requests, want 3", n)
	}
	if !strings.Contains(s.Completion().Text(), "retry me") {
		t.Errorf("completion %q", s.Completion().Text())
	}
}

func TestSampleZeroValues(t *testing.T) {
	t.Parallel()
	var c *Completion
	if c.Text() != "" || c.ID() != "" || len(c.Choices()) != 0 || !c.Created().IsZero() || c.Usage() != nil || c.String() != "<nil completion>" {
		t.Error("nil *Completion accessors are not zero")
	}
	ctx := context.Background()
	var svc SampleService
	_, err := svc.Text(ctx, "grok-3", "Once")
	checkErr(t, err, codes.InvalidArgument, "client.Sample")
	_, err = svc.Stream(ctx, "grok-3", "Once")
	checkErr(t, err, codes.InvalidArgument, "client.Sample")
	var nilStream *SampleStream
	for _, err := range nilStream.All() {
		checkErr(t, err, codes.InvalidArgument, "client.Sample.Stream")
	}
	if nilStream.Close() != nil || nilStream.Err() != nil || nilStream.Completion() != nil {
		t.Error("nil *SampleStream methods are not no-ops")
	}
	var zero SampleStream
	for _, err := range zero.All() {
		checkErr(t, err, codes.InvalidArgument, "client.Sample.Stream")
	}
}
