package xaitest_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	"github.com/gogrok/sdk/xai/xaitest"
)

// Issue 16, finding 4: list filters answered UNIMPLEMENTED. The official
// Python SDK documents AIP-160 filters for files.list (src/xai_sdk/sync/
// files.py: content_type = "application/pdf", name = "report.pdf",
// size_bytes > 1048576, public_url != null, content_type = "image/png" AND
// created_at > "2026-03-15T00:00:00Z"), for collections.list
// (collection_name:"research", examples/sync/collection.py) and for
// list_documents (status:DOCUMENT_STATUS_PROCESSED, name:"quarterly",
// fields.isbn:"978-1-234567-89-0", src/xai_sdk/sync/collections.py).

var pngHeader = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

func TestListFilesFilter(t *testing.T) {
	clock := xaitest.NewClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	_, files := startClient(t, xaiv1.NewFilesClient, xaitest.WithClock(clock))
	add := func(name string, data []byte, expires *int64) string {
		t.Helper()
		f, err := upload(t, files, name, data, 1<<20, expires)
		if err != nil {
			t.Fatal(err)
		}
		return f.GetId()
	}
	add("report.pdf", makePDF(t, false, "BT /F1 12 Tf (report) Tj ET"), nil)
	add("notes.txt", []byte("some notes"), ptr[int64](25*24*3600)) // expires 2026-03-26
	add("big.bin", make([]byte, 1<<20+1), nil)
	add("old.png", pngHeader, nil)
	clock.Advance(20 * 24 * time.Hour) // 2026-03-21
	shared := add("new.png", pngHeader, nil)
	if _, err := files.CreatePublicUrl(ctx(t), &xaiv1.CreatePublicUrlRequest{FileId: shared}); err != nil {
		t.Fatal(err)
	}

	wantFiltered(t, []filterCase{
		// The official SDK's examples.
		{`content_type = "application/pdf"`, []string{"report.pdf"}},
		{`name = "report.pdf"`, []string{"report.pdf"}},
		{`size_bytes > 1048576`, []string{"big.bin"}},
		{`public_url != null`, []string{"new.png"}},
		{`content_type = "image/png" AND created_at > "2026-03-15T00:00:00Z"`, []string{"new.png"}},
		// The rest of the grammar.
		{`content_type = "image/png"`, []string{"old.png", "new.png"}},
		{`file_name = "notes.txt"`, []string{"notes.txt"}},
		{`file_id = "` + shared + `"`, []string{"new.png"}},
		{`public_url = null`, []string{"report.pdf", "notes.txt", "big.bin", "old.png"}},
		{`public_url:*`, []string{"new.png"}},
		{`public_url_expires_at = null`, []string{"report.pdf", "notes.txt", "big.bin", "old.png", "new.png"}},
		{`expires_at != null`, []string{"notes.txt"}},
		{`expires_at <= "2026-03-26T00:00:00Z"`, []string{"notes.txt"}},
		{`expires_at < "2026-03-26T00:00:00Z"`, nil},
		{`upload_status = null AND user_defined_id = null`, []string{"report.pdf", "notes.txt", "big.bin", "old.png", "new.png"}},
		{`name:"PNG"`, []string{"old.png", "new.png"}},
		{`name:"report" OR size_bytes >= 1048577`, []string{"report.pdf", "big.bin"}},
		{`NOT content_type = "image/png"`, []string{"report.pdf", "notes.txt", "big.bin"}},
		{`-name:"png"`, []string{"report.pdf", "notes.txt", "big.bin"}},
		{`(name = "old.png" OR name = "notes.txt") AND size_bytes < 12`, []string{"notes.txt"}},
		{`size_bytes < 100 size_bytes > 10`, []string{"old.png", "new.png"}}, // a sequence is AND
		{`size_bytes = 10`, []string{"notes.txt"}},
		{`size_bytes != 10 AND size_bytes <= 16`, []string{"old.png", "new.png"}},
		{`created_at >= "2026-03-01T00:00:00Z" AND created_at < "2026-03-21T00:00:00Z"`, []string{"report.pdf", "notes.txt", "big.bin", "old.png"}},
		{`name > "notes.txt"`, []string{"old.png", "report.pdf"}},
		{"  \t", []string{"report.pdf", "notes.txt", "big.bin", "old.png", "new.png"}},
	}, func(filter *string) ([]*xaiv1.File, error) {
		resp, err := files.ListFiles(ctx(t), &xaiv1.ListFilesRequest{Filter: filter})
		return resp.GetData(), err
	}, (*xaiv1.File).GetFilename)

	// Filtered listings page like the others.
	var names []string
	var token *string
	for range 5 {
		resp, err := files.ListFiles(ctx(t), &xaiv1.ListFilesRequest{Limit: 1, PaginationToken: token,
			Filter: proto.String(`NOT name = "big.bin"`), SortBy: xaiv1.FilesSortBy_FILES_SORT_BY_FILENAME.Enum()})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range resp.GetData() {
			names = append(names, f.GetFilename())
		}
		if token = resp.PaginationToken; token == nil {
			break
		}
	}
	if want := []string{"new.png", "notes.txt", "old.png", "report.pdf"}; !slices.Equal(names, want) {
		t.Errorf("filtered pages: %q, want %q", names, want)
	}
}

