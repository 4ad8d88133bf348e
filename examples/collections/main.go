// Command collections shows retrieval over your own documents: upload a
// file, create a collection, add the file to it as a document, wait until
// it is indexed, search the collection with Documents.Search, list its
// documents, and delete everything again.
//
// Collections are managed through the management API, which needs a
// management key besides the API key: create one in the xAI console and
// set XAI_MANAGEMENT_KEY. Without it (and with XAI_API_KEY set) this
// program says so and stops before calling anything.
//
// Run it from the root of the repository with
//
//	go run ./examples/collections
//
// With XAI_API_KEY set it talks to the real xAI API; without it, to a fake
// xAI server running inside the program, which has its own management key
// and scores matches by shared keywords only.
package main

import (
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
		log.Fatalf("collections: %v", err)
	}
}

func run(ctx context.Context) error {
	// In your own program: client, err := xai.NewClient(), which reads
	// XAI_API_KEY and XAI_MANAGEMENT_KEY (or pass xai.WithManagementKey).
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()
	if !connect.HasManagementKey() {
		// Without a management key every Collections method would fail
		// with Unauthenticated (without sending anything).
		fmt.Printf("This example needs a management key for Collections: set %s (nothing was sent).\n", xai.ManagementKeyEnv)
		return nil
	}

	// 1. Upload the file with the Files API (it uses the API key).
	file, err := client.Files.Upload(ctx, "gopher-facts.md", strings.NewReader(facts),
		xai.WithFileExpiry(24*time.Hour)) // removed after a day, should we fail to delete it
	if err != nil {
		return err
	}
	defer func() {
		// Deleting a collection keeps its documents' files: delete it too.
		if err := client.Files.Delete(ctx, file.ID); err != nil {
			log.Printf("deleting file %s: %v", file.ID, err)
			return
		}
		fmt.Println("Deleted file:       ", file.ID)
	}()
	fmt.Println("Uploaded file:      ", file.ID, file.Name)

	// 2. Create a collection. Chunking says how documents are cut into the
	// passages that searches return; here about 200 characters each.
	coll, err := client.Collections.Create(ctx, "gopher-facts-example",
		xai.WithCollectionDescription("Facts about gophers, from the Go SDK example"),
		xai.WithChunking(xai.Chunking{Unit: xai.ChunkChars, MaxSize: 200, Overlap: 20}),
	)
	if err != nil {
		return err
	}
	defer func() {
		if err := client.Collections.Delete(ctx, coll.ID); err != nil {
			log.Printf("deleting collection %s: %v", coll.ID, err)
			return
		}
		fmt.Println("Deleted collection: ", coll.ID)
	}()
	fmt.Println("Created collection: ", coll.ID, coll.Name)

	// 3. Add the file as a document. Indexing runs in the background:
	// WaitForDocument polls until it is done (or failed, an error), for at
	// most two minutes by default. (Collections.UploadDocument does the
	// upload, the addition and the wait in one call.)
	if err := client.Collections.AddDocument(ctx, coll.ID, file.ID); err != nil {
		return err
	}
	doc, err := client.Collections.WaitForDocument(ctx, coll.ID, file.ID,
		xai.PollOptions{xai.WithPollInterval(time.Second)})
	if err != nil {
		return err
	}
	fmt.Printf("Indexed document:    %s, %s, %d chunks\n", doc.Name, doc.Status, doc.ChunkCount)

	// 4. Search: the passages that best match the query, best first.
	const query = "How deep do gophers dig?"
	results, err := client.Documents.Search(ctx, query, []string{coll.ID}, xai.WithLimit(3))
	if err != nil {
		return err
	}
	fmt.Printf("Search %q: %d matches\n", query, len(results.Matches))
	for i, m := range results.Matches {
		fmt.Printf("  %d. score %.2f  %s\n", i+1, m.Score, shorten(m.Content, 80))
	}

	// 5. List the documents of the collection (an iterator over pages).
	fmt.Println("Documents:")
	for d, err := range client.Collections.ListDocuments(ctx, coll.ID) {
		if err != nil {
			return err
		}
		fmt.Printf("  %s  %d bytes  %s  %s\n", d.Name, d.Size, d.ContentType, d.Status)
	}

	// 6. The deferred calls above delete the collection, then the file.
	return nil
}

// shorten returns s on one line, cut to at most n characters.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-3]) + "..."
	}
	return s
}

// facts is the document searched: a few paragraphs on different topics.
const facts = `# Gopher facts

Pocket gophers dig tunnels with their strong front claws. Most tunnels run
15 to 30 centimetres below the surface, but nesting chambers can be as deep
as two metres.

Gophers eat roots, tubers and other plant parts, which they carry in fur-lined
cheek pouches and store in food chambers along the tunnels.

A gopher lives alone in its burrow system and defends it against other
gophers. Owls, snakes, badgers and coyotes are its main predators.
`
