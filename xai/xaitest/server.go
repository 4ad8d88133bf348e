package xaitest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/test/bufconn"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	controlv1 "github.com/gogrok/sdk/gen/xaitest/control/v1"
)

// DefaultAPIKey is the API key the server accepts when [WithAPIKeys] is not
// given.
const DefaultAPIKey = "xai-test-key"

const (
	// maxMessageBytes is the gRPC message limit of the real service, in both
	// directions.
	maxMessageBytes = 20 << 20
	// defaultRetention is how long the real service keeps stored responses.
	defaultRetention = 30 * 24 * time.Hour
	// bufconnTarget is the target paired with a bufconn listener.
	bufconnTarget = "passthrough:///bufnet"
	// bufconnSize is the buffer of the in-memory listener.
	bufconnSize = 1 << 20
)

// config holds what the options set.
type config struct {
	apiKeys        []string
	managementKeys []string
	addr           string
	bufconn        bool
	retention      time.Duration
	clock          *Clock
	latency        time.Duration
	encryptionKey  []byte
	maxImageBytes  int
	requestLog     int // most requests kept by Requests; negative: all
	models         []Model
	mediaAddr      string // "" for no media server
	mediaLifetime  time.Duration
	teams          map[string][]string
	limits         Limits
	controlKey     string // "": the control service is off
	controlKeySet  bool
}

// Option configures a Server made by [NewServer].
type Option func(*config)

// WithAPIKeys sets the API keys the server accepts in the metadata
// `authorization: Bearer <key>`. Without this option only DefaultAPIKey is
// accepted. The first key is the one Conn sends and APIKey returns.
func WithAPIKeys(keys ...string) Option {
	return func(c *config) { c.apiKeys = append([]string(nil), keys...) }
}

// WithManagementKeys sets the management keys the server accepts, and
// splits keys by service as the real API does: the Collections service
// (served by management-api.x.ai in production) then accepts only these
// keys, and every other service only the API keys, both answering
// UNAUTHENTICATED to a key of the other kind. Without this option there is
// no split: Collections accepts the API keys, like every other service.
// ManagementKey returns the first key. A key may not be both an API key and
// a management key. Management keys belong to the team of the first API
// key unless [WithTeams] places them elsewhere.
func WithManagementKeys(keys ...string) Option {
	return func(c *config) { c.managementKeys = append([]string(nil), keys...) }
}

// WithAddress sets the TCP address to listen on. The default is
// "127.0.0.1:0": loopback, on a port the system picks.
func WithAddress(addr string) Option {
	return func(c *config) { c.addr = addr }
}

// WithBufconn serves on an in-memory bufconn listener instead of TCP. Addr
// then returns "bufconn", and clients must dial with DialOptions and Target.
func WithBufconn() Option {
	return func(c *config) { c.bufconn = true }
}

// WithRetention sets how long stored chat responses live, measured on the
// server's Clock from their creation. The default is 30 days, as on the real
// service. It must be positive.
func WithRetention(d time.Duration) Option {
	return func(c *config) { c.retention = d }
}

// WithClock makes the server use c, for example a clock the test shares with
// other fakes or a manual one from [NewClock]. By default the server follows
// the wall clock.
func WithClock(c *Clock) Option {
	return func(cfg *config) { cfg.clock = c }
}

// WithLatency adds d before every reply. Server streams also wait d/10
// between consecutive messages. SetLatency changes it later. Waiting ends
// early, with the context's error, when the call is cancelled.
func WithLatency(d time.Duration) Option {
	return func(c *config) { c.latency = d }
}

// WithEncryptionKey sets the 32-byte AES-256 key that seals encrypted
// reasoning and compacted contexts. By default each server draws a random
// key, so blobs from one server are rejected by another; share a key to let
// several servers (or restarts) accept each other's blobs.
func WithEncryptionKey(key []byte) Option {
	return func(c *config) { c.encryptionKey = append([]byte(nil), key...) }
}

// WithRequestLog keeps only the n most recent requests for Requests (and
// RestoredReasoning); n = 0 keeps none. By default every request is kept,
// which suits tests; a long-running server should bound it.
func WithRequestLog(n int) Option {
	return func(c *config) { c.requestLog = max(n, 0) }
}

// withMaxImageBytes lowers the decoded image size limit; the default limit
// of 20 MiB cannot be exceeded through a 20 MiB gRPC message, so tests use
// this to reach the check.
func withMaxImageBytes(n int) Option {
	return func(c *config) { c.maxImageBytes = n }
}

