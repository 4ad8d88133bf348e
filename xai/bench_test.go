package xai_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaitest"
)

// Benchmarks of the SDK against the raw generated stubs, on the same
// in-process fake server in the same run. Everything goes over loopback TCP
// (127.0.0.1), as a client talks to a local server: the fake is served by
// xaitest.NewServer on a loopback port, the SDK client dials it with its own
// connection, and the raw stubs use the server's ready connection
// (Server.Conn, which sends the API key as per-RPC credentials).
//
// Paired benchmarks end in /impl=raw and /impl=sdk, so that
//
//	benchstat -col /impl bench.txt
//
// puts the two side by side; scripts/benchtable turns that into a ratio
// table. The raw variant runs first in each pair.
//
// The raw stubs are called as a careful user of raw stubs would call them:
// with the API key and with a deadline, the one the SDK gives calls that
// have none (DefaultTimeout), set per call with context.WithTimeout
// (rawCtx). What the SDK adds beyond that (its xai-sdk-* headers,
// options, checks, retries, wrappers) is what the pairs measure.

// benchEnv is a fake server with an SDK client and a raw stub on it.
type benchEnv struct {
	srv    *xaitest.Server
	client *xai.Client
	raw    xaiv1.ChatClient
}

func newBenchEnv(b *testing.B, clientOpts ...xai.Option) *benchEnv {
	b.Helper()
	// No request log: a benchmark makes millions of calls.
	srv, err := xaitest.NewServer(xaitest.WithRequestLog(0))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	opts := append([]xai.Option{
		xai.WithEndpoint(srv.Addr()), xai.WithAPIKey(srv.APIKey()), xai.WithInsecure(), xai.WithoutEnv(),
	}, clientOpts...)
	client, err := xai.NewClient(opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { client.Close() })
	return &benchEnv{srv: srv, client: client, raw: xaiv1.NewChatClient(srv.Conn())}
}

// rawCtx gives a raw call the deadline the SDK gives calls without one,
// unless ctx has a deadline already.
func rawCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, xai.DefaultTimeout)
}

// history returns a conversation of n messages: a system message, then
// user and assistant turns of about 100 bytes each, ending with a user turn.
func history(n int) []xai.Turn {
	turns := []xai.Turn{xai.System("You are a concise assistant that answers questions about the weather.")}
	for i := 1; i < n; i++ {
		text := fmt.Sprintf("Turn %02d: what will the weather be like tomorrow morning in the city we talked about?", i)
		if i%2 == 0 {
			turns = append(turns, xai.Assistant(text))
		} else {
			turns = append(turns, xai.User(text))
		}
	}
	if n%2 == 1 { // end with a user turn
		turns[len(turns)-1] = xai.User("And in the evening?")
	}
	return turns
}

// BenchmarkUnary compares Chat.Sample with the raw GetCompletion stub
// sending the same request: a one-message prompt, and a 50-message history.
func BenchmarkUnary(b *testing.B) {
	deadlineCtx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	for _, tc := range []struct {
		name  string
		turns []xai.Turn
		ctx   context.Context
	}{
		{"small", []xai.Turn{xai.User("Hello")}, context.Background()},
		{"history50", history(50), context.Background()},
		// The caller's context has a deadline, so the SDK adds none of
		// its own (it gives calls without one 27 minutes), and both
		// variants send the same grpc-timeout.
		{"small-deadline", []xai.Turn{xai.User("Hello")}, deadlineCtx},
	} {
		b.Run("prompt="+tc.name, func(b *testing.B) {
			env := newBenchEnv(b)
			chat := env.client.Chat.Create("grok-3").Append(tc.turns...)
			req := chat.Request()
			if n := len(req.GetMessages()); n != len(tc.turns) {
				b.Fatalf("%d messages", n)
			}
			ctx := tc.ctx
			b.Run("impl=raw", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					cctx, cancel := rawCtx(ctx)
					resp, err := env.raw.GetCompletion(cctx, req)
					cancel()
					if err != nil {
						b.Fatal(err)
					}
					if resp.GetOutputs()[0].GetMessage().GetContent() == "" {
						b.Fatal("empty reply")
					}
				}
			})
			b.Run("impl=sdk", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					resp, err := chat.Sample(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if resp.Content() == "" {
						b.Fatal("empty reply")
					}
				}
			})
		})
	}
}

