package xai

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	ragv1 "github.com/gogrok/sdk/gen/xai/api/v1/rag"
	sharedv1 "github.com/gogrok/sdk/gen/xai/api/v1/shared"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestCollectionsLifecycle(t *testing.T) {
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newRAGFake(t, useBufconn)
		ctx := context.Background()

		col, err := c.Collections.Create(ctx, "manuals",
			WithCollectionDescription("product manuals"),
			WithChunking(Chunking{Unit: ChunkChars, MaxSize: 40, Overlap: 5, StripWhitespace: true}),
			WithEmbeddingModel("v1"), WithMetric(MetricCosine),
			WithFieldDefinitions(FieldDefinition{Key: "lang", Required: true, Description: "language"}, FieldDefinition{Key: "sku", Unique: true}))
		if err != nil {
			t.Fatal(err)
		}
		if col.ID == "" || col.Name != "manuals" || col.Description != "product manuals" || col.EmbeddingModel != "v1" ||
			col.Chunking != (Chunking{Unit: ChunkChars, MaxSize: 40, Overlap: 5, StripWhitespace: true}) || col.CreatedAt.IsZero() ||
			len(col.Fields) != 2 || col.Fields[0] != (FieldDefinition{Key: "lang", Required: true, Description: "language"}) || col.Proto() == nil {
			t.Fatalf("created: %+v", col)
		}
		// The management key went to the management API.
		create := srv.Requests()[0]
		if got := create.Metadata.Get("authorization"); len(got) != 1 || got[0] != "Bearer "+mgmtKey {
			t.Fatal("Create did not send the management key")
		}
		if req := create.Message.(*collectionsv1.CreateCollectionRequest); req.GetMetricSpace() != ragv1.HNSWMetric_HNSW_METRIC_COSINE ||
			req.GetFieldDefinitions()[0].GetDescription() != "language" || req.TeamId != nil {
			t.Fatalf("create request: %v", req)
		}

		fileID := upload(t, c, "guide.txt", strings.Repeat("Press the red button to start. ", 5))
		if err := c.Collections.AddDocument(ctx, col.ID, fileID, WithFieldValues(map[string]string{"lang": "en"}), WithFieldValues(map[string]string{"sku": "A1"})); err != nil {
			t.Fatal(err)
		}
		doc, err := c.Collections.GetDocument(ctx, col.ID, fileID)
		if err != nil {
			t.Fatal(err)
		}
		if doc.FileID != fileID || doc.Name != "guide.txt" || doc.Size != 155 || doc.ContentType != "text/plain" || doc.Hash == "" ||
			doc.Status != DocumentProcessed || !doc.Status.Done() || doc.ChunkCount < 4 || doc.ChunksProcessed != int64(doc.ChunkCount) ||
			doc.Fields["lang"] != "en" || doc.Fields["sku"] != "A1" || doc.LastIndexedAt.IsZero() || doc.CreatedAt.IsZero() || doc.Proto() == nil {
			t.Fatalf("document: %+v", doc)
		}
		if s := doc.Status.String(); s != "DOCUMENT_STATUS_PROCESSED" {
			t.Errorf("status string %q", s)
		}

		got, err := c.Collections.Get(ctx, col.ID)
		if err != nil || got.DocumentCount != 1 || got.TotalFileSize != 155 {
			t.Fatalf("Get: %+v, %v", got, err)
		}
		upd, err := c.Collections.Update(ctx, col.ID, WithNewName("handbooks"), WithCollectionDescription("all handbooks"),
			WithChunking(Chunking{Unit: ChunkTokens, MaxSize: 500, TokenEncoding: "fake"}), AddField(FieldDefinition{Key: "year"}), DeleteField("sku"))
		if err != nil {
			t.Fatal(err)
		}
		if upd.Name != "handbooks" || upd.Description != "all handbooks" || upd.Chunking.Unit != ChunkTokens || upd.Chunking.TokenEncoding != "fake" ||
			len(upd.Fields) != 2 || upd.Fields[1].Key != "year" {
			t.Fatalf("updated: %+v", upd)
		}
		if err := c.Collections.ReindexDocument(ctx, col.ID, fileID); err != nil {
			t.Fatal(err)
		}
		if doc, _ = c.Collections.GetDocument(ctx, col.ID, fileID); doc.ChunkCount != 1 {
			t.Fatalf("after re-indexing with 500-token chunks: %d chunks", doc.ChunkCount)
		}
		doc, err = c.Collections.UpdateDocument(ctx, col.ID, fileID, WithNewName("guide.md"),
			WithDocumentContent([]byte("# Guide"), "text/markdown"), WithFieldValues(map[string]string{"year": "2026"}))
		if err != nil {
			t.Fatal(err)
		}
		if doc.Name != "guide.md" || doc.Size != 7 || doc.ContentType != "text/markdown" || doc.Fields["year"] != "2026" {
			t.Fatalf("UpdateDocument: %+v", doc)
		}
		docs, err := c.Collections.BatchGetDocuments(ctx, col.ID, []string{fileID, "file_missing"})
		if err != nil || len(docs) != 1 || docs[0].FileID != fileID {
			t.Fatalf("BatchGetDocuments: %v, %v", docs, err)
		}
		desc, err := c.Collections.GenerateDescription(ctx, col.ID)
		if err != nil || !strings.Contains(desc, "guide.md") {
			t.Fatalf("GenerateDescription: %q, %v", desc, err)
		}
		if err := c.Collections.RemoveDocument(ctx, col.ID, fileID); err != nil {
			t.Fatal(err)
		}
		_, err = c.Collections.GetDocument(ctx, col.ID, fileID)
		checkErr(t, err, codes.NotFound, fileID)
		if err := c.Collections.Delete(ctx, col.ID); err != nil {
			t.Fatal(err)
		}
		_, err = c.Collections.Get(ctx, col.ID)
		checkErr(t, err, codes.NotFound)
		if !IsNotFound(err) {
			t.Error("IsNotFound is false")
		}
	})
}

