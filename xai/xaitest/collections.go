package xaitest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	ragv1 "github.com/gogrok/sdk/gen/xai/api/v1/rag"
)

// The Collections service keeps collections and their documents in memory.
// A document is a snapshot of an uploaded file taken when it is added: it
// is chunked (status PROCESSED, or FAILED for content that is neither UTF-8
// text nor a readable PDF, or a name given to Server.FailIndexing) and
// searched by Documents.Search with keyword scoring. Indexing takes the time
// set with Server.SetIndexingDelay on the server's clock, during which the
// document is PROCESSING and its processed chunk count grows; by default it
// is done at once.

const (
	// largest chunk size accepted in a chunk configuration.
	maxChunkSize = 1 << 20
	// defaultEmbeddingModel is recorded when a collection names no model.
	defaultEmbeddingModel = "v1"
	// collectionsService is the full name of the management service.
	collectionsServiceName = "collections.Collections"
)

// defaultChunking is the fake's chunk configuration for collections created
// without one.
func defaultChunking() *ragv1.ChunkConfiguration {
	return &ragv1.ChunkConfiguration{Config: &ragv1.ChunkConfiguration_CharsConfiguration{
		CharsConfiguration: &ragv1.CharsConfiguration{MaxChunkSizeChars: 1000, ChunkOverlapChars: 200},
	}}
}

// ragStore holds the collections. It is shared by the Collections and
// Documents services. Its lock is never held while taking the server's.
type ragStore struct {
	s   *Server
	mu  sync.Mutex
	col map[string]*collection
	seq int64
}

func newRAGStore(s *Server) *ragStore {
	return &ragStore{s: s, col: make(map[string]*collection)}
}

type collection struct {
	id          string
	team        team
	name        string
	description *string
	created     time.Time
	seq         int64
	model       string
	chunking    *ragv1.ChunkConfiguration
	fields      []*collectionsv1.FieldDefinition
	docs        map[string]*document // by file ID
	docSeq      int64
}

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

// indexOutcome is what indexing a document leads to.
type indexOutcome struct {
	status collectionsv1.DocumentStatus
	errMsg string
	chunks []chunk
}

// indexingPlan is how the fake indexes documents; a Server holds one.
type indexingPlan struct {
	mu    sync.Mutex
	delay time.Duration
	fail  map[string]string // document name -> reason of its next failure
}

// SetIndexingDelay makes indexing a document added to a collection,
// updated or reindexed take d on the server's clock: until the clock has
// moved d past that moment, the document's status is
// DOCUMENT_STATUS_PROCESSING, its chunk count is known and its processed
// chunk count grows with the time elapsed, and searches do not find it;
// then it is PROCESSED (or FAILED). With a clock from NewClock, tests move
// indexing along with Clock.Advance. The default, 0, indexes at once; a
// negative d counts as 0.
func (s *Server) SetIndexingDelay(d time.Duration) {
	s.indexing.mu.Lock()
	defer s.indexing.mu.Unlock()
	s.indexing.delay = max(d, 0)
}

// FailIndexing makes the next indexing of a document called name (its file
// name unless renamed), in any collection, end with status
// DOCUMENT_STATUS_FAILED and reason as its error message, after the
// indexing delay like a success would.
func (s *Server) FailIndexing(name, reason string) {
	s.indexing.mu.Lock()
	defer s.indexing.mu.Unlock()
	if s.indexing.fail == nil {
		s.indexing.fail = make(map[string]string)
	}
	s.indexing.fail[name] = reason
}

// indexLocked indexes d as the plan says: at once, or in the background
// until the clock reaches the end of the delay. r.mu must be held.
func (r *ragStore) indexLocked(c *collection, d *document, now time.Time) {
	c.index(d, now)
	p := &r.s.indexing
	p.mu.Lock()
	delay := p.delay
	reason, fail := p.fail[d.name]
	delete(p.fail, d.name)
	p.mu.Unlock()
	if fail {
		d.status, d.errMsg, d.chunks = collectionsv1.DocumentStatus_DOCUMENT_STATUS_FAILED, reason, nil
	}
	d.outcome, d.processed = nil, 0
	if delay > 0 {
		d.outcome = &indexOutcome{status: d.status, errMsg: d.errMsg, chunks: d.chunks}
		d.status, d.errMsg, d.chunks = collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSING, "", nil
		d.started, d.readyAt = now, now.Add(delay)
	}
}

