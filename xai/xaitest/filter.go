package xaitest

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	// go.einride.tech/aip/filtering is the reference Go implementation of
	// the AIP-160 filter grammar, which the service uses for list filters
	// (xAI docs, "Metadata Fields": "The filter uses AIP-160 syntax"). Only
	// its parser is used: it yields a CEL syntax tree, which filter.go
	// checks against each listing's fields and evaluates itself. v0.84.0 is
	// the newest release whose go.mod asks for no Go newer than 1.24 (later
	// ones need Go 1.25 and up). The fake alone imports it; package xai
	// never links it (TestXaiDoesNotLinkOtelOrFakeDependencies in xai/xaiotel).
	"go.einride.tech/aip/filtering"
	expr "google.golang.org/genproto/googleapis/api/expr/v1alpha1"

	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
)

// List filters. ListFiles, ListCollections and ListDocuments take an
// AIP-160 filter over the fields the official Python SDK documents for each
// listing (src/xai_sdk/sync/files.py and collections.py, the docstrings of
// list and list_documents). A filter is parsed and checked once per request;
// a syntax error is INVALID_ARGUMENT with the line and column where it was
// found, and so is an unknown field, an operator the field's kind does not
// take, or a value of the wrong kind.

// fieldKind is the type of a filterable field.
type fieldKind int

const (
	kindString fieldKind = iota
	kindNumber
	kindTime
	kindEnum
)

// filterSchema describes the fields one listing can be filtered on.
type filterSchema struct {
	listing string
	fields  map[string]fieldKind
	// enums lists the valid values of each kindEnum field.
	enums map[string]map[string]int32
	// mapField, when set, is a map of strings whose entries are filtered
	// as mapField.<key> (documents' fields), and mapField:"key" tests that
	// a key is present.
	mapField string
}

// filterValue is the value of a field in one listed item; set is false
// for a field the item does not have (null).
type filterValue struct {
	set bool
	s   string
	n   float64
	t   time.Time
}

func textValue(s string) filterValue     { return filterValue{set: true, s: s} }
func numberValue(n int64) filterValue    { return filterValue{set: true, n: float64(n)} }
func textOrNull(s string) filterValue    { return filterValue{set: s != "", s: s} }
func timeOrNull(t time.Time) filterValue { return filterValue{set: !t.IsZero(), t: t} }

// filterItem returns the value of a field (or of mapField.<key>) of one
// item, and for mapField alone, whether a key is present.
type filterItem interface {
	value(field string) filterValue
	hasKey(key string) bool
}

// listFilter is a checked filter: true for the items to list.
type listFilter func(filterItem) bool

// matchAll is the filter of a request without one.
func matchAll(filterItem) bool { return true }

// maxFilterBytes bounds a filter: the parser descends once per
// parenthesis, and the fake's stack must not pay for a 20 MiB one.
const maxFilterBytes = 16 << 10

// compile parses and checks an AIP-160 filter for a listing. An empty
// filter lists everything.
func (sc *filterSchema) compile(filter string) (listFilter, error) {
	if len(filter) > maxFilterBytes {
		return nil, invalid("filter is %d bytes long; the fake accepts up to %d", len(filter), maxFilterBytes)
	}
	trimmed := strings.TrimSpace(filter)
	if trimmed == "" {
		return matchAll, nil
	}
	var p filtering.Parser
	p.Init(trimmed)
	parsed, err := p.Parse()
	lead := filter[:strings.Index(filter, trimmed)]
	if err != nil {
		return nil, filterSyntaxError(filter, lead, err)
	}
	c := &filterCompiler{schema: sc, filter: filter, trimmed: trimmed, lead: lead,
		offsets: parsed.GetSourceInfo().GetPositions()}
	return c.expr(parsed.GetExpr())
}

// filterSyntaxError reports the innermost position the parser gives: the
// most precise one.
func filterSyntaxError(filter, lead string, err error) error {
	type positioned interface {
		error
		Position() filtering.Position
		Message() string
	}
	var at positioned
	for e := err; e != nil; e = errors.Unwrap(e) {
		if p, ok := e.(positioned); ok {
			at = p
		}
	}
	if at == nil {
		return invalid("filter %q is not a valid AIP-160 filter: %v", filter, err)
	}
	msg := at.Message()
	if cause := errors.Unwrap(at); errors.Is(cause, io.EOF) {
		msg = "unexpected end of the filter"
	} else if cause != nil {
		msg += ": " + cause.Error()
	}
	line, col := position(lead, int(at.Position().Line), int(at.Position().Column))
	return invalid("filter %q: syntax error at line %d, column %d: %s", filter, line, col, msg)
}

