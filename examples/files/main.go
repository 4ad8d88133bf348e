// Command files shows the Files API: upload a text from a reader with a
// progress callback, find it in the listing, download it into memory and
// check it is unchanged, ask the model about it in a chat message by its
// file ID, and delete it.
//
// Run it from the root of the repository with
//
//	go run ./examples/files
//
// With XAI_API_KEY set it talks to the real xAI API (the file is deleted at
// the end, and would expire after a day anyway); without it, to a fake xAI
// server running inside the program, which keeps files in memory.
package main

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/gogrok/sdk/examples/internal/connect"
	"github.com/gogrok/sdk/xai"
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("files: %v", err)
	}
}

func run(ctx context.Context) error {
	// In your own program: client, err := xai.NewClient()
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	notes := fieldNotes()

	// 1. Upload from any io.Reader: the content is streamed in chunks
	// (1 MiB by default; 512 bytes here so that a small file shows progress).
	// A *strings.Reader tells its size, which gives progress its total.
	fmt.Printf("1. Upload %d bytes\n", len(notes))
	file, err := client.Files.Upload(ctx, "gopher-notes.md", strings.NewReader(notes),
		xai.WithUploadChunkSize(512),
		xai.WithFileExpiry(24*time.Hour), // deleted by the server after a day, should we fail to
		xai.WithProgress(func(done, total int64) {
			fmt.Printf("   progress: %5d / %d bytes\n", done, total)
		}),
	)
	if err != nil {
		return err
	}
	fmt.Printf("   uploaded: %s, %q, %d bytes, expires %s\n",
		file.ID, file.Name, file.Size, file.ExpiresAt.Format(time.RFC3339))

	// 2. List returns an iterator that fetches pages as the loop asks for
	// more; newest first, and at most 10 files here.
	fmt.Println("2. List the newest files")
	found := false
	for f, err := range client.Files.List(ctx,
		xai.WithSortBy(xai.SortByCreated), xai.WithOrder(xai.OrderDescending), xai.WithLimit(10)) {
		if err != nil {
			return err
		}
		mark := ""
		if f.ID == file.ID {
			mark, found = "  <- just uploaded", true
		}
		fmt.Printf("   %-24s %6d bytes%s\n", f.Name, f.Size, mark)
	}
	if !found {
		return fmt.Errorf("the uploaded file %s is not listed", file.ID)
	}

	// 3. Download writes the content to any io.Writer, here a buffer in
	// memory, a chunk at a time.
	fmt.Println("3. Download it into a buffer")
	var buf bytes.Buffer
	n, err := client.Files.Download(ctx, file.ID, &buf)
	if err != nil {
		return err
	}
	fmt.Printf("   downloaded %d bytes, identical to the upload: %t\n", n, bytes.Equal(buf.Bytes(), []byte(notes)))

	// 4. Use the file in a chat: xai.FileID gives the model its content.
	fmt.Println("4. Ask about it in a chat")
	chat := client.Chat.Create("grok-4")
	chat.Append(xai.User("In one sentence, what are these notes about?", xai.FileID(file.ID)))
	resp, err := chat.Sample(ctx)
	if err != nil {
		return err
	}
	fmt.Println("   answer:", resp.Content())

	// 5. Delete it; it is then gone for good.
	fmt.Println("5. Delete it")
	if err := client.Files.Delete(ctx, file.ID); err != nil {
		return err
	}
	if _, err := client.Files.Get(ctx, file.ID); xai.IsNotFound(err) {
		fmt.Println("   Get after Delete: NotFound, as expected")
	} else {
		return fmt.Errorf("the file is still there after Delete (err = %v)", err)
	}
	return nil
}

// fieldNotes returns a few kilobytes of Markdown to upload.
func fieldNotes() string {
	var b strings.Builder
	b.WriteString("# Field notes on gophers\n\n")
	for day := 1; day <= 30; day++ {
		fmt.Fprintf(&b, "- Day %2d: the colony dug %d metres of tunnel and stored %d seeds.\n", day, 3+day%4, 40+7*day)
	}
	return b.String()
}
