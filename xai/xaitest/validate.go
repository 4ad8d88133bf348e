package xaitest

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// Limits of the sampling options. The fake rejects values outside them
// with INVALID_ARGUMENT rather than clamping.
const (
	maxChoices     = 128 // n
	maxTopLogprobs = 8
)

func invalid(format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, format, args...)
}

// optionalString returns the value of an optional (explicit presence)
// string field and whether it counts as set. Official clients send "" for
// a field the user left out, so an empty value counts as unset: the
// official Python SDK 1.19 builds prepared batch requests with
// `batch_request_id=batch_request_id or ""` (src/xai_sdk/sync/image.py
// Client.prepare, src/xai_sdk/sync/video.py Client.prepare and
// prepare_extension, and their twins under src/xai_sdk/aio/), and the
// field has presence, so the "" reaches the wire.
func optionalString(p *string) (string, bool) {
	if p == nil || *p == "" {
		return "", false
	}
	return *p, true
}

// inRange reports whether v lies in [lo, hi]; NaN never does.
func inRange(v, lo, hi float32) bool { return v >= lo && v <= hi }

// checkSampling validates the numeric sampling options shared by Chat and
// Sample requests.
func checkSampling(n, maxTokens *int32, temperature, topP, freq, presence *float32, logprobs bool, topLogprobs *int32) error {
	if n != nil && (*n < 1 || *n > maxChoices) {
		return invalid("n must be between 1 and %d, got %d", maxChoices, *n)
	}
	if maxTokens != nil && *maxTokens < 1 {
		return invalid("max_tokens must be at least 1, got %d", *maxTokens)
	}
	if temperature != nil && !inRange(*temperature, 0, 2) {
		return invalid("temperature must be between 0 and 2, got %v", *temperature)
	}
	if topP != nil && !inRange(*topP, 0, 1) {
		return invalid("top_p must be between 0 and 1, got %v", *topP)
	}
	if freq != nil && !inRange(*freq, -2, 2) {
		return invalid("frequency_penalty must be between -2 and 2, got %v", *freq)
	}
	if presence != nil && !inRange(*presence, -2, 2) {
		return invalid("presence_penalty must be between -2 and 2, got %v", *presence)
	}
	if topLogprobs != nil {
		if *topLogprobs < 0 || *topLogprobs > maxTopLogprobs {
			return invalid("top_logprobs must be between 0 and %d, got %d", maxTopLogprobs, *topLogprobs)
		}
		if !logprobs {
			return invalid("top_logprobs requires logprobs to be true")
		}
	}
	return nil
}

