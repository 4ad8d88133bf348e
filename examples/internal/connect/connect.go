// Package connect gives the example programs a client for the real xAI API
// when XAI_API_KEY is set, and otherwise one for a fake xAI server running
// inside the program (package xaitest), so that every example runs anywhere,
// without an account, network access or cost.
//
// Real programs do not need this package: they call xai.NewClient(), which
// reads the key from XAI_API_KEY (and the management key, which only the
// Collections service needs, from XAI_MANAGEMENT_KEY).
package connect

import (
	"fmt"
	"os"

	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaitest"
)

// FakeManagementKey is the management key of the fake server, which accepts
// it only for the Collections service, as the real API does. Like the fake's
// API key it is a test value, yet the examples never print it.
const FakeManagementKey = "xai-test-management-key"

// RealAPI reports whether the examples talk to the real xAI API, that is
// whether XAI_API_KEY is set to a non-empty value.
func RealAPI() bool {
	return os.Getenv(xai.APIKeyEnv) != ""
}

// HasManagementKey reports whether the client of Client can use the
// management API (Collections): always with the fake, which has its own
// management key, and with the real API when XAI_MANAGEMENT_KEY is set to a
// non-empty value.
func HasManagementKey() bool {
	return !RealAPI() || os.Getenv(xai.ManagementKeyEnv) != ""
}

// Client returns a client and a function that releases it (and the fake
// server, if one was started); call it when done, typically with defer.
//
// It prints on standard output which server is used, so call it before
// printing anything else. The keys themselves are never printed.
func Client(opts ...xai.Option) (client *xai.Client, cleanup func(), err error) {
	if RealAPI() {
		// The ordinary way: the keys come from XAI_API_KEY and
		// XAI_MANAGEMENT_KEY, the connections go to api.x.ai:443 and
		// management-api.x.ai:443 over TLS.
		client, err = xai.NewClient(opts...)
		if err != nil {
			return nil, nil, err
		}
		fmt.Printf("Using the xAI API at %s.\n", xai.DefaultEndpoint)
		return client, func() { client.Close() }, nil
	}

	// No key: start the fake server in memory (bufconn, so not even a
	// loopback port is opened) and point the client at it. Like the real
	// API, the fake then wants the management key for Collections and the
	// API key for everything else.
	srv, err := xaitest.NewServer(xaitest.WithBufconn(), xaitest.WithManagementKeys(FakeManagementKey))
	if err != nil {
		return nil, nil, fmt.Errorf("starting the fake xAI server: %w", err)
	}
	client, err = xai.NewClient(append([]xai.Option{
		xai.WithoutEnv(), // read neither XAI_API_KEY nor XAI_MANAGEMENT_KEY
		xai.WithEndpoint(srv.Target()),
		xai.WithManagementEndpoint(srv.Target()), // the fake serves both APIs on one address
		xai.WithDialOptions(srv.DialOptions()...),
		xai.WithInsecure(), // the fake speaks plaintext: never use this with the real API
		xai.WithAPIKey(srv.APIKey()),
		xai.WithManagementKey(srv.ManagementKey()),
	}, opts...)...)
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	fmt.Printf("Using the in-process fake xAI server (%s is not set).\n", xai.APIKeyEnv)
	return client, func() {
		client.Close()
		srv.Close()
	}, nil
}
