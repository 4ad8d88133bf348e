package xai

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/reflect/protoreflect"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
)

// Version is the version of this SDK, sent to the server in the user agent
// and the xai-sdk-version metadata.
const Version = "0.1.0"

// userAgent is the gRPC user agent of connections the client creates,
// naming the SDK as the official Python SDK names itself ("XaiSdk/<v>"
// in src/xai_sdk/client.py); gRPC appends its own.
const userAgent = "xai-sdk-go/" + Version

// Client is a connection to the xAI API. Create one with [NewClient], share
// it between goroutines, and Close it when done.
type Client struct {
	// Chat generates chat completions with Grok models.
	Chat *ChatService
	// Models lists and describes the available models.
	Models *ModelsService
	// Auth describes the API key in use.
	Auth *AuthService
	// Tokenize splits text into a model's tokens.
	Tokenize *TokenizeService
	// Embed computes embedding vectors of texts and images.
	Embed *EmbedService
	// Image generates and edits images.
	Image *ImageService
	// Sample is the legacy text completion API.
	Sample *SampleService
	// Files uploads, lists, downloads and shares stored files.
	Files *FilesService
	// Documents searches the documents of collections.
	Documents *DocumentsService
	// Collections manages collections of documents for retrieval. It uses
	// the management API and needs a management key ([WithManagementKey] or
	// XAI_MANAGEMENT_KEY).
	Collections *CollectionsService
	// Video generates and extends video clips.
	Video *VideoService
	// Batch runs many requests in the background as batches.
	Batch *BatchService

	// Everything below is behind pointers so that printing a Client value
	// shows addresses, never the keys.
	cfg   *config
	api   *pipeline // the API connection, with the API key
	mgmt  *pipeline // the management connection, with the management key; nil without one
	close *sync.Once
}

// NewClient returns a client for the xAI API. It does no network I/O: the
// connection is made on the first call, and connection problems are
// reported by calls.
//
// The API key comes from [WithAPIKey] or else the XAI_API_KEY environment
// variable; a missing or empty key is an error. By default the client
// connects to api.x.ai:443 over TLS, gives calls without a deadline 27
// minutes, and retries UNAVAILABLE up to 5 attempts.
func NewClient(opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	var problems []string
	for i, o := range opts {
		if o == nil {
			problems = append(problems, fmt.Sprintf("option %d is nil", i))
			continue
		}
		if err := o.applyOption(cfg); err != nil {
			problems = append(problems, errMessage(err))
		}
	}
	if len(problems) > 0 {
		return nil, invalidArgument("NewClient: %s", strings.Join(problems, "; "))
	}
	if err := cfg.resolveKeys(); err != nil {
		return nil, err
	}
	if err := cfg.checkConn(); err != nil {
		return nil, err
	}

	api, err := newPipeline(cfg, cfg.apiKey, cfg.insecure, cfg.conn, cfg.endpoint, "endpoint", newRetryer(cfg.logger))
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, api: api, close: new(sync.Once)}
	if c.mgmt, err = cfg.managementPipeline(api.retry); err != nil {
		c.Close()
		return nil, err
	}
	on := api.invoker
	c.Chat = &ChatService{stub: xaiv1.NewChatClient(on), shareMessages: cfg.requestPrivate(),
		scrub: func(m protoreflect.Message) { redactMessage(m, revealAll(cfg.apiKey, cfg.managementKey)) }}
	c.Models = &ModelsService{stub: xaiv1.NewModelsClient(on)}
	c.Auth = &AuthService{stub: xaiv1.NewAuthClient(on)}
	c.Tokenize = &TokenizeService{stub: xaiv1.NewTokenizeClient(on)}
	c.Embed = &EmbedService{stub: xaiv1.NewEmbedderClient(on)}
	c.Image = &ImageService{stub: xaiv1.NewImageClient(on)}
	c.Sample = &SampleService{stub: xaiv1.NewSampleClient(on)}
	c.Files = &FilesService{stub: xaiv1.NewFilesClient(on), cc: on}
	c.Documents = &DocumentsService{stub: xaiv1.NewDocumentsClient(on)}
	c.Collections = &CollectionsService{made: true, noEnv: cfg.noEnv, files: c.Files}
	if c.mgmt != nil {
		c.Collections.stub = collectionsv1.NewCollectionsClient(c.mgmt.invoker)
	}
	c.Video = &VideoService{stub: xaiv1.NewVideoClient(on)}
	c.Batch = &BatchService{stub: xaiv1.NewBatchMgmtClient(on)}
	return c, nil
}

