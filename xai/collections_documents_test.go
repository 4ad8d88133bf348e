package xai

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestListDocumentsPagination(t *testing.T) {
	srv, c := newRAGFake(t, true)
	ctx := context.Background()
	col, err := c.Collections.Create(ctx, "docs")
	if err != nil {
		t.Fatal(err)
	}
	var added []string
	for i, n := range []string{"d.txt", "b.txt", "a.txt", "c.txt", "e.txt", "b.txt", "f.txt"} {
		id := upload(t, c, n, strings.Repeat("x", 10-i))
		if err := c.Collections.AddDocument(ctx, col.ID, id); err != nil {
			t.Fatal(err)
		}
		added = append(added, fmt.Sprintf("%s/%d", n, 10-i))
	}
	list := func(opts ...ListOption) ([]string, int) {
		t.Helper()
		srv.ResetRequests()
		got, err := textsOf(c.Collections.ListDocuments(ctx, col.ID, opts...), func(d *Document) string { return fmt.Sprintf("%s/%d", d.Name, d.Size) })
		if err != nil {
			t.Fatal(err)
		}
		return got, len(srv.Requests())
	}
	got, pages := list(WithPageSize(2))
	if !slices.Equal(got, added) || pages != 4 {
		t.Fatalf("by addition: %v in %d pages", got, pages)
	}
	got, pages = list(WithPageSize(3), WithSortBy(SortByName))
	if want := []string{"a.txt/8", "b.txt/9", "b.txt/5", "c.txt/7", "d.txt/10", "e.txt/6", "f.txt/4"}; !slices.Equal(got, want) || pages != 3 {
		t.Fatalf("by name: %v in %d pages", got, pages)
	}
	got, _ = list(WithPageSize(2), WithSortBy(SortBySize), WithOrder(OrderDescending))
	if !slices.Equal(got, added) {
		t.Fatalf("by size, descending: %v", got)
	}
	got, _ = list(WithPageSize(1), WithNameFilter("b.txt"))
	if !slices.Equal(got, []string{"b.txt/9", "b.txt/5"}) {
		t.Fatalf("named b.txt: %v", got)
	}
	// Break stops the requests.
	srv.ResetRequests()
	for range c.Collections.ListDocuments(ctx, col.ID, WithPageSize(2)) {
		break
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("after break: %d requests", n)
	}
}
