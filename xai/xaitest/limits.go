package xaitest

import (
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Limits bound what one request or one team can make the fake hold, so
// that a shared fake cannot be driven out of memory by a small request. A
// request over a per-request limit is INVALID_ARGUMENT and a team over a
// quota RESOURCE_EXHAUSTED, both naming the limit. They are the fake's
// own limits, not the real service's. A zero field keeps its default; a
// negative one is an error of [NewServer]. cmd/xaifake sets them with the
// flags named below.
type Limits struct {
	// EmbedInputs is the most inputs one Embed request may carry
	// (-max-embed-inputs). Default 2048.
	EmbedInputs int
	// TokenizeTokens is the most tokens one TokenizeText reply may hold
	// (-max-tokenize-tokens). Default 131,072.
	TokenizeTokens int
	// FileBytesPerTeam bounds the total size of a team's files, uploads in
	// progress, generated files and collection documents (snapshots that
	// outlive their files) included (-max-file-bytes). Default 64 MiB.
	FileBytesPerTeam int64
	// StoredResponsesPerTeam is the most chat responses a team may have
	// stored at once; expired and deleted ones do not count
	// (-max-stored-responses). Default 20,000.
	StoredResponsesPerTeam int
}

// DefaultLimits are the limits of a server made without [WithLimits]. With
// them one fake stays well under 256 MiB under the adversarial requests of
// the project's issue 11 (see docs/PERFORMANCE.md).
var DefaultLimits = Limits{
	EmbedInputs:            2048,
	TokenizeTokens:         128 << 10,
	FileBytesPerTeam:       64 << 20,
	StoredResponsesPerTeam: 20_000,
}

// WithLimits sets the server's limits; zero fields keep DefaultLimits.
func WithLimits(l Limits) Option {
	return func(c *config) { c.limits = l }
}

// withDefaults fills zero fields from DefaultLimits and rejects negative
// ones.
func (l Limits) withDefaults() (Limits, error) {
	if l.EmbedInputs < 0 || l.TokenizeTokens < 0 || l.FileBytesPerTeam < 0 || l.StoredResponsesPerTeam < 0 {
		return l, fmt.Errorf("xaitest: limits must not be negative, got %+v", l)
	}
	if l.EmbedInputs == 0 {
		l.EmbedInputs = DefaultLimits.EmbedInputs
	}
	if l.TokenizeTokens == 0 {
		l.TokenizeTokens = DefaultLimits.TokenizeTokens
	}
	if l.FileBytesPerTeam == 0 {
		l.FileBytesPerTeam = DefaultLimits.FileBytesPerTeam
	}
	if l.StoredResponsesPerTeam == 0 {
		l.StoredResponsesPerTeam = DefaultLimits.StoredResponsesPerTeam
	}
	return l, nil
}

// checkEmbedInputs rejects an Embed request with too many inputs.
func (s *Server) checkEmbedInputs(n int) error {
	if n > s.cfg.limits.EmbedInputs {
		return status.Errorf(codes.InvalidArgument,
			"input holds %d entries, over the limit of %d per request (Limits.EmbedInputs, -max-embed-inputs); split the request",
			n, s.cfg.limits.EmbedInputs)
	}
	return nil
}

// checkTokenizeTokens rejects a TokenizeText request whose reply would
// hold too many tokens, or would not fit in one 20 MiB message (each
// token carries its text twice, as a string and as bytes, so a long run of
// white space, one token, can overflow it). It counts without building the
// reply.
func (s *Server) checkTokenizeTokens(text string) error {
	n := countTokens(text)
	if n > s.cfg.limits.TokenizeTokens {
		return status.Errorf(codes.InvalidArgument,
			"text holds %d tokens, over the limit of %d per reply (Limits.TokenizeTokens, -max-tokenize-tokens); split the text",
			n, s.cfg.limits.TokenizeTokens)
	}
	// Per token: the text twice, an ID and the framing of three fields.
	if size := 2*len(text) + 16*n; size > maxMessageBytes {
		return status.Errorf(codes.InvalidArgument,
			"the reply would take about %d bytes, over the message limit of %d bytes (20 MiB); split the text", size, maxMessageBytes)
	}
	return nil
}

// errFileQuota is the answer to an upload or generated file that would
// take its team over FileBytesPerTeam.
func (s *Server) errFileQuota(used, adding int64) error {
	return status.Errorf(codes.ResourceExhausted,
		"the team's files would take %d bytes, over the limit of %d bytes per team (Limits.FileBytesPerTeam, -max-file-bytes); delete files first",
		used+adding, s.cfg.limits.FileBytesPerTeam)
}

// errStoredQuota is the answer to a completion with store_messages when
// its team already stores StoredResponsesPerTeam responses.
func (s *Server) errStoredQuota() error {
	return status.Errorf(codes.ResourceExhausted,
		"the team already stores %d responses, the limit per team (Limits.StoredResponsesPerTeam, -max-stored-responses); delete stored responses or send store_messages false",
		s.cfg.limits.StoredResponsesPerTeam)
}