// resolveKeys reads the environment for keys not given as options.
func (c *config) resolveKeys() error {
	if !c.apiKeySet {
		if c.noEnv {
			return &Error{Code: codes.Unauthenticated, Message: "NewClient: no API key: pass WithAPIKey(key) (WithoutEnv stops " + APIKeyEnv + " from being read)"}
		}
		v, ok := os.LookupEnv(APIKeyEnv)
		if !ok {
			return &Error{Code: codes.Unauthenticated, Message: "NewClient: no API key: pass WithAPIKey(key) or set the " + APIKeyEnv + " environment variable"}
		}
		k := newSecret(v)
		if err := k.check(APIKeyEnv, "API key in the environment variable"); err != nil {
			return &Error{Code: codes.Unauthenticated, Message: "NewClient: " + errMessage(err) + "; or pass WithAPIKey(key)"}
		}
		c.apiKey = k
	}
	if !c.managementKeySet && !c.noEnv {
		// The management key is optional: only an unusable value is an error.
		if v, ok := os.LookupEnv(ManagementKeyEnv); ok && v != "" {
			k := newSecret(v)
			if err := k.check(ManagementKeyEnv, "management key in the environment variable"); err != nil {
				return &Error{Code: codes.Unauthenticated, Message: "NewClient: " + errMessage(err)}
			}
			c.managementKey = k
		}
	}
	return nil
}

// checkConn rejects [WithInsecure] toward an address the caller did not name,
// and options that would be silently ignored with [WithGRPCConn].
func (c *config) checkConn() error {
	if c.insecure && !c.endpointSet && c.conn == nil {
		return invalidArgument("NewClient: WithInsecure sends the API key without TLS, so it needs the address of your own server: "+
			"add WithEndpoint(\"127.0.0.1:<port>\") (or WithGRPCConn) for a local fake server; the default endpoint %s is only reached over TLS", DefaultEndpoint)
	}
	if c.conn == nil {
		return nil
	}
	var conflicts []string
	if c.endpointSet {
		conflicts = append(conflicts, "WithEndpoint")
	}
	if len(c.dialOptions) > 0 {
		conflicts = append(conflicts, "WithDialOptions")
	}
	if c.keepaliveSet {
		conflicts = append(conflicts, "WithKeepalive")
	}
	if c.maxMessageSizeSet {
		conflicts = append(conflicts, "WithMaxMessageSize")
	}
	if len(conflicts) > 0 {
		return invalidArgument("NewClient: %s cannot be combined with WithGRPCConn: they configure a connection the client does not create; set them when you create yours",
			strings.Join(conflicts, ", "))
	}
	return nil
}

// Close closes the connections the client created (API and management); a
// connection given with [WithGRPCConn] or [WithManagementGRPCConn] stays open.
// Calls in progress fail. Close is safe to call more than once.
func (c *Client) Close() error {
	if c == nil || c.close == nil {
		return nil // a zero Client holds nothing
	}
	var err error
	c.close.Do(func() {
		err = c.api.close()
		if merr := c.mgmt.close(); err == nil {
			err = merr
		}
	})
	return err
}

// Conn returns the gRPC connection, for raw stubs of package xaiv1 (every
// field of the API stays reachable): xaiv1.NewChatClient(client.Conn()).
// Calls on a connection the
// client created carry the API key and metadata and get the default
// deadline, retries and logging; call options such as [WithCallTimeout] can be
// passed to the raw stubs too. A connection given with [WithGRPCConn] is
// returned as it is, without any of that.
func (c *Client) Conn() *grpc.ClientConn {
	switch {
	case c == nil || c.cfg == nil:
		return nil
	case c.api.conn != nil:
		return c.api.conn
	}
	return c.cfg.conn
}

// String describes the client without its keys.
func (c *Client) String() string {
	if c == nil || c.cfg == nil {
		return "xai.Client(nil)"
	}
	ep := c.cfg.endpoint
	if c.api.conn == nil {
		ep = "caller's connection"
	}
	return fmt.Sprintf("xai.Client{endpoint: %q, insecure: %t, api_key: %s}", ep, c.cfg.insecure, c.cfg.apiKey.describe())
}

// GoString is String: the keys are never printed.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb and flag.
func (c *Client) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// errMessage returns the message of an *Error, or the text of another error.
func errMessage(err error) string {
	var xerr *Error
	if errors.As(err, &xerr) {
		return xerr.Message
	}
	return err.Error()
}

// requestPrivate reports whether no code of the caller's sees the requests
// the client sends: no [WithInterceptors] hooks, no extra dial options (which
// may add interceptors or stats handlers) and no caller's connection. Only
// then may a Chat send a request that shares its messages with the chat
// (see Chat.sendable); otherwise each call gets a deep copy, so that code
// changing the request it is handed cannot change the chat.
func (c *config) requestPrivate() bool {
	return len(c.unaryHooks) == 0 && len(c.streamHooks) == 0 && len(c.dialOptions) == 0 && c.conn == nil
}
