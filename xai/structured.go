package xai

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"google.golang.org/grpc/codes"
)

// JSONSchemaFor derives a JSON Schema from the Go struct type T (or pointer
// to struct), for structured output ([WithJSONSchema], then [Response.Decode])
// or function tool parameters ([FunctionToolFor]). The schema
// describes the JSON that encoding/json reads into a T:
//
//   - Properties are the exported fields, named by their json tag; fields
//     tagged json:"-" are left out and embedded structs without a json name
//     are flattened into their parent, as encoding/json does.
//   - Every field is required except those tagged omitempty or omitzero.
//     Objects derived from structs allow no other properties.
//   - bool is "boolean"; integer kinds are "integer" (unsigned ones with
//     minimum 0); float kinds are "number"; string is "string"; the json
//     ",string" option makes a number or bool a "string".
//   - Slices and arrays are "array" of their element (arrays with a fixed
//     length); []byte is a base64 "string", as encoding/json writes it.
//   - Maps with string or integer keys (or keys implementing
//     encoding.TextMarshaler) are "object" with additionalProperties of the
//     value type.
//   - Pointers are described by their element type; nested structs inline.
//   - time.Time is a "string" with format "date-time"; json.RawMessage and
//     interface{} accept any JSON value; other types implementing
//     encoding.TextMarshaler are "string".
//
// Two struct tags add to a field's schema: desc:"..." gives its
// description (the whole tag value, commas included) and enum:"a,b,c" lists
// the values allowed for a string, integer or number field.
//
// It returns an [*Error] with code InvalidArgument for a root type that is
// not a struct and for what has no JSON Schema: channels, functions,
// complex numbers, non-empty interfaces, other types with a custom
// json.Marshaler, maps with other key types, recursive types, and bad enum
// tags.
func JSONSchemaFor[T any]() (string, error) {
	t := reflect.TypeFor[T]()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == timeType {
		return "", invalidArgument("JSONSchemaFor: type %s is not a struct: the schema of a response or of function arguments must be an object, so wrap the value in a struct field", t)
	}
	g := schemaGen{visiting: map[reflect.Type]bool{}}
	s, err := g.schemaOf(t, t.String())
	if err != nil {
		return "", err
	}
	out, err := json.Marshal(s)
	if err != nil {
		return "", invalidArgument("JSONSchemaFor: cannot encode the schema of %s: %v", t, err)
	}
	return string(out), nil
}

// jsonSchema is the subset of JSON Schema that [JSONSchemaFor] emits. Fields
// marshal in this order, which keeps the output stable.
type jsonSchema struct {
	Type                 string      `json:"type,omitempty"`
	Format               string      `json:"format,omitempty"`
	ContentEncoding      string      `json:"contentEncoding,omitempty"`
	Description          string      `json:"description,omitempty"`
	Enum                 []any       `json:"enum,omitempty"`
	Minimum              *int        `json:"minimum,omitempty"`
	Items                *jsonSchema `json:"items,omitempty"`
	MinItems             *int        `json:"minItems,omitempty"`
	MaxItems             *int        `json:"maxItems,omitempty"`
	Properties           *properties `json:"properties,omitempty"`
	Required             []string    `json:"required,omitempty"`
	AdditionalProperties *additional `json:"additionalProperties,omitempty"`
}

// properties is an ordered set of named schemas, in struct field order.
type properties struct {
	names   []string
	schemas []*jsonSchema
}

