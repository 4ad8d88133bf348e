package xai

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// FilesService stores files with xAI: upload, list, read, download, share
// and delete. An uploaded file is used elsewhere by its ID: in a chat
// message with FileID (or ImageFileID), or as a document of a collection
// (CollectionsService.AddDocument). Use it as Client.Files.
type FilesService struct {
	stub xaiv1.FilesClient
	cc   grpc.ClientConnInterface // for downloads, which use their own codec
}

// Upload and public link limits.
const (
	// DefaultUploadChunkSize is the size of the data messages of an upload:
	// 1 MiB. Upload keeps one buffer of this size, whatever the file size.
	DefaultUploadChunkSize = 1 << 20
	// MaxUploadChunkSize is the largest chunk size WithUploadChunkSize
	// accepts; each chunk travels in one gRPC message.
	MaxUploadChunkSize = 16 << 20
	// MinFileLifetime is the shortest lifetime WithFileExpiry and
	// CreatePublicURL accept, as documented by xAI: 1 hour.
	MinFileLifetime = time.Hour
	// MaxFileLifetime is the longest lifetime WithFileExpiry and
	// CreatePublicURL accept, as documented by xAI: 30 days.
	MaxFileLifetime = 30 * 24 * time.Hour
)

// File describes a stored file.
type File struct {
	// ID identifies the file in other calls, for example FileID(ID).
	ID string
	// Name is the file name recorded at upload.
	Name string
	// Size is the file size in bytes.
	Size int64
	// CreatedAt is when the file was uploaded.
	CreatedAt time.Time
	// ExpiresAt is when the file will be deleted; zero if it is kept until
	// deleted.
	ExpiresAt time.Time
	// PublicURL is the file's public link while one is active, else "".
	PublicURL string
	// PublicURLExpiresAt is when the public link stops working; zero if it
	// lives as long as the file.
	PublicURLExpiresAt time.Time

	pb *xaiv1.File
}

// Proto returns the raw protobuf message.
func (f *File) Proto() *xaiv1.File { return f.pb }

func newFile(pb *xaiv1.File) *File {
	f := &File{ID: pb.GetId(), Name: pb.GetFilename(), Size: pb.GetSize(), PublicURL: pb.GetPublicUrl(), pb: pb}
	f.CreatedAt = timeOf(pb.GetCreatedAt())
	f.ExpiresAt = timeOf(pb.GetExpiresAt())
	f.PublicURLExpiresAt = timeOf(pb.GetPublicUrlExpiresAt())
	return f
}

func (s *FilesService) ready() error {
	if s == nil || s.stub == nil || s.cc == nil {
		return notFromClient("Files")
	}
	return nil
}

// checkFileID rejects an empty file ID before anything is sent.
func checkFileID(method, id string) error {
	if strings.TrimSpace(id) == "" {
		return invalidArgument("%s: the file ID is empty; pass File.ID of an uploaded file", method)
	}
	return nil
}

// checkLifetime validates a file or link lifetime: whole seconds between
// MinFileLifetime and MaxFileLifetime.
func checkLifetime(where string, d time.Duration) error {
	if d < MinFileLifetime || d > MaxFileLifetime {
		return invalidArgument("%s(%v): the lifetime must be between %v and %v (30 days)", where, d, MinFileLifetime, MaxFileLifetime)
	}
	if d%time.Second != 0 {
		return invalidArgument("%s(%v): the lifetime must be a whole number of seconds", where, d)
	}
	return nil
}

// ProgressFunc reports the progress of a transfer: done bytes so far, of
// total, or -1 when the total is not known. It is called on the caller's
// goroutine after each chunk (for [FilesService.UploadMany], on the
// uploading goroutines, one call at a time), so it should return quickly.
type ProgressFunc func(done, total int64)

// UploadOption configures FilesService.Upload.
type UploadOption interface {
	applyUpload(*uploadConfig) error
}

// DownloadOption configures FilesService.Download.
type DownloadOption interface {
	applyDownload(*downloadConfig) error
}

// TransferOption configures both Upload and Download.
type TransferOption interface {
	UploadOption
	DownloadOption
}

