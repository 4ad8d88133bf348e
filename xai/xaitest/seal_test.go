package xaitest_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestEncryptedReasoning(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	srv, chat := startClient(t, xaiv1.NewChatClient, xaitest.WithEncryptionKey(key))

	plainResp := complete(t, chat, chatReq("grok-4", user("secret thoughts")))
	reasoning := plainResp.GetOutputs()[0].GetMessage().GetReasoningContent()

	req := chatReq("grok-4", user("secret thoughts"))
	req.UseEncryptedContent = true
	resp := complete(t, chat, req)
	msg := resp.GetOutputs()[0].GetMessage()
	blob := msg.GetEncryptedContent()
	if msg.GetReasoningContent() != "" || blob == "" {
		t.Fatalf("reasoning %q, encrypted %q", msg.GetReasoningContent(), blob)
	}
	if _, err := base64.StdEncoding.DecodeString(blob); err != nil || strings.Contains(blob, "secret") {
		t.Fatalf("blob is not opaque base64: %q", blob)
	}
	if resp.GetUsage().GetReasoningTokens() != plainResp.GetUsage().GetReasoningTokens() {
		t.Fatalf("reasoning tokens %d vs %d", resp.GetUsage().GetReasoningTokens(), plainResp.GetUsage().GetReasoningTokens())
	}

	followUp := func(blob string) *xaiv1.GetCompletionsRequest {
		return chatReq("grok-4", user("secret thoughts"),
			&xaiv1.Message{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: []*xaiv1.Content{text(msg.GetContent())}, EncryptedContent: blob},
			user("go on"))
	}
	srv.ResetRequests()
	base := complete(t, chat, followUp(""))
	next, err := chat.GetCompletion(ctx(t), followUp(blob))
	if err != nil {
		t.Fatal(err)
	}
	restored := srv.RestoredReasoning()
	if len(restored) != 1 || restored[0] != reasoning {
		t.Fatalf("restored %q, want [%q]", restored, reasoning)
	}
	if reqs := srv.Requests(); len(reqs[1].RestoredReasoning) != 1 || len(reqs[0].RestoredReasoning) != 0 {
		t.Fatalf("per-request restored reasoning: %q / %q", reqs[0].RestoredReasoning, reqs[1].RestoredReasoning)
	}
	n := tokens(t, srv, reasoning)
	if got := next.GetUsage(); got.GetCachedPromptTextTokens() != n || got.GetPromptTextTokens() != base.GetUsage().GetPromptTextTokens()+n {
		t.Fatalf("usage with restored reasoning %v, without %v, reasoning tokens %d", got, base.GetUsage(), n)
	}

	// Tampering with any part of the blob is detected.
	raw, _ := base64.StdEncoding.DecodeString(blob)
	raw[len(raw)/2] ^= 1
	_, err = chat.GetCompletion(ctx(t), followUp(base64.StdEncoding.EncodeToString(raw)))
	wantCode(t, err, codes.InvalidArgument, "messages[1].encrypted_content cannot be decrypted")
	_, err = chat.GetCompletion(ctx(t), followUp("not base64 at all"))
	wantCode(t, err, codes.InvalidArgument, "cannot be decrypted")

	// Another server with another key rejects the blob; one with the same
	// key accepts it.
	other := start(t)
	_, err = xaiv1.NewChatClient(other.Conn()).GetCompletion(ctx(t), followUp(blob))
	wantCode(t, err, codes.InvalidArgument, "not issued by this server")
	twin := start(t, xaitest.WithEncryptionKey(key))
	if _, err := xaiv1.NewChatClient(twin.Conn()).GetCompletion(ctx(t), followUp(blob)); err != nil {
		t.Fatalf("same key: %v", err)
	}
}
