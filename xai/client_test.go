package xai

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestNewClientKeys(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string // unset when absent
		opts     []Option
		wantCode codes.Code // OK: success
		wantMsg  []string   // substrings of the error
	}{
		{name: "option", opts: []Option{WithAPIKey(testKey)}},
		{name: "env", env: map[string]string{APIKeyEnv: testKey}},
		{name: "option wins over env", env: map[string]string{APIKeyEnv: "other"}, opts: []Option{WithAPIKey(testKey)}},
		{name: "missing", wantCode: codes.Unauthenticated, wantMsg: []string{"WithAPIKey", APIKeyEnv}},
		{name: "env empty", env: map[string]string{APIKeyEnv: ""}, wantCode: codes.Unauthenticated, wantMsg: []string{APIKeyEnv, "empty", "WithAPIKey"}},
		{name: "env blank", env: map[string]string{APIKeyEnv: "  "}, wantCode: codes.Unauthenticated, wantMsg: []string{APIKeyEnv, "empty"}},
		{name: "env trailing newline", env: map[string]string{APIKeyEnv: testKey + "\n"}, wantCode: codes.Unauthenticated, wantMsg: []string{APIKeyEnv, "newline"}},
		{name: "option empty", env: map[string]string{APIKeyEnv: testKey}, opts: []Option{WithAPIKey("")}, wantCode: codes.InvalidArgument, wantMsg: []string{"WithAPIKey", "empty"}},
		{name: "option with space", opts: []Option{WithAPIKey("ab cd")}, wantCode: codes.InvalidArgument, wantMsg: []string{"WithAPIKey", "whitespace"}},
		{name: "WithoutEnv ignores env", env: map[string]string{APIKeyEnv: testKey}, opts: []Option{WithoutEnv()}, wantCode: codes.Unauthenticated, wantMsg: []string{"WithAPIKey", "WithoutEnv"}},
		{name: "management key from env", env: map[string]string{APIKeyEnv: testKey, ManagementKeyEnv: "mgmt-" + testKey}},
		{name: "management key invalid", env: map[string]string{APIKeyEnv: testKey, ManagementKeyEnv: "a b"}, wantCode: codes.Unauthenticated, wantMsg: []string{ManagementKeyEnv}},
		{name: "management option empty", opts: []Option{WithAPIKey(testKey), WithManagementKey("")}, wantCode: codes.InvalidArgument, wantMsg: []string{"WithManagementKey"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			c, err := NewClient(tt.opts...)
			if tt.wantCode == codes.OK {
				if err != nil {
					t.Fatalf("NewClient: %v", err)
				}
				c.Close()
				return
			}
			if err == nil {
				c.Close()
				t.Fatalf("NewClient succeeded, want %v", tt.wantCode)
			}
			checkErr(t, err, tt.wantCode, tt.wantMsg...)
		})
	}
}