type uploadConfig struct {
	size      int64 // -1: not declared
	parallel  int   // UploadMany only; 0: not given
	expiry    time.Duration
	chunkSize int
	progress  ProgressFunc
	call      []CallOption
}

type downloadConfig struct {
	format   *xaiv1.DownloadFormat
	progress ProgressFunc
	call     []CallOption
}

type uploadOptionFunc func(*uploadConfig) error

func (f uploadOptionFunc) applyUpload(c *uploadConfig) error { return f(c) }

type downloadOptionFunc func(*downloadConfig) error

func (f downloadOptionFunc) applyDownload(c *downloadConfig) error { return f(c) }

func (o CallOptions) applyUpload(c *uploadConfig) error {
	c.call = append(c.call, o...)
	return nil
}

func (o CallOptions) applyDownload(c *downloadConfig) error {
	c.call = append(c.call, o...)
	return nil
}

type progressOption ProgressFunc

func (p progressOption) applyUpload(c *uploadConfig) error {
	if p == nil {
		return invalidArgument("WithProgress: the function is nil")
	}
	c.progress = ProgressFunc(p)
	return nil
}

func (p progressOption) applyDownload(c *downloadConfig) error {
	if p == nil {
		return invalidArgument("WithProgress: the function is nil")
	}
	c.progress = ProgressFunc(p)
	return nil
}

// WithProgress calls f after each chunk of an upload or download with the
// bytes transferred so far and the total (-1 when unknown). For an upload
// the total is the size given with WithUploadSize, or else the size of the
// reader when it reports one (a *bytes.Reader, *strings.Reader,
// *bytes.Buffer or regular *os.File); downloads report -1. The done values
// of the calls add up, chunk by chunk, to the file size.
func WithProgress(f ProgressFunc) TransferOption { return progressOption(f) }

// WithUploadSize declares the size of the content in bytes. Upload then
// checks it: a reader that yields more or fewer bytes makes the upload fail
// with InvalidArgument, and the upload is cancelled before it completes,
// so the server stores nothing. It also gives WithProgress its total.
func WithUploadSize(n int64) UploadOption {
	return uploadOptionFunc(func(c *uploadConfig) error {
		if n < 0 {
			return invalidArgument("WithUploadSize(%d): the size must not be negative", n)
		}
		c.size = n
		return nil
	})
}

// WithFileExpiry makes the server delete the file d after the upload. d
// must be a whole number of seconds between MinFileLifetime (1 hour) and
// MaxFileLifetime (30 days). By default files are kept until deleted.
func WithFileExpiry(d time.Duration) UploadOption {
	return uploadOptionFunc(func(c *uploadConfig) error {
		if err := checkLifetime("WithFileExpiry", d); err != nil {
			return err
		}
		c.expiry = d
		return nil
	})
}

// WithUploadChunkSize sets the size of the data messages of an upload,
// 1 byte to MaxUploadChunkSize; the default is DefaultUploadChunkSize
// (1 MiB). Upload holds one buffer of this size.
func WithUploadChunkSize(n int) UploadOption {
	return uploadOptionFunc(func(c *uploadConfig) error {
		if n < 1 || n > MaxUploadChunkSize {
			return invalidArgument("WithUploadChunkSize(%d): the chunk size must be between 1 and %d bytes", n, MaxUploadChunkSize)
		}
		c.chunkSize = n
		return nil
	})
}

// DownloadFormat is the form in which Download returns a file.
type DownloadFormat int

// Download formats.
const (
	// DownloadOriginal returns the bytes that were uploaded.
	DownloadOriginal DownloadFormat = iota + 1
	// DownloadText returns text extracted from the file, for example the
	// text of a PDF document.
	DownloadText
)

