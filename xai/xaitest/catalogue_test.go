package xaitest_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// The model names of the official Python SDK 1.19.0,
// src/xai_sdk/types/model.py (Literal lists ChatModel,
// ImageGenerationModel and VideoGenerationModel).
var (
	officialChatModels = []string{
		"grok-4", "grok-4-0709", "grok-4-latest",
		"grok-4-1-fast", "grok-4-1-fast-reasoning", "grok-4-1-fast-reasoning-latest",
		"grok-4-1-fast-non-reasoning", "grok-4-1-fast-non-reasoning-latest",
		"grok-4-fast", "grok-4-fast-reasoning", "grok-4-fast-reasoning-latest",
		"grok-4-fast-non-reasoning", "grok-4-fast-non-reasoning-latest",
		"grok-4.20-0309-reasoning", "grok-4.20", "grok-4.20-0309", "grok-4.20-reasoning-latest",
		"grok-4.20-0309-non-reasoning", "grok-4.20-non-reasoning", "grok-4.20-non-reasoning-latest",
		"grok-4.20-multi-agent", "grok-4.20-multi-agent-0309", "grok-4.20-multi-agent-latest",
		"grok-4.3", "grok-4.3-latest", "grok-4.5", "grok-4.5-latest", "grok-4.6",
		"grok-code-fast-1", "grok-build-0.1",
		"grok-3", "grok-3-latest", "grok-3-mini", "grok-3-fast", "grok-3-fast-latest",
		"grok-3-mini-fast", "grok-3-mini-fast-latest",
	}
	officialImageModels = []string{"grok-imagine-image", "grok-imagine-image-2.0", "grok-imagine-image-quality"}
	officialVideoModels = []string{"grok-imagine-video", "grok-imagine-video-1.5"}
)

// TestCatalogueAcceptsOfficialSDKModels: every model name the official SDK
// 1.19 offers works with the service it names.
func TestCatalogueAcceptsOfficialSDKModels(t *testing.T) {
	if len(officialChatModels) != 37 {
		t.Fatalf("the list has %d chat models; SDK 1.19 lists 37 (issue 16)", len(officialChatModels))
	}
	srv, chat := startClient(t, xaiv1.NewChatClient)
	img := xaiv1.NewImageClient(srv.Conn())
	vid := xaiv1.NewVideoClient(srv.Conn())
	models := xaiv1.NewModelsClient(srv.Conn())
	for _, name := range officialChatModels {
		resp, err := chat.GetCompletion(ctx(t), chatReq(name, user("hi")))
		if err != nil {
			t.Errorf("chat model %q: %v", name, err)
			continue
		}
		m, err := models.GetLanguageModel(ctx(t), &xaiv1.GetModelRequest{Name: name})
		if err != nil {
			t.Errorf("GetLanguageModel(%q): %v", name, err)
			continue
		}
		if resp.GetModel() != m.GetName() {
			t.Errorf("chat model %q: response names %q, the catalogue %q", name, resp.GetModel(), m.GetName())
		}
	}
	for _, name := range officialImageModels {
		if _, err := img.GenerateImage(ctx(t), &xaiv1.GenerateImageRequest{Model: name, Prompt: "a kite"}); err != nil {
			t.Errorf("image model %q: %v", name, err)
		}
	}
	for _, name := range officialVideoModels {
		if _, err := vid.GenerateVideo(ctx(t), &xaiv1.GenerateVideoRequest{Model: name, Prompt: "a kite"}); err != nil {
			t.Errorf("video model %q: %v", name, err)
		}
	}
}

// TestCatalogueIssueModels checks the names issue 16 found rejected, the
// full names that aliases resolve to (docs.x.ai model pages: grok-4.20 is
// an alias of grok-4.20-0309-reasoning, grok-4-1-fast of
// grok-4-1-fast-reasoning), and the capabilities the fake acts on.
func TestCatalogueIssueModels(t *testing.T) {
	srv, chat := startClient(t, xaiv1.NewChatClient)
	for name, full := range map[string]string{
		"grok-4.20-non-reasoning": "grok-4.20-0309-non-reasoning",
		"grok-4.20":               "grok-4.20-0309-reasoning",
		"grok-4.3":                "grok-4.3",
		"grok-4-1-fast":           "grok-4-1-fast-reasoning",
	} {
		resp, err := chat.GetCompletion(ctx(t), chatReq(name, user("hi")))
		if err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		if resp.GetModel() != full {
			t.Errorf("%q: response model %q, want %q", name, resp.GetModel(), full)
		}
	}
	img := xaiv1.NewImageClient(srv.Conn())
	for _, name := range []string{"grok-imagine-image-2.0", "grok-imagine-image-quality"} {
		resp, err := img.GenerateImage(ctx(t), &xaiv1.GenerateImageRequest{Model: name, Prompt: "a kite"})
		if err != nil || resp.GetModel() != name {
			t.Errorf("image model %q: %v, %v", name, resp.GetModel(), err)
		}
	}
	if _, err := xaiv1.NewVideoClient(srv.Conn()).GenerateVideo(ctx(t), &xaiv1.GenerateVideoRequest{Model: "grok-imagine-video-1.5", Prompt: "a kite"}); err != nil {
		t.Errorf("grok-imagine-video-1.5: %v", err)
	}

	// Capabilities: reasoning models reason, non-reasoning ones refuse an
	// effort; the grok-4.20 models take images (docs.x.ai: text, image -> text).
	r, err := chat.GetCompletion(ctx(t), chatReq("grok-4.20", user("think")))
	if err != nil || r.GetOutputs()[0].GetMessage().GetReasoningContent() == "" {
		t.Errorf("grok-4.20 gave no reasoning: %v", err)
	}
	req := chatReq("grok-4.20-non-reasoning", user("think"))
	req.ReasoningEffort = xaiv1.ReasoningEffort_EFFORT_HIGH.Enum()
	_, err = chat.GetCompletion(ctx(t), req)
	wantCode(t, err, codes.InvalidArgument, "grok-4.20-0309-non-reasoning", "reasoning_effort")
	if _, err := chat.GetCompletion(ctx(t), chatReq("grok-4.20-non-reasoning",
		user("what is this?", image("https://example.com/cat.png", xaiv1.ImageDetail_DETAIL_AUTO)))); err != nil {
		t.Errorf("grok-4.20-non-reasoning refused an image: %v", err)
	}

	// Unknown names are rejected as before.
	_, err = chat.GetCompletion(ctx(t), chatReq("grok-9000", user("hi")))
	wantCode(t, err, codes.InvalidArgument, "grok-9000")
	_, err = img.GenerateImage(ctx(t), &xaiv1.GenerateImageRequest{Model: "grok-imagine-image-9", Prompt: "a kite"})
	wantCode(t, err, codes.InvalidArgument, "grok-imagine-image-9")
}

