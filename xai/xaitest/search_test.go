package xaitest_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	ragv1 "github.com/gogrok/sdk/gen/xai/api/v1/rag"
	"github.com/gogrok/sdk/xai/xaitest"
)

// searchFixture makes two collections: "pets" with two documents and
// "garden" sharing one of them.
func searchFixture(t *testing.T) (srv *xaitest.Server, pets, garden, catsFile, dogsFile string) {
	t.Helper()
	srv = start(t)
	cc := collectionsv1.NewCollectionsClient(srv.Conn())
	pets = newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "pets", ChunkConfiguration: chars(1000, 0)}).GetCollectionId()
	garden = newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "garden", ChunkConfiguration: chars(1000, 0)}).GetCollectionId()
	catsFile = uploadText(t, srv, "cats.txt", "Cats sleep all day. A cat purrs when happy.")
	dogsFile = uploadText(t, srv, "dogs.txt", "Dogs bark at the mailman. Dogs and cats rarely agree.")
	for _, add := range []struct{ col, file string }{{pets, catsFile}, {pets, dogsFile}, {garden, dogsFile}} {
		if _, err := cc.AddDocumentToCollection(ctx(t), &collectionsv1.AddDocumentToCollectionRequest{CollectionId: add.col, FileId: add.file}); err != nil {
			t.Fatal(err)
		}
	}
	return srv, pets, garden, catsFile, dogsFile
}

func search(t *testing.T, srv *xaitest.Server, req *xaiv1.SearchRequest) (*xaiv1.SearchResponse, error) {
	t.Helper()
	return xaiv1.NewDocumentsClient(srv.Conn()).Search(ctx(t), req)
}

func source(ids ...string) *xaiv1.DocumentsSource { return &xaiv1.DocumentsSource{CollectionIds: ids} }

func TestSearchKeywordScoring(t *testing.T) {
	srv, pets, garden, catsFile, dogsFile := searchFixture(t)

	resp, err := search(t, srv, &xaiv1.SearchRequest{Query: "Dogs bark", Source: source(pets)})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetMatches()) != 1 || resp.GetMatches()[0].GetFileId() != dogsFile || resp.GetMatches()[0].GetScore() != 1 {
		t.Fatalf("dogs bark: %v", resp)
	}

	// "cats" is in both documents; "purrs" only in one: that one ranks first.
	resp, err = search(t, srv, &xaiv1.SearchRequest{Query: "cats purrs", Source: source(pets),
		RetrievalMode: &xaiv1.SearchRequest_HybridRetrieval{HybridRetrieval: &xaiv1.HybridRetrieval{}}})
	if err != nil {
		t.Fatal(err)
	}
	m := resp.GetMatches()
	if len(m) != 2 || m[0].GetFileId() != catsFile || m[0].GetScore() != 1 || m[1].GetFileId() != dogsFile || m[1].GetScore() != 0.5 {
		t.Fatalf("cats purrs: %v", resp)
	}
	if !strings.Contains(m[0].GetChunkContent(), "purrs") || m[0].GetChunkId() == "" || !slices.Equal(m[0].GetCollectionIds(), []string{pets}) {
		t.Fatalf("match fields: %v", m[0])
	}

	// The same document in two searched collections is one match naming both.
	resp, err = search(t, srv, &xaiv1.SearchRequest{Query: "mailman", Source: source(pets, garden)})
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values([]string{pets, garden}))
	if len(resp.GetMatches()) != 1 || !slices.Equal(resp.GetMatches()[0].GetCollectionIds(), want) {
		t.Fatalf("mailman: %v", resp)
	}

	// Limit, and no match at all.
	resp, err = search(t, srv, &xaiv1.SearchRequest{Query: "cats", Source: source(pets), Limit: proto.Int32(1)})
	if err != nil || len(resp.GetMatches()) != 1 {
		t.Fatalf("limit 1: %v, %v", resp, err)
	}
	resp, err = search(t, srv, &xaiv1.SearchRequest{Query: "giraffe", Source: source(pets)})
	if err != nil || len(resp.GetMatches()) != 0 {
		t.Fatalf("giraffe: %v, %v", resp, err)
	}
	// Deterministic: the same search gives the same answer.
	a, _ := search(t, srv, &xaiv1.SearchRequest{Query: "cats dogs day", Source: source(pets, garden)})
	b, _ := search(t, srv, &xaiv1.SearchRequest{Query: "cats dogs day", Source: source(garden, pets)})
	if !proto.Equal(a, b) {
		t.Fatalf("not deterministic:\n%v\n%v", a, b)
	}
}

