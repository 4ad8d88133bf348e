package xai

import (
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	sharedv1 "github.com/gogrok/sdk/gen/xai/api/v1/shared"
)

// ListOption configures a listing: [FilesService.List],
// [CollectionsService.List] and ListDocuments, [BatchService.List],
// ListRequests and ListResults. Every listing takes [WithPageSize], [WithLimit]
// and [CallOptions] (applied to the call fetching each page); the others
// apply where the listing's doc says, and are refused elsewhere before
// anything is sent.
type ListOption interface {
	applyList(*listConfig) error
}

type listOptionFunc func(*listConfig) error

func (f listOptionFunc) applyList(c *listConfig) error { return f(c) }

func (o CallOptions) applyList(c *listConfig) error {
	c.call = append(c.call, o...)
	return nil
}

type listConfig struct {
	pageSize int32 // 0: the server's default
	limit    int   // 0: no limit
	order    Order
	sort     SortBy
	filter   *string
	name     *string
	states   []xaiv1.BatchRequestMetadata_State
	call     []CallOption
}

// listing is what one list call accepts, beside page size, limit and call
// options.
type listing struct {
	method              string
	sorts               []SortBy // the sort attributes it takes
	order, filter, name bool
	states              bool
}

// WithRequestStates lists only the batch requests in one of states, such
// as xaiv1.BatchRequestMetadata_STATE_FAILED. It applies to
// [BatchService.ListRequests].
func WithRequestStates(states ...xaiv1.BatchRequestMetadata_State) ListOption {
	return listOptionFunc(func(c *listConfig) error {
		if len(states) == 0 {
			return invalidArgument("WithRequestStates: no states given; omit the option to list every request")
		}
		for _, st := range states {
			if _, known := xaiv1.BatchRequestMetadata_State_name[int32(st)]; !known || st == xaiv1.BatchRequestMetadata_STATE_UNKNOWN {
				return invalidArgument("WithRequestStates: %v is not a request state; use STATE_PENDING, STATE_SUCCEEDED, STATE_CANCELLED or STATE_FAILED", st)
			}
		}
		c.states = slices.Clone(states)
		return nil
	})
}

// SortBy is the attribute a listing is sorted by.
type SortBy int

// Sort attributes. Each listing supports some of them.
const (
	// SortByCreated sorts by creation time (files, collections,
	// documents).
	SortByCreated SortBy = iota + 1
	// SortByName sorts by name (files, collections, documents).
	SortByName
	// SortBySize sorts by size in bytes (files, documents).
	SortBySize
)

// String returns the name of the constant.
func (s SortBy) String() string {
	switch s {
	case SortByCreated:
		return "SortByCreated"
	case SortByName:
		return "SortByName"
	case SortBySize:
		return "SortBySize"
	}
	return fmt.Sprintf("SortBy(%d)", int(s))
}

// Order is the direction of a listing.
type Order int

// Orders.
const (
	// OrderAscending lists smallest, oldest or A first.
	OrderAscending Order = iota + 1
	// OrderDescending lists largest, newest or Z first.
	OrderDescending
)

// WithPageSize sets how many items each request asks for (the API's
// limit field); the server's default applies without it. The iterator
// follows the pages whatever their size.
func WithPageSize(n int) ListOption {
	return listOptionFunc(func(c *listConfig) error {
		if n < 1 || n > math.MaxInt32 {
			return invalidArgument("WithPageSize(%d): the page size must be positive", n)
		}
		c.pageSize = int32(n)
		return nil
	})
}

// LimitOption is the option of [WithLimit], for listings and searches.
type LimitOption interface {
	ListOption
	SearchOption
}

type limitOption int

func (n limitOption) check() error {
	if n < 1 || n > math.MaxInt32 {
		return invalidArgument("WithLimit(%d): the limit must be positive", int(n))
	}
	return nil
}

func (n limitOption) applyList(c *listConfig) error {
	if err := n.check(); err != nil {
		return err
	}
	c.limit = int(n)
	return nil
}

// WithLimit caps the number of results: the items a listing yields in
// all, or the matches of a search.
func WithLimit(n int) LimitOption { return limitOption(n) }

// WithOrder sets the direction of a listing: [OrderAscending] (the default)
// or [OrderDescending].
func WithOrder(o Order) ListOption {
	return listOptionFunc(func(c *listConfig) error {
		if o != OrderAscending && o != OrderDescending {
			return invalidArgument("WithOrder(%d): unknown order; use xai.OrderAscending or xai.OrderDescending", int(o))
		}
		c.order = o
		return nil
	})
}

// WithSortBy sets the attribute a listing is sorted by. Files and
// documents accept [SortByCreated], [SortByName] and [SortBySize]; collections
// [SortByCreated] and [SortByName].
func WithSortBy(s SortBy) ListOption {
	return listOptionFunc(func(c *listConfig) error {
		if s < SortByCreated || s > SortBySize {
			return invalidArgument("WithSortBy(%d): unknown attribute; use xai.SortByCreated, xai.SortByName or xai.SortBySize", int(s))
		}
		c.sort = s
		return nil
	})
}

