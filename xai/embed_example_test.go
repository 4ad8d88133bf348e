package xai_test

import (
	"context"
	"fmt"
	"log"
	"math"

	"github.com/gogrok/sdk/xai"
)

// cosine returns the cosine similarity of two vectors of equal length.
func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

func ExampleEmbedService_Texts() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	emb, err := client.Embed.Texts(context.Background(), "v1", []string{"The cat sat on the mat.", "The cat sat on the mat."})
	if err != nil {
		log.Fatal(err)
	}
	v := emb.Vectors()
	fmt.Println(len(v), "vectors of", len(v[0]), "dimensions")
	fmt.Printf("similarity %.2f\n", cosine(v[0], v[1]))
	// Output:
	// 2 vectors of 256 dimensions
	// similarity 1.00
}

func ExampleEmbedService_Inputs() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	emb, err := client.Embed.Inputs(context.Background(), "v1",
		[]xai.Part{
			xai.Text("a photo of a cat"),
			xai.ImageURL("https://example.com/cat.jpg", xai.DetailAuto),
		},
		xai.WithEmbedEncoding(xai.EmbedEncodingBase64), // decoded all the same
	)
	if err != nil {
		log.Fatal(err)
	}
	u := emb.Usage()
	fmt.Println(len(emb.Vectors()), "vectors:", u.GetNumTextEmbeddings(), "text,", u.GetNumImageEmbeddings(), "image")

	// An input that cannot be embedded is refused before anything is sent.
	_, err = client.Embed.Inputs(context.Background(), "v1", []xai.Part{xai.FileID("file-123")})
	fmt.Println(xai.IsInvalidArgument(err))
	// Output:
	// 2 vectors: 1 text, 1 image
	// true
}
