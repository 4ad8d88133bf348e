package xai

import (
	"context"
	"iter"
	"math"
	"strings"
	"time"

	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	ragv1 "github.com/gogrok/sdk/gen/xai/api/v1/rag"
)

// CollectionsService manages collections: sets of documents (uploaded
// files) that are split into chunks and indexed so that
// [DocumentsService.Search], or the [CollectionsSearch] tool of a chat, can
// find passages in them. Use it as [Client.Collections].
//
// Collections are managed through the management API
// (management-api.x.ai) with a management key, given with
// [WithManagementKey] or the XAI_MANAGEMENT_KEY environment variable. Without
// one, every method returns an Unauthenticated *Error that says so, and
// sends nothing.
//
// A typical flow: [CollectionsService.Create] a collection,
// [CollectionsService.UploadDocument] a file to it (which uploads it with
// the Files API, adds it and waits until it is indexed), then
// [DocumentsService.Search] the collection. The steps also exist apart:
// [FilesService.Upload], [CollectionsService.AddDocument] and
// [CollectionsService.WaitForDocument].
type CollectionsService struct {
	stub  collectionsv1.CollectionsClient // nil without a management key
	files *FilesService                   // for UploadDocument
	made  bool                            // by a Client
	noEnv bool                            // for the missing-key message
	team  *string
}

// ForTeam returns a copy of the service whose requests name the team that
// owns the collections (the API's team_id), for keys that act for several
// teams. Without it the key's own team applies.
func (s *CollectionsService) ForTeam(teamID string) *CollectionsService {
	if s == nil {
		return nil
	}
	c := *s
	c.team = &teamID
	return &c
}

// ready reports a service without a client or without a management key,
// and a team ID that is set but empty.
func (s *CollectionsService) ready(method string) error {
	switch {
	case s == nil || !s.made:
		return notFromClient("Collections")
	case s.stub == nil:
		return errNoManagementKey(method, s.noEnv)
	case s.team != nil && strings.TrimSpace(*s.team) == "":
		return invalidArgument("%s: the team ID given to ForTeam is empty", method)
	}
	return nil
}

// readyCollection reports what ready reports, then an empty collection ID,
// before anything is sent.
func (s *CollectionsService) readyCollection(method, collectionID string) error {
	if err := s.ready(method); err != nil {
		return err
	}
	if strings.TrimSpace(collectionID) == "" {
		return invalidArgument("%s: the collection ID is empty; pass Collection.ID", method)
	}
	return nil
}

// ChunkUnit is what chunk sizes are measured in.
type ChunkUnit int

// Chunk units.
const (
	// ChunkChars measures chunks in characters.
	ChunkChars ChunkUnit = iota + 1
	// ChunkTokens measures chunks in tokenizer tokens.
	ChunkTokens
	// ChunkBytes measures chunks in bytes of the document text.
	ChunkBytes
)

// Chunking says how the documents of a collection are split into chunks,
// the units that searches match and return.
type Chunking struct {
	// Unit is what MaxSize and Overlap count: [ChunkChars], ChunkTokens or
	// ChunkBytes.
	Unit ChunkUnit
	// MaxSize is the largest chunk, at least 1.
	MaxSize int
	// Overlap is how much consecutive chunks share, from 0 to below
	// MaxSize, so that text near a boundary is in both.
	Overlap int
	// TokenEncoding names the tokenizer encoding that counts ChunkTokens;
	// empty takes the server's default. Only for ChunkTokens.
	TokenEncoding string
	// StripWhitespace removes redundant white space from chunks.
	StripWhitespace bool
	// InjectName adds the document's name to each of its chunks, so that
	// the name takes part in matching.
	InjectName bool
}

