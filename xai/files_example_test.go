package xai_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaitest"
)

func ExampleFilesService_Upload() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	// Any io.Reader: an *os.File, a network body... It is sent in 1 MiB
	// chunks, so memory stays bounded whatever its size.
	report := strings.NewReader("Q3 revenue grew 12%, driven by the new API tier.")
	f, err := client.Files.Upload(ctx, "report.txt", report,
		xai.WithFileExpiry(24*time.Hour),
		xai.WithProgress(func(done, total int64) { fmt.Printf("sent %d of %d bytes\n", done, total) }))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Name, f.Size, f.ExpiresAt.Sub(f.CreatedAt))

	// Give the file to the model in a chat message.
	chat := client.Chat.Create("grok-4")
	chat.Append(xai.User("Summarize this report.", xai.FileID(f.ID)))
	resp, err := chat.Sample(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Content() != "")
	// Output:
	// sent 48 of 48 bytes
	// report.txt 48 24h0m0s
	// true
}

func ExampleFilesService_UploadMany() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	files := []xai.FileUpload{
		{Name: "q1.txt", Content: strings.NewReader("Q1 revenue grew 8%.")},
		{Name: "q2.txt", Content: strings.NewReader("Q2 revenue grew 10%.")},
		{Name: "", Content: strings.NewReader("no name")},
	}
	// Every name and reader is checked before anything is sent.
	_, err = client.Files.UploadMany(context.Background(), files)
	fmt.Println(xai.IsInvalidArgument(err))

	var last int64
	results, err := client.Files.UploadMany(context.Background(), files[:2],
		xai.WithUploadParallelism(4), // at most 4 uploads at once (default 50)
		xai.WithProgress(func(done, total int64) { last = done }))
	if err != nil {
		log.Print(err) // some files failed; the results still hold the others
	}
	for _, r := range results {
		if r.Err != nil {
			fmt.Println(r.Name, "failed:", r.Err)
			continue
		}
		fmt.Println(r.Name, r.File.Size)
	}
	fmt.Println("sent", last, "bytes")
	// Output:
	// true
	// q1.txt 19
	// q2.txt 20
	// sent 39 bytes
}

func ExampleFilesService_List() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	for _, name := range []string{"b.txt", "a.txt", "c.txt"} {
		if _, err := client.Files.Upload(ctx, name, strings.NewReader(name)); err != nil {
			log.Fatal(err)
		}
	}

	// The iterator follows the pages; here two files per request.
	for f, err := range client.Files.List(ctx, xai.WithSortBy(xai.SortByName), xai.WithPageSize(2)) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(f.Name)
	}
	// Output:
	// a.txt
	// b.txt
	// c.txt
}

func ExampleFilesService_Download() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	f, err := client.Files.Upload(ctx, "hello.txt", strings.NewReader("hello, world"))
	if err != nil {
		log.Fatal(err)
	}

	// Any io.Writer: an *os.File, an HTTP response, a hash...
	var buf bytes.Buffer
	n, err := client.Files.Download(ctx, f.ID, &buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, buf.String())

	// Share it, then take the link back.
	link, err := client.Files.CreatePublicURL(ctx, f.ID, time.Hour)
	if err != nil {
		log.Fatal(err)
	}
	revoked, err := client.Files.RevokePublicURL(ctx, f.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(revoked == link.URL)
	if err := client.Files.Delete(ctx, f.ID); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 12 hello, world
	// true
}