// streamChunks is the scripted reply of the streaming benchmarks: 1,000
// content deltas of 8 bytes.
var streamChunks = func() []string {
	out := make([]string, 1000)
	for i := range out {
		out[i] = fmt.Sprintf("tok%04d ", i)
	}
	return out
}()

var streamText = strings.Join(streamChunks, "")

// BenchmarkStream compares reading a 1,000-chunk reply through Chat.Stream
// (iterating All, then taking the accumulated Response) with a raw Recv
// loop that gathers the content deltas in a strings.Builder. Each iteration
// scripts the reply with EnqueueReply, in both variants.
func BenchmarkStream(b *testing.B) {
	b.Run("chunks=1000", func(b *testing.B) {
		env := newBenchEnv(b)
		chat := env.client.Chat.Create("grok-3").Append(xai.User("Stream me a long answer."))
		req := chat.Request()
		ctx := context.Background()
		b.Run("impl=raw", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if got := env.rawStream(b, ctx, req); got != streamText {
					b.Fatalf("streamed %d bytes", len(got))
				}
			}
		})
		b.Run("impl=sdk", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if got := env.sdkStream(b, ctx, chat); got != streamText {
					b.Fatalf("accumulated %d bytes", len(got))
				}
			}
		})
	})
}

// rawStream scripts the 1,000-chunk reply and reads it with the raw stub:
// a Recv loop that gathers the content deltas in a strings.Builder.
func (env *benchEnv) rawStream(b *testing.B, ctx context.Context, req *xaiv1.GetCompletionsRequest) string {
	env.srv.EnqueueReply(xaitest.Reply{Chunks: streamChunks})
	ctx, cancel := rawCtx(ctx)
	defer cancel()
	stream, err := env.raw.GetCompletionChunk(ctx, req)
	if err != nil {
		b.Fatal(err)
	}
	var text strings.Builder
	for {
		chunk, err := stream.Recv()
		if err == io.EOF {
			return text.String()
		}
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range chunk.GetOutputs() {
			text.WriteString(o.GetDelta().GetContent())
		}
	}
}