// MarshalJSON writes the properties as an object, in order.
func (p *properties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, n := range p.names {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(n)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(p.schemas[i])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// additional is additionalProperties: either false or a schema.
type additional struct {
	schema *jsonSchema // nil means false
}

// MarshalJSON writes false or the schema.
func (a *additional) MarshalJSON() ([]byte, error) {
	if a.schema == nil {
		return []byte("false"), nil
	}
	return json.Marshal(a.schema)
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

type schemaGen struct {
	visiting map[reflect.Type]bool
}

// implements reports whether t or *t implements iface.
func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(iface))
}

// schemaOf returns the schema of t; path names where t was met, for errors.
func (g *schemaGen) schemaOf(t reflect.Type, path string) (*jsonSchema, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return &jsonSchema{Type: "string", Format: "date-time"}, nil
	case t == rawMessageType:
		return &jsonSchema{}, nil
	case implements(t, jsonMarshalerType):
		return nil, invalidArgument("JSONSchemaFor: %s has type %s, which has its own JSON encoding (json.Marshaler) whose shape cannot be derived: use a plain Go type or json.RawMessage", path, t)
	case implements(t, textMarshalerType):
		return &jsonSchema{Type: "string"}, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return &jsonSchema{Type: "boolean"}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &jsonSchema{Type: "integer"}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		zero := 0
		return &jsonSchema{Type: "integer", Minimum: &zero}, nil
	case reflect.Float32, reflect.Float64:
		return &jsonSchema{Type: "number"}, nil
	case reflect.String:
		return &jsonSchema{Type: "string"}, nil
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && !implements(t.Elem(), jsonMarshalerType) && !implements(t.Elem(), textMarshalerType) {
			if t.Kind() == reflect.Slice {
				return &jsonSchema{Type: "string", ContentEncoding: "base64"}, nil
			}
		}
		items, err := g.schemaOf(t.Elem(), path+"[]")
		if err != nil {
			return nil, err
		}
		s := &jsonSchema{Type: "array", Items: items}
		if t.Kind() == reflect.Array {
			n := t.Len()
			s.MinItems, s.MaxItems = &n, &n
		}
		return s, nil
	case reflect.Map:
		k := t.Key()
		switch {
		case k.Kind() == reflect.String, implements(k, textMarshalerType):
		case k.Kind() >= reflect.Int && k.Kind() <= reflect.Uintptr:
		default:
			return nil, invalidArgument("JSONSchemaFor: %s is a map with %s keys, which JSON cannot encode: use string keys", path, k)
		}
		vs, err := g.schemaOf(t.Elem(), path+"[key]")
		if err != nil {
			return nil, err
		}
		return &jsonSchema{Type: "object", AdditionalProperties: &additional{schema: vs}}, nil
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return &jsonSchema{}, nil
		}
		return nil, invalidArgument("JSONSchemaFor: %s has interface type %s, which JSON cannot decode into: use a concrete type, or any", path, t)
	case reflect.Struct:
		return g.structSchema(t, path)
	}
	return nil, invalidArgument("JSONSchemaFor: %s has type %s (kind %s), which has no JSON representation: leave it out with a json:\"-\" tag or change its type", path, t, t.Kind())
}

func (g *schemaGen) structSchema(t reflect.Type, path string) (*jsonSchema, error) {
	if g.visiting[t] {
		return nil, invalidArgument("JSONSchemaFor: %s refers back to its own type %s: recursive types are not supported; cut the cycle, for example with json.RawMessage", path, t)
	}
	g.visiting[t] = true
	defer delete(g.visiting, t)

	s := &jsonSchema{Type: "object", Properties: &properties{}, AdditionalProperties: &additional{}}
	for _, f := range structFields(t, path) {
		fs, err := g.fieldSchema(f.field, f.opts, f.path)
		if err != nil {
			return nil, err
		}
		s.Properties.names = append(s.Properties.names, f.name)
		s.Properties.schemas = append(s.Properties.schemas, fs)
		if !hasOpt(f.opts, "omitempty") && !hasOpt(f.opts, "omitzero") {
			s.Required = append(s.Required, f.name)
		}
	}
	return s, nil
}

// jsonField is a struct field as encoding/json sees it.
type jsonField struct {
	name   string
	opts   string
	tagged bool
	index  []int
	field  reflect.StructField
	path   string
}

// structFields returns the fields encoding/json encodes for struct t, in
// its order: embedded structs without a json name are flattened, and of
// several fields with one name the shallowest wins (at equal depth the
// only tagged one, or none).
func structFields(t reflect.Type, path string) []jsonField {
	type level struct {
		t     reflect.Type
		index []int
		path  string
	}
	var fields []jsonField
	visited := map[reflect.Type]bool{}
	next := []level{{t: t, path: path}}
	for depth := 0; len(next) > 0; depth++ {
		current := next
		next = nil
		for _, lv := range current {
			if visited[lv.t] {
				continue
			}
			visited[lv.t] = true
			for i := 0; i < lv.t.NumField(); i++ {
				f := lv.t.Field(i)
				tag := f.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if f.Anonymous {
					if !f.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !f.IsExported() {
					continue
				}
				index := append(append([]int(nil), lv.index...), i)
				if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
					next = append(next, level{t: ft, index: index, path: lv.path + "." + f.Name})
					continue
				}
				tagged := name != ""
				if !tagged {
					name = f.Name
				}
				fields = append(fields, jsonField{name: name, opts: opts, tagged: tagged, index: index, field: f, path: lv.path + "." + f.Name})
			}
		}
	}
	// Keep the dominant field of each name.
	byName := map[string][]jsonField{}
	for _, f := range fields {
		byName[f.name] = append(byName[f.name], f)
	}
	var out []jsonField
	for _, f := range fields {
		group := byName[f.name]
		if group == nil {
			continue // already decided
		}
		byName[f.name] = nil
		if d, ok := dominant(group); ok {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b jsonField) int { return slices.Compare(a.index, b.index) })
	return out
}

