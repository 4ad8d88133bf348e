package xaitest_test

import (
	"testing"
	"time"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	"github.com/gogrok/sdk/xai/xaitest"
)

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
