package xaitest_test

import (
	"maps"
	"testing"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
)

// Issue 16, finding 4: the official Python SDK's own example uploads a
// document with fields {"topic": "machine-learning", "level": "beginner"}
// to the collection "research-papers", which declares neither
// (xai-org/xai-sdk-python examples/sync/collection.py, main and
// upload_document). The fake answered INVALID_ARGUMENT; now the fields are
// kept, listed, and matched by keyword search.
func TestUndeclaredFieldsAcceptedAndSearchable(t *testing.T) {
	srv, cc := startClient(t, collectionsv1.NewCollectionsClient)
	col := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "research-papers",
		FieldDefinitions: []*collectionsv1.FieldDefinition{{Key: "author", Unique: true}}}).GetCollectionId()
	ml := uploadText(t, srv, "ml-fundamentals.txt", "Machine learning is a subset of artificial intelligence.")
	dl := uploadText(t, srv, "deep-learning.txt", "Deep learning uses neural networks with many layers.")
	fields := map[string]string{"topic": "machine-learning", "level": "beginner"}
	if _, err := cc.AddDocumentToCollection(ctx(t), &collectionsv1.AddDocumentToCollectionRequest{
		CollectionId: col, FileId: ml, Fields: fields}); err != nil {
		t.Fatalf("undeclared fields: %v", err)
	}
	if _, err := cc.AddDocumentToCollection(ctx(t), &collectionsv1.AddDocumentToCollectionRequest{CollectionId: col, FileId: dl}); err != nil {
		t.Fatal(err)
	}
	doc, err := cc.GetDocumentMetadata(ctx(t), &collectionsv1.GetDocumentMetadataRequest{CollectionId: col, FileId: ml})
	if err != nil || !maps.Equal(doc.GetFields(), fields) {
		t.Fatalf("fields = %v, %v; want %v", doc.GetFields(), err, fields)
	}

	// "beginner" is in no document's text, only in ml's field value.
	resp, err := search(t, srv, &xaiv1.SearchRequest{Query: "beginner", Source: source(col)})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetMatches()) != 1 || resp.GetMatches()[0].GetFileId() != ml {
		t.Fatalf("search by an undeclared field's value: %v", resp.GetMatches())
	}

	// Declared fields keep their rules; an empty key is still refused.
	_, err = cc.UpdateDocument(ctx(t), &collectionsv1.UpdateDocumentRequest{CollectionId: col, FileId: dl, Fields: map[string]string{"": "x"}})
	wantCode(t, err, codes.InvalidArgument, "key")
	if _, err := cc.UpdateDocument(ctx(t), &collectionsv1.UpdateDocumentRequest{CollectionId: col, FileId: ml, Fields: map[string]string{"author": "Ada"}}); err != nil {
		t.Fatal(err)
	}
	_, err = cc.UpdateDocument(ctx(t), &collectionsv1.UpdateDocumentRequest{CollectionId: col, FileId: dl, Fields: map[string]string{"author": "Ada"}})
	wantCode(t, err, codes.AlreadyExists, "unique field")

	// Deleting a definition removes its values, not the undeclared ones.
	if _, err := cc.UpdateCollection(ctx(t), &collectionsv1.UpdateCollectionRequest{CollectionId: col,
		FieldDefinitionUpdates: []*collectionsv1.FieldDefinitionUpdate{{FieldDefinition: &collectionsv1.FieldDefinition{Key: "author"},
			Operation: collectionsv1.FieldDefinitionOperation_FIELD_DEFINITION_DELETE}}}); err != nil {
		t.Fatal(err)
	}
	doc, _ = cc.GetDocumentMetadata(ctx(t), &collectionsv1.GetDocumentMetadataRequest{CollectionId: col, FileId: ml})
	if !maps.Equal(doc.GetFields(), fields) {
		t.Fatalf("after deleting the author definition: fields = %v, want %v", doc.GetFields(), fields)
	}
}
