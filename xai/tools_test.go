package xai

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const weatherSchema = `{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`

func TestFunctionTool(t *testing.T) {
	t.Parallel()
	tl := FunctionTool("get_weather", "Current weather in a city.", weatherSchema)
	if tl.Err() != nil {
		t.Fatal(tl.Err())
	}
	want := &xaiv1.Tool{Tool: &xaiv1.Tool_Function{Function: &xaiv1.Function{
		Name: "get_weather", Description: "Current weather in a city.", Parameters: weatherSchema,
	}}}
	if !proto.Equal(tl.Proto(), want) {
		t.Errorf("Proto() = %v, want %v", tl.Proto(), want)
	}
	for _, name := range []string{"a", "A-b_9", strings.Repeat("x", 64)} {
		if err := FunctionTool(name, "", `{}`).Err(); err != nil {
			t.Errorf("name %q rejected: %v", name, err)
		}
	}
}

func TestFunctionToolErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, fn, schema string
		errs             []string
	}{
		{"empty name", "", weatherSchema, []string{`function name "" is not valid`, "1 to 64 letters"}},
		{"name with space", "get weather", weatherSchema, []string{`"get weather" is not valid`}},
		{"name with dot", "a.b", weatherSchema, []string{"not valid"}},
		{"name too long", strings.Repeat("x", 65), weatherSchema, []string{"not valid"}},
		{"non-ASCII name", "météo", weatherSchema, []string{"not valid"}},
		{"empty schema", "f", "", []string{"empty parameters schema", `{"type":"object","properties":{}}`}},
		{"blank schema", "f", "  ", []string{"empty parameters schema"}},
		{"invalid JSON", "f", `{"type":`, []string{"not valid JSON"}},
		{"array schema", "f", `[]`, []string{"JSON but not an object"}},
		{"string schema", "f", `"object"`, []string{"JSON but not an object"}},
		{"null schema", "f", `null`, []string{"is null"}},
		{"trailing data", "f", `{} {}`, []string{"not valid JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := FunctionTool(tt.fn, "d", tt.schema)
			wantInvalid(t, tl.Err(), tt.errs...)
			if tl.Proto() != nil {
				t.Error("Proto() is set on error")
			}
		})
	}
}

type weatherArgs struct {
	City  string `json:"city" desc:"City name"`
	Units string `json:"units,omitempty" enum:"C,F"`
}

func TestFunctionToolFor(t *testing.T) {
	t.Parallel()
	tl := FunctionToolFor[weatherArgs]("get_weather", "Weather.")
	if tl.Err() != nil {
		t.Fatal(tl.Err())
	}
	want := `{"type":"object","properties":{"city":{"type":"string","description":"City name"},"units":{"type":"string","enum":["C","F"]}},"required":["city"],"additionalProperties":false}`
	if got := tl.Proto().GetFunction().GetParameters(); got != want {
		t.Errorf("parameters = %s, want %s", got, want)
	}
	wantInvalid(t, FunctionToolFor[weatherArgs]("bad name", "").Err(), "not valid")
	wantInvalid(t, FunctionToolFor[int]("f", "").Err(), "not a struct")
}