// Server is a running fake xAI server. All its methods are safe for
// concurrent use.
type Server struct {
	cfg     config
	clock   *Clock
	sealer  *sealer
	models  *catalogue
	media   *mediaServer    // nil without WithMediaServer
	keys    map[string]int  // accepted key -> position in cfg.apiKeys
	teams   map[string]team // accepted key -> its team
	started time.Time
	health  *health.Server

	gs        *grpc.Server
	lis       net.Listener
	buf       *bufconn.Listener
	addr      string
	conn      *grpc.ClientConn
	serveDone chan struct{}
	closing   chan struct{}
	draining  chan struct{} // closed when Shutdown or Close begins
	closeOnce sync.Once

	// The state of every service lives here, made once by [NewServer], so
	// that Restart keeps all of it. Collections (with Documents, and
	// chat's collections_search), Video and BatchMgmt keep theirs behind
	// their own locks; the rest is behind mu.
	rag   *ragStore
	video *videoService
	batch *batchService

	indexing indexingPlan // how Collections indexes documents

	mu        sync.Mutex
	latency   time.Duration
	replies   []Reply
	faults    map[string][]*Fault
	requests  []*Request
	responses map[string]*storedResponse
	deferred  map[string]*deferredJob
	inserts   int // stored responses and deferred jobs added since the last sweep
	files     map[string]*storedFile
	fileSeq   int64

	toolFailures     []ToolFailure     // see EnqueueToolFailure; behind mu
	deferredOutcomes []DeferredOutcome // see EnqueueDeferredOutcome; behind mu
	// Per-team usage, checked against cfg.limits.
	storedCount map[team]int
	fileBytes   map[team]int64
}