// dominant picks the field encoding/json keeps among fields sharing a name.
func dominant(group []jsonField) (jsonField, bool) {
	minDepth := len(group[0].index)
	for _, f := range group {
		minDepth = min(minDepth, len(f.index))
	}
	var best []jsonField
	for _, f := range group {
		if len(f.index) == minDepth {
			best = append(best, f)
		}
	}
	if len(best) == 1 {
		return best[0], true
	}
	var tagged []jsonField
	for _, f := range best {
		if f.tagged {
			tagged = append(tagged, f)
		}
	}
	if len(tagged) == 1 {
		return tagged[0], true
	}
	return jsonField{}, false
}

func hasOpt(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// fieldSchema returns the schema of one struct field, with its tags applied.
func (g *schemaGen) fieldSchema(f reflect.StructField, opts, path string) (*jsonSchema, error) {
	s, err := g.schemaOf(f.Type, path)
	if err != nil {
		return nil, err
	}
	if hasOpt(opts, "string") && (s.Type == "integer" || s.Type == "number" || s.Type == "boolean") {
		// The ",string" option quotes the value; copy so that the minimum
		// of an unsigned type does not describe a string.
		s = &jsonSchema{Type: "string"}
	}
	if d, ok := f.Tag.Lookup("desc"); ok {
		s.Description = d
	}
	if e, ok := f.Tag.Lookup("enum"); ok {
		vals, err := enumValues(e, s.Type, path)
		if err != nil {
			return nil, err
		}
		s.Enum = vals
	}
	return s, nil
}

// enumValues parses an enum tag for a field whose schema type is typ.
func enumValues(tag, typ, path string) ([]any, error) {
	if strings.TrimSpace(tag) == "" {
		return nil, invalidArgument("JSONSchemaFor: %s has an empty enum tag: list the allowed values, as in enum:\"a,b,c\"", path)
	}
	parts := strings.Split(tag, ",")
	vals := make([]any, 0, len(parts))
	for _, p := range parts {
		switch typ {
		case "string":
			vals = append(vals, p)
		case "integer":
			n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
			if err != nil {
				return nil, invalidArgument("JSONSchemaFor: %s has enum value %q, which is not an integer", path, p)
			}
			vals = append(vals, n)
		case "number":
			x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
				return nil, invalidArgument("JSONSchemaFor: %s has enum value %q, which is not a number", path, p)
			}
			vals = append(vals, x)
		default:
			return nil, invalidArgument("JSONSchemaFor: %s has an enum tag, but enums are supported only on string, integer and number fields", path)
		}
	}
	return vals, nil
}

// decodeContent unmarshals model output into v with errors that say what
// went wrong and what to do.
func decodeContent(content string, reason xaiv1.FinishReason, v any) error {
	if err := checkDecodeTarget(v); err != nil {
		return err
	}
	if strings.TrimSpace(content) == "" {
		return &Error{Code: codes.Internal, Message: fmt.Sprintf("cannot decode the response into %T: its content is empty (finish reason %s)", v, reason)}
	}
	err := json.Unmarshal([]byte(content), v)
	if err == nil {
		return nil
	}
	hint := "ask for JSON with xai.WithJSONSchema (a schema from xai.JSONSchemaFor), or read resp.Content() to see what the model wrote"
	switch {
	case reason == xaiv1.FinishReason_REASON_MAX_LEN || reason == xaiv1.FinishReason_REASON_MAX_CONTEXT:
		hint = fmt.Sprintf("the output was cut short (finish reason %s): raise the token limit", reason)
	case strings.HasPrefix(strings.TrimSpace(content), "```"):
		hint = "the model wrapped its JSON in a Markdown code fence: ask for JSON with xai.WithJSONSchema (a schema from xai.JSONSchemaFor) so that it writes bare JSON"
	}
	return &Error{
		Code:    codes.Internal,
		Message: fmt.Sprintf("response content is not valid JSON for %T: %v; %s", v, err, hint),
		cause:   err,
	}
}

// checkDecodeTarget rejects what json.Unmarshal cannot decode into.
func checkDecodeTarget(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return invalidArgument("cannot decode into %T: pass a non-nil pointer, such as &result", v)
	}
	return nil
}