func TestServerSideTools(t *testing.T) {
	t.Parallel()
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	yes, no := true, false
	auth := "Bearer t"
	country, tz := "FR", "Europe/Paris"
	tests := []struct {
		name string
		tool Tool
		want *xaiv1.Tool
	}{
		{"web search", WebSearch(), &xaiv1.Tool{Tool: &xaiv1.Tool_WebSearch{WebSearch: &xaiv1.WebSearch{}}}},
		{"web search options", WebSearch(
			WithWebSearchAllowedDomains("x.ai", "wikipedia.org"),
			WithWebSearchImageUnderstanding(true),
			WithWebSearchImageSearch(false),
			WithWebSearchUserLocation(UserLocation{Country: "FR", Timezone: "Europe/Paris"}),
		), &xaiv1.Tool{Tool: &xaiv1.Tool_WebSearch{WebSearch: &xaiv1.WebSearch{
			AllowedDomains: []string{"x.ai", "wikipedia.org"}, EnableImageUnderstanding: &yes, EnableImageSearch: &no,
			UserLocation: &xaiv1.WebSearchUserLocation{Country: &country, Timezone: &tz},
		}}}},
		{"web search excluded", WebSearch(WithWebSearchExcludedDomains("example.com")), &xaiv1.Tool{Tool: &xaiv1.Tool_WebSearch{WebSearch: &xaiv1.WebSearch{ExcludedDomains: []string{"example.com"}}}}},
		{"x search", XSearch(
			WithXSearchAllowedHandles("xai"),
			WithXSearchDateRange(from, to),
			WithXSearchImageUnderstanding(true),
			WithXSearchVideoUnderstanding(true),
		), &xaiv1.Tool{Tool: &xaiv1.Tool_XSearch{XSearch: &xaiv1.XSearch{
			AllowedXHandles: []string{"xai"}, FromDate: timestamppb.New(from), ToDate: timestamppb.New(to),
			EnableImageUnderstanding: &yes, EnableVideoUnderstanding: &yes,
		}}}},
		{"x search open range", XSearch(WithXSearchExcludedHandles("spam"), WithXSearchDateRange(from, time.Time{})), &xaiv1.Tool{Tool: &xaiv1.Tool_XSearch{XSearch: &xaiv1.XSearch{
			ExcludedXHandles: []string{"spam"}, FromDate: timestamppb.New(from),
		}}}},
		{"code execution", CodeExecution(), &xaiv1.Tool{Tool: &xaiv1.Tool_CodeExecution{CodeExecution: &xaiv1.CodeExecution{}}}},
		{"collections search", CollectionsSearch([]string{"c1", "c2"}), &xaiv1.Tool{Tool: &xaiv1.Tool_CollectionsSearch{CollectionsSearch: &xaiv1.CollectionsSearch{CollectionIds: []string{"c1", "c2"}}}}},
		// The fields of the official Python SDK's collections_search (tools.py): limit, instructions, retrieval_mode.
		{"collections search options", CollectionsSearch([]string{"c1"}, WithCollectionsSearchLimit(5), WithCollectionsSearchInstructions("Prefer recent documents."),
			WithCollectionsSearchRetrieval(SemanticRetrieval())), &xaiv1.Tool{Tool: &xaiv1.Tool_CollectionsSearch{CollectionsSearch: &xaiv1.CollectionsSearch{
			CollectionIds: []string{"c1"}, Limit: proto.Int32(5), Instructions: proto.String("Prefer recent documents."),
			RetrievalMode: &xaiv1.CollectionsSearch_SemanticRetrieval{SemanticRetrieval: &xaiv1.SemanticRetrieval{}},
		}}}},
		{"collections search hybrid", CollectionsSearch([]string{"c1"}, WithCollectionsSearchRetrieval(HybridRetrieval().WithSearchMultiplier(3))),
			&xaiv1.Tool{Tool: &xaiv1.Tool_CollectionsSearch{CollectionsSearch: &xaiv1.CollectionsSearch{CollectionIds: []string{"c1"},
				RetrievalMode: &xaiv1.CollectionsSearch_HybridRetrieval{HybridRetrieval: &xaiv1.HybridRetrieval{SearchMultiplier: proto.Int32(3)}}}}}},
		{"collections search keyword", CollectionsSearch([]string{"c1"}, WithCollectionsSearchRetrieval(KeywordRetrieval())),
			&xaiv1.Tool{Tool: &xaiv1.Tool_CollectionsSearch{CollectionsSearch: &xaiv1.CollectionsSearch{CollectionIds: []string{"c1"},
				RetrievalMode: &xaiv1.CollectionsSearch_KeywordRetrieval{KeywordRetrieval: &xaiv1.KeywordRetrieval{}}}}}},
		{"attachment search", AttachmentSearch(), &xaiv1.Tool{Tool: &xaiv1.Tool_AttachmentSearch{AttachmentSearch: &xaiv1.AttachmentSearch{}}}},
		{"attachment search limit", AttachmentSearch(WithAttachmentSearchLimit(3)), &xaiv1.Tool{Tool: &xaiv1.Tool_AttachmentSearch{AttachmentSearch: &xaiv1.AttachmentSearch{Limit: proto.Int32(3)}}}},
		{"image generation", ImageGeneration(), &xaiv1.Tool{Tool: &xaiv1.Tool_ImageGeneration{ImageGeneration: &xaiv1.ImageGeneration{}}}},
		// The actions of the official Python SDK's image_generation (tools.py): "auto", "generate", "edit".
		{"image generation auto", ImageGeneration(ImageActionAuto), &xaiv1.Tool{Tool: &xaiv1.Tool_ImageGeneration{ImageGeneration: &xaiv1.ImageGeneration{Action: proto.String("auto")}}}},
		{"image generation generate", ImageGeneration(ImageActionGenerate), &xaiv1.Tool{Tool: &xaiv1.Tool_ImageGeneration{ImageGeneration: &xaiv1.ImageGeneration{Action: proto.String("generate")}}}},
		{"image generation edit", ImageGeneration(ImageActionEdit), &xaiv1.Tool{Tool: &xaiv1.Tool_ImageGeneration{ImageGeneration: &xaiv1.ImageGeneration{Action: proto.String("edit")}}}},
		{"mcp", MCP("github", "https://mcp.example.com/mcp",
			WithMCPDescription("GitHub tools"), WithMCPAllowedTools("search_issues"), WithMCPAuthorization(auth), WithMCPHeader("X-Org", "acme"),
		), &xaiv1.Tool{Tool: &xaiv1.Tool_Mcp{Mcp: &xaiv1.MCP{
			ServerLabel: "github", ServerUrl: "https://mcp.example.com/mcp", ServerDescription: "GitHub tools",
			AllowedToolNames: []string{"search_issues"}, Authorization: &auth, ExtraHeaders: map[string]string{"X-Org": "acme"},
		}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.tool.Err() != nil {
				t.Fatal(tt.tool.Err())
			}
			if !proto.Equal(tt.tool.Proto(), tt.want) {
				t.Errorf("Proto() = %v\nwant %v", tt.tool.Proto(), tt.want)
			}
		})
	}

	// Every field of every server-side tool in the wire contract is set by
	// some builder above, so that no tool option needs a raw proto.
	set := map[protoreflect.FullName]bool{}
	var mark func(m protoreflect.Message)
	mark = func(m protoreflect.Message) {
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			set[fd.FullName()] = true
			if fd.Kind() == protoreflect.MessageKind && !fd.IsList() && !fd.IsMap() {
				mark(v.Message())
			}
			return true
		})
	}
	for _, tt := range tests {
		mark(tt.tool.Proto().ProtoReflect())
	}
	oneof := (&xaiv1.Tool{}).ProtoReflect().Descriptor().Oneofs().ByName("tool")
	for i := 0; i < oneof.Fields().Len(); i++ {
		f := oneof.Fields().Get(i)
		if f.Name() == "function" {
			continue // FunctionTool has tests of its own
		}
		fields := f.Message().Fields()
		for j := 0; j < fields.Len(); j++ {
			if fd := fields.Get(j); !set[fd.FullName()] {
				t.Errorf("no builder sets %s", fd.FullName())
			}
		}
	}
}