// filterCase is a list filter and the names of the items it lets through.
type filterCase struct {
	filter string
	want   []string
}

// wantFiltered lists with the filter of each case and checks the names of
// the items listed, in any order.
func wantFiltered[T any](t *testing.T, cases []filterCase, list func(filter *string) ([]T, error), name func(T) string) {
	t.Helper()
	for _, tc := range cases {
		items, err := list(proto.String(tc.filter))
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			continue
		}
		var got []string
		for _, it := range items {
			got = append(got, name(it))
		}
		if !sameSet(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.filter, got, tc.want)
		}
	}
}

// sameSet reports whether a and b hold the same names, in any order.
func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func TestListCollectionsFilter(t *testing.T) {
	clock := xaitest.NewClock(time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC))
	srv, cc := startClient(t, collectionsv1.NewCollectionsClient, xaitest.WithClock(clock))
	research := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "research-papers"}).GetCollectionId()
	clock.Advance(48 * time.Hour)
	sec := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "SEC filings"}).GetCollectionId()
	newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "recipes"})
	for i, col := range []string{research, sec, sec} {
		f := uploadText(t, srv, "doc.txt", "text "+string(rune('a'+i)))
		if _, err := cc.AddDocumentToCollection(ctx(t), &collectionsv1.AddDocumentToCollectionRequest{CollectionId: col, FileId: f}); err != nil {
			t.Fatal(err)
		}
	}

	wantFiltered(t, []filterCase{
		{`collection_name:"research"`, []string{"research-papers"}}, // the official SDK's example
		{`collection_name:"SEC" AND documents_count > 1`, []string{"SEC filings"}},
		{`collection_name = "recipes"`, []string{"recipes"}},
		{`documents_count = 0`, []string{"recipes"}},
		{`documents_count >= 1`, []string{"research-papers", "SEC filings"}},
		{`created_at > "2026-01-11T00:00:00Z"`, []string{"SEC filings", "recipes"}},
		{`created_at < "2026-01-11T00:00:00Z" OR collection_name:"rec"`, []string{"research-papers", "recipes"}},
		{`NOT collection_name:"e"`, nil},
	}, func(filter *string) ([]*collectionsv1.CollectionMetadata, error) {
		resp, err := cc.ListCollections(ctx(t), &collectionsv1.ListCollectionsRequest{Filter: filter})
		return resp.GetCollections(), err
	}, (*collectionsv1.CollectionMetadata).GetCollectionName)
}

func TestListDocumentsFilter(t *testing.T) {
	srv, cc := startClient(t, collectionsv1.NewCollectionsClient)
	col := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "books",
		FieldDefinitions: []*collectionsv1.FieldDefinition{{Key: "isbn", Unique: true}}}).GetCollectionId()
	for _, d := range []struct {
		name, content string
		fields        map[string]string
	}{
		{"quarterly-q1.txt", "first quarter", map[string]string{"isbn": "978-1-234567-89-0"}},
		{"quarterly-q2.bin", "second \xff quarter", nil}, // not UTF-8: FAILED
		{"annual.txt", "the whole year in review", map[string]string{"topic": "finance"}},
	} {
		f := uploadText(t, srv, d.name, d.content)
		if _, err := cc.AddDocumentToCollection(ctx(t), &collectionsv1.AddDocumentToCollectionRequest{CollectionId: col, FileId: f, Fields: d.fields}); err != nil {
			t.Fatal(err)
		}
	}

	wantFiltered(t, []filterCase{
		// The official SDK's examples.
		{`status:DOCUMENT_STATUS_PROCESSED`, []string{"quarterly-q1.txt", "annual.txt"}},
		{`name:"quarterly" AND NOT status = DOCUMENT_STATUS_FAILED`, []string{"quarterly-q1.txt"}},
		{`fields.isbn:"978-1-234567-89-0"`, []string{"quarterly-q1.txt"}},
		// Undeclared fields filter like declared ones.
		{`fields.topic = "finance"`, []string{"annual.txt"}},
		{`fields:"topic" OR fields:"isbn"`, []string{"quarterly-q1.txt", "annual.txt"}},
		{`fields.isbn = null`, []string{"quarterly-q2.bin", "annual.txt"}},
		{`status != DOCUMENT_STATUS_PROCESSED`, []string{"quarterly-q2.bin"}},
		{`error_message != null`, []string{"quarterly-q2.bin"}},
		{`size_bytes > 13 AND content_type = "text/plain"`, []string{"annual.txt"}},
		{`name = "annual.txt"`, []string{"annual.txt"}},
		{`processing_status = null`, []string{"quarterly-q1.txt", "quarterly-q2.bin", "annual.txt"}},
	}, func(filter *string) ([]*collectionsv1.DocumentMetadata, error) {
		resp, err := cc.ListDocuments(ctx(t), &collectionsv1.ListDocumentsRequest{CollectionId: col, Filter: filter})
		return resp.GetDocuments(), err
	}, func(d *collectionsv1.DocumentMetadata) string { return d.GetFileMetadata().GetName() })
}

