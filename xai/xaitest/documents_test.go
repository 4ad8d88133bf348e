package xaitest_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	sharedv1 "github.com/gogrok/sdk/gen/xai/api/v1/shared"
)

func TestDocumentsPagination(t *testing.T) {
	srv, cc := startClient(t, collectionsv1.NewCollectionsClient)
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
