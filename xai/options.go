package xai

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
)

// Defaults used by [NewClient]. They match the official xAI SDKs.
const (
	// DefaultEndpoint is the address of the xAI API.
	DefaultEndpoint = "api.x.ai:443"
	// DefaultManagementEndpoint is the address of the xAI management API.
	DefaultManagementEndpoint = "management-api.x.ai:443"
	// DefaultTimeout is the deadline given to calls whose context has none.
	DefaultTimeout = 27 * time.Minute
	// DefaultMaxMessageSize is the largest message, in bytes, that is sent or
	// received: 20 MiB.
	DefaultMaxMessageSize = 20 << 20
	// DefaultKeepaliveTime is how long a connection may be idle before the
	// client pings the server.
	DefaultKeepaliveTime = 30 * time.Second
	// DefaultKeepaliveTimeout is how long the client waits for a ping reply
	// before it considers the connection dead.
	DefaultKeepaliveTimeout = 10 * time.Second

	// APIKeyEnv is the environment variable [NewClient] reads the API key from
	// when [WithAPIKey] is not given.
	APIKeyEnv = "XAI_API_KEY"
	// ManagementKeyEnv is the environment variable [NewClient] reads the
	// management key from when [WithManagementKey] is not given.
	ManagementKeyEnv = "XAI_MANAGEMENT_KEY"
)