// position turns a line and column of the trimmed filter the parser saw
// into those of the filter as sent, which starts with lead.
func position(lead string, line, col int) (int, int) {
	if line == 1 {
		col += utf8.RuneCountInString(lead[strings.LastIndex(lead, "\n")+1:])
	}
	return line + strings.Count(lead, "\n"), col
}

type filterCompiler struct {
	schema          *filterSchema
	filter, trimmed string // as sent, and as parsed
	lead            string // the blanks trimmed from the start
	offsets         map[int64]int32
}

// errorf returns INVALID_ARGUMENT naming the filter and the position of e.
func (c *filterCompiler) errorf(e *expr.Expr, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if off, ok := c.offsets[e.GetId()]; ok && int(off) <= len(c.trimmed) {
		before := c.trimmed[:off]
		line, col := position(c.lead, strings.Count(before, "\n")+1, utf8.RuneCountInString(before[strings.LastIndex(before, "\n")+1:])+1)
		return invalid("filter %q, line %d, column %d: %s", c.filter, line, col, msg)
	}
	return invalid("filter %q: %s", c.filter, msg)
}

func (c *filterCompiler) expr(e *expr.Expr) (listFilter, error) {
	call := e.GetCallExpr()
	if call == nil {
		return nil, c.errorf(e, "a bare value is not a restriction: compare a field with a value, as in name = \"report.pdf\"")
	}
	args := call.GetArgs()
	switch fn := call.GetFunction(); fn {
	case filtering.FunctionAnd, filtering.FunctionFuzzyAnd, filtering.FunctionOr:
		if len(args) != 2 {
			return nil, c.errorf(e, "%s needs two operands", fn)
		}
		a, err := c.expr(args[0])
		if err != nil {
			return nil, err
		}
		b, err := c.expr(args[1])
		if err != nil {
			return nil, err
		}
		if fn == filtering.FunctionOr {
			return func(it filterItem) bool { return a(it) || b(it) }, nil
		}
		return func(it filterItem) bool { return a(it) && b(it) }, nil
	case filtering.FunctionNot:
		if len(args) != 1 {
			return nil, c.errorf(e, "NOT needs one operand")
		}
		a, err := c.expr(args[0])
		if err != nil {
			return nil, err
		}
		return func(it filterItem) bool { return !a(it) }, nil
	case filtering.FunctionEquals, filtering.FunctionNotEquals, filtering.FunctionLessThan, filtering.FunctionLessEquals,
		filtering.FunctionGreaterThan, filtering.FunctionGreaterEquals, filtering.FunctionHas:
		if len(args) != 2 {
			return nil, c.errorf(e, "%s needs a field and a value", fn)
		}
		return c.restriction(fn, args[0], args[1])
	default:
		return nil, c.errorf(e, "function %s() is not supported by %s filters", fn, c.schema.listing)
	}
}

// known lists the fields of the listing, for error messages.
func (c *filterCompiler) known() string {
	names := slices.Sorted(maps.Keys(c.schema.fields))
	if c.schema.mapField != "" {
		names = append(names, c.schema.mapField+".<key>")
	}
	return strings.Join(names, ", ")
}