// WithDownloadFormat chooses between the original bytes (DownloadOriginal)
// and extracted text (DownloadText). Without it the server's default
// applies, which is the original bytes.
func WithDownloadFormat(f DownloadFormat) DownloadOption {
	return downloadOptionFunc(func(c *downloadConfig) error {
		var pf xaiv1.DownloadFormat
		switch f {
		case DownloadOriginal:
			pf = xaiv1.DownloadFormat_DOWNLOAD_FORMAT_ORIGINAL
		case DownloadText:
			pf = xaiv1.DownloadFormat_DOWNLOAD_FORMAT_TEXT
		default:
			return invalidArgument("WithDownloadFormat(%d): unknown format; use xai.DownloadOriginal or xai.DownloadText", int(f))
		}
		c.format = &pf
		return nil
	})
}

// knownSize returns the number of bytes r has left to read, when r can
// tell, or -1.
func knownSize(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }: // bytes.Reader, strings.Reader, bytes.Buffer
		return int64(v.Len())
	case interface {
		Stat() (fs.FileInfo, error)
		io.Seeker
	}: // a regular *os.File
		fi, err := v.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return -1
		}
		off, err := v.Seek(0, io.SeekCurrent)
		if err != nil || off > fi.Size() {
			return -1
		}
		return fi.Size() - off
	}
	return -1
}

// Upload stores the content read from r under name and returns the new
// file. The content is streamed: an init message with the name (and
// expiry), then chunks of DefaultUploadChunkSize bytes read into one
// reused buffer, so memory stays bounded by the chunk size whatever the
// file size.
//
// If r fails, the declared size (WithUploadSize) does not match, or ctx
// ends, the upload is cancelled before it completes and the server stores
// nothing. An upload is not retried once data has been sent, since r
// cannot be read again; failures of the server come back as *Error with
// the server's code.
func (s *FilesService) Upload(ctx context.Context, name string, r io.Reader, opts ...UploadOption) (*File, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		return nil, invalidArgument(`Files.Upload: the file name is empty; pass the name to record, with its extension, for example "report.pdf"`)
	}
	if r == nil {
		return nil, invalidArgument("Files.Upload: the reader is nil")
	}
	cfg, err := uploadConfigOf("Files.Upload", opts)
	if err != nil {
		return nil, err
	}
	if cfg.parallel > 0 {
		return nil, invalidArgument("Files.Upload: WithUploadParallelism applies to Files.UploadMany")
	}
	return s.upload(ctx, name, r, cfg)
}

