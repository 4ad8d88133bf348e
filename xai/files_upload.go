package xai

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// Upload chunk sizes.
const (
	// DefaultUploadChunkSize is the size of the data messages of an upload:
	// 1 MiB. Upload keeps one buffer of this size, whatever the file size.
	DefaultUploadChunkSize = 1 << 20
	// MaxUploadChunkSize is the largest chunk size [WithUploadChunkSize]
	// accepts; each chunk travels in one gRPC message.
	MaxUploadChunkSize = 16 << 20
)

// UploadOption configures [FilesService.Upload].
type UploadOption interface {
	applyUpload(*uploadConfig) error
}

type uploadConfig struct {
	size      int64 // -1: not declared
	parallel  int   // UploadMany only; 0: not given
	expiry    time.Duration
	chunkSize int
	progress  ProgressFunc
	call      []CallOption
}

type uploadOptionFunc func(*uploadConfig) error

func (f uploadOptionFunc) applyUpload(c *uploadConfig) error { return f(c) }

func (o CallOptions) applyUpload(c *uploadConfig) error {
	c.call = append(c.call, o...)
	return nil
}

// WithUploadSize declares the size of the content in bytes. Upload then
// checks it: a reader that yields more or fewer bytes makes the upload fail
// with InvalidArgument, and the upload is cancelled before it completes,
// so the server stores nothing. It also gives [WithProgress] its total.
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
// must be a whole number of seconds between [MinFileLifetime] (1 hour) and
// [MaxFileLifetime] (30 days). By default files are kept until deleted.
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
// 1 byte to [MaxUploadChunkSize]; the default is [DefaultUploadChunkSize]
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
// expiry), then chunks of [DefaultUploadChunkSize] bytes read into one
// reused buffer, so memory stays bounded by the chunk size whatever the
// file size.
//
// If r fails, the declared size ([WithUploadSize]) does not match, or ctx
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
	if err := applyAll(method, &cfg, opts, UploadOption.applyUpload); err != nil {
		return cfg, err
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