func TestServerSideToolErrors(t *testing.T) {
	t.Parallel()
	from := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		tool Tool
		errs []string
	}{
		{"web search both lists", WebSearch(WithWebSearchAllowedDomains("a.com"), WithWebSearchExcludedDomains("b.com")), []string{"allowed and excluded domains cannot be combined"}},
		{"web search empty domain", WebSearch(WithWebSearchAllowedDomains("")), []string{"allowed domain is empty"}},
		{"web search URL as domain", WebSearch(WithWebSearchExcludedDomains("https://x.ai/news")), []string{`excluded domain "https://x.ai/news" is not a bare domain`, `"example.com"`}},
		{"x search both lists", XSearch(WithXSearchAllowedHandles("a"), WithXSearchExcludedHandles("b")), []string{"allowed and excluded handles cannot be combined"}},
		{"x search empty handle", XSearch(WithXSearchAllowedHandles("a", " ")), []string{"handle is empty"}},
		{"x search reversed range", XSearch(WithXSearchDateRange(from, from.AddDate(0, 0, -1))), []string{"starts (2025-02-01T00:00:00Z) after it ends (2025-01-31T00:00:00Z)", "swap"}},
		{"collections none", CollectionsSearch(nil), []string{"at least one collection ID"}},
		{"collections empty id", CollectionsSearch([]string{"c1", ""}), []string{"collection ID 2 is empty"}},
		{"collections zero limit", CollectionsSearch([]string{"c1"}, WithCollectionsSearchLimit(0)), []string{"WithCollectionsSearchLimit(0)", "at least 1"}},
		{"collections blank instructions", CollectionsSearch([]string{"c1"}, WithCollectionsSearchInstructions(" ")), []string{"instructions are empty"}},
		{"collections instructions not UTF-8", CollectionsSearch([]string{"c1"}, WithCollectionsSearchInstructions("\xff")), []string{"WithCollectionsSearchInstructions", "not valid UTF-8"}},
		{"collections zero retrieval", CollectionsSearch([]string{"c1"}, WithCollectionsSearchRetrieval(Retrieval{})), []string{"WithCollectionsSearchRetrieval: the retrieval is empty"}},
		{"collections bad retrieval", CollectionsSearch([]string{"c1"}, WithCollectionsSearchRetrieval(KeywordRetrieval().WithSearchMultiplier(2))), []string{"WithCollectionsSearchRetrieval", "HybridRetrieval only"}},
		{"collections nil option", CollectionsSearch([]string{"c1"}, nil), []string{"option 0 is nil"}},
		{"attachment zero limit", AttachmentSearch(WithAttachmentSearchLimit(-1)), []string{"WithAttachmentSearchLimit(-1)", "at least 1"}},
		{"attachment nil option", AttachmentSearch(nil), []string{"attachment search: option 0 is nil"}},
		// Issue 13: a nil option is rejected the same way everywhere; these
		// three builders used to skip it.
		{"web search nil option", WebSearch(WithWebSearchAllowedDomains("x.ai"), nil), []string{"web search: option 1 is nil"}},
		{"x search nil option", XSearch(nil), []string{"X search: option 0 is nil"}},
		{"mcp nil option", MCP("gh", "https://mcp.example.com", nil), []string{`MCP server "gh": option 0 is nil`}},
		{"image generation unknown action", ImageGeneration("paint"), []string{`unknown action "paint"`, "ImageActionGenerate"}},
		{"image generation two actions", ImageGeneration(ImageActionEdit, ImageActionGenerate), []string{"got 2 actions"}},
		{"mcp no label", MCP("", "https://mcp.example.com"), []string{"label is empty"}},
		{"mcp bad url", MCP("gh", "mcp.example.com"), []string{`URL "mcp.example.com" is not an absolute http or https URL`}},
		{"mcp ws url", MCP("gh", "ws://mcp.example.com"), []string{"not an absolute http or https URL"}},
		{"mcp empty tool name", MCP("gh", "https://mcp.example.com", WithMCPAllowedTools("")), []string{"allowed tool name is empty"}},
		{"mcp bad header", MCP("gh", "https://mcp.example.com", WithMCPHeader("Bad Header", "v")), []string{`header name "Bad Header"`}},
		// Strings that are not UTF-8 cannot be encoded by protobuf.
		{"function description not UTF-8", FunctionTool("f", "d\xff", "{}"), []string{`function "f": description`, "not valid UTF-8"}},
		{"function schema not UTF-8", FunctionTool("f", "d", "{\"title\":\"\xff\"}"), []string{`function "f": parameters schema`, "not valid UTF-8"}},
		{"web search domain not UTF-8", WebSearch(WithWebSearchAllowedDomains("caf\xe9.fr")), []string{"allowed domain", "not valid UTF-8"}},
		{"web search city not UTF-8", WebSearch(WithWebSearchUserLocation(UserLocation{City: "Orl\xe9ans"})), []string{"user location city", "not valid UTF-8"}},
		{"x search handle not UTF-8", XSearch(WithXSearchAllowedHandles("\xff")), []string{"X search: handle", "not valid UTF-8"}},
		{"collections id not UTF-8", CollectionsSearch([]string{"c1", "c\xff"}), []string{"collection ID 2", "not valid UTF-8"}},
		{"mcp label not UTF-8", MCP("g\xff", "https://mcp.example.com"), []string{"MCP server label", "not valid UTF-8"}},
		{"mcp header value not UTF-8", MCP("gh", "https://mcp.example.com", WithMCPHeader("X-Token", "\xff")), []string{`header "X-Token" value`, "not valid UTF-8"}},
		{"mcp authorization not UTF-8", MCP("gh", "https://mcp.example.com", WithMCPAuthorization("Bearer \xff")), []string{"authorization", "not valid UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantInvalid(t, tt.tool.Err(), tt.errs...)
			if tt.tool.Proto() != nil {
				t.Error("Proto() is set on error")
			}
		})
	}
}

