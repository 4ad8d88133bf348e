package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	controlv1 "github.com/gogrok/sdk/gen/xaitest/control/v1"
)

// build compiles the command into a temporary directory of the test.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "xaifake")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var startLine = regexp.MustCompile(`^xaifake listening on (127\.0\.0\.1:(\d+)) \(api key: (.+)\)$`)

// process is a running xaifake.
type process struct {
	cmd    *exec.Cmd
	addr   string
	key    string
	stdout *bufio.Reader
	stderr *bytes.Buffer
	done   chan error
}

// launch starts the binary and waits for its start line.
func launch(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(build(t), args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, stdout: bufio.NewReader(out), stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = &lockedWriter{w: p.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
	})
	lines := make(chan string, 1)
	go func() {
		line, _ := p.stdout.ReadString('\n')
		lines <- line
	}()
	select {
	case line := <-lines:
		m := startLine.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
		if m == nil {
			t.Fatalf("start line %q", line)
		}
		if m[2] == "0" {
			t.Fatalf("start line shows port 0: %q", line)
		}
		p.addr, p.key = m[1], m[3]
	case <-time.After(hang):
		t.Fatalf("no start line within %v", hang)
	}
	go func() { p.done <- cmd.Wait() }()
	return p
}

// stop signals the process and waits for its exit.
func (p *process) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("exit after %v: %v; stderr:\n%s", sig, err, p.stderr)
		}
	case <-time.After(hang):
		t.Fatalf("still running %v after %v", hang, sig)
	}
	rest, _ := io.ReadAll(p.stdout)
	if len(rest) != 0 {
		t.Fatalf("more than one line on stdout: %q", rest)
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func hello(key string) (context.Context, context.CancelFunc, *xaiv1.GetCompletionsRequest) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
	return ctx, cancel, &xaiv1.GetCompletionsRequest{Model: "grok-3", Messages: []*xaiv1.Message{{
		Role:    xaiv1.MessageRole_ROLE_USER,
		Content: []*xaiv1.Content{{Content: &xaiv1.Content_Text{Text: "ping"}}},
	}}}
}

func TestServeAndStop(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		t.Run(sig.String(), func(t *testing.T) {
			p := launch(t, "-addr", "127.0.0.1:0", "-keys", "k1, k2")
			if p.key != "k1" {
				t.Fatalf("printed key %q", p.key)
			}
			chat := xaiv1.NewChatClient(dial(t, p.addr))
			for _, key := range []string{"k1", "k2"} {
				ctx, cancel, req := hello(key)
				resp, err := chat.GetCompletion(ctx, req)
				cancel()
				if err != nil {
					t.Fatalf("key %s: %v", key, err)
				}
				if !strings.Contains(resp.GetOutputs()[0].GetMessage().GetContent(), "ping") {
					t.Fatalf("reply %v", resp)
				}
			}
			ctx, cancel, req := hello("k3")
			_, err := chat.GetCompletion(ctx, req)
			cancel()
			if status.Code(err) != codes.Unauthenticated {
				t.Fatalf("unknown key: %v", err)
			}
			p.stop(t, sig)
			if !strings.Contains(p.stderr.String(), "shutting down") {
				t.Fatalf("stderr %q", p.stderr)
			}
		})
	}
}

