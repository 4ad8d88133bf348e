package xaitest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"
	"path"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
)

// The documents of collections: the Collections service's calls that add,
// change, list and remove them (indexing.go chunks them, search.go finds
// them).

// document is a snapshot of an uploaded file in a collection: the file
// may change or go, the document stays until it is removed.
type document struct {
	fileID      string
	name        string
	contentType string
	data        []byte // never modified; replaced whole by UpdateDocument
	hash        string
	created     time.Time // of the file
	expires     time.Time // of the file; zero: never
	seq         int64     // order of addition to the collection
	fields      map[string]string
	status      collectionsv1.DocumentStatus
	errMsg      string
	indexedAt   time.Time
	chunks      []chunk
	// While indexing runs (status PROCESSING): its outcome, applied by
	// settle once the clock reaches readyAt, and the chunks done so far.
	outcome          *indexOutcome
	started, readyAt time.Time
	processed        int64
}

// proto describes the document.
func (d *document) proto() *collectionsv1.DocumentMetadata {
	fm := &collectionsv1.FileMetadata{
		FileId:      d.fileID,
		Name:        d.name,
		SizeBytes:   int64(len(d.data)),
		ContentType: d.contentType,
		CreatedAt:   timestamppb.New(d.created),
		Hash:        d.hash,
	}
	if !d.expires.IsZero() {
		fm.ExpiresAt = timestamppb.New(d.expires)
	}
	m := &collectionsv1.DocumentMetadata{
		FileMetadata:  fm,
		Fields:        maps.Clone(d.fields),
		Status:        d.status,
		LastIndexedAt: timestamppb.New(d.indexedAt),
	}
	if d.errMsg != "" {
		m.ErrorMessage = proto.String(d.errMsg)
	}
	if d.status == collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSED {
		m.ChunkCount = proto.Int32(int32(len(d.chunks)))
		m.ChunksProcessedCount = proto.Int64(int64(len(d.chunks)))
	}
	if d.outcome != nil { // indexing in the background
		m.ChunkCount = proto.Int32(int32(len(d.outcome.chunks)))
		m.ChunksProcessedCount = proto.Int64(d.processed)
	}
	return m
}

// contentType guesses a MIME type from the file name, then the content.
func contentType(name string, data []byte) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".txt":
		return "text/plain"
	case ".md", ".markdown":
		return "text/markdown"
	case ".csv":
		return "text/csv"
	case ".json":
		return "application/json"
	case ".html", ".htm":
		return "text/html"
	case ".pdf":
		return "application/pdf"
	}
	return http.DetectContentType(data)
}

// documentLocked returns a document of a collection or NOT_FOUND.
func (r *ragStore) documentLocked(t team, collectionID, fileID string) (*collection, *document, error) {
	c, err := r.lookupLocked(t, collectionID)
	if err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(fileID) == "" {
		return nil, nil, invalid("file_id is required")
	}
	d, ok := c.docs[fileID]
	if !ok {
		return nil, nil, status.Errorf(codes.NotFound, "document %q not found in collection %q", fileID, collectionID)
	}
	return c, d, nil
}

