package xaitest

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	sharedv1 "github.com/gogrok/sdk/gen/xai/api/v1/shared"
)

// Listings. Every listing of the fake pages the same way: a page holds at
// most limit items (defaultPageSize when the request sets none,
// maxPageSize at the most), and the token of the next page names the last
// item returned, so that items added or deleted between pages neither
// shift nor repeat entries.
const (
	defaultPageSize = 100
	maxPageSize     = 1000
)

// pageLimit applies the default and cap of page sizes to a limit field
// where 0 means unset.
func pageLimit(limit int32) (int, error) {
	switch {
	case limit < 0:
		return 0, invalid("limit must not be negative, got %d", limit)
	case limit == 0:
		return defaultPageSize, nil
	}
	return min(int(limit), maxPageSize), nil
}

// pageToken is the one format of the fake's pagination tokens, for every
// listing (files, collections, documents, batches, batch requests and
// results): where the listing stopped, as the sort key of the last item
// returned, and which listing, sort and order issued it, so that a token
// is refused by any other. It travels as base64url JSON: opaque to
// clients, readable when debugging.
type pageToken struct {
	Listing string `json:"l"`           // the listing that issued it, with its scope (a collection or batch ID)
	Sort    int32  `json:"s,omitempty"` // the sort_by it was issued for
	Desc    bool   `json:"d,omitempty"` // whether the order was descending
	Name    string `json:"n,omitempty"` // the last item's name, when sorted by name
	Num     int64  `json:"z,omitempty"` // the last item's size or position, when sorted by it
	Seq     int64  `json:"q"`           // the last item's creation order, breaking ties
}

func (t pageToken) encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePageToken reads a token of listing issued for sort and desc, or
// answers INVALID_ARGUMENT: for text that is no token of this server, and
// for a token of another listing, sort or order.
func decodePageToken(s, listing string, sort int32, desc bool) (pageToken, error) {
	var t pageToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || t.Listing == "" {
		return t, invalid("pagination_token is not a token this server issued")
	}
	if t.Listing != listing || t.Sort != sort || t.Desc != desc {
		return t, invalid("pagination_token was issued for a different listing, sort_by or order")
	}
	return t, nil
}

// sortKey is what listings order items by: a text, a number, and the order
// of creation to break ties.
type sortKey struct {
	name string
	num  int64
	seq  int64
}

// byName, byNum and bySeq choose which part of a sortKey comes first.
const (
	byName = iota
	byNum
	bySeq
)

func compareKeys(by int, a, b sortKey) int {
	var c int
	switch by {
	case byName:
		c = strings.Compare(a.name, b.name)
	case byNum:
		c = cmp.Compare(a.num, b.num)
	}
	return cmp.Or(c, cmp.Compare(a.seq, b.seq))
}

// sortOrder reads a request's sort_by: the value the page tokens carry (-1
// when unset) and which part of a sortKey it orders by (bySeq when
// unset). orders holds every valid value.
func sortOrder[E ~int32](sortBy *E, orders map[E]int) (int32, int, error) {
	if sortBy == nil {
		return -1, bySeq, nil
	}
	by, ok := orders[*sortBy]
	if !ok {
		return 0, 0, invalid("sort_by %d is not a valid sort attribute", *sortBy)
	}
	return int32(*sortBy), by, nil
}

// pageRequest is a validated request for one page of a listing.
type pageRequest struct {
	listing string // names the listing, with its scope, in page tokens
	sort    int32  // the request's sort_by, or -1 when unset
	by      int    // byName, byNum or bySeq
	desc    bool
	limit   int
	after   *sortKey // where the page starts; nil: at the beginning
}

// resume starts the page after the item a token names, when token is not
// empty; a token of another listing, sort or order is refused.
func (p *pageRequest) resume(token string) error {
	if token == "" {
		return nil
	}
	t, err := decodePageToken(token, p.listing, p.sort, p.desc)
	if err != nil {
		return err
	}
	p.after = &sortKey{name: t.Name, num: t.Num, seq: t.Seq}
	return nil
}

// paginate sorts items by their keys and returns the page p asks for, and
// the token of the next page (nil at the end).
func paginate[T any](p pageRequest, items []T, key func(T) sortKey) ([]T, *string) {
	sign := 1
	if p.desc {
		sign = -1
	}
	keys := make([]sortKey, len(items))
	idx := make([]int, len(items))
	for i, it := range items {
		keys[i], idx[i] = key(it), i
	}
	slices.SortFunc(idx, func(a, b int) int { return sign * compareKeys(p.by, keys[a], keys[b]) })
	start := 0
	if p.after != nil {
		start = len(idx)
		for i, k := range idx {
			if sign*compareKeys(p.by, keys[k], *p.after) > 0 {
				start = i
				break
			}
		}
	}
	end := min(start+p.limit, len(idx))
	page := make([]T, 0, end-start)
	for _, i := range idx[start:end] {
		page = append(page, items[i])
	}
	if end == len(idx) {
		return page, nil
	}
	last := keys[idx[end-1]]
	next := pageToken{Listing: p.listing, Sort: p.sort, Desc: p.desc, Name: last.name, Num: last.num, Seq: last.seq}.encode()
	return page, &next
}

// parsePage validates the paging fields of a Collections listing, whose
// limit is unset when nil and whose order is the shared Ordering; orders
// holds the valid values of its sort_by (see sortOrder).
func parsePage[E ~int32](listing string, limit *int32, order *sharedv1.Ordering, sortBy *E, orders map[E]int, token *string) (pageRequest, error) {
	sort, by, err := sortOrder(sortBy, orders)
	if err != nil {
		return pageRequest{}, err
	}
	p := pageRequest{listing: listing, sort: sort, by: by, limit: defaultPageSize}
	if limit != nil {
		if *limit < 1 {
			return p, invalid("limit must be positive when set, got %d", *limit)
		}
		p.limit = min(int(*limit), maxPageSize)
	}
	switch o := order; {
	case o == nil, *o == sharedv1.Ordering_ORDERING_UNKNOWN, *o == sharedv1.Ordering_ORDERING_ASCENDING:
	case *o == sharedv1.Ordering_ORDERING_DESCENDING:
		p.desc = true
	default:
		return p, invalid("order %d is not a valid order", *o)
	}
	if token != nil {
		if err := p.resume(*token); err != nil {
			return p, err
		}
	}
	return p, nil
}