func TestNewClientOptionErrors(t *testing.T) {
	conn, err := grpc.NewClient("127.0.0.1:1", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tests := []struct {
		name string
		opts []Option
		want []string
	}{
		{"nil option", []Option{nil}, []string{"option 2 is nil"}},
		{"empty endpoint", []Option{WithEndpoint("")}, []string{"WithEndpoint", "empty"}},
		{"http endpoint", []Option{WithEndpoint("http://127.0.0.1:5005")}, []string{"WithEndpoint", "scheme (http://)", `"host:port"`, `"api.x.ai:443"`}},
		{"https endpoint", []Option{WithEndpoint("https://api.x.ai")}, []string{"WithEndpoint", "scheme (https://)", `"host:port"`}},
		{"endpoint without port", []Option{WithEndpoint("api.x.ai")}, []string{"WithEndpoint", "not a host:port address", `"host:port"`}},
		{"endpoint with a path", []Option{WithEndpoint("api.x.ai:443/v1")}, []string{"WithEndpoint", "port", `"host:port"`}},
		{"endpoint port name", []Option{WithEndpoint("api.x.ai:https")}, []string{"port \"https\"", "1 to 65535"}},
		{"endpoint port zero", []Option{WithEndpoint("localhost:0")}, []string{"1 to 65535"}},
		{"endpoint without host", []Option{WithEndpoint(":443")}, []string{"not a host name"}},
		{"endpoint host with space", []Option{WithEndpoint("api x.ai:443")}, []string{"not a host name"}},
		{"management endpoint with scheme", []Option{WithManagementEndpoint("https://management-api.x.ai:443")}, []string{"WithManagementEndpoint", "scheme (https://)", `"management-api.x.ai:443"`}},
		{"empty management endpoint", []Option{WithManagementEndpoint(" ")}, []string{"WithManagementEndpoint"}},
		{"zero timeout", []Option{WithTimeout(0)}, []string{"WithTimeout", "positive"}},
		{"bad keepalive", []Option{WithKeepalive(-time.Second, time.Second)}, []string{"WithKeepalive"}},
		{"bad message size", []Option{WithMaxMessageSize(0)}, []string{"WithMaxMessageSize"}},
		{"nil logger", []Option{WithLogger(nil)}, []string{"WithLogger"}},
		{"nil conn", []Option{WithGRPCConn(nil)}, []string{"WithGRPCConn", "nil"}},
		{"nil dial option", []Option{WithDialOptions(nil)}, []string{"WithDialOptions"}},
		{"odd metadata", []Option{WithMetadata("a")}, []string{"WithMetadata", "pairs"}},
		{"authorization metadata", []Option{WithMetadata("Authorization", "Bearer x")}, []string{"reserved", "WithAPIKey"}},
		{"grpc metadata", []Option{WithMetadata("grpc-timeout", "1")}, []string{"reserved by gRPC"}},
		{"bad metadata key", []Option{WithMetadata("a b", "1")}, []string{"may only contain"}},
		{"non-ASCII metadata value", []Option{WithMetadata("x-team", "café")}, []string{"WithMetadata", `metadata key "x-team"`, "byte 0xc3 at offset 3", "printable ASCII", "-bin"}},
		{"negative retry", []Option{WithRetryPolicy(RetryPolicy{MaxAttempts: -1})}, []string{"WithRetryPolicy", "negative"}},
		{"retry invalid argument", []Option{WithRetryPolicy(RetryPolicy{Codes: []codes.Code{codes.InvalidArgument}})}, []string{"InvalidArgument cannot be retried"}},
		{"retry backoff order", []Option{WithRetryPolicy(RetryPolicy{InitialBackoff: time.Second, MaxBackoff: time.Millisecond})}, []string{"below InitialBackoff"}},
		{"retry multiplier", []Option{WithRetryPolicy(RetryPolicy{Multiplier: 0.5})}, []string{"Multiplier"}},
		{"two problems", []Option{WithEndpoint(""), WithTimeout(-1)}, []string{"WithEndpoint", "WithTimeout"}},
		{"conn conflicts", []Option{WithGRPCConn(conn), WithEndpoint("x:1"), WithKeepalive(time.Second, time.Second)}, []string{"WithEndpoint", "WithKeepalive", "cannot be combined with WithGRPCConn"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(append([]Option{WithAPIKey(testKey), WithoutEnv()}, tt.opts...)...)
			if err == nil {
				c.Close()
				t.Fatal("NewClient succeeded, want an error")
			}
			checkErr(t, err, codes.InvalidArgument, tt.want...)
		})
	}
}

// The endpoint forms WithEndpoint documents as accepted: host:port, and
// the gRPC resolver schemes grpc-go supports.
func TestEndpointFormsAccepted(t *testing.T) {
	for _, addr := range []string{
		"api.x.ai:443", "127.0.0.1:50051", "localhost:1", "[::1]:443", "my_host.internal:65535",
		"dns:///api.x.ai:443", "unix:/tmp/xai.sock", "unix:///tmp/xai.sock", "unix-abstract:xai", "passthrough:///bufnet",
	} {
		c, err := NewClient(WithAPIKey(testKey), WithoutEnv(), WithEndpoint(addr), WithManagementEndpoint(addr))
		if err != nil {
			t.Errorf("WithEndpoint(%q): %v", addr, err)
			continue
		}
		c.Close()
	}
}

func TestNewClientDoesNoIO(t *testing.T) {
	// Nothing listens on the endpoint: NewClient must still succeed, and
	// only a call reports the problem.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	c, err := NewClient(WithAPIKey(testKey), WithoutEnv(), WithEndpoint(addr), WithInsecure(), WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer c.Close()
	_, err = c.Chat.Create("grok-4", WithMessages(User("hi"))).Sample(context.Background(), WithCallTimeout(5*time.Second))
	checkErr(t, err, codes.Unavailable)
}

func TestDefaults(t *testing.T) {
	setEnv(t, map[string]string{APIKeyEnv: testKey})
	c, err := NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := c.cfg
	want := RetryPolicy{MaxAttempts: 5, InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, Multiplier: 2, Codes: []codes.Code{codes.Unavailable}}
	got := fmt.Sprint(cfg.endpoint, cfg.managementEndpoint, cfg.timeout, cfg.maxMessageSize, cfg.keepaliveTime, cfg.keepaliveTimeout, cfg.insecure, cfg.retry)
	exp := fmt.Sprint("api.x.ai:443", "management-api.x.ai:443", 27*time.Minute, 20<<20, 30*time.Second, 10*time.Second, false, want)
	if got != exp {
		t.Errorf("defaults = %s, want %s", got, exp)
	}
	if c.Conn() == nil || c.Conn().CanonicalTarget() != "dns:///api.x.ai:443" {
		t.Errorf("target = %v", c.Conn().CanonicalTarget())
	}
	if !c.api.creds.RequireTransportSecurity() {
		t.Error("credentials do not require TLS by default")
	}
	md, _ := c.api.creds.GetRequestMetadata(context.Background())
	if md["authorization"] != "Bearer "+testKey {
		t.Error("credentials do not send the bearer key")
	}
}

func TestKeyNeverFormatted(t *testing.T) {
	var logs bytes.Buffer
	c, err := NewClient(WithAPIKey(testKey), WithManagementKey(testKey+"-mgmt"), WithoutEnv(), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	values := map[string]any{
		"client": c, "*client": *c, "config": c.cfg, "*config": *c.cfg,
		"creds": c.api.creds, "*creds": *c.api.creds, "option": WithAPIKey(testKey),
		"management option": WithManagementKey(testKey), "secret": newSecret(testKey),
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%T"} {
			s := fmt.Sprintf(verb, v)
			if strings.Contains(s, testKey) || strings.Contains(s, fmt.Sprintf("%x", testKey)) {
				t.Errorf("%s formatted with %s shows the key", name, verb)
			}
		}
	}
	if s := c.String(); !strings.Contains(s, "api.x.ai:443") || !strings.Contains(s, redacted) {
		t.Errorf("String() = %s", s)
	}
}

func TestRefusesKeyWithoutTLS(t *testing.T) {
	// A plaintext fake reached without WithInsecure: the client must not
	// send the key, and the fake must see no request at all.
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, _ := newFake(t, useBufconn)
		sample := func(t *testing.T, opts ...Option) error {
			t.Helper()
			c, err := NewClient(append([]Option{WithAPIKey(testKey), WithoutEnv(), WithRetryPolicy(fastRetry)}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err = c.Chat.Create("grok-4", WithMessages(User("hi"))).Sample(context.Background(), WithCallTimeout(10*time.Second))
			return err
		}

		t.Run("TLS to a plaintext server", func(t *testing.T) {
			// The fake's dialer, with TLS put back over its plaintext creds.
			tlsAgain := grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12}))
			err := sample(t, WithEndpoint(srv.Target()), WithDialOptions(append(srv.DialOptions(), tlsAgain)...))
			checkErr(t, err, codes.Unavailable, "TLS handshake", "WithInsecure")
		})
		t.Run("plaintext transport without WithInsecure", func(t *testing.T) {
			err := sample(t, WithEndpoint(srv.Target()), WithDialOptions(srv.DialOptions()...))
			checkErr(t, err, codes.Unauthenticated, "without TLS", "WithInsecure")
		})
		t.Run("own plaintext conn without WithInsecure", func(t *testing.T) {
			conn, err := grpc.NewClient(srv.Target(), srv.DialOptions()...)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			err = sample(t, WithGRPCConn(conn))
			checkErr(t, err, codes.Unauthenticated, "without TLS")
		})
		checkNoneSent(t, srv)
	})
}

