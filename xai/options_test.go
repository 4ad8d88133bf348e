package xai

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
)

func TestNewClientOptionErrors(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// checkMetadata accepts only what gRPC can send (printable ASCII values,
// except under "-bin" keys), for WithMetadata and WithCallMetadata alike,
// and keeps its errors short whatever the key's length.
func TestCheckMetadata(t *testing.T) {
	t.Parallel()
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