func TestMCPHTTPAllowed(t *testing.T) {
	t.Parallel()
	if err := MCP("local", "http://mcp.example.com:8080/mcp").Err(); err != nil {
		t.Error(err)
	}
}

func TestToolCall(t *testing.T) {
	t.Parallel()
	c := ToolCall{pb: toolCall("call_1", "get_weather", `{"city":"Paris","units":"C"}`, xaiv1.ToolCallType_TOOL_CALL_TYPE_CLIENT_SIDE_TOOL)}
	c.pb.Status = xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED
	if c.ID() != "call_1" || c.Name() != "get_weather" || c.RawArguments() != `{"city":"Paris","units":"C"}` {
		t.Errorf("accessors: %q %q %q", c.ID(), c.Name(), c.RawArguments())
	}
	if !c.ClientSide() || c.Type() != xaiv1.ToolCallType_TOOL_CALL_TYPE_CLIENT_SIDE_TOOL || c.Status() != xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED || c.Proto() != c.pb {
		t.Error("ClientSide, Type, Status or Proto wrong")
	}
	var args weatherArgs
	if err := c.Arguments(&args); err != nil {
		t.Fatal(err)
	}
	if args != (weatherArgs{City: "Paris", Units: "C"}) {
		t.Errorf("args = %+v", args)
	}
	var m map[string]any
	if err := c.Arguments(&m); err != nil || m["city"] != "Paris" {
		t.Errorf("map args = %v, %v", m, err)
	}

	server := ToolCall{pb: toolCall("ws_1", "web_search", `{"query":"x"}`, xaiv1.ToolCallType_TOOL_CALL_TYPE_WEB_SEARCH_TOOL)}
	if server.ClientSide() {
		t.Error("web search call reported as client-side")
	}

	var zero ToolCall
	if zero.ID() != "" || zero.Name() != "" || zero.RawArguments() != "" || zero.ClientSide() {
		t.Error("zero ToolCall accessors are not empty")
	}
}