// checkOptions validates everything in a completion request that does not
// depend on stored state: sampling ranges, reasoning effort, tools, tool
// choice and response format. It returns the parsed schemas of function
// tools by name and of the response format.
func checkOptions(req *xaiv1.GetCompletionsRequest, m *languageModel) (fnSchemas map[string]map[string]any, fnOrder []string, format map[string]any, err error) {
	if err := checkSampling(req.N, req.MaxTokens, req.Temperature, req.TopP, req.FrequencyPenalty,
		req.PresencePenalty, req.GetLogprobs(), req.TopLogprobs); err != nil {
		return nil, nil, nil, err
	}
	if req.ReasoningEffort != nil {
		e := req.GetReasoningEffort()
		if _, known := xaiv1.ReasoningEffort_name[int32(e)]; !known || e == xaiv1.ReasoningEffort_INVALID_EFFORT {
			return nil, nil, nil, invalid("reasoning_effort %v is not a valid effort", e)
		}
		if !m.reasoning {
			return nil, nil, nil, invalid("model %q does not support reasoning_effort", m.name)
		}
	}
	if req.MaxTurns != nil && req.GetMaxTurns() < 1 {
		return nil, nil, nil, invalid("max_turns must be at least 1, got %d", req.GetMaxTurns())
	}
	for i, o := range req.GetInclude() {
		if _, known := xaiv1.IncludeOption_name[int32(o)]; !known || o == xaiv1.IncludeOption_INCLUDE_OPTION_INVALID {
			return nil, nil, nil, invalid("include[%d] %v is not a valid include option", i, o)
		}
	}

	fnSchemas = map[string]map[string]any{}
	for i, t := range req.GetTools() {
		if err := checkServerTool(fmt.Sprintf("tools[%d]", i), t); err != nil {
			return nil, nil, nil, err
		}
		switch tool := t.GetTool().(type) {
		case nil:
			return nil, nil, nil, invalid("tools[%d] is empty: set function or a server-side tool", i)
		case *xaiv1.Tool_Function:
			fn := tool.Function
			if fn.GetName() == "" {
				return nil, nil, nil, invalid("tools[%d].function.name is required", i)
			}
			if _, dup := fnSchemas[fn.GetName()]; dup {
				return nil, nil, nil, invalid("tools[%d]: function %q is defined twice", i, fn.GetName())
			}
			schema, err := parseSchema(fn.GetParameters())
			if err != nil {
				return nil, nil, nil, invalid("tools[%d].function.parameters of %q: %v", i, fn.GetName(), err)
			}
			fnSchemas[fn.GetName()] = schema
			fnOrder = append(fnOrder, fn.GetName())
		}
	}

	if tc := req.GetToolChoice(); tc != nil {
		switch choice := tc.GetToolChoice().(type) {
		case nil:
			return nil, nil, nil, invalid("tool_choice is empty: set mode or function_name")
		case *xaiv1.ToolChoice_Mode:
			switch choice.Mode {
			case xaiv1.ToolMode_TOOL_MODE_AUTO, xaiv1.ToolMode_TOOL_MODE_NONE:
			case xaiv1.ToolMode_TOOL_MODE_REQUIRED:
				if len(req.GetTools()) == 0 {
					return nil, nil, nil, invalid("tool_choice mode TOOL_MODE_REQUIRED needs at least one tool")
				}
			default:
				return nil, nil, nil, invalid("tool_choice.mode %v is not a valid mode", choice.Mode)
			}
		case *xaiv1.ToolChoice_FunctionName:
			if _, ok := fnSchemas[choice.FunctionName]; !ok {
				return nil, nil, nil, invalid("tool_choice names function %q, which is not among the tools", choice.FunctionName)
			}
		}
	}

	if rf := req.GetResponseFormat(); rf != nil {
		switch rf.GetFormatType() {
		case xaiv1.FormatType_FORMAT_TYPE_TEXT, xaiv1.FormatType_FORMAT_TYPE_JSON_OBJECT:
		case xaiv1.FormatType_FORMAT_TYPE_JSON_SCHEMA:
			if rf.GetSchema() == "" {
				return nil, nil, nil, invalid("response_format FORMAT_TYPE_JSON_SCHEMA requires a schema")
			}
			if format, err = parseSchema(rf.GetSchema()); err != nil {
				return nil, nil, nil, invalid("response_format.schema: %v", err)
			}
		default:
			return nil, nil, nil, invalid("response_format.format_type %v is not a valid format", rf.GetFormatType())
		}
	}
	return fnSchemas, fnOrder, format, nil
}

