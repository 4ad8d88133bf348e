package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// serve runs the command in process with args until the test ends and
// returns its gRPC address and what it wrote to standard error so far.
func serve(t *testing.T, args ...string) (addr string, stderr func() string) {
	t.Helper()
	stop := make(chan os.Signal, 1)
	r, w := io.Pipe()
	var errBuf bytes.Buffer
	lw := &lockedWriter{w: &errBuf}
	exited := make(chan int, 1)
	go func() {
		exited <- run(append([]string{"-addr", "127.0.0.1:0"}, args...), w, lw, stop)
		w.Close()
	}()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("no start line: %v", err)
	}
	go io.Copy(io.Discard, r)
	m := startLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		t.Fatalf("start line %q", line)
	}
	t.Cleanup(func() {
		stop <- syscall.SIGTERM
		select {
		case code := <-exited:
			if code != 0 {
				t.Errorf("exit code %d", code)
			}
		case <-time.After(hang):
			t.Errorf("run did not return within %v", hang)
		}
	})
	return m[1], func() string {
		lw.mu.Lock()
		defer lw.mu.Unlock()
		return errBuf.String()
	}
}

func TestMediaServedByDefault(t *testing.T) {
	addr, stderr := serve(t)
	ctx, cancel, _ := hello("xai-test-key")
	defer cancel()
	resp, err := xaiv1.NewImageClient(dial(t, addr)).GenerateImage(ctx, &xaiv1.GenerateImageRequest{Model: "grok-imagine-image", Prompt: "a kite"})
	if err != nil {
		t.Fatal(err)
	}
	u := resp.GetImages()[0].GetUrl()
	if !strings.HasPrefix(u, "http://127.0.0.1:") || !strings.Contains(stderr(), "serving generated media on "+u[:strings.Index(u, "/imgen/")]) {
		t.Fatalf("image URL %q; stderr %q", u, stderr())
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	get, err := (&http.Client{Transport: tr}).Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer get.Body.Close()
	if get.StatusCode != http.StatusOK || get.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("GET %s: %s %q", u, get.Status, get.Header.Get("Content-Type"))
	}
}

func TestMediaOff(t *testing.T) {
	addr, stderr := serve(t, "-media-addr", "")
	ctx, cancel, _ := hello("xai-test-key")
	defer cancel()
	resp, err := xaiv1.NewImageClient(dial(t, addr)).GenerateImage(ctx, &xaiv1.GenerateImageRequest{Model: "grok-imagine-image", Prompt: "a kite"})
	if err != nil {
		t.Fatal(err)
	}
	if u := resp.GetImages()[0].GetUrl(); !strings.HasPrefix(u, "https://imgen.xaitest.invalid/") || strings.Contains(stderr(), "media") {
		t.Fatalf("image URL %q, stderr %q", u, stderr())
	}
}

func TestModelFlag(t *testing.T) {
	addr, _ := serve(t, "-model", "chat:grok-5-0101,grok-5:reasoning", "-model", "video:grok-imagine-video-2")
	conn := dial(t, addr)
	ctx, cancel, req := hello("xai-test-key")
	defer cancel()
	req.Model = "grok-5"
	resp, err := xaiv1.NewChatClient(conn).GetCompletion(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetModel() != "grok-5-0101" || resp.GetOutputs()[0].GetMessage().GetReasoningContent() == "" {
		t.Fatalf("model %q, reasoning %q", resp.GetModel(), resp.GetOutputs()[0].GetMessage().GetReasoningContent())
	}
	if _, err := xaiv1.NewVideoClient(conn).GenerateVideo(ctx, &xaiv1.GenerateVideoRequest{Model: "grok-imagine-video-2", Prompt: "a kite"}); err != nil {
		t.Fatal(err)
	}
	req.Model = "grok-6"
	if _, err := xaiv1.NewChatClient(conn).GetCompletion(ctx, req); err == nil {
		t.Fatal("an unknown model was accepted")
	}
}

func TestBadModelFlags(t *testing.T) {
	for name, spec := range map[string]string{
		"no kind":            "grok-5",
		"unknown kind":       "audio:grok-5",
		"no name":            "chat: , ",
		"unknown capability": "chat:grok-5:flying",
		"too many parts":     "chat:grok-5:reasoning:more",
	} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"-model", spec}, &stdout, &stderr, nil); code != 2 || stdout.Len() != 0 || stderr.Len() == 0 {
			t.Errorf("%s (%q): exit %d, stdout %q, stderr %q", name, spec, code, stdout.String(), stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-addr", "127.0.0.1:0", "-model", "chat:grok-4"}, &stdout, &stderr, nil); code != 1 || !strings.Contains(stderr.String(), "grok-4") {
		t.Errorf("a model name already taken: exit %d, stderr %q", code, stderr.String())
	}
}