func (c Chunking) proto(where string) (*ragv1.ChunkConfiguration, error) {
	if c.MaxSize < 1 || c.MaxSize > math.MaxInt32 {
		return nil, invalidArgument("%s: MaxSize (%d) must be at least 1", where, c.MaxSize)
	}
	if c.Overlap < 0 || c.Overlap >= c.MaxSize {
		return nil, invalidArgument("%s: Overlap (%d) must be at least 0 and below MaxSize (%d)", where, c.Overlap, c.MaxSize)
	}
	if c.TokenEncoding != "" && c.Unit != ChunkTokens {
		return nil, invalidArgument("%s: TokenEncoding applies to ChunkTokens only", where)
	}
	pb := &ragv1.ChunkConfiguration{StripWhitespace: c.StripWhitespace, InjectNameIntoChunks: c.InjectName}
	size, overlap := int32(c.MaxSize), int32(c.Overlap)
	switch c.Unit {
	case ChunkChars:
		pb.Config = &ragv1.ChunkConfiguration_CharsConfiguration{CharsConfiguration: &ragv1.CharsConfiguration{MaxChunkSizeChars: size, ChunkOverlapChars: overlap}}
	case ChunkTokens:
		pb.Config = &ragv1.ChunkConfiguration_TokensConfiguration{TokensConfiguration: &ragv1.TokensConfiguration{MaxChunkSizeTokens: size, ChunkOverlapTokens: overlap, EncodingName: c.TokenEncoding}}
	case ChunkBytes:
		pb.Config = &ragv1.ChunkConfiguration_BytesConfiguration{BytesConfiguration: &ragv1.BytesConfiguration{MaxChunkSizeBytes: size, ChunkOverlapBytes: overlap}}
	default:
		return nil, invalidArgument("%s: unknown chunk unit %d; use xai.ChunkChars, xai.ChunkTokens or xai.ChunkBytes", where, int(c.Unit))
	}
	return pb, nil
}

func chunkingOf(pb *ragv1.ChunkConfiguration) Chunking {
	c := Chunking{StripWhitespace: pb.GetStripWhitespace(), InjectName: pb.GetInjectNameIntoChunks()}
	switch v := pb.GetConfig().(type) {
	case *ragv1.ChunkConfiguration_CharsConfiguration:
		c.Unit, c.MaxSize, c.Overlap = ChunkChars, int(v.CharsConfiguration.GetMaxChunkSizeChars()), int(v.CharsConfiguration.GetChunkOverlapChars())
	case *ragv1.ChunkConfiguration_TokensConfiguration:
		c.Unit, c.MaxSize, c.Overlap = ChunkTokens, int(v.TokensConfiguration.GetMaxChunkSizeTokens()), int(v.TokensConfiguration.GetChunkOverlapTokens())
		c.TokenEncoding = v.TokensConfiguration.GetEncodingName()
	case *ragv1.ChunkConfiguration_BytesConfiguration:
		c.Unit, c.MaxSize, c.Overlap = ChunkBytes, int(v.BytesConfiguration.GetMaxChunkSizeBytes()), int(v.BytesConfiguration.GetChunkOverlapBytes())
	}
	return c
}

// Metric is the distance function of a collection's vector index.
type Metric int

// Metrics, numbered as the API numbers them.
const (
	// MetricCosine compares the angle between vectors.
	MetricCosine Metric = Metric(ragv1.HNSWMetric_HNSW_METRIC_COSINE)
	// MetricEuclidean is the L2 distance between vectors.
	MetricEuclidean Metric = Metric(ragv1.HNSWMetric_HNSW_METRIC_EUCLIDEAN)
	// MetricInnerProduct is the dot product of vectors.
	MetricInnerProduct Metric = Metric(ragv1.HNSWMetric_HNSW_METRIC_INNER_PRODUCT)
)

// FieldDefinition declares a metadata field that the documents of a
// collection can carry; documents give values with [WithFieldValues].
type FieldDefinition struct {
	// Key names the field.
	Key string
	// Required makes every document supply a value.
	Required bool
	// InjectIntoChunk adds the field's value to each chunk of the
	// document, so that it takes part in matching.
	InjectIntoChunk bool
	// Unique forbids two documents of the collection to share a value.
	Unique bool
	// Description says what the field holds.
	Description string
}

func (f FieldDefinition) proto() *collectionsv1.FieldDefinition {
	pb := &collectionsv1.FieldDefinition{Key: f.Key, Required: f.Required, InjectIntoChunk: f.InjectIntoChunk, Unique: f.Unique}
	if f.Description != "" {
		pb.Description = &f.Description
	}
	return pb
}

