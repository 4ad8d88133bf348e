package xaitest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
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
// text nor a readable PDF, or a name given to [Server.FailIndexing]) and
// searched by Documents.Search with keyword scoring. Indexing takes the time
// set with [Server.SetIndexingDelay] on the server's clock, during which the
// document is PROCESSING and its processed chunk count grows; by default it
// is done at once.

// defaultEmbeddingModel is recorded when a collection names no model.
const defaultEmbeddingModel = "v1"

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

// collection is a named set of documents of one team.
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

// field returns the definition of the field key, or nil.
func (c *collection) field(key string) *collectionsv1.FieldDefinition {
	for _, f := range c.fields {
		if f.GetKey() == key {
			return f
		}
	}
	return nil
}

// proto describes the collection.
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

// checkRequired fails when a required field has no value.
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