func TestWithModels(t *testing.T) {
	srv := start(t, xaitest.WithModels(
		xaitest.Model{Kind: xaitest.ChatModel, Name: "grok-5-0101", Aliases: []string{"grok-5"}, Reasoning: true},
		xaitest.Model{Kind: xaitest.ImageModel, Name: "grok-imagine-image-3"},
		xaitest.Model{Kind: xaitest.VideoModel, Name: "grok-imagine-video-2"},
		xaitest.Model{Kind: xaitest.EmbeddingModel, Name: "v2"},
	))
	chat := xaiv1.NewChatClient(srv.Conn())
	resp, err := chat.GetCompletion(ctx(t), chatReq("grok-5", user("think")))
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetModel() != "grok-5-0101" || resp.GetOutputs()[0].GetMessage().GetReasoningContent() == "" {
		t.Errorf("added chat model: model %q, reasoning %q", resp.GetModel(), resp.GetOutputs()[0].GetMessage().GetReasoningContent())
	}
	_, err = chat.GetCompletion(ctx(t), chatReq("grok-5", user("what is this?", image("https://example.com/cat.png", xaiv1.ImageDetail_DETAIL_AUTO))))
	wantCode(t, err, codes.InvalidArgument, "does not accept image input")
	if _, err := xaiv1.NewImageClient(srv.Conn()).GenerateImage(ctx(t), &xaiv1.GenerateImageRequest{Model: "grok-imagine-image-3", Prompt: "a kite"}); err != nil {
		t.Errorf("added image model: %v", err)
	}
	if _, err := xaiv1.NewVideoClient(srv.Conn()).GenerateVideo(ctx(t), &xaiv1.GenerateVideoRequest{Model: "grok-imagine-video-2", Prompt: "a kite"}); err != nil {
		t.Errorf("added video model: %v", err)
	}
	emb, err := xaiv1.NewEmbedderClient(srv.Conn()).Embed(ctx(t), &xaiv1.EmbedRequest{Model: "v2",
		Input: []*xaiv1.EmbedInput{{Input: &xaiv1.EmbedInput_String_{String_: "hi"}}}})
	if err != nil || emb.GetModel() != "v2" {
		t.Errorf("added embedding model: %v, %v", emb.GetModel(), err)
	}
	langs, err := xaiv1.NewModelsClient(srv.Conn()).ListLanguageModels(ctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if last := langs.GetModels()[len(langs.GetModels())-1]; last.GetName() != "grok-5-0101" || strings.Join(last.GetAliases(), ",") != "grok-5" {
		t.Errorf("listed last: %v", last)
	}

	// Another server does not see them.
	other := start(t)
	_, err = xaiv1.NewChatClient(other.Conn()).GetCompletion(ctx(t), chatReq("grok-5", user("hi")))
	wantCode(t, err, codes.InvalidArgument, "grok-5")
}

func TestWithModelsRejectsMistakes(t *testing.T) {
	for name, m := range map[string]xaitest.Model{
		"taken name":          {Kind: xaitest.ChatModel, Name: "grok-4"},
		"taken alias":         {Kind: xaitest.ImageModel, Name: "new", Aliases: []string{"grok-imagine-video"}},
		"alias twice":         {Kind: xaitest.ChatModel, Name: "new", Aliases: []string{"a", "a"}},
		"empty name":          {Kind: xaitest.ChatModel},
		"space in alias":      {Kind: xaitest.ChatModel, Name: "new", Aliases: []string{"a b"}},
		"no kind":             {Name: "new"},
		"reasoning for image": {Kind: xaitest.ImageModel, Name: "new", Reasoning: true},
	} {
		srv, err := xaitest.NewServer(xaitest.WithModels(m))
		if err == nil {
			srv.Close()
			t.Errorf("%s: NewServer accepted %+v", name, m)
		}
	}
}