// settle brings the indexing of c's documents up to now: those whose
// delay has passed get their outcome, the others their progress.
func (c *collection) settle(now time.Time) {
	for _, d := range c.docs {
		if d.outcome == nil {
			continue
		}
		if now.Before(d.readyAt) {
			n := int64(len(d.outcome.chunks))
			d.processed = n * int64(now.Sub(d.started)) / int64(d.readyAt.Sub(d.started))
			continue
		}
		d.status, d.errMsg, d.chunks = d.outcome.status, d.outcome.errMsg, d.outcome.chunks
		d.indexedAt, d.outcome, d.processed = d.readyAt, nil, 0
	}
}

// undeclaredText is the values of the document's fields that the
// collection does not define, which keyword search matches as it matches
// chunk text (declared fields are searched only when injected into chunks).
func (c *collection) undeclaredText(d *document) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(d.fields)) {
		if c.field(k) == nil {
			b.WriteString(d.fields[k] + "\n")
		}
	}
	return b.String()
}

type chunk struct {
	id   string
	text string
}

func (c *collection) field(key string) *collectionsv1.FieldDefinition {
	for _, f := range c.fields {
		if f.GetKey() == key {
			return f
		}
	}
	return nil
}

func (c *collection) proto() *collectionsv1.CollectionMetadata {
	var size int64
	for _, d := range c.docs {
		size += int64(len(d.data))
	}
	m := &collectionsv1.CollectionMetadata{
		CollectionId:          c.id,
		CollectionName:        c.name,
		CreatedAt:             timestamppb.New(c.created),
		IndexConfiguration:    &ragv1.IndexConfiguration{ModelName: c.model},
		ChunkConfiguration:    proto.CloneOf(c.chunking),
		DocumentsCount:        int32(len(c.docs)),
		CollectionDescription: c.description,
		TotalFileSize:         size,
	}
	for _, f := range c.fields {
		m.FieldDefinitions = append(m.FieldDefinitions, proto.CloneOf(f))
	}
	return m
}

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

// documentText returns the text to index: a PDF's text (see pdfText), or
// the content itself when it is UTF-8 text.
func documentText(d *document) (string, error) {
	if d.contentType == "application/pdf" || bytes.HasPrefix(d.data, []byte("%PDF-")) {
		text, err := pdfText(d.data)
		if err != nil {
			return "", fmt.Errorf("xaitest: the fake server could not read this PDF: %v", err)
		}
		return text, nil
	}
	if !utf8.Valid(d.data) {
		return "", errors.New("xaitest: only UTF-8 text and PDF can be indexed by the fake server")
	}
	return string(d.data), nil
}

// index chunks d with c's current configuration. Content that is neither
// UTF-8 text nor a readable PDF fails, as the fake has no parsers for other
// formats.
func (c *collection) index(d *document, now time.Time) {
	d.indexedAt = now
	d.chunks = nil
	text, err := documentText(d)
	if err != nil {
		d.status, d.errMsg = collectionsv1.DocumentStatus_DOCUMENT_STATUS_FAILED, err.Error()
		return
	}
	d.status, d.errMsg = collectionsv1.DocumentStatus_DOCUMENT_STATUS_PROCESSED, ""
	var prefix strings.Builder
	if c.chunking.GetInjectNameIntoChunks() {
		prefix.WriteString(d.name + "\n")
	}
	for _, f := range c.fields {
		if v, ok := d.fields[f.GetKey()]; ok && f.GetInjectIntoChunk() {
			prefix.WriteString(f.GetKey() + ": " + v + "\n")
		}
	}
	for i, piece := range splitChunks(text, c.chunking) {
		if c.chunking.GetStripWhitespace() {
			piece = strings.Join(strings.Fields(piece), " ")
		}
		text := prefix.String() + piece
		if strings.TrimSpace(text) == "" {
			continue
		}
		sum := sha256.Sum256([]byte(text))
		d.chunks = append(d.chunks, chunk{
			id:   stableUUID("chunk", d.fileID, strconv.Itoa(i), hex.EncodeToString(sum[:8])),
			text: text,
		})
	}
}