// AddDocumentToCollection adds a snapshot of an uploaded file and indexes
// it at once. The snapshot counts against the team's file quota
// (Limits.FileBytesPerTeam) for as long as the document exists, since it
// outlives the file.
func (cs *collectionsService) AddDocumentToCollection(ctx context.Context, req *collectionsv1.AddDocumentToCollectionRequest) (*emptypb.Empty, error) {
	if strings.TrimSpace(req.GetFileId()) == "" {
		return nil, invalid("file_id is required")
	}
	now := cs.now()
	s := cs.r.s
	d, err := withLiveFile(s, teamOf(ctx), req.GetFileId(), func(f *storedFile, _ time.Time) *document {
		return &document{fileID: f.id, name: f.name, data: f.data, created: f.created, expires: f.expires}
	})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(d.data)
	d.hash = hex.EncodeToString(sum[:])
	d.contentType = contentType(d.name, d.data)
	d.fields = maps.Clone(req.GetFields())

	if err := s.reserveFileBytes(teamOf(ctx), int64(len(d.data))); err != nil {
		return nil, err
	}
	added := false
	defer func() { // after the unlock below
		if !added {
			s.freeFileBytes(teamOf(ctx), int64(len(d.data)))
		}
	}()
	cs.r.mu.Lock()
	defer cs.r.mu.Unlock()
	c, err := cs.r.lookupLocked(teamOf(ctx), req.GetCollectionId())
	if err != nil {
		return nil, err
	}
	if _, dup := c.docs[d.fileID]; dup {
		return nil, status.Errorf(codes.AlreadyExists, "file %q is already in collection %q", d.fileID, c.id)
	}
	if err := c.checkFieldValues(d.fields, ""); err != nil {
		return nil, err
	}
	if err := c.checkRequired(d.fields); err != nil {
		return nil, err
	}
	c.docSeq++
	d.seq = c.docSeq
	cs.r.indexLocked(c, d, now)
	c.docs[d.fileID] = d
	added = true
	return &emptypb.Empty{}, nil
}

// RemoveDocumentFromCollection removes a document; the file is kept.
func (cs *collectionsService) RemoveDocumentFromCollection(ctx context.Context, req *collectionsv1.RemoveDocumentFromCollectionRequest) (*emptypb.Empty, error) {
	var freed int64
	defer func() { cs.r.s.freeFileBytes(teamOf(ctx), freed) }() // after the unlock below
	cs.r.mu.Lock()
	defer cs.r.mu.Unlock()
	c, d, err := cs.r.documentLocked(teamOf(ctx), req.GetCollectionId(), req.GetFileId())
	if err != nil {
		return nil, err
	}
	delete(c.docs, d.fileID)
	freed = int64(len(d.data))
	return &emptypb.Empty{}, nil
}

// UpdateDocument renames a document, replaces its content or sets field
// values, then indexes it again.
func (cs *collectionsService) UpdateDocument(ctx context.Context, req *collectionsv1.UpdateDocumentRequest) (*collectionsv1.DocumentMetadata, error) {
	if req.Name != nil && strings.TrimSpace(req.GetName()) == "" {
		return nil, invalid("name must not be empty when set")
	}
	if req.ContentType != nil && req.Data == nil {
		return nil, invalid("content_type may only be set together with data")
	}
	now := cs.now()
	// New content is counted against the team's file quota first; the
	// bytes freed (the old content, or the new on failure) are given back
	// after the unlock below.
	t := teamOf(ctx)
	if err := cs.r.s.reserveFileBytes(t, int64(len(req.GetData()))); err != nil {
		return nil, err
	}
	freed := int64(len(req.GetData()))
	defer func() { cs.r.s.freeFileBytes(t, freed) }()
	cs.r.mu.Lock()
	defer cs.r.mu.Unlock()
	c, d, err := cs.r.documentLocked(t, req.GetCollectionId(), req.GetFileId())
	if err != nil {
		return nil, err
	}
	if err := c.checkFieldValues(req.GetFields(), d.fileID); err != nil {
		return nil, err
	}
	fields := maps.Clone(d.fields)
	if fields == nil {
		fields = make(map[string]string)
	}
	maps.Copy(fields, req.GetFields())
	if err := c.checkRequired(fields); err != nil {
		return nil, err
	}
	d.fields = fields
	if req.Name != nil {
		d.name = req.GetName()
	}
	if req.Data != nil {
		freed = int64(len(d.data))
		d.data = bytes.Clone(req.GetData())
		sum := sha256.Sum256(d.data)
		d.hash = hex.EncodeToString(sum[:])
		d.contentType = cmp.Or(req.GetContentType(), contentType(d.name, d.data))
	}
	cs.r.indexLocked(c, d, now)
	return d.proto(), nil
}

