package xai

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// EmbedService turns texts and images into embedding vectors, for
// semantic search, clustering or classification. Use it as [Client.Embed].
type EmbedService struct {
	stub xaiv1.EmbedderClient
}

// ready reports whether the service can make calls.
func (s *EmbedService) ready() error { return checkMade(s != nil && s.stub != nil, "Embed") }

// EmbedOption sets a field of an embedding request; pass options to
// [EmbedService.Inputs], with [CallOptions] to change the call itself. When an
// option is given twice, the last one wins.
type EmbedOption interface {
	applyEmbed(*embedConfig) error
}

type embedConfig struct {
	req  *xaiv1.EmbedRequest
	call []CallOption
}

type embedOptionFunc func(*embedConfig) error

func (f embedOptionFunc) applyEmbed(c *embedConfig) error { return f(c) }

func (o CallOptions) applyEmbed(c *embedConfig) error {
	c.call = append(c.call, o...)
	return nil
}

// EmbedEncoding is how the server encodes vectors in its response. Vectors
// are decoded either way ([Embeddings.Vectors]); the choice only changes the
// wire format.
type EmbedEncoding string

// Embedding encodings.
const (
	// EmbedEncodingFloat sends vectors as lists of floats (the default).
	// Over gRPC this is the more compact choice: 4 bytes per number.
	EmbedEncodingFloat EmbedEncoding = "float"
	// EmbedEncodingBase64 sends vectors as base64 text of little-endian
	// float32 data, about 5.3 bytes per number. It exists for parity with
	// the HTTP API.
	EmbedEncodingBase64 EmbedEncoding = "base64"
)

// WithEmbedEncoding chooses how the server encodes the vectors:
// [EmbedEncodingFloat] (the default) or [EmbedEncodingBase64].
func WithEmbedEncoding(e EmbedEncoding) EmbedOption {
	return embedOptionFunc(func(c *embedConfig) error {
		pb, err := wireValue("WithEmbedEncoding", "encoding", embedEncodings, e, "xai.EmbedEncodingFloat or xai.EmbedEncodingBase64")
		if err == nil {
			c.req.EncodingFormat = pb
		}
		return err
	})
}

var embedEncodings = map[EmbedEncoding]xaiv1.EmbedEncodingFormat{
	EmbedEncodingFloat:  xaiv1.EmbedEncodingFormat_FORMAT_FLOAT,
	EmbedEncodingBase64: xaiv1.EmbedEncodingFormat_FORMAT_BASE64,
}

// WithEmbedUser sets an opaque identifier of your end user, which helps
// xAI detect abuse, as [WithUser] does for chats. Do not put personal data
// in it.
func WithEmbedUser(id string) EmbedOption { return endUser{"WithEmbedUser", id} }

// Texts embeds each text with model, an embedding model such as "v1", and
// returns one vector per text, in order. Every text must be non-empty.
// opts are those of [EmbedService.Inputs]: [WithEmbedEncoding],
// [WithEmbedUser] and [CallOptions] to change the call. Use Inputs to
// embed images.
func (s *EmbedService) Texts(ctx context.Context, model string, texts []string, opts ...EmbedOption) (*Embeddings, error) {
	parts := make([]Part, len(texts))
	for i, t := range texts {
		parts[i] = Text(t)
	}
	return s.embed(ctx, "Embed.Texts", model, parts, opts)
}

// Inputs embeds each input with model, an embedding model such as "v1",
// and returns one vector per input, in order. Inputs are parts: non-empty
// texts (Text) and images ([ImageURL], [ImageBytes], [ImageFile], [ImageFileID]),
// checked as they are for chat. Other parts, such as [FileID], cannot be
// embedded.
func (s *EmbedService) Inputs(ctx context.Context, model string, inputs []Part, opts ...EmbedOption) (*Embeddings, error) {
	return s.embed(ctx, "Embed.Inputs", model, inputs, opts)
}

func (s *EmbedService) embed(ctx context.Context, method, model string, inputs []Part, opts []EmbedOption) (*Embeddings, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if err := checkModelName(method, model, "v1"); err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		return nil, invalidArgument("%s: there is nothing to embed; pass at least one input", method)
	}
	c := embedConfig{req: &xaiv1.EmbedRequest{Model: model, EncodingFormat: xaiv1.EmbedEncodingFormat_FORMAT_FLOAT}}
	for i, p := range inputs {
		in, err := embedInput(p)
		if err != nil {
			return nil, invalidArgument("%s: input %d: %s", method, i, errMessage(err))
		}
		c.req.Input = append(c.req.Input, in)
	}
	if err := applyAll(method, &c, opts, EmbedOption.applyEmbed); err != nil {
		return nil, err
	}
	pb, err := s.stub.Embed(ctx, c.req, grpcCallOptions(c.call)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	vecs, err := decodeEmbeddings(pb, len(inputs))
	if err != nil {
		return nil, err
	}
	return &Embeddings{pb: pb, vectors: vecs}, nil
}

