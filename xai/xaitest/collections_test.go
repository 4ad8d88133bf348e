package xaitest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	ragv1 "github.com/gogrok/sdk/gen/xai/api/v1/rag"
	sharedv1 "github.com/gogrok/sdk/gen/xai/api/v1/shared"
	"github.com/gogrok/sdk/xai/xaitest"
)

// uploadText uploads a small text file and returns its ID.
func uploadText(t testing.TB, srv *xaitest.Server, name, content string) string {
	t.Helper()
	f, err := upload(t, xaiv1.NewFilesClient(srv.Conn()), name, []byte(content), 1<<20, nil)
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	return f.GetId()
}

func newCollection(t testing.TB, cc collectionsv1.CollectionsClient, req *collectionsv1.CreateCollectionRequest) *collectionsv1.CollectionMetadata {
	t.Helper()
	c, err := cc.CreateCollection(ctx(t), req)
	if err != nil {
		t.Fatalf("CreateCollection: %v", err)
	}
	return c
}

func chars(size, overlap int32) *ragv1.ChunkConfiguration {
	return &ragv1.ChunkConfiguration{Config: &ragv1.ChunkConfiguration_CharsConfiguration{
		CharsConfiguration: &ragv1.CharsConfiguration{MaxChunkSizeChars: size, ChunkOverlapChars: overlap}}}
}

