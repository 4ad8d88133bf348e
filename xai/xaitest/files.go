package xaitest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

const (
	// downloadChunkBytes is the size of the messages of a download.
	downloadChunkBytes = 1 << 20
	// maxUploadBytes bounds one file, to keep a runaway test from eating
	// the machine's memory.
	maxUploadBytes = 512 << 20
	// Allowed lifetimes, in seconds, for files and public links.
	minExpiresAfter = 3600
	maxExpiresAfter = 30 * 24 * 3600
)

// storedFile is an uploaded file. data is never modified after upload, so
// it is shared with downloads without copying.
type storedFile struct {
	id        string
	team      team
	name      string
	data      []byte
	seq       int64 // upload order, to break ties in listings
	created   time.Time
	expires   time.Time // zero: never
	publicURL string
	urlExpiry time.Time // zero: lives as long as the file
}

func (f *storedFile) live(now time.Time) bool {
	return f.expires.IsZero() || now.Before(f.expires)
}

// share gives the file a new public link, living expiresAfter seconds or
// as long as the file. The caller holds the server's lock.
func (f *storedFile) share(now time.Time, expiresAfter *int64) {
	f.publicURL = fmt.Sprintf("https://files.xaitest.invalid/public/%s/%s", f.id, newID())
	f.urlExpiry = time.Time{}
	if expiresAfter != nil {
		f.urlExpiry = now.Add(secondsDuration(*expiresAfter))
	}
}

func (f *storedFile) proto(now time.Time) *xaiv1.File {
	pf := &xaiv1.File{
		Id:        f.id,
		Filename:  f.name,
		Size:      int64(len(f.data)),
		CreatedAt: timestamppb.New(f.created),
	}
	if !f.expires.IsZero() {
		pf.ExpiresAt = timestamppb.New(f.expires)
	}
	if f.publicURL != "" && (f.urlExpiry.IsZero() || now.Before(f.urlExpiry)) {
		pf.PublicUrl = &f.publicURL
		if !f.urlExpiry.IsZero() {
			pf.PublicUrlExpiresAt = timestamppb.New(f.urlExpiry)
		}
	}
	return pf
}

// fileData returns the content of a live file of team t.
func (s *Server) fileData(t team, id string) ([]byte, bool) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[id]
	if !ok || !f.live(now) || f.team != t {
		return nil, false
	}
	return f.data, true
}

// liveFileLocked returns a live file of team t, or NOT_FOUND: the files
// of other teams do not exist for it. s.mu must be held.
func (s *Server) liveFileLocked(t team, id string, now time.Time) (*storedFile, error) {
	if id == "" {
		return nil, invalid("file_id is required")
	}
	f, ok := s.files[id]
	if ok && !f.live(now) {
		s.dropFileLocked(f)
		ok = false
	}
	if !ok || f.team != t {
		return nil, status.Errorf(codes.NotFound, "file %q not found", id)
	}
	return f, nil
}

// withLiveFile calls fn with a live file of team t and the time it was
// looked up at, under the server's lock, and returns what fn returns; or
// the error of liveFileLocked.
func withLiveFile[R any](s *Server, t team, id string, fn func(f *storedFile, now time.Time) R) (R, error) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.liveFileLocked(t, id, now)
	if err != nil {
		var zero R
		return zero, err
	}
	return fn(f, now), nil
}

// dropFileLocked forgets a file and frees its bytes of its team's quota.
// s.mu must be held.
func (s *Server) dropFileLocked(f *storedFile) {
	delete(s.files, f.id)
	s.freeFileBytesLocked(f.team, int64(len(f.data)))
}

// reserveFileBytes counts n more bytes against the quota of team t
// (Limits.FileBytesPerTeam), dropping its expired files first when the
// quota is reached.
func (s *Server) reserveFileBytes(t team, n int64) error {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := s.cfg.limits.FileBytesPerTeam
	if s.fileBytes[t]+n > limit {
		for _, f := range s.files {
			if f.team == t && !f.live(now) {
				s.dropFileLocked(f)
			}
		}
	}
	if used := s.fileBytes[t]; used+n > limit {
		return s.errFileQuota(used, n)
	}
	s.fileBytes[t] += n
	return nil
}

// freeFileBytes returns n bytes to the quota of team t.
func (s *Server) freeFileBytes(t team, n int64) {
	if n == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.freeFileBytesLocked(t, n)
}

func (s *Server) freeFileBytesLocked(t team, n int64) {
	if s.fileBytes[t] -= n; s.fileBytes[t] <= 0 {
		delete(s.fileBytes, t)
	}
}

