package xaitest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// An image over 20 MiB cannot reach the server inside a 20 MiB message, so
// the size check is exercised with a lower limit over the wire, and at the
// real limit directly.
func TestOversizeImage(t *testing.T) {
	srv, err := NewServer(WithBufconn(), withMaxImageBytes(64))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	png := append(append([]byte(nil), pngMagic...), bytes.Repeat([]byte{0}, 100)...)
	req := &xaiv1.GetCompletionsRequest{Model: "grok-4", Messages: []*xaiv1.Message{{
		Role: xaiv1.MessageRole_ROLE_USER,
		Content: []*xaiv1.Content{{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{
			Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)},
			Detail: xaiv1.ImageDetail_DETAIL_AUTO,
		}}}},
	}}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = xaiv1.NewChatClient(srv.Conn()).GetCompletion(ctx, req)
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "the image is 108 bytes, over the limit of 64 bytes") {
		t.Fatalf("got %v", err)
	}

	real, err := NewServer(WithBufconn())
	if err != nil {
		t.Fatal(err)
	}
	defer real.Close()
	big := base64.StdEncoding.EncodeToString(append(append([]byte(nil), pngMagic...), make([]byte, maxImageBytes)...))
	err = real.checkImage("", "img", &xaiv1.ImageUrlContent{
		Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: "data:image/png;base64," + big},
		Detail: xaiv1.ImageDetail_DETAIL_HIGH,
	})
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "over the limit of 20971520 bytes (20 MiB)") {
		t.Fatalf("got %v", err)
	}
	exact := base64.StdEncoding.EncodeToString(append(append([]byte(nil), pngMagic...), make([]byte, maxImageBytes-len(pngMagic))...))
	if err := real.checkImage("", "img", &xaiv1.ImageUrlContent{
		Source: &xaiv1.ImageUrlContent_ImageUrl{ImageUrl: "data:image/png;base64," + exact},
		Detail: xaiv1.ImageDetail_DETAIL_HIGH,
	}); err != nil {
		t.Fatalf("exactly 20 MiB: %v", err)
	}
}

// FuzzTokenizer checks that tokens are never empty and always rebuild the
// text.
func FuzzTokenizer(f *testing.F) {
	for _, s := range []string{"", " ", "  a", "a  ", "Hello, world!", "x\n\n y", "12345678", "ünï 🙂\t\tz", "\xff\xfe a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		n := 0
		scanTokens(s, func(tok string) {
			if tok == "" {
				t.Fatalf("empty token in %q", s)
			}
			b.WriteString(tok)
			n++
		})
		if b.String() != s || n != countTokens(s) {
			t.Fatalf("tokens of %q rebuild %q", s, b.String())
		}
		for k := 0; k <= n; k++ {
			cut, truncated := truncateTokens(s, k)
			if !strings.HasPrefix(s, cut) || truncated != (k < n) || countTokens(cut) > k {
				t.Fatalf("truncateTokens(%q, %d) = %q, %v", s, k, cut, truncated)
			}
		}
	})
}

func TestSplitDeltasRebuildsText(t *testing.T) {
	for _, s := range []string{"", "one", "You said: \"hi\". " + FixedSentence} {
		if got := strings.Join(splitDeltas(s), ""); got != s {
			t.Fatalf("splitDeltas(%q) rebuilds %q", s, got)
		}
	}
	if n := len(splitDeltas("You said: \"hi\". " + FixedSentence)); n < 3 {
		t.Fatalf("a default reply comes in %d deltas", n)
	}
}

func TestSweepDropsExpiredEntries(t *testing.T) {
	clock := NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv, err := NewServer(WithBufconn(), WithClock(clock), WithRetention(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	chat := xaiv1.NewChatClient(srv.Conn())
	req := &xaiv1.GetCompletionsRequest{Model: "grok-3", StoreMessages: true, Messages: []*xaiv1.Message{{
		Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{{Content: &xaiv1.Content_Text{Text: "x"}}},
	}}}
	if _, err := chat.GetCompletion(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := chat.StartDeferredCompletion(ctx, req); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * deferredRetention)
	srv.mu.Lock()
	srv.inserts = sweepEvery - 1
	srv.maybeSweepLocked(clock.Now())
	left := len(srv.responses) + len(srv.deferred)
	srv.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d expired entries survived the sweep", left)
	}
}

// A placeholder stays within its size budget on schemas whose expansion is
// exponential, and is still valid JSON; small schemas are not truncated.
func TestPlaceholderBudget(t *testing.T) {
	tests := []struct {
		name      string
		schema    string
		want      string // exact output, or "" to check only size and validity
		truncated bool
	}{
		{name: "small object", schema: `{"type":"object","properties":{"a":{"type":"integer","minimum":3},"b":{"type":"array","minItems":2,"items":{"type":"boolean"}}}}`, want: `{"a":3,"b":[false,false]}`},
		{name: "recursive array", schema: `{"type":"array","minItems":4,"items":{"$ref":"#"}}`, truncated: true},
		{name: "recursive object", schema: `{"type":"object","properties":{"l":{"$ref":"#"},"r":{"$ref":"#"},"s":{"type":"string","minLength":4096}}}`, truncated: true},
		{name: "wide arrays of long strings", schema: `{"type":"array","minItems":64,"items":{"type":"array","minItems":64,"items":{"type":"string","minLength":4096}}}`, truncated: true},
		{name: "large default repeated", schema: `{"type":"array","minItems":64,"items":{"type":"array","minItems":64,"items":{"default":"` + strings.Repeat("d", 2000) + `"}}}`, truncated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			schema, err := parseSchema(tt.schema)
			if err != nil {
				t.Fatal(err)
			}
			got := placeholderJSON(schema, "")
			if !json.Valid([]byte(got)) {
				t.Fatalf("placeholder is not valid JSON: %.200s", got)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("placeholder = %s, want %s", got, tt.want)
			}
			if len(got) > 2*maxPlaceholderBytes {
				t.Errorf("placeholder is %d bytes, over twice the budget of %d", len(got), maxPlaceholderBytes)
			}
			if tt.truncated && len(got) < maxPlaceholderBytes/2 {
				t.Errorf("placeholder is only %d bytes: the budget was not used", len(got))
			}
		})
	}
}
