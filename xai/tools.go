package xai

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// Tool is a tool the model may use: a function you run ([FunctionTool],
// [FunctionToolFor]) or a tool xAI runs on the server during the request
// ([WebSearch], [XSearch], [CodeExecution], [CollectionsSearch], [MCP],
// [AttachmentSearch], [ImageGeneration]). A Tool that could not be built carries
// its error, which the chat reports before anything is sent.
type Tool struct {
	pb  *xaiv1.Tool
	err error
}

// Proto returns the underlying protobuf tool (nil if building failed), for
// settings the builders do not cover, such as Function.Strict.
func (t Tool) Proto() *xaiv1.Tool { return t.pb }

// Err returns the error met while building the tool, if any. It is an
// [*Error] with code InvalidArgument.
func (t Tool) Err() error { return t.err }

func toolErr(format string, args ...any) Tool { return Tool{err: invalidArgument(format, args...)} }

var functionNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// checkFunctionName checks a function tool name; what names it in errors.
func checkFunctionName(name string) error {
	if !functionNameRE.MatchString(name) {
		return invalidArgument("function name %s is not valid: use 1 to 64 letters, digits, '_' or '-', such as \"get_weather\"", quoteShort(name))
	}
	return nil
}

// FunctionTool returns a function the model may ask you to call. name must be
// 1 to 64 letters, digits, '_' or '-'; description tells the model what the
// function does and when to use it; parametersJSONSchema is the JSON Schema
// of its arguments, a JSON object such as
//
//	{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}
//
// Use `{"type":"object","properties":{}}` for a function without arguments,
// or [FunctionToolFor] to derive the schema from a Go type.
func FunctionTool(name, description string, parametersJSONSchema string) Tool {
	if err := checkFunctionName(name); err != nil {
		return Tool{err: err}
	}
	if err := checkUTF8s(
		fmt.Sprintf("function %q: description", name), description,
		fmt.Sprintf("function %q: parameters schema", name), parametersJSONSchema); err != nil {
		return Tool{err: err}
	}
	if strings.TrimSpace(parametersJSONSchema) == "" {
		return toolErr("function %q has an empty parameters schema: pass a JSON Schema object, `{\"type\":\"object\",\"properties\":{}}` for no arguments", name)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(parametersJSONSchema), &obj); err != nil {
		if json.Valid([]byte(parametersJSONSchema)) {
			return toolErr("function %q parameters schema is JSON but not an object: pass a JSON Schema object such as {\"type\":\"object\",\"properties\":{...}}", name)
		}
		return toolErr("function %q parameters schema is not valid JSON (%v): pass a JSON Schema object", name, err)
	}
	if obj == nil {
		return toolErr("function %q parameters schema is null: pass a JSON Schema object such as {\"type\":\"object\",\"properties\":{...}}", name)
	}
	return Tool{pb: &xaiv1.Tool{Tool: &xaiv1.Tool_Function{Function: &xaiv1.Function{
		Name:        name,
		Description: description,
		Parameters:  parametersJSONSchema,
	}}}}
}

// FunctionToolFor returns a function tool whose parameters schema is derived
// from the Go struct type T (see [JSONSchemaFor] for the rules). Decode the
// arguments of a call with [ToolCall.Arguments] into a T.
func FunctionToolFor[T any](name, description string) Tool {
	if err := checkFunctionName(name); err != nil {
		return Tool{err: err}
	}
	schema, err := JSONSchemaFor[T]()
	if err != nil {
		return Tool{err: err}
	}
	return FunctionTool(name, description, schema)
}

// WebSearchOption configures the [WebSearch] tool. Options set fields of the
// protobuf message, so a func of this type can set any field the helpers do
// not cover.
type WebSearchOption func(*xaiv1.WebSearch)

// WithWebSearchAllowedDomains restricts web search to these domains, given bare
// such as "x.ai". It cannot be combined with [WithWebSearchExcludedDomains].
func WithWebSearchAllowedDomains(domains ...string) WebSearchOption {
	return func(w *xaiv1.WebSearch) { w.AllowedDomains = append(w.AllowedDomains, domains...) }
}

// WithWebSearchExcludedDomains keeps results from these domains out of web
// search. It cannot be combined with [WithWebSearchAllowedDomains].
func WithWebSearchExcludedDomains(domains ...string) WebSearchOption {
	return func(w *xaiv1.WebSearch) { w.ExcludedDomains = append(w.ExcludedDomains, domains...) }
}

