package xaitest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	ragv1 "github.com/gogrok/sdk/gen/xai/api/v1/rag"
)

// Indexing cuts a document's text into chunks, as its collection's chunk
// configuration says, at once or over the delay set with
// [Server.SetIndexingDelay]; search.go searches the chunks.

// maxChunkSize is the largest chunk size accepted in a chunk
// configuration.
const maxChunkSize = 1 << 20

// defaultChunking is the fake's chunk configuration for collections created
// without one.
func defaultChunking() *ragv1.ChunkConfiguration {
	return &ragv1.ChunkConfiguration{Config: &ragv1.ChunkConfiguration_CharsConfiguration{
		CharsConfiguration: &ragv1.CharsConfiguration{MaxChunkSizeChars: 1000, ChunkOverlapChars: 200},
	}}
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
// then it is PROCESSED (or FAILED). With a clock from [NewClock], tests move
// indexing along with [Clock.Advance]. The default, 0, indexes at once; a
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

// chunk is a searchable piece of a document's text.
type chunk struct {
	id   string
	text string
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