// restriction compiles "field op value".
func (c *filterCompiler) restriction(op string, lhs, rhs *expr.Expr) (listFilter, error) {
	// The field: a name, or mapField.<key>.
	var field string
	kind := kindString
	isMap := false
	switch {
	case lhs.GetIdentExpr() != nil:
		field = lhs.GetIdentExpr().GetName()
		if field == c.schema.mapField && field != "" {
			isMap = true
			break
		}
		k, ok := c.schema.fields[field]
		if !ok {
			return nil, c.errorf(lhs, "unknown field %q; %s can be filtered on %s", field, c.schema.listing, c.known())
		}
		kind = k
	case lhs.GetSelectExpr() != nil && lhs.GetSelectExpr().GetOperand().GetIdentExpr() != nil &&
		lhs.GetSelectExpr().GetOperand().GetIdentExpr().GetName() == c.schema.mapField && c.schema.mapField != "":
		field = c.schema.mapField + "." + lhs.GetSelectExpr().GetField()
	default:
		return nil, c.errorf(lhs, "the left side of %s must be a field; %s can be filtered on %s", op, c.schema.listing, c.known())
	}

	// mapField:"key" tests that a key is present.
	if isMap {
		key, ok := literalText(rhs)
		if op != filtering.FunctionHas || !ok {
			return nil, c.errorf(lhs, "%s is a map: use %s:\"key\" to test for a key, or %s.<key> to compare a value", field, field, field)
		}
		return func(it filterItem) bool { return it.hasKey(key) }, nil
	}

	// Presence: field = null, field != null, field:*.
	if id := rhs.GetIdentExpr(); id != nil && id.GetName() == "null" {
		switch op {
		case filtering.FunctionEquals:
			return func(it filterItem) bool { return !it.value(field).set }, nil
		case filtering.FunctionNotEquals:
			return func(it filterItem) bool { return it.value(field).set }, nil
		}
		return nil, c.errorf(rhs, "null compares only with = or !=")
	}
	if s := rhs.GetConstExpr().GetStringValue(); op == filtering.FunctionHas && s == "*" {
		return func(it filterItem) bool { return it.value(field).set }, nil
	}

	switch kind {
	case kindNumber:
		n, ok := literalNumber(rhs)
		if !ok {
			return nil, c.errorf(rhs, "%s is a number: compare it with a number, as in %s > 1048576", field, field)
		}
		return compareWith(op, func(v filterValue) int { return cmpFloat(v.n, n) }, field), nil
	case kindTime:
		s, ok := literalText(rhs)
		var t time.Time
		var err error
		if ok {
			t, err = time.Parse(time.RFC3339Nano, s)
		}
		if !ok || err != nil {
			return nil, c.errorf(rhs, "%s is a time: compare it with an RFC 3339 string, as in %s > \"2026-03-15T00:00:00Z\"", field, field)
		}
		return compareWith(op, func(v filterValue) int { return v.t.Compare(t) }, field), nil
	case kindEnum:
		s, ok := literalText(rhs)
		values := c.schema.enums[field]
		if _, valid := values[s]; !ok || !valid {
			return nil, c.errorf(rhs, "%s is one of %s", field, strings.Join(slices.Sorted(maps.Keys(values)), ", "))
		}
		switch op {
		case filtering.FunctionEquals, filtering.FunctionHas:
			return func(it filterItem) bool { v := it.value(field); return v.set && v.s == s }, nil
		case filtering.FunctionNotEquals:
			return func(it filterItem) bool { v := it.value(field); return !v.set || v.s != s }, nil
		}
		return nil, c.errorf(rhs, "%s compares only with =, != or :", field)
	}
	s, ok := literalText(rhs)
	if !ok {
		return nil, c.errorf(rhs, "%s is text: compare it with a string, as in %s = \"value\"", field, field)
	}
	if op == filtering.FunctionHas {
		// ":" on text matches a part of it, ignoring case, as the official
		// SDK's example collection_name:"research" implies for a collection
		// named "research-papers" (examples/sync/collection.py).
		lower := strings.ToLower(s)
		return func(it filterItem) bool {
			v := it.value(field)
			return v.set && strings.Contains(strings.ToLower(v.s), lower)
		}, nil
	}
	return compareWith(op, func(v filterValue) int { return strings.Compare(v.s, s) }, field), nil
}

