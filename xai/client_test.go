package xai

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
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

func TestOwnConnStaysOpen(t *testing.T) {
	t.Parallel()
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
