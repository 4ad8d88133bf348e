package xai

import (
	"context"

	"google.golang.org/protobuf/types/known/emptypb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// AuthService answers questions about the API key the client uses. Use it
// as [Client.Auth].
type AuthService struct {
	stub xaiv1.AuthClient
}

// ready reports whether the service can make calls.
func (s *AuthService) ready() error { return checkMade(s != nil && s.stub != nil, "Auth") }

// APIKeyInfo describes the API key the call is made with: its redacted
// form, name, IDs, team, permissions (ACLs) and whether it is blocked or
// disabled. The key itself is never sent back. The key can make calls only
// while none of GetApiKeyBlocked, GetTeamBlocked and GetDisabled is true.
func (s *AuthService) APIKeyInfo(ctx context.Context, opts ...CallOption) (*xaiv1.ApiKey, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	return unary(ctx, s.stub.GetApiKeyInfo, &emptypb.Empty{}, opts)
}