// uploadConfigOf applies the options of an upload; method names the
// caller in errors.
func uploadConfigOf(method string, opts []UploadOption) (uploadConfig, error) {
	cfg := uploadConfig{size: -1, chunkSize: DefaultUploadChunkSize}
	for i, o := range opts {
		if o == nil {
			return cfg, errNilOption(method, i)
		}
		if err := o.applyUpload(&cfg); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// upload streams one file; Upload and UploadMany have checked the name,
// the reader and the options.
func (s *FilesService) upload(ctx context.Context, name string, r io.Reader, cfg uploadConfig) (*File, error) {
	total := cfg.size
	if total < 0 {
		total = knownSize(r)
	}
	init := &xaiv1.UploadFileInit{Name: name}
	if cfg.expiry > 0 {
		secs := int64(cfg.expiry / time.Second)
		init.ExpiresAfter = &secs
	}

	// Cancelling this context aborts the upload: the server sees the call
	// end without the client closing its side, and keeps nothing.
	ctx, abort := context.WithCancel(ctx)
	defer abort()
	stream, err := s.stub.UploadFile(ctx, grpcCallOptions(cfg.call)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	// send sends a message; when the server has already ended the call,
	// the reason comes from CloseAndRecv.
	send := func(m *xaiv1.UploadFileChunk) error {
		err := stream.Send(m)
		if errors.Is(err, io.EOF) {
			_, err = stream.CloseAndRecv()
			if err == nil {
				err = &Error{Code: codes.Internal, Message: "Files.Upload: the server ended the upload before the content was sent"}
			}
		}
		return fromGRPC(err)
	}
	if err := send(&xaiv1.UploadFileChunk{Chunk: &xaiv1.UploadFileChunk_Init{Init: init}}); err != nil {
		return nil, err
	}

	buf := make([]byte, cfg.chunkSize)
	data := &xaiv1.UploadFileChunk_Data{}
	msg := &xaiv1.UploadFileChunk{Chunk: data}
	var sent int64
	for {
		n, rerr := io.ReadFull(r, buf)
		eof := errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF)
		if rerr != nil && !eof {
			abort()
			return nil, readerError("Files.Upload: reading the content", sent, rerr)
		}
		if n > 0 {
			if cfg.size >= 0 && sent+int64(n) > cfg.size {
				abort()
				return nil, invalidArgument("Files.Upload: the reader yields more than the %d bytes declared with WithUploadSize; the upload was cancelled and nothing was stored", cfg.size)
			}
			data.Data = buf[:n] // gRPC has encoded it when Send returns
			if err := send(msg); err != nil {
				return nil, err
			}
			sent += int64(n)
			if cfg.progress != nil {
				cfg.progress(sent, total)
			}
		}
		if eof {
			break
		}
	}
	if cfg.size >= 0 && sent != cfg.size {
		abort()
		return nil, invalidArgument("Files.Upload: the reader yielded %d bytes, fewer than the %d declared with WithUploadSize; the upload was cancelled and nothing was stored", sent, cfg.size)
	}
	pb, err := stream.CloseAndRecv()
	if err != nil {
		return nil, fromGRPC(err)
	}
	return newFile(pb), nil
}

// DefaultUploadParallelism is how many files [FilesService.UploadMany]
// uploads at once unless [WithUploadParallelism] says otherwise: 50, the default batch
// size of the official Python SDK's files.batch_upload.
const DefaultUploadParallelism = 50

// WithUploadParallelism sets how many files [FilesService.UploadMany]
// uploads at once, at least 1; the default is [DefaultUploadParallelism]. All uploads
// share the client's connection. It applies to UploadMany only.
func WithUploadParallelism(n int) UploadOption {
	return uploadOptionFunc(func(c *uploadConfig) error {
		if n < 1 {
			return invalidArgument("WithUploadParallelism(%d): at least one upload must run at a time", n)
		}
		c.parallel = n
		return nil
	})
}

// FileUpload is one file for [FilesService.UploadMany]: the name to record, with
// its extension, and the reader of its content.
type FileUpload struct {
	Name    string
	Content io.Reader
}

// UploadResult is the outcome of one file of [FilesService.UploadMany]:
// the stored file, or the [*Error] that says why it was not stored.
type UploadResult struct {
	// Name is the name the file was given.
	Name string
	// File is the stored file; nil when Err is set.
	File *File
	// Err says why the file was not stored: the error Files.Upload would
	// have returned, or Canceled (or DeadlineExceeded) for a file not
	// started when ctx ended.
	Err error
}

// UploadMany uploads files at once, at most [WithUploadParallelism] at a
// time ([DefaultUploadParallelism] by default), each as [FilesService.Upload]
// would, and returns one [UploadResult] per file in the order given, as the
// official Python SDK's files.batch_upload does. A failed file does not stop
// the others.
//
// The options are those of Upload, applied to every file, except that
// [WithUploadSize] is refused (each file's size is its own); [WithProgress]
// reports the bytes sent across the whole set, of the sum of the readers'
// sizes (-1 when one of them cannot tell it). Its calls come from the
// uploading goroutines one at a time, never at once.
//
// The names, readers and options are checked before anything is sent; a
// fault there gives an error with code InvalidArgument and no results.
// Otherwise every file has its result, and the error is nil when all of
// them were stored. When some were not, it is an [*Error] that counts and
// names them, with the code of the first failure; errors.As and errors.Is
// also reach each file's error. Cancelling ctx stops the uploads under way,
// starts no others, and returns once every upload has ended.
func (s *FilesService) UploadMany(ctx context.Context, files []FileUpload, opts ...UploadOption) ([]UploadResult, error) {
	const method = "Files.UploadMany"
	if err := s.ready(); err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, invalidArgument("%s: no files given", method)
	}
	cfg, err := uploadConfigOf(method, opts)
	if err != nil {
		return nil, err
	}
	if cfg.size >= 0 {
		return nil, invalidArgument("%s: WithUploadSize declares the size of one file; UploadMany takes each file's size from its reader", method)
	}
	total := int64(0)
	for i, f := range files {
		switch {
		case strings.TrimSpace(f.Name) == "":
			return nil, invalidArgument("%s: file %d has an empty name; give each file the name to record, with its extension", method, i)
		case f.Content == nil:
			return nil, invalidArgument("%s: file %d (%q) has a nil reader", method, i, f.Name)
		}
		if n := knownSize(f.Content); n >= 0 && total >= 0 {
			total += n
		} else {
			total = -1
		}
	}
	workers := cmp.Or(cfg.parallel, DefaultUploadParallelism)
	workers = min(workers, len(files))

	// Each file's progress reports its own bytes; the user's function sees
	// their sum, under a lock so that its calls never overlap.
	var (
		mu   sync.Mutex
		done int64
	)
	progress := cfg.progress
	results := make([]UploadResult, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for range workers {
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				f := files[i]
				results[i].Name = f.Name
				if err := ctx.Err(); err != nil {
					results[i].Err = &Error{Code: status.FromContextError(err).Code(), Message: fmt.Sprintf("%s: %q was not started: %v", method, f.Name, err), cause: err}
					continue
				}
				fc := cfg
				if progress != nil {
					var last int64
					fc.progress = func(sent, _ int64) {
						mu.Lock()
						defer mu.Unlock()
						done += sent - last
						last = sent
						progress(done, total)
					}
				}
				results[i].File, results[i].Err = s.upload(ctx, f.Name, f.Content, fc)
			}
		}()
	}
	wg.Wait()
	return results, uploadManyError(method, results)
}

