package xaitest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// tapAuthenticate runs as soon as a call's headers arrive, before its
// request body is read and before any latency: a call without an accepted
// key is refused there, so a client without a key can make the server
// neither read nor hold its request. An accepted call carries its key's
// team from here on. The health and reflection services need no key, as
// probes and tools call them without one.
func (s *Server) tapAuthenticate(ctx context.Context, info *tap.Info) (context.Context, error) {
	if isDiscovery(info.FullMethodName) {
		return ctx, nil
	}
	if isControl(info.FullMethodName) {
		// The control service has a key of its own; see control.go.
		if err := s.authorizeControl(info.Header); err != nil {
			return nil, err
		}
		return ctx, nil
	}
	key, err := s.authenticate(info.Header)
	if err != nil {
		return nil, err
	}
	return withTeam(ctx, s.teams[key]), nil
}

// isDiscovery reports whether a method belongs to the health or reflection
// services, which are open to every caller.
func isDiscovery(fullMethod string) bool {
	svc, _, _ := splitMethod(fullMethod)
	switch svc {
	case "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection":
		return true
	}
	return false
}

// authenticate checks the `authorization: Bearer <key>` metadata and
// returns the key.
func (s *Server) authenticate(md metadata.MD) (string, error) {
	key, err := bearerKey(md)
	if err != nil {
		return "", err
	}
	if _, ok := s.keys[key]; !ok {
		return "", status.Errorf(codes.Unauthenticated, "incorrect API key provided: %s", redactKey(key))
	}
	return key, nil
}

// bearerKey returns the key of the `authorization: Bearer <key>` metadata,
// whatever kind of key it is.
func bearerKey(md metadata.MD) (string, error) {
	vals := md.Get("authorization")
	switch {
	case len(vals) == 0:
		return "", status.Error(codes.Unauthenticated,
			"missing API key: send gRPC metadata `authorization: Bearer <api key>`")
	case len(vals) > 1:
		return "", status.Errorf(codes.Unauthenticated,
			"the authorization metadata appears %d times; send it once, as `Bearer <api key>`", len(vals))
	}
	scheme, key, found := strings.Cut(strings.TrimSpace(vals[0]), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", status.Error(codes.Unauthenticated,
			"the authorization metadata must have the form `Bearer <api key>`")
	}
	key = strings.TrimSpace(key)
	if key == "" {
		return "", status.Error(codes.Unauthenticated, "the authorization metadata holds an empty API key")
	}
	return key, nil
}

// redactKey masks all of a key but a short prefix and suffix, which shrink
// with the key so that a short key is never shown whole.
func redactKey(key string) string {
	n := min(4, len(key)/6)
	return key[:n] + "***" + key[len(key)-n:]
}

// authService implements the Auth service.
type authService struct {
	xaiv1.UnimplementedAuthServer
	s *Server
}

// GetApiKeyInfo describes the key the call was made with.
func (a *authService) GetApiKeyInfo(ctx context.Context, _ *emptypb.Empty) (*xaiv1.ApiKey, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	key, err := a.s.authenticate(md)
	if err != nil {
		return nil, err
	}
	created := timestamppb.New(a.s.started)
	return &xaiv1.ApiKey{
		RedactedApiKey: redactKey(key),
		UserId:         stableUUID("user", key),
		Name:           fmt.Sprintf("xaitest key %d", a.s.keys[key]+1),
		CreateTime:     created,
		ModifyTime:     created,
		ModifiedBy:     stableUUID("user", key),
		TeamId:         teamID(a.s.teams[key]),
		Acls:           []string{"api-key:endpoint:*", "api-key:model:*"},
		ApiKeyId:       stableUUID("api-key", key),
	}, nil
}

// stableUUID derives a UUID-shaped identifier from its inputs.
func stableUUID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return formatUUID(h[:16])
}

// formatUUID renders 16 bytes as a version 4 UUID.
func formatUUID(b []byte) string {
	var u [16]byte
	copy(u[:], b)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// collectionsServiceName is the full name of the management service.
const collectionsServiceName = "collections.Collections"

// Key scopes. With WithManagementKeys, the Collections service accepts only
// management keys and every other service only API keys, as on the real
// service, where they live on different hosts.

// checkKeyScope rejects a key used on the wrong side. The key has already
// been authenticated.
func (s *Server) checkKeyScope(ctx context.Context, fullMethod string) error {
	if len(s.cfg.managementKeys) == 0 {
		return nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	_, key, _ := strings.Cut(strings.TrimSpace(strings.Join(md.Get("authorization"), "")), " ")
	key = strings.TrimSpace(key)
	isManagement := slices.Contains(s.cfg.managementKeys, key)
	svc, _, _ := splitMethod(fullMethod)
	switch {
	case svc == collectionsServiceName && !isManagement:
		return status.Errorf(codes.Unauthenticated,
			"%s is served by the management API and needs a management key; an API key was sent", fullMethod)
	case svc != collectionsServiceName && isManagement:
		return status.Errorf(codes.Unauthenticated,
			"%s needs an API key; a management key was sent, which only the management API (Collections) accepts", fullMethod)
	}
	return nil
}

// keyScopeUnary applies checkKeyScope to unary calls. It runs after the
// server's own interceptor: the call is recorded and authenticated first.
func (s *Server) keyScopeUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := s.checkKeyScope(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

// keyScopeStream applies checkKeyScope to streaming calls.
func (s *Server) keyScopeStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := s.checkKeyScope(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return handler(srv, ss)
}