func TestToolCallArgumentsErrors(t *testing.T) {
	t.Parallel()
	bad := ToolCall{pb: toolCall("call_2", "get_weather", `{"city":42}`, xaiv1.ToolCallType_TOOL_CALL_TYPE_CLIENT_SIDE_TOOL)}
	var args weatherArgs
	err := bad.Arguments(&args)
	var xerr *Error
	if !errors.As(err, &xerr) || xerr.Code != codes.Internal {
		t.Fatalf("err = %v, want *Error Internal", err)
	}
	for _, w := range []string{`tool call "call_2" (get_weather)`, "not valid JSON for *xai.weatherArgs", "ToolResult"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	var ute *json.UnmarshalTypeError
	if !errors.As(err, &ute) {
		t.Error("the encoding/json error is not wrapped")
	}

	truncated := ToolCall{pb: toolCall("call_3", "f", `{"city":"Pa`, 0)}
	if err := truncated.Arguments(&args); codeOf(err) != codes.Internal {
		t.Errorf("truncated arguments: %v", err)
	}
	empty := ToolCall{pb: toolCall("call_4", "f", "", 0)}
	if err := empty.Arguments(&args); codeOf(err) != codes.Internal || !strings.Contains(err.Error(), "has no arguments") {
		t.Errorf("empty arguments: %v", err)
	}

	good := ToolCall{pb: toolCall("call_5", "f", `{}`, 0)}
	wantInvalid(t, good.Arguments(args), "pass a non-nil pointer")
	wantInvalid(t, good.Arguments(nil), "non-nil pointer")
	wantInvalid(t, good.Arguments((*weatherArgs)(nil)), "non-nil pointer")
}

func TestToolMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m    ToolMode
		s    string
		want xaiv1.ToolMode
	}{
		{ToolChoiceAuto, "auto", xaiv1.ToolMode_TOOL_MODE_AUTO},
		{ToolChoiceNone, "none", xaiv1.ToolMode_TOOL_MODE_NONE},
		{ToolChoiceRequired, "required", xaiv1.ToolMode_TOOL_MODE_REQUIRED},
	}
	for _, tt := range tests {
		got, err := tt.m.proto()
		if tt.m.String() != tt.s || got != tt.want || err != nil {
			t.Errorf("%d: String %q, proto %v, %v", int(tt.m), tt.m.String(), got, err)
		}
	}
	_, err := ToolMode(9).proto()
	wantInvalid(t, err, "unknown tool mode ToolMode(9)", "xai.ToolChoiceAuto")
}