// A call still running at SIGTERM gets the grace period, then is cut off.
func TestStopCutsOffSlowCalls(t *testing.T) {
	p := launch(t, "-addr", "127.0.0.1:0", "-latency", "10m", "-shutdown-timeout", "300ms", "-control-key", "ck")
	conn := dial(t, p.addr)
	// Connect first, so the call below reaches the server at once.
	conn.Connect()
	for st := conn.GetState(); st != connectivity.Ready; st = conn.GetState() {
		wait, cancel := context.WithTimeout(context.Background(), hang)
		changed := conn.WaitForStateChange(wait, st)
		cancel()
		if !changed {
			t.Fatalf("connection stuck in %v", st)
		}
	}
	chat := xaiv1.NewChatClient(conn)
	ctx, cancel, req := hello("xai-test-key")
	defer cancel()
	failed := make(chan error, 1)
	go func() {
		_, err := chat.GetCompletion(ctx, req)
		failed <- err
	}()
	// Poll the request record until the call is on the server, waiting out
	// its latency.
	control := controlv1.NewControlServiceClient(conn)
	for {
		got, err := control.ListRequests(metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer ck"), &controlv1.ListRequestsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(got.GetRequests(), func(r *controlv1.RecordedRequest) bool {
			return r.GetMethod() == "/xai_api.Chat/GetCompletion"
		}) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	// The process exits long before the call's latency (10 minutes) ends:
	// the shutdown timeout cut the call off rather than wait for it.
	p.stop(t, syscall.SIGTERM)
	if err := <-failed; err == nil {
		t.Fatal("the slow call succeeded")
	}
	if !strings.Contains(p.stderr.String(), "cut off") {
		t.Fatalf("stderr %q", p.stderr)
	}
}

func TestBadFlags(t *testing.T) {
	cases := map[string][]string{
		"unknown flag":   {"-nope"},
		"no keys":        {"-keys", " , "},
		"short enc key":  {"-encryption-key", "abcd"},
		"negative delay": {"-indexing-delay", "-1s"},
		"stray argument": {"serve"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr, nil); code != 2 {
				t.Fatalf("exit code %d, stderr %q", code, stderr.String())
			}
			if stdout.Len() != 0 || stderr.Len() == 0 {
				t.Fatalf("stdout %q stderr %q", stdout.String(), stderr.String())
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-addr", "256.0.0.1:1"}, &stdout, &stderr, nil); code != 1 || stdout.Len() != 0 {
		t.Fatalf("unusable address: exit %d, stdout %q", code, stdout.String())
	}
}

func TestRunInProcess(t *testing.T) {
	stop := make(chan os.Signal, 1)
	r, w := io.Pipe()
	var stderr bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		exited <- run([]string{"-addr", "127.0.0.1:0", "-encryption-key", strings.Repeat("ab", 32)}, w, &lockedWriter{w: &stderr}, stop)
		w.Close()
	}()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	m := startLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil || m[3] != "xai-test-key" {
		t.Fatalf("start line %q", line)
	}
	ctx, cancel, req := hello("xai-test-key")
	defer cancel()
	if _, err := xaiv1.NewChatClient(dial(t, m[1])).GetCompletion(ctx, req); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, r)
	stop <- syscall.SIGTERM
	waitExit(t, exited)
}

func TestManagementKeys(t *testing.T) {
	stop := make(chan os.Signal, 1)
	r, w := io.Pipe()
	exited := make(chan int, 1)
	go func() {
		exited <- run([]string{"-addr", "127.0.0.1:0", "-keys", "api-k", "-management-keys", " mgmt-k , mgmt-2"}, w, io.Discard, stop)
		w.Close()
	}()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, r)
	m := regexp.MustCompile(`^xaifake listening on (127\.0\.0\.1:\d+) \(api key: api-k, management key: mgmt-k\)$`).FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		t.Fatalf("start line %q does not name both keys", line)
	}
	collections := collectionsv1.NewCollectionsClient(dial(t, m[1]))
	for _, tc := range []struct {
		key  string
		want codes.Code
	}{
		{"mgmt-k", codes.OK},
		{"mgmt-2", codes.OK},
		{"api-k", codes.Unauthenticated},
	} {
		ctx, cancel, _ := hello(tc.key)
		_, err := collections.ListCollections(ctx, &collectionsv1.ListCollectionsRequest{})
		cancel()
		if status.Code(err) != tc.want {
			t.Errorf("ListCollections with key %q: %v, want %v", tc.key, err, tc.want)
		}
	}
	stop <- syscall.SIGTERM
	waitExit(t, exited)
}
