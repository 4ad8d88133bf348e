package xai

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// searchSetup makes a collection with two documents.
func searchSetup(t *testing.T, useBufconn bool) (srv *xaitest.Server, c *Client, colID, cats, dogs string) {
	t.Helper()
	srv, c = newRAGFake(t, useBufconn)
	ctx := context.Background()
	col, err := c.Collections.Create(ctx, "pets")
	if err != nil {
		t.Fatal(err)
	}
	cats = upload(t, c, "cats.txt", "Cats sleep all day. A cat purrs when happy.")
	dogs = upload(t, c, "dogs.txt", "Dogs bark at the mailman. Dogs and cats rarely agree.")
	for _, f := range []string{cats, dogs} {
		if err := c.Collections.AddDocument(ctx, col.ID, f); err != nil {
			t.Fatal(err)
		}
	}
	srv.ResetRequests()
	return srv, c, col.ID, cats, dogs
}

func TestDocumentsSearch(t *testing.T) {
	t.Parallel()
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c, colID, cats, dogs := searchSetup(t, useBufconn)
		ctx := context.Background()
		res, err := c.Documents.Search(ctx, "cats purrs", []string{colID})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Matches) != 2 || res.Matches[0].FileID != cats || res.Matches[0].Score != 1 ||
			res.Matches[1].FileID != dogs || res.Matches[1].Score != 0.5 {
			t.Fatalf("matches: %+v", res.Matches)
		}
		m := res.Matches[0]
		if !strings.Contains(m.Content, "purrs") || m.ChunkID == "" || !slices.Equal(m.CollectionIDs, []string{colID}) || res.Proto() == nil {
			t.Fatalf("match: %+v", m)
		}
		// The request as sent: API key, not the management key.
		req := srv.Requests()[0]
		if got := req.Metadata.Get("authorization"); len(got) != 1 || got[0] != "Bearer "+testKey {
			t.Fatal("Search did not send the API key")
		}
		sent := req.Message.(*xaiv1.SearchRequest)
		if sent.GetQuery() != "cats purrs" || !slices.Equal(sent.GetSource().GetCollectionIds(), []string{colID}) ||
			sent.Limit != nil || sent.GetRetrievalMode() != nil || sent.Instructions != nil {
			t.Fatalf("request: %v", sent)
		}
		res, err = c.Documents.Search(ctx, "cats", []string{colID}, WithLimit(1), WithSearchInstructions("prefer short passages"),
			WithRetrieval(KeywordRetrieval()), CallOptions{WithCallMetadata("x-search", "1")})
		if err != nil || len(res.Matches) != 1 {
			t.Fatalf("limit 1: %+v, %v", res, err)
		}
		last := srv.Requests()[1]
		if s := last.Message.(*xaiv1.SearchRequest); s.GetLimit() != 1 || s.GetInstructions() != "prefer short passages" || s.GetKeywordRetrieval() == nil ||
			len(last.Metadata.Get("x-search")) != 1 {
			t.Fatalf("request: %v, metadata %v", s, last.Metadata)
		}
		res, err = c.Documents.Search(ctx, "giraffe", []string{colID})
		if err != nil || len(res.Matches) != 0 {
			t.Fatalf("no match: %+v, %v", res, err)
		}
	})
}

func TestRetrievalModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    Retrieval
		want *xaiv1.SearchRequest
	}{
		{"keyword", KeywordRetrieval(), &xaiv1.SearchRequest{RetrievalMode: &xaiv1.SearchRequest_KeywordRetrieval{KeywordRetrieval: &xaiv1.KeywordRetrieval{}}}},
		{"keyword reranked", KeywordRetrieval().WithReranker(Reranker{Model: "rr-1"}), &xaiv1.SearchRequest{RetrievalMode: &xaiv1.SearchRequest_KeywordRetrieval{
			KeywordRetrieval: &xaiv1.KeywordRetrieval{Reranker: &xaiv1.RerankerModel{Model: proto.String("rr-1")}}}}},
		{"semantic", SemanticRetrieval().WithReranker(Reranker{Instructions: "recent first"}), &xaiv1.SearchRequest{RetrievalMode: &xaiv1.SearchRequest_SemanticRetrieval{
			SemanticRetrieval: &xaiv1.SemanticRetrieval{Reranker: &xaiv1.RerankerModel{Instructions: proto.String("recent first")}}}}},
		{"hybrid", HybridRetrieval(), &xaiv1.SearchRequest{RetrievalMode: &xaiv1.SearchRequest_HybridRetrieval{HybridRetrieval: &xaiv1.HybridRetrieval{}}}},
		{"hybrid rrf", HybridRetrieval().WithSearchMultiplier(3).WithRRF(RRF{K: 60, EmbeddingWeight: 0.7, TextWeight: 0.3}),
			&xaiv1.SearchRequest{RetrievalMode: &xaiv1.SearchRequest_HybridRetrieval{HybridRetrieval: &xaiv1.HybridRetrieval{
				SearchMultiplier: proto.Int32(3),
				Reranker: &xaiv1.HybridRetrieval_ReciprocalRankFusion{ReciprocalRankFusion: &xaiv1.ReciprocalRankFusion{
					K: proto.Int32(60), EmbeddingWeight: 0.7, TextWeight: 0.3}}}}}},
		{"hybrid reranker", HybridRetrieval().WithReranker(Reranker{Model: "rr"}), &xaiv1.SearchRequest{RetrievalMode: &xaiv1.SearchRequest_HybridRetrieval{
			HybridRetrieval: &xaiv1.HybridRetrieval{Reranker: &xaiv1.HybridRetrieval_RerankerModel{RerankerModel: &xaiv1.RerankerModel{Model: proto.String("rr")}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &xaiv1.SearchRequest{}
			if err := tt.r.apply(req); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(req, tt.want) {
				t.Fatalf("got %v\nwant %v", req, tt.want)
			}
		})
	}
	// Every mode is accepted by the fake.
	_, c, colID, _, _ := searchSetup(t, false)
	for _, tt := range tests {
		if _, err := c.Documents.Search(context.Background(), "cats", []string{colID}, WithRetrieval(tt.r)); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestDocumentsSearchValidationSendsNothing(t *testing.T) {
	t.Parallel()
	srv, c, colID, _, _ := searchSetup(t, false)
	ctx := context.Background()
	ids := []string{colID}
	tests := []struct {
		name  string
		query string
		ids   []string
		opts  []SearchOption
		want  []string
	}{
		{"empty query", " ", ids, nil, []string{"query is empty"}},
		{"no collections", "q", nil, nil, []string{"no collection"}},
		{"empty collection", "q", []string{colID, ""}, nil, []string{"collection ID 1 is empty"}},
		{"zero limit", "q", ids, []SearchOption{WithLimit(0)}, []string{"WithLimit(0)"}},
		{"huge limit", "q", ids, []SearchOption{WithLimit(math.MaxInt32 + 1)}, []string{"WithLimit"}},
		{"empty instructions", "q", ids, []SearchOption{WithSearchInstructions("")}, []string{"WithSearchInstructions"}},
		{"zero retrieval", "q", ids, []SearchOption{WithRetrieval(Retrieval{})}, []string{"retrieval is empty"}},
		{"multiplier on keyword", "q", ids, []SearchOption{WithRetrieval(KeywordRetrieval().WithSearchMultiplier(2))}, []string{"HybridRetrieval only"}},
		{"rrf on semantic", "q", ids, []SearchOption{WithRetrieval(SemanticRetrieval().WithRRF(RRF{}))}, []string{"HybridRetrieval only"}},
		{"rrf and reranker", "q", ids, []SearchOption{WithRetrieval(HybridRetrieval().WithRRF(RRF{}).WithReranker(Reranker{}))}, []string{"not both"}},
		{"zero multiplier", "q", ids, []SearchOption{WithRetrieval(HybridRetrieval().WithSearchMultiplier(0))}, []string{"at least 1"}},
		{"negative k", "q", ids, []SearchOption{WithRetrieval(HybridRetrieval().WithRRF(RRF{K: -1}))}, []string{"K (-1)"}},
		{"NaN weight", "q", ids, []SearchOption{WithRetrieval(HybridRetrieval().WithRRF(RRF{TextWeight: float32(math.NaN())}))}, []string{"TextWeight"}},
		{"negative weight", "q", ids, []SearchOption{WithRetrieval(HybridRetrieval().WithRRF(RRF{EmbeddingWeight: -1}))}, []string{"EmbeddingWeight"}},
		{"nil option", "q", ids, []SearchOption{nil}, []string{"option 0 is nil"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Documents.Search(ctx, tt.query, tt.ids, tt.opts...)
			checkErr(t, err, codes.InvalidArgument, tt.want...)
		})
	}
	if got := methods(srv); len(got) != 0 {
		t.Fatalf("the server received %v", got)
	}
	var zero *DocumentsService
	_, err := zero.Search(ctx, "q", ids)
	checkErr(t, err, codes.InvalidArgument, "client.Documents")
}

func TestDocumentsSearchServerErrors(t *testing.T) {
	t.Parallel()
	srv, c, colID, _, _ := searchSetup(t, false)
	ctx := context.Background()
	_, err := c.Documents.Search(ctx, "q", []string{colID, "collection_gone"})
	checkErr(t, err, codes.NotFound, "collection_gone")
	for _, code := range []codes.Code{codes.PermissionDenied, codes.ResourceExhausted, codes.Internal} {
		srv.InjectFault(xaiv1.Documents_Search_FullMethodName, xaitest.Fault{Code: code, Message: "fault " + code.String()})
		_, err := c.Documents.Search(ctx, "q", []string{colID})
		checkErr(t, err, code, "fault "+code.String())
	}
	srv.InjectFault(xaiv1.Documents_Search_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Times: 2})
	if _, err := c.Documents.Search(ctx, "cats", []string{colID}); err != nil {
		t.Fatalf("not retried: %v", err)
	}
}