// WithFilter passes a filter expression that narrows down the items
// listed, in the API's filter syntax.
func WithFilter(expr string) ListOption {
	return listOptionFunc(func(c *listConfig) error {
		if strings.TrimSpace(expr) == "" {
			return invalidArgument("WithFilter: the expression is empty; drop the option to list everything")
		}
		c.filter = &expr
		return nil
	})
}

// WithNameFilter lists only the documents called name; it applies to
// [CollectionsService.ListDocuments].
func WithNameFilter(name string) ListOption {
	return listOptionFunc(func(c *listConfig) error {
		if strings.TrimSpace(name) == "" {
			return invalidArgument("WithNameFilter: the name is empty")
		}
		c.name = &name
		return nil
	})
}

// newListConfig applies opts and refuses those that l does not accept.
func newListConfig(l listing, opts []ListOption) (*listConfig, error) {
	c := &listConfig{}
	if err := applyAll(l.method, c, opts, ListOption.applyList); err != nil {
		return nil, err
	}
	switch {
	case c.sort != 0 && !slices.Contains(l.sorts, c.sort):
		if len(l.sorts) == 0 {
			return nil, invalidArgument("%s cannot be sorted: drop WithSortBy", l.method)
		}
		return nil, invalidArgument("%s cannot sort by %v; it supports %v", l.method, c.sort, l.sorts)
	case c.order != 0 && !l.order:
		return nil, invalidArgument("%s lists in the server's order: drop WithOrder", l.method)
	case c.filter != nil && !l.filter:
		return nil, invalidArgument("%s takes no filter: drop WithFilter", l.method)
	case c.name != nil && !l.name:
		return nil, invalidArgument("%s: WithNameFilter applies to Collections.ListDocuments only", l.method)
	case c.states != nil && !l.states:
		return nil, invalidArgument("%s: WithRequestStates applies to Batch.ListRequests only", l.method)
	}
	return c, nil
}

// pages is the iterator of every listing: it reports ready (the service's
// readiness) or an invalid option as its only value, before anything is
// sent, then yields the items that fetch returns page after page (see
// paginate). fetch converts its errors with fromGRPC.
func pages[T any](l listing, ready error, opts []ListOption, fetch func(c *listConfig, limit int32, token *string) ([]T, *string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if ready != nil {
			yield(zero, ready)
			return
		}
		c, err := newListConfig(l, opts)
		if err != nil {
			yield(zero, err)
			return
		}
		paginate(c, yield, func(limit int32, token *string) ([]T, *string, error) { return fetch(c, limit, token) })
	}
}

// paginate yields the items of page after page until the server has no
// more, the limit is reached, or yield asks to stop. fetch gets the page
// size to ask for (0: the server's default) and the token of the page.
func paginate[T any](c *listConfig, yield func(T, error) bool, fetch func(limit int32, token *string) ([]T, *string, error)) {
	var (
		zero  T
		token *string
		seen  = map[string]bool{}
		count int
	)
	for {
		limit := c.pageSize
		if c.limit > 0 {
			if rest := int32(min(c.limit-count, math.MaxInt32)); limit == 0 || rest < limit {
				limit = rest
			}
		}
		items, next, err := fetch(limit, token)
		if err != nil {
			yield(zero, err)
			return
		}
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
			if count++; c.limit > 0 && count >= c.limit {
				return
			}
		}
		if next == nil || *next == "" {
			return
		}
		if seen[*next] {
			yield(zero, &Error{Code: codes.Internal, Message: "the server returned the same pagination token twice; stopping to avoid a loop"})
			return
		}
		seen[*next] = true
		token = next
	}
}

// pageLimit is the page size for the APIs whose limit is optional (the
// collections API): nil asks for the server's default.
func pageLimit(limit int32) *int32 {
	if limit <= 0 {
		return nil
	}
	return &limit
}

// sortField is the request's sort attribute for s, from attrs (a listing's
// [SortBy] values, as its API names them); nil, for the server's default,
// when s is not set.
func sortField[E any](s SortBy, attrs map[SortBy]E) *E {
	v, ok := attrs[s]
	if !ok {
		return nil
	}
	return &v
}

// sortsOf is what a listing takes for its sorts: the keys of attrs, in
// the order of the [SortBy] constants.
func sortsOf[E any](attrs map[SortBy]E) []SortBy { return slices.Sorted(maps.Keys(attrs)) }

// wrapAll converts a page of protos to the SDK's types with wrap, such as
// newFile.
func wrapAll[P, T any](pbs []P, wrap func(P) T) []T {
	out := make([]T, len(pbs))
	for i, pb := range pbs {
		out[i] = wrap(pb)
	}
	return out
}

// listOrdering converts an order for the collections API.
func listOrdering(o Order) *sharedv1.Ordering {
	switch o {
	case OrderAscending:
		return sharedv1.Ordering_ORDERING_ASCENDING.Enum()
	case OrderDescending:
		return sharedv1.Ordering_ORDERING_DESCENDING.Enum()
	}
	return nil
}
