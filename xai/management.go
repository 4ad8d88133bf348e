package xai

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
)

// The management API (collections) lives on its own host,
// management-api.x.ai:443, and takes the management key instead of the API
// key. The client gives it a connection of its own, created in NewClient
// when a management key is set (grpc.NewClient does no network I/O), with
// the same interceptors: deadlines, retries, metadata, logging and hooks.

// managementPipeline returns the pipeline of the management API, or nil
// when no management key is set (Collections calls then report it).
func (c *config) managementPipeline(retry *retryer) (*pipeline, error) {
	if c.managementConn != nil && c.managementEndpointSet {
		return nil, invalidArgument("NewClient: WithManagementEndpoint cannot be combined with WithManagementGRPCConn: the endpoint configures a connection the client does not create")
	}
	if c.managementKey.reveal() == "" {
		return nil, nil
	}
	// Without TLS only toward an address the caller named (WithInsecure's
	// rule); the default public host always gets TLS, and the key is
	// refused on any connection without it.
	insecure := c.insecure && (c.managementEndpointSet || c.managementConn != nil)
	return newPipeline(c, c.managementKey, insecure, c.managementConn, c.managementEndpoint, "management endpoint", retry)
}

// ManagementConn returns the gRPC connection to the management API, for
// the raw stubs of package collectionsv1, or nil when the client has no
// management key. Like Conn, a connection the client created sends the
// management key and applies the client's deadlines, retries and logging;
// one given with [WithManagementGRPCConn] is returned as it is.
func (c *Client) ManagementConn() *grpc.ClientConn {
	switch {
	case c == nil || c.mgmt == nil:
		return nil
	case c.mgmt.conn != nil:
		return c.mgmt.conn
	}
	return c.cfg.managementConn
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