// Collection describes a collection.
type Collection struct {
	// ID identifies the collection in other calls.
	ID string
	// Name is the collection's name.
	Name string
	// Description says what the collection holds; "" if it has none.
	Description string
	// CreatedAt is when the collection was created.
	CreatedAt time.Time
	// EmbeddingModel is the model that embeds the collection's chunks.
	EmbeddingModel string
	// Chunking is how documents are split into chunks.
	Chunking Chunking
	// DocumentCount is the number of documents.
	DocumentCount int
	// TotalFileSize is the combined size of the documents' files, in
	// bytes.
	TotalFileSize int64
	// Fields are the metadata fields defined for the documents.
	Fields []FieldDefinition

	pb *collectionsv1.CollectionMetadata
}

// Proto returns the raw protobuf message.
func (c *Collection) Proto() *collectionsv1.CollectionMetadata { return c.pb }

func newCollection(pb *collectionsv1.CollectionMetadata) *Collection {
	c := &Collection{
		ID: pb.GetCollectionId(), Name: pb.GetCollectionName(), Description: pb.GetCollectionDescription(),
		CreatedAt: timeOf(pb.GetCreatedAt()), EmbeddingModel: pb.GetIndexConfiguration().GetModelName(),
		Chunking: chunkingOf(pb.GetChunkConfiguration()), DocumentCount: int(pb.GetDocumentsCount()),
		TotalFileSize: pb.GetTotalFileSize(), pb: pb,
	}
	for _, f := range pb.GetFieldDefinitions() {
		c.Fields = append(c.Fields, FieldDefinition{
			Key: f.GetKey(), Required: f.GetRequired(), InjectIntoChunk: f.GetInjectIntoChunk(),
			Unique: f.GetUnique(), Description: f.GetDescription(),
		})
	}
	return c
}

// CollectionOption sets a property of a collection, when it is created
// ([CollectionsService.Create]) or updated ([CollectionsService.Update]). Each
// option says which of the two it applies to.
type CollectionOption interface {
	applyCollection(*collectionConfig) error
}

type collectionConfig struct {
	name        *string
	description *string
	chunking    *ragv1.ChunkConfiguration
	model       *string
	metric      *ragv1.HNSWMetric
	fields      []*collectionsv1.FieldDefinition
	updates     []*collectionsv1.FieldDefinitionUpdate
	call        []CallOption
}

type collectionOptionFunc func(*collectionConfig) error

func (f collectionOptionFunc) applyCollection(c *collectionConfig) error { return f(c) }

func (o CallOptions) applyCollection(c *collectionConfig) error {
	c.call = append(c.call, o...)
	return nil
}

// WithCollectionDescription sets what the collection holds, in words
// (Create and Update).
func WithCollectionDescription(text string) CollectionOption {
	return collectionOptionFunc(func(c *collectionConfig) error {
		c.description = &text
		return nil
	})
}

// WithChunking sets how documents are split into chunks (Create and
// Update). After an Update, documents already indexed keep their chunks
// until ReindexDocument.
func WithChunking(ch Chunking) CollectionOption {
	return collectionOptionFunc(func(c *collectionConfig) error {
		pb, err := ch.proto("WithChunking")
		if err != nil {
			return err
		}
		c.chunking = pb
		return nil
	})
}

// WithEmbeddingModel names the model that embeds the chunks (Create only).
func WithEmbeddingModel(name string) CollectionOption {
	return collectionOptionFunc(func(c *collectionConfig) error {
		if strings.TrimSpace(name) == "" {
			return invalidArgument("WithEmbeddingModel: the model name is empty; drop the option for the server's default")
		}
		c.model = &name
		return nil
	})
}

// WithMetric sets the distance function of the vector index (Create
// only).
func WithMetric(m Metric) CollectionOption {
	return collectionOptionFunc(func(c *collectionConfig) error {
		if m != MetricCosine && m != MetricEuclidean && m != MetricInnerProduct {
			return invalidArgument("WithMetric(%d): unknown metric; use xai.MetricCosine, xai.MetricEuclidean or xai.MetricInnerProduct", int(m))
		}
		c.metric = ragv1.HNSWMetric(m).Enum()
		return nil
	})
}

func checkFieldKey(where, key string) error {
	if strings.TrimSpace(key) == "" {
		return invalidArgument("%s: a field key is empty", where)
	}
	return nil
}

// WithFieldDefinitions defines metadata fields for the documents (Create
// only; use [AddField] and [DeleteField] with Update).
func WithFieldDefinitions(defs ...FieldDefinition) CollectionOption {
	return collectionOptionFunc(func(c *collectionConfig) error {
		for _, f := range defs {
			if err := checkFieldKey("WithFieldDefinitions", f.Key); err != nil {
				return err
			}
			for _, prev := range c.fields {
				if prev.GetKey() == f.Key {
					return invalidArgument("WithFieldDefinitions: the field %q is defined twice", f.Key)
				}
			}
			c.fields = append(c.fields, f.proto())
		}
		return nil
	})
}

