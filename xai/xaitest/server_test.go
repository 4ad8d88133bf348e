package xaitest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	"github.com/gogrok/sdk/xai/xaitest"
)

// allServices is every service of the wire contract.
var allServices = []grpc.ServiceDesc{
	xaiv1.Chat_ServiceDesc, xaiv1.Image_ServiceDesc, xaiv1.Models_ServiceDesc, xaiv1.Auth_ServiceDesc,
	xaiv1.Tokenize_ServiceDesc, xaiv1.Embedder_ServiceDesc, xaiv1.Files_ServiceDesc, xaiv1.Documents_ServiceDesc,
	xaiv1.Sample_ServiceDesc, xaiv1.Video_ServiceDesc, xaiv1.BatchMgmt_ServiceDesc, collectionsv1.Collections_ServiceDesc,
}

// call invokes any method of the contract with an empty request, unary or
// streaming, and returns the status error.
func call(ctx context.Context, conn *grpc.ClientConn, svc grpc.ServiceDesc, method string, stream bool) error {
	full := "/" + svc.ServiceName + "/" + method
	if !stream {
		return conn.Invoke(ctx, full, &emptypb.Empty{}, &emptypb.Empty{})
	}
	st, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, full)
	if err != nil {
		return err
	}
	if err := st.SendMsg(&emptypb.Empty{}); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if err := st.CloseSend(); err != nil {
		return err
	}
	for {
		if err := st.RecvMsg(&emptypb.Empty{}); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// forEachMethod runs fn for every method of every service.
func forEachMethod(t *testing.T, fn func(t *testing.T, svc grpc.ServiceDesc, method string, stream bool)) {
	if len(allServices) != 12 {
		t.Fatalf("the contract has 12 services, the test lists %d", len(allServices))
	}
	for _, svc := range allServices {
		for _, m := range svc.Methods {
			t.Run(svc.ServiceName+"/"+m.MethodName, func(t *testing.T) { fn(t, svc, m.MethodName, false) })
		}
		for _, m := range svc.Streams {
			t.Run(svc.ServiceName+"/"+m.StreamName, func(t *testing.T) { fn(t, svc, m.StreamName, true) })
		}
	}
}

func TestEveryMethodRequiresAnAPIKey(t *testing.T) {
	srv := start(t, xaitest.WithAPIKeys("key-one-123456", "key-two-123456"))
	conn, err := grpc.NewClient(srv.Target(), srv.DialOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	cases := []struct {
		name     string
		md       []string
		fragment string
	}{
		{"no metadata", nil, "missing API key"},
		{"unknown key", []string{"authorization", "Bearer someone-elses-key"}, "incorrect API key"},
		{"wrong scheme", []string{"authorization", "Basic key-one-123456"}, "Bearer <api key>"},
		{"empty key", []string{"authorization", "Bearer "}, "Bearer <api key>"},
		{"twice", []string{"authorization", "Bearer key-one-123456", "authorization", "Bearer key-one-123456"}, "2 times"},
	}
	forEachMethod(t, func(t *testing.T, svc grpc.ServiceDesc, method string, stream bool) {
		for _, tc := range cases {
			c := ctx(t)
			if tc.md != nil {
				c = metadata.AppendToOutgoingContext(c, tc.md...)
			}
			err := call(c, conn, svc, method, stream)
			wantCode(t, err, codes.Unauthenticated, tc.fragment)
			if strings.Contains(err.Error(), "someone-elses-key") {
				t.Fatalf("%s: the error echoes the whole key: %v", tc.name, err)
			}
		}
		// Both configured keys are accepted: whatever the answer, it is
		// not an authentication error.
		for _, key := range []string{"key-one-123456", "key-two-123456"} {
			c := metadata.AppendToOutgoingContext(ctx(t), "authorization", "Bearer "+key)
			if err := call(c, conn, svc, method, stream); err != nil {
				if code := status.Code(err); code == codes.Unauthenticated {
					t.Fatalf("key %s rejected: %v", key, err)
				}
			}
		}
	})
}

func TestServicesNotEmulatedAnswerUnimplemented(t *testing.T) {
	srv := start(t)
	emulated := map[string]bool{
		"xai_api.Chat": true, "xai_api.Image": true, "xai_api.Models": true, "xai_api.Auth": true,
		"xai_api.Tokenize": true, "xai_api.Embedder": true, "xai_api.Files": true, "xai_api.Sample": true,
		"xai_api.Documents": true, "collections.Collections": true, "xai_api.Video": true, "xai_api.BatchMgmt": true,
	}
	forEachMethod(t, func(t *testing.T, svc grpc.ServiceDesc, method string, stream bool) {
		err := call(ctx(t), srv.Conn(), svc, method, stream)
		if emulated[svc.ServiceName] {
			if code := status.Code(err); code == codes.Unimplemented {
				t.Fatalf("emulated method answered UNIMPLEMENTED: %v", err)
			}
			return
		}
		wantCode(t, err, codes.Unimplemented, "not emulated by the fake server")
	})
}

func TestRequestsAreRecordedIncludingRejectedOnes(t *testing.T) {
	clock := xaitest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv, chat := startClient(t, xaiv1.NewChatClient, xaitest.WithClock(clock))
	if _, err := chat.GetCompletion(metadata.AppendToOutgoingContext(ctx(t), "x-trace", "abc"),
		chatReq("grok-3", user("hello"))); err != nil {
		t.Fatal(err)
	}
	// A call without a key, over a connection that carries none, is
	// refused before its request is read, so it leaves no record.
	conn, err := grpc.NewClient(srv.Target(), srv.DialOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = streamedErr(t, xaiv1.NewChatClient(conn), chatReq("grok-3", user("keyless")))
	wantCode(t, err, codes.Unauthenticated)
	// A stream the handler rejects is recorded with its request.
	_, err = streamedErr(t, chat, chatReq("", user("streamed")))
	wantCode(t, err, codes.InvalidArgument)

	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	first := reqs[0]
	if first.FullMethod != xaiv1.Chat_GetCompletion_FullMethodName || !first.Time.Equal(clock.Now()) {
		t.Fatalf("first request: %s at %v", first.FullMethod, first.Time)
	}
	if got := first.Metadata.Get("x-trace"); len(got) != 1 || got[0] != "abc" {
		t.Fatalf("metadata x-trace = %v", got)
	}
	if got := first.Metadata.Get("authorization"); len(got) != 1 || got[0] != "Bearer "+xaitest.DefaultAPIKey {
		t.Fatalf("metadata authorization = %v", got)
	}
	if m := first.Message.(*xaiv1.GetCompletionsRequest); m.GetMessages()[0].GetContent()[0].GetText() != "hello" {
		t.Fatalf("recorded message = %v", m)
	}
	second := reqs[1]
	if second.FullMethod != xaiv1.Chat_GetCompletionChunk_FullMethodName {
		t.Fatalf("second request: %s", second.FullMethod)
	}
	if m, ok := second.Message.(*xaiv1.GetCompletionsRequest); !ok || m.GetMessages()[0].GetContent()[0].GetText() != "streamed" {
		t.Fatalf("the rejected stream's request was not recorded: %v", second.Message)
	}

	// Records are copies.
	first.Message.(*xaiv1.GetCompletionsRequest).Model = "changed"
	if srv.Requests()[0].Message.(*xaiv1.GetCompletionsRequest).GetModel() != "grok-3" {
		t.Fatal("Requests returned the server's own message")
	}
	srv.ResetRequests()
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("after ResetRequests: %d requests", n)
	}
}

func TestBufconnServer(t *testing.T) {
	srv := start(t, xaitest.WithBufconn(), xaitest.WithAPIKeys("bufkey-0123456789"))
	if srv.Addr() != "bufconn" || srv.Target() != "passthrough:///bufnet" || srv.APIKey() != "bufkey-0123456789" {
		t.Fatalf("Addr %q Target %q APIKey %q", srv.Addr(), srv.Target(), srv.APIKey())
	}
	resp, err := xaiv1.NewChatClient(srv.Conn()).GetCompletion(ctx(t), chatReq("grok-3", user("over bufconn")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(content(resp, 0), "over bufconn") {
		t.Fatalf("content %q", content(resp, 0))
	}
	// A client of our own, with DialOptions and metadata.
	conn, err := grpc.NewClient(srv.Target(), srv.DialOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := metadata.AppendToOutgoingContext(ctx(t), "authorization", "Bearer "+srv.APIKey())
	if _, err := xaiv1.NewModelsClient(conn).ListLanguageModels(c, &emptypb.Empty{}); err != nil {
		t.Fatal(err)
	}
}

func TestLoopbackAddress(t *testing.T) {
	srv := start(t)
	if !strings.HasPrefix(srv.Addr(), "127.0.0.1:") || strings.HasSuffix(srv.Addr(), ":0") || srv.Target() != srv.Addr() {
		t.Fatalf("Addr %q Target %q", srv.Addr(), srv.Target())
	}
	if srv.APIKey() != xaitest.DefaultAPIKey {
		t.Fatalf("APIKey = %q", srv.APIKey())
	}
}

func TestNewServerRejectsBadOptions(t *testing.T) {
	cases := map[string][]xaitest.Option{
		"short key":      {xaitest.WithEncryptionKey([]byte("too short"))},
		"zero retention": {xaitest.WithRetention(0)},
		"empty api key":  {xaitest.WithAPIKeys("")},
		"spaced api key": {xaitest.WithAPIKeys("a key")},
		"bad address":    {xaitest.WithAddress("127.0.0.1:notaport")},
		"minus latency":  {xaitest.WithLatency(-time.Second)},
	}
	for name, opts := range cases {
		t.Run(name, func(t *testing.T) {
			srv, err := xaitest.NewServer(opts...)
			if err == nil {
				srv.Close()
				t.Fatal("NewServer accepted it")
			}
		})
	}
}

func TestCloseIsIdempotentAndClosesConn(t *testing.T) {
	srv, err := xaitest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = xaiv1.NewModelsClient(srv.Conn()).ListLanguageModels(ctx(t), &emptypb.Empty{})
	wantCode(t, err, codes.Canceled)
}

func TestShutdownWaitsForCalls(t *testing.T) {
	srv, err := xaitest.NewServer(xaitest.WithLatency(200 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := xaiv1.NewChatClient(srv.Conn()).GetCompletion(context.Background(), chatReq("grok-3", user("slow")))
		done <- err
	}()
	for len(srv.Requests()) == 0 { // wait until the call is on the server
		time.Sleep(5 * time.Millisecond)
	}
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(c); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the call in progress failed: %v", err)
	}
}

func TestMessageLimitIs20MiB(t *testing.T) {
	srv := start(t)
	big := strings.Repeat("a", 21<<20)
	_, err := xaiv1.NewTokenizeClient(srv.Conn()).TokenizeText(ctx(t), &xaiv1.TokenizeTextRequest{Model: "grok-3", Text: big})
	wantCode(t, err, codes.ResourceExhausted)
	// Just under the limit passes the transport.
	resp, err := xaiv1.NewChatClient(srv.Conn()).GetCompletion(ctx(t),
		chatReq("grok-4-fast-non-reasoning", user(strings.Repeat("b ", 9<<20))))
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetUsage().GetPromptTextTokens() < 9<<20 {
		t.Fatalf("prompt tokens %d", resp.GetUsage().GetPromptTextTokens())
	}
}

func TestRequestLogLimit(t *testing.T) {
	for _, tc := range []struct {
		limit int
		want  []string
	}{
		{0, nil},
		{2, []string{"two", "three"}},
		{5, []string{"one", "two", "three"}},
	} {
		t.Run(fmt.Sprint(tc.limit), func(t *testing.T) {
			srv, chat := startClient(t, xaiv1.NewChatClient, xaitest.WithRequestLog(tc.limit))
			for _, s := range []string{"one", "two", "three"} {
				if _, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user(s))); err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			for _, r := range srv.Requests() {
				got = append(got, r.Message.(*xaiv1.GetCompletionsRequest).GetMessages()[0].GetContent()[0].GetText())
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("kept %v, want %v", got, tc.want)
			}
		})
	}
}

// fatalTB records the first Fatalf of a test helper and stops the
// goroutine that called it, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestStartClosesTheServerWhenTheTestEnds(t *testing.T) {
	t.Parallel()
	var srv *xaitest.Server
	t.Run("user", func(t *testing.T) {
		srv = xaitest.Start(t)
		if _, err := xaiv1.NewModelsClient(srv.Conn()).ListLanguageModels(context.Background(), &emptypb.Empty{}); err != nil {
			t.Fatalf("the started server does not answer: %v", err)
		}
	})
	// The subtest's cleanup closed it: its own connection is shut.
	_, err := xaiv1.NewModelsClient(srv.Conn()).ListLanguageModels(context.Background(), &emptypb.Empty{})
	if status.Code(err) != codes.Canceled {
		t.Fatalf("after the test ended, a call gave %v; want Canceled (the server's connection closed)", err)
	}

	// A server that cannot start fails the test at once, saying why.
	tb := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		xaitest.Start(tb, xaitest.WithAddress("not an address"))
		t.Error("Start returned after a failed start")
	}()
	<-done
	if !strings.Contains(tb.msg, "xaitest.Start") || !strings.Contains(tb.msg, "not an address") {
		t.Errorf("Fatalf message %q; want it to name xaitest.Start and the bad address", tb.msg)
	}
}
