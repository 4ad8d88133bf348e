package xai

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"math"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestEmbedTexts(t *testing.T) {
	t.Parallel()
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		ctx := context.Background()
		e, err := c.Embed.Texts(ctx, "embedding-v1", []string{"a cat", "a dog", "a cat"})
		if err != nil {
			t.Fatal(err)
		}
		vs := e.Vectors()
		if len(vs) != 3 || len(vs[0]) != 256 {
			t.Fatalf("got %d vectors of %d dims", len(vs), len(vs[0]))
		}
		if !slices.Equal(vs[0], vs[2]) || slices.Equal(vs[0], vs[1]) {
			t.Error("equal texts should get equal vectors, different texts different ones")
		}
		var norm float64
		for _, f := range vs[0] {
			norm += float64(f) * float64(f)
		}
		if math.Abs(norm-1) > 1e-4 {
			t.Errorf("|v|² = %v, want 1", norm)
		}
		if e.Model() != "v1" || e.ID() == "" || e.SystemFingerprint() == "" || e.Usage().GetNumTextEmbeddings() != 3 || e.Proto() == nil {
			t.Errorf("response = %v", e.Proto())
		}
		req := srv.Requests()[0].Message.(*xaiv1.EmbedRequest)
		if req.GetEncodingFormat() != xaiv1.EmbedEncodingFormat_FORMAT_FLOAT || len(req.GetInput()) != 3 || req.GetInput()[1].GetString_() != "a dog" {
			t.Errorf("request = %v", req)
		}
	})
}

func TestEmbedInputsImagesAndBase64(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	ctx := context.Background()
	inputs := []Part{
		Text("a red square"),
		ImageURL("https://example.com/cat.jpg", DetailLow),
		ImageBytes(fakePNG(64), DetailAuto),
	}
	floats, err := c.Embed.Inputs(ctx, "v1", inputs)
	if err != nil {
		t.Fatal(err)
	}
	b64s, err := c.Embed.Inputs(ctx, "v1", inputs, WithEmbedEncoding(EmbedEncodingBase64), WithEmbedUser("u-1"),
		CallOptions{WithCallMetadata("x-embed", "yes")})
	if err != nil {
		t.Fatal(err)
	}
	for i := range inputs {
		if !slices.Equal(floats.Vectors()[i], b64s.Vectors()[i]) {
			t.Errorf("input %d: base64 vector decodes differently from the float one", i)
		}
	}
	if b64s.Proto().GetEmbeddings()[0].GetEmbeddings()[0].GetBase64Array() == "" {
		t.Error("the server did not answer in base64")
	}
	if u := floats.Usage(); u.GetNumTextEmbeddings() != 1 || u.GetNumImageEmbeddings() != 2 {
		t.Errorf("usage = %v", u)
	}
	reqs := srv.Requests()
	req := reqs[1].Message.(*xaiv1.EmbedRequest)
	if req.GetEncodingFormat() != xaiv1.EmbedEncodingFormat_FORMAT_BASE64 || req.GetUser() != "u-1" {
		t.Errorf("request = %v", req)
	}
	if img := req.GetInput()[1].GetImageUrl(); img.GetImageUrl() != "https://example.com/cat.jpg" || img.GetDetail() != xaiv1.ImageDetail_DETAIL_LOW {
		t.Errorf("image input = %v", img)
	}
	if got := reqs[1].Metadata.Get("x-embed"); len(got) != 1 {
		t.Errorf("call metadata not sent: %v", reqs[1].Metadata)
	}
}

func TestEmbedValidation(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	ctx := context.Background()
	tests := []struct {
		name   string
		model  string
		inputs []Part
		opts   []EmbedOption
		want   []string
	}{
		{"no model", "", []Part{Text("x")}, nil, []string{"Embed.Inputs", "model name is empty"}},
		{"no inputs", "v1", nil, nil, []string{"nothing to embed"}},
		{"empty text", "v1", []Part{Text("ok"), Text("")}, nil, []string{"input 1", "text is empty"}},
		{"file", "v1", []Part{FileID("file-1")}, nil, []string{"input 0", "not a file", "ImageFileID"}},
		{"zero part", "v1", []Part{{}}, nil, []string{"empty xai.Part"}},
		{"bad image", "v1", []Part{ImageURL("http://example.com/a.png", DetailAuto)}, nil, []string{"input 0", "https"}},
		{"gif bytes", "v1", []Part{ImageBytes(gifBytes, DetailAuto)}, nil, []string{"input 0", "GIF"}},
		{"unknown encoding", "v1", []Part{Text("x")}, []EmbedOption{WithEmbedEncoding("int8")}, []string{"WithEmbedEncoding", `"int8"`}},
		{"nil option", "v1", []Part{Text("x")}, []EmbedOption{nil}, []string{"option 0 is nil"}},
		{"bad call option", "v1", []Part{Text("x")}, []EmbedOption{CallOptions{WithCallTimeout(0)}}, []string{"WithCallTimeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Embed.Inputs(ctx, tt.model, tt.inputs, tt.opts...)
			checkErr(t, err, codes.InvalidArgument, tt.want...)
		})
	}
	_, err := c.Embed.Texts(ctx, "v1", nil)
	checkErr(t, err, codes.InvalidArgument, "Embed.Texts", "nothing to embed")
	_, err = c.Embed.Texts(ctx, "v1", []string{"a", ""})
	checkErr(t, err, codes.InvalidArgument, "input 1")
	checkNoneSent(t, srv)
}

