// Command embed turns texts into embedding vectors and compares them by
// cosine similarity: texts that mean similar things get vectors pointing in
// similar directions, whatever their words. This is the basis of semantic
// search, clustering and classification.
//
// Run it from the root of the repository with
//
//	go run ./examples/embed
//
// With XAI_API_KEY set it talks to the real xAI API; without it, to a fake
// xAI server running inside the program, whose vectors are derived from a
// hash of each text: they have the right shape but carry no meaning, so
// the similarities it prints are arbitrary.
package main

import (
	"context"
	"fmt"
	"log"
	"math"

	"github.com/gogrok/sdk/examples/internal/connect"
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("embed: %v", err)
	}
}

func run(ctx context.Context) error {
	// In your own program: client, err := xai.NewClient()
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	texts := []string{
		"The cat sleeps on the warm windowsill.",
		"A kitten is napping in the sun by the window.",
	}
	// Texts embeds every text in one request, with an embedding model
	// ("v1"), and returns one vector per text, in order. Use Inputs to
	// embed images too, or to pass options.
	emb, err := client.Embed.Texts(ctx, "v1", texts)
	if err != nil {
		return err
	}
	vectors := emb.Vectors()
	fmt.Println("Model:     ", emb.Model())
	for i, v := range vectors {
		fmt.Printf("Vector %d:   %d dimensions, starts %.4f %.4f %.4f ... for %q\n", i+1, len(v), v[0], v[1], v[2], texts[i])
	}
	fmt.Println("Embedded:  ", emb.Usage().GetNumTextEmbeddings(), "texts")
	fmt.Printf("Similarity: %.4f (cosine: 1 is the same direction, 0 unrelated)\n", cosine(vectors[0], vectors[1]))
	return nil
}

// cosine returns the cosine similarity of two vectors of the same length:
// their dot product divided by the product of their lengths.
func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / (math.Sqrt(na) * math.Sqrt(nb))
}