// uploadManyError sums up the failed files of UploadMany, or returns nil.
func uploadManyError(method string, results []UploadResult) error {
	var errs []error
	var names []string
	var first *Error
	for _, r := range results {
		if r.Err == nil {
			continue
		}
		errs = append(errs, r.Err)
		if len(names) < 3 {
			names = append(names, fmt.Sprintf("%q: %s", r.Name, errMessage(r.Err)))
		}
		if first == nil && !errors.As(r.Err, &first) {
			first = &Error{Code: codes.Unknown}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	if more := len(errs) - len(names); more > 0 {
		names = append(names, fmt.Sprintf("and %d more", more))
	}
	return &Error{Code: first.Code, cause: errors.Join(errs...),
		Message: fmt.Sprintf("%s: %d of %d files were not stored (%s); each UploadResult says which and why", method, len(errs), len(results), strings.Join(names, "; "))}
}

// readerError wraps an error of the caller's reader or writer: the context
// errors keep their codes, others are UNKNOWN. errors.Is and errors.As
// reach the original error.
func readerError(what string, done int64, err error) error {
	code := codes.Unknown
	switch {
	case errors.Is(err, context.Canceled):
		code = codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		code = codes.DeadlineExceeded
	}
	return &Error{Code: code, Message: fmt.Sprintf("%s failed after %d bytes: %v", what, done, err), cause: err}
}

// Get returns the metadata of a file. An unknown or deleted file gives an
// error for which IsNotFound is true.
func (s *FilesService) Get(ctx context.Context, fileID string, opts ...CallOption) (*File, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if err := checkFileID("Files.Get", fileID); err != nil {
		return nil, err
	}
	pb, err := s.stub.RetrieveFile(ctx, &xaiv1.RetrieveFileRequest{FileId: fileID}, grpcCallOptions(opts)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return newFile(pb), nil
}

// Delete deletes a file for good.
func (s *FilesService) Delete(ctx context.Context, fileID string, opts ...CallOption) error {
	if err := s.ready(); err != nil {
		return err
	}
	if err := checkFileID("Files.Delete", fileID); err != nil {
		return err
	}
	resp, err := s.stub.DeleteFile(ctx, &xaiv1.DeleteFileRequest{FileId: fileID}, grpcCallOptions(opts)...)
	if err != nil {
		return fromGRPC(err)
	}
	if !resp.GetDeleted() {
		return &Error{Code: codes.Unknown, Message: fmt.Sprintf("Files.Delete: the server did not delete file %q and gave no reason", fileID)}
	}
	return nil
}

// List returns the files, following the pages for as long as the loop
// asks for more:
//
//	for f, err := range client.Files.List(ctx, xai.WithSortBy(xai.SortBySize), xai.WithOrder(xai.OrderDescending)) {
//		if err != nil { ... }
//		fmt.Println(f.Name, f.Size)
//	}
//
// Options: WithPageSize, WithLimit, WithOrder, WithSortBy (SortByCreated,
// the default, SortByName or SortBySize), WithFilter, and CallOptions
// applied to every page. An error ends the sequence; an invalid option is
// reported before anything is sent.
func (s *FilesService) List(ctx context.Context, opts ...ListOption) iter.Seq2[*File, error] {
	l := listing{method: "Files.List", sorts: []SortBy{SortByCreated, SortByName, SortBySize}, order: true, filter: true}
	return pages(l, s.ready(), opts, func(c *listConfig, limit int32, token *string) ([]*File, *string, error) {
		req := &xaiv1.ListFilesRequest{Filter: c.filter, Limit: limit, PaginationToken: token}
		switch c.sort {
		case SortByName:
			req.SortBy = xaiv1.FilesSortBy_FILES_SORT_BY_FILENAME.Enum()
		case SortBySize:
			req.SortBy = xaiv1.FilesSortBy_FILES_SORT_BY_SIZE.Enum()
		case SortByCreated:
			req.SortBy = xaiv1.FilesSortBy_FILES_SORT_BY_CREATED_AT.Enum()
		}
		if c.order == OrderDescending {
			req.Order = xaiv1.Ordering_DESCENDING
		}
		resp, err := s.stub.ListFiles(ctx, req, grpcCallOptions(c.call)...)
		if err != nil {
			return nil, nil, fromGRPC(err)
		}
		files := make([]*File, len(resp.GetData()))
		for i, pb := range resp.GetData() {
			files[i] = newFile(pb)
		}
		return files, resp.PaginationToken, nil
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
	for i, o := range opts {
		if o == nil {
			return 0, errNilOption("Files.Download", i)
		}
		if err := o.applyDownload(&cfg); err != nil {
			return 0, err
		}
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

// PublicURL is a link that serves a file to anyone, without an API key.
type PublicURL struct {
	// URL is the link.
	URL string
	// ExpiresAt is when the link stops working; zero if it lives as long
	// as the file.
	ExpiresAt time.Time
}

// CreatePublicURL gives a file a public link, living expiresAfter (a whole
// number of seconds between MinFileLifetime and MaxFileLifetime), or as
// long as the file when expiresAfter is 0. A new link replaces the
// previous one.
func (s *FilesService) CreatePublicURL(ctx context.Context, fileID string, expiresAfter time.Duration, opts ...CallOption) (*PublicURL, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if err := checkFileID("Files.CreatePublicURL", fileID); err != nil {
		return nil, err
	}
	req := &xaiv1.CreatePublicUrlRequest{FileId: fileID}
	if expiresAfter != 0 {
		if err := checkLifetime("Files.CreatePublicURL", expiresAfter); err != nil {
			return nil, err
		}
		secs := int64(expiresAfter / time.Second)
		req.ExpiresAfter = &secs
	}
	resp, err := s.stub.CreatePublicUrl(ctx, req, grpcCallOptions(opts)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return &PublicURL{URL: resp.GetPublicUrl(), ExpiresAt: timeOf(resp.GetExpiresAt())}, nil
}

// RevokePublicURL disables a file's public link straight away and returns
// the link it disabled, or "" if the file had none. The file is kept.
func (s *FilesService) RevokePublicURL(ctx context.Context, fileID string, opts ...CallOption) (string, error) {
	if err := s.ready(); err != nil {
		return "", err
	}
	if err := checkFileID("Files.RevokePublicURL", fileID); err != nil {
		return "", err
	}
	resp, err := s.stub.RevokePublicUrl(ctx, &xaiv1.RevokePublicUrlRequest{FileId: fileID}, grpcCallOptions(opts)...)
	if err != nil {
		return "", fromGRPC(err)
	}
	if !resp.GetRevoked() {
		return "", nil
	}
	return resp.GetPublicUrl(), nil
}