// AddField adds a field definition to a collection (Update only).
func AddField(def FieldDefinition) CollectionOption {
	return collectionOptionFunc(func(c *collectionConfig) error {
		if err := checkFieldKey("AddField", def.Key); err != nil {
			return err
		}
		c.updates = append(c.updates, &collectionsv1.FieldDefinitionUpdate{
			FieldDefinition: def.proto(), Operation: collectionsv1.FieldDefinitionOperation_FIELD_DEFINITION_ADD})
		return nil
	})
}

// DeleteField deletes the field definition called key from a collection
// (Update only).
func DeleteField(key string) CollectionOption {
	return collectionOptionFunc(func(c *collectionConfig) error {
		if err := checkFieldKey("DeleteField", key); err != nil {
			return err
		}
		c.updates = append(c.updates, &collectionsv1.FieldDefinitionUpdate{
			FieldDefinition: &collectionsv1.FieldDefinition{Key: key}, Operation: collectionsv1.FieldDefinitionOperation_FIELD_DEFINITION_DELETE})
		return nil
	})
}

// NewNameOption is the option of [WithNewName], which renames collections and
// documents.
type NewNameOption interface {
	CollectionOption
	DocumentOption
}

type newNameOption string

// set stores the name in *name; where names the call in the error of an
// empty name.
func (n newNameOption) set(where string, name **string) error {
	if strings.TrimSpace(string(n)) == "" {
		return invalidArgument("%s: WithNewName: the name is empty", where)
	}
	s := string(n)
	*name = &s
	return nil
}

func (n newNameOption) applyCollection(c *collectionConfig) error {
	return n.set("Collections.Update", &c.name)
}

func (n newNameOption) applyDocument(c *documentConfig) error {
	return n.set("Collections.UpdateDocument", &c.name)
}

// WithNewName renames a collection (Update) or a document
// (UpdateDocument).
func WithNewName(name string) NewNameOption { return newNameOption(name) }

func collectionConfigOf(method string, opts []CollectionOption) (*collectionConfig, error) {
	c := &collectionConfig{}
	if err := applyAll(method, c, opts, CollectionOption.applyCollection); err != nil {
		return nil, err
	}
	return c, nil
}

// Create creates an empty collection called name. Options:
// [WithCollectionDescription], [WithChunking], [WithEmbeddingModel],
// [WithMetric], [WithFieldDefinitions], and [CallOptions]; settings left
// out take the server's defaults.
func (s *CollectionsService) Create(ctx context.Context, name string, opts ...CollectionOption) (*Collection, error) {
	const method = "Collections.Create"
	if err := s.ready(method); err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		return nil, invalidArgument("%s: the collection name is empty", method)
	}
	c, err := collectionConfigOf(method, opts)
	if err != nil {
		return nil, err
	}
	if c.name != nil || len(c.updates) > 0 {
		return nil, invalidArgument("%s: WithNewName, AddField and DeleteField apply to Update; pass the name as the argument and the fields with WithFieldDefinitions", method)
	}
	req := &collectionsv1.CreateCollectionRequest{
		TeamId: s.team, CollectionName: name, ChunkConfiguration: c.chunking, MetricSpace: c.metric,
		FieldDefinitions: c.fields, CollectionDescription: c.description,
	}
	if c.model != nil {
		req.IndexConfiguration = &ragv1.IndexConfiguration{ModelName: *c.model}
	}
	pb, err := s.stub.CreateCollection(ctx, req, grpcCallOptions(c.call)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return newCollection(pb), nil
}

