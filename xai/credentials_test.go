package xai

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/status"

	"github.com/gogrok/sdk/xai/xaitest"
)

func TestKeyNeverFormatted(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

func TestMetadataAndUserAgent(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	for in, want := range map[string]string{"go1.26.8": "1.26", "go1.24": "1.24", "devel go1.27-abc": "devel go1.27-abc"} {
		if got := goMinorVersion(in); got != want {
			t.Errorf("goMinorVersion(%q) = %q, want %q", in, got, want)
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

func (publicHosts) Close() {}

// A key travels without TLS only to an address named with WithInsecure:
// never toward the public hosts, whatever the environment holds. The
// on-path server stands for api.x.ai and management-api.x.ai.
func TestKeysOnlyOverTLS(t *testing.T) {
	const realAPIKey, realMgmtKey = "xai-REAL-api-key-7c1e", "xai-REAL-mgmt-key-93bd"
	setEnv(t, map[string]string{APIKeyEnv: realAPIKey, ManagementKeyEnv: realMgmtKey})
	path := startOnPath(t)
	mapped := grpc.WithResolvers(publicHosts{onPath: path.lis.Addr().String()})
	srv := xaitest.Start(t, xaitest.WithAPIKeys(testKey))
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
