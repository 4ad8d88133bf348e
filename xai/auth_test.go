package xai

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

func TestAuthAPIKeyInfo(t *testing.T) {
	t.Parallel()
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		info, err := c.Auth.APIKeyInfo(context.Background(), WithCallMetadata("x-req", "1"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(info.GetRedactedApiKey(), "***") || info.GetApiKeyId() == "" || info.GetTeamId() == "" || len(info.GetAcls()) == 0 {
			t.Errorf("APIKeyInfo = %v", info)
		}
		if info.GetApiKeyBlocked() || info.GetTeamBlocked() || info.GetDisabled() {
			t.Errorf("the fake's key is reported blocked: %v", info)
		}
		assertNoKey(t, "APIKeyInfo", info.String())
		reqs := srv.Requests()
		if len(reqs) != 1 || reqs[0].FullMethod != xaiv1.Auth_GetApiKeyInfo_FullMethodName || reqs[0].Metadata.Get("x-req")[0] != "1" {
			t.Errorf("requests = %v", reqs)
		}
	})
}

func TestAuthErrors(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, false)
	ctx := context.Background()
	srv.InjectFault(xaiv1.Auth_GetApiKeyInfo_FullMethodName, xaitest.Fault{Code: codes.PermissionDenied, Message: "key blocked"})
	_, err := c.Auth.APIKeyInfo(ctx)
	checkErr(t, err, codes.PermissionDenied, "key blocked")

	// A key the server does not know.
	other, err := NewClient(WithEndpoint(srv.Target()), WithDialOptions(srv.DialOptions()...), WithInsecure(),
		WithAPIKey("xai-unknown-key-0000000000"), WithoutEnv())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.Auth.APIKeyInfo(ctx)
	checkErr(t, err, codes.Unauthenticated)
	if !IsUnauthenticated(err) {
		t.Error("IsUnauthenticated is false")
	}

	var zero AuthService
	_, err = zero.APIKeyInfo(ctx)
	checkErr(t, err, codes.InvalidArgument, "client.Auth")
}