// Start starts a fake xAI server for a test or benchmark and closes it
// when tb and its subtests end (through tb.Cleanup). A server that cannot
// start fails tb at once:
//
//	srv := xaitest.Start(t, xaitest.WithAPIKeys("k1"))
//	client, err := xai.NewClient(xai.WithEndpoint(srv.Addr()), xai.WithInsecure(), xai.WithAPIKey("k1"))
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		tb.Fatalf("xaitest.Start: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// NewServer starts a fake xAI server and returns once it accepts
// connections. Close it when done; in tests, [Start] does that.
func NewServer(opts ...Option) (*Server, error) {
	cfg := config{
		addr:          "127.0.0.1:0",
		retention:     defaultRetention,
		maxImageBytes: maxImageBytes,
		requestLog:    -1,
		mediaLifetime: defaultMediaLifetime,
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if len(cfg.apiKeys) == 0 {
		cfg.apiKeys = []string{DefaultAPIKey}
	}
	keys := make(map[string]int, len(cfg.apiKeys))
	for i, k := range cfg.apiKeys {
		if k == "" || strings.TrimSpace(k) != k || strings.ContainsAny(k, " \t\r\n") {
			return nil, fmt.Errorf("xaitest: API key %d is empty or contains white space", i)
		}
		if _, dup := keys[k]; !dup {
			keys[k] = i
		}
	}
	for i, k := range cfg.managementKeys {
		if k == "" || strings.TrimSpace(k) != k || strings.ContainsAny(k, " \t\r\n") {
			return nil, fmt.Errorf("xaitest: management key %d is empty or contains white space", i)
		}
		if slices.Contains(cfg.apiKeys, k) {
			return nil, fmt.Errorf("xaitest: management key %d is also an API key; use distinct keys", i)
		}
		if _, dup := keys[k]; !dup {
			keys[k] = len(cfg.apiKeys) + i
		}
	}
	if err := checkControlKey(&cfg); err != nil {
		return nil, err
	}
	teams, err := newTeams(&cfg)
	if err != nil {
		return nil, err
	}
	if cfg.limits, err = cfg.limits.withDefaults(); err != nil {
		return nil, err
	}
	if cfg.retention <= 0 {
		return nil, fmt.Errorf("xaitest: retention must be positive, got %v", cfg.retention)
	}
	if cfg.mediaLifetime <= 0 {
		return nil, fmt.Errorf("xaitest: media lifetime must be positive, got %v", cfg.mediaLifetime)
	}
	if cfg.latency < 0 {
		return nil, fmt.Errorf("xaitest: latency must not be negative, got %v", cfg.latency)
	}
	if cfg.encryptionKey == nil {
		cfg.encryptionKey = make([]byte, 32)
		if _, err := rand.Read(cfg.encryptionKey); err != nil {
			return nil, fmt.Errorf("xaitest: drawing an encryption key: %w", err)
		}
	}
	sl, err := newSealer(cfg.encryptionKey)
	if err != nil {
		return nil, err
	}
	models, err := newCatalogue(cfg.models)
	if err != nil {
		return nil, err
	}
	clock := cfg.clock
	if clock == nil {
		clock = newWallClock()
	}

	s := &Server{
		cfg:       cfg,
		clock:     clock,
		sealer:    sl,
		models:    models,
		keys:      keys,
		teams:     teams,
		started:   clock.Now(),
		health:    health.NewServer(),
		serveDone: make(chan struct{}),
		closing:   make(chan struct{}),
		draining:  make(chan struct{}),
		latency:   cfg.latency,
		faults:    make(map[string][]*Fault),
		responses: make(map[string]*storedResponse),
		deferred:  make(map[string]*deferredJob),
		files:     make(map[string]*storedFile),

		storedCount: make(map[team]int),
		fileBytes:   make(map[team]int64),
	}
	s.rag, s.video, s.batch = newRAGStore(s), newVideoService(s), newBatchService(s)

	if cfg.bufconn {
		s.buf = bufconn.Listen(bufconnSize)
		s.lis = s.buf
		s.addr = "bufconn"
	} else {
		lis, err := net.Listen("tcp", cfg.addr)
		if err != nil {
			return nil, fmt.Errorf("xaitest: listening on %s: %w", cfg.addr, err)
		}
		s.lis = lis
		s.addr = lis.Addr().String()
	}

	if cfg.mediaAddr != "" {
		if s.media, err = startMediaServer(cfg.mediaAddr, clock, cfg.mediaLifetime); err != nil {
			s.lis.Close()
			return nil, err
		}
	}

	s.gs = s.newGRPCServer()
	s.register()
	// SERVING for the server as a whole ("") and for each service, until
	// Shutdown or Close.
	for name := range s.gs.GetServiceInfo() {
		if !isDiscovery("/" + name + "/") {
			s.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
		}
	}

	conn, err := grpc.NewClient(s.Target(), append(s.DialOptions(),
		grpc.WithPerRPCCredentials(bearerCredentials{key: cfg.apiKeys[0]}),
		grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(maxMessageBytes),
			grpc.MaxCallSendMsgSize(maxMessageBytes),
		),
	)...)
	if err != nil {
		s.lis.Close()
		if s.media != nil {
			s.media.close()
		}
		return nil, fmt.Errorf("xaitest: creating the client connection: %w", err)
	}
	s.conn = conn

	go func() {
		defer close(s.serveDone)
		_ = s.gs.Serve(s.lis)
	}()
	return s, nil
}

// register attaches every service of the contract, so that none answers
// with gRPC's generic "unknown service" error, to the state [NewServer]
// made; then the standard health service and server reflection, so that
// tools such as grpcurl and ghz find the services without proto files.
func (s *Server) register() {
	xaiv1.RegisterChatServer(s.gs, &chatService{s: s})
	xaiv1.RegisterModelsServer(s.gs, &modelsService{s: s})
	xaiv1.RegisterAuthServer(s.gs, &authService{s: s})
	xaiv1.RegisterTokenizeServer(s.gs, &tokenizeService{s: s})
	xaiv1.RegisterImageServer(s.gs, &imageService{s: s})
	xaiv1.RegisterEmbedderServer(s.gs, &embedderService{s: s})
	xaiv1.RegisterFilesServer(s.gs, &filesService{s: s})
	xaiv1.RegisterSampleServer(s.gs, &sampleService{s: s})
	xaiv1.RegisterDocumentsServer(s.gs, &documentsService{r: s.rag})
	collectionsv1.RegisterCollectionsServer(s.gs, &collectionsService{r: s.rag})
	xaiv1.RegisterVideoServer(s.gs, s.video)
	xaiv1.RegisterBatchMgmtServer(s.gs, s.batch)
	// After the API's services, so that it knows their methods; see
	// control.go.
	controlv1.RegisterControlServiceServer(s.gs, newControlService(s))

	healthpb.RegisterHealthServer(s.gs, s.health)
	reflection.Register(s.gs)
}

// newGRPCServer returns the gRPC server of [NewServer] and Restart, so that
// the two are always configured alike.
func (s *Server) newGRPCServer() *grpc.Server {
	return grpc.NewServer(
		grpc.MaxRecvMsgSize(maxMessageBytes),
		grpc.MaxSendMsgSize(maxMessageBytes),
		// Refuse calls without an accepted key as soon as their headers
		// arrive: before the body is read, before any latency.
		grpc.InTapHandle(s.tapAuthenticate),
		grpc.UnaryInterceptor(s.unaryInterceptor),
		grpc.StreamInterceptor(s.streamInterceptor),
		// Run inside the interceptors above: management key scopes.
		grpc.ChainUnaryInterceptor(s.keyScopeUnary),
		grpc.ChainStreamInterceptor(s.keyScopeStream),
		// The official SDKs ping every 30 s, also when idle; accept that
		// instead of answering with GOAWAY "too_many_pings".
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime:             10 * time.Second,
			PermitWithoutStream: true,
		}),
		grpc.WaitForHandlers(true),
	)
}

