package xai

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestModelsListAndGet(t *testing.T) {
	t.Parallel()
	transports(t, func(t *testing.T, useBufconn bool) {
		_, c := newFake(t, useBufconn)
		ctx := context.Background()

		lang, err := c.Models.ListLanguage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(lang) == 0 || !slices.ContainsFunc(lang, func(m *xaiv1.LanguageModel) bool { return m.GetName() == "grok-4-0709" }) {
			t.Errorf("ListLanguage = %d models, want grok-4-0709 among them", len(lang))
		}
		m, err := c.Models.GetLanguage(ctx, "grok-4") // an alias
		if err != nil {
			t.Fatal(err)
		}
		if m.GetName() != "grok-4-0709" || m.GetMaxPromptLength() == 0 || m.GetCreated() == nil {
			t.Errorf("GetLanguage(grok-4) = %v", m)
		}

		emb, err := c.Models.ListEmbedding(ctx)
		if err != nil || len(emb) != 1 || emb[0].GetName() != "v1" {
			t.Fatalf("ListEmbedding = %v, %v", emb, err)
		}
		em, err := c.Models.GetEmbedding(ctx, "embedding-v1")
		if err != nil || em.GetName() != "v1" {
			t.Fatalf("GetEmbedding = %v, %v", em, err)
		}

		img, err := c.Models.ListImageGeneration(ctx)
		if err != nil || !slices.ContainsFunc(img, func(m *xaiv1.ImageGenerationModel) bool { return m.GetName() == "grok-imagine-image" }) {
			t.Fatalf("ListImageGeneration = %v, %v", img, err)
		}
		im, err := c.Models.GetImageGeneration(ctx, "grok-2-image")
		if err != nil || im.GetName() != "grok-2-image-1212" || im.GetImagePrice() == 0 {
			t.Fatalf("GetImageGeneration = %v, %v", im, err)
		}
	})
}

func TestModelsNotFound(t *testing.T) {
	t.Parallel()
	_, c := newFake(t, false)
	ctx := context.Background()
	_, err := c.Models.GetLanguage(ctx, "grok-99")
	checkErr(t, err, codes.NotFound, "grok-99")
	if !IsNotFound(err) {
		t.Error("IsNotFound is false")
	}
	_, err = c.Models.GetEmbedding(ctx, "grok-4") // not an embedding model
	checkErr(t, err, codes.NotFound)
	_, err = c.Models.GetImageGeneration(ctx, "v1")
	checkErr(t, err, codes.NotFound)
}

func TestModelsValidation(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	ctx := context.Background()
	_, err := c.Models.GetLanguage(ctx, "")
	checkErr(t, err, codes.InvalidArgument, "Models.GetLanguage", "model name is empty")
	_, err = c.Models.GetEmbedding(ctx, "  ")
	checkErr(t, err, codes.InvalidArgument, "Models.GetEmbedding")
	_, err = c.Models.GetImageGeneration(ctx, "")
	checkErr(t, err, codes.InvalidArgument, "Models.GetImageGeneration")
	_, err = c.Models.ListLanguage(ctx, WithCallTimeout(-time.Second))
	checkErr(t, err, codes.InvalidArgument, "WithCallTimeout")
	checkNoneSent(t, srv)
}

func TestModelsServerErrors(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	ctx := context.Background()
	calls := []struct {
		method string
		call   func() error
	}{
		{xaiv1.Models_ListLanguageModels_FullMethodName, func() error { _, err := c.Models.ListLanguage(ctx); return err }},
		{xaiv1.Models_GetLanguageModel_FullMethodName, func() error { _, err := c.Models.GetLanguage(ctx, "grok-4"); return err }},
		{xaiv1.Models_ListEmbeddingModels_FullMethodName, func() error { _, err := c.Models.ListEmbedding(ctx); return err }},
		{xaiv1.Models_GetEmbeddingModel_FullMethodName, func() error { _, err := c.Models.GetEmbedding(ctx, "v1"); return err }},
		{xaiv1.Models_ListImageGenerationModels_FullMethodName, func() error { _, err := c.Models.ListImageGeneration(ctx); return err }},
		{xaiv1.Models_GetImageGenerationModel_FullMethodName, func() error {
			_, err := c.Models.GetImageGeneration(ctx, "grok-2-image")
			return err
		}},
	}
	for _, tt := range calls {
		srv.InjectFault(tt.method, xaitest.Fault{Code: codes.PermissionDenied, Message: "no access to models"})
		checkErr(t, tt.call(), codes.PermissionDenied, "no access to models")
	}
}

func TestModelsRetryAndCallOptions(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	ctx := context.Background()
	// UNAVAILABLE is retried by the client's policy.
	srv.InjectFault(xaiv1.Models_ListLanguageModels_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Times: 2})
	var header metadata.MD
	if _, err := c.Models.ListLanguage(ctx, WithCallMetadata("x-trace", "t1"), CaptureHeader(&header)); err != nil {
		t.Fatalf("ListLanguage after 2 transient faults: %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("server got %d requests, want 3 (two retries)", len(reqs))
	}
	if got := reqs[2].Metadata.Get("x-trace"); len(got) != 1 || got[0] != "t1" {
		t.Errorf("x-trace metadata = %v", got)
	}
	if got := reqs[2].Metadata.Get("xai-sdk-language"); len(got) != 1 || !strings.HasPrefix(got[0], "go/1.") {
		t.Errorf("xai-sdk-language metadata = %v", got)
	}
	if header == nil {
		t.Error("CaptureHeader captured nothing")
	}
	// WithoutRetry makes one attempt.
	srv.ResetRequests()
	srv.InjectFault(xaiv1.Models_ListLanguageModels_FullMethodName, xaitest.Fault{Code: codes.Unavailable})
	_, err := c.Models.ListLanguage(ctx, WithoutRetry())
	checkErr(t, err, codes.Unavailable)
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("server got %d requests with WithoutRetry, want 1", n)
	}
	// The call's timeout applies.
	srv.SetLatency(time.Second)
	_, err = c.Models.ListEmbedding(ctx, WithCallTimeout(20*time.Millisecond))
	checkErr(t, err, codes.DeadlineExceeded)
}

func TestModelsZeroService(t *testing.T) {
	t.Parallel()
	var models *ModelsService
	_, err := models.ListLanguage(context.Background())
	checkErr(t, err, codes.InvalidArgument, "client.Models")
	_, err = (&ModelsService{}).GetLanguage(context.Background(), "grok-4")
	checkErr(t, err, codes.InvalidArgument, "client.Models")
}