// WithWebSearchImageUnderstanding lets the model look at (or forbids it to look
// at) images found on the pages it reads.
func WithWebSearchImageUnderstanding(enable bool) WebSearchOption {
	return func(w *xaiv1.WebSearch) { w.EnableImageUnderstanding = &enable }
}

// WithWebSearchImageSearch lets the model search for images as well as pages.
func WithWebSearchImageSearch(enable bool) WebSearchOption {
	return func(w *xaiv1.WebSearch) { w.EnableImageSearch = &enable }
}

// UserLocation is the approximate location of the user, to make web search
// results more local. Empty fields are left unset.
type UserLocation struct {
	// Country of the user, for example "US" or "France".
	Country string
	// City of the user.
	City string
	// Region, state or province of the user.
	Region string
	// Timezone is an IANA time zone such as "Europe/Paris".
	Timezone string
}

// WithWebSearchUserLocation sets the user's approximate location.
func WithWebSearchUserLocation(loc UserLocation) WebSearchOption {
	return func(w *xaiv1.WebSearch) {
		l := &xaiv1.WebSearchUserLocation{}
		set := func(dst **string, v string) {
			if v != "" {
				*dst = &v
			}
		}
		set(&l.Country, loc.Country)
		set(&l.City, loc.City)
		set(&l.Region, loc.Region)
		set(&l.Timezone, loc.Timezone)
		w.UserLocation = l
	}
}

// WebSearch returns the server-side web search tool: the model searches and
// browses the web while answering.
func WebSearch(opts ...WebSearchOption) Tool {
	w := &xaiv1.WebSearch{}
	for i, o := range opts {
		if o == nil {
			return Tool{err: errNilOption("web search", i)}
		}
		o(w)
	}
	if len(w.AllowedDomains) > 0 && len(w.ExcludedDomains) > 0 {
		return toolErr("web search: allowed and excluded domains cannot be combined: use one or the other")
	}
	for _, list := range []struct {
		what    string
		domains []string
	}{{"allowed", w.AllowedDomains}, {"excluded", w.ExcludedDomains}} {
		for _, d := range list.domains {
			if msg := checkDomain(d); msg != "" {
				return toolErr("web search: %s domain %s", list.what, msg)
			}
		}
	}
	if l := w.GetUserLocation(); l != nil {
		if err := checkUTF8s(
			"web search: user location country", l.GetCountry(),
			"web search: user location city", l.GetCity(),
			"web search: user location region", l.GetRegion(),
			"web search: user location timezone", l.GetTimezone()); err != nil {
			return Tool{err: err}
		}
	}
	return Tool{pb: &xaiv1.Tool{Tool: &xaiv1.Tool_WebSearch{WebSearch: w}}}
}

func checkDomain(d string) string {
	switch {
	case strings.TrimSpace(d) == "":
		return "is empty: remove it"
	case !utf8.ValidString(d):
		return fmt.Sprintf("%s is not valid UTF-8: protobuf strings must be UTF-8 text", quoteShort(d))
	case strings.Contains(d, "://") || strings.ContainsAny(d, "/ "):
		return fmt.Sprintf("%s is not a bare domain: write it as \"example.com\", without scheme or path", quoteShort(d))
	}
	return ""
}

// XSearchOption configures the [XSearch] tool. Options set fields of the
// protobuf message, so a func of this type can set any field the helpers do
// not cover.
type XSearchOption func(*xaiv1.XSearch)

// WithXSearchAllowedHandles restricts X search to posts from these handles. It
// cannot be combined with [WithXSearchExcludedHandles].
func WithXSearchAllowedHandles(handles ...string) XSearchOption {
	return func(x *xaiv1.XSearch) { x.AllowedXHandles = append(x.AllowedXHandles, handles...) }
}

// WithXSearchExcludedHandles leaves posts from these handles out of X search.
// It cannot be combined with [WithXSearchAllowedHandles].
func WithXSearchExcludedHandles(handles ...string) XSearchOption {
	return func(x *xaiv1.XSearch) { x.ExcludedXHandles = append(x.ExcludedXHandles, handles...) }
}

// WithXSearchDateRange limits X search to posts from from to to. A zero time
// leaves that end of the range open.
func WithXSearchDateRange(from, to time.Time) XSearchOption {
	return func(x *xaiv1.XSearch) {
		x.FromDate, x.ToDate = nil, nil
		if !from.IsZero() {
			x.FromDate = timestamppb.New(from)
		}
		if !to.IsZero() {
			x.ToDate = timestamppb.New(to)
		}
	}
}