func TestCollectionsWithoutManagementKey(t *testing.T) {
	t.Setenv(ManagementKeyEnv, "")
	srv, c := newFake(t, false) // no management key
	if c.ManagementConn() != nil {
		t.Fatal("a client without a management key has a management connection")
	}
	ctx := context.Background()
	calls := map[string]func() error{
		"Create":              func() error { _, err := c.Collections.Create(ctx, "c"); return err },
		"Get":                 func() error { _, err := c.Collections.Get(ctx, "c"); return err },
		"Update":              func() error { _, err := c.Collections.Update(ctx, "c", WithNewName("d")); return err },
		"Delete":              func() error { return c.Collections.Delete(ctx, "c") },
		"List":                func() error { return firstErr(c.Collections.List(ctx)) },
		"AddDocument":         func() error { return c.Collections.AddDocument(ctx, "c", "f") },
		"RemoveDocument":      func() error { return c.Collections.RemoveDocument(ctx, "c", "f") },
		"UpdateDocument":      func() error { _, err := c.Collections.UpdateDocument(ctx, "c", "f", WithNewName("n")); return err },
		"GetDocument":         func() error { _, err := c.Collections.GetDocument(ctx, "c", "f"); return err },
		"BatchGetDocuments":   func() error { _, err := c.Collections.BatchGetDocuments(ctx, "c", []string{"f"}); return err },
		"ListDocuments":       func() error { return firstErr(c.Collections.ListDocuments(ctx, "c")) },
		"ReindexDocument":     func() error { return c.Collections.ReindexDocument(ctx, "c", "f") },
		"GenerateDescription": func() error { _, err := c.Collections.GenerateDescription(ctx, "c"); return err },
	}
	for name, call := range calls {
		err := call()
		checkErr(t, err, codes.Unauthenticated, "Collections."+name, "no management key", "WithManagementKey", ManagementKeyEnv, "WithoutEnv")
		if !IsUnauthenticated(err) {
			t.Errorf("%s: IsUnauthenticated is false", name)
		}
	}
	if got := methods(srv); len(got) != 0 {
		t.Fatalf("the server received %v", got)
	}

	// Without WithoutEnv, the message points at the environment variable.
	c2, err := NewClient(WithAPIKey(testKey), WithEndpoint(srv.Target()), WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	_, err = c2.Collections.Get(ctx, "c")
	checkErr(t, err, codes.Unauthenticated, "set the "+ManagementKeyEnv+" environment variable")
}

func TestCollectionsManagementKeyFromEnv(t *testing.T) {
	srv, err := xaitest.NewServer(xaitest.WithAPIKeys(testKey), xaitest.WithManagementKeys(mgmtKey))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	t.Setenv(ManagementKeyEnv, mgmtKey)
	c, err := NewClient(WithAPIKey(testKey), WithEndpoint(srv.Target()), WithManagementEndpoint(srv.Target()), WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Collections.Create(context.Background(), "from env"); err != nil {
		t.Fatal(err)
	}
	// The API key does not open the management API of a server that
	// splits keys, and the management key does not open the API.
	c3, err := NewClient(WithAPIKey(testKey), WithManagementKey(testKey), WithEndpoint(srv.Target()),
		WithManagementEndpoint(srv.Target()), WithInsecure(), WithoutEnv())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	_, err = c3.Collections.Create(context.Background(), "x")
	checkErr(t, err, codes.Unauthenticated, "management key")
}

func TestManagementConnections(t *testing.T) {
	srv, err := xaitest.NewServer(xaitest.WithAPIKeys(testKey), xaitest.WithManagementKeys(mgmtKey), xaitest.WithBufconn())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dial := func() *grpc.ClientConn {
		conn, err := grpc.NewClient(srv.Target(), srv.DialOptions()...)
		if err != nil {
			t.Fatal(err)
		}
		return conn
	}
	apiConn, mgmtConn := dial(), dial()
	defer apiConn.Close()
	defer mgmtConn.Close()

	c, err := NewClient(WithGRPCConn(apiConn), WithManagementGRPCConn(mgmtConn), WithInsecure(),
		WithAPIKey(testKey), WithManagementKey(mgmtKey), WithoutEnv())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	col, err := c.Collections.Create(ctx, "own conns")
	if err != nil {
		t.Fatal(err)
	}
	// The raw stubs work on ManagementConn, with the management key.
	if c.ManagementConn() != mgmtConn {
		t.Fatal("ManagementConn is not the caller's connection")
	}
	c.Close()
	// The caller's connections stay open.
	cc := collectionsv1.NewCollectionsClient(mgmtConn)
	_, err = cc.GetCollectionMetadata(ctx, &collectionsv1.GetCollectionMetadataRequest{CollectionId: col.ID})
	if code := status.Code(err); code != codes.Unauthenticated { // no key on a raw connection, but it is open
		t.Fatalf("the management connection after Close: %v", err)
	}

	_, err = NewClient(WithGRPCConn(apiConn), WithManagementGRPCConn(mgmtConn), WithManagementEndpoint("x:1"), WithAPIKey(testKey), WithManagementKey(mgmtKey), WithoutEnv())
	checkErr(t, err, codes.InvalidArgument, "WithManagementEndpoint", "WithManagementGRPCConn")
	_, err = NewClient(WithManagementGRPCConn(nil), WithAPIKey(testKey), WithoutEnv())
	checkErr(t, err, codes.InvalidArgument, "WithManagementGRPCConn")

	// A client that creates its management connection: ManagementConn
	// carries the management key, and Close closes it.
	c2, err := NewClient(WithEndpoint(srv.Target()), WithManagementEndpoint(srv.Target()), WithDialOptions(srv.DialOptions()...),
		WithInsecure(), WithAPIKey(testKey), WithManagementKey(mgmtKey), WithoutEnv())
	if err != nil {
		t.Fatal(err)
	}
	raw := collectionsv1.NewCollectionsClient(c2.ManagementConn())
	if _, err := raw.GetCollectionMetadata(ctx, &collectionsv1.GetCollectionMetadataRequest{CollectionId: col.ID}); err != nil {
		t.Fatalf("raw stub on ManagementConn: %v", err)
	}
	if _, err := xaiv1.NewModelsClient(c2.Conn()).ListLanguageModels(ctx, &emptypb.Empty{}); err != nil {
		t.Fatalf("raw stub on Conn: %v", err)
	}
	if err := c2.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = raw.GetCollectionMetadata(ctx, &collectionsv1.GetCollectionMetadataRequest{CollectionId: col.ID})
	if status.Code(err) != codes.Canceled {
		t.Fatalf("after Close: %v", err)
	}
}

func TestCollectionsValidationSendsNothing(t *testing.T) {
	srv, c := newRAGFake(t, false)
	ctx := context.Background()
	calls := []struct {
		name string
		err  func() error
		want []string
	}{
		{"create no name", func() error { _, err := c.Collections.Create(ctx, " "); return err }, []string{"collection name is empty"}},
		{"create nil option", func() error { _, err := c.Collections.Create(ctx, "c", nil); return err }, []string{"option 0 is nil"}},
		{"create chunk size", func() error {
			_, err := c.Collections.Create(ctx, "c", WithChunking(Chunking{Unit: ChunkChars}))
			return err
		}, []string{"WithChunking", "MaxSize (0)"}},
		{"create overlap", func() error {
			_, err := c.Collections.Create(ctx, "c", WithChunking(Chunking{Unit: ChunkBytes, MaxSize: 10, Overlap: 10}))
			return err
		}, []string{"Overlap (10)"}},
		{"create unit", func() error {
			_, err := c.Collections.Create(ctx, "c", WithChunking(Chunking{MaxSize: 10}))
			return err
		}, []string{"unknown chunk unit"}},
		{"create encoding", func() error {
			_, err := c.Collections.Create(ctx, "c", WithChunking(Chunking{Unit: ChunkChars, MaxSize: 10, TokenEncoding: "x"}))
			return err
		}, []string{"TokenEncoding"}},
		{"create metric", func() error { _, err := c.Collections.Create(ctx, "c", WithMetric(0)); return err }, []string{"WithMetric(0)"}},
		{"create model", func() error { _, err := c.Collections.Create(ctx, "c", WithEmbeddingModel("")); return err }, []string{"WithEmbeddingModel"}},
		{"create field key", func() error {
			_, err := c.Collections.Create(ctx, "c", WithFieldDefinitions(FieldDefinition{}))
			return err
		}, []string{"field key is empty"}},
		{"create field twice", func() error {
			_, err := c.Collections.Create(ctx, "c", WithFieldDefinitions(FieldDefinition{Key: "a"}, FieldDefinition{Key: "a"}))
			return err
		}, []string{`"a" is defined twice`}},
		{"create update options", func() error {
			_, err := c.Collections.Create(ctx, "c", AddField(FieldDefinition{Key: "a"}))
			return err
		}, []string{"apply to Update"}},
		{"get empty", func() error { _, err := c.Collections.Get(ctx, ""); return err }, []string{"Collections.Get", "collection ID is empty"}},
		{"update nothing", func() error { _, err := c.Collections.Update(ctx, "c"); return err }, []string{"nothing to change"}},
		{"update create options", func() error { _, err := c.Collections.Update(ctx, "c", WithMetric(MetricEuclidean)); return err }, []string{"apply to Create"}},
		{"update empty name", func() error { _, err := c.Collections.Update(ctx, "c", WithNewName("")); return err }, []string{"WithNewName"}},
		{"update delete empty", func() error { _, err := c.Collections.Update(ctx, "c", DeleteField(" ")); return err }, []string{"DeleteField"}},
		{"delete empty", func() error { return c.Collections.Delete(ctx, "") }, []string{"Collections.Delete"}},
		{"list sort size", func() error { return firstErr(c.Collections.List(ctx, WithSortBy(SortBySize))) }, []string{"cannot sort by SortBySize"}},
		{"list name filter", func() error { return firstErr(c.Collections.List(ctx, WithNameFilter("a"))) }, []string{"ListDocuments only"}},
		{"list page size", func() error { return firstErr(c.Collections.List(ctx, WithPageSize(-1))) }, []string{"WithPageSize(-1)"}},
		{"add empty file", func() error { return c.Collections.AddDocument(ctx, "c", "") }, []string{"file ID is empty"}},
		{"add empty collection", func() error { return c.Collections.AddDocument(ctx, "", "f") }, []string{"collection ID is empty"}},
		{"add update options", func() error { return c.Collections.AddDocument(ctx, "c", "f", WithNewName("x")) }, []string{"apply to UpdateDocument"}},
		{"add empty field name", func() error {
			return c.Collections.AddDocument(ctx, "c", "f", WithFieldValues(map[string]string{"": "x"}))
		}, []string{"field name is empty"}},
		{"add nil option", func() error { return c.Collections.AddDocument(ctx, "c", "f", nil) }, []string{"option 0 is nil"}},
		{"remove empty", func() error { return c.Collections.RemoveDocument(ctx, "c", "") }, []string{"Collections.RemoveDocument"}},
		{"update doc nothing", func() error { _, err := c.Collections.UpdateDocument(ctx, "c", "f"); return err }, []string{"nothing to change"}},
		{"update doc nil content", func() error {
			_, err := c.Collections.UpdateDocument(ctx, "c", "f", WithDocumentContent(nil, ""))
			return err
		}, []string{"content is nil"}},
		{"get doc empty", func() error { _, err := c.Collections.GetDocument(ctx, "", "f"); return err }, []string{"Collections.GetDocument"}},
		{"batch none", func() error { _, err := c.Collections.BatchGetDocuments(ctx, "c", nil); return err }, []string{"no file IDs"}},
		{"batch empty id", func() error { _, err := c.Collections.BatchGetDocuments(ctx, "c", []string{"a", ""}); return err }, []string{"file ID 1 is empty"}},
		{"list docs empty", func() error { return firstErr(c.Collections.ListDocuments(ctx, "")) }, []string{"Collections.ListDocuments"}},
		{"list docs sort", func() error { return firstErr(c.Collections.ListDocuments(ctx, "c", WithSortBy(0))) }, []string{"WithSortBy(0)"}},
		{"reindex empty", func() error { return c.Collections.ReindexDocument(ctx, "c", "") }, []string{"Collections.ReindexDocument"}},
		{"describe empty", func() error { _, err := c.Collections.GenerateDescription(ctx, ""); return err }, []string{"Collections.GenerateDescription"}},
		{"empty team", func() error { _, err := c.Collections.ForTeam(" ").Get(ctx, "c"); return err }, []string{"team ID"}},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, tt.err(), codes.InvalidArgument, tt.want...) })
	}
	if got := methods(srv); len(got) != 0 {
		t.Fatalf("the server received %v; want nothing", got)
	}
	var zero *CollectionsService
	_, err := zero.Get(ctx, "c")
	checkErr(t, err, codes.InvalidArgument, "client.Collections")
	_, err = (&CollectionsService{}).Create(ctx, "c")
	checkErr(t, err, codes.InvalidArgument, "client.Collections")
	checkErr(t, firstErr((&CollectionsService{}).ForTeam("t").List(ctx)), codes.InvalidArgument, "client.Collections")
}