// Option configures a Client. Pass options to [NewClient].
type Option interface {
	applyOption(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) applyOption(c *config) error { return f(c) }

// config is what the options build. It holds the keys, so it formats itself
// without them; a Client keeps it behind a pointer so that printing a Client
// value never reaches the strings.
type config struct {
	apiKey, managementKey       secret
	apiKeySet, managementKeySet bool
	noEnv                       bool

	endpoint, managementEndpoint string
	endpointSet                  bool
	managementEndpointSet        bool
	insecure                     bool
	conn                         *grpc.ClientConn
	managementConn               *grpc.ClientConn // WithManagementGRPCConn
	dialOptions                  []grpc.DialOption
	metadata                     []string
	timeout                      time.Duration
	retry                        RetryPolicy
	keepaliveTime                time.Duration
	keepaliveTimeout             time.Duration
	keepaliveSet                 bool
	maxMessageSize               int
	maxMessageSizeSet            bool
	streamIdle                   time.Duration // WithStreamIdleTimeout; 0: none
	logger                       *slog.Logger
	unaryHooks                   []grpc.UnaryClientInterceptor  // WithInterceptors, outermost first
	streamHooks                  []grpc.StreamClientInterceptor // WithInterceptors, outermost first
}

func defaultConfig() *config {
	return &config{
		endpoint:           DefaultEndpoint,
		managementEndpoint: DefaultManagementEndpoint,
		timeout:            DefaultTimeout,
		retry:              DefaultRetryPolicy(),
		keepaliveTime:      DefaultKeepaliveTime,
		keepaliveTimeout:   DefaultKeepaliveTimeout,
		maxMessageSize:     DefaultMaxMessageSize,
	}
}

// String describes the configuration without its keys.
func (c config) String() string {
	return fmt.Sprintf("xai.config{endpoint: %q, insecure: %t, api_key: %s, management_key: %s}",
		c.endpoint, c.insecure, c.apiKey.describe(), c.managementKey.describe())
}

// GoString is String: the keys are never printed.
func (c config) GoString() string { return c.String() }

// Format prints String for every verb, so that no verb or flag reaches the
// keys.
func (c config) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// WithAPIKey sets the API key sent with every call as
// "authorization: Bearer <key>". Without it, [NewClient] reads the
// XAI_API_KEY environment variable. An empty key is an error.
func WithAPIKey(key string) Option {
	s := newSecret(key)
	return optionFunc(func(c *config) error {
		if err := s.check("WithAPIKey", "API key"); err != nil {
			return err
		}
		c.apiKey, c.apiKeySet = s, true
		return nil
	})
}

// WithManagementKey sets the key for the management API. Without it,
// [NewClient] reads XAI_MANAGEMENT_KEY; a missing management key is not an
// error, since only management calls need it.
func WithManagementKey(key string) Option {
	s := newSecret(key)
	return optionFunc(func(c *config) error {
		if err := s.check("WithManagementKey", "management key"); err != nil {
			return err
		}
		c.managementKey, c.managementKeySet = s, true
		return nil
	})
}

// WithoutEnv stops [NewClient] from reading XAI_API_KEY and
// XAI_MANAGEMENT_KEY: keys must then be given with [WithAPIKey] and
// [WithManagementKey].
func WithoutEnv() Option {
	return optionFunc(func(c *config) error { c.noEnv = true; return nil })
}

// WithEndpoint sets the address of the API: "host:port", such as
// "api.x.ai:443" ([DefaultEndpoint]) or "127.0.0.1:50051", where host is a
// name, an IPv4 address or a bracketed IPv6 address and port a number. A
// URL ("https://api.x.ai") is an error: gRPC does not speak HTTP URLs. The
// gRPC target forms with a resolver scheme are accepted as they are, for
// special set-ups: "dns:///host:port", "unix:/path/to/socket",
// "unix-abstract:name" and "passthrough:///address" (which the fake's
// bufconn target uses). The connection uses TLS unless [WithInsecure] is
// given too.
func WithEndpoint(addr string) Option {
	return optionFunc(func(c *config) error {
		if err := checkEndpoint("WithEndpoint", addr, DefaultEndpoint); err != nil {
			return err
		}
		c.endpoint, c.endpointSet = addr, true
		return nil
	})
}

// WithManagementEndpoint sets the address of the management API, in the
// forms [WithEndpoint] accepts. The default is [DefaultManagementEndpoint].
// [WithInsecure] applies to the management connection only when this option
// (or [WithManagementGRPCConn]) names it: the default management host is
// always reached over TLS.
func WithManagementEndpoint(addr string) Option {
	return optionFunc(func(c *config) error {
		if err := checkEndpoint("WithManagementEndpoint", addr, DefaultManagementEndpoint); err != nil {
			return err
		}
		c.managementEndpoint, c.managementEndpointSet = addr, true
		return nil
	})
}

// endpointSchemes are the gRPC resolver schemes an endpoint may name.
var endpointSchemes = []string{"dns:", "unix:", "unix-abstract:", "passthrough:"}

// checkEndpoint accepts "host:port" and targets with a scheme of
// endpointSchemes; example is a valid address for the error message.
func checkEndpoint(option, addr, example string) error {
	expected := fmt.Sprintf(`pass "host:port", for example %q or "127.0.0.1:50051"`, example)
	if strings.TrimSpace(addr) == "" {
		return invalidArgument("%s: the address is empty; %s", option, expected)
	}
	for _, scheme := range endpointSchemes {
		if strings.HasPrefix(addr, scheme) {
			return nil
		}
	}
	if scheme, _, found := strings.Cut(addr, "://"); found {
		return invalidArgument("%s(%q): the address has a scheme (%s://), which gRPC cannot use; %s", option, addr, scheme, expected)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return invalidArgument("%s(%q): not a host:port address (%v); %s", option, addr, err, expected)
	}
	if n, perr := strconv.Atoi(port); perr != nil || n < 1 || n > 65535 {
		return invalidArgument("%s(%q): the port %q is not a number from 1 to 65535; %s", option, addr, port, expected)
	}
	if strings.Contains(host, ":") {
		if net.ParseIP(host) == nil {
			return invalidArgument("%s(%q): %q is not an IPv6 address; %s", option, addr, host, expected)
		}
		return nil
	}
	if host == "" || strings.IndexFunc(host, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_')
	}) >= 0 {
		return invalidArgument("%s(%q): the host %q is not a host name or IP address; %s", option, addr, host, expected)
	}
	return nil
}

// WithInsecure connects without TLS and allows the key to be sent in clear
// text, only to the addresses you name: it needs [WithEndpoint] (or
// [WithGRPCConn]), and [NewClient] rejects it without one, so that the key
// never travels in clear text toward api.x.ai. The management connection
// follows it only when [WithManagementEndpoint] or [WithManagementGRPCConn]
// names that address too; otherwise it still uses TLS toward
// management-api.x.ai. Use it only for a local fake server such as
// xaitest, and pass [WithoutEnv] then, so that no real key in XAI_API_KEY or
// XAI_MANAGEMENT_KEY is picked up. Without it, the client refuses to send a
// key over a connection without TLS.
func WithInsecure() Option {
	return optionFunc(func(c *config) error { c.insecure = true; return nil })
}

