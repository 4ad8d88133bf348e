package xaitest_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	ragv1 "github.com/gogrok/sdk/gen/xai/api/v1/rag"
	sharedv1 "github.com/gogrok/sdk/gen/xai/api/v1/shared"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestCollectionLifecycle(t *testing.T) {
	srv, cc := startClient(t, collectionsv1.NewCollectionsClient)
	c := ctx(t)

	col := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{
		CollectionName:        "manuals",
		CollectionDescription: proto.String("product manuals"),
		ChunkConfiguration:    chars(10, 2),
		FieldDefinitions:      []*collectionsv1.FieldDefinition{{Key: "lang", Required: true}, {Key: "sku", Unique: true}},
	})
	if !strings.HasPrefix(col.GetCollectionId(), "collection_") || col.GetCollectionName() != "manuals" ||
		col.GetIndexConfiguration().GetModelName() != "v1" || col.GetCollectionDescription() != "product manuals" ||
		col.GetChunkConfiguration().GetCharsConfiguration().GetMaxChunkSizeChars() != 10 || len(col.GetFieldDefinitions()) != 2 {
		t.Fatalf("created: %v", col)
	}
	id := col.GetCollectionId()

	fileID := uploadText(t, srv, "guide.txt", "abcdefghijklmnopqrstuvwxyz") // 26 chars: chunks 0-9, 8-17, 16-25
	_, err := cc.AddDocumentToCollection(c, &collectionsv1.AddDocumentToCollectionRequest{
		CollectionId: id, FileId: fileID, Fields: map[string]string{"lang": "en", "sku": "A1"}})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := cc.GetDocumentMetadata(c, &collectionsv1.GetDocumentMetadataRequest{CollectionId: id, FileId: fileID})
	if err != nil {
		t.Fatal(err)
	}
	fm := doc.GetFileMetadata()
	if fm.GetFileId() != fileID || fm.GetName() != "guide.txt" || fm.GetSizeBytes() != 26 || fm.GetContentType() != "text/plain" ||
		len(fm.GetHash()) != 64 || doc.GetStatus() != collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSED ||
		doc.GetChunkCount() != 3 || doc.GetChunksProcessedCount() != 3 || doc.GetFields()["lang"] != "en" {
		t.Fatalf("document: %v", doc)
	}
	got, err := cc.GetCollectionMetadata(c, &collectionsv1.GetCollectionMetadataRequest{CollectionId: id})
	if err != nil || got.GetDocumentsCount() != 1 || got.GetTotalFileSize() != 26 {
		t.Fatalf("GetCollectionMetadata: %v, %v", got, err)
	}

	// Changing the chunking does not touch indexed documents until they
	// are re-indexed.
	upd, err := cc.UpdateCollection(c, &collectionsv1.UpdateCollectionRequest{
		CollectionId: id, CollectionName: proto.String("handbooks"), ChunkConfiguration: chars(100, 0),
		FieldDefinitionUpdates: []*collectionsv1.FieldDefinitionUpdate{
			{FieldDefinition: &collectionsv1.FieldDefinition{Key: "sku"}, Operation: collectionsv1.FieldDefinitionOperation_FIELD_DEFINITION_DELETE},
			{FieldDefinition: &collectionsv1.FieldDefinition{Key: "year"}},
		},
		CollectionDescription: proto.String("handbooks of all kinds"),
	})
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{}
	for _, f := range upd.GetFieldDefinitions() {
		keys = append(keys, f.GetKey())
	}
	if upd.GetCollectionName() != "handbooks" || !slices.Equal(keys, []string{"lang", "year"}) || upd.GetCollectionDescription() != "handbooks of all kinds" {
		t.Fatalf("updated: %v", upd)
	}
	doc, _ = cc.GetDocumentMetadata(c, &collectionsv1.GetDocumentMetadataRequest{CollectionId: id, FileId: fileID})
	if doc.GetChunkCount() != 3 || doc.GetFields()["sku"] != "" {
		t.Fatalf("before re-index: %d chunks, fields %v", doc.GetChunkCount(), doc.GetFields())
	}
	if _, err := cc.ReIndexDocument(c, &collectionsv1.ReIndexDocumentRequest{CollectionId: id, FileId: fileID}); err != nil {
		t.Fatal(err)
	}
	doc, _ = cc.GetDocumentMetadata(c, &collectionsv1.GetDocumentMetadataRequest{CollectionId: id, FileId: fileID})
	if doc.GetChunkCount() != 1 {
		t.Fatalf("after re-index: %d chunks, want 1", doc.GetChunkCount())
	}

	// UpdateDocument replaces content and sets fields.
	doc, err = cc.UpdateDocument(c, &collectionsv1.UpdateDocumentRequest{
		CollectionId: id, FileId: fileID, Name: proto.String("guide.md"), Data: []byte("# Guide\nnew text"),
		Fields: map[string]string{"year": "2026"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if doc.GetFileMetadata().GetName() != "guide.md" || doc.GetFileMetadata().GetSizeBytes() != 16 ||
		doc.GetFileMetadata().GetContentType() != "text/markdown" || doc.GetFields()["year"] != "2026" || doc.GetFields()["lang"] != "en" {
		t.Fatalf("UpdateDocument: %v", doc)
	}

	batch, err := cc.BatchGetDocuments(c, &collectionsv1.BatchGetDocumentsRequest{CollectionId: id, FileIds: []string{"file_missing", fileID}})
	if err != nil || len(batch.GetDocuments()) != 1 || batch.GetDocuments()[0].GetFileMetadata().GetFileId() != fileID {
		t.Fatalf("BatchGetDocuments: %v, %v", batch, err)
	}
	desc, err := cc.GenerateCollectionDescription(c, &collectionsv1.GenerateCollectionDescriptionRequest{CollectionId: id})
	if err != nil || desc.GetCollectionDescription() != `Collection "handbooks" holds 1 document(s): guide.md.` {
		t.Fatalf("GenerateCollectionDescription: %v, %v", desc, err)
	}

	if _, err := cc.RemoveDocumentFromCollection(c, &collectionsv1.RemoveDocumentFromCollectionRequest{CollectionId: id, FileId: fileID}); err != nil {
		t.Fatal(err)
	}
	_, err = cc.GetDocumentMetadata(c, &collectionsv1.GetDocumentMetadataRequest{CollectionId: id, FileId: fileID})
	wantCode(t, err, codes.NotFound, fileID)
	// The file itself is kept.
	if _, err := xaiv1.NewFilesClient(srv.Conn()).RetrieveFile(c, &xaiv1.RetrieveFileRequest{FileId: fileID}); err != nil {
		t.Fatalf("the file went with the document: %v", err)
	}
	if _, err := cc.DeleteCollection(c, &collectionsv1.DeleteCollectionRequest{CollectionId: id}); err != nil {
		t.Fatal(err)
	}
	_, err = cc.GetCollectionMetadata(c, &collectionsv1.GetCollectionMetadataRequest{CollectionId: id})
	wantCode(t, err, codes.NotFound, id)
}

func TestCollectionsNotFound(t *testing.T) {
	srv, cc := startClient(t, collectionsv1.NewCollectionsClient)
	c := ctx(t)
	col := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "c"})
	id := col.GetCollectionId()
	fileID := uploadText(t, srv, "a.txt", "alpha")

	calls := map[string]func(colID, fileID string) error{
		"Delete": func(c1, _ string) error {
			return errOf(cc.DeleteCollection(c, &collectionsv1.DeleteCollectionRequest{CollectionId: c1}))
		},
		"Get": func(c1, _ string) error {
			return errOf(cc.GetCollectionMetadata(c, &collectionsv1.GetCollectionMetadataRequest{CollectionId: c1}))
		},
		"Update": func(c1, _ string) error {
			return errOf(cc.UpdateCollection(c, &collectionsv1.UpdateCollectionRequest{CollectionId: c1}))
		},
		"ListDocuments": func(c1, _ string) error {
			return errOf(cc.ListDocuments(c, &collectionsv1.ListDocumentsRequest{CollectionId: c1}))
		},
		"Describe": func(c1, _ string) error {
			return errOf(cc.GenerateCollectionDescription(c, &collectionsv1.GenerateCollectionDescriptionRequest{CollectionId: c1}))
		},
		"BatchGet": func(c1, f string) error {
			return errOf(cc.BatchGetDocuments(c, &collectionsv1.BatchGetDocumentsRequest{CollectionId: c1, FileIds: []string{f}}))
		},
		"GetDocument": func(c1, f string) error {
			return errOf(cc.GetDocumentMetadata(c, &collectionsv1.GetDocumentMetadataRequest{CollectionId: c1, FileId: f}))
		},
		"UpdateDocument": func(c1, f string) error {
			return errOf(cc.UpdateDocument(c, &collectionsv1.UpdateDocumentRequest{CollectionId: c1, FileId: f}))
		},
		"Remove": func(c1, f string) error {
			return errOf(cc.RemoveDocumentFromCollection(c, &collectionsv1.RemoveDocumentFromCollectionRequest{CollectionId: c1, FileId: f}))
		},
		"ReIndex": func(c1, f string) error {
			return errOf(cc.ReIndexDocument(c, &collectionsv1.ReIndexDocumentRequest{CollectionId: c1, FileId: f}))
		},
		"Add": func(c1, f string) error {
			return errOf(cc.AddDocumentToCollection(c, &collectionsv1.AddDocumentToCollectionRequest{CollectionId: c1, FileId: f}))
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			wantCode(t, call("collection_unknown", fileID), codes.NotFound, "collection_unknown")
			wantCode(t, call("", fileID), codes.InvalidArgument, "collection_id")
		})
	}
	// Documents that are not in the collection, and files that do not exist.
	for _, name := range []string{"GetDocument", "UpdateDocument", "Remove", "ReIndex"} {
		wantCode(t, calls[name](id, fileID), codes.NotFound, "not found in collection")
		wantCode(t, calls[name](id, ""), codes.InvalidArgument, "file_id")
	}
	wantCode(t, calls["Add"](id, "file_unknown"), codes.NotFound, "file_unknown")
	wantCode(t, calls["Add"](id, ""), codes.InvalidArgument, "file_id")
}

