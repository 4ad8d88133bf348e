package main

import (
	"io"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	controlv1 "github.com/gogrok/sdk/gen/xaitest/control/v1"
)

func TestControlKeyFlag(t *testing.T) {
	addr, stderr := serve(t, "-control-key", "ctl-key", "-request-log", "1")
	conn := dial(t, addr)
	ctl, chat := controlv1.NewControlServiceClient(conn), xaiv1.NewChatClient(conn)
	cctx, cancel, req := hello("ctl-key")
	defer cancel()

	if _, err := ctl.EnqueueReply(cctx, &controlv1.EnqueueReplyRequest{Reply: &controlv1.Reply{Content: "from the control service"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.InjectFault(cctx, &controlv1.InjectFaultRequest{
		Method: xaiv1.Chat_GetCompletion_FullMethodName, Code: uint32(codes.ResourceExhausted), Message: "quota",
	}); err != nil {
		t.Fatal(err)
	}
	actx, cancel, _ := hello("xai-test-key")
	defer cancel()
	_, err := chat.GetCompletion(actx, req)
	if st := status.Convert(err); st.Code() != codes.ResourceExhausted || st.Message() != "quota" {
		t.Fatalf("first call: %v, want the injected fault", err)
	}
	resp, err := chat.GetCompletion(actx, req)
	if err != nil || resp.GetOutputs()[0].GetMessage().GetContent() != "from the control service" {
		t.Fatalf("second call: %v, %v; want the scripted reply", resp, err)
	}

	// -request-log 1 keeps the last call only.
	got, err := ctl.ListRequests(cctx, &controlv1.ListRequestsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.GetRequests()); n != 1 || !strings.Contains(got.GetRequests()[0].GetMessageJson(), "ping") {
		t.Fatalf("ListRequests = %v, want the last call", got)
	}

	// API keys cannot control, and the control key is no API key.
	if _, err := ctl.Reset(actx, &controlv1.ResetRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("Reset with the API key: %v", err)
	}
	if _, err := chat.GetCompletion(cctx, req); status.Code(err) != codes.Unauthenticated {
		t.Errorf("GetCompletion with the control key: %v", err)
	}
	if e := stderr(); !strings.Contains(e, "control service is on") || strings.Contains(e, "ctl-key") {
		t.Errorf("stderr %q: want the control service announced, without its key", e)
	}
}

func TestControlOffWithoutKey(t *testing.T) {
	addr, _ := serve(t)
	ctx, cancel, _ := hello("xai-test-key")
	defer cancel()
	_, err := controlv1.NewControlServiceClient(dial(t, addr)).ListRequests(ctx, &controlv1.ListRequestsRequest{})
	if st := status.Convert(err); st.Code() != codes.PermissionDenied || !strings.Contains(st.Message(), "-control-key") {
		t.Fatalf("ListRequests without -control-key: %v", err)
	}
}

func TestControlBadFlags(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		code int
	}{
		"negative request log":           {[]string{"-control-key", "c", "-request-log", "-1"}, 2},
		"control key equal to API key":   {[]string{"-control-key", "xai-test-key"}, 1},
		"control key with a space in it": {[]string{"-control-key", "a b"}, 1},
	} {
		t.Run(name, func(t *testing.T) {
			var stderr strings.Builder
			if code := run(append([]string{"-addr", "127.0.0.1:0"}, tc.args...), io.Discard, &stderr, nil); code != tc.code {
				t.Fatalf("exit code %d, want %d; stderr %q", code, tc.code, stderr.String())
			}
			if strings.Contains(stderr.String(), "xai-test-key") {
				t.Errorf("stderr shows a key: %q", stderr.String())
			}
		})
	}
}
