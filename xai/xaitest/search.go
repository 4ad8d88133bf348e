package xaitest

import (
	"cmp"
	"context"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
)

// defaultSearchLimit is the number of matches Search returns when the
// request sets no limit.
const defaultSearchLimit = 10

// documentsService implements the Documents service: search over the
// chunks of the documents in collections.
type documentsService struct {
	xaiv1.UnimplementedDocumentsServer
	r *ragStore
}

// match is a chunk that matched a query.
type match struct {
	fileID, chunkID, text string
	score                 float64
	hits                  int // occurrences of query words, to break ties
	collections           []string
}

// Search scores every chunk of every processed document in the requested
// collections by keyword overlap with the query, whatever the retrieval
// mode: the score is the share of the query's distinct words that occur in
// the chunk or in the values of the document's undeclared fields (0 to 1). Chunks sharing no word are left out; ties are broken
// by the number of occurrences, then file and chunk ID.
func (ds *documentsService) Search(ctx context.Context, req *xaiv1.SearchRequest) (*xaiv1.SearchResponse, error) {
	if err := checkSearch(req); err != nil {
		return nil, err
	}
	limit := defaultSearchLimit
	if req.Limit != nil {
		limit = int(req.GetLimit())
	}
	matches, err := ds.r.search(teamOf(ctx), req.GetQuery(), req.GetSource().GetCollectionIds(), limit)
	if err != nil {
		return nil, err
	}
	return &xaiv1.SearchResponse{Matches: matches}, nil
}

// search returns the best limit matches of query in the collections of
// team t, as Search describes; the agent loop's collections_search uses it
// too.
func (r *ragStore) search(t team, query string, ids []string, limit int) ([]*xaiv1.SearchMatch, error) {
	terms := slices.Compact(slices.Sorted(slices.Values(wordsOf(query))))
	r.mu.Lock()
	defer r.mu.Unlock()
	var cols []*collection
	for _, id := range ids {
		c, err := r.lookupLocked(t, id)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	if len(terms) == 0 {
		return nil, nil
	}
	byChunk := make(map[string]*match)
	var matches []*match
	for _, c := range cols {
		for _, d := range c.docs {
			if d.status != collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSED {
				continue
			}
			extra := c.undeclaredText(d)
			for _, ch := range d.chunks {
				key := d.fileID + "\x00" + ch.id
				if m, ok := byChunk[key]; ok {
					if !slices.Contains(m.collections, c.id) {
						m.collections = append(m.collections, c.id)
					}
					continue
				}
				score, hits := scoreChunk(terms, ch.text+"\n"+extra)
				if hits == 0 {
					continue
				}
				m := &match{fileID: d.fileID, chunkID: ch.id, text: ch.text, score: score, hits: hits, collections: []string{c.id}}
				byChunk[key] = m
				matches = append(matches, m)
			}
		}
	}
	slices.SortFunc(matches, func(a, b *match) int {
		return cmp.Or(-cmp.Compare(a.score, b.score), -cmp.Compare(a.hits, b.hits),
			strings.Compare(a.fileID, b.fileID), strings.Compare(a.chunkID, b.chunkID))
	})
	var out []*xaiv1.SearchMatch
	for _, m := range matches[:min(limit, len(matches))] {
		slices.Sort(m.collections)
		out = append(out, &xaiv1.SearchMatch{
			FileId: m.fileID, ChunkId: m.chunkID, ChunkContent: m.text,
			Score: float32(m.score), CollectionIds: m.collections,
		})
	}
	return out, nil
}

// scoreChunk returns the share of terms (sorted, distinct) found in text
// and the number of their occurrences.
func scoreChunk(terms []string, text string) (float64, int) {
	found, hits := 0, 0
	seen := make([]bool, len(terms))
	for _, w := range wordsOf(text) {
		if i, ok := slices.BinarySearch(terms, w); ok {
			hits++
			if !seen[i] {
				seen[i] = true
				found++
			}
		}
	}
	return float64(found) / float64(len(terms)), hits
}

// checkSearch validates a search request.
func checkSearch(req *xaiv1.SearchRequest) error {
	if strings.TrimSpace(req.GetQuery()) == "" {
		return invalid("query is required")
	}
	ids := req.GetSource().GetCollectionIds()
	if len(ids) == 0 {
		return invalid("source.collection_ids must name at least one collection")
	}
	for i, id := range ids {
		if strings.TrimSpace(id) == "" {
			return invalid("source.collection_ids[%d] is empty", i)
		}
	}
	if req.Limit != nil && req.GetLimit() < 1 {
		return invalid("limit must be positive when set, got %d", req.GetLimit())
	}
	if _, ok := xaiv1.RankingMetric_name[int32(req.GetRankingMetric())]; !ok {
		return invalid("ranking_metric %d is not valid", req.GetRankingMetric())
	}
	switch m := req.GetRetrievalMode().(type) {
	case *xaiv1.SearchRequest_HybridRetrieval:
		h := m.HybridRetrieval
		if h.SearchMultiplier != nil && h.GetSearchMultiplier() < 1 {
			return invalid("hybrid_retrieval.search_multiplier must be positive when set, got %d", h.GetSearchMultiplier())
		}
		if rrf := h.GetReciprocalRankFusion(); rrf != nil {
			if rrf.K != nil && rrf.GetK() < 0 {
				return invalid("hybrid_retrieval.reciprocal_rank_fusion.k must not be negative, got %d", rrf.GetK())
			}
			for i, w := range []float32{rrf.GetEmbeddingWeight(), rrf.GetTextWeight()} {
				if w < 0 || math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
					return invalid("hybrid_retrieval.reciprocal_rank_fusion.%s must be a finite number of at least 0, got %v",
						[]string{"embedding_weight", "text_weight"}[i], w)
				}
			}
		}
	case nil, *xaiv1.SearchRequest_SemanticRetrieval, *xaiv1.SearchRequest_KeywordRetrieval:
	default:
		return status.Errorf(codes.Unimplemented, "xaitest: retrieval mode %T is not emulated by the fake server", m)
	}
	return nil
}

// undeclaredText is the values of the document's fields that the
// collection does not define, which keyword search matches as it matches
// chunk text (declared fields are searched only when injected into chunks).
func (c *collection) undeclaredText(d *document) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(d.fields)) {
		if c.field(k) == nil {
			b.WriteString(d.fields[k] + "\n")
		}
	}
	return b.String()
}

// wordsOf returns the lower-cased words (runs of letters and digits) of s.
func wordsOf(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