// Collections live on the management API and need a management key; the
// fake serves both APIs on one address.
func ExampleCollectionsService() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(append(opts,
		xai.WithManagementEndpoint(srv.Target()),
		xai.WithManagementKey(srv.ManagementKey()), // or XAI_MANAGEMENT_KEY
	)...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	col, err := client.Collections.Create(ctx, "handbook",
		xai.WithCollectionDescription("The employee handbook"),
		xai.WithChunking(xai.Chunking{Unit: xai.ChunkTokens, MaxSize: 200, Overlap: 20}),
		xai.WithFieldDefinitions(xai.FieldDefinition{Key: "section", InjectIntoChunk: true}))
	if err != nil {
		log.Fatal(err)
	}
	// Upload the file, add it to the collection and wait until it is
	// indexed, in one call; progress comes with each poll (every 10 s by
	// default, for up to 2 minutes).
	doc, err := client.Collections.UploadDocument(ctx, col.ID, "leave.txt",
		strings.NewReader("Employees get 25 days of paid leave per year."),
		xai.WithFieldValues(map[string]string{"section": "leave"}),
		xai.PollOptions{xai.WithPollInterval(time.Second), xai.WithPollTimeout(5 * time.Minute)},
		xai.WithIndexingProgress(func(d *xai.Document) {
			fmt.Printf("%s: %d of %d chunks\n", d.Status, d.ChunksProcessed, d.ChunkCount)
		}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(doc.Name, doc.Status)
	for d, err := range client.Collections.ListDocuments(ctx, col.ID) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(d.Name, d.Fields["section"])
	}
	res, err := client.Documents.Search(ctx, "how many days of paid leave", []string{col.ID}, xai.WithLimit(3))
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range res.Matches {
		fmt.Printf("%.2f %q\n", m.Score, m.Content)
	}
	// Output:
	// DOCUMENT_STATUS_PROCESSED: 1 of 1 chunks
	// leave.txt DOCUMENT_STATUS_PROCESSED
	// leave.txt leave
	// 0.67 "section: leave\nEmployees get 25 days of paid leave per year."
}

// With the fake server, indexing takes as long as the test says on the
// fake's clock, so the wait can be tested without waiting.
func ExampleCollectionsService_UploadDocument() {
	clock := xaitest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv, err := xaitest.NewServer(xaitest.WithBufconn(), xaitest.WithClock(clock))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.SetIndexingDelay(time.Minute) // PROCESSING for a minute of the fake's clock
	client, err := xai.NewClient(
		xai.WithEndpoint(srv.Target()), xai.WithManagementEndpoint(srv.Target()),
		xai.WithDialOptions(srv.DialOptions()...), xai.WithInsecure(),
		xai.WithAPIKey(srv.APIKey()), xai.WithManagementKey(srv.ManagementKey()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	col, err := client.Collections.Create(ctx, "notes", xai.WithChunking(xai.Chunking{Unit: xai.ChunkChars, MaxSize: 20}))
	if err != nil {
		log.Fatal(err)
	}

	doc, err := client.Collections.UploadDocument(ctx, col.ID, "notes.txt",
		strings.NewReader("Meeting moved to Thursday. Bring the Q3 figures, and the slides."),
		xai.PollOptions{xai.WithPollInterval(time.Millisecond)},
		xai.WithIndexingProgress(func(d *xai.Document) {
			fmt.Printf("%s: %d of %d chunks\n", d.Status, d.ChunksProcessed, d.ChunkCount)
			clock.Advance(20 * time.Second) // indexing moves on between polls
		}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(doc.Name, doc.Status == xai.DocumentProcessed)
	// Output:
	// DOCUMENT_STATUS_PROCESSING: 0 of 4 chunks
	// DOCUMENT_STATUS_PROCESSING: 1 of 4 chunks
	// DOCUMENT_STATUS_PROCESSING: 2 of 4 chunks
	// DOCUMENT_STATUS_PROCESSED: 4 of 4 chunks
	// notes.txt true
}

func ExampleDocumentsService_Search() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(append(opts, xai.WithManagementEndpoint(srv.Target()), xai.WithManagementKey(srv.ManagementKey()))...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	col, err := client.Collections.Create(ctx, "faq")
	if err != nil {
		log.Fatal(err)
	}
	for name, text := range map[string]string{"refunds.txt": "Refunds take five business days.", "shipping.txt": "Shipping is free above 50 euros."} {
		f, err := client.Files.Upload(ctx, name, strings.NewReader(text))
		if err != nil {
			log.Fatal(err)
		}
		if err := client.Collections.AddDocument(ctx, col.ID, f.ID); err != nil {
			log.Fatal(err)
		}
	}

	res, err := client.Documents.Search(ctx, "when do refunds arrive", []string{col.ID},
		xai.WithRetrieval(xai.HybridRetrieval().WithRRF(xai.RRF{EmbeddingWeight: 0.5, TextWeight: 0.5})),
		xai.WithLimit(5))
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range res.Matches {
		fmt.Println(m.Content)
	}
	// Output:
	// Refunds take five business days.
}