func TestCollectionsInvalidArgument(t *testing.T) {
	srv, cc := startClient(t, collectionsv1.NewCollectionsClient)
	c := ctx(t)
	create := func(req *collectionsv1.CreateCollectionRequest) error {
		if req.CollectionName == "" {
			req.CollectionName = "c"
		}
		_, err := cc.CreateCollection(c, req)
		return err
	}
	tokens := func(size, overlap int32) *ragv1.ChunkConfiguration {
		return &ragv1.ChunkConfiguration{Config: &ragv1.ChunkConfiguration_TokensConfiguration{
			TokensConfiguration: &ragv1.TokensConfiguration{MaxChunkSizeTokens: size, ChunkOverlapTokens: overlap}}}
	}
	for name, tc := range map[string]struct {
		req  *collectionsv1.CreateCollectionRequest
		code codes.Code
		frag string
	}{
		"blank name":       {&collectionsv1.CreateCollectionRequest{CollectionName: "  "}, codes.InvalidArgument, "collection_name"},
		"no chunk unit":    {&collectionsv1.CreateCollectionRequest{ChunkConfiguration: &ragv1.ChunkConfiguration{}}, codes.InvalidArgument, "chars_configuration"},
		"zero size":        {&collectionsv1.CreateCollectionRequest{ChunkConfiguration: chars(0, 0)}, codes.InvalidArgument, "maximum chunk size"},
		"overlap too big":  {&collectionsv1.CreateCollectionRequest{ChunkConfiguration: tokens(10, 10)}, codes.InvalidArgument, "overlap"},
		"negative overlap": {&collectionsv1.CreateCollectionRequest{ChunkConfiguration: chars(10, -1)}, codes.InvalidArgument, "overlap"},
		"bad metric":       {&collectionsv1.CreateCollectionRequest{MetricSpace: ragv1.HNSWMetric(9).Enum()}, codes.InvalidArgument, "metric_space"},
		"empty model":      {&collectionsv1.CreateCollectionRequest{IndexConfiguration: &ragv1.IndexConfiguration{}}, codes.InvalidArgument, "model_name"},
		"empty field key":  {&collectionsv1.CreateCollectionRequest{FieldDefinitions: []*collectionsv1.FieldDefinition{{}}}, codes.InvalidArgument, "field key"},
		"duplicate field": {&collectionsv1.CreateCollectionRequest{FieldDefinitions: []*collectionsv1.FieldDefinition{{Key: "a"}, {Key: "a"}}},
			codes.AlreadyExists, `"a"`},
	} {
		t.Run(name, func(t *testing.T) { wantCode(t, create(tc.req), tc.code, tc.frag) })
	}

	col := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "c",
		FieldDefinitions: []*collectionsv1.FieldDefinition{{Key: "lang", Required: true}, {Key: "sku", Unique: true}}})
	id := col.GetCollectionId()
	f1, f2 := uploadText(t, srv, "1.txt", "one"), uploadText(t, srv, "2.txt", "two")
	add := func(f string, fields map[string]string) error {
		return errOf(cc.AddDocumentToCollection(c, &collectionsv1.AddDocumentToCollectionRequest{CollectionId: id, FileId: f, Fields: fields}))
	}
	wantCode(t, add(f1, nil), codes.InvalidArgument, `required field "lang"`)
	if err := add(f1, map[string]string{"lang": "en", "sku": "X"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, add(f1, map[string]string{"lang": "en"}), codes.AlreadyExists, "already in collection")
	wantCode(t, add(f2, map[string]string{"lang": "en", "sku": "X"}), codes.AlreadyExists, "unique field")

	_, err := cc.UpdateDocument(c, &collectionsv1.UpdateDocumentRequest{CollectionId: id, FileId: f1, Name: proto.String("")})
	wantCode(t, err, codes.InvalidArgument, "name")
	_, err = cc.UpdateDocument(c, &collectionsv1.UpdateDocumentRequest{CollectionId: id, FileId: f1, ContentType: proto.String("text/plain")})
	wantCode(t, err, codes.InvalidArgument, "content_type")
	_, err = cc.UpdateDocument(c, &collectionsv1.UpdateDocumentRequest{CollectionId: id, FileId: f1, Fields: map[string]string{"lang": ""}})
	wantCode(t, err, codes.InvalidArgument, "required")
	// Its own unique value is no conflict.
	if _, err := cc.UpdateDocument(c, &collectionsv1.UpdateDocumentRequest{CollectionId: id, FileId: f1, Fields: map[string]string{"sku": "X"}}); err != nil {
		t.Fatal(err)
	}

	_, err = cc.UpdateCollection(c, &collectionsv1.UpdateCollectionRequest{CollectionId: id, CollectionName: proto.String("")})
	wantCode(t, err, codes.InvalidArgument, "collection_name")
	_, err = cc.UpdateCollection(c, &collectionsv1.UpdateCollectionRequest{CollectionId: id, ChunkConfiguration: chars(5, 5)})
	wantCode(t, err, codes.InvalidArgument, "overlap")
	_, err = cc.UpdateCollection(c, &collectionsv1.UpdateCollectionRequest{CollectionId: id, FieldDefinitionUpdates: []*collectionsv1.FieldDefinitionUpdate{
		{FieldDefinition: &collectionsv1.FieldDefinition{Key: "nope"}, Operation: collectionsv1.FieldDefinitionOperation_FIELD_DEFINITION_DELETE}}})
	wantCode(t, err, codes.NotFound, `"nope"`)
	_, err = cc.UpdateCollection(c, &collectionsv1.UpdateCollectionRequest{CollectionId: id, FieldDefinitionUpdates: []*collectionsv1.FieldDefinitionUpdate{
		{FieldDefinition: &collectionsv1.FieldDefinition{Key: "lang"}}}})
	wantCode(t, err, codes.AlreadyExists, `"lang"`)
	// A failed update changes nothing.
	got, _ := cc.GetCollectionMetadata(c, &collectionsv1.GetCollectionMetadataRequest{CollectionId: id})
	if got.GetCollectionName() != "c" || len(got.GetFieldDefinitions()) != 2 {
		t.Fatalf("a rejected update changed the collection: %v", got)
	}

	_, err = cc.BatchGetDocuments(c, &collectionsv1.BatchGetDocumentsRequest{CollectionId: id, FileIds: []string{f1, ""}})
	wantCode(t, err, codes.InvalidArgument, "file_ids[1]")
	_, err = cc.ListCollections(c, &collectionsv1.ListCollectionsRequest{Limit: proto.Int32(0)})
	wantCode(t, err, codes.InvalidArgument, "limit")
	_, err = cc.ListCollections(c, &collectionsv1.ListCollectionsRequest{SortBy: collectionsv1.CollectionsSortBy(7).Enum()})
	wantCode(t, err, codes.InvalidArgument, "sort_by")
	_, err = cc.ListCollections(c, &collectionsv1.ListCollectionsRequest{Order: sharedv1.Ordering(5).Enum()})
	wantCode(t, err, codes.InvalidArgument, "order")
	_, err = cc.ListCollections(c, &collectionsv1.ListCollectionsRequest{PaginationToken: proto.String("garbage!")})
	wantCode(t, err, codes.InvalidArgument, "pagination_token")
	_, err = cc.ListCollections(c, &collectionsv1.ListCollectionsRequest{Filter: proto.String("name = 'c'")})
	wantCode(t, err, codes.InvalidArgument, `unknown field "name"`, "collection_name")
	_, err = cc.ListDocuments(c, &collectionsv1.ListDocumentsRequest{CollectionId: id, Filter: proto.String("x")})
	wantCode(t, err, codes.InvalidArgument, "bare value")
}

