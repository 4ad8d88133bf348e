package xai

import (
	"context"
	"iter"
	"maps"
	"strings"
	"time"

	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
)

// DocumentStatus is the indexing state of a document. A document can be
// searched once it is [DocumentProcessed].
type DocumentStatus int32

// Document states, as reported by the server.
const (
	// DocumentStatusUnknown: not known or not reported.
	DocumentStatusUnknown DocumentStatus = DocumentStatus(collectionsv1.DocumentStatus_DOCUMENT_STATUS_UNKNOWN)
	// DocumentProcessing: accepted and being processed.
	DocumentProcessing DocumentStatus = DocumentStatus(collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSING)
	// DocumentProcessed: indexed and ready to be searched.
	DocumentProcessed DocumentStatus = DocumentStatus(collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSED)
	// DocumentFailed: processing failed; see Document.Error.
	DocumentFailed DocumentStatus = DocumentStatus(collectionsv1.DocumentStatus_DOCUMENT_STATUS_FAILED)
	// DocumentChunked: split into chunks, not embedded yet.
	DocumentChunked DocumentStatus = DocumentStatus(collectionsv1.DocumentStatus_DOCUMENT_STATUS_CHUNKED)
	// DocumentEmbedding: the chunks' embeddings are being computed.
	DocumentEmbedding DocumentStatus = DocumentStatus(collectionsv1.DocumentStatus_DOCUMENT_STATUS_EMBEDDING)
	// DocumentWriting: chunks and embeddings are being written to the
	// index.
	DocumentWriting DocumentStatus = DocumentStatus(collectionsv1.DocumentStatus_DOCUMENT_STATUS_WRITING)
)

// String returns the API's name of the status, such as
// "DOCUMENT_STATUS_PROCESSED".
func (s DocumentStatus) String() string { return collectionsv1.DocumentStatus(s).String() }

// Done reports whether processing has ended, successfully or not.
func (s DocumentStatus) Done() bool { return s == DocumentProcessed || s == DocumentFailed }

// Document describes a document of a collection: an uploaded file, its
// field values and its indexing state.
type Document struct {
	// FileID is the ID of the document's file.
	FileID string
	// Name is the document's name, the file name unless renamed.
	Name string
	// Size is the size of the content in bytes.
	Size int64
	// ContentType is the MIME type of the content, such as
	// application/pdf.
	ContentType string
	// Hash is a hash of the content.
	Hash string
	// CreatedAt is when the file was uploaded.
	CreatedAt time.Time
	// ExpiresAt is when the file will be deleted; zero if it does not
	// expire.
	ExpiresAt time.Time
	// Fields are the document's field values.
	Fields map[string]string
	// Status is the indexing state.
	Status DocumentStatus
	// Error says why processing failed, when Status is [DocumentFailed].
	Error string
	// LastIndexedAt is when the document was last indexed.
	LastIndexedAt time.Time
	// ChunkCount is the number of chunks, once known.
	ChunkCount int
	// ChunksProcessed is the number of chunks processed so far.
	ChunksProcessed int64

	pb *collectionsv1.DocumentMetadata
}

// Proto returns the raw protobuf message.
func (d *Document) Proto() *collectionsv1.DocumentMetadata { return d.pb }

func newDocument(pb *collectionsv1.DocumentMetadata) *Document {
	fm := pb.GetFileMetadata()
	return &Document{
		FileID: fm.GetFileId(), Name: fm.GetName(), Size: fm.GetSizeBytes(), ContentType: fm.GetContentType(),
		Hash: fm.GetHash(), CreatedAt: timeOf(fm.GetCreatedAt()), ExpiresAt: timeOf(fm.GetExpiresAt()),
		Fields: maps.Clone(pb.GetFields()), Status: DocumentStatus(pb.GetStatus()), Error: pb.GetErrorMessage(),
		LastIndexedAt: timeOf(pb.GetLastIndexedAt()), ChunkCount: int(pb.GetChunkCount()),
		ChunksProcessed: pb.GetChunksProcessedCount(), pb: pb,
	}
}

// DocumentOption sets a property of a document, when it is added
// (AddDocument) or updated (UpdateDocument).
type DocumentOption interface {
	applyDocument(*documentConfig) error
}

type documentConfig struct {
	name        *string
	data        []byte
	contentType *string
	fields      map[string]string
	call        []CallOption
	poll        []DeferOption   // UploadDocument and WaitForDocument
	progress    func(*Document) // likewise
}

type documentOptionFunc func(*documentConfig) error