// Get describes a collection. An unknown collection gives an error for
// which [IsNotFound] is true.
func (s *CollectionsService) Get(ctx context.Context, collectionID string, opts ...CallOption) (*Collection, error) {
	const method = "Collections.Get"
	if err := s.readyCollection(method, collectionID); err != nil {
		return nil, err
	}
	pb, err := s.stub.GetCollectionMetadata(ctx, &collectionsv1.GetCollectionMetadataRequest{TeamId: s.team, CollectionId: collectionID}, grpcCallOptions(opts)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return newCollection(pb), nil
}

// Update changes a collection and returns it as updated. Options:
// [WithNewName], [WithCollectionDescription], [WithChunking], [AddField],
// [DeleteField], and [CallOptions]; at least one change is required.
func (s *CollectionsService) Update(ctx context.Context, collectionID string, opts ...CollectionOption) (*Collection, error) {
	const method = "Collections.Update"
	if err := s.readyCollection(method, collectionID); err != nil {
		return nil, err
	}
	c, err := collectionConfigOf(method, opts)
	if err != nil {
		return nil, err
	}
	switch {
	case c.model != nil || c.metric != nil || len(c.fields) > 0:
		return nil, invalidArgument("%s: WithEmbeddingModel, WithMetric and WithFieldDefinitions apply to Create; change fields with AddField and DeleteField", method)
	case c.name == nil && c.description == nil && c.chunking == nil && len(c.updates) == 0:
		return nil, invalidArgument("%s: nothing to change; pass WithNewName, WithCollectionDescription, WithChunking, AddField or DeleteField", method)
	}
	pb, err := s.stub.UpdateCollection(ctx, &collectionsv1.UpdateCollectionRequest{
		TeamId: s.team, CollectionId: collectionID, CollectionName: c.name, ChunkConfiguration: c.chunking,
		FieldDefinitionUpdates: c.updates, CollectionDescription: c.description,
	}, grpcCallOptions(c.call)...)
	if err != nil {
		return nil, fromGRPC(err)
	}
	return newCollection(pb), nil
}

// Delete deletes a collection. Its documents' files are kept.
func (s *CollectionsService) Delete(ctx context.Context, collectionID string, opts ...CallOption) error {
	const method = "Collections.Delete"
	if err := s.readyCollection(method, collectionID); err != nil {
		return err
	}
	_, err := s.stub.DeleteCollection(ctx, &collectionsv1.DeleteCollectionRequest{TeamId: s.team, CollectionId: collectionID}, grpcCallOptions(opts)...)
	return fromGRPC(err)
}

// collectionSorts are the sort attributes of [CollectionsService.List], as
// the API names them.
var collectionSorts = map[SortBy]collectionsv1.CollectionsSortBy{
	SortByCreated: collectionsv1.CollectionsSortBy_COLLECTIONS_SORT_BY_AGE,
	SortByName:    collectionsv1.CollectionsSortBy_COLLECTIONS_SORT_BY_NAME,
}

// List returns the collections, following the pages for as long as the loop
// asks for more. Options: [WithPageSize], [WithLimit], [WithOrder],
// [WithSortBy] ([SortByCreated] or [SortByName]), [WithFilter], and
// [CallOptions] applied to every page. An error ends the sequence.
func (s *CollectionsService) List(ctx context.Context, opts ...ListOption) iter.Seq2[*Collection, error] {
	l := listing{method: "Collections.List", sorts: sortsOf(collectionSorts), order: true, filter: true}
	return pages(l, s.ready(l.method), opts, func(c *listConfig, limit int32, token *string) ([]*Collection, *string, error) {
		resp, err := s.stub.ListCollections(ctx, &collectionsv1.ListCollectionsRequest{
			TeamId: s.team, Limit: pageLimit(limit), Order: listOrdering(c.order), SortBy: sortField(c.sort, collectionSorts),
			Filter: c.filter, PaginationToken: token,
		}, grpcCallOptions(c.call)...)
		if err != nil {
			return nil, nil, fromGRPC(err)
		}
		return wrapAll(resp.GetCollections(), newCollection), resp.PaginationToken, nil
	})
}

// GenerateDescription has a model write a description of a collection
// from its contents and returns it; the collection is not changed (store it
// with Update and [WithCollectionDescription]).
func (s *CollectionsService) GenerateDescription(ctx context.Context, collectionID string, opts ...CallOption) (string, error) {
	const method = "Collections.GenerateDescription"
	if err := s.readyCollection(method, collectionID); err != nil {
		return "", err
	}
	resp, err := s.stub.GenerateCollectionDescription(ctx, &collectionsv1.GenerateCollectionDescriptionRequest{CollectionId: collectionID}, grpcCallOptions(opts)...)
	if err != nil {
		return "", fromGRPC(err)
	}
	return resp.GetCollectionDescription(), nil
}
