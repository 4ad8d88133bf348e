package xai

import (
	"bytes"
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestTokenizeTextAndCount(t *testing.T) {
	t.Parallel()
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		ctx := context.Background()
		const text = "Hello, world! 12345 héllo"
		toks, err := c.Tokenize.Text(ctx, "grok-4", text)
		if err != nil {
			t.Fatal(err)
		}
		var all []byte
		for _, tok := range toks {
			if tok.ID == 0 && tok.Text == "" {
				t.Errorf("empty token %+v", tok)
			}
			all = append(all, tok.Bytes...)
		}
		if !bytes.Equal(all, []byte(text)) {
			t.Errorf("token bytes join to %q, want %q", all, text)
		}
		if toks[0].Text != "Hello" || toks[1].Text != "," {
			t.Errorf("first tokens = %+v", toks[:2])
		}
		n, err := c.Tokenize.Count(ctx, "grok-4-latest", text)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(toks) {
			t.Errorf("Count = %d, want %d", n, len(toks))
		}
		if n, err := c.Tokenize.Count(ctx, "grok-4", ""); err != nil || n != 0 {
			t.Errorf("Count of empty text = %d, %v", n, err)
		}
		req := srv.Requests()[0].Message.(*xaiv1.TokenizeTextRequest)
		if req.GetModel() != "grok-4" || req.GetText() != text {
			t.Errorf("request = %v", req)
		}
	})
}

func TestTokenizeErrors(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	ctx := context.Background()
	_, err := c.Tokenize.Text(ctx, "", "hi")
	checkErr(t, err, codes.InvalidArgument, "Tokenize.Text", "model name is empty")
	_, err = c.Tokenize.Count(ctx, " ", "hi")
	checkErr(t, err, codes.InvalidArgument, "Tokenize.Count")
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("the server received %d requests, want none", n)
	}

	_, err = c.Tokenize.Count(ctx, "grok-99", "hi") // checked by the server
	checkErr(t, err, codes.InvalidArgument, "grok-99")

	srv.InjectFault(xaiv1.Tokenize_TokenizeText_FullMethodName, xaitest.Fault{Code: codes.ResourceExhausted, Message: "slow down"})
	_, err = c.Tokenize.Text(ctx, "grok-4", "hi")
	checkErr(t, err, codes.ResourceExhausted, "slow down")
	if !IsRateLimited(err) {
		t.Error("IsRateLimited is false")
	}

	var zero TokenizeService
	_, err = zero.Count(ctx, "grok-4", "hi")
	checkErr(t, err, codes.InvalidArgument, "client.Tokenize")
}