// checkServerTool validates the options of a server-side tool; other
// tools pass.
func checkServerTool(where string, t *xaiv1.Tool) error {
	switch tool := t.GetTool().(type) {
	case *xaiv1.Tool_WebSearch:
		ws := tool.WebSearch
		if len(ws.GetAllowedDomains()) > 0 && len(ws.GetExcludedDomains()) > 0 {
			return invalid("%s.web_search: set allowed_domains or excluded_domains, not both", where)
		}
	case *xaiv1.Tool_XSearch:
		xs := tool.XSearch
		if len(xs.GetAllowedXHandles()) > 0 && len(xs.GetExcludedXHandles()) > 0 {
			return invalid("%s.x_search: set allowed_x_handles or excluded_x_handles, not both", where)
		}
		if xs.FromDate != nil && xs.ToDate != nil && xs.GetFromDate().AsTime().After(xs.GetToDate().AsTime()) {
			return invalid("%s.x_search: from_date is after to_date", where)
		}
	case *xaiv1.Tool_CollectionsSearch:
		cs := tool.CollectionsSearch
		if len(cs.GetCollectionIds()) == 0 {
			return invalid("%s.collections_search.collection_ids must name at least one collection", where)
		}
		for k, id := range cs.GetCollectionIds() {
			if strings.TrimSpace(id) == "" {
				return invalid("%s.collections_search.collection_ids[%d] is empty", where, k)
			}
		}
		if cs.Limit != nil && cs.GetLimit() < 1 {
			return invalid("%s.collections_search.limit must be positive when set, got %d", where, cs.GetLimit())
		}
	case *xaiv1.Tool_AttachmentSearch:
		if as := tool.AttachmentSearch; as.Limit != nil && as.GetLimit() < 1 {
			return invalid("%s.attachment_search.limit must be positive when set, got %d", where, as.GetLimit())
		}
	case *xaiv1.Tool_Mcp:
		u, err := url.Parse(tool.Mcp.GetServerUrl())
		if tool.Mcp.GetServerUrl() == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return invalid("%s.mcp.server_url must be an http or https URL", where)
		}
	case *xaiv1.Tool_ImageGeneration:
		switch a := tool.ImageGeneration.GetAction(); a {
		case "", "auto", "generate", "edit":
		default:
			return invalid("%s.image_generation.action %q is not one of auto, generate or edit", where, a)
		}
	}
	return nil
}

// checkToolTurns accepts a tool turn that names the call it answers
// (tool_call_id) only when an earlier assistant message of the
// conversation, history included, made that call: the service pairs
// replayed tool turns with their calls by this ID (issue 9). The messages
// before from (a stored history, checked when it was stored) are read
// only as far back as the oldest call answered, so that the check does
// not grow with the depth of a chain. origin names the messages from from
// on.
func checkToolTurns(conv []*xaiv1.Message, from int, origin []string) error {
	calls := map[string]bool{}
	back := from // the history before back has not been read yet
	for i := from; i < len(conv); i++ {
		msg := conv[i]
		switch msg.GetRole() {
		case xaiv1.MessageRole_ROLE_ASSISTANT:
			for _, tc := range msg.GetToolCalls() {
				calls[tc.GetId()] = true
			}
		case xaiv1.MessageRole_ROLE_TOOL:
			if msg.ToolCallId == nil {
				continue
			}
			id := msg.GetToolCallId()
			for !calls[id] && back > 0 {
				back--
				if old := conv[back]; old.GetRole() == xaiv1.MessageRole_ROLE_ASSISTANT {
					for _, tc := range old.GetToolCalls() {
						calls[tc.GetId()] = true
					}
				}
			}
			if !calls[id] {
				return invalid("%s: tool_call_id %q matches no tool call of an earlier assistant message", origin[i-from], id)
			}
		}
	}
	return nil
}

// roleName is how messages name a role in errors.
func roleName(r xaiv1.MessageRole) string {
	if name, ok := xaiv1.MessageRole_name[int32(r)]; ok {
		return name
	}
	return fmt.Sprintf("role %d", int32(r))
}

