package xai

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

// Defaults of [CollectionsService.UploadDocument] and
// [CollectionsService.WaitForDocument], as in the official Python
// SDK (collections.py: DEFAULT_INDEXING_POLL_INTERVAL and
// DEFAULT_INDEXING_TIMEOUT).
const (
	// DefaultIndexingPollInterval is how often the wait reads the
	// document.
	DefaultIndexingPollInterval = 10 * time.Second
	// DefaultIndexingTimeout is how long the wait lasts before giving up.
	DefaultIndexingTimeout = 2 * time.Minute
)

// WithIndexingProgress calls f with the document each time
// [CollectionsService.UploadDocument] or [CollectionsService.WaitForDocument]
// reads it while waiting, the last time with its final state: its Status,
// and its ChunkCount and ChunksProcessed, which show how far indexing is. f
// is called on the caller's goroutine.
func WithIndexingProgress(f func(*Document)) DocumentOption {
	return documentOptionFunc(func(c *documentConfig) error {
		if f == nil {
			return invalidArgument("WithIndexingProgress: the function is nil")
		}
		c.progress = f
		return nil
	})
}

// applyDocument passes wait options to UploadDocument and WaitForDocument.
func (o PollOptions) applyDocument(c *documentConfig) error {
	c.poll = append(c.poll, o...)
	return nil
}

// waits reports whether options that only a wait uses were given.
func (c *documentConfig) waits() bool { return len(c.poll) > 0 || c.progress != nil }

// errWaitOptions refuses the options of a wait on a call that does not
// wait.
func errWaitOptions(method string) error {
	return invalidArgument("%s: PollOptions and WithIndexingProgress apply to UploadDocument and WaitForDocument, which wait for indexing", method)
}

// UploadDocument uploads the content read from r as a file called name
// (as [FilesService.Upload] does), adds it to a collection as a document
// (as [CollectionsService.AddDocument] does, with [WithFieldValues]), and
// waits until it is indexed (as [CollectionsService.WaitForDocument] does),
// in one call, as the official Python SDK's upload_document with
// wait_for_indexing does. It returns the indexed document.
//
// Options: [WithFieldValues]; [PollOptions] with [WithPollInterval]
// (default [DefaultIndexingPollInterval], 10 s) and [WithPollTimeout]
// (default [DefaultIndexingTimeout], 2 minutes); [WithIndexingProgress];
// and [CallOptions], applied to every call: the upload, the addition and
// each poll. The file travels on the API connection, the rest on the
// management one, so the client needs both keys.
//
// When a step after the upload fails, the error comes with the document
// as last read (or, when the addition failed, one holding only [FileID]), so
// that the file can be found again: to wait longer with WaitForDocument,
// to [CollectionsService.ReindexDocument] it, or to delete it with
// [FilesService.Delete].
func (s *CollectionsService) UploadDocument(ctx context.Context, collectionID, name string, r io.Reader, opts ...DocumentOption) (*Document, error) {
	const method = "Collections.UploadDocument"
	if err := s.readyCollection(method, collectionID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		return nil, invalidArgument(`%s: the document name is empty; pass the file name to record, with its extension, for example "handbook.pdf"`, method)
	}
	if r == nil {
		return nil, invalidArgument("%s: the reader is nil", method)
	}
	c, err := documentConfigOf(method, opts)
	if err != nil {
		return nil, err
	}
	if c.name != nil || c.data != nil {
		return nil, invalidArgument("%s: WithNewName and WithDocumentContent apply to UpdateDocument; the name is an argument, the content comes from the reader", method)
	}
	if s.files == nil || s.files.ready() != nil {
		return nil, notFromClient("Collections")
	}
	cfg, err := indexingWait(c)
	if err != nil {
		return nil, err
	}
	f, err := s.files.upload(ctx, name, r, uploadConfig{size: -1, chunkSize: DefaultUploadChunkSize, call: c.call})
	if err != nil {
		return nil, err
	}
	if err := s.addDocument(ctx, collectionID, f.ID, c); err != nil {
		return &Document{FileID: f.ID, Name: f.Name}, err
	}
	return s.waitDocument(ctx, collectionID, f.ID, cfg, c.progress)
}

// WaitForDocument reads a document of a collection every poll interval
// until its indexing has ended, and returns it once it is
// [DocumentProcessed]. Options: [PollOptions] with [WithPollInterval]
// (default [DefaultIndexingPollInterval], 10 s) and [WithPollTimeout]
// (default [DefaultIndexingTimeout], 2 minutes), [WithIndexingProgress], and
// [CallOptions] applied to each read.
//
// A document that failed to index ([DocumentFailed]) gives an [*Error] with
// code Internal carrying the server's explanation ([Document.Error]) and the
// DocumentMetadata among its Details, with the document. After the poll timeout it gives up with an error with code
// DeadlineExceeded, with the document as last read; indexing goes on, so
// WaitForDocument can be called again. When ctx ends, it stops at once
// with ctx's error. Statuses this SDK does not know are waited out, as the
// official Python SDK does.
func (s *CollectionsService) WaitForDocument(ctx context.Context, collectionID, fileID string, opts ...DocumentOption) (*Document, error) {
	const method = "Collections.WaitForDocument"
	if err := s.readyDocument(method, collectionID, fileID); err != nil {
		return nil, err
	}
	c, err := documentConfigOf(method, opts)
	if err != nil {
		return nil, err
	}
	if c.name != nil || c.data != nil || len(c.fields) > 0 {
		return nil, invalidArgument("%s: WithNewName, WithDocumentContent and WithFieldValues change a document; use UpdateDocument", method)
	}
	cfg, err := indexingWait(c)
	if err != nil {
		return nil, err
	}
	return s.waitDocument(ctx, collectionID, fileID, cfg, c.progress)
}

// indexingWait returns the wait settings of a document call.
func indexingWait(c *documentConfig) (deferConfig, error) {
	cfg := deferConfig{interval: DefaultIndexingPollInterval, timeout: DefaultIndexingTimeout}
	for _, o := range append(toDeferOptions(c.call), c.poll...) {
		if o != nil {
			o.applyDefer(&cfg)
		}
	}
	return cfg, cfg.err
}

// waitDocument polls a document until it is indexed, reporting each read
// to progress (which may be nil).
func (s *CollectionsService) waitDocument(ctx context.Context, collectionID, fileID string, cfg deferConfig, progress func(*Document)) (*Document, error) {
	what := "indexing of document " + fileID + " in collection " + collectionID
	later := fmt.Sprintf("wait for it with client.Collections.WaitForDocument(ctx, %q, %q)", collectionID, fileID)
	var last *Document
	doc, err := pollUntilDone(ctx, cfg, what, later, func(ctx context.Context) (*Document, bool, error) {
		d, err := s.GetDocument(ctx, collectionID, fileID, cfg.call...)
		if err != nil {
			return nil, false, err
		}
		last = d
		if progress != nil {
			progress(d)
		}
		switch d.Status {
		case DocumentProcessed:
			return d, true, nil
		case DocumentFailed:
			why := d.Error
			if why == "" {
				why = "the server gave no reason"
			}
			return nil, false, &Error{Code: codes.Internal, Details: []any{proto.CloneOf(d.pb)},
				Message: fmt.Sprintf("%s failed: %s; fix the file and upload it again, or try again with ReindexDocument", what, why)}
		}
		return nil, false, nil // processing, or a state this SDK does not know
	})
	if err != nil {
		return last, err
	}
	return doc, nil
}