// sdkStream scripts the 1,000-chunk reply and reads it through Chat.Stream:
// iterating All, then taking the accumulated Response's content.
func (env *benchEnv) sdkStream(b *testing.B, ctx context.Context, chat *xai.Chat) string {
	env.srv.EnqueueReply(xaitest.Reply{Chunks: streamChunks})
	stream, err := chat.Stream(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, err := range stream.All() {
		if err != nil {
			b.Fatal(err)
		}
	}
	return stream.Response().Content()
}

// BenchmarkConcurrency shares one client between 1, 8, 64 and 512
// goroutines making unary calls, and reports throughput and latency
// percentiles. ns/op is wall time divided by calls.
func BenchmarkConcurrency(b *testing.B) {
	for _, g := range []int{1, 8, 64, 512} {
		b.Run(fmt.Sprintf("goroutines=%d", g), func(b *testing.B) {
			env := newBenchEnv(b)
			chat := env.client.Chat.Create("grok-3").Append(xai.User("Hello"))
			req := chat.Request()
			ctx := context.Background()
			b.Run("impl=raw", func(b *testing.B) {
				runConcurrent(b, g, func() error {
					ctx, cancel := rawCtx(ctx)
					defer cancel()
					_, err := env.raw.GetCompletion(ctx, req)
					return err
				})
			})
			b.Run("impl=sdk", func(b *testing.B) {
				runConcurrent(b, g, func() error {
					_, err := chat.Sample(ctx)
					return err
				})
			})
		})
	}
}

// runConcurrent makes b.N calls from g goroutines and reports calls/s and
// the 50th and 99th percentile latencies.
func runConcurrent(b *testing.B, g int, call func() error) {
	b.ReportAllocs()
	lat := make([][]time.Duration, g)
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, b.N/g+1)
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := call(); err != nil {
					failed.CompareAndSwap(nil, &err)
					break
				}
				mine = append(mine, time.Since(t0))
			}
			lat[w] = mine
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkInterleaved measures the same pairs as BenchmarkUnary and
// BenchmarkStream, but alternates one raw and one SDK call inside every
// iteration (in turn raw first and SDK first), so that load from other
// processes on a shared machine falls on both sides alike. It reports each
// side's mean time per call and their ratio, sdk/raw; ns/op covers both
// calls.
func BenchmarkInterleaved(b *testing.B) {
	for _, tc := range []struct {
		name   string
		turns  []xai.Turn
		stream bool
	}{
		{"unary-small", []xai.Turn{xai.User("Hello")}, false},
		{"unary-history50", history(50), false},
		{"stream-1000", []xai.Turn{xai.User("Stream me a long answer.")}, true},
	} {
		b.Run("pair="+tc.name, func(b *testing.B) {
			env := newBenchEnv(b)
			chat := env.client.Chat.Create("grok-3").Append(tc.turns...)
			req := chat.Request()
			ctx := context.Background()
			raw := func() {
				if tc.stream {
					env.rawStream(b, ctx, req)
					return
				}
				ctx, cancel := rawCtx(ctx)
				defer cancel()
				if _, err := env.raw.GetCompletion(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			sdk := func() {
				if tc.stream {
					env.sdkStream(b, ctx, chat)
					return
				}
				if _, err := chat.Sample(ctx); err != nil {
					b.Fatal(err)
				}
			}
			var rawT, sdkT time.Duration
			i := 0
			for b.Loop() {
				first, second, firstT, secondT := raw, sdk, &rawT, &sdkT
				if i%2 == 1 {
					first, second, firstT, secondT = sdk, raw, &sdkT, &rawT
				}
				t0 := time.Now()
				first()
				t1 := time.Now()
				second()
				*firstT += t1.Sub(t0)
				*secondT += time.Since(t1)
				i++
			}
			b.ReportMetric(float64(rawT.Nanoseconds())/float64(b.N), "raw-ns/call")
			b.ReportMetric(float64(sdkT.Nanoseconds())/float64(b.N), "sdk-ns/call")
			b.ReportMetric(float64(sdkT)/float64(rawT), "sdk/raw")
		})
	}
}

// payloadSizes records the size of every request message the client
// sends, through a gRPC stats handler.
type payloadSizes struct {
	mu    sync.Mutex
	sizes []int
}

func (p *payloadSizes) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (p *payloadSizes) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (p *payloadSizes) HandleConn(context.Context, stats.ConnStats) {}
func (p *payloadSizes) HandleRPC(_ context.Context, s stats.RPCStats) {
	if out, ok := s.(*stats.OutPayload); ok && out.IsClient() {
		p.mu.Lock()
		p.sizes = append(p.sizes, out.Length)
		p.mu.Unlock()
	}
}

func (p *payloadSizes) take() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.sizes
	p.sizes = nil
	return s
}

const conversationTurns = 50

// BenchmarkConversation measures the request bytes of each turn of a
// 50-turn conversation, sent as a growing history (mode=resend: the reply
// and the next question are appended and everything is sent again) or
// continued on the server with WithPreviousResponseID (mode=previous_id:
// only the new question is sent). It reports the protobuf payload of turns
// 2 and 50 and of the whole conversation; on the wire each message also
// takes a 5-byte gRPC frame header and the call's HTTP/2 headers.
func BenchmarkConversation(b *testing.B) {
	question := func(turn int) string {
		return fmt.Sprintf("Question %02d: and what happened next in the story you were telling me?", turn)
	}
	for _, mode := range []string{"resend", "previous_id"} {
		b.Run("mode="+mode, func(b *testing.B) {
			sizes := &payloadSizes{}
			env := newBenchEnv(b, xai.WithDialOptions(grpc.WithStatsHandler(sizes)))
			ctx := context.Background()
			var last []int
			b.ReportAllocs()
			for b.Loop() {
				sizes.take()
				var chat *xai.Chat
				prev := ""
				for turn := 1; turn <= conversationTurns; turn++ {
					switch {
					case mode == "resend" && turn == 1:
						chat = env.client.Chat.Create("grok-3", xai.WithStoreMessages(false))
					case mode == "previous_id" && turn == 1:
						chat = env.client.Chat.Create("grok-3", xai.WithStoreMessages(true))
					case mode == "previous_id":
						chat = env.client.Chat.Create("grok-3", xai.WithStoreMessages(true), xai.WithPreviousResponseID(prev))
					}
					chat.Append(xai.User(question(turn)))
					resp, err := chat.Sample(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if mode == "resend" {
						chat.Append(resp)
					}
					prev = resp.ID()
				}
				last = sizes.take()
			}
			if len(last) != conversationTurns {
				b.Fatalf("recorded %d requests, want %d", len(last), conversationTurns)
			}
			total := 0
			for _, n := range last {
				total += n
			}
			b.ReportMetric(float64(last[1]), "turn2-B")
			b.ReportMetric(float64(last[conversationTurns-1]), "turn50-B")
			b.ReportMetric(float64(last[conversationTurns-1])/float64(last[1]), "turn50/turn2")
			b.ReportMetric(float64(total), "conv-B")
		})
	}
}

// BenchmarkFake measures the fake server alone, through the raw stubs on
// its own loopback connection: unary calls per second (one caller, and
// many), streamed chunks per second, and the heap kept per stored response.
func BenchmarkFake(b *testing.B) {
	req := &xaiv1.GetCompletionsRequest{Model: "grok-3", Messages: []*xaiv1.Message{xai.User("Hello").Proto()}}
	ctx := context.Background()
	b.Run("op=unary", func(b *testing.B) {
		env := newBenchEnv(b)
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			if _, err := env.raw.GetCompletion(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
	})
	b.Run("op=unary-parallel", func(b *testing.B) {
		env := newBenchEnv(b)
		b.ReportAllocs()
		b.SetParallelism(8) // 8 callers per CPU
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := env.raw.GetCompletion(ctx, req); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
	})
	b.Run("op=stream", func(b *testing.B) {
		env := newBenchEnv(b)
		reply := xaitest.Reply{Chunks: streamChunks}
		b.ReportAllocs()
		chunks := 0
		start := time.Now()
		for b.Loop() {
			env.srv.EnqueueReply(reply)
			stream, err := env.raw.GetCompletionChunk(ctx, req)
			if err != nil {
				b.Fatal(err)
			}
			for {
				if _, err := stream.Recv(); err != nil {
					if !errors.Is(err, io.EOF) {
						b.Fatal(err)
					}
					break
				}
				chunks++
			}
		}
		b.ReportMetric(float64(chunks)/time.Since(start).Seconds(), "chunks/s")
	})
	b.Run("op=store", func(b *testing.B) {
		env := newBenchEnv(b)
		stored := proto.CloneOf(req)
		stored.StoreMessages = true
		b.ReportAllocs()
		before := liveHeap()
		for b.Loop() {
			if _, err := env.raw.GetCompletion(ctx, stored); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		grown := liveHeap() - before
		if n := len(env.srv.StoredResponseIDs()); n != b.N {
			b.Fatalf("%d responses stored, want %d", n, b.N)
		}
		b.ReportMetric(float64(grown)/float64(b.N), "heap-B/stored")
	})
}

// liveHeap returns the bytes of heap in use after a full collection.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
