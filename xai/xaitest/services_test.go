package xaitest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"image/png"
	"math"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/emptypb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestModels(t *testing.T) {
	srv, models := startClient(t, xaiv1.NewModelsClient)
	langs, err := models.ListLanguageModels(ctx(t), &emptypb.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]*xaiv1.LanguageModel{}
	for _, m := range langs.GetModels() {
		names[m.GetName()] = m
		if m.GetPromptTextTokenPrice() <= 0 || m.GetCompletionTextTokenPrice() <= 0 || m.GetCreated() == nil ||
			m.GetMaxPromptLength() <= 0 || len(m.GetInputModalities()) == 0 {
			t.Fatalf("incomplete model %v", m)
		}
	}
	for _, want := range []string{"grok-4-0709", "grok-4-fast-reasoning", "grok-3", "grok-3-mini", "grok-code-fast-1"} {
		if names[want] == nil {
			t.Fatalf("catalogue lacks %s", want)
		}
	}
	// Every listed model serves chat, by name and by each alias.
	chat := xaiv1.NewChatClient(srv.Conn())
	for _, m := range langs.GetModels() {
		for _, name := range append([]string{m.GetName()}, m.GetAliases()...) {
			resp, err := chat.GetCompletion(ctx(t), chatReq(name, user("hi")))
			if err != nil || resp.GetModel() != m.GetName() {
				t.Fatalf("chat with %q: %v %v", name, resp.GetModel(), err)
			}
		}
	}

	cases := []struct {
		name string
		get  func(string) (string, error)
		ok   []string
	}{
		{"language", func(n string) (string, error) {
			m, err := models.GetLanguageModel(ctx(t), &xaiv1.GetModelRequest{Name: n})
			return m.GetName(), err
		}, []string{"grok-4", "grok-4-latest", "grok-4-0709"}},
		{"embedding", func(n string) (string, error) {
			m, err := models.GetEmbeddingModel(ctx(t), &xaiv1.GetModelRequest{Name: n})
			return m.GetName(), err
		}, []string{"v1"}},
		{"image", func(n string) (string, error) {
			m, err := models.GetImageGenerationModel(ctx(t), &xaiv1.GetModelRequest{Name: n})
			return m.GetName(), err
		}, []string{"grok-2-image", "grok-2-image-1212"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			first := ""
			for _, n := range tc.ok {
				got, err := tc.get(n)
				if err != nil {
					t.Fatalf("%s: %v", n, err)
				}
				if first == "" {
					first = got
				} else if got != first {
					t.Fatalf("%s resolves to %s, not %s", n, got, first)
				}
			}
			_, err := tc.get("grok-0")
			wantCode(t, err, codes.NotFound, `"grok-0" not found`)
			_, err = tc.get("")
			wantCode(t, err, codes.InvalidArgument, "name is required")
		})
	}
	embeds, err := models.ListEmbeddingModels(ctx(t), &emptypb.Empty{})
	if err != nil || len(embeds.GetModels()) == 0 {
		t.Fatalf("embedding models: %v %v", embeds, err)
	}
	images, err := models.ListImageGenerationModels(ctx(t), &emptypb.Empty{})
	if err != nil || len(images.GetModels()) == 0 || images.GetModels()[0].GetImagePrice() <= 0 {
		t.Fatalf("image models: %v %v", images, err)
	}
}