func TestSearchChunksAndInjection(t *testing.T) {
	srv, cc := startClient(t, collectionsv1.NewCollectionsClient)
	col := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{
		CollectionName: "c",
		ChunkConfiguration: &ragv1.ChunkConfiguration{
			Config:          &ragv1.ChunkConfiguration_TokensConfiguration{TokensConfiguration: &ragv1.TokensConfiguration{MaxChunkSizeTokens: 4}},
			StripWhitespace: true, InjectNameIntoChunks: true,
		},
		FieldDefinitions: []*collectionsv1.FieldDefinition{{Key: "team", InjectIntoChunk: true}},
	}).GetCollectionId()
	f := uploadText(t, srv, "notes.txt", "one   two three four five six seven eight")
	if _, err := cc.AddDocumentToCollection(ctx(t), &collectionsv1.AddDocumentToCollectionRequest{CollectionId: col, FileId: f, Fields: map[string]string{"team": "zebra"}}); err != nil {
		t.Fatal(err)
	}
	resp, err := search(t, srv, &xaiv1.SearchRequest{Query: "seven", Source: source(col)})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetMatches()) != 1 || resp.GetMatches()[0].GetChunkContent() != "notes.txt\nteam: zebra\nfour five six seven" {
		t.Fatalf("seven: %q", resp.GetMatches())
	}
	// The injected name and field make every chunk match.
	resp, _ = search(t, srv, &xaiv1.SearchRequest{Query: "zebra notes", Source: source(col)})
	if len(resp.GetMatches()) != 3 { // "one", "  ", " two", " three" / " four"... / " eight"
		t.Fatalf("zebra: %v", resp)
	}

	// Content that is not UTF-8 text fails to index and is never found.
	bin := uploadText(t, srv, "blob.bin", "seven \xff\xfe")
	if _, err := cc.AddDocumentToCollection(ctx(t), &collectionsv1.AddDocumentToCollectionRequest{CollectionId: col, FileId: bin, Fields: map[string]string{"team": "x"}}); err != nil {
		t.Fatal(err)
	}
	doc, _ := cc.GetDocumentMetadata(ctx(t), &collectionsv1.GetDocumentMetadataRequest{CollectionId: col, FileId: bin})
	if doc.GetStatus() != collectionsv1.DocumentStatus_DOCUMENT_STATUS_FAILED || !strings.Contains(doc.GetErrorMessage(), "UTF-8") {
		t.Fatalf("binary document: %v", doc)
	}
	resp, _ = search(t, srv, &xaiv1.SearchRequest{Query: "seven", Source: source(col)})
	if len(resp.GetMatches()) != 1 {
		t.Fatalf("a failed document was searched: %v", resp)
	}
}

func TestSearchBytesChunking(t *testing.T) {
	srv, cc := startClient(t, collectionsv1.NewCollectionsClient)
	col := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "c", ChunkConfiguration: &ragv1.ChunkConfiguration{
		Config: &ragv1.ChunkConfiguration_BytesConfiguration{BytesConfiguration: &ragv1.BytesConfiguration{MaxChunkSizeBytes: 5, ChunkOverlapBytes: 1}}}}).GetCollectionId()
	f := uploadText(t, srv, "u.txt", "ééééé abc") // 10 bytes of é, a space, abc
	if _, err := cc.AddDocumentToCollection(ctx(t), &collectionsv1.AddDocumentToCollectionRequest{CollectionId: col, FileId: f}); err != nil {
		t.Fatal(err)
	}
	resp, err := search(t, srv, &xaiv1.SearchRequest{Query: "abc", Source: source(col)})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range resp.GetMatches() {
		if !strings.HasSuffix(m.GetChunkContent(), "abc") {
			t.Errorf("chunk %q", m.GetChunkContent())
		}
	}
	doc, _ := cc.GetDocumentMetadata(ctx(t), &collectionsv1.GetDocumentMetadataRequest{CollectionId: col, FileId: f})
	if doc.GetChunkCount() < 3 {
		t.Fatalf("chunks: %d", doc.GetChunkCount())
	}
}

func TestSearchInvalid(t *testing.T) {
	srv, pets, _, _, _ := searchFixture(t)
	hybrid := func(h *xaiv1.HybridRetrieval) *xaiv1.SearchRequest_HybridRetrieval {
		return &xaiv1.SearchRequest_HybridRetrieval{HybridRetrieval: h}
	}
	rrf := func(r *xaiv1.ReciprocalRankFusion) *xaiv1.HybridRetrieval {
		return &xaiv1.HybridRetrieval{Reranker: &xaiv1.HybridRetrieval_ReciprocalRankFusion{ReciprocalRankFusion: r}}
	}
	for name, tc := range map[string]struct {
		req  *xaiv1.SearchRequest
		code codes.Code
		frag string
	}{
		"empty query":    {&xaiv1.SearchRequest{Query: " ", Source: source(pets)}, codes.InvalidArgument, "query"},
		"no source":      {&xaiv1.SearchRequest{Query: "q"}, codes.InvalidArgument, "collection_ids"},
		"empty id":       {&xaiv1.SearchRequest{Query: "q", Source: source(pets, "")}, codes.InvalidArgument, "collection_ids[1]"},
		"zero limit":     {&xaiv1.SearchRequest{Query: "q", Source: source(pets), Limit: proto.Int32(0)}, codes.InvalidArgument, "limit"},
		"bad multiplier": {&xaiv1.SearchRequest{Query: "q", Source: source(pets), RetrievalMode: hybrid(&xaiv1.HybridRetrieval{SearchMultiplier: proto.Int32(0)})}, codes.InvalidArgument, "search_multiplier"},
		"negative k":     {&xaiv1.SearchRequest{Query: "q", Source: source(pets), RetrievalMode: hybrid(rrf(&xaiv1.ReciprocalRankFusion{K: proto.Int32(-1)}))}, codes.InvalidArgument, "k must"},
		"NaN weight":     {&xaiv1.SearchRequest{Query: "q", Source: source(pets), RetrievalMode: hybrid(rrf(&xaiv1.ReciprocalRankFusion{TextWeight: float32(math.NaN())}))}, codes.InvalidArgument, "text_weight"},
		"unknown":        {&xaiv1.SearchRequest{Query: "q", Source: source(pets, "collection_nope")}, codes.NotFound, "collection_nope"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := search(t, srv, tc.req)
			wantCode(t, err, tc.code, tc.frag)
		})
	}
	srv.InjectFault(xaiv1.Documents_Search_FullMethodName, xaitest.Fault{Code: codes.Unavailable})
	_, err := search(t, srv, &xaiv1.SearchRequest{Query: "q", Source: source(pets)})
	wantCode(t, err, codes.Unavailable)
}
