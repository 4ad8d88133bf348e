package xai

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	"github.com/gogrok/sdk/xai/xaitest"
)

// newIndexingFake returns a fake whose documents take a minute to index on
// a manual clock, which the test moves; and a collection in it.
func newIndexingFake(t *testing.T) (*xaitest.Server, *xaitest.Clock, *Client, string) {
	t.Helper()
	clock := xaitest.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	srv, c := newRAGFakeWith(t, []xaitest.Option{xaitest.WithBufconn(), xaitest.WithClock(clock)})
	srv.SetIndexingDelay(time.Minute)
	col, err := c.Collections.Create(context.Background(), "kb",
		WithChunking(Chunking{Unit: ChunkChars, MaxSize: 10}),
		WithFieldDefinitions(FieldDefinition{Key: "lang"}))
	if err != nil {
		t.Fatal(err)
	}
	return srv, clock, c, col.ID
}

var fastPoll = PollOptions{WithPollInterval(time.Millisecond)}

// The defaults are the official Python SDK's (collections.py:
// DEFAULT_INDEXING_POLL_INTERVAL = 10 s, DEFAULT_INDEXING_TIMEOUT = 2 min).
func TestIndexingDefaultsMatchOfficialSDK(t *testing.T) {
	if DefaultIndexingPollInterval != 10*time.Second || DefaultIndexingTimeout != 2*time.Minute {
		t.Errorf("defaults %v, %v; want 10s, 2m0s", DefaultIndexingPollInterval, DefaultIndexingTimeout)
	}
}

