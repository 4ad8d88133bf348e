package xai

import (
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
)

// The management API (collections) lives on its own host,
// management-api.x.ai:443, and takes the management key instead of the API
// key. The client gives it a connection of its own, created in NewClient
// when a management key is set (grpc.NewClient does no network I/O), with
// the same interceptors: deadlines, retries, metadata, logging and hooks.

// WithManagementGRPCConn makes the client use a connection you created and
// own for the management API (Collections), as WithGRPCConn does for the
// API. Client.Close does not close it. It cannot be combined with
// WithManagementEndpoint. The management key is still sent with every call,
// and requires TLS unless WithInsecure is given.
//
// Without it, NewClient connects to the management endpoint itself, using
// the transport settings of the API connection (WithDialOptions,
// keepalive, message size), and TLS unless WithInsecure is given and
// WithManagementEndpoint names the address: the default host,
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

// initServices creates the services of the storage and retrieval APIs:
// Files and Documents on the API connection, Collections on the management
// connection, which it creates when a management key is set.
func (c *Client) initServices() error {
	c.Files = &FilesService{stub: xaiv1.NewFilesClient(c.invoker), cc: c.invoker}
	c.Documents = &DocumentsService{stub: xaiv1.NewDocumentsClient(c.invoker)}
	c.Collections = &CollectionsService{made: true, noEnv: c.cfg.noEnv, files: c.Files}
	if c.cfg.managementConn != nil && c.cfg.managementEndpointSet {
		return invalidArgument("NewClient: WithManagementEndpoint cannot be combined with WithManagementGRPCConn: the endpoint configures a connection the client does not create")
	}
	if c.cfg.managementKey.reveal() == "" {
		return nil // Collections calls report the missing key
	}
	// Without TLS only toward an address the caller named (WithInsecure's
	// rule); the default public host always gets TLS, and the key is
	// refused on any connection without it.
	insecure := c.cfg.insecure && (c.cfg.managementEndpointSet || c.cfg.managementConn != nil)
	m := &Client{
		cfg: c.cfg, creds: newBearer(c.cfg.managementKey, insecure),
		retry: c.retry, logUnary: c.logUnary, logStrm: c.logStrm, close: new(sync.Once),
	}
	if c.cfg.managementConn == nil {
		m.sendLimit = c.cfg.maxMessageSize
	}
	m.credsOpt = grpc.PerRPCCredentials(m.creds)
	unary := chainUnary(c.cfg.unaryHooks, m.unaryInterceptor)
	stream := chainStream(c.cfg.streamHooks, m.streamInterceptor)
	if c.cfg.managementConn != nil {
		c.mgmtInvoker = &interceptedConn{cc: c.cfg.managementConn, unary: unary, stream: stream}
	} else {
		conn, err := grpc.NewClient(c.cfg.managementEndpoint, m.dialOptions(insecure, unary, stream)...)
		if err != nil {
			return &Error{Code: codes.InvalidArgument, Message: fmt.Sprintf("NewClient: cannot use management endpoint %q: %v", c.cfg.managementEndpoint, err), cause: err}
		}
		c.mgmtConn, c.mgmtInvoker = conn, conn
	}
	c.Collections.stub = collectionsv1.NewCollectionsClient(c.mgmtInvoker)
	return nil
}

// ManagementConn returns the gRPC connection to the management API, for
// the raw stubs of package collectionsv1, or nil when the client has no
// management key. Like Conn, a connection the client created sends the
// management key and applies the client's deadlines, retries and logging;
// one given with WithManagementGRPCConn is returned as it is.
func (c *Client) ManagementConn() *grpc.ClientConn {
	switch {
	case c == nil || c.cfg == nil:
		return nil
	case c.mgmtConn != nil:
		return c.mgmtConn
	case c.mgmtInvoker != nil:
		return c.cfg.managementConn
	}
	return nil
}

// closeManagement closes the management connection the client created.
func (c *Client) closeManagement() error {
	if c.mgmtConn == nil {
		return nil
	}
	return c.mgmtConn.Close()
}

// errNoManagementKey is the error of a management call on a client without
// a management key. Nothing is sent.
func errNoManagementKey(method string, noEnv bool) error {
	how := "pass xai.WithManagementKey(key) to NewClient or set the " + ManagementKeyEnv + " environment variable"
	if noEnv {
		how = "pass xai.WithManagementKey(key) to NewClient (WithoutEnv stops " + ManagementKeyEnv + " from being read)"
	}
	return &Error{Code: codes.Unauthenticated, Message: method +
		": no management key: collections are managed through the management API (" + DefaultManagementEndpoint +
		"), which needs a management key from the xAI console, not the API key; " + how}
}