// Addr returns the address the server listens on, "127.0.0.1:port" by
// default, or "bufconn" for an in-memory listener.
func (s *Server) Addr() string { return s.addr }

// Target returns the target to pass to grpc.NewClient together with
// DialOptions: "passthrough:///bufnet" for bufconn, the address otherwise.
func (s *Server) Target() string {
	if s.buf != nil {
		return bufconnTarget
	}
	return s.addr
}

// DialOptions returns what a client needs to reach the server: plaintext
// transport credentials and, for bufconn, the in-memory dialer. They carry
// no API key; add one as per-RPC credentials or metadata.
func (s *Server) DialOptions() []grpc.DialOption {
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if s.buf != nil {
		buf := s.buf
		opts = append(opts, grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return buf.DialContext(ctx)
		}))
	}
	return opts
}

// Conn returns a client connection to the server that sends APIKey with
// every call and allows 20 MiB messages both ways. Close closes it.
func (s *Server) Conn() *grpc.ClientConn { return s.conn }

// APIKey returns a key the server accepts: the first key given to
// [WithAPIKeys], or DefaultAPIKey.
func (s *Server) APIKey() string { return s.cfg.apiKeys[0] }

// ManagementKey returns a key the Collections service accepts: the first
// key given to [WithManagementKeys], or APIKey without that option.
func (s *Server) ManagementKey() string {
	if len(s.cfg.managementKeys) > 0 {
		return s.cfg.managementKeys[0]
	}
	return s.APIKey()
}

// Clock returns the server's clock.
func (s *Server) Clock() *Clock { return s.clock }

// SetLatency changes the delay added before every reply; see [WithLatency].
// A negative d counts as zero.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = max(d, 0)
}

// Close stops the server at once: open calls, streams included, end with an
// error on the client side, and Close returns when every handler has
// returned. It also closes Conn. Calling Close again does nothing.
func (s *Server) Close() error {
	s.shutdown(nil)
	return nil
}

// Shutdown stops the server gracefully: it refuses new calls and waits for
// the calls in progress to finish, until ctx is done, then stops the rest as
// Close does. It reports ctx's error when it had to cut calls short.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.shutdown(ctx)
}

func (s *Server) shutdown(ctx context.Context) error {
	var err error
	s.closeOnce.Do(func() {
		// Health watchers learn that the server is draining; their
		// streams then end (see healthWatchStream), so that they do not
		// hold the drain up.
		close(s.draining)
		s.health.Shutdown()
		if ctx != nil {
			err = s.gracefulStop(ctx)
		}
		close(s.closing)
		s.gs.Stop()
		<-s.serveDone
		// Close fails only for a connection that is already closed.
		_ = s.conn.Close()
		if s.media != nil {
			s.media.close()
		}
	})
	return err
}

// gracefulStop waits for the calls in progress until ctx is done, then cuts
// them short.
func (s *Server) gracefulStop(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.gs.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.gs.Stop() // cancels the calls GracefulStop is waiting for
	<-done
	return ctx.Err()
}

// bearerCredentials sends an API key the way the official SDKs do.
type bearerCredentials struct{ key string }

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (b bearerCredentials) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.key}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials: the
// fake is plaintext.
func (bearerCredentials) RequireTransportSecurity() bool { return false }