func TestCollectionsPagination(t *testing.T) {
	_, cc := startClient(t, collectionsv1.NewCollectionsClient)
	c := ctx(t)
	names := []string{"delta", "alpha", "echo", "charlie", "bravo", "golf", "foxtrot"}
	for _, n := range names {
		newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: n})
	}
	list := func(sort *collectionsv1.CollectionsSortBy, order *sharedv1.Ordering) func(*string) ([]*collectionsv1.CollectionMetadata, *string, error) {
		return func(token *string) ([]*collectionsv1.CollectionMetadata, *string, error) {
			resp, err := cc.ListCollections(c, &collectionsv1.ListCollectionsRequest{Limit: proto.Int32(3), SortBy: sort, Order: order, PaginationToken: token})
			return resp.GetCollections(), resp.PaginationToken, err
		}
	}
	name := func(m *collectionsv1.CollectionMetadata) string { return m.GetCollectionName() }

	got, n := pages(t, list(nil, nil), name)
	if !slices.Equal(got, names) || n != 3 {
		t.Fatalf("by creation: %v in %d pages", got, n)
	}
	sorted := slices.Sorted(slices.Values(names))
	got, n = pages(t, list(collectionsv1.CollectionsSortBy_COLLECTIONS_SORT_BY_NAME.Enum(), nil), name)
	if !slices.Equal(got, sorted) || n != 3 {
		t.Fatalf("by name: %v in %d pages", got, n)
	}
	got, _ = pages(t, list(collectionsv1.CollectionsSortBy_COLLECTIONS_SORT_BY_NAME.Enum(), sharedv1.Ordering_ORDERING_DESCENDING.Enum()), name)
	if want := slices.Clone(sorted); !slices.Equal(got, func() []string { slices.Reverse(want); return want }()) {
		t.Fatalf("by name, descending: %v", got)
	}
	got, _ = pages(t, list(collectionsv1.CollectionsSortBy_COLLECTIONS_SORT_BY_AGE.Enum(), sharedv1.Ordering_ORDERING_DESCENDING.Enum()), name)
	if want := slices.Clone(names); !slices.Equal(got, func() []string { slices.Reverse(want); return want }()) {
		t.Fatalf("by age, descending: %v", got)
	}

	// A token belongs to its listing.
	first, err := cc.ListCollections(c, &collectionsv1.ListCollectionsRequest{Limit: proto.Int32(3)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cc.ListCollections(c, &collectionsv1.ListCollectionsRequest{Limit: proto.Int32(3), Order: sharedv1.Ordering_ORDERING_DESCENDING.Enum(), PaginationToken: first.PaginationToken})
	wantCode(t, err, codes.InvalidArgument, "different")
	// Deleting an item already listed shifts nothing.
	if _, err := cc.DeleteCollection(c, &collectionsv1.DeleteCollectionRequest{CollectionId: first.GetCollections()[0].GetCollectionId()}); err != nil {
		t.Fatal(err)
	}
	next, err := cc.ListCollections(c, &collectionsv1.ListCollectionsRequest{Limit: proto.Int32(3), PaginationToken: first.PaginationToken})
	if err != nil || name(next.GetCollections()[0]) != "charlie" {
		t.Fatalf("after a deletion: %v, %v", next, err)
	}
}

func TestCollectionsFaultsAndRecords(t *testing.T) {
	srv, cc := startClient(t, collectionsv1.NewCollectionsClient)
	srv.InjectFault(collectionsv1.Collections_CreateCollection_FullMethodName, xaitest.Fault{Code: codes.ResourceExhausted, Message: "slow down"})
	_, err := cc.CreateCollection(ctx(t), &collectionsv1.CreateCollectionRequest{CollectionName: "x"})
	wantCode(t, err, codes.ResourceExhausted, "slow down")
	newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "x"})
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[1].FullMethod != collectionsv1.Collections_CreateCollection_FullMethodName ||
		reqs[1].Message.(*collectionsv1.CreateCollectionRequest).GetCollectionName() != "x" {
		t.Fatalf("records: %v", reqs)
	}
}
