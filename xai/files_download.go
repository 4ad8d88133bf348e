package xai

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// DownloadOption configures [FilesService.Download].
type DownloadOption interface {
	applyDownload(*downloadConfig) error
}

type downloadConfig struct {
	format   *xaiv1.DownloadFormat
	progress ProgressFunc
	call     []CallOption
}

type downloadOptionFunc func(*downloadConfig) error

func (f downloadOptionFunc) applyDownload(c *downloadConfig) error { return f(c) }

func (o CallOptions) applyDownload(c *downloadConfig) error {
	c.call = append(c.call, o...)
	return nil
}

// DownloadFormat is the form in which Download returns a file.
type DownloadFormat int

// Download formats, numbered as the API numbers them.
const (
	// DownloadOriginal returns the bytes that were uploaded.
	DownloadOriginal DownloadFormat = DownloadFormat(xaiv1.DownloadFormat_DOWNLOAD_FORMAT_ORIGINAL)
	// DownloadText returns text extracted from the file, for example the
	// text of a PDF document.
	DownloadText DownloadFormat = DownloadFormat(xaiv1.DownloadFormat_DOWNLOAD_FORMAT_TEXT)
)

// WithDownloadFormat chooses between the original bytes ([DownloadOriginal])
// and extracted text ([DownloadText]). Without it the server's default
// applies, which is the original bytes.
func WithDownloadFormat(f DownloadFormat) DownloadOption {
	return downloadOptionFunc(func(c *downloadConfig) error {
		if f != DownloadOriginal && f != DownloadText {
			return invalidArgument("WithDownloadFormat(%d): unknown format; use xai.DownloadOriginal or xai.DownloadText", int(f))
		}
		c.format = xaiv1.DownloadFormat(f).Enum()
		return nil
	})
}

// Download writes the content of a file to w and returns the number of
// bytes written. The content arrives as a stream of chunks that are
// decoded into one reused buffer, so memory stays bounded by the size of a
// chunk (1 MiB from xAI) whatever the file size. A download that fails
// part-way returns the bytes written so far with the error; it is retried
// (per the client's retry policy) only until the server commits to it,
// when its response headers arrive.
func (s *FilesService) Download(ctx context.Context, fileID string, w io.Writer, opts ...DownloadOption) (int64, error) {
	if err := s.ready(); err != nil {
		return 0, err
	}
	if err := checkFileID("Files.Download", fileID); err != nil {
		return 0, err
	}
	if w == nil {
		return 0, invalidArgument("Files.Download: the writer is nil")
	}
	var cfg downloadConfig
	if err := applyAll("Files.Download", &cfg, opts, DownloadOption.applyDownload); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	callOpts := append(grpcCallOptions(cfg.call), grpc.ForceCodecV2(contentCodec{}))
	stream, err := s.cc.NewStream(ctx, &xaiv1.Files_ServiceDesc.Streams[1], xaiv1.Files_RetrieveFileContent_FullMethodName, callOpts...)
	if err != nil {
		return 0, fromGRPC(err)
	}
	if err := stream.SendMsg(&xaiv1.RetrieveFileContentRequest{FileId: fileID, Format: cfg.format}); err != nil && !errors.Is(err, io.EOF) {
		return 0, fromGRPC(err)
	}
	if err := stream.CloseSend(); err != nil {
		return 0, fromGRPC(err)
	}
	var (
		sink    contentSink
		written int64
	)
	for {
		err := stream.RecvMsg(&sink)
		if errors.Is(err, io.EOF) {
			return written, nil
		}
		if err != nil {
			return written, fromGRPC(err)
		}
		n, werr := w.Write(sink.data)
		written += int64(n)
		if werr == nil && n < len(sink.data) {
			werr = io.ErrShortWrite
		}
		if werr != nil {
			return written, readerError("Files.Download: writing the content", written, werr)
		}
		if cfg.progress != nil {
			cfg.progress(written, -1)
		}
	}
}

// contentSink receives the data of a FileContentChunk without allocating:
// contentCodec decodes into data, reusing its array.
type contentSink struct {
	data []byte
	r    mem.Reader
}

// contentCodec is the proto codec, except that it decodes FileContentChunk
// messages into a contentSink, straight from gRPC's receive buffers. The
// generated code would allocate a new array for every chunk (and the proto
// codec copy the message into one more); this keeps a download's memory at
// one chunk.
type contentCodec struct{}

var protoCodec = encoding.GetCodecV2("proto")

// Name is the proto codec's, so the content type stays application/grpc+proto.
func (contentCodec) Name() string { return "proto" }

// Marshal encodes requests as the proto codec does.
func (contentCodec) Marshal(v any) (mem.BufferSlice, error) { return protoCodec.Marshal(v) }

// Unmarshal decodes into a contentSink by hand and other messages with the
// proto codec.
func (contentCodec) Unmarshal(data mem.BufferSlice, v any) error {
	sink, ok := v.(*contentSink)
	if !ok {
		return protoCodec.Unmarshal(data, v)
	}
	r := &sink.r
	r.Reset(data)
	defer r.Close()
	sink.data = sink.data[:0]
	varint := func() (uint64, error) {
		x, err := binary.ReadUvarint(r)
		if err != nil {
			return 0, fmt.Errorf("xai: malformed FileContentChunk: %w", err)
		}
		return x, nil
	}
	for r.Remaining() > 0 {
		tag, err := varint()
		if err != nil {
			return err
		}
		num, typ := protowire.DecodeTag(tag)
		if num < protowire.MinValidNumber {
			return fmt.Errorf("xai: malformed FileContentChunk: field number %d", num)
		}
		var skip uint64
		switch typ {
		case protowire.VarintType:
			if _, err := varint(); err != nil {
				return err
			}
			continue
		case protowire.Fixed32Type:
			skip = 4
		case protowire.Fixed64Type:
			skip = 8
		case protowire.BytesType:
			if skip, err = varint(); err != nil {
				return err
			}
			if skip > uint64(r.Remaining()) {
				return fmt.Errorf("xai: malformed FileContentChunk: field %d is longer than the message", num)
			}
			if num == 1 { // FileContentChunk.data; the last occurrence wins, as in proto
				sink.data = slices.Grow(sink.data[:0], int(skip))[:skip]
				if _, err := io.ReadFull(r, sink.data); err != nil {
					return fmt.Errorf("xai: malformed FileContentChunk: %w", err)
				}
				continue
			}
		default:
			return fmt.Errorf("xai: malformed FileContentChunk: wire type %d", typ)
		}
		if n, err := r.Discard(int(skip)); err != nil || uint64(n) != skip {
			return fmt.Errorf("xai: malformed FileContentChunk: field %d is longer than the message", num)
		}
	}
	return nil
}