// splitChunks cuts text into windows of the configured size and overlap,
// measured in runes, bytes (never splitting a character) or fake tokens.
func splitChunks(text string, cfg *ragv1.ChunkConfiguration) []string {
	var units []string // the text cut into its smallest units
	size, overlap := 0, 0
	switch c := cfg.GetConfig().(type) {
	case *ragv1.ChunkConfiguration_TokensConfiguration:
		units = tokenize(text)
		size, overlap = int(c.TokensConfiguration.GetMaxChunkSizeTokens()), int(c.TokensConfiguration.GetChunkOverlapTokens())
	case *ragv1.ChunkConfiguration_BytesConfiguration:
		size, overlap = int(c.BytesConfiguration.GetMaxChunkSizeBytes()), int(c.BytesConfiguration.GetChunkOverlapBytes())
		return splitBytes(text, size, overlap)
	default:
		for _, r := range text {
			units = append(units, string(r))
		}
		cc := cfg.GetCharsConfiguration()
		size, overlap = int(cc.GetMaxChunkSizeChars()), int(cc.GetChunkOverlapChars())
	}
	var out []string
	for start := 0; start < len(units); start += size - overlap {
		end := min(start+size, len(units))
		out = append(out, strings.Join(units[start:end], ""))
		if end == len(units) {
			break
		}
	}
	return out
}

// splitBytes cuts text into windows of at most size bytes that start and
// end on character boundaries.
func splitBytes(text string, size, overlap int) []string {
	var out []string
	for start := 0; start < len(text); {
		end := min(start+size, len(text))
		for end > start && end < len(text) && !utf8.RuneStart(text[end]) {
			end--
		}
		if end == start { // a character longer than size: take it whole
			_, n := utf8.DecodeRuneInString(text[start:])
			end = start + n
		}
		out = append(out, text[start:end])
		if end == len(text) {
			break
		}
		next := end - overlap
		for next > start && !utf8.RuneStart(text[next]) {
			next--
		}
		if next <= start {
			next = end
		}
		start = next
	}
	return out
}

// checkChunking validates a chunk configuration.
func checkChunking(field string, c *ragv1.ChunkConfiguration) error {
	var size, overlap int32
	switch v := c.GetConfig().(type) {
	case *ragv1.ChunkConfiguration_CharsConfiguration:
		size, overlap = v.CharsConfiguration.GetMaxChunkSizeChars(), v.CharsConfiguration.GetChunkOverlapChars()
	case *ragv1.ChunkConfiguration_TokensConfiguration:
		size, overlap = v.TokensConfiguration.GetMaxChunkSizeTokens(), v.TokensConfiguration.GetChunkOverlapTokens()
	case *ragv1.ChunkConfiguration_BytesConfiguration:
		size, overlap = v.BytesConfiguration.GetMaxChunkSizeBytes(), v.BytesConfiguration.GetChunkOverlapBytes()
	default:
		return invalid("%s must set one of chars_configuration, tokens_configuration or bytes_configuration", field)
	}
	switch {
	case size < 1 || size > maxChunkSize:
		return invalid("%s: the maximum chunk size must be between 1 and %d, got %d", field, maxChunkSize, size)
	case overlap < 0 || overlap >= size:
		return invalid("%s: the chunk overlap must be at least 0 and below the maximum chunk size %d, got %d", field, size, overlap)
	}
	return nil
}

