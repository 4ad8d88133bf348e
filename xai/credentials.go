package xai

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc/credentials"
)

const redacted = "[REDACTED]"

// secret is a key. The value lives only inside a closure: fmt prints a
// func as an address, so no verb, flag or reflection-based printing of a
// struct that holds a secret (even through badVerb's re-printing of
// pointers) can reach the key. It also formats itself as "[REDACTED]".
type secret struct {
	value func() string // nil for no key
}

func newSecret(key string) secret { return secret{value: func() string { return key }} }

// reveal returns the key, for the one place that sends it.
func (s secret) reveal() string {
	if s.value == nil {
		return ""
	}
	return s.value()
}

// String returns "[REDACTED]" for a set key and `""` for an empty one.
func (s secret) String() string { return s.describe() }

// GoString is String.
func (s secret) GoString() string { return s.describe() }

// Format prints String for every verb.
func (s secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.describe()) }

func (s secret) describe() string {
	if s.reveal() == "" {
		return `""`
	}
	return redacted
}

// check reports an empty key or one that cannot be sent in a header. The
// error names the source but never contains the key.
func (s secret) check(source, what string) error {
	k := s.reveal()
	if strings.TrimSpace(k) == "" {
		return invalidArgument("%s: the %s is empty; pass the key from the xAI console (https://console.x.ai)", source, what)
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c >= 0x7f {
			return invalidArgument("%s: the %s contains whitespace, a control character or a non-ASCII byte at position %d, which cannot be sent in a header; check for a stray newline or space", source, what, i)
		}
	}
	return nil
}

// bearer is the per-call credential that sends
// "authorization: Bearer <key>", with the SDK's x-sdk-version and
// x-sdk-language headers. Make one with newBearer.
type bearer struct {
	key      secret
	insecure bool
	// md returns the metadata of every call, built once by newBearer. Like
	// secret.value, it is a func so that no printing of a bearer (or of a
	// struct holding one) can reach the key in the map. Nil in a bearer
	// not made by newBearer: GetRequestMetadata then builds the map.
	md func() map[string]string
}

var _ credentials.PerRPCCredentials = bearer{}

// newBearer returns the credential sending key, with its metadata built
// once rather than on every call.
func newBearer(key secret, insecure bool) *bearer {
	md := bearerMetadata(key)
	return &bearer{key: key, insecure: insecure, md: func() map[string]string { return md }}
}

// bearerMetadata returns the metadata a bearer sends for key.
func bearerMetadata(key secret) map[string]string {
	return map[string]string{
		"authorization":  "Bearer " + key.reveal(),
		"x-sdk-version":  Version,
		"x-sdk-language": "go",
	}
}

// GetRequestMetadata returns the authorization and SDK headers. The map is
// shared by every call: gRPC only reads it (its transport copies the
// entries into a map of its own), and callers must not change it.
func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	if b.md != nil {
		return b.md(), nil
	}
	return bearerMetadata(b.key), nil
}

// RequireTransportSecurity is true unless the client was built with
// WithInsecure: gRPC then refuses to send the key without TLS.
func (b bearer) RequireTransportSecurity() bool { return !b.insecure }

// String describes the credential without the key.
func (b bearer) String() string {
	return fmt.Sprintf("xai.bearer{key: %s, insecure: %t}", b.key.describe(), b.insecure)
}

// GoString is String.
func (b bearer) GoString() string { return b.String() }

// Format prints String for every verb.
func (b bearer) Format(f fmt.State, _ rune) { fmt.Fprint(f, b.String()) }
