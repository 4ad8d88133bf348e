package xai

import (
	"context"
	"math"
	"strings"

	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// DocumentsService searches the documents of collections for the passages
// that best match a query, to ground a model's answer in your own documents
// (retrieval-augmented generation). Manage the collections with
// [Client.Collections]. Use it as [Client.Documents].
type DocumentsService struct {
	stub xaiv1.DocumentsClient
}

// ready reports whether the service can make calls.
func (s *DocumentsService) ready() error { return checkMade(s != nil && s.stub != nil, "Documents") }

// SearchOption configures [DocumentsService.Search].
type SearchOption interface {
	applySearch(*searchConfig) error
}

type searchConfig struct {
	req  *xaiv1.SearchRequest
	call []CallOption
}

type searchOptionFunc func(*searchConfig) error

func (f searchOptionFunc) applySearch(c *searchConfig) error { return f(c) }

func (o CallOptions) applySearch(c *searchConfig) error {
	c.call = append(c.call, o...)
	return nil
}

func (n limitOption) applySearch(c *searchConfig) error {
	if err := n.check(); err != nil {
		return err
	}
	c.req.Limit = proto.Int32(int32(n))
	return nil
}

// WithSearchInstructions tells the search, in free text, what the caller
// is looking for, to shape retrieval and ranking.
func WithSearchInstructions(text string) SearchOption {
	return searchOptionFunc(func(c *searchConfig) error {
		if strings.TrimSpace(text) == "" {
			return invalidArgument("WithSearchInstructions: the instructions are empty; drop the option instead")
		}
		c.req.Instructions = &text
		return nil
	})
}

// Retrieval is a retrieval strategy for Search: build one with
// [HybridRetrieval], [SemanticRetrieval] or [KeywordRetrieval], refine it with
// its With methods, and pass it to [WithRetrieval]. The zero Retrieval is not
// valid.
type Retrieval struct {
	mode       retrievalMode
	reranker   *Reranker
	multiplier *int
	rrf        *RRF
}

type retrievalMode int

const (
	hybridMode retrievalMode = iota + 1
	semanticMode
	keywordMode
)

// Reranker is a model that scores candidate chunks again against the query.
// Empty fields take the server's defaults.
type Reranker struct {
	// Model is the name of the reranking model.
	Model string
	// Instructions tell the reranker what makes a chunk relevant.
	Instructions string
}

// RRF merges the semantic and keyword rankings of a hybrid search by
// reciprocal rank fusion: each candidate scores the sum over the rankings
// of weight / (K + rank).
type RRF struct {
	// K is the smoothing constant added to ranks; 0 takes the server's
	// default. Larger values flatten the difference between ranks.
	K int
	// EmbeddingWeight weighs the semantic ranking; at least 0.
	EmbeddingWeight float32
	// TextWeight weighs the keyword ranking; at least 0.
	TextWeight float32
}

// HybridRetrieval runs semantic and keyword search and merges their
// candidates, with a reranker (WithReranker) or reciprocal rank fusion
// (WithRRF), or the server's default merge.
func HybridRetrieval() Retrieval { return Retrieval{mode: hybridMode} }

// SemanticRetrieval finds chunks by embedding similarity, which matches
// related meaning without shared words.
func SemanticRetrieval() Retrieval { return Retrieval{mode: semanticMode} }

// KeywordRetrieval finds chunks by the words of the query.
func KeywordRetrieval() Retrieval { return Retrieval{mode: keywordMode} }

// WithReranker returns r with a reranking model applied to its candidates.
// A hybrid retrieval takes either a reranker or [RRF], not both.
func (r Retrieval) WithReranker(m Reranker) Retrieval {
	r.reranker = &m
	return r
}

// WithSearchMultiplier returns r fetching n times the limit of candidates
// from each search before merging; hybrid retrieval only, n at least 1.
func (r Retrieval) WithSearchMultiplier(n int) Retrieval {
	r.multiplier = &n
	return r
}

// WithRRF returns r merging its two rankings by reciprocal rank fusion;
// hybrid retrieval only.
func (r Retrieval) WithRRF(f RRF) Retrieval {
	r.rrf = &f
	return r
}

func rerankerProto(m *Reranker) *xaiv1.RerankerModel {
	pb := &xaiv1.RerankerModel{}
	if m.Model != "" {
		pb.Model = &m.Model
	}
	if m.Instructions != "" {
		pb.Instructions = &m.Instructions
	}
	return pb
}

// apply sets the retrieval mode of req, or says why r is invalid.
func (r Retrieval) apply(req *xaiv1.SearchRequest) error {
	const where = "WithRetrieval"
	if r.mode != hybridMode {
		switch {
		case r.multiplier != nil:
			return invalidArgument("%s: WithSearchMultiplier applies to HybridRetrieval only", where)
		case r.rrf != nil:
			return invalidArgument("%s: WithRRF applies to HybridRetrieval only", where)
		}
	}
	switch r.mode {
	case keywordMode:
		kr := &xaiv1.KeywordRetrieval{}
		if r.reranker != nil {
			kr.Reranker = rerankerProto(r.reranker)
		}
		req.RetrievalMode = &xaiv1.SearchRequest_KeywordRetrieval{KeywordRetrieval: kr}
	case semanticMode:
		sr := &xaiv1.SemanticRetrieval{}
		if r.reranker != nil {
			sr.Reranker = rerankerProto(r.reranker)
		}
		req.RetrievalMode = &xaiv1.SearchRequest_SemanticRetrieval{SemanticRetrieval: sr}
	case hybridMode:
		hr := &xaiv1.HybridRetrieval{}
		if r.multiplier != nil {
			if *r.multiplier < 1 || *r.multiplier > math.MaxInt32 {
				return invalidArgument("%s: WithSearchMultiplier(%d): the multiplier must be at least 1", where, *r.multiplier)
			}
			hr.SearchMultiplier = proto.Int32(int32(*r.multiplier))
		}
		switch {
		case r.reranker != nil && r.rrf != nil:
			return invalidArgument("%s: a hybrid retrieval merges with a reranker or with RRF, not both", where)
		case r.reranker != nil:
			hr.Reranker = &xaiv1.HybridRetrieval_RerankerModel{RerankerModel: rerankerProto(r.reranker)}
		case r.rrf != nil:
			f := r.rrf
			if f.K < 0 || f.K > math.MaxInt32 {
				return invalidArgument("%s: WithRRF: K (%d) must not be negative", where, f.K)
			}
			for _, w := range []struct {
				name string
				v    float32
			}{{"EmbeddingWeight", f.EmbeddingWeight}, {"TextWeight", f.TextWeight}} {
				if !(w.v >= 0) || math.IsInf(float64(w.v), 0) {
					return invalidArgument("%s: WithRRF: %s (%v) must be a finite number of at least 0", where, w.name, w.v)
				}
			}
			pb := &xaiv1.ReciprocalRankFusion{EmbeddingWeight: f.EmbeddingWeight, TextWeight: f.TextWeight}
			if f.K > 0 {
				pb.K = proto.Int32(int32(f.K))
			}
			hr.Reranker = &xaiv1.HybridRetrieval_ReciprocalRankFusion{ReciprocalRankFusion: pb}
		}
		req.RetrievalMode = &xaiv1.SearchRequest_HybridRetrieval{HybridRetrieval: hr}
	default:
		return invalidArgument("%s: the retrieval is empty; build one with xai.HybridRetrieval, xai.SemanticRetrieval or xai.KeywordRetrieval", where)
	}
	return nil
}

// WithRetrieval chooses the retrieval strategy; without it the server
// picks its default.
func WithRetrieval(r Retrieval) SearchOption {
	return searchOptionFunc(func(c *searchConfig) error { return r.apply(c.req) })
}

// SearchResults is the answer of Search.
type SearchResults struct {
	// Matches are the matching chunks, most relevant first.
	Matches []SearchMatch

	pb *xaiv1.SearchResponse
}

// Proto returns the raw protobuf response.
func (r *SearchResults) Proto() *xaiv1.SearchResponse { return r.pb }

// SearchMatch is a chunk of a document that matched the query.
type SearchMatch struct {
	// FileID is the ID of the document's file.
	FileID string
	// ChunkID identifies the chunk within the document.
	ChunkID string
	// Content is the text of the chunk.
	Content string
	// Score is the relevance of the match. Its scale depends on the
	// retrieval mode: compare scores within one response only.
	Score float32
	// CollectionIDs are the searched collections that hold the document.
	CollectionIDs []string
}

// Search returns the chunks of the documents in the given collections that
// best match query, most relevant first. Options: [WithLimit] (the number of
// matches; the server's default otherwise), [WithRetrieval],
// [WithSearchInstructions] and [CallOptions].
func (s *DocumentsService) Search(ctx context.Context, query string, collectionIDs []string, opts ...SearchOption) (*SearchResults, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(query) == "" {
		return nil, invalidArgument("Documents.Search: the query is empty")
	}
	if len(collectionIDs) == 0 {
		return nil, invalidArgument("Documents.Search: no collection to search; pass the IDs of one or more collections")
	}
	for i, id := range collectionIDs {
		if strings.TrimSpace(id) == "" {
			return nil, invalidArgument("Documents.Search: collection ID %d is empty", i)
		}
	}
	c := searchConfig{req: &xaiv1.SearchRequest{
		Query:  query,
		Source: &xaiv1.DocumentsSource{CollectionIds: append([]string(nil), collectionIDs...)},
	}}
	if err := applyAll("Documents.Search", &c, opts, SearchOption.applySearch); err != nil {
		return nil, err
	}
	pb, err := s.stub.Search(ctx, c.req, grpcCallOptions(c.call)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	res := &SearchResults{pb: pb, Matches: make([]SearchMatch, len(pb.GetMatches()))}
	for i, m := range pb.GetMatches() {
		res.Matches[i] = SearchMatch{
			FileID: m.GetFileId(), ChunkID: m.GetChunkId(), Content: m.GetChunkContent(),
			Score: m.GetScore(), CollectionIDs: m.GetCollectionIds(),
		}
	}
	return res, nil
}