func TestAPIKeyInfo(t *testing.T) {
	keys := []string{"xai-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "second-key-0123456789"}
	srv := start(t, xaitest.WithAPIKeys(keys...))
	conn := rawConn(t, srv)
	seen := map[string]bool{}
	for _, key := range keys {
		c := metadata.AppendToOutgoingContext(ctx(t), "authorization", "Bearer "+key)
		info, err := xaiv1.NewAuthClient(conn).GetApiKeyInfo(c, &emptypb.Empty{})
		if err != nil {
			t.Fatal(err)
		}
		red := info.GetRedactedApiKey()
		if strings.Contains(red, key) || !strings.Contains(red, "***") || !strings.HasPrefix(key, strings.Split(red, "***")[0]) ||
			len(red) >= len(key) {
			t.Fatalf("redacted %q for %q", red, key)
		}
		if info.GetApiKeyId() == "" || info.GetUserId() == "" || info.GetTeamId() == "" || len(info.GetAcls()) == 0 ||
			info.GetCreateTime() == nil || info.GetApiKeyBlocked() || info.GetDisabled() || info.GetTeamBlocked() {
			t.Fatalf("info %v", info)
		}
		if seen[info.GetApiKeyId()] {
			t.Fatal("two keys share an api_key_id")
		}
		seen[info.GetApiKeyId()] = true
	}
	// A short key is never shown whole either.
	short := start(t, xaitest.WithAPIKeys("k1"))
	info, err := xaiv1.NewAuthClient(short.Conn()).GetApiKeyInfo(ctx(t), &emptypb.Empty{})
	if err != nil || strings.Contains(info.GetRedactedApiKey(), "k1") {
		t.Fatalf("short key: %v %v", info, err)
	}
}

func TestTokenize(t *testing.T) {
	_, tok := startClient(t, xaiv1.NewTokenizeClient)
	const input = "Hello, world!  Numbers 1234567 and ünïcødé… emoji 🙂\n\nnew paragraph"
	resp, err := tok.TokenizeText(ctx(t), &xaiv1.TokenizeTextRequest{Model: "grok-4-latest", Text: input})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetModel() != "grok-4-0709" {
		t.Fatalf("model %q", resp.GetModel())
	}
	var joined strings.Builder
	for _, tk := range resp.GetTokens() {
		if tk.GetStringToken() != string(tk.GetTokenBytes()) || tk.GetStringToken() == "" {
			t.Fatalf("token %v", tk)
		}
		joined.WriteString(tk.GetStringToken())
	}
	if joined.String() != input {
		t.Fatalf("tokens rebuild %q", joined.String())
	}
	want := []string{"Hello", ",", " world", "!", " ", " Numbers", " 123", "456", "7", " and", " ünïcødé", "…", " emoji", " 🙂", "\n\n", "new", " paragraph"}
	var got []string
	for _, tk := range resp.GetTokens() {
		got = append(got, tk.GetStringToken())
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("tokens\n got %q\nwant %q", got, want)
	}
	again, err := tok.TokenizeText(ctx(t), &xaiv1.TokenizeTextRequest{Model: "grok-3", Text: "Hello world"})
	if err != nil {
		t.Fatal(err)
	}
	if again.GetTokens()[0].GetTokenId() != resp.GetTokens()[0].GetTokenId() {
		t.Fatal("token IDs are not stable")
	}
	if again.GetTokens()[0].GetTokenId() == again.GetTokens()[1].GetTokenId() {
		t.Fatal("different tokens share an ID")
	}
	empty, err := tok.TokenizeText(ctx(t), &xaiv1.TokenizeTextRequest{Model: "grok-3"})
	if err != nil || len(empty.GetTokens()) != 0 {
		t.Fatalf("empty text: %v %v", empty, err)
	}
	_, err = tok.TokenizeText(ctx(t), &xaiv1.TokenizeTextRequest{Text: "x"})
	wantCode(t, err, codes.InvalidArgument, "model is required")
	_, err = tok.TokenizeText(ctx(t), &xaiv1.TokenizeTextRequest{Model: "nope", Text: "x"})
	wantCode(t, err, codes.InvalidArgument, `"nope"`)
}

func TestGenerateImage(t *testing.T) {
	srv, img := startClient(t, xaiv1.NewImageClient)
	req := &xaiv1.GenerateImageRequest{
		Prompt: "a cat in space", Model: "grok-2-image", N: ptr[int32](2),
		Format: xaiv1.ImageFormat_IMG_FORMAT_BASE64, AspectRatio: xaiv1.ImageAspectRatio_IMG_ASPECT_RATIO_16_9.Enum(),
	}
	resp, err := img.GenerateImage(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetModel() != "grok-2-image-1212" || len(resp.GetImages()) != 2 || resp.GetUsage().GetCostInUsdTicks() <= 0 {
		t.Fatalf("response %v", resp)
	}
	var decoded [][]byte
	for _, im := range resp.GetImages() {
		b64, ok := strings.CutPrefix(im.GetBase64(), "data:image/png;base64,")
		if !ok {
			t.Fatalf("base64 image %.40q", im.GetBase64())
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatal(err)
		}
		pic, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if b := pic.Bounds(); b.Dx() != 64 || b.Dy() != 36 {
			t.Fatalf("16:9 image is %dx%d", b.Dx(), b.Dy())
		}
		decoded = append(decoded, raw)
	}
	if bytes.Equal(decoded[0], decoded[1]) {
		t.Fatal("the two images are identical")
	}
	again, err := img.GenerateImage(ctx(t), req)
	if err != nil || again.GetImages()[0].GetBase64() != resp.GetImages()[0].GetBase64() {
		t.Fatalf("not deterministic: %v", err)
	}

	asURL, err := img.GenerateImage(ctx(t), &xaiv1.GenerateImageRequest{Prompt: "a dog", Model: "grok-2-image", Format: xaiv1.ImageFormat_IMG_FORMAT_URL})
	if err != nil || !strings.HasPrefix(asURL.GetImages()[0].GetUrl(), "https://") {
		t.Fatalf("url: %v %v", asURL, err)
	}

	stored, err := img.GenerateImage(ctx(t), &xaiv1.GenerateImageRequest{
		Prompt: "to keep", Model: "grok-2-image", Format: xaiv1.ImageFormat_IMG_FORMAT_URL,
		StorageOptions: &xaiv1.StorageOptions{Filename: "keep.png", PublicUrl: &xaiv1.PublicUrlOptions{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := stored.GetImages()[0].GetFileOutput()
	if out.GetFileId() == "" || out.GetFilename() != "keep.png" || out.GetPublicUrl() == "" {
		t.Fatalf("file output %v", out)
	}
	if f, err := xaiv1.NewFilesClient(srv.Conn()).RetrieveFile(ctx(t), &xaiv1.RetrieveFileRequest{FileId: out.GetFileId()}); err != nil || f.GetSize() == 0 {
		t.Fatalf("stored image file: %v %v", f, err)
	}

	bad := []struct {
		name     string
		req      *xaiv1.GenerateImageRequest
		fragment string
	}{
		{"empty prompt", &xaiv1.GenerateImageRequest{Model: "grok-2-image"}, "prompt is required"},
		{"empty model", &xaiv1.GenerateImageRequest{Prompt: "x"}, "model is required"},
		{"chat model", &xaiv1.GenerateImageRequest{Prompt: "x", Model: "grok-4"}, "not an image generation model"},
		{"n too big", &xaiv1.GenerateImageRequest{Prompt: "x", Model: "grok-2-image", N: ptr[int32](11)}, "n must be between 1 and 10"},
		{"http source", &xaiv1.GenerateImageRequest{Prompt: "x", Model: "grok-2-image", Image: &xaiv1.ImageUrlContent{
			Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: "http://example.com/a.png"}, Detail: xaiv1.ImageDetail_DETAIL_AUTO}}, "image.image_url must use https"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := img.GenerateImage(ctx(t), tc.req)
			wantCode(t, err, codes.InvalidArgument, tc.fragment)
		})
	}
}

func TestEmbed(t *testing.T) {
	_, emb := startClient(t, xaiv1.NewEmbedderClient)
	in := func(s string) *xaiv1.EmbedInput {
		return &xaiv1.EmbedInput{Input: &xaiv1.EmbedInput_String_{String_: s}}
	}
	pic := &xaiv1.EmbedInput{Input: &xaiv1.EmbedInput_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{
		Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: "https://example.com/a.png"}, Detail: xaiv1.ImageDetail_DETAIL_AUTO}}}
	resp, err := emb.Embed(ctx(t), &xaiv1.EmbedRequest{Model: "v1", Input: []*xaiv1.EmbedInput{in("cat"), in("dog"), in("cat"), pic},
		EncodingFormat: xaiv1.EmbedEncodingFormat_FORMAT_FLOAT})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetUsage().GetNumTextEmbeddings() != 3 || resp.GetUsage().GetNumImageEmbeddings() != 1 || resp.GetId() == "" {
		t.Fatalf("response %v", resp.GetUsage())
	}
	vec := func(i int) []float32 { return resp.GetEmbeddings()[i].GetEmbeddings()[0].GetFloatArray() }
	var norm float64
	for _, f := range vec(0) {
		norm += float64(f) * float64(f)
	}
	if len(vec(0)) != 256 || math.Abs(norm-1) > 1e-4 {
		t.Fatalf("vector of %d floats, norm² %v", len(vec(0)), norm)
	}
	for i, e := range resp.GetEmbeddings() {
		if int(e.GetIndex()) != i {
			t.Fatalf("index %d at %d", e.GetIndex(), i)
		}
	}
	if !equalFloats(vec(0), vec(2)) || equalFloats(vec(0), vec(1)) {
		t.Fatal("equal inputs must give equal vectors, different inputs different ones")
	}

	b64, err := emb.Embed(ctx(t), &xaiv1.EmbedRequest{Model: "v1", Input: []*xaiv1.EmbedInput{in("cat")},
		EncodingFormat: xaiv1.EmbedEncodingFormat_FORMAT_BASE64})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(b64.GetEmbeddings()[0].GetEmbeddings()[0].GetBase64Array())
	if err != nil || len(raw) != 4*256 {
		t.Fatalf("base64 vector: %d bytes, %v", len(raw), err)
	}
	decoded := make([]float32, 256)
	for i := range decoded {
		decoded[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	if !equalFloats(decoded, vec(0)) {
		t.Fatal("base64 vector differs from the float one")
	}

	bad := []struct {
		name     string
		req      *xaiv1.EmbedRequest
		fragment string
	}{
		{"no input", &xaiv1.EmbedRequest{Model: "v1"}, "input must not be empty"},
		{"no model", &xaiv1.EmbedRequest{Input: []*xaiv1.EmbedInput{in("x")}}, "model is required"},
		{"chat model", &xaiv1.EmbedRequest{Model: "grok-4", Input: []*xaiv1.EmbedInput{in("x")}}, "not an embedding model"},
		{"empty string", &xaiv1.EmbedRequest{Model: "v1", Input: []*xaiv1.EmbedInput{in("x"), in("")}}, "input[1].string is empty"},
		{"empty input", &xaiv1.EmbedRequest{Model: "v1", Input: []*xaiv1.EmbedInput{{}}}, "input[0] is empty"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := emb.Embed(ctx(t), tc.req)
			wantCode(t, err, codes.InvalidArgument, tc.fragment)
		})
	}
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSample(t *testing.T) {
	_, sample := startClient(t, xaiv1.NewSampleClient)
	req := &xaiv1.SampleTextRequest{Model: "grok-3", Prompt: []string{"Once upon a time", "The end"}, N: ptr[int32](2)}
	resp, err := sample.SampleText(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetChoices()) != 4 || resp.GetUsage().GetTotalTokens() != resp.GetUsage().GetPromptTokens()+resp.GetUsage().GetCompletionTokens() {
		t.Fatalf("response %v", resp)
	}
	stream, err := sample.SampleTextStreaming(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	texts := make([]string, 4)
	var last *xaiv1.SampleTextResponse
	for {
		msg, err := stream.Recv()
		if err != nil {
			break
		}
		last = msg
		for _, c := range msg.GetChoices() {
			texts[c.GetIndex()] += c.GetText()
		}
	}
	for i, c := range resp.GetChoices() {
		if texts[i] != c.GetText() || c.GetText() == "" || last.GetChoices()[i].GetFinishReason() != xaiv1.FinishReason_REASON_STOP {
			t.Fatalf("choice %d: stream %q, unary %q", i, texts[i], c.GetText())
		}
	}
	req.MaxTokens = ptr[int32](2)
	cut, err := sample.SampleText(ctx(t), req)
	if err != nil || cut.GetChoices()[0].GetFinishReason() != xaiv1.FinishReason_REASON_MAX_LEN {
		t.Fatalf("max_tokens: %v %v", cut, err)
	}
	_, err = sample.SampleText(ctx(t), &xaiv1.SampleTextRequest{Model: "grok-3"})
	wantCode(t, err, codes.InvalidArgument, "prompt must not be empty")
	_, err = sample.SampleText(ctx(t), &xaiv1.SampleTextRequest{Model: "grok-3", Prompt: []string{"x"}, Temperature: ptr[float32](9)})
	wantCode(t, err, codes.InvalidArgument, "temperature")
}