// WithXSearchImageUnderstanding lets the model look at images attached to posts.
func WithXSearchImageUnderstanding(enable bool) XSearchOption {
	return func(x *xaiv1.XSearch) { x.EnableImageUnderstanding = &enable }
}

// WithXSearchVideoUnderstanding lets the model look at videos attached to posts.
func WithXSearchVideoUnderstanding(enable bool) XSearchOption {
	return func(x *xaiv1.XSearch) { x.EnableVideoUnderstanding = &enable }
}

// XSearch returns the server-side X search tool: the model searches posts
// and users on X while answering.
func XSearch(opts ...XSearchOption) Tool {
	x := &xaiv1.XSearch{}
	for i, o := range opts {
		if o == nil {
			return Tool{err: errNilOption("X search", i)}
		}
		o(x)
	}
	if len(x.AllowedXHandles) > 0 && len(x.ExcludedXHandles) > 0 {
		return toolErr("X search: allowed and excluded handles cannot be combined: use one or the other")
	}
	for _, h := range append(append([]string(nil), x.AllowedXHandles...), x.ExcludedXHandles...) {
		if strings.TrimSpace(h) == "" {
			return toolErr("X search: a handle is empty: remove it")
		}
		if err := checkUTF8("X search: handle", h); err != nil {
			return Tool{err: err}
		}
	}
	if x.FromDate != nil && x.ToDate != nil && x.FromDate.AsTime().After(x.ToDate.AsTime()) {
		return toolErr("X search: date range starts (%s) after it ends (%s): swap the dates",
			x.FromDate.AsTime().Format(time.RFC3339), x.ToDate.AsTime().Format(time.RFC3339))
	}
	return Tool{pb: &xaiv1.Tool{Tool: &xaiv1.Tool_XSearch{XSearch: x}}}
}

// CodeExecution returns the server-side code execution tool: the model runs
// Python code in a sandbox to compute or analyse data.
func CodeExecution() Tool {
	return Tool{pb: &xaiv1.Tool{Tool: &xaiv1.Tool_CodeExecution{CodeExecution: &xaiv1.CodeExecution{}}}}
}

// CollectionsSearchOption configures the [CollectionsSearch] tool. Options
// set fields of the protobuf message and report values out of range.
type CollectionsSearchOption func(*xaiv1.CollectionsSearch) error

// WithCollectionsSearchLimit caps the number of results the search returns,
// from 1 up; the service's default is 10.
func WithCollectionsSearchLimit(n int) CollectionsSearchOption {
	return func(cs *xaiv1.CollectionsSearch) error {
		if n < 1 || n > math.MaxInt32 {
			return invalidArgument("collections search: WithCollectionsSearchLimit(%d): the limit must be at least 1", n)
		}
		cs.Limit = proto.Int32(int32(n))
		return nil
	}
}

// WithCollectionsSearchInstructions guides how the search interprets and ranks
// results, in your words; without it the service uses its own generic
// instructions.
func WithCollectionsSearchInstructions(text string) CollectionsSearchOption {
	return func(cs *xaiv1.CollectionsSearch) error {
		if strings.TrimSpace(text) == "" {
			return invalidArgument("collections search: WithCollectionsSearchInstructions: the instructions are empty; drop the option to use the service's own")
		}
		if err := checkUTF8("collections search: WithCollectionsSearchInstructions", text); err != nil {
			return err
		}
		cs.Instructions = &text
		return nil
	}
}

// WithCollectionsSearchRetrieval sets the retrieval strategy of the search,
// built as for Documents.Search: [HybridRetrieval] (the service's default),
// [SemanticRetrieval] or [KeywordRetrieval], refined with their With methods.
func WithCollectionsSearchRetrieval(r Retrieval) CollectionsSearchOption {
	return func(cs *xaiv1.CollectionsSearch) error {
		var req xaiv1.SearchRequest
		if err := r.apply(&req); err != nil {
			return invalidArgument("collections search: WithCollectionsSearchRetrieval: %s", strings.TrimPrefix(errMessage(err), "WithRetrieval: "))
		}
		switch m := req.RetrievalMode.(type) {
		case *xaiv1.SearchRequest_HybridRetrieval:
			cs.RetrievalMode = &xaiv1.CollectionsSearch_HybridRetrieval{HybridRetrieval: m.HybridRetrieval}
		case *xaiv1.SearchRequest_SemanticRetrieval:
			cs.RetrievalMode = &xaiv1.CollectionsSearch_SemanticRetrieval{SemanticRetrieval: m.SemanticRetrieval}
		case *xaiv1.SearchRequest_KeywordRetrieval:
			cs.RetrievalMode = &xaiv1.CollectionsSearch_KeywordRetrieval{KeywordRetrieval: m.KeywordRetrieval}
		}
		return nil
	}
}