func (f documentOptionFunc) applyDocument(c *documentConfig) error { return f(c) }

func (o CallOptions) applyDocument(c *documentConfig) error {
	c.call = append(c.call, o...)
	return nil
}

// WithFieldValues gives values to the collection's metadata fields, keyed
// by field name (AddDocument and UpdateDocument). Values given more than
// once are merged, the last one winning.
func WithFieldValues(values map[string]string) DocumentOption {
	return documentOptionFunc(func(c *documentConfig) error {
		for k := range values {
			if strings.TrimSpace(k) == "" {
				return invalidArgument("WithFieldValues: a field name is empty")
			}
		}
		if c.fields == nil {
			c.fields = make(map[string]string, len(values))
		}
		maps.Copy(c.fields, values)
		return nil
	})
}

// WithDocumentContent replaces a document's content with data, of MIME
// type contentType ("" lets the server detect it) (UpdateDocument only).
// The whole content travels in one message, so it must fit the client's
// message size limit (20 MiB by default).
func WithDocumentContent(data []byte, contentType string) DocumentOption {
	return documentOptionFunc(func(c *documentConfig) error {
		if data == nil {
			return invalidArgument("WithDocumentContent: the content is nil")
		}
		c.data = data
		c.contentType = nil
		if contentType != "" {
			c.contentType = &contentType
		}
		return nil
	})
}

func documentConfigOf(method string, opts []DocumentOption) (*documentConfig, error) {
	c := &documentConfig{}
	if err := applyAll(method, c, opts, DocumentOption.applyDocument); err != nil {
		return nil, err
	}
	return c, nil
}

// readyDocument reports what readyCollection reports, then an empty file
// ID.
func (s *CollectionsService) readyDocument(method, collectionID, fileID string) error {
	if err := s.readyCollection(method, collectionID); err != nil {
		return err
	}
	return checkFileID(method, fileID)
}

// AddDocument adds an uploaded file to a collection as a document, with
// field values given by [WithFieldValues]. Indexing then runs in the
// background: GetDocument reports its Status.
func (s *CollectionsService) AddDocument(ctx context.Context, collectionID, fileID string, opts ...DocumentOption) error {
	const method = "Collections.AddDocument"
	if err := s.readyDocument(method, collectionID, fileID); err != nil {
		return err
	}
	c, err := documentConfigOf(method, opts)
	if err != nil {
		return err
	}
	if c.name != nil || c.data != nil {
		return invalidArgument("%s: WithNewName and WithDocumentContent apply to UpdateDocument", method)
	}
	if c.waits() {
		return errWaitOptions(method)
	}
	return s.addDocument(ctx, collectionID, fileID, c)
}

func (s *CollectionsService) addDocument(ctx context.Context, collectionID, fileID string, c *documentConfig) error {
	_, err := s.stub.AddDocumentToCollection(ctx, &collectionsv1.AddDocumentToCollectionRequest{
		TeamId: s.team, CollectionId: collectionID, FileId: fileID, Fields: c.fields,
	}, grpcCallOptions(c.call)...)
	return fromGRPC(err)
}

// RemoveDocument removes a document from a collection. The file is kept.
func (s *CollectionsService) RemoveDocument(ctx context.Context, collectionID, fileID string, opts ...CallOption) error {
	const method = "Collections.RemoveDocument"
	if err := s.readyDocument(method, collectionID, fileID); err != nil {
		return err
	}
	_, err := s.stub.RemoveDocumentFromCollection(ctx, &collectionsv1.RemoveDocumentFromCollectionRequest{
		TeamId: s.team, CollectionId: collectionID, FileId: fileID,
	}, grpcCallOptions(opts)...)
	return fromGRPC(err)
}

