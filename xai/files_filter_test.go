package xai

import (
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
)

// WithFilter reaches the fake's AIP-160 filters (issue 16, finding 4): the
// official Python SDK documents files.list(filter='size_bytes > 1048576')
// and filter='name = "report.pdf"' (src/xai_sdk/sync/files.py), and a
// filter on several pages keeps to the matching files.
func TestFilesListWithFilter(t *testing.T) {
	t.Parallel()
	_, c := newFake(t, true)
	ctx := context.Background()
	for name, size := range map[string]int{"report.pdf": 10, "big.bin": 1<<20 + 1, "notes.txt": 5, "huge.bin": 2 << 20} {
		if _, err := c.Files.Upload(ctx, name, strings.NewReader(strings.Repeat("x", size))); err != nil {
			t.Fatal(err)
		}
	}
	list := func(opts ...ListOption) ([]string, error) {
		var names []string
		for f, err := range c.Files.List(ctx, opts...) {
			if err != nil {
				return names, err
			}
			names = append(names, f.Name)
		}
		return names, nil
	}
	got, err := list(WithFilter("size_bytes > 1048576"), WithSortBy(SortByName), WithPageSize(1))
	if err != nil || !slices.Equal(got, []string{"big.bin", "huge.bin"}) {
		t.Fatalf("size_bytes > 1048576: %q, %v", got, err)
	}
	got, err = list(WithFilter(`name = "report.pdf"`))
	if err != nil || !slices.Equal(got, []string{"report.pdf"}) {
		t.Fatalf(`name = "report.pdf": %q, %v`, got, err)
	}
	// A filter the server cannot parse is INVALID_ARGUMENT from the wire,
	// naming where it went wrong.
	_, err = list(WithFilter(`name = "report.pdf`))
	checkErr(t, err, codes.InvalidArgument, "column 8")
}