// CollectionsSearch returns the server-side tool that searches the documents
// of your collections, given by ID (at least one), during the conversation.
func CollectionsSearch(collectionIDs []string, opts ...CollectionsSearchOption) Tool {
	if len(collectionIDs) == 0 {
		return toolErr("collections search needs at least one collection ID: pass the IDs of the collections to search")
	}
	for i, id := range collectionIDs {
		if strings.TrimSpace(id) == "" {
			return toolErr("collections search: collection ID %d is empty: pass the IDs of the collections to search", i+1)
		}
		if err := checkUTF8(fmt.Sprintf("collections search: collection ID %d", i+1), id); err != nil {
			return Tool{err: err}
		}
	}
	cs := &xaiv1.CollectionsSearch{CollectionIds: slices.Clone(collectionIDs)}
	for i, o := range opts {
		if o == nil {
			return Tool{err: errNilOption("collections search", i)}
		}
		if err := o(cs); err != nil {
			return Tool{err: err}
		}
	}
	return Tool{pb: &xaiv1.Tool{Tool: &xaiv1.Tool_CollectionsSearch{CollectionsSearch: cs}}}
}

// AttachmentSearchOption configures the [AttachmentSearch] tool, reporting
// values out of range.
type AttachmentSearchOption func(*xaiv1.AttachmentSearch) error

// WithAttachmentSearchLimit caps the number of results the search returns,
// from 1 up.
func WithAttachmentSearchLimit(n int) AttachmentSearchOption {
	return func(as *xaiv1.AttachmentSearch) error {
		if n < 1 || n > math.MaxInt32 {
			return invalidArgument("attachment search: WithAttachmentSearchLimit(%d): the limit must be at least 1", n)
		}
		as.Limit = proto.Int32(int32(n))
		return nil
	}
}

// AttachmentSearch returns the server-side tool that searches the files
// attached to the conversation.
func AttachmentSearch(opts ...AttachmentSearchOption) Tool {
	as := &xaiv1.AttachmentSearch{}
	for i, o := range opts {
		if o == nil {
			return Tool{err: errNilOption("attachment search", i)}
		}
		if err := o(as); err != nil {
			return Tool{err: err}
		}
	}
	return Tool{pb: &xaiv1.Tool{Tool: &xaiv1.Tool_AttachmentSearch{AttachmentSearch: as}}}
}

// ImageAction says which image capabilities the [ImageGeneration] tool
// offers the model.
type ImageAction string

// Image actions, as the service names them.
const (
	// ImageActionAuto offers both generation and editing: the service's
	// default.
	ImageActionAuto ImageAction = "auto"
	// ImageActionGenerate offers text-to-image generation only.
	ImageActionGenerate ImageAction = "generate"
	// ImageActionEdit offers the editing of images only: images generated
	// earlier in the conversation or given in it.
	ImageActionEdit ImageAction = "edit"
)

// ImageGeneration returns the server-side tool with which the model creates
// and edits images during the conversation. With no action the service
// offers both ([ImageActionAuto]); give one action to restrict it. The images
// arrive in [Response.ImageOutputs].
func ImageGeneration(action ...ImageAction) Tool {
	ig := &xaiv1.ImageGeneration{}
	switch len(action) {
	case 0:
	case 1:
		switch a := action[0]; a {
		case ImageActionAuto, ImageActionGenerate, ImageActionEdit:
			ig.Action = proto.String(string(a))
		default:
			return toolErr("image generation: unknown action %s; use ImageActionAuto, ImageActionGenerate or ImageActionEdit", quoteShort(string(a)))
		}
	default:
		return toolErr("image generation: got %d actions; give at most one", len(action))
	}
	return Tool{pb: &xaiv1.Tool{Tool: &xaiv1.Tool_ImageGeneration{ImageGeneration: ig}}}
}

// MCPOption configures the [MCP] tool. Options set fields of the protobuf
// message, so a func of this type can set any field the helpers do not
// cover.
type MCPOption func(*xaiv1.MCP)

// WithMCPDescription describes what the server offers, to help the model decide
// when to use it.
func WithMCPDescription(description string) MCPOption {
	return func(m *xaiv1.MCP) { m.ServerDescription = description }
}

