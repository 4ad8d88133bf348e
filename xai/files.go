package xai

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// FilesService stores files with xAI: upload, list, read, download, share
// and delete. An uploaded file is used elsewhere by its ID: in a chat
// message with [FileID] (or [ImageFileID]), or as a document of a collection
// ([CollectionsService.AddDocument]). Use it as [Client.Files].
type FilesService struct {
	stub xaiv1.FilesClient
	cc   grpc.ClientConnInterface // for downloads, which use their own codec
}

// File and public link lifetimes.
const (
	// MinFileLifetime is the shortest lifetime [WithFileExpiry] and
	// CreatePublicURL accept, as documented by xAI: 1 hour.
	MinFileLifetime = time.Hour
	// MaxFileLifetime is the longest lifetime [WithFileExpiry] and
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
	return checkMade(s != nil && s.stub != nil && s.cc != nil, "Files")
}

// checkFileID rejects an empty file ID before anything is sent.
func checkFileID(method, id string) error {
	if strings.TrimSpace(id) == "" {
		return invalidArgument("%s: the file ID is empty; pass File.ID of an uploaded file", method)
	}
	return nil
}

// checkLifetime validates a file or link lifetime: whole seconds between
// [MinFileLifetime] and [MaxFileLifetime].
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

// TransferOption configures both Upload and Download.
type TransferOption interface {
	UploadOption
	DownloadOption
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
// the total is the size given with [WithUploadSize], or else the size of the
// reader when it reports one (a *bytes.Reader, *strings.Reader,
// *bytes.Buffer or regular *os.File); downloads report -1. The done values
// of the calls add up, chunk by chunk, to the file size.
func WithProgress(f ProgressFunc) TransferOption { return progressOption(f) }

// readerError wraps an error of the caller's reader or writer: the context
// errors keep their codes, others are UNKNOWN. errors.Is and errors.As
// reach the original error.
func readerError(what string, done int64, err error) error {
	return &Error{Code: status.FromContextError(err).Code(), Message: fmt.Sprintf("%s failed after %d bytes: %v", what, done, err), cause: err}
}

// Get returns the metadata of a file. An unknown or deleted file gives an
// error for which [IsNotFound] is true.
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

// fileSorts are the sort attributes of [FilesService.List], as the API
// names them.
var fileSorts = map[SortBy]xaiv1.FilesSortBy{
	SortByCreated: xaiv1.FilesSortBy_FILES_SORT_BY_CREATED_AT,
	SortByName:    xaiv1.FilesSortBy_FILES_SORT_BY_FILENAME,
	SortBySize:    xaiv1.FilesSortBy_FILES_SORT_BY_SIZE,
}

// List returns the files, following the pages for as long as the loop
// asks for more:
//
//	for f, err := range client.Files.List(ctx, xai.WithSortBy(xai.SortBySize), xai.WithOrder(xai.OrderDescending)) {
//		if err != nil { ... }
//		fmt.Println(f.Name, f.Size)
//	}
//
// Options: [WithPageSize], [WithLimit], [WithOrder], [WithSortBy]
// ([SortByCreated], the default, [SortByName] or [SortBySize]),
// [WithFilter], and [CallOptions] applied to every page. An error ends the
// sequence; an invalid option is reported before anything is sent.
func (s *FilesService) List(ctx context.Context, opts ...ListOption) iter.Seq2[*File, error] {
	l := listing{method: "Files.List", sorts: sortsOf(fileSorts), order: true, filter: true}
	return pages(l, s.ready(), opts, func(c *listConfig, limit int32, token *string) ([]*File, *string, error) {
		req := &xaiv1.ListFilesRequest{Filter: c.filter, Limit: limit, SortBy: sortField(c.sort, fileSorts), PaginationToken: token}
		if c.order == OrderDescending {
			req.Order = xaiv1.Ordering_DESCENDING
		}
		resp, err := s.stub.ListFiles(ctx, req, grpcCallOptions(c.call)...)
		if err != nil {
			return nil, nil, fromGRPC(err)
		}
		return wrapAll(resp.GetData(), newFile), resp.PaginationToken, nil
	})
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
// number of seconds between [MinFileLifetime] and [MaxFileLifetime]), or as
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
