package xaiotel

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

func TestServerAddress(t *testing.T) {
	t.Parallel()
	for target, want := range map[string]struct {
		host string
		port int
	}{
		"api.x.ai:443":             {"api.x.ai", 443},
		"dns:///api.x.ai:443":      {"api.x.ai", 443},
		"dns://8.8.8.8/api.x.ai:8": {"api.x.ai", 8},
		"127.0.0.1:50051":          {"127.0.0.1", 50051},
		"[::1]:50051":              {"::1", 50051},
		"passthrough:///bufnet":    {"bufnet", 0},
		"unix:///tmp/xai.sock":     {"unix:///tmp/xai.sock", 0},
	} {
		cc, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		host, port := serverAddress(cc)
		cc.Close()
		if host != want.host || port != want.port {
			t.Errorf("serverAddress(%q) = %q, %d; want %q, %d", target, host, port, want.host, want.port)
		}
	}
	if h, p := serverAddress(nil); h != "" || p != 0 {
		t.Errorf("serverAddress(nil) = %q, %d", h, p)
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	for r, want := range map[xaiv1.FinishReason]string{
		xaiv1.FinishReason_REASON_STOP:        "stop",
		xaiv1.FinishReason_REASON_MAX_LEN:     "length",
		xaiv1.FinishReason_REASON_MAX_CONTEXT: "max_context",
		xaiv1.FinishReason_REASON_TOOL_CALLS:  "tool_calls",
		xaiv1.FinishReason_REASON_TIME_LIMIT:  "time_limit",
	} {
		if got := finishReason(r); got != want {
			t.Errorf("finishReason(%v) = %q, want %q", r, got, want)
		}
	}
	for c, want := range map[codes.Code]string{
		codes.Canceled: "CANCELLED", codes.Unavailable: "UNAVAILABLE", codes.Unauthenticated: "UNAUTHENTICATED", codes.Code(42): "CODE_42",
	} {
		if got := codeName(c); got != want {
			t.Errorf("codeName(%v) = %q, want %q", c, got, want)
		}
	}
	if got := roundFloat32(0.7); got != 0.7 {
		t.Errorf("roundFloat32(0.7) = %v", got)
	}
}

func TestInlineDataNotRecorded(t *testing.T) {
	t.Parallel()
	data := "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
	m := inputMessage(&xaiv1.Message{
		Role: xaiv1.MessageRole_ROLE_USER,
		Content: []*xaiv1.Content{
			{Content: &xaiv1.Content_Text{Text: "look"}},
			{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: data}}}},
			{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: "https://example.com/a.jpg"}}}},
			{Content: &xaiv1.Content_File{File: &xaiv1.FileContent{Data: []byte("secret file body"), MimeType: "text/plain"}}},
		},
		EncryptedContent: "sealed-blob",
	})
	got := marshal([]message{m})
	want := `[{"role":"user","parts":[{"content":"look","type":"text"},{"mime_type":"image/png","modality":"image","type":"blob"},` +
		`{"modality":"image","type":"uri","uri":"https://example.com/a.jpg"},{"mime_type":"text/plain","type":"file"}]}]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