// checkFieldDefinition validates a field definition against those before it.
func checkFieldDefinition(where string, f *collectionsv1.FieldDefinition, existing []*collectionsv1.FieldDefinition) error {
	if f == nil || strings.TrimSpace(f.GetKey()) == "" {
		return invalid("%s: the field key is required", where)
	}
	for _, e := range existing {
		if e.GetKey() == f.GetKey() {
			return status.Errorf(codes.AlreadyExists, "%s: field %q is already defined", where, f.GetKey())
		}
	}
	return nil
}

// checkFieldValues validates a document's field values against the
// collection's definitions; skip is the document being updated, whose own
// values do not count as duplicates. Keys the collection does not define
// are accepted as they are: the official Python SDK's own example uploads
// fields {"topic", "level"} to a collection that declares neither
// (examples/sync/collection.py, main).
func (c *collection) checkFieldValues(values map[string]string, skip string) error {
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if strings.TrimSpace(k) == "" {
			return invalid("fields: a field key must not be empty")
		}
		if f := c.field(k); f.GetUnique() {
			for _, d := range c.docs {
				if d.fileID != skip && d.fields[k] == values[k] {
					return status.Errorf(codes.AlreadyExists, "fields: document %q already has the value %q for unique field %q", d.fileID, values[k], k)
				}
			}
		}
	}
	return nil
}

func (c *collection) checkRequired(values map[string]string) error {
	for _, f := range c.fields {
		if f.GetRequired() && strings.TrimSpace(values[f.GetKey()]) == "" {
			return invalid("fields: the required field %q has no value", f.GetKey())
		}
	}
	return nil
}