// TestUploadDocumentWaits: the wait sees the document PROCESSING, with its
// processed chunks growing as the fake's clock moves, then PROCESSED, and
// reports each read.
func TestUploadDocumentWaits(t *testing.T) {
	srv, clock, c, col := newIndexingFake(t)
	var seen []string
	doc, err := c.Collections.UploadDocument(context.Background(), col, "faq.txt",
		strings.NewReader("Refunds take five business days; shipping takes two or three"), // 60 chars: 6 chunks
		WithFieldValues(map[string]string{"lang": "en"}), fastPoll,
		CallOptions{WithCallMetadata("x-job", "kb-load")},
		WithIndexingProgress(func(d *Document) {
			seen = append(seen, fmt.Sprintf("%s %d/%d", d.Status, d.ChunksProcessed, d.ChunkCount))
			if d.Status == DocumentProcessing {
				clock.Advance(30 * time.Second) // the test moves indexing along
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"DOCUMENT_STATUS_PROCESSING 0/6", "DOCUMENT_STATUS_PROCESSING 3/6", "DOCUMENT_STATUS_PROCESSED 6/6"}
	if strings.Join(seen, ", ") != strings.Join(want, ", ") {
		t.Errorf("progress %q, want %q", seen, want)
	}
	if doc.Status != DocumentProcessed || doc.Name != "faq.txt" || doc.Fields["lang"] != "en" || !strings.HasPrefix(doc.FileID, "file_") {
		t.Errorf("document %+v", doc)
	}
	// One upload, one addition, one read per poll; the call options on
	// every call.
	var calls []string
	for _, r := range srv.Requests() {
		if strings.Contains(r.FullMethod, "CreateCollection") {
			continue
		}
		calls = append(calls, r.FullMethod[strings.LastIndex(r.FullMethod, "/")+1:])
		if md := r.Metadata.Get("x-job"); len(md) != 1 || md[0] != "kb-load" {
			t.Errorf("%s lacks the call metadata", r.FullMethod)
		}
	}
	if got := strings.Join(calls, " "); got != "UploadFile AddDocumentToCollection GetDocumentMetadata GetDocumentMetadata GetDocumentMetadata" {
		t.Errorf("calls: %s", got)
	}
	res, err := c.Documents.Search(context.Background(), "refunds", []string{col})
	if err != nil || len(res.Matches) == 0 {
		t.Errorf("search after the wait: %+v, %v", res, err)
	}
}

// TestUploadDocumentFailed: a document whose indexing fails gives a clear
// error with the server's reason, and the document, so that its file can be
// found again.
func TestUploadDocumentFailed(t *testing.T) {
	srv, clock, c, col := newIndexingFake(t)
	srv.FailIndexing("scan.txt", "no text layer found")
	doc, err := c.Collections.UploadDocument(context.Background(), col, "scan.txt", strings.NewReader("..."), fastPoll,
		WithIndexingProgress(func(d *Document) { clock.Advance(time.Minute) }))
	checkErr(t, err, codes.Internal, "indexing of document", "failed", "no text layer found", col)
	if doc == nil || doc.Status != DocumentFailed || doc.Error != "no text layer found" || doc.FileID == "" {
		t.Fatalf("document %+v", doc)
	}
	var xerr *Error
	if errors.As(err, &xerr); len(xerr.Details) != 1 || xerr.Details[0].(*collectionsv1.DocumentMetadata).GetFileMetadata().GetFileId() != doc.FileID {
		t.Errorf("details %v", xerr.Details)
	}
	// WaitForDocument on the same document says the same.
	_, err = c.Collections.WaitForDocument(context.Background(), col, doc.FileID)
	checkErr(t, err, codes.Internal, "no text layer found")
}

// TestUploadDocumentCancel: ending the context stops the wait at once, with
// the context's error; no poll follows and no goroutine is left (goleak).
func TestUploadDocumentCancel(t *testing.T) {
	srv, _, c, col := newIndexingFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	doc, err := c.Collections.UploadDocument(ctx, col, "a.txt", strings.NewReader("some text"),
		PollOptions{WithPollInterval(time.Hour)}, // only the cancel can end the wait
		WithIndexingProgress(func(*Document) { cancel() }))
	checkErr(t, err, codes.Canceled)
	if !errors.Is(err, context.Canceled) {
		t.Error("errors.Is(err, context.Canceled) is false")
	}
	if doc == nil || doc.Status != DocumentProcessing || doc.FileID == "" {
		t.Errorf("document %+v", doc)
	}
	if n := len(sentOf(srv, collectionsv1.Collections_GetDocumentMetadata_FullMethodName)); n != 1 {
		t.Errorf("%d polls, want 1", n)
	}
}

// TestWaitForDocumentTimeout: the poll timeout gives DeadlineExceeded with
// the way to wait again, which then succeeds.
func TestWaitForDocumentTimeout(t *testing.T) {
	_, clock, c, col := newIndexingFake(t)
	ctx := context.Background()
	fileID := upload(t, c, "b.txt", "more text")
	if err := c.Collections.AddDocument(ctx, col, fileID); err != nil {
		t.Fatal(err)
	}
	doc, err := c.Collections.WaitForDocument(ctx, col, fileID, PollOptions{WithPollInterval(time.Millisecond), WithPollTimeout(20 * time.Millisecond)})
	checkErr(t, err, codes.DeadlineExceeded, "WaitForDocument", fileID, "WithPollTimeout")
	if doc == nil || doc.Status != DocumentProcessing {
		t.Errorf("document %+v", doc)
	}
	clock.Advance(time.Minute)
	doc, err = c.Collections.WaitForDocument(ctx, col, fileID, fastPoll)
	if err != nil || doc.Status != DocumentProcessed {
		t.Fatalf("%+v, %v", doc, err)
	}
}

func TestUploadDocumentErrors(t *testing.T) {
	srv, _, c, col := newIndexingFake(t)
	ctx := context.Background()
	r := strings.NewReader("x")
	tests := []struct {
		name  string
		call  func() error
		parts []string
	}{
		{"empty collection", func() error { _, err := c.Collections.UploadDocument(ctx, "", "a.txt", r); return err }, []string{"collection ID is empty"}},
		{"empty name", func() error { _, err := c.Collections.UploadDocument(ctx, col, " ", r); return err }, []string{"UploadDocument", "name is empty"}},
		{"nil reader", func() error { _, err := c.Collections.UploadDocument(ctx, col, "a.txt", nil); return err }, []string{"reader is nil"}},
		{"rename", func() error {
			_, err := c.Collections.UploadDocument(ctx, col, "a.txt", r, WithNewName("b"))
			return err
		}, []string{"UpdateDocument"}},
		{"nil progress", func() error {
			_, err := c.Collections.UploadDocument(ctx, col, "a.txt", r, WithIndexingProgress(nil))
			return err
		}, []string{"WithIndexingProgress", "nil"}},
		{"bad interval", func() error {
			_, err := c.Collections.UploadDocument(ctx, col, "a.txt", r, PollOptions{WithPollInterval(0)})
			return err
		}, []string{"WithPollInterval"}},
		{"wait empty file", func() error { _, err := c.Collections.WaitForDocument(ctx, col, ""); return err }, []string{"file ID is empty"}},
		{"wait with fields", func() error {
			_, err := c.Collections.WaitForDocument(ctx, col, "f", WithFieldValues(map[string]string{"lang": "en"}))
			return err
		}, []string{"UpdateDocument"}},
		{"add with wait options", func() error { return c.Collections.AddDocument(ctx, col, "f", fastPoll) }, []string{"AddDocument", "UploadDocument and WaitForDocument"}},
		{"update with progress", func() error {
			_, err := c.Collections.UpdateDocument(ctx, col, "f", WithNewName("x"), WithIndexingProgress(func(*Document) {}))
			return err
		}, []string{"UpdateDocument", "UploadDocument and WaitForDocument"}},
	}
	srv.ResetRequests()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, tt.call(), codes.InvalidArgument, tt.parts...) })
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for invalid calls", n)
	}

	// An unknown collection: the file is uploaded, the addition fails, and
	// the document names the file to clean up.
	doc, err := c.Collections.UploadDocument(ctx, "collection_nope", "a.txt", strings.NewReader("x"))
	checkErr(t, err, codes.NotFound)
	if doc == nil || doc.FileID == "" || len(sentOf(srv, xaiv1.Files_UploadFile_FullMethodName)) != 1 {
		t.Errorf("document %+v", doc)
	}

	// Without a management key nothing is sent, as for every call.
	_, noKey := newFake(t, true)
	_, err = noKey.Collections.UploadDocument(ctx, col, "a.txt", strings.NewReader("x"))
	checkErr(t, err, codes.Unauthenticated)
	var zero CollectionsService
	_, err = zero.UploadDocument(ctx, col, "a.txt", strings.NewReader("x"))
	checkErr(t, err, codes.InvalidArgument, "client")
}

func TestWaitForProcessedDocument(t *testing.T) {
	// The documented flow: upload, add, poll until processed, search.
	_, c := newRAGFake(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	col, err := c.Collections.Create(ctx, "kb")
	if err != nil {
		t.Fatal(err)
	}
	fileID := upload(t, c, "faq.txt", "Refunds take five business days.")
	if err := c.Collections.AddDocument(ctx, col.ID, fileID); err != nil {
		t.Fatal(err)
	}
	// The fake indexes a document as it is added, so the poll ends at
	// once; the bound only keeps a regression from spinning until ctx
	// expires. Real code waits between polls (see ExampleCollectionsService).
	for polls := 1; ; polls++ {
		d, err := c.Collections.GetDocument(ctx, col.ID, fileID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status.Done() {
			break
		}
		if polls == 100 {
			t.Fatalf("document still %v after %d polls", d.Status, polls)
		}
	}
	res, err := c.Documents.Search(ctx, "how long do refunds take", []string{col.ID})
	if err != nil || len(res.Matches) != 1 || res.Matches[0].FileID != fileID {
		t.Fatalf("Search: %+v, %v", res, err)
	}
}