// addFile stores new file content of team t and returns its metadata, or
// RESOURCE_EXHAUSTED when the team's quota cannot hold it.
func (s *Server) addFile(t team, name string, data []byte, expiresAfter *int64) (*xaiv1.File, error) {
	if err := s.reserveFileBytes(t, int64(len(data))); err != nil {
		return nil, err
	}
	return s.addReservedFile(t, name, data, expiresAfter), nil
}

// addReservedFile stores a file whose bytes are already counted against
// its team's quota.
func (s *Server) addReservedFile(t team, name string, data []byte, expiresAfter *int64) *xaiv1.File {
	now := s.clock.Now()
	f := &storedFile{id: "file_" + newID(), team: t, name: name, data: data, created: now}
	if expiresAfter != nil {
		f.expires = now.Add(secondsDuration(*expiresAfter))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fileSeq++
	f.seq = s.fileSeq
	s.files[f.id] = f
	return f.proto(now)
}

func checkLifetime(field string, v *int64) error {
	if v != nil && (*v < minExpiresAfter || *v > maxExpiresAfter) {
		return invalid("%s must be between %d and %d seconds, got %d", field, minExpiresAfter, maxExpiresAfter, *v)
	}
	return nil
}

// filesService implements the Files service.
type filesService struct {
	xaiv1.UnimplementedFilesServer
	s *Server
}

// UploadFile reads an init message, then data chunks, and stores the file.
// Each chunk is counted against the team's quota as it arrives, so an
// upload that would exceed it stops there.
func (fs *filesService) UploadFile(stream grpc.ClientStreamingServer[xaiv1.UploadFileChunk, xaiv1.File]) (err error) {
	t := teamOf(stream.Context())
	var reserved int64
	defer func() {
		if err != nil {
			fs.s.freeFileBytes(t, reserved)
		}
	}()
	first, err := stream.Recv()
	if errors.Is(err, io.EOF) {
		return invalid("the upload is empty: send an init message with the file name, then the data")
	}
	if err != nil {
		return err
	}
	init := first.GetInit()
	if init == nil {
		return invalid("the first upload message must be init, with the file name")
	}
	if strings.TrimSpace(init.GetName()) == "" {
		return invalid("init.name is required")
	}
	if err := checkLifetime("init.expires_after", init.ExpiresAfter); err != nil {
		return err
	}
	// The chunks are kept as received and joined once at the end: a
	// growing buffer would hold up to twice the file while it grows.
	var parts [][]byte
	size := 0
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		switch c := chunk.GetChunk().(type) {
		case *xaiv1.UploadFileChunk_Data:
			if size+len(c.Data) > maxUploadBytes {
				return status.Errorf(codes.InvalidArgument, "the file exceeds the fake's limit of %d bytes", maxUploadBytes)
			}
			if err := fs.s.reserveFileBytes(t, int64(len(c.Data))); err != nil {
				return err
			}
			reserved += int64(len(c.Data))
			parts = append(parts, c.Data)
			size += len(c.Data)
		case *xaiv1.UploadFileChunk_Init:
			return invalid("init may only be sent once, as the first upload message")
		default:
			return invalid("an upload message after init must carry data")
		}
	}
	data := make([]byte, 0, size)
	for i, p := range parts {
		data = append(data, p...)
		parts[i] = nil // garbage from here on
	}
	return stream.SendAndClose(fs.s.addReservedFile(t, init.GetName(), data, init.ExpiresAfter))
}

// ListFiles lists live files a page at a time, those the filter accepts
// (see filter.go). Pages follow on from the last file of the previous page,
// so files deleted or added between pages neither shift nor repeat entries.
func (fs *filesService) ListFiles(ctx context.Context, req *xaiv1.ListFilesRequest) (*xaiv1.ListFilesResponse, error) {
	limit, err := pageLimit(req.GetLimit())
	if err != nil {
		return nil, err
	}
	match, err := filesFilter.compile(req.GetFilter())
	if err != nil {
		return nil, err
	}
	sort, by, err := sortOrder(req.GetSortBy().Enum(), map[xaiv1.FilesSortBy]int{
		xaiv1.FilesSortBy_FILES_SORT_BY_CREATED_AT: bySeq,
		xaiv1.FilesSortBy_FILES_SORT_BY_FILENAME:   byName,
		xaiv1.FilesSortBy_FILES_SORT_BY_SIZE:       byNum,
	})
	if err != nil {
		return nil, err
	}
	p := pageRequest{listing: "files", sort: sort, by: by, limit: limit}
	switch req.GetOrder() {
	case xaiv1.Ordering_ASCENDING:
	case xaiv1.Ordering_DESCENDING:
		p.desc = true
	default:
		return nil, invalid("order %d is not a valid order", req.GetOrder())
	}
	if err := p.resume(req.GetPaginationToken()); err != nil {
		return nil, err
	}

	now := fs.s.clock.Now()
	t := teamOf(ctx)
	fs.s.mu.Lock()
	defer fs.s.mu.Unlock()
	var files []*storedFile
	for _, f := range fs.s.files {
		if f.live(now) && f.team == t && match(fileItem{f, now}) {
			files = append(files, f)
		}
	}
	page, next := paginate(p, files, func(f *storedFile) sortKey {
		return sortKey{name: f.name, num: int64(len(f.data)), seq: f.seq}
	})
	resp := &xaiv1.ListFilesResponse{PaginationToken: next}
	for _, f := range page {
		resp.Data = append(resp.Data, f.proto(now))
	}
	return resp, nil
}