// A request over the send limit is refused before anything is sent, as
// INVALID_ARGUMENT that says what to do, even with a policy that retries
// RESOURCE_EXHAUSTED; a reply over the receive limit is not rate limiting
// and is not retried (the server did the work).
func TestMaxMessageSize(t *testing.T) {
	var attempts atomic.Int32 // calls that reached the connection, per attempt
	countUnary := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		attempts.Add(1)
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	countStream := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		attempts.Add(1)
		return streamer(ctx, desc, cc, method, opts...)
	}
	retryAll := WithRetryPolicy(RetryPolicy{InitialBackoff: time.Millisecond, Codes: []codes.Code{codes.Unavailable, codes.ResourceExhausted}})
	srv, c := newFake(t, true, WithMaxMessageSize(1024), retryAll,
		WithDialOptions(grpc.WithChainUnaryInterceptor(countUnary), grpc.WithChainStreamInterceptor(countStream)))
	ctx := context.Background()
	big := c.Chat.Create("grok-4").Append(User(strings.Repeat("x", 2048)))

	t.Run("request over the send limit", func(t *testing.T) {
		_, err := big.Sample(ctx)
		checkErr(t, err, codes.InvalidArgument, "2067 bytes", "limit of 1024 bytes", "nothing was sent", "images", "Files API", "WithMaxMessageSize")
		if IsRateLimited(err) {
			t.Error("IsRateLimited is true for a request over the send limit")
		}
		// A stream reports it when read, as it reports any failure to open.
		s, err := big.Stream(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, err = range s.All() {
		}
		s.Close()
		checkErr(t, err, codes.InvalidArgument, "2067 bytes", "limit of 1024 bytes", "WithMaxMessageSize")
		if n := attempts.Load(); n != 0 {
			t.Errorf("%d attempts reached the connection, want none", n)
		}
		if len(srv.Requests()) != 0 {
			t.Error("an oversized request reached the server")
		}
	})

	reply := strings.Repeat("z", 4096)
	t.Run("unary reply over the receive limit", func(t *testing.T) {
		srv.ResetRequests()
		srv.EnqueueReply(xaitest.Reply{Content: reply})
		_, err := c.Chat.Create("grok-4").Append(User("small")).Sample(ctx)
		checkErr(t, err, codes.ResourceExhausted, "receive limit of 1024 bytes", "not retried", "WithMaxMessageSize")
		if IsRateLimited(err) {
			t.Error("IsRateLimited is true for a reply over the receive limit")
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("the server ran the call %d times, want 1", n)
		}
	})
	t.Run("streamed reply over the receive limit", func(t *testing.T) {
		srv.ResetRequests()
		srv.EnqueueReply(xaitest.Reply{Chunks: []string{reply}})
		s, err := c.Chat.Create("grok-4").Append(User("small")).Stream(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, err = range s.All() {
		}
		checkErr(t, err, codes.ResourceExhausted, "receive limit of 1024 bytes", "WithMaxMessageSize")
		if IsRateLimited(err) {
			t.Error("IsRateLimited is true for a reply over the receive limit")
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("the server ran the call %d times, want 1", n)
		}
	})
	t.Run("rate limited by the server", func(t *testing.T) {
		srv.InjectFault(xaiv1.Chat_GetCompletion_FullMethodName, xaitest.Fault{Code: codes.ResourceExhausted, Message: "slow down"})
		_, err := c.Chat.Create("grok-4").Append(User("small")).Sample(ctx, WithoutRetry())
		if !IsRateLimited(err) {
			t.Errorf("IsRateLimited is false for RESOURCE_EXHAUSTED from the server: %v", err)
		}
	})
}

// The send limit also holds on a caller's connection (gRPC's own check,
// whose error the client explains), and is not retried.
func TestMaxMessageSizeOwnConn(t *testing.T) {
	srv, _ := newFake(t, true)
	conn, err := grpc.NewClient(srv.Target(), append(srv.DialOptions(), grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(1024)))...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := NewClient(WithGRPCConn(conn), WithInsecure(), WithAPIKey(srv.APIKey()), WithoutEnv(),
		WithRetryPolicy(RetryPolicy{InitialBackoff: time.Millisecond, Codes: []codes.Code{codes.ResourceExhausted}}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Chat.Create("grok-4").Append(User(strings.Repeat("x", 2048))).Sample(context.Background())
	checkErr(t, err, codes.InvalidArgument, "limit of 1024 bytes", "WithMaxMessageSize")
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("the server saw %d requests, want none", n)
	}
}

func TestMetadataAndUserAgent(t *testing.T) {
	transports(t, func(t *testing.T, useBufconn bool) {
		srv := &scriptServer{}
		c := startScript(t, srv, useBufconn, WithMetadata("x-team", "search"))
		var header, trailer metadata.MD
		_, err := c.Chat.Create("grok-4", WithMessages(User("hi"))).Sample(context.Background(),
			WithCallMetadata("x-request", "r1"), CaptureHeader(&header), CaptureTrailer(&trailer))
		if err != nil {
			t.Fatal(err)
		}
		md := srv.lastCall().md
		for k, want := range map[string]string{
			"authorization": "Bearer " + testKey,
			// The keys and value forms of the official Python SDK
			// (client.py: xai-sdk-version "python/<v>",
			// xai-sdk-language "python/<major>.<minor>").
			"xai-sdk-version":  "go/" + Version,
			"xai-sdk-language": "go/" + goMinorVersion(runtime.Version()),
			"x-team":           "search",
			"x-request":        "r1",
		} {
			if got := md.Get(k); len(got) != 1 || got[0] != want {
				t.Errorf("metadata %s = %q, want [%q]", k, got, want)
			}
		}
		if ua := md.Get("user-agent"); len(ua) != 1 || !strings.HasPrefix(ua[0], "xai-sdk-go/"+Version) {
			t.Errorf("user-agent = %q", ua)
		}
		if header == nil {
			t.Error("CaptureHeader did not capture the header")
		}
	})
}

func TestGoMinorVersion(t *testing.T) {
	for in, want := range map[string]string{"go1.26.8": "1.26", "go1.24": "1.24", "devel go1.27-abc": "devel go1.27-abc"} {
		if got := goMinorVersion(in); got != want {
			t.Errorf("goMinorVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOwnConnStaysOpen(t *testing.T) {
	srv := &scriptServer{}
	base := startScript(t, srv, true)
	conn, err := grpc.NewClient(base.cfg.endpoint, append(base.cfg.dialOptions, grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := NewClient(WithAPIKey(testKey), WithoutEnv(), WithGRPCConn(conn), WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	if c.Conn() != conn {
		t.Error("Conn() is not the given connection")
	}
	if _, err := c.Chat.Create("grok-4", WithMessages(User("hi"))).Sample(context.Background()); err != nil {
		t.Fatalf("Sample over own conn: %v", err)
	}
	if got := srv.lastCall().md.Get("authorization"); len(got) != 1 {
		t.Errorf("authorization sent %d times over own conn", len(got))
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// The caller's connection still works after Client.Close.
	c2, err := NewClient(WithAPIKey(testKey), WithoutEnv(), WithGRPCConn(conn), WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Chat.Create("grok-4", WithMessages(User("hi"))).Sample(context.Background()); err != nil {
		t.Fatalf("own conn was closed by Client.Close: %v", err)
	}
}

func TestDeadlines(t *testing.T) {
	srv := &scriptServer{unary: func(ctx context.Context, _ int, _ *xaiv1.GetCompletionsRequest) (*xaiv1.GetChatCompletionResponse, error) {
		dl, ok := ctx.Deadline()
		if !ok {
			return nil, status.Error(codes.FailedPrecondition, "no deadline")
		}
		return textResponse("r", time.Until(dl).Round(time.Minute).String()), nil
	}}
	c := startScript(t, srv, true, WithTimeout(time.Hour))
	chat := c.Chat.Create("grok-4", WithMessages(User("hi")))
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		opts []CallOption
		want string
	}{
		{"client default", noDeadline, nil, "1h0m0s"},
		{"context wins", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 10*time.Minute)
		}, nil, "10m0s"},
		{"call timeout", noDeadline, []CallOption{WithCallTimeout(5 * time.Minute)}, "5m0s"},
		{"earlier context beats call timeout", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 2*time.Minute)
		}, []CallOption{WithCallTimeout(5 * time.Minute)}, "2m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			resp, err := chat.Sample(ctx, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Content(); got != tt.want {
				t.Errorf("server saw a deadline in %s, want %s", got, tt.want)
			}
		})
	}
	_, err := chat.Sample(context.Background(), WithCallTimeout(-time.Second))
	checkErr(t, err, codes.InvalidArgument, "WithCallTimeout")
	if n := srv.count("GetCompletion"); n != len(tests) {
		t.Errorf("server got %d calls, want %d (the invalid one must not be sent)", n, len(tests))
	}
}

func noDeadline() (context.Context, context.CancelFunc) { return context.Background(), func() {} }

// checkMetadata accepts only what gRPC can send (printable ASCII values,
// except under "-bin" keys), for WithMetadata and WithCallMetadata alike,
// and keeps its errors short whatever the key's length.
func TestCheckMetadata(t *testing.T) {
	longKey := strings.Repeat("Ä", 450)
	tests := []struct {
		name string
		kv   []string
		errs []string // nil means accepted
	}{
		{name: "plain", kv: []string{"x-team", "search", "X-Env", "prod ~!@#$%^&*()"}},
		{name: "empty value", kv: []string{"x-team", ""}},
		{name: "binary value under -bin key", kv: []string{"x-trace-bin", "\x00\xff café"}},
		{name: "upper-case -BIN key", kv: []string{"X-Trace-BIN", "\x01"}},
		{name: "non-ASCII value", kv: []string{"x-team", "café"}, errs: []string{`metadata key "x-team"`, "byte 0xc3 at offset 3"}},
		{name: "DEL in value", kv: []string{"0", "\x7f"}, errs: []string{"byte 0x7f at offset 0"}},
		{name: "control character in value", kv: []string{"x-a", "ok", "x-b", "line\nbreak"}, errs: []string{`metadata key "x-b"`, "byte 0x0a at offset 4"}},
		{name: "long bad key", kv: []string{longKey, "v"}, errs: []string{"may only contain", "(900 bytes)"}},
		{name: "long reserved key", kv: []string{"grpc-" + strings.Repeat("x", 1000), "v"}, errs: []string{"reserved by gRPC", "(1005 bytes)"}},
	}
	for _, tt := range tests {
		for _, option := range []string{"WithMetadata", "WithCallMetadata"} {
			t.Run(tt.name+"/"+option, func(t *testing.T) {
				err := checkMetadata(option, tt.kv)
				if tt.errs == nil {
					if err != nil {
						t.Fatalf("checkMetadata(%q): %v", tt.kv, err)
					}
					return
				}
				wantInvalid(t, err, append([]string{option + ": "}, tt.errs...)...)
				if len(err.Error()) > 400 {
					t.Errorf("error is %d bytes long: %v", len(err.Error()), err)
				}
			})
		}
	}
}

// onPath is a plaintext gRPC server standing where the public hosts would
// be, as an attacker on the path could: it records every byte it receives
// and the metadata of every call, and answers UNAVAILABLE.
type onPath struct {
	lis   net.Listener
	mu    sync.Mutex
	bytes bytes.Buffer
	calls []metadata.MD
}

func startOnPath(t *testing.T) *onPath {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &onPath{lis: lis}
	gs := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, ss grpc.ServerStream) error {
		md, _ := metadata.FromIncomingContext(ss.Context())
		p.mu.Lock()
		p.calls = append(p.calls, md)
		p.mu.Unlock()
		return status.Error(codes.Unavailable, "on-path responder")
	}))
	go gs.Serve(teeListener{Listener: lis, p: p})
	t.Cleanup(gs.Stop)
	return p
}