// Bad filters are INVALID_ARGUMENT: syntax errors name the line and column
// where the parser stopped (AIP-160: "Invalid filter ... should return an
// INVALID_ARGUMENT error"), and checks name the field or value at fault.
func TestListFilterErrors(t *testing.T) {
	srv, files := startClient(t, xaiv1.NewFilesClient)
	cc := collectionsv1.NewCollectionsClient(srv.Conn())
	col := newCollection(t, cc, &collectionsv1.CreateCollectionRequest{CollectionName: "c"}).GetCollectionId()
	listFiles := func(f string) error {
		return errOf(files.ListFiles(ctx(t), &xaiv1.ListFilesRequest{Filter: proto.String(f)}))
	}
	listCollections := func(f string) error {
		return errOf(cc.ListCollections(ctx(t), &collectionsv1.ListCollectionsRequest{Filter: proto.String(f)}))
	}
	listDocuments := func(f string) error {
		return errOf(cc.ListDocuments(ctx(t), &collectionsv1.ListDocumentsRequest{CollectionId: col, Filter: proto.String(f)}))
	}
	for _, tc := range []struct {
		list   func(string) error
		filter string
		frags  []string
	}{
		// Syntax errors, with the position of the offending token.
		{listFiles, `name = "report.pdf`, []string{"syntax error", "line 1, column 8"}},      // unterminated string
		{listFiles, `(name = "a"`, []string{"syntax error", "line 1, column 12"}},            // missing ")"
		{listFiles, `name = "a")`, []string{"syntax error", "line 1, column 11"}},            // trailing ")"
		{listFiles, `  name = "a")`, []string{"syntax error", "line 1, column 13"}},          // leading blanks count
		{listFiles, "name = \"a\" AND\n(size_bytes > 1", []string{"syntax error", "line 2"}}, // second line
		{listCollections, `collection_name = `, []string{"syntax error", "column"}},
		{listDocuments, `status:`, []string{"syntax error", "column 8", "unexpected end of the filter"}},
		{listFiles, "\n  name = \"a\")", []string{"syntax error", "line 2, column 13"}}, // leading lines count
		{listFiles, strings.Repeat("(", 16<<10), []string{"syntax error"}},              // deep, but no crash
		{listFiles, strings.Repeat("(", 16<<10+1), []string{"16384"}},                   // too long
		// Checks against the listing's fields.
		{listFiles, `colour = "red"`, []string{`unknown field "colour"`, "line 1, column 1", "size_bytes"}},
		{listFiles, `name = "a" AND colour = "red"`, []string{`unknown field "colour"`, "column 16"}},
		{listCollections, `name = "c"`, []string{`unknown field "name"`, "collection_name"}},
		{listDocuments, `topic = "x"`, []string{`unknown field "topic"`, "fields.<key>"}},
		{listFiles, `size_bytes > "big"`, []string{"size_bytes is a number"}},
		{listFiles, `created_at > "yesterday"`, []string{"created_at is a time", "RFC 3339"}},
		{listFiles, `name < null`, []string{"null compares only with = or !="}},
		{listFiles, `"report.pdf"`, []string{"bare value"}},
		{listFiles, `name`, []string{"bare value"}},
		{listFiles, `timestamp("2026-01-01T00:00:00Z") > created_at`, []string{"left side of > must be a field"}},
		{listDocuments, `status = DONE`, []string{"status is one of", "DOCUMENT_STATUS_PROCESSED"}},
		{listDocuments, `status > DOCUMENT_STATUS_FAILED`, []string{"status compares only with"}},
		{listDocuments, `fields = "x"`, []string{"fields is a map"}},
	} {
		err := tc.list(tc.filter)
		t.Run(tc.filter, func(t *testing.T) { wantCode(t, err, codes.InvalidArgument, tc.frags...) })
	}
}