// RetrieveFile returns a file's metadata.
func (fs *filesService) RetrieveFile(ctx context.Context, req *xaiv1.RetrieveFileRequest) (*xaiv1.File, error) {
	return withLiveFile(fs.s, teamOf(ctx), req.GetFileId(), (*storedFile).proto)
}

// DeleteFile deletes a file.
func (fs *filesService) DeleteFile(ctx context.Context, req *xaiv1.DeleteFileRequest) (*xaiv1.DeleteFileResponse, error) {
	return withLiveFile(fs.s, teamOf(ctx), req.GetFileId(), func(f *storedFile, _ time.Time) *xaiv1.DeleteFileResponse {
		fs.s.dropFileLocked(f)
		return &xaiv1.DeleteFileResponse{Id: f.id, Deleted: true}
	})
}

// RetrieveFileContent streams a file's bytes in 1 MiB messages.
// DOWNLOAD_FORMAT_TEXT works for files that are UTF-8 text, which the fake
// returns unchanged.
func (fs *filesService) RetrieveFileContent(req *xaiv1.RetrieveFileContentRequest, stream grpc.ServerStreamingServer[xaiv1.FileContentChunk]) error {
	data, err := withLiveFile(fs.s, teamOf(stream.Context()), req.GetFileId(), func(f *storedFile, _ time.Time) []byte { return f.data })
	if err != nil {
		return err
	}
	switch req.GetFormat() {
	case xaiv1.DownloadFormat_DOWNLOAD_FORMAT_UNKNOWN, xaiv1.DownloadFormat_DOWNLOAD_FORMAT_ORIGINAL:
	case xaiv1.DownloadFormat_DOWNLOAD_FORMAT_TEXT:
		if !utf8.Valid(data) {
			return status.Errorf(codes.FailedPrecondition,
				"xaitest: file %q is not UTF-8 text, and the fake cannot extract text from other formats", req.GetFileId())
		}
	default:
		return invalid("format %d is not a valid download format", req.GetFormat())
	}
	for off := 0; off < len(data); off += downloadChunkBytes {
		end := min(off+downloadChunkBytes, len(data))
		if err := stream.Send(&xaiv1.FileContentChunk{Data: data[off:end]}); err != nil {
			return err
		}
	}
	return nil
}

// CreatePublicUrl gives a file a public link (which the fake does not
// serve). A new link replaces the previous one.
func (fs *filesService) CreatePublicUrl(ctx context.Context, req *xaiv1.CreatePublicUrlRequest) (*xaiv1.CreatePublicUrlResponse, error) {
	if err := checkLifetime("expires_after", req.ExpiresAfter); err != nil {
		return nil, err
	}
	return withLiveFile(fs.s, teamOf(ctx), req.GetFileId(), func(f *storedFile, now time.Time) *xaiv1.CreatePublicUrlResponse {
		f.share(now, req.ExpiresAfter)
		resp := &xaiv1.CreatePublicUrlResponse{PublicUrl: f.publicURL}
		if !f.urlExpiry.IsZero() {
			resp.ExpiresAt = timestamppb.New(f.urlExpiry)
		}
		return resp
	})
}

// RevokePublicUrl removes a file's public link, if it has a live one.
func (fs *filesService) RevokePublicUrl(ctx context.Context, req *xaiv1.RevokePublicUrlRequest) (*xaiv1.RevokePublicUrlResponse, error) {
	return withLiveFile(fs.s, teamOf(ctx), req.GetFileId(), func(f *storedFile, now time.Time) *xaiv1.RevokePublicUrlResponse {
		resp := &xaiv1.RevokePublicUrlResponse{FileId: f.id}
		if f.publicURL != "" && (f.urlExpiry.IsZero() || now.Before(f.urlExpiry)) {
			url := f.publicURL
			resp.Revoked = true
			resp.PublicUrl = &url
		}
		f.publicURL, f.urlExpiry = "", time.Time{}
		return resp
	})
}