// embedInput converts a text or image part.
func embedInput(p Part) (*xaiv1.EmbedInput, error) {
	if err := p.Err(); err != nil {
		return nil, err
	}
	switch c := p.Proto().GetContent().(type) {
	case *xaiv1.Content_Text:
		if c.Text == "" {
			return nil, invalidArgument("the text is empty; remove it or give it content")
		}
		return &xaiv1.EmbedInput{Input: &xaiv1.EmbedInput_String_{String_: c.Text}}, nil
	case *xaiv1.Content_ImageUrl:
		if err := checkImageContent(c.ImageUrl); err != nil {
			return nil, err
		}
		return &xaiv1.EmbedInput{Input: &xaiv1.EmbedInput_ImageUrl{ImageUrl: proto.CloneOf(c.ImageUrl)}}, nil
	case nil:
		return nil, invalidArgument("it is an empty xai.Part: build inputs with xai.Text or the image builders such as xai.ImageURL")
	}
	return nil, invalidArgument("only texts and images can be embedded, not a file (xai.FileID); for an uploaded image use xai.ImageFileID")
}

// decodeEmbeddings returns the first vector of each of the n inputs, in
// input order, decoding base64 ones. A response that does not hold exactly
// one entry per input is an error with code Internal.
func decodeEmbeddings(pb *xaiv1.EmbedResponse, n int) ([][]float32, error) {
	bad := func(format string, args ...any) error {
		return &Error{Code: codes.Internal, Message: "the embedding response is malformed: " + fmt.Sprintf(format, args...)}
	}
	out := make([][]float32, n)
	seen := make([]bool, n)
	for _, e := range pb.GetEmbeddings() {
		i := int(e.GetIndex())
		switch {
		case i < 0 || i >= n:
			return nil, bad("index %d is out of range for %d inputs", i, n)
		case seen[i]:
			return nil, bad("input %d has two entries", i)
		case len(e.GetEmbeddings()) == 0:
			return nil, bad("input %d has no vector", i)
		}
		seen[i] = true
		fv := e.GetEmbeddings()[0]
		switch {
		case len(fv.GetFloatArray()) > 0:
			out[i] = fv.GetFloatArray()
		case fv.GetBase64Array() != "":
			v, err := decodeVector(fv.GetBase64Array())
			if err != nil {
				return nil, bad("input %d: %s", i, err)
			}
			out[i] = v
		default:
			return nil, bad("input %d has an empty vector", i)
		}
	}
	for i, ok := range seen {
		if !ok {
			return nil, bad("input %d has no entry", i)
		}
	}
	return out, nil
}

// decodeVector decodes base64 little-endian float32 data.
func decodeVector(s string) ([]float32, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("the base64 vector does not decode: %v", err)
	}
	if len(raw)%4 != 0 {
		return nil, fmt.Errorf("the base64 vector holds %d bytes, not a whole number of float32 values", len(raw))
	}
	v := make([]float32, len(raw)/4)
	for k := range v {
		v[k] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:]))
	}
	return v, nil
}

// Embeddings is the result of an embedding request. Its accessors are safe
// on a nil *Embeddings and return zero values.
type Embeddings struct {
	pb      *xaiv1.EmbedResponse
	vectors [][]float32
}

// Vectors returns one vector per input, in the order of the inputs,
// decoded whatever the encoding. The slices are shared by every call:
// copy one before changing it.
func (e *Embeddings) Vectors() [][]float32 {
	if e == nil {
		return nil
	}
	return e.vectors
}

// Proto returns the raw protobuf response, which also holds any further
// vectors the server computed for an input.
func (e *Embeddings) Proto() *xaiv1.EmbedResponse {
	if e == nil {
		return nil
	}
	return e.pb
}

// ID returns the ID of the request.
func (e *Embeddings) ID() string { return e.Proto().GetId() }

// Model returns the full name of the model that computed the vectors.
func (e *Embeddings) Model() string { return e.Proto().GetModel() }

// SystemFingerprint identifies the backend configuration that served the
// request; when it changes, vectors may differ slightly from earlier ones.
func (e *Embeddings) SystemFingerprint() string { return e.Proto().GetSystemFingerprint() }

// Usage returns how many texts and images were embedded, for billing.
func (e *Embeddings) Usage() *xaiv1.EmbeddingUsage { return e.Proto().GetUsage() }