// Issue 13: every call takes call options; Embed.Texts took none.
func TestEmbedTextsTakesOptions(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	e, err := c.Embed.Texts(context.Background(), "v1", []string{"a"},
		WithEmbedUser("u-2"), CallOptions{WithCallMetadata("x-texts", "yes")})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Vectors()) != 1 {
		t.Fatalf("%d vectors, want 1", len(e.Vectors()))
	}
	r := srv.Requests()[0]
	if got := r.Metadata.Get("x-texts"); len(got) != 1 || got[0] != "yes" {
		t.Errorf("call metadata x-texts = %q, want [yes]", got)
	}
	if u := r.Message.(*xaiv1.EmbedRequest).GetUser(); u != "u-2" {
		t.Errorf("user = %q, want u-2", u)
	}
}

func TestEmbedServerErrors(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	ctx := context.Background()
	_, err := c.Embed.Texts(ctx, "grok-4", []string{"x"}) // not an embedding model
	checkErr(t, err, codes.InvalidArgument, "grok-4")

	_, err = c.Embed.Inputs(ctx, "v1", []Part{ImageFileID("file-missing", DetailAuto)})
	checkErr(t, err, codes.NotFound, "file-missing")

	srv.InjectFault(xaiv1.Embedder_Embed_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Message: "down"})
	_, err = c.Embed.Inputs(ctx, "v1", []Part{Text("x")}, CallOptions{WithoutRetry()})
	checkErr(t, err, codes.Unavailable, "down")

	srv.InjectFault(xaiv1.Embedder_Embed_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Times: 1})
	if _, err := c.Embed.Texts(ctx, "v1", []string{"x"}); err != nil {
		t.Errorf("a transient fault was not retried: %v", err)
	}
}

func TestDecodeEmbeddings(t *testing.T) {
	t.Parallel()
	vec := []float32{1, -0.5, 0.25}
	raw := make([]byte, 12)
	for i, f := range vec {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(f))
	}
	enc := base64.StdEncoding.EncodeToString(raw)
	fv := func(v *xaiv1.FeatureVector) []*xaiv1.FeatureVector { return []*xaiv1.FeatureVector{v} }

	// Entries come back out of order, and in either encoding.
	got, err := decodeEmbeddings(&xaiv1.EmbedResponse{Embeddings: []*xaiv1.Embedding{
		{Index: 1, Embeddings: fv(&xaiv1.FeatureVector{Base64Array: enc})},
		{Index: 0, Embeddings: fv(&xaiv1.FeatureVector{FloatArray: []float32{7}})},
	}}, 2)
	if err != nil || !slices.Equal(got[0], []float32{7}) || !slices.Equal(got[1], vec) {
		t.Fatalf("decodeEmbeddings = %v, %v", got, err)
	}

	bad := []struct {
		name string
		embs []*xaiv1.Embedding
		want string
	}{
		{"missing", []*xaiv1.Embedding{{Index: 0, Embeddings: fv(&xaiv1.FeatureVector{FloatArray: vec})}}, "input 1 has no entry"},
		{"out of range", []*xaiv1.Embedding{{Index: 5}}, "index 5"},
		{"duplicate", []*xaiv1.Embedding{
			{Index: 0, Embeddings: fv(&xaiv1.FeatureVector{FloatArray: vec})},
			{Index: 0, Embeddings: fv(&xaiv1.FeatureVector{FloatArray: vec})},
		}, "two entries"},
		{"no vector", []*xaiv1.Embedding{{Index: 0}}, "no vector"},
		{"empty vector", []*xaiv1.Embedding{{Index: 0, Embeddings: fv(&xaiv1.FeatureVector{})}}, "empty vector"},
		{"bad base64", []*xaiv1.Embedding{{Index: 0, Embeddings: fv(&xaiv1.FeatureVector{Base64Array: "!!!"})}}, "does not decode"},
		{"partial float", []*xaiv1.Embedding{{Index: 0, Embeddings: fv(&xaiv1.FeatureVector{Base64Array: base64.StdEncoding.EncodeToString(raw[:6])})}}, "6 bytes"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			n := 2
			if tt.name != "missing" {
				n = 1
			}
			_, err := decodeEmbeddings(&xaiv1.EmbedResponse{Embeddings: tt.embs}, n)
			checkErr(t, err, codes.Internal, tt.want)
		})
	}

	var nilE *Embeddings
	if nilE.Vectors() != nil || nilE.Model() != "" || nilE.Usage() != nil {
		t.Error("nil *Embeddings accessors are not zero")
	}
}
