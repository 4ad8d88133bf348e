package xaitest_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/emptypb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestManagementKeys(t *testing.T) {
	srv := start(t, xaitest.WithAPIKeys("api-key-123456"), xaitest.WithManagementKeys("mgmt-key-123456"))
	if srv.APIKey() != "api-key-123456" || srv.ManagementKey() != "mgmt-key-123456" {
		t.Fatalf("keys: %q, %q", srv.APIKey(), srv.ManagementKey())
	}
	conn := rawConn(t, srv)
	with := func(key string) context.Context {
		return metadata.AppendToOutgoingContext(ctx(t), "authorization", "Bearer "+key)
	}
	list := func(key string) error {
		return errOf(collectionsv1.NewCollectionsClient(conn).ListCollections(with(key), &collectionsv1.ListCollectionsRequest{}))
	}
	if err := list("mgmt-key-123456"); err != nil {
		t.Fatalf("management key on Collections: %v", err)
	}
	wantCode(t, list("api-key-123456"), codes.Unauthenticated, "management key")
	wantCode(t, list("unknown-key-123"), codes.Unauthenticated, "incorrect API key")

	models := func(key string) error {
		return errOf(xaiv1.NewModelsClient(conn).ListLanguageModels(with(key), &emptypb.Empty{}))
	}
	if err := models("api-key-123456"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, models("mgmt-key-123456"), codes.Unauthenticated, "needs an API key")
	// Streams too.
	up, err := xaiv1.NewFilesClient(conn).UploadFile(with("mgmt-key-123456"))
	if err == nil {
		_, err = up.CloseAndRecv()
	}
	wantCode(t, err, codes.Unauthenticated, "needs an API key")
	// Search lives on the API host.
	_, err = xaiv1.NewDocumentsClient(conn).Search(with("mgmt-key-123456"), &xaiv1.SearchRequest{Query: "q"})
	wantCode(t, err, codes.Unauthenticated, "needs an API key")

	// Without the option, API keys work everywhere.
	plain := start(t)
	if plain.ManagementKey() != plain.APIKey() {
		t.Fatal("ManagementKey without WithManagementKeys is not the API key")
	}
	if _, err := collectionsv1.NewCollectionsClient(plain.Conn()).ListCollections(ctx(t), &collectionsv1.ListCollectionsRequest{}); err != nil {
		t.Fatal(err)
	}
}

func TestManagementKeysRejected(t *testing.T) {
	for name, opts := range map[string][]xaitest.Option{
		"overlap": {xaitest.WithAPIKeys("same-key-1234"), xaitest.WithManagementKeys("same-key-1234")},
		"blank":   {xaitest.WithManagementKeys(" ")},
	} {
		srv, err := xaitest.NewServer(opts...)
		if err == nil {
			srv.Close()
			t.Errorf("%s: NewServer accepted the keys", name)
		}
	}
}