// lookupLocked returns a collection of team t, or NOT_FOUND: the
// collections of other teams do not exist for it. r.mu must be held.
func (r *ragStore) lookupLocked(t team, id string) (*collection, error) {
	if strings.TrimSpace(id) == "" {
		return nil, invalid("collection_id is required")
	}
	c, ok := r.col[id]
	if !ok || c.team != t {
		return nil, status.Errorf(codes.NotFound, "collection %q not found", id)
	}
	c.settle(r.s.clock.Now())
	return c, nil
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

// collectionsService implements the Collections service.
type collectionsService struct {
	collectionsv1.UnimplementedCollectionsServer
	r *ragStore
}

func (cs *collectionsService) now() time.Time { return cs.r.s.clock.Now() }

// CreateCollection creates an empty collection.
func (cs *collectionsService) CreateCollection(ctx context.Context, req *collectionsv1.CreateCollectionRequest) (*collectionsv1.CollectionMetadata, error) {
	if strings.TrimSpace(req.GetCollectionName()) == "" {
		return nil, invalid("collection_name is required")
	}
	chunking := defaultChunking()
	if req.ChunkConfiguration != nil {
		if err := checkChunking("chunk_configuration", req.GetChunkConfiguration()); err != nil {
			return nil, err
		}
		chunking = proto.CloneOf(req.GetChunkConfiguration())
	}
	if _, ok := ragv1.HNSWMetric_name[int32(req.GetMetricSpace())]; !ok {
		return nil, invalid("metric_space %d is not a valid metric", req.GetMetricSpace())
	}
	model := req.GetIndexConfiguration().GetModelName()
	if req.IndexConfiguration != nil && strings.TrimSpace(model) == "" {
		return nil, invalid("index_configuration.model_name is required when index_configuration is set")
	}
	if model == "" {
		model = defaultEmbeddingModel
	}
	var fields []*collectionsv1.FieldDefinition
	for i, f := range req.GetFieldDefinitions() {
		if err := checkFieldDefinition(fmt.Sprintf("field_definitions[%d]", i), f, fields); err != nil {
			return nil, err
		}
		fields = append(fields, proto.CloneOf(f))
	}
	now := cs.now()
	c := &collection{
		id:       "collection_" + newID(),
		team:     teamOf(ctx),
		name:     req.GetCollectionName(),
		created:  now,
		model:    model,
		chunking: chunking,
		fields:   fields,
		docs:     make(map[string]*document),
	}
	if req.CollectionDescription != nil {
		c.description = proto.String(req.GetCollectionDescription())
	}
	cs.r.mu.Lock()
	defer cs.r.mu.Unlock()
	cs.r.seq++
	c.seq = cs.r.seq
	cs.r.col[c.id] = c
	return c.proto(), nil
}

// ListCollections lists the collections the filter accepts (see filter.go)
// a page at a time, by creation (the default when sort_by is unset) or by
// name.
func (cs *collectionsService) ListCollections(ctx context.Context, req *collectionsv1.ListCollectionsRequest) (*collectionsv1.ListCollectionsResponse, error) {
	match, err := collectionsFilter.compile(req.GetFilter())
	if err != nil {
		return nil, err
	}
	p, err := parsePage("collections", req.Limit, req.Order, req.SortBy, map[collectionsv1.CollectionsSortBy]int{
		collectionsv1.CollectionsSortBy_COLLECTIONS_SORT_BY_NAME: byName,
		collectionsv1.CollectionsSortBy_COLLECTIONS_SORT_BY_AGE:  bySeq,
	}, req.PaginationToken)
	if err != nil {
		return nil, err
	}
	cs.r.mu.Lock()
	defer cs.r.mu.Unlock()
	var all []*collection
	for _, c := range cs.r.col {
		if c.team == teamOf(ctx) && match(collectionItem{c}) {
			all = append(all, c)
		}
	}
	page, next := paginate(p, all, func(c *collection) sortKey { return sortKey{name: c.name, seq: c.seq} })
	resp := &collectionsv1.ListCollectionsResponse{PaginationToken: next}
	for _, c := range page {
		resp.Collections = append(resp.Collections, c.proto())
	}
	return resp, nil
}

// DeleteCollection deletes a collection; its files are kept.
func (cs *collectionsService) DeleteCollection(ctx context.Context, req *collectionsv1.DeleteCollectionRequest) (*emptypb.Empty, error) {
	var freed int64
	defer func() { cs.r.s.freeFileBytes(teamOf(ctx), freed) }() // after the unlock below
	cs.r.mu.Lock()
	defer cs.r.mu.Unlock()
	c, err := cs.r.lookupLocked(teamOf(ctx), req.GetCollectionId())
	if err != nil {
		return nil, err
	}
	delete(cs.r.col, c.id)
	for _, d := range c.docs {
		freed += int64(len(d.data))
	}
	return &emptypb.Empty{}, nil
}

// GetCollectionMetadata describes a collection.
func (cs *collectionsService) GetCollectionMetadata(ctx context.Context, req *collectionsv1.GetCollectionMetadataRequest) (*collectionsv1.CollectionMetadata, error) {
	cs.r.mu.Lock()
	defer cs.r.mu.Unlock()
	c, err := cs.r.lookupLocked(teamOf(ctx), req.GetCollectionId())
	if err != nil {
		return nil, err
	}
	return c.proto(), nil
}

// UpdateCollection changes the fields that are set. New chunk settings
// apply to documents added or re-indexed afterwards.
func (cs *collectionsService) UpdateCollection(ctx context.Context, req *collectionsv1.UpdateCollectionRequest) (*collectionsv1.CollectionMetadata, error) {
	if req.CollectionName != nil && strings.TrimSpace(req.GetCollectionName()) == "" {
		return nil, invalid("collection_name must not be empty when set")
	}
	if req.ChunkConfiguration != nil {
		if err := checkChunking("chunk_configuration", req.GetChunkConfiguration()); err != nil {
			return nil, err
		}
	}
	cs.r.mu.Lock()
	defer cs.r.mu.Unlock()
	c, err := cs.r.lookupLocked(teamOf(ctx), req.GetCollectionId())
	if err != nil {
		return nil, err
	}
	fields := slices.Clone(c.fields)
	for i, u := range req.GetFieldDefinitionUpdates() {
		where := fmt.Sprintf("field_definition_updates[%d]", i)
		switch u.GetOperation() {
		case collectionsv1.FieldDefinitionOperation_FIELD_DEFINITION_ADD:
			if err := checkFieldDefinition(where, u.GetFieldDefinition(), fields); err != nil {
				return nil, err
			}
			fields = append(fields, proto.CloneOf(u.GetFieldDefinition()))
		case collectionsv1.FieldDefinitionOperation_FIELD_DEFINITION_DELETE:
			key := u.GetFieldDefinition().GetKey()
			n := len(fields)
			fields = slices.DeleteFunc(fields, func(f *collectionsv1.FieldDefinition) bool { return f.GetKey() == key })
			if len(fields) == n {
				return nil, status.Errorf(codes.NotFound, "%s: collection %q has no field %q", where, c.id, key)
			}
		default:
			return nil, invalid("%s: operation %d is not valid", where, u.GetOperation())
		}
	}
	// Everything is valid: apply. Deleting a definition deletes its values;
	// values of keys that were never defined stay.
	for _, f := range c.fields {
		if !slices.ContainsFunc(fields, func(g *collectionsv1.FieldDefinition) bool { return g.GetKey() == f.GetKey() }) {
			for _, d := range c.docs {
				delete(d.fields, f.GetKey())
			}
		}
	}
	c.fields = fields
	if req.CollectionName != nil {
		c.name = req.GetCollectionName()
	}
	if req.ChunkConfiguration != nil {
		c.chunking = proto.CloneOf(req.GetChunkConfiguration())
	}
	if req.CollectionDescription != nil {
		c.description = proto.String(req.GetCollectionDescription())
	}
	return c.proto(), nil
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

// GenerateCollectionDescription describes a collection from its name and
// document names; no model is involved. The description is returned, not
// stored.
func (cs *collectionsService) GenerateCollectionDescription(ctx context.Context, req *collectionsv1.GenerateCollectionDescriptionRequest) (*collectionsv1.GenerateCollectionDescriptionResponse, error) {
	cs.r.mu.Lock()
	defer cs.r.mu.Unlock()
	c, err := cs.r.lookupLocked(teamOf(ctx), req.GetCollectionId())
	if err != nil {
		return nil, err
	}
	docs := slices.SortedFunc(maps.Values(c.docs), func(a, b *document) int { return cmp.Compare(a.seq, b.seq) })
	var desc string
	if len(docs) == 0 {
		desc = fmt.Sprintf("Collection %q is empty.", c.name)
	} else {
		names := make([]string, len(docs))
		for i, d := range docs {
			names[i] = d.name
		}
		desc = fmt.Sprintf("Collection %q holds %d document(s): %s.", c.name, len(docs), strings.Join(names, ", "))
	}
	return &collectionsv1.GenerateCollectionDescriptionResponse{CollectionDescription: desc}, nil
}

// Key scopes. With WithManagementKeys, the Collections service accepts only
// management keys and every other service only API keys, as on the real
// service, where they live on different hosts.

// checkKeyScope rejects a key used on the wrong side. The key has already
// been authenticated.
func (s *Server) checkKeyScope(ctx context.Context, fullMethod string) error {
	if len(s.cfg.managementKeys) == 0 {
		return nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	_, key, _ := strings.Cut(strings.TrimSpace(strings.Join(md.Get("authorization"), "")), " ")
	key = strings.TrimSpace(key)
	isManagement := slices.Contains(s.cfg.managementKeys, key)
	svc, _, _ := splitMethod(fullMethod)
	switch {
	case svc == collectionsServiceName && !isManagement:
		return status.Errorf(codes.Unauthenticated,
			"%s is served by the management API and needs a management key; an API key was sent", fullMethod)
	case svc != collectionsServiceName && isManagement:
		return status.Errorf(codes.Unauthenticated,
			"%s needs an API key; a management key was sent, which only the management API (Collections) accepts", fullMethod)
	}
	return nil
}

// keyScopeUnary applies checkKeyScope to unary calls. It runs after the
// server's own interceptor: the call is recorded and authenticated first.
func (s *Server) keyScopeUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := s.checkKeyScope(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

// keyScopeStream applies checkKeyScope to streaming calls.
func (s *Server) keyScopeStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := s.checkKeyScope(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return handler(srv, ss)
}

// wordsOf returns the lower-cased words (runs of letters and digits) of s.
func wordsOf(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