// checkMessage validates one message of a request and the content it
// refers to. where is its position, like "messages[2]".
func (s *Server) checkMessage(t team, where string, msg *xaiv1.Message, m *languageModel) error {
	switch msg.GetRole() {
	case xaiv1.MessageRole_ROLE_USER, xaiv1.MessageRole_ROLE_ASSISTANT, xaiv1.MessageRole_ROLE_SYSTEM,
		xaiv1.MessageRole_ROLE_DEVELOPER, xaiv1.MessageRole_ROLE_TOOL, xaiv1.MessageRole_ROLE_FUNCTION:
	case xaiv1.MessageRole_INVALID_ROLE:
		return invalid("%s has role INVALID_ROLE; set ROLE_USER, ROLE_ASSISTANT, ROLE_SYSTEM, ROLE_DEVELOPER or ROLE_TOOL", where)
	default:
		return invalid("%s has unknown %s", where, roleName(msg.GetRole()))
	}
	if len(msg.GetContent()) == 0 && len(msg.GetToolCalls()) == 0 && msg.GetEncryptedContent() == "" &&
		msg.ReasoningContent == nil {
		return invalid("%s (%s) has no content", where, roleName(msg.GetRole()))
	}
	for j, c := range msg.GetContent() {
		part := fmt.Sprintf("%s.content[%d]", where, j)
		switch v := c.GetContent().(type) {
		case nil:
			return invalid("%s is empty: set text, image_url or file", part)
		case *xaiv1.Content_Text:
		case *xaiv1.Content_ImageUrl:
			if !m.vision {
				return invalid("%s: model %q does not accept image input", part, m.name)
			}
			if err := s.checkImage(t, part+".image_url", v.ImageUrl); err != nil {
				return err
			}
		case *xaiv1.Content_File:
			if err := s.checkFileContent(t, part+".file", v.File); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkFileContent validates a file given as message content: exactly
// one of file_id, data or url, and a filename or MIME type only with data
// or a URL (the official Python SDK's file() enforces both).
func (s *Server) checkFileContent(t team, where string, f *xaiv1.FileContent) error {
	sources := 0
	for _, set := range []bool{f.GetFileId() != "", len(f.GetData()) > 0, f.GetUrl() != ""} {
		if set {
			sources++
		}
	}
	if sources > 1 {
		return invalid("%s: set exactly one of file_id, data or url, not %d", where, sources)
	}
	if f.GetFileId() != "" && (f.GetFilename() != "" || f.GetMimeType() != "") {
		return invalid("%s: filename and mime_type go with data or url, not with file_id", where)
	}
	switch {
	case f.GetFileId() != "":
		if _, ok := s.fileData(t, f.GetFileId()); !ok {
			return status.Errorf(codes.NotFound, "%s.file_id: file %q not found", where, f.GetFileId())
		}
	case len(f.GetData()) > 0:
	case f.GetUrl() != "":
		if err := checkHTTPS(where+".url", f.GetUrl()); err != nil {
			return err
		}
	default:
		return invalid("%s: set file_id, data or url", where)
	}
	return nil
}

// checkSystemOrder enforces at most one system or developer message, placed
// first in the whole conversation. where names each message in errors.
func checkSystemOrder(conv []*xaiv1.Message, where func(i int) string) error {
	seen := false
	for i, msg := range conv {
		r := msg.GetRole()
		if r != xaiv1.MessageRole_ROLE_SYSTEM && r != xaiv1.MessageRole_ROLE_DEVELOPER {
			continue
		}
		if seen {
			return invalid("%s: only one system or developer message is allowed per conversation", where(i))
		}
		if i != 0 {
			return invalid("%s: the system or developer message must be the first message of the conversation", where(i))
		}
		seen = true
	}
	return nil
}

// messageTokens counts the text tokens and image tokens of one message:
// 3 tokens of framing, its text parts, name, replayed reasoning, tool calls
// and inline text files; images by detail level.
func messageTokens(msg *xaiv1.Message) (text, images int) {
	text = 3 + countTokens(msg.GetName()) + countTokens(msg.GetReasoningContent())
	for _, c := range msg.GetContent() {
		switch v := c.GetContent().(type) {
		case *xaiv1.Content_Text:
			text += countTokens(v.Text)
		case *xaiv1.Content_ImageUrl:
			images += imageTokens(v.ImageUrl.GetDetail())
		case *xaiv1.Content_File:
			if d := v.File.GetData(); utf8.Valid(d) {
				text += countTokens(string(d))
			}
		}
	}
	text += toolCallTokens(msg.GetToolCalls())
	return text, images
}

// toolCallTokens counts the function names and arguments of tool calls.
func toolCallTokens(calls []*xaiv1.ToolCall) int {
	n := 0
	for _, tc := range calls {
		n += countTokens(tc.GetFunction().GetName()) + countTokens(tc.GetFunction().GetArguments())
	}
	return n
}