// WithGRPCConn makes the client use a connection you created and own.
// [Client.Close] does not close it. Options that shape a connection
// ([WithEndpoint], [WithDialOptions], [WithKeepalive], [WithMaxMessageSize]) cannot
// be combined with it. The API key is still sent with every call, and it
// still requires TLS unless [WithInsecure] is given.
func WithGRPCConn(conn *grpc.ClientConn) Option {
	return optionFunc(func(c *config) error {
		if conn == nil {
			return invalidArgument("WithGRPCConn: the connection is nil; pass a connection from grpc.NewClient, or drop the option to let NewClient create one")
		}
		c.conn = conn
		return nil
	})
}

// WithManagementGRPCConn makes the client use a connection you created and
// own for the management API (Collections), as [WithGRPCConn] does for the
// API. [Client.Close] does not close it. It cannot be combined with
// [WithManagementEndpoint]. The management key is still sent with every call,
// and requires TLS unless [WithInsecure] is given.
//
// Without it, [NewClient] connects to the management endpoint itself, using
// the transport settings of the API connection ([WithDialOptions],
// keepalive, message size), and TLS unless [WithInsecure] is given and
// [WithManagementEndpoint] names the address: the default host,
// management-api.x.ai, is never reached without TLS.
func WithManagementGRPCConn(conn *grpc.ClientConn) Option {
	return optionFunc(func(c *config) error {
		if conn == nil {
			return invalidArgument("WithManagementGRPCConn: the connection is nil; pass a connection from grpc.NewClient, or drop the option to let NewClient create one")
		}
		c.managementConn = conn
		return nil
	})
}

// WithDialOptions adds gRPC dial options, applied after the client's own so
// that they can override them (for example to use custom TLS settings).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return optionFunc(func(c *config) error {
		for i, o := range opts {
			if o == nil {
				return invalidArgument("WithDialOptions: option %d is nil", i)
			}
		}
		c.dialOptions = append(c.dialOptions, opts...)
		return nil
	})
}

// WithMetadata adds gRPC metadata sent with every call, as key/value pairs:
// WithMetadata("x-team", "search", "x-env", "prod"). Keys are
// case-insensitive; "authorization" is reserved for the API key.
func WithMetadata(kv ...string) Option {
	return optionFunc(func(c *config) error {
		if err := checkMetadata("WithMetadata", kv); err != nil {
			return err
		}
		c.metadata = append(c.metadata, kv...)
		return nil
	})
}

// WithTimeout sets the deadline given to calls whose context has none; the
// default is [DefaultTimeout] (27 minutes). It must be positive. A deadline on
// the call's context, or [WithCallTimeout], takes precedence.
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return invalidArgument("WithTimeout(%v): the timeout must be positive", d)
		}
		c.timeout = d
		return nil
	})
}

// WithRetryPolicy sets how failed calls are retried; the default is
// DefaultRetryPolicy(). Zero fields of p take their default values. Use
// [WithCallRetry] or [WithoutRetry] to change it for one call.
func WithRetryPolicy(p RetryPolicy) Option {
	return optionFunc(func(c *config) error {
		rp, err := p.resolve("WithRetryPolicy")
		if err != nil {
			return err
		}
		c.retry = rp
		return nil
	})
}

// WithStreamIdleTimeout ends a stream with DEADLINE_EXCEEDED when no
// message arrives for d: since it opened, or since the previous message
// (chat and legacy sample streams, file downloads and uploads alike). It
// catches a stalled stream long before the call's deadline. The clock runs
// whether or not the program is reading, so it also bounds what an
// abandoned stream costs; a program that pauses between reads longer than
// d loses its stream. d must be positive; there is no idle timeout by
// default. [WithCallStreamIdleTimeout] changes it for one call.
func WithStreamIdleTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return invalidArgument("WithStreamIdleTimeout(%v): the timeout must be positive", d)
		}
		c.streamIdle = d
		return nil
	})
}

// WithKeepalive sets how often an idle connection is pinged and how long to
// wait for the reply; the defaults are 30 s and 10 s. Pings are sent even
// when no call is active.
func WithKeepalive(interval, timeout time.Duration) Option {
	return optionFunc(func(c *config) error {
		if interval <= 0 || timeout <= 0 {
			return invalidArgument("WithKeepalive(%v, %v): both durations must be positive", interval, timeout)
		}
		c.keepaliveTime, c.keepaliveTimeout, c.keepaliveSet = interval, timeout, true
		return nil
	})
}