func TestCollectionsServerErrors(t *testing.T) {
	srv, c := newRAGFake(t, false)
	ctx := context.Background()
	col, err := c.Collections.Create(ctx, "c", WithFieldDefinitions(FieldDefinition{Key: "lang", Required: true}))
	if err != nil {
		t.Fatal(err)
	}
	fileID := upload(t, c, "a.txt", "alpha")
	// The fake's answers keep their codes.
	err = c.Collections.AddDocument(ctx, col.ID, fileID)
	checkErr(t, err, codes.InvalidArgument, "required field")
	err = c.Collections.AddDocument(ctx, col.ID, "file_unknown", WithFieldValues(map[string]string{"lang": "en"}))
	checkErr(t, err, codes.NotFound, "file_unknown")
	if err := c.Collections.AddDocument(ctx, col.ID, fileID, WithFieldValues(map[string]string{"lang": "en"})); err != nil {
		t.Fatal(err)
	}
	err = c.Collections.AddDocument(ctx, col.ID, fileID, WithFieldValues(map[string]string{"lang": "en"}))
	checkErr(t, err, codes.AlreadyExists)
	_, err = c.Collections.Update(ctx, col.ID, DeleteField("nope"))
	checkErr(t, err, codes.NotFound, "nope")
	for name, call := range map[string]func() error{
		"get":      func() error { _, err := c.Collections.Get(ctx, "collection_x"); return err },
		"delete":   func() error { return c.Collections.Delete(ctx, "collection_x") },
		"list":     func() error { return firstErr(c.Collections.ListDocuments(ctx, "collection_x")) },
		"document": func() error { _, err := c.Collections.GetDocument(ctx, col.ID, "file_x"); return err },
		"reindex":  func() error { return c.Collections.ReindexDocument(ctx, col.ID, "file_x") },
	} {
		t.Run(name, func(t *testing.T) { checkErr(t, call(), codes.NotFound) })
	}
	// The fake filters collections on collection_name, not name.
	checkErr(t, firstErr(c.Collections.List(ctx, WithFilter("name = 'c'"))), codes.InvalidArgument, `unknown field "name"`)

	// Injected faults, on every RPC of the service.
	calls := map[string]func() error{
		collectionsv1.Collections_CreateCollection_FullMethodName:      func() error { _, err := c.Collections.Create(ctx, "x"); return err },
		collectionsv1.Collections_ListCollections_FullMethodName:       func() error { return firstErr(c.Collections.List(ctx)) },
		collectionsv1.Collections_DeleteCollection_FullMethodName:      func() error { return c.Collections.Delete(ctx, col.ID) },
		collectionsv1.Collections_GetCollectionMetadata_FullMethodName: func() error { _, err := c.Collections.Get(ctx, col.ID); return err },
		collectionsv1.Collections_UpdateDocument_FullMethodName: func() error {
			_, err := c.Collections.UpdateDocument(ctx, col.ID, fileID, WithNewName("b"))
			return err
		},
		collectionsv1.Collections_ListDocuments_FullMethodName:           func() error { return firstErr(c.Collections.ListDocuments(ctx, col.ID)) },
		collectionsv1.Collections_GetDocumentMetadata_FullMethodName:     func() error { _, err := c.Collections.GetDocument(ctx, col.ID, fileID); return err },
		collectionsv1.Collections_AddDocumentToCollection_FullMethodName: func() error { return c.Collections.AddDocument(ctx, col.ID, fileID) },
		collectionsv1.Collections_RemoveDocumentFromCollection_FullMethodName: func() error {
			return c.Collections.RemoveDocument(ctx, col.ID, fileID)
		},
		collectionsv1.Collections_ReIndexDocument_FullMethodName:  func() error { return c.Collections.ReindexDocument(ctx, col.ID, fileID) },
		collectionsv1.Collections_UpdateCollection_FullMethodName: func() error { _, err := c.Collections.Update(ctx, col.ID, WithNewName("y")); return err },
		collectionsv1.Collections_BatchGetDocuments_FullMethodName: func() error {
			_, err := c.Collections.BatchGetDocuments(ctx, col.ID, []string{fileID})
			return err
		},
		collectionsv1.Collections_GenerateCollectionDescription_FullMethodName: func() error {
			_, err := c.Collections.GenerateDescription(ctx, col.ID)
			return err
		},
	}
	if len(calls) != len(collectionsv1.Collections_ServiceDesc.Methods) {
		t.Fatalf("the test covers %d RPCs of %d", len(calls), len(collectionsv1.Collections_ServiceDesc.Methods))
	}
	for method, call := range calls {
		srv.InjectFault(method, xaitest.Fault{Code: codes.PermissionDenied, Message: "not your team"})
		checkErr(t, call(), codes.PermissionDenied, "not your team")
		// UNAVAILABLE is retried with the client's policy.
		srv.InjectFault(method, xaitest.Fault{Code: codes.Unavailable, Times: 2})
		err := call()
		if code := status.Code(err); code == codes.Unavailable {
			t.Errorf("%s: UNAVAILABLE twice was not retried: %v", method, err)
		}
	}
}

