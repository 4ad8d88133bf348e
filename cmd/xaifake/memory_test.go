package main

import (
	"context"

	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// peakRSS returns the most resident memory the process ever used, from
// Linux's /proc/<pid>/status (VmHWM).
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// budget is what one fake with the default limits may take, issue 11.
const budget = 256 << 20

func keyed(key string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+key)
}

// Issue 11, findings 2 and 3, against the process with its default
// limits: every adversarial request of the issue is refused or served, and
// the fake's peak resident memory stays under 256 MiB. (Before: 1 GiB for
// the Embed request, +560 MiB for TokenizeText, 711 MiB for the uploads,
// 1.9 GiB for 10,000 chained turns.)
func TestAdversarialRequestsStayUnder256MiB(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads peak memory from /proc, which only Linux has")
	}
	p := launch(t, "-addr", "127.0.0.1:0")
	conn := dial(t, p.addr)
	ctx := keyed(p.key)
	big := grpc.MaxCallSendMsgSize(32 << 20)

	// Embed with 400,000 one-character inputs (1.9 MiB).
	embed := &xaiv1.EmbedRequest{Model: "v1"}
	for range 400_000 {
		embed.Input = append(embed.Input, &xaiv1.EmbedInput{Input: &xaiv1.EmbedInput_String_{String_: "a"}})
	}
	_, err := xaiv1.NewEmbedderClient(conn).Embed(ctx, embed, big)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "-max-embed-inputs") {
		t.Errorf("Embed with 400,000 inputs: %v", err)
	}
	embed = nil
	t.Logf("peak after Embed: %d MiB", peakRSS(t, p.cmd.Process.Pid)>>20)

	// TokenizeText of 8 MiB.
	_, err = xaiv1.NewTokenizeClient(conn).TokenizeText(ctx, &xaiv1.TokenizeTextRequest{Model: "grok-3", Text: strings.Repeat(".", 8<<20)}, big)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "-max-tokenize-tokens") {
		t.Errorf("TokenizeText of 8 MiB: %v", err)
	}

	t.Logf("peak after TokenizeText: %d MiB", peakRSS(t, p.cmd.Process.Pid)>>20)

	// Three uploads of 128 MiB.
	files := xaiv1.NewFilesClient(conn)
	chunk := make([]byte, 1<<20)
	for i := range 3 {
		stream, err := files.UploadFile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = stream.Send(&xaiv1.UploadFileChunk{Chunk: &xaiv1.UploadFileChunk_Init{Init: &xaiv1.UploadFileInit{Name: "big.bin"}}})
		for range 128 {
			if err != nil {
				break
			}
			err = stream.Send(&xaiv1.UploadFileChunk{Chunk: &xaiv1.UploadFileChunk_Data{Data: chunk}})
		}
		_, err = stream.CloseAndRecv()
		if status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), "-max-file-bytes") {
			t.Errorf("upload %d of 128 MiB: %v", i+1, err)
		}
	}

	t.Logf("peak after uploads: %d MiB", peakRSS(t, p.cmd.Process.Pid)>>20)

	// 10,000 chained turns, then stored responses up to the team's limit.
	chat := xaiv1.NewChatClient(conn)
	prev := ""
	for i := range 10_000 {
		req := &xaiv1.GetCompletionsRequest{Model: "grok-3", StoreMessages: true, Messages: []*xaiv1.Message{{
			Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{{Content: &xaiv1.Content_Text{Text: "and then?"}}},
		}}}
		if prev != "" {
			req.PreviousResponseId = &prev
		}
		resp, err := chat.GetCompletion(ctx, req)
		if err != nil {
			t.Fatalf("turn %d: %v", i+1, err)
		}
		prev = resp.GetId()
	}
	t.Logf("peak after the chain: %d MiB", peakRSS(t, p.cmd.Process.Pid)>>20)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		refusals []error
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				req := &xaiv1.GetCompletionsRequest{Model: "grok-3", StoreMessages: true, Messages: []*xaiv1.Message{{
					Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{{Content: &xaiv1.Content_Text{Text: "keep this"}}},
				}}}
				if _, err := chat.GetCompletion(ctx, req); err != nil {
					mu.Lock()
					refusals = append(refusals, err)
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range refusals {
		if status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), "-max-stored-responses") {
			t.Errorf("storing past the limit: %v", err)
		}
	}

	peak := peakRSS(t, p.cmd.Process.Pid)
	t.Logf("peak RSS of xaifake: %.1f MiB", float64(peak)/(1<<20))
	if peak > budget {
		t.Errorf("peak RSS %d MiB, over 256 MiB", peak>>20)
	}
	p.stop(t, syscall.SIGTERM)
}

// Issue 11, finding 2: 24 concurrent requests of 19 MiB without a key, on
// a fake started with -latency 3s, took it to 1.4 GiB. They are now
// refused before their bodies are read, whatever the latency.
func TestKeylessFloodStaysSmall(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads peak memory from /proc, which only Linux has")
	}
	p := launch(t, "-addr", "127.0.0.1:0", "-latency", "3s")
	conn := dial(t, p.addr)
	chat := xaiv1.NewChatClient(conn)
	req := &xaiv1.GetCompletionsRequest{Model: "grok-3", Messages: []*xaiv1.Message{{
		Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{{Content: &xaiv1.Content_Text{Text: strings.Repeat("x", 19<<20)}}},
	}}}
	errs := make(chan error, 24)
	for range 24 {
		go func() {
			_, err := chat.GetCompletion(context.Background(), req, grpc.MaxCallSendMsgSize(32<<20))
			errs <- err
		}()
	}
	for range 24 {
		if err := <-errs; status.Code(err) != codes.Unauthenticated {
			t.Errorf("keyless call: %v", err)
		}
	}
	peak := peakRSS(t, p.cmd.Process.Pid)
	t.Logf("peak RSS of xaifake: %.1f MiB", float64(peak)/(1<<20))
	// The fake idles at about 15 MiB; 24 bodies read would be 456 MiB.
	if peak > 64<<20 {
		t.Errorf("peak RSS %d MiB", peak>>20)
	}
	p.stop(t, syscall.SIGTERM)
}