// WithMaxMessageSize sets the largest message, in bytes, that may be sent or
// received; the default is 20 MiB, the limit of the xAI API. A larger
// request fails before anything is sent, with INVALID_ARGUMENT; a larger
// reply fails with RESOURCE_EXHAUSTED (for which [IsRateLimited] is false)
// and is not retried.
func WithMaxMessageSize(n int) Option {
	return optionFunc(func(c *config) error {
		if n <= 0 {
			return invalidArgument("WithMaxMessageSize(%d): the size must be positive", n)
		}
		c.maxMessageSize, c.maxMessageSizeSet = n, true
		return nil
	})
}

// WithLogger logs every call (method, code, duration) and every retry to l.
// Calls that succeed are logged at debug level. The API key and the
// authorization metadata are never logged.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) error {
		if l == nil {
			return invalidArgument("WithLogger: the logger is nil; drop the option to disable logging")
		}
		c.logger = l
		return nil
	})
}

// WithInterceptors adds gRPC interceptors that run around each whole call
// of the client: outside its retries, default deadline, metadata and
// logging, so that they see one call however many attempts it takes, and
// its whole duration, backoff waits included. unary applies to unary calls
// and stream to streaming calls; either may be nil, not both. The
// interceptors of several [WithInterceptors] options run in the order given,
// the first outermost.
//
// They apply to every call of the client's services, to calls on a
// connection given with [WithGRPCConn], and to the raw stubs on [Client.Conn]
// when the client created the connection. They see the caller's context and
// call options, never the API key, which is added inside them. To run an
// interceptor around each attempt instead, pass it with [WithDialOptions] (or
// put it on the connection given to [WithGRPCConn]).
//
// Package xaiotel uses this hook to trace calls with OpenTelemetry.
func WithInterceptors(unary grpc.UnaryClientInterceptor, stream grpc.StreamClientInterceptor) Option {
	return optionFunc(func(c *config) error {
		if unary == nil && stream == nil {
			return invalidArgument("WithInterceptors: both interceptors are nil; pass at least one")
		}
		if unary != nil {
			c.unaryHooks = append(c.unaryHooks, unary)
		}
		if stream != nil {
			c.streamHooks = append(c.streamHooks, stream)
		}
		return nil
	})
}

// checkMetadata validates key/value pairs given to [WithMetadata] or
// [WithCallMetadata], with the rules gRPC applies to outgoing metadata before
// every call, so that what is accepted here can be sent: keys of lower-case
// letters, digits, '-', '_' and '.' (upper-case letters are accepted and
// sent lower-cased), not reserved; values of printable ASCII (0x20 to 0x7E)
// unless the key ends in "-bin", whose values are binary and sent
// base64-encoded by gRPC. Keys are quoted shortened in errors, since they
// may be long.
func checkMetadata(option string, kv []string) error {
	if len(kv)%2 != 0 {
		return invalidArgument("%s: got %d strings; pass key/value pairs", option, len(kv))
	}
	for i := 0; i < len(kv); i += 2 {
		k := strings.ToLower(kv[i])
		switch {
		case k == "":
			return invalidArgument("%s: metadata key %d is empty", option, i/2)
		case k == "authorization":
			return invalidArgument("%s: the authorization metadata is reserved for the API key; set the key with WithAPIKey", option)
		case strings.HasPrefix(k, "grpc-"):
			return invalidArgument("%s: metadata key %s is reserved by gRPC", option, quoteShort(kv[i]))
		}
		for _, r := range k {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
				return invalidArgument("%s: metadata key %s may only contain letters, digits, '-', '_' and '.'", option, quoteShort(kv[i]))
			}
		}
		if strings.HasSuffix(k, "-bin") {
			continue
		}
		v := kv[i+1]
		for j := 0; j < len(v); j++ {
			if c := v[j]; c < 0x20 || c > 0x7e {
				return invalidArgument("%s: the value of metadata key %s has byte 0x%02x at offset %d: gRPC sends only printable ASCII (0x20 to 0x7E) in metadata values; encode the value (for example percent- or base64-encode it), or send binary data under a key ending in \"-bin\"", option, quoteShort(kv[i]), c, j)
			}
		}
	}
	return nil
}