func TestCollectionsPaginationAndTeam(t *testing.T) {
	srv, c := newRAGFake(t, false)
	ctx := context.Background()
	var names []string
	for i := range 7 {
		n := fmt.Sprintf("col-%c", 'g'-i)
		names = append(names, n)
		if _, err := c.Collections.Create(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	list := func(opts ...ListOption) ([]string, []*collectionsv1.ListCollectionsRequest) {
		t.Helper()
		srv.ResetRequests()
		got, err := textsOf(c.Collections.List(ctx, opts...), func(col *Collection) string { return col.Name })
		if err != nil {
			t.Fatal(err)
		}
		var reqs []*collectionsv1.ListCollectionsRequest
		for _, r := range srv.Requests() {
			reqs = append(reqs, r.Message.(*collectionsv1.ListCollectionsRequest))
		}
		return got, reqs
	}
	got, reqs := list(WithPageSize(3))
	if !slices.Equal(got, names) || len(reqs) != 3 || reqs[0].GetLimit() != 3 || reqs[0].SortBy != nil || reqs[0].Order != nil {
		t.Fatalf("by creation: %v in %d pages (%v)", got, len(reqs), reqs)
	}
	sorted := slices.Sorted(slices.Values(names))
	got, reqs = list(WithPageSize(2), WithSortBy(SortByName), WithOrder(OrderAscending))
	if !slices.Equal(got, sorted) || len(reqs) != 4 || reqs[0].GetSortBy() != collectionsv1.CollectionsSortBy_COLLECTIONS_SORT_BY_NAME ||
		reqs[0].GetOrder() != sharedv1.Ordering_ORDERING_ASCENDING {
		t.Fatalf("by name: %v in %d pages", got, len(reqs))
	}
	got, reqs = list(WithPageSize(3), WithSortBy(SortByCreated), WithOrder(OrderDescending), WithLimit(4))
	if !slices.Equal(got, []string{"col-a", "col-b", "col-c", "col-d"}) || len(reqs) != 2 || reqs[1].GetLimit() != 1 ||
		reqs[0].GetSortBy() != collectionsv1.CollectionsSortBy_COLLECTIONS_SORT_BY_AGE {
		t.Fatalf("newest 4: %v in %d pages", got, len(reqs))
	}

	// ForTeam names the team in every request that has a team_id.
	team := c.Collections.ForTeam("team-42")
	if _, err := team.Get(ctx, "collection_x"); !IsNotFound(err) {
		t.Fatal(err)
	}
	if got := srv.Requests()[len(srv.Requests())-1].Message.(*collectionsv1.GetCollectionMetadataRequest).GetTeamId(); got != "team-42" {
		t.Fatalf("team_id = %q", got)
	}
	if c.Collections.team != nil {
		t.Fatal("ForTeam changed the client's service")
	}
}