// WithMCPAllowedTools limits the server's tools the model may call; by default
// all of them are allowed.
func WithMCPAllowedTools(names ...string) MCPOption {
	return func(m *xaiv1.MCP) { m.AllowedToolNames = append(m.AllowedToolNames, names...) }
}

// WithMCPAuthorization sets the credential xAI sends to the server in the
// Authorization header, for example "Bearer <token>".
func WithMCPAuthorization(value string) MCPOption {
	return func(m *xaiv1.MCP) { m.Authorization = &value }
}

// WithMCPHeader adds an HTTP header sent with every request to the server.
func WithMCPHeader(name, value string) MCPOption {
	return func(m *xaiv1.MCP) {
		if m.ExtraHeaders == nil {
			m.ExtraHeaders = map[string]string{}
		}
		m.ExtraHeaders[name] = value
	}
}

// MCP returns a remote MCP (Model Context Protocol) server whose tools the
// model may call; xAI calls the server during the request, so it must be
// reachable from the internet. label names the server among the request's
// tools; serverURL is its http or https address.
func MCP(label, serverURL string, opts ...MCPOption) Tool {
	if strings.TrimSpace(label) == "" {
		return toolErr("MCP server label is empty: pass a short name such as \"github\"")
	}
	if err := checkUTF8s("MCP server label", label, "MCP server "+quoteShort(label)+": URL", serverURL); err != nil {
		return Tool{err: err}
	}
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return toolErr("MCP server %s: URL %s is not an absolute http or https URL: pass the server's address, such as https://mcp.example.com/mcp", quoteShort(label), quoteShort(serverURL))
	}
	m := &xaiv1.MCP{ServerLabel: label, ServerUrl: serverURL}
	for i, o := range opts {
		if o == nil {
			return Tool{err: errNilOption("MCP server "+quoteShort(label), i)}
		}
		o(m)
	}
	for _, n := range m.AllowedToolNames {
		if strings.TrimSpace(n) == "" {
			return toolErr("MCP server %s: an allowed tool name is empty: remove it", quoteShort(label))
		}
		if err := checkUTF8("MCP server "+quoteShort(label)+": allowed tool name", n); err != nil {
			return Tool{err: err}
		}
	}
	if err := checkUTF8s(
		"MCP server "+quoteShort(label)+": description", m.GetServerDescription(),
		"MCP server "+quoteShort(label)+": authorization", m.GetAuthorization()); err != nil {
		return Tool{err: err}
	}
	for k, v := range m.ExtraHeaders {
		if !validHeaderName(k) {
			return toolErr("MCP server %s: header name %s is not a valid HTTP header name", quoteShort(label), quoteShort(k))
		}
		if err := checkUTF8("MCP server "+quoteShort(label)+": header "+quoteShort(k)+" value", v); err != nil {
			return Tool{err: err}
		}
	}
	return Tool{pb: &xaiv1.Tool{Tool: &xaiv1.Tool_Mcp{Mcp: m}}}
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// ToolMode is a general policy for tool use, for the chat's tool choice.
// The zero value is [ToolChoiceAuto].
type ToolMode int

const (
	// ToolChoiceAuto lets the model decide whether to call tools.
	ToolChoiceAuto ToolMode = iota
	// ToolChoiceNone forbids tool calls: the model answers directly.
	ToolChoiceNone
	// ToolChoiceRequired makes the model call at least one tool.
	ToolChoiceRequired
)

// String returns "auto", "none" or "required", or "ToolMode(n)" for an
// unknown value.
func (m ToolMode) String() string {
	switch m {
	case ToolChoiceAuto:
		return "auto"
	case ToolChoiceNone:
		return "none"
	case ToolChoiceRequired:
		return "required"
	}
	return fmt.Sprintf("ToolMode(%d)", int(m))
}

// proto maps m to its wire value, rejecting values outside the constants.
func (m ToolMode) proto() (xaiv1.ToolMode, error) {
	switch m {
	case ToolChoiceAuto:
		return xaiv1.ToolMode_TOOL_MODE_AUTO, nil
	case ToolChoiceNone:
		return xaiv1.ToolMode_TOOL_MODE_NONE, nil
	case ToolChoiceRequired:
		return xaiv1.ToolMode_TOOL_MODE_REQUIRED, nil
	}
	return 0, invalidArgument("unknown tool mode %s: use xai.ToolChoiceAuto, xai.ToolChoiceNone or xai.ToolChoiceRequired", m)
}
