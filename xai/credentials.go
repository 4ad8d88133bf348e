package xai

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
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
// "authorization: Bearer <key>", with the SDK's xai-sdk-version and
// xai-sdk-language headers. Make one with newBearer.
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

// The SDK identifies itself with the metadata keys of the official SDKs:
// the Python SDK sends xai-sdk-version "python/<its version>" and
// xai-sdk-language "python/<major>.<minor>" (src/xai_sdk/client.py).
var (
	sdkVersionMD  = "go/" + Version
	sdkLanguageMD = "go/" + goMinorVersion(runtime.Version())
)

// goMinorVersion returns "1.26" for "go1.26.8", or the version without its
// "go" prefix when it has another form (a development build).
func goMinorVersion(v string) string {
	v = strings.TrimPrefix(v, "go")
	if major, rest, ok := strings.Cut(v, "."); ok {
		minor, _, _ := strings.Cut(rest, ".")
		return major + "." + minor
	}
	return v
}

// bearerMetadata returns the metadata a bearer sends for key.
func bearerMetadata(key secret) map[string]string {
	return map[string]string{
		"authorization":    "Bearer " + key.reveal(),
		"xai-sdk-version":  sdkVersionMD,
		"xai-sdk-language": sdkLanguageMD,
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
// [WithInsecure]: gRPC then refuses to send the key without TLS.
func (b bearer) RequireTransportSecurity() bool { return !b.insecure }

// String describes the credential without the key.
func (b bearer) String() string {
	return fmt.Sprintf("xai.bearer{key: %s, insecure: %t}", b.key.describe(), b.insecure)
}

// GoString is String.
func (b bearer) GoString() string { return b.String() }

// Format prints String for every verb.
func (b bearer) Format(f fmt.State, _ rune) { fmt.Fprint(f, b.String()) }

// A server's error may echo the request, authorization header included, so
// every status a call returns passes through redact before it becomes an
// error: each key, bare or as "Bearer <key>", becomes "[REDACTED]" in the
// message and in every string of the details. The check is a byte search,
// so errors without a key cost nothing more.

// revealAll returns the keys that are set, for redaction.
func revealAll(keys ...secret) []string {
	var ks []string
	for _, k := range keys {
		if v := k.reveal(); v != "" {
			ks = append(ks, v)
		}
	}
	return ks
}

// redact returns st with the keys redacted, and whether anything changed.
func redact(st *status.Status, keys ...secret) (*status.Status, bool) {
	ks := revealAll(keys...)
	p := st.Proto()
	changed := false
	if m := redactString(p.Message, ks); m != p.Message {
		p.Message, changed = m, true
	}
	for i, d := range p.Details {
		if !slices.ContainsFunc(ks, func(k string) bool { return bytes.Contains(d.GetValue(), []byte(k)) }) {
			continue
		}
		changed = true
		m, err := d.UnmarshalNew()
		if err == nil {
			redactMessage(m.ProtoReflect(), ks)
			err = d.MarshalFrom(m)
		}
		if err != nil {
			// A detail of a type this program does not know: replace it.
			d = &anypb.Any{}
			_ = d.MarshalFrom(&errdetails.DebugInfo{Detail: redacted + ": a detail of type " + p.Details[i].GetTypeUrl() + " held a key"})
		}
		p.Details[i] = d
	}
	if !changed {
		return st, false
	}
	return status.FromProto(p), true
}

// redactString replaces each key in s, with its "Bearer " prefix if any.
func redactString(s string, keys []string) string {
	for _, k := range keys {
		if strings.Contains(s, k) {
			s = strings.ReplaceAll(s, "Bearer "+k, redacted)
			s = strings.ReplaceAll(s, k, redacted)
		}
	}
	return s
}

// redactMessage redacts every string field of m, recursively.
func redactMessage(m protoreflect.Message, keys []string) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				if nv, ok := redactValue(fd, l.Get(i), keys); ok {
					l.Set(i, nv)
				}
			}
		case fd.IsMap():
			mp := v.Map()
			var bad []protoreflect.MapKey
			mp.Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				if nv, ok := redactValue(fd.MapValue(), mv, keys); ok {
					mp.Set(k, nv)
				}
				if s, isString := k.Interface().(string); isString && redactString(s, keys) != s {
					bad = append(bad, k)
				}
				return true
			})
			for _, k := range bad {
				nk := protoreflect.ValueOfString(redactString(k.String(), keys)).MapKey()
				mp.Set(nk, mp.Get(k))
				mp.Clear(k)
			}
		default:
			if nv, ok := redactValue(fd, v, keys); ok {
				m.Set(fd, nv)
			}
		}
		return true
	})
}

// redactValue returns the redacted form of a string value, and true if it
// changed; messages are redacted in place.
func redactValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, keys []string) (protoreflect.Value, bool) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if s := redactString(v.String(), keys); s != v.String() {
			return protoreflect.ValueOfString(s), true
		}
	case protoreflect.BytesKind:
		if s := redactString(string(v.Bytes()), keys); s != string(v.Bytes()) {
			return protoreflect.ValueOfBytes([]byte(s)), true
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		redactMessage(v.Message(), keys)
	}
	return v, false
}
