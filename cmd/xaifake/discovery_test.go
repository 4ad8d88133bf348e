package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// serveStoppable runs the command in process with args and returns its address,
// the channel that stops it and the channel of its exit code.
func serveStoppable(t *testing.T, args ...string) (string, chan<- os.Signal, <-chan int) {
	t.Helper()
	stop := make(chan os.Signal, 1)
	r, w := io.Pipe()
	exited := make(chan int, 1)
	go func() {
		exited <- run(append([]string{"-addr", "127.0.0.1:0"}, args...), w, io.Discard, stop)
		w.Close()
	}()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, r)
	m := regexp.MustCompile(`^xaifake listening on (127\.0\.0\.1:\d+) `).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("start line %q", line)
	}
	return m[1], stop, exited
}

// hang is how long a test waits for the fake to start, answer or exit
// before it reports a hang: a guard against waiting forever, far beyond
// what any of these steps takes, not a measure of speed.
const hang = time.Minute

// waitExit waits for run to return, and fails unless it returned 0.
func waitExit(t *testing.T, exited <-chan int) {
	t.Helper()
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("exit code %d", code)
		}
	case <-time.After(hang):
		t.Fatalf("run did not return within %v", hang)
	}
}

// Issue 11, finding 5: tools such as grpcurl and ghz discover the services
// through server reflection (grpc.reflection.v1) and probe the standard
// health service (grpc.health.v1), both without a key. Health is SERVING
// while up and NOT_SERVING once SIGTERM starts the drain.
func TestReflectionAndHealth(t *testing.T) {
	addr, stop, exited := serveStoppable(t)
	conn := dial(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	refl, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := refl.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := refl.Recv()
	if err != nil {
		t.Fatalf("reflection without a key: %v", err)
	}
	var got []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		got = append(got, s.GetName())
	}
	// The 12 services of the wire contract (proto/xai/api/v1).
	want := []string{
		"collections.Collections", "xai_api.Auth", "xai_api.BatchMgmt", "xai_api.Chat", "xai_api.Documents",
		"xai_api.Embedder", "xai_api.Files", "xai_api.Image", "xai_api.Models", "xai_api.Sample",
		"xai_api.Tokenize", "xai_api.Video",
	}
	for _, name := range want {
		if !slices.Contains(got, name) {
			t.Errorf("reflection does not list %s; it lists %v", name, got)
		}
	}
	// A service's descriptor can be fetched, as grpcurl describe does.
	if err := refl.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "xai_api.Chat"},
	}); err != nil {
		t.Fatal(err)
	}
	if fd, err := refl.Recv(); err != nil || len(fd.GetFileDescriptorResponse().GetFileDescriptorProto()) == 0 {
		t.Fatalf("descriptor of xai_api.Chat: %v %v", fd, err)
	}
	refl.CloseSend()

	health := healthpb.NewHealthClient(conn)
	for _, svc := range []string{"", "xai_api.Chat", "collections.Collections"} {
		h, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health of %q: %v %v", svc, h, err)
		}
	}
	// Discovery needs no key, the API still does.
	_, err = xaiv1.NewModelsClient(conn).ListLanguageModels(ctx, nil)
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("ListLanguageModels without a key: %v", err)
	}

	watch, err := health.Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if h, err := watch.Recv(); err != nil || h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first watch update: %v %v", h, err)
	}
	stop <- syscall.SIGTERM
	if h, err := watch.Recv(); err != nil || h.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("watch update while draining: %v %v", h, err)
	}
	// The watch then ends (grpc-go's health service reports CANCELED), so
	// that it does not hold up the drain.
	if h, err := watch.Recv(); err == nil || status.Code(err) == codes.DeadlineExceeded {
		t.Fatalf("after NOT_SERVING the watch gave %v %v", h, err)
	}
	waitExit(t, exited)
}

// -teams groups keys: keys of one team share stored responses, keys of
// different teams do not see each other's.
func TestTeamsFlag(t *testing.T) {
	addr, stop, exited := serveStoppable(t, "-keys", "k1,k2,k3", "-teams", "red=k1,k2")
	chat := xaiv1.NewChatClient(dial(t, addr))
	ctx, cancel, req := hello("k1")
	defer cancel()
	req.StoreMessages = true
	resp, err := chat.GetCompletion(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]codes.Code{"k1": codes.OK, "k2": codes.OK, "k3": codes.NotFound} {
		ctx, cancel, _ := hello(key)
		_, err := chat.GetStoredCompletion(ctx, &xaiv1.GetStoredCompletionRequest{ResponseId: resp.GetId()})
		cancel()
		if status.Code(err) != want {
			t.Errorf("key %s: %v, want %v", key, err, want)
		}
	}
	stop <- syscall.SIGTERM
	waitExit(t, exited)

	for _, bad := range []string{"red", "=k1", "red=k1;red=k2", "red=k9", "red=k1;blue=k1"} {
		var out, errOut strings.Builder
		code := run([]string{"-addr", "127.0.0.1:0", "-keys", "k1,k2", "-teams", bad}, &out, &errOut, nil)
		if code == 0 || out.Len() != 0 || !strings.Contains(errOut.String(), "team") {
			t.Errorf("-teams %q: exit %d, stderr %q", bad, code, errOut.String())
		}
		if strings.Contains(errOut.String(), "k9") || strings.Contains(errOut.String(), "k1") {
			t.Errorf("-teams %q: stderr shows a key: %q", bad, errOut.String())
		}
	}
}