func TestCollectionLifecycle(t *testing.T) {
	srv := start(t)
	cc := collectionsv1.NewCollectionsClient(srv.Conn())
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
	srv := start(t)
	cc := collectionsv1.NewCollectionsClient(srv.Conn())
	c := ctx(t)
	col := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "c"})
	id := col.GetCollectionId()
	fileID := uploadText(t, srv, "a.txt", "alpha")

	calls := map[string]func(colID, fileID string) error{
		"Delete": func(c1, _ string) error {
			_, err := cc.DeleteCollection(c, &collectionsv1.DeleteCollectionRequest{CollectionId: c1})
			return err
		},
		"Get": func(c1, _ string) error {
			_, err := cc.GetCollectionMetadata(c, &collectionsv1.GetCollectionMetadataRequest{CollectionId: c1})
			return err
		},
		"Update": func(c1, _ string) error {
			_, err := cc.UpdateCollection(c, &collectionsv1.UpdateCollectionRequest{CollectionId: c1})
			return err
		},
		"ListDocuments": func(c1, _ string) error {
			_, err := cc.ListDocuments(c, &collectionsv1.ListDocumentsRequest{CollectionId: c1})
			return err
		},
		"Describe": func(c1, _ string) error {
			_, err := cc.GenerateCollectionDescription(c, &collectionsv1.GenerateCollectionDescriptionRequest{CollectionId: c1})
			return err
		},
		"BatchGet": func(c1, f string) error {
			_, err := cc.BatchGetDocuments(c, &collectionsv1.BatchGetDocumentsRequest{CollectionId: c1, FileIds: []string{f}})
			return err
		},
		"GetDocument": func(c1, f string) error {
			_, err := cc.GetDocumentMetadata(c, &collectionsv1.GetDocumentMetadataRequest{CollectionId: c1, FileId: f})
			return err
		},
		"UpdateDocument": func(c1, f string) error {
			_, err := cc.UpdateDocument(c, &collectionsv1.UpdateDocumentRequest{CollectionId: c1, FileId: f})
			return err
		},
		"Remove": func(c1, f string) error {
			_, err := cc.RemoveDocumentFromCollection(c, &collectionsv1.RemoveDocumentFromCollectionRequest{CollectionId: c1, FileId: f})
			return err
		},
		"ReIndex": func(c1, f string) error {
			_, err := cc.ReIndexDocument(c, &collectionsv1.ReIndexDocumentRequest{CollectionId: c1, FileId: f})
			return err
		},
		"Add": func(c1, f string) error {
			_, err := cc.AddDocumentToCollection(c, &collectionsv1.AddDocumentToCollectionRequest{CollectionId: c1, FileId: f})
			return err
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
	srv := start(t)
	cc := collectionsv1.NewCollectionsClient(srv.Conn())
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
		_, err := cc.AddDocumentToCollection(c, &collectionsv1.AddDocumentToCollectionRequest{CollectionId: id, FileId: f, Fields: fields})
		return err
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

// pages lists every page with the given page request and returns the names
// in order and the number of pages.
func pages[T any](t *testing.T, list func(token *string) ([]T, *string, error), name func(T) string) ([]string, int) {
	t.Helper()
	var names []string
	var token *string
	n := 0
	for {
		items, next, err := list(token)
		if err != nil {
			t.Fatalf("page %d: %v", n+1, err)
		}
		n++
		for _, it := range items {
			names = append(names, name(it))
		}
		if next == nil {
			return names, n
		}
		token = next
		if n > 100 {
			t.Fatal("pagination does not end")
		}
	}
}

func TestCollectionsPagination(t *testing.T) {
	srv := start(t)
	cc := collectionsv1.NewCollectionsClient(srv.Conn())
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

func TestDocumentsPagination(t *testing.T) {
	srv := start(t)
	cc := collectionsv1.NewCollectionsClient(srv.Conn())
	c := ctx(t)
	id := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "docs"}).GetCollectionId()
	other := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "other"}).GetCollectionId()
	var added []string
	for i, n := range []string{"d.txt", "b.txt", "a.txt", "c.txt", "e.txt", "b.txt", "f.txt"} {
		f := uploadText(t, srv, n, strings.Repeat("x", 10-i))
		if _, err := cc.AddDocumentToCollection(c, &collectionsv1.AddDocumentToCollectionRequest{CollectionId: id, FileId: f}); err != nil {
			t.Fatal(err)
		}
		added = append(added, fmt.Sprintf("%s/%d", n, 10-i))
	}
	list := func(sort *collectionsv1.DocumentsSortBy, order *sharedv1.Ordering, name *string) func(*string) ([]*collectionsv1.DocumentMetadata, *string, error) {
		return func(token *string) ([]*collectionsv1.DocumentMetadata, *string, error) {
			resp, err := cc.ListDocuments(c, &collectionsv1.ListDocumentsRequest{CollectionId: id, Limit: proto.Int32(2),
				SortBy: sort, Order: order, PaginationToken: token, Name: name})
			return resp.GetDocuments(), resp.PaginationToken, err
		}
	}
	key := func(d *collectionsv1.DocumentMetadata) string {
		return fmt.Sprintf("%s/%d", d.GetFileMetadata().GetName(), d.GetFileMetadata().GetSizeBytes())
	}
	got, n := pages(t, list(nil, nil, nil), key)
	if !slices.Equal(got, added) || n != 4 {
		t.Fatalf("by addition: %v in %d pages", got, n)
	}
	got, _ = pages(t, list(collectionsv1.DocumentsSortBy_DOCUMENTS_SORT_BY_NAME.Enum(), nil, nil), key)
	if want := []string{"a.txt/8", "b.txt/9", "b.txt/5", "c.txt/7", "d.txt/10", "e.txt/6", "f.txt/4"}; !slices.Equal(got, want) {
		t.Fatalf("by name: %v, want %v", got, want)
	}
	got, _ = pages(t, list(collectionsv1.DocumentsSortBy_DOCUMENTS_SORT_BY_SIZE.Enum(), sharedv1.Ordering_ORDERING_DESCENDING.Enum(), nil), key)
	if !slices.Equal(got, added) { // added from largest to smallest
		t.Fatalf("by size, descending: %v", got)
	}
	got, _ = pages(t, list(nil, nil, proto.String("b.txt")), key)
	if !slices.Equal(got, []string{"b.txt/9", "b.txt/5"}) {
		t.Fatalf("by name b.txt: %v", got)
	}
	// A token of one collection is refused by another.
	first, _ := cc.ListDocuments(c, &collectionsv1.ListDocumentsRequest{CollectionId: id, Limit: proto.Int32(2)})
	_, err := cc.ListDocuments(c, &collectionsv1.ListDocumentsRequest{CollectionId: other, Limit: proto.Int32(2), PaginationToken: first.PaginationToken})
	wantCode(t, err, codes.InvalidArgument, "pagination_token")
}

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
		_, err := collectionsv1.NewCollectionsClient(conn).ListCollections(with(key), &collectionsv1.ListCollectionsRequest{})
		return err
	}
	if err := list("mgmt-key-123456"); err != nil {
		t.Fatalf("management key on Collections: %v", err)
	}
	wantCode(t, list("api-key-123456"), codes.Unauthenticated, "management key")
	wantCode(t, list("unknown-key-123"), codes.Unauthenticated, "incorrect API key")

	models := func(key string) error {
		_, err := xaiv1.NewModelsClient(conn).ListLanguageModels(with(key), &emptypb.Empty{})
		return err
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

func TestCollectionsFaultsAndRecords(t *testing.T) {
	srv := start(t)
	cc := collectionsv1.NewCollectionsClient(srv.Conn())
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

// TestCollectionBackgroundIndexing: with an indexing delay, a document is
// PROCESSING, with its processed chunk count growing, until the server's
// clock has moved past the delay; it is then PROCESSED, or FAILED when
// scripted. The status names are those of the wire contract's
// DocumentStatus.
func TestCollectionBackgroundIndexing(t *testing.T) {
	clock := xaitest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := start(t, xaitest.WithClock(clock))
	srv.SetIndexingDelay(time.Minute)
	cc := collectionsv1.NewCollectionsClient(srv.Conn())
	c := ctx(t)
	id := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "slow", ChunkConfiguration: chars(10, 0)}).GetCollectionId()
	good := uploadText(t, srv, "good.txt", "abcdefghijklmnopqrstuvwxyz0123456789abcd") // 40 chars: 4 chunks
	bad := uploadText(t, srv, "bad.txt", "fine text, failed on purpose")
	srv.FailIndexing("bad.txt", "unsupported layout")
	for _, f := range []string{good, bad} {
		if _, err := cc.AddDocumentToCollection(c, &collectionsv1.AddDocumentToCollectionRequest{CollectionId: id, FileId: f}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(f string) *collectionsv1.DocumentMetadata {
		t.Helper()
		d, err := cc.GetDocumentMetadata(c, &collectionsv1.GetDocumentMetadataRequest{CollectionId: id, FileId: f})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	search := func() int {
		t.Helper()
		resp, err := xaiv1.NewDocumentsClient(srv.Conn()).Search(c, &xaiv1.SearchRequest{Query: "abcdefghij",
			Source: &xaiv1.DocumentsSource{CollectionIds: []string{id}}})
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.GetMatches())
	}

	const processing = collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSING
	if d := get(good); d.GetStatus() != processing || d.GetChunkCount() != 4 || d.GetChunksProcessedCount() != 0 || d.ErrorMessage != nil {
		t.Fatalf("just added: %v", d)
	}
	if d := get(bad); d.GetStatus() != processing || d.ErrorMessage != nil {
		t.Fatalf("just added, to fail: %v", d)
	}
	if n := search(); n != 0 {
		t.Errorf("search found %d matches in a document still processing", n)
	}
	clock.Advance(30 * time.Second)
	if d := get(good); d.GetStatus() != processing || d.GetChunksProcessedCount() != 2 {
		t.Fatalf("half way: %v", d)
	}
	clock.Advance(30 * time.Second)
	d := get(good)
	if d.GetStatus() != collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSED || d.GetChunksProcessedCount() != 4 ||
		!d.GetLastIndexedAt().AsTime().Equal(clock.Now()) {
		t.Fatalf("after the delay: %v", d)
	}
	if d := get(bad); d.GetStatus() != collectionsv1.DocumentStatus_DOCUMENT_STATUS_FAILED || d.GetErrorMessage() != "unsupported layout" {
		t.Fatalf("scripted failure: %v", d)
	}
	if n := search(); n == 0 {
		t.Error("search finds nothing once indexed")
	}

	// The failure is used up: reindexing succeeds, after the delay again.
	if _, err := cc.ReIndexDocument(c, &collectionsv1.ReIndexDocumentRequest{CollectionId: id, FileId: bad}); err != nil {
		t.Fatal(err)
	}
	if d := get(bad); d.GetStatus() != processing {
		t.Fatalf("reindexing: %v", d)
	}
	srv.SetIndexingDelay(0) // applies to the next indexing, not this one
	clock.Advance(time.Minute)
	if d := get(bad); d.GetStatus() != collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSED || d.ErrorMessage != nil {
		t.Fatalf("reindexed: %v", d)
	}
}