// compareWith applies a comparison operator; a field that is not set
// matches only !=. ":" on numbers and times means equality.
func compareWith(op string, cmp func(filterValue) int, field string) listFilter {
	return func(it filterItem) bool {
		v := it.value(field)
		if !v.set {
			return op == filtering.FunctionNotEquals
		}
		c := cmp(v)
		switch op {
		case filtering.FunctionEquals, filtering.FunctionHas:
			return c == 0
		case filtering.FunctionNotEquals:
			return c != 0
		case filtering.FunctionLessThan:
			return c < 0
		case filtering.FunctionLessEquals:
			return c <= 0
		case filtering.FunctionGreaterThan:
			return c > 0
		default: // >=
			return c >= 0
		}
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// literalText returns a value as text: a string, a bare word, a dotted
// name, or a number as written.
func literalText(e *expr.Expr) (string, bool) {
	switch {
	case e.GetConstExpr() != nil:
		switch v := e.GetConstExpr().GetConstantKind().(type) {
		case *expr.Constant_StringValue:
			return v.StringValue, true
		case *expr.Constant_Int64Value:
			return strconv.FormatInt(v.Int64Value, 10), true
		case *expr.Constant_DoubleValue:
			return strconv.FormatFloat(v.DoubleValue, 'g', -1, 64), true
		}
	case e.GetIdentExpr() != nil:
		return e.GetIdentExpr().GetName(), true
	case e.GetSelectExpr() != nil:
		operand, ok := literalText(e.GetSelectExpr().GetOperand())
		return operand + "." + e.GetSelectExpr().GetField(), ok
	}
	return "", false
}

// literalNumber returns a numeric literal.
func literalNumber(e *expr.Expr) (float64, bool) {
	switch v := e.GetConstExpr().GetConstantKind().(type) {
	case *expr.Constant_Int64Value:
		return float64(v.Int64Value), true
	case *expr.Constant_DoubleValue:
		return v.DoubleValue, true
	}
	return 0, false
}

// The fields of each listing, as the official Python SDK documents them.
// Fields the fake never sets (upload_status, user_defined_id,
// processing_status, file_path) are accepted and always null.
var (
	// files.py, list: "file_id, name (or file_name), size_bytes,
	// content_type, created_at, expires_at, upload_status,
	// user_defined_id, public_url, public_url_expires_at".
	filesFilter = &filterSchema{listing: "ListFiles", fields: map[string]fieldKind{
		"file_id": kindString, "name": kindString, "file_name": kindString, "size_bytes": kindNumber,
		"content_type": kindString, "created_at": kindTime, "expires_at": kindTime, "upload_status": kindString,
		"user_defined_id": kindString, "public_url": kindString, "public_url_expires_at": kindTime,
	}}
	// collections.py, list: "collection_name, created_at, documents_count".
	collectionsFilter = &filterSchema{listing: "ListCollections", fields: map[string]fieldKind{
		"collection_name": kindString, "created_at": kindTime, "documents_count": kindNumber,
	}}
	// collections.py, list_documents: "file metadata and document fields",
	// with examples on status, name and fields.isbn. File metadata is the
	// FileMetadata message of collections.proto.
	documentsFilter = &filterSchema{listing: "ListDocuments", fields: map[string]fieldKind{
		"file_id": kindString, "name": kindString, "size_bytes": kindNumber, "content_type": kindString,
		"created_at": kindTime, "expires_at": kindTime, "hash": kindString, "upload_status": kindString,
		"upload_error_message": kindString, "processing_status": kindString, "file_path": kindString,
		"status": kindEnum, "error_message": kindString,
	}, enums: map[string]map[string]int32{"status": collectionsv1.DocumentStatus_value}, mapField: "fields"}
)

// fileItem is a file as ListFiles filters see it.
type fileItem struct {
	f   *storedFile
	now time.Time
}

func (i fileItem) hasKey(string) bool { return false }

func (i fileItem) value(field string) filterValue {
	f := i.f
	switch field {
	case "file_id":
		return textValue(f.id)
	case "name", "file_name":
		return textValue(f.name)
	case "size_bytes":
		return numberValue(int64(len(f.data)))
	case "content_type":
		return textValue(contentType(f.name, f.data))
	case "created_at":
		return timeOrNull(f.created)
	case "expires_at":
		return timeOrNull(f.expires)
	case "public_url", "public_url_expires_at":
		if f.publicURL == "" || (!f.urlExpiry.IsZero() && !i.now.Before(f.urlExpiry)) {
			return filterValue{}
		}
		if field == "public_url" {
			return textValue(f.publicURL)
		}
		return timeOrNull(f.urlExpiry)
	}
	return filterValue{}
}

// collectionItem is a collection as ListCollections filters see it.
type collectionItem struct{ c *collection }

func (i collectionItem) hasKey(string) bool { return false }

func (i collectionItem) value(field string) filterValue {
	switch field {
	case "collection_name":
		return textValue(i.c.name)
	case "created_at":
		return timeOrNull(i.c.created)
	case "documents_count":
		return numberValue(int64(len(i.c.docs)))
	}
	return filterValue{}
}

// documentItem is a document as ListDocuments filters see it.
type documentItem struct{ d *document }

func (i documentItem) hasKey(key string) bool {
	_, ok := i.d.fields[key]
	return ok
}

func (i documentItem) value(field string) filterValue {
	d := i.d
	if key, ok := strings.CutPrefix(field, "fields."); ok {
		v, ok := d.fields[key]
		return filterValue{set: ok, s: v}
	}
	switch field {
	case "file_id":
		return textValue(d.fileID)
	case "name":
		return textValue(d.name)
	case "size_bytes":
		return numberValue(int64(len(d.data)))
	case "content_type":
		return textValue(d.contentType)
	case "created_at":
		return timeOrNull(d.created)
	case "expires_at":
		return timeOrNull(d.expires)
	case "hash":
		return textValue(d.hash)
	case "status":
		return textValue(d.status.String())
	case "error_message":
		return textOrNull(d.errMsg)
	}
	return filterValue{}
}