// ListDocuments lists the documents of a collection that the filter accepts
// (see filter.go) a page at a time, by addition (the default when sort_by is
// unset), name or size.
func (cs *collectionsService) ListDocuments(ctx context.Context, req *collectionsv1.ListDocumentsRequest) (*collectionsv1.ListDocumentsResponse, error) {
	match, err := documentsFilter.compile(req.GetFilter())
	if err != nil {
		return nil, err
	}
	p, err := parsePage("documents:"+req.GetCollectionId(), req.Limit, req.Order, req.SortBy, map[collectionsv1.DocumentsSortBy]int{
		collectionsv1.DocumentsSortBy_DOCUMENTS_SORT_BY_NAME: byName,
		collectionsv1.DocumentsSortBy_DOCUMENTS_SORT_BY_SIZE: byNum,
		collectionsv1.DocumentsSortBy_DOCUMENTS_SORT_BY_AGE:  bySeq,
	}, req.PaginationToken)
	if err != nil {
		return nil, err
	}
	cs.r.mu.Lock()
	defer cs.r.mu.Unlock()
	c, err := cs.r.lookupLocked(teamOf(ctx), req.GetCollectionId())
	if err != nil {
		return nil, err
	}
	var docs []*document
	for _, d := range c.docs {
		if (req.Name == nil || d.name == req.GetName()) && match(documentItem{d}) {
			docs = append(docs, d)
		}
	}
	page, next := paginate(p, docs, func(d *document) sortKey {
		return sortKey{name: d.name, num: int64(len(d.data)), seq: d.seq}
	})
	resp := &collectionsv1.ListDocumentsResponse{PaginationToken: next}
	for _, d := range page {
		resp.Documents = append(resp.Documents, d.proto())
	}
	return resp, nil
}

// GetDocumentMetadata describes one document.
func (cs *collectionsService) GetDocumentMetadata(ctx context.Context, req *collectionsv1.GetDocumentMetadataRequest) (*collectionsv1.DocumentMetadata, error) {
	cs.r.mu.Lock()
	defer cs.r.mu.Unlock()
	_, d, err := cs.r.documentLocked(teamOf(ctx), req.GetCollectionId(), req.GetFileId())
	if err != nil {
		return nil, err
	}
	return d.proto(), nil
}

// BatchGetDocuments describes the requested documents that exist, in the
// order asked; unknown IDs are left out.
func (cs *collectionsService) BatchGetDocuments(ctx context.Context, req *collectionsv1.BatchGetDocumentsRequest) (*collectionsv1.BatchGetDocumentsResponse, error) {
	for i, id := range req.GetFileIds() {
		if strings.TrimSpace(id) == "" {
			return nil, invalid("file_ids[%d] is empty", i)
		}
	}
	cs.r.mu.Lock()
	defer cs.r.mu.Unlock()
	c, err := cs.r.lookupLocked(teamOf(ctx), req.GetCollectionId())
	if err != nil {
		return nil, err
	}
	resp := &collectionsv1.BatchGetDocumentsResponse{}
	for _, id := range req.GetFileIds() {
		if d, ok := c.docs[id]; ok {
			resp.Documents = append(resp.Documents, d.proto())
		}
	}
	return resp, nil
}

// ReIndexDocument chunks a document again with the collection's current
// settings.
func (cs *collectionsService) ReIndexDocument(ctx context.Context, req *collectionsv1.ReIndexDocumentRequest) (*emptypb.Empty, error) {
	now := cs.now()
	cs.r.mu.Lock()
	defer cs.r.mu.Unlock()
	c, d, err := cs.r.documentLocked(teamOf(ctx), req.GetCollectionId(), req.GetFileId())
	if err != nil {
		return nil, err
	}
	cs.r.indexLocked(c, d, now)
	return &emptypb.Empty{}, nil
}