// UpdateDocument changes a document and returns it as updated. Options:
// [WithNewName], [WithDocumentContent], [WithFieldValues], and [CallOptions]; at
// least one change is required.
func (s *CollectionsService) UpdateDocument(ctx context.Context, collectionID, fileID string, opts ...DocumentOption) (*Document, error) {
	const method = "Collections.UpdateDocument"
	if err := s.readyDocument(method, collectionID, fileID); err != nil {
		return nil, err
	}
	c, err := documentConfigOf(method, opts)
	if err != nil {
		return nil, err
	}
	if c.waits() {
		return nil, errWaitOptions(method)
	}
	if c.name == nil && c.data == nil && len(c.fields) == 0 {
		return nil, invalidArgument("%s: nothing to change; pass WithNewName, WithDocumentContent or WithFieldValues", method)
	}
	pb, err := s.stub.UpdateDocument(ctx, &collectionsv1.UpdateDocumentRequest{
		TeamId: s.team, CollectionId: collectionID, FileId: fileID, Name: c.name,
		Data: c.data, ContentType: c.contentType, Fields: c.fields,
	}, grpcCallOptions(c.call)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return newDocument(pb), nil
}

// GetDocument describes a document of a collection.
func (s *CollectionsService) GetDocument(ctx context.Context, collectionID, fileID string, opts ...CallOption) (*Document, error) {
	const method = "Collections.GetDocument"
	if err := s.readyDocument(method, collectionID, fileID); err != nil {
		return nil, err
	}
	pb, err := s.stub.GetDocumentMetadata(ctx, &collectionsv1.GetDocumentMetadataRequest{
		TeamId: s.team, CollectionId: collectionID, FileId: fileID,
	}, grpcCallOptions(opts)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return newDocument(pb), nil
}

// BatchGetDocuments describes several documents of a collection in one
// call. Documents that are not found are left out of the result.
func (s *CollectionsService) BatchGetDocuments(ctx context.Context, collectionID string, fileIDs []string, opts ...CallOption) ([]*Document, error) {
	const method = "Collections.BatchGetDocuments"
	if err := s.readyCollection(method, collectionID); err != nil {
		return nil, err
	}
	if len(fileIDs) == 0 {
		return nil, invalidArgument("%s: no file IDs; pass the IDs of the documents to describe", method)
	}
	for i, id := range fileIDs {
		if strings.TrimSpace(id) == "" {
			return nil, invalidArgument("%s: file ID %d is empty", method, i)
		}
	}
	resp, err := s.stub.BatchGetDocuments(ctx, &collectionsv1.BatchGetDocumentsRequest{
		TeamId: s.team, CollectionId: collectionID, FileIds: append([]string(nil), fileIDs...),
	}, grpcCallOptions(opts)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return wrapAll(resp.GetDocuments(), newDocument), nil
}

// documentSorts are the sort attributes of
// [CollectionsService.ListDocuments], as the API names them.
var documentSorts = map[SortBy]collectionsv1.DocumentsSortBy{
	SortByCreated: collectionsv1.DocumentsSortBy_DOCUMENTS_SORT_BY_AGE,
	SortByName:    collectionsv1.DocumentsSortBy_DOCUMENTS_SORT_BY_NAME,
	SortBySize:    collectionsv1.DocumentsSortBy_DOCUMENTS_SORT_BY_SIZE,
}

// ListDocuments returns the documents of a collection, following the pages
// for as long as the loop asks for more. Options: [WithPageSize],
// [WithLimit], [WithOrder], [WithSortBy] ([SortByCreated], [SortByName] or
// [SortBySize]), [WithNameFilter], [WithFilter], and [CallOptions] applied
// to every page. An error ends the sequence.
func (s *CollectionsService) ListDocuments(ctx context.Context, collectionID string, opts ...ListOption) iter.Seq2[*Document, error] {
	l := listing{method: "Collections.ListDocuments", sorts: sortsOf(documentSorts), order: true, filter: true, name: true}
	return pages(l, s.readyCollection(l.method, collectionID), opts, func(c *listConfig, limit int32, token *string) ([]*Document, *string, error) {
		resp, err := s.stub.ListDocuments(ctx, &collectionsv1.ListDocumentsRequest{
			TeamId: s.team, CollectionId: collectionID, Limit: pageLimit(limit), Order: listOrdering(c.order),
			SortBy: sortField(c.sort, documentSorts), Name: c.name, Filter: c.filter, PaginationToken: token,
		}, grpcCallOptions(c.call)...)
		if err != nil {
			return nil, nil, fromGRPC(err)
		}
		return wrapAll(resp.GetDocuments(), newDocument), resp.PaginationToken, nil
	})
}

// ReindexDocument chunks and indexes a document again, for example after
// the collection's chunking changed or processing failed.
func (s *CollectionsService) ReindexDocument(ctx context.Context, collectionID, fileID string, opts ...CallOption) error {
	const method = "Collections.ReindexDocument"
	if err := s.readyDocument(method, collectionID, fileID); err != nil {
		return err
	}
	_, err := s.stub.ReIndexDocument(ctx, &collectionsv1.ReIndexDocumentRequest{
		TeamId: s.team, CollectionId: collectionID, FileId: fileID,
	}, grpcCallOptions(opts)...)
	return fromGRPC(err)
}