// received returns what arrived: the bytes (header values in them may be
// Huffman-coded) and the metadata of the calls, as text.
func (p *onPath) received() (raw, calls string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bytes.String(), fmt.Sprint(p.calls), len(p.calls)
}

type teeListener struct {
	net.Listener
	p *onPath
}

func (l teeListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return teeConn{Conn: c, p: l.p}, nil
}

type teeConn struct {
	net.Conn
	p *onPath
}

func (c teeConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.p.mu.Lock()
	c.p.bytes.Write(b[:n])
	c.p.mu.Unlock()
	return n, err
}

// publicHosts resolves the public host names (the default endpoints) to
// the on-path server, and every other address to itself. It takes the
// place of the "dns" resolver, the default for targets without a scheme.
type publicHosts struct{ onPath string }

func (r publicHosts) Scheme() string { return "dns" }

func (r publicHosts) Build(t resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	addr := t.Endpoint()
	if addr == DefaultEndpoint || addr == DefaultManagementEndpoint {
		addr = r.onPath
	}
	return r, cc.UpdateState(resolver.State{Addresses: []resolver.Address{{Addr: addr}}})
}

func (publicHosts) ResolveNow(resolver.ResolveNowOptions) {}
func (publicHosts) Close()                                {}

// A key travels without TLS only to an address named with WithInsecure:
// never toward the public hosts, whatever the environment holds. The
// on-path server stands for api.x.ai and management-api.x.ai.
func TestKeysOnlyOverTLS(t *testing.T) {
	const realAPIKey, realMgmtKey = "xai-REAL-api-key-7c1e", "xai-REAL-mgmt-key-93bd"
	setEnv(t, map[string]string{APIKeyEnv: realAPIKey, ManagementKeyEnv: realMgmtKey})
	path := startOnPath(t)
	mapped := grpc.WithResolvers(publicHosts{onPath: path.lis.Addr().String()})
	srv, err := xaitest.NewServer(xaitest.WithAPIKeys(testKey))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()

	t.Run("WithInsecure without an endpoint", func(t *testing.T) {
		c, err := NewClient(WithInsecure(), WithDialOptions(mapped))
		if err == nil {
			c.Close()
			t.Fatal("NewClient(WithInsecure()) succeeded")
		}
		checkErr(t, err, codes.InvalidArgument, "WithInsecure", "WithEndpoint", DefaultEndpoint)
	})
	t.Run("WithInsecure with an endpoint or a connection", func(t *testing.T) {
		conn, err := grpc.NewClient(srv.Target(), srv.DialOptions()...)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for _, opt := range []Option{WithEndpoint(srv.Target()), WithGRPCConn(conn)} {
			c, err := NewClient(opt, WithInsecure(), WithAPIKey(testKey))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Models.ListLanguage(ctx); err != nil {
				t.Errorf("call to the named fake: %v", err)
			}
			c.Close()
		}
	})
	// The fake recipe of an older README: the fake's dial options (which
	// drop TLS) and WithInsecure, with the real keys in the environment.
	t.Run("fake recipe with the keys in the environment", func(t *testing.T) {
		c, err := NewClient(WithEndpoint(srv.Target()), WithDialOptions(append(srv.DialOptions(), mapped)...),
			WithAPIKey(testKey), WithInsecure(), WithRetryPolicy(fastRetry))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = c.Collections.Get(ctx, "col-1", WithCallTimeout(10*time.Second))
		checkErr(t, err, codes.Unauthenticated, "without TLS", "WithManagementEndpoint")
	})
	// The README's recipe: WithoutEnv leaves the management key out.
	t.Run("README recipe", func(t *testing.T) {
		c, err := NewClient(WithEndpoint(srv.Target()), WithDialOptions(append(srv.DialOptions(), mapped)...),
			WithAPIKey(testKey), WithInsecure(), WithoutEnv())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = c.Collections.Get(ctx, "col-1")
		checkErr(t, err, codes.Unauthenticated, "no management key")
	})
	// The management connection keeps TLS toward its default host, even
	// with WithInsecure for the API: the on-path server gets a TLS hello.
	t.Run("management key toward the default host", func(t *testing.T) {
		c, err := NewClient(WithEndpoint(srv.Addr()), WithDialOptions(mapped), WithAPIKey(testKey),
			WithManagementKey(realMgmtKey), WithInsecure(), WithRetryPolicy(fastRetry))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = c.Collections.Get(ctx, "col-1", WithCallTimeout(10*time.Second))
		checkErr(t, err, codes.Unavailable, "TLS handshake")
		if _, err := c.Models.ListLanguage(ctx); err != nil {
			t.Errorf("the API connection to the named fake: %v", err)
		}
	})
	got, md, calls := path.received()
	for _, k := range []string{realAPIKey, realMgmtKey, testKey} {
		if strings.Contains(got, k) || strings.Contains(md, k) {
			t.Errorf("the on-path server received a key (%d bytes, %d calls)", len(got), calls)
		}
	}
	if calls != 0 {
		t.Errorf("the on-path server received %d calls, want none", calls)
	}
	if len(got) == 0 {
		t.Error("the on-path server received nothing: the public hosts were not mapped to it, so the test proves nothing")
	}
}

