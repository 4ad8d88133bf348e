// Package connect gives the example programs a client for the real xAI API
// when XAI_API_KEY is set, and otherwise one for a fake xAI server running
// inside the program (package xaitest), so that every example runs anywhere,
// without an account, network access or cost.
//
// Real programs do not need this package: they call xai.NewClient(), which
// reads the key from XAI_API_KEY.
package connect

import (
	"fmt"
	"os"

	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaitest"
)

// RealAPI reports whether the examples talk to the real xAI API, that is
// whether XAI_API_KEY is set to a non-empty value.
func RealAPI() bool {
	return os.Getenv(xai.APIKeyEnv) != ""
}

// Client returns a client and a function that releases it (and the fake
// server, if one was started); call it when done, typically with defer.
//
// It prints on standard output which server is used, so call it before
// printing anything else. The API key itself is never printed.
func Client(opts ...xai.Option) (client *xai.Client, cleanup func(), err error) {
	if RealAPI() {
		// The ordinary way: the key comes from XAI_API_KEY, the connection
		// goes to api.x.ai:443 over TLS.
		client, err = xai.NewClient(opts...)
		if err != nil {
			return nil, nil, err
		}
		fmt.Printf("Using the xAI API at %s.\n", xai.DefaultEndpoint)
		return client, func() { client.Close() }, nil
	}

	// No key: start the fake server in memory (bufconn, so not even a
	// loopback port is opened) and point the client at it.
	srv, err := xaitest.NewServer(xaitest.WithBufconn())
	if err != nil {
		return nil, nil, fmt.Errorf("starting the fake xAI server: %w", err)
	}
	client, err = xai.NewClient(append([]xai.Option{
		xai.WithoutEnv(), // read neither XAI_API_KEY nor XAI_MANAGEMENT_KEY
		xai.WithEndpoint(srv.Target()),
		xai.WithDialOptions(srv.DialOptions()...),
		xai.WithInsecure(), // the fake speaks plaintext: never use this with the real API
		xai.WithAPIKey(srv.APIKey()),
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