// A stream that stalls ends with DEADLINE_EXCEEDED naming the idle
// timeout, keeping what had arrived; one whose messages keep coming lives
// longer than the idle timeout. The option works per client and per call.
func TestStreamIdleTimeout(t *testing.T) {
	stall := make(chan struct{})
	defer close(stall)
	srv := &scriptServer{}
	srv.stream = func(n int, req *xaiv1.GetCompletionsRequest, ss grpc.ServerStreamingServer[xaiv1.GetChatCompletionChunk]) error {
		switch req.GetMessages()[0].GetContent()[0].GetText() {
		case "stall after one":
			if err := sendChunks(ss, "first "); err != nil {
				return err
			}
		case "steady":
			for range 6 {
				time.Sleep(100 * time.Millisecond)
				if err := sendChunks(ss, "tick "); err != nil {
					return err
				}
			}
			return nil
		}
		select { // "stall at once" and the rest of "stall after one"
		case <-ss.Context().Done():
		case <-stall:
		}
		return ss.Context().Err()
	}
	idle := startScript(t, srv, true, WithStreamIdleTimeout(300*time.Millisecond))
	plain := startScript(t, srv, true)
	read := func(c *Client, text string, opts ...CallOption) (string, error) {
		s, err := c.Chat.Create("grok-4").Append(User(text)).Stream(context.Background(), opts...)
		if err != nil {
			return "", err
		}
		defer s.Close()
		var got strings.Builder
		for chunk, err := range s.All() {
			if err != nil {
				return got.String(), err
			}
			got.WriteString(chunk.Content())
		}
		return got.String(), nil
	}
	for _, tt := range []struct {
		name string
		c    *Client
		opts []CallOption
	}{
		{"client option", idle, nil},
		{"call option", plain, []CallOption{WithCallStreamIdleTimeout(300 * time.Millisecond)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(tt.c, "stall after one", tt.opts...)
			checkErr(t, err, codes.DeadlineExceeded, "no message arrived on the stream for 300ms", "idle timeout", "WithStreamIdleTimeout")
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Error("errors.Is(err, context.DeadlineExceeded) is false")
			}
			var xerr *Error
			if errors.As(err, &xerr); got != "first " || xerr.Partial == nil || xerr.Partial.Content() != got {
				t.Errorf("received %q, partial %v; want the first chunk kept", got, xerr.Partial)
			}
			_, err = read(tt.c, "stall at once", tt.opts...)
			checkErr(t, err, codes.DeadlineExceeded, "idle timeout")
			if got, err := read(tt.c, "steady", tt.opts...); err != nil || got != strings.Repeat("tick ", 6) {
				t.Errorf("a stream with a message every 100 ms: %q, %v", got, err)
			}
		})
	}
	_, err := read(plain, "hi", WithCallStreamIdleTimeout(0))
	checkErr(t, err, codes.InvalidArgument, "WithCallStreamIdleTimeout")
	if _, err := NewClient(WithAPIKey(testKey), WithoutEnv(), WithStreamIdleTimeout(-time.Second)); !IsInvalidArgument(err) {
		t.Errorf("WithStreamIdleTimeout(-1s): %v, want INVALID_ARGUMENT", err)
	}
}
