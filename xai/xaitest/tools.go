package xaitest

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// The agent loop of server-side tools. A request with server-side tools
// that ends with a user turn is answered with the layout the service uses
// (issue 9; the official Python SDK's tests/server.py builds the same):
// for each tool, in the order of the request and at most max_turns of
// them, an assistant output with one completed call (and, for reasoning
// models, a sentence of reasoning), then a ROLE_TOOL
// output echoing the call with the tool's result as content, each with its
// own index; then the final answer, an assistant output with
// REASON_STOP. Everything is derived from the request, so unary, streamed
// and deferred calls agree.

// Limits of the emulated tools.
const (
	maxQueryRunes   = 200 // of the query the tools receive
	maxResultRunes  = 200 // of each search result's text
	searchResults   = 2   // results of a web or X search
	generatedPixels = 64  // side of a generated image
)

// imageEnvelopeType is the __type of the JSON envelope around a generated
// image (issue 9; official Python SDK chat.py: ImageGenerationOutput).
const imageEnvelopeType = "image_generation_result"

// imageEnvelope is the content of the ROLE_TOOL output of a completed image
// generation call.
type imageEnvelope struct {
	Type      string `json:"__type"`
	Result    string `json:"result"` // data:image/jpeg;base64,...
	ImageUUID string `json:"image_uuid"`
}

// source is something a tool consulted, cited in the response.
type source struct {
	url  string
	cite *xaiv1.InlineCitation // the kind of citation, without ID or span
}

// toolStep is one call of the loop and its result.
type toolStep struct {
	call    *xaiv1.ToolCall
	used    xaiv1.ServerSideTool
	result  string
	sources []source
}

// agentLoopRuns reports whether a request is answered by the agent loop:
// it has server-side tools, the tool choice neither forbids tools nor
// forces a function, and the conversation ends with a user turn (after a
// tool's result the model answers).
func agentLoopRuns(p *chatPlan) bool {
	if len(serverTools(p.req)) == 0 || forcedFunction(p) != "" || len(p.conv) == 0 {
		return false
	}
	if p.req.GetToolChoice().GetMode() == xaiv1.ToolMode_TOOL_MODE_NONE {
		return false
	}
	return p.conv[len(p.conv)-1].GetRole() == xaiv1.MessageRole_ROLE_USER
}

// runAgent runs the agent loop: one call per server-side tool, bounded by
// max_turns, then the final answer.
func (s *Server) runAgent(p *chatPlan) (*generation, error) {
	tools := serverTools(p.req)
	if p.req.MaxTurns != nil && int(p.req.GetMaxTurns()) < len(tools) {
		tools = tools[:p.req.GetMaxTurns()]
	}
	userText, _ := lastUserTurn(p.conv)
	query := capRunes(userText, maxQueryRunes)
	g := &generation{}
	var sources []source
	var names []string
	for k, t := range tools {
		failure, failed := s.takeToolFailure(toolCallType(t))
		step, err := s.runTool(p, t, query)
		if err != nil {
			return nil, err
		}
		call := step.call
		call.Id = toolCallID(p, call.GetFunction().GetName(), k)
		call.Type = toolCallType(t)
		if failed {
			call.Status = xaiv1.ToolCallStatus_TOOL_CALL_STATUS_FAILED
			call.ErrorMessage = &failure.Message
		}
		if call.GetStatus() == xaiv1.ToolCallStatus_TOOL_CALL_STATUS_FAILED {
			step.result, step.sources = failurePayload(t, call.GetErrorMessage()), nil
		}
		i := int32(2 * k)
		thought := "" // a reasoning model thinks before each call, too
		if defaultReasoning(p) != "" {
			thought = fmt.Sprintf("Calling %s will help with this.", call.GetFunction().GetName())
		}
		g.outs = append(g.outs,
			output{index: i, role: xaiv1.MessageRole_ROLE_ASSISTANT, reasoning: thought, toolCalls: []*xaiv1.ToolCall{call}},
			output{index: i + 1, role: xaiv1.MessageRole_ROLE_TOOL, toolCalls: cloneToolCalls([]*xaiv1.ToolCall{call}),
				content: step.result, chunks: []string{step.result}})
		g.toolsUsed = append(g.toolsUsed, step.used)
		for _, src := range step.sources {
			g.citations = append(g.citations, src.url)
		}
		sources = append(sources, step.sources...)
		names = append(names, call.GetFunction().GetName())
	}

	inline := slices.Contains(p.req.GetInclude(), xaiv1.IncludeOption_INCLUDE_OPTION_INLINE_CITATIONS)
	text := strings.TrimSuffix(defaultText(p.conv), FixedSentence)
	if len(names) > 0 {
		text += "I used " + strings.Join(names, ", ") + ". "
	}
	if inline && len(sources) > 0 {
		text += "Sources:"
		for i, src := range sources {
			text += fmt.Sprintf(" [[%d]](%s)", i+1, src.url)
		}
		text += ". "
	}
	final := defaultOutput(p, 0, text+FixedSentence)
	final.index = int32(2 * len(tools))
	if inline {
		final.citations = inlineCitations(final.content, sources)
	}
	g.outs = append(g.outs, final)
	return g, nil
}

// inlineCitations places the citation markers "[[n]](url)" found in
// content, with offsets in Unicode code points; markers cut away by a stop
// sequence, max_tokens or a response format are left out.
func inlineCitations(content string, sources []source) []*xaiv1.InlineCitation {
	var out []*xaiv1.InlineCitation
	from := 0
	for i, src := range sources {
		marker := fmt.Sprintf("[[%d]](%s)", i+1, src.url)
		k := strings.Index(content[from:], marker)
		if k < 0 {
			continue
		}
		start := from + k
		from = start + len(marker)
		c := cloneCitation(src.cite)
		c.Id = strconv.Itoa(i + 1)
		c.StartIndex = int32(utf8.RuneCountInString(content[:start]))
		c.EndIndex = c.StartIndex + int32(utf8.RuneCountInString(marker))
		out = append(out, c)
	}
	return out
}

// toolCallType is the type of the calls a server-side tool makes.
func toolCallType(t *xaiv1.Tool) xaiv1.ToolCallType {
	switch t.GetTool().(type) {
	case *xaiv1.Tool_WebSearch:
		return xaiv1.ToolCallType_TOOL_CALL_TYPE_WEB_SEARCH_TOOL
	case *xaiv1.Tool_XSearch:
		return xaiv1.ToolCallType_TOOL_CALL_TYPE_X_SEARCH_TOOL
	case *xaiv1.Tool_CodeExecution:
		return xaiv1.ToolCallType_TOOL_CALL_TYPE_CODE_EXECUTION_TOOL
	case *xaiv1.Tool_CollectionsSearch:
		return xaiv1.ToolCallType_TOOL_CALL_TYPE_COLLECTIONS_SEARCH_TOOL
	case *xaiv1.Tool_Mcp:
		return xaiv1.ToolCallType_TOOL_CALL_TYPE_MCP_TOOL
	case *xaiv1.Tool_AttachmentSearch:
		return xaiv1.ToolCallType_TOOL_CALL_TYPE_ATTACHMENT_SEARCH_TOOL
	case *xaiv1.Tool_ImageGeneration:
		return xaiv1.ToolCallType_TOOL_CALL_TYPE_IMAGE_GENERATION_TOOL
	}
	return xaiv1.ToolCallType_TOOL_CALL_TYPE_CLIENT_SIDE_TOOL
}

// failurePayload is the content of the ROLE_TOOL output of a failed call.
func failurePayload(t *xaiv1.Tool, msg string) string {
	v := map[string]string{"error": msg}
	if _, ok := t.GetTool().(*xaiv1.Tool_ImageGeneration); ok {
		v["__type"] = "image_generation_error"
	}
	return mustJSON(v)
}

// mustJSON encodes maps and slices of strings and numbers, which cannot
// fail.
func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// newCall makes a completed call of a function with JSON arguments.
func newCall(name string, args any) *xaiv1.ToolCall {
	return &xaiv1.ToolCall{
		Status: xaiv1.ToolCallStatus_TOOL_CALL_STATUS_COMPLETED,
		Tool:   &xaiv1.ToolCall_Function{Function: &xaiv1.FunctionCall{Name: name, Arguments: mustJSON(args)}},
	}
}

// runTool emulates one call of a server-side tool on query.
func (s *Server) runTool(p *chatPlan, t *xaiv1.Tool, query string) (*toolStep, error) {
	switch tool := t.GetTool().(type) {
	case *xaiv1.Tool_WebSearch:
		return webSearch(tool.WebSearch, query), nil
	case *xaiv1.Tool_XSearch:
		return xSearch(tool.XSearch, query), nil
	case *xaiv1.Tool_CodeExecution:
		return codeExecution(query), nil
	case *xaiv1.Tool_CollectionsSearch:
		return s.collectionsSearch(p.team, tool.CollectionsSearch, query)
	case *xaiv1.Tool_AttachmentSearch:
		return s.attachmentSearch(p, tool.AttachmentSearch, query), nil
	case *xaiv1.Tool_Mcp:
		return mcpCall(tool.Mcp, query), nil
	case *xaiv1.Tool_ImageGeneration:
		return imageGeneration(p, tool.ImageGeneration, query), nil
	}
	return nil, invalid("tool %T is not a server-side tool", t.GetTool())
}

// webSearch finds two pages per query, on the first allowed domain when
// the request names some.
func webSearch(ws *xaiv1.WebSearch, query string) *toolStep {
	domain := "www.xaitest.invalid"
	if len(ws.GetAllowedDomains()) > 0 {
		domain = ws.GetAllowedDomains()[0]
	}
	slug := stableUUID("web", query)[:8]
	step := &toolStep{call: newCall("web_search", map[string]string{"query": query}), used: xaiv1.ServerSideTool_SERVER_SIDE_TOOL_WEB_SEARCH}
	var b strings.Builder
	fmt.Fprintf(&b, "Web search results for %q:", query)
	for i := 1; i <= searchResults; i++ {
		url := fmt.Sprintf("https://%s/%s/%d", domain, slug, i)
		fmt.Fprintf(&b, "\n%d. Page %d about %q: %s", i, i, query, url)
		step.sources = append(step.sources, source{url: url, cite: &xaiv1.InlineCitation{
			Citation: &xaiv1.InlineCitation_WebCitation{WebCitation: &xaiv1.WebCitation{Url: url}}}})
	}
	step.result = b.String()
	return step
}

// xSearch finds two posts per query, by the first allowed handle when the
// request names some.
func xSearch(xs *xaiv1.XSearch, query string) *toolStep {
	handle := "xaitest"
	if len(xs.GetAllowedXHandles()) > 0 {
		handle = strings.TrimPrefix(xs.GetAllowedXHandles()[0], "@")
	}
	h := sha256.Sum256([]byte("x\x00" + query))
	base := binary.BigEndian.Uint64(h[:8]) % 1e18
	step := &toolStep{call: newCall("x_keyword_search", map[string]string{"query": query}), used: xaiv1.ServerSideTool_SERVER_SIDE_TOOL_X_SEARCH}
	var b strings.Builder
	fmt.Fprintf(&b, "X search results for %q:", query)
	for i := 1; i <= searchResults; i++ {
		url := fmt.Sprintf("https://x.com/%s/status/%d", handle, base+uint64(i))
		fmt.Fprintf(&b, "\n%d. @%s posted about %q: %s", i, handle, query, url)
		step.sources = append(step.sources, source{url: url, cite: &xaiv1.InlineCitation{
			Citation: &xaiv1.InlineCitation_XCitation{XCitation: &xaiv1.XCitation{Url: url}}}})
	}
	step.result = b.String()
	return step
}

// codeExecution "runs" a program that counts the words of the query, and
// returns what it would print.
func codeExecution(query string) *toolStep {
	code := fmt.Sprintf("text = %s\nprint(len(text.split()))", mustJSON(query))
	return &toolStep{
		call:   newCall("code_execution", map[string]string{"code": code}),
		used:   xaiv1.ServerSideTool_SERVER_SIDE_TOOL_CODE_EXECUTION,
		result: mustJSON(map[string]any{"stdout": fmt.Sprintf("%d\n", len(strings.Fields(query))), "stderr": "", "exit_code": 0}),
	}
}

// collectionsSearch searches the collections of team t as Documents.Search
// does; an unknown collection, or another team's, is NOT_FOUND.
func (s *Server) collectionsSearch(t team, cs *xaiv1.CollectionsSearch, query string) (*toolStep, error) {
	limit := defaultSearchLimit
	if cs.Limit != nil {
		limit = int(cs.GetLimit())
	}
	matches, err := s.rag.search(t, query, cs.GetCollectionIds(), limit)
	if err != nil {
		return nil, err
	}
	step := &toolStep{
		call: newCall("collections_search", map[string]any{"query": query, "collection_ids": cs.GetCollectionIds(), "limit": limit}),
		used: xaiv1.ServerSideTool_SERVER_SIDE_TOOL_COLLECTIONS_SEARCH,
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Collections search results for %q:", query)
	if len(matches) == 0 {
		b.WriteString("\nNo matching chunks.")
	}
	for i, m := range matches {
		fmt.Fprintf(&b, "\n%d. file %s, chunk %s, score %.2f: %s", i+1, m.GetFileId(), m.GetChunkId(), m.GetScore(),
			capRunes(m.GetChunkContent(), maxResultRunes))
		url := fmt.Sprintf("collections://%s/files/%s", m.GetCollectionIds()[0], m.GetFileId())
		step.sources = append(step.sources, source{url: url, cite: &xaiv1.InlineCitation{
			Citation: &xaiv1.InlineCitation_CollectionsCitation{CollectionsCitation: &xaiv1.CollectionsCitation{
				FileId: m.GetFileId(), ChunkId: m.GetChunkId(), ChunkContent: m.GetChunkContent(),
				Score: m.GetScore(), CollectionIds: m.GetCollectionIds(),
			}}}})
	}
	step.result = b.String()
	return step, nil
}

// attachmentSearch scores the UTF-8 files attached to the conversation
// (inline or uploaded; files given by URL are not fetched) by keyword
// overlap with the query, as collections are searched.
func (s *Server) attachmentSearch(p *chatPlan, as *xaiv1.AttachmentSearch, query string) *toolStep {
	limit := defaultSearchLimit
	if as.Limit != nil {
		limit = int(as.GetLimit())
	}
	type hit struct {
		name, text  string
		score       float64
		hits, order int
	}
	terms := slices.Compact(slices.Sorted(slices.Values(wordsOf(query))))
	var found []hit
	for _, m := range p.conv {
		for _, c := range m.GetContent() {
			f := c.GetFile()
			if f == nil {
				continue
			}
			data := f.GetData()
			if f.GetFileId() != "" {
				data, _ = s.fileData(p.team, f.GetFileId())
			}
			if !utf8.Valid(data) || len(terms) == 0 {
				continue
			}
			name := cmp.Or(f.GetFilename(), f.GetFileId(), fmt.Sprintf("attachment %d", len(found)+1))
			if score, hits := scoreChunk(terms, string(data)); hits > 0 {
				found = append(found, hit{name, string(data), score, hits, len(found)})
			}
		}
	}
	slices.SortFunc(found, func(a, b hit) int {
		return cmp.Or(-cmp.Compare(a.score, b.score), -cmp.Compare(a.hits, b.hits), cmp.Compare(a.order, b.order))
	})
	var b strings.Builder
	fmt.Fprintf(&b, "Attachment search results for %q:", query)
	if len(found) == 0 {
		b.WriteString("\nNo matching attachments.")
	}
	for i, h := range found[:min(limit, len(found))] {
		fmt.Fprintf(&b, "\n%d. %s, score %.2f: %s", i+1, h.name, h.score, capRunes(h.text, maxResultRunes))
	}
	return &toolStep{
		call:   newCall("attachment_search", map[string]string{"query": query}),
		used:   xaiv1.ServerSideTool_SERVER_SIDE_TOOL_ATTACHMENT_SEARCH,
		result: b.String(),
	}
}

// mcpCall stands for a call to a remote MCP server, which the fake never
// contacts: the first allowed tool (or "mcp_tool"), prefixed with the
// server label when there is one, answers with a fixed text.
func mcpCall(m *xaiv1.MCP, query string) *toolStep {
	name := "mcp_tool"
	if len(m.GetAllowedToolNames()) > 0 {
		name = m.GetAllowedToolNames()[0]
	}
	if m.GetServerLabel() != "" {
		name = m.GetServerLabel() + "." + name
	}
	return &toolStep{
		call:   newCall(name, map[string]string{"query": query}),
		used:   xaiv1.ServerSideTool_SERVER_SIDE_TOOL_MCP,
		result: fmt.Sprintf("The xaitest fake does not contact MCP servers: nothing was sent to %s.", m.GetServerUrl()),
	}
}

// imageGeneration draws a small JPEG for the query. It edits (function
// imagine_image_to_image) with action "edit", or when the action is unset
// or "auto" and the last user turn asks to edit; otherwise it generates
// (imagine_text_to_image). An edit starts from the latest image of the
// conversation: one the user sent, or one generated earlier and replayed
// as a ROLE_TOOL turn whose tool_call_id names its image generation call.
// Without such an image the edit fails.
func imageGeneration(p *chatPlan, ig *xaiv1.ImageGeneration, query string) *toolStep {
	userText, _ := lastUserTurn(p.conv)
	action := ig.GetAction()
	edit := action == "edit" || (action != "generate" && slices.Contains(wordsOf(userText), "edit"))
	step := &toolStep{used: xaiv1.ServerSideTool_SERVER_SIDE_TOOL_IMAGE_GENERATION}
	if !edit {
		step.call = newCall("imagine_text_to_image", map[string]string{"prompt": query})
		step.result = renderEnvelope("imagine_text_to_image", query, "")
		return step
	}
	src, uuid, ok := latestImage(p.conv)
	args := map[string]string{"prompt": query}
	if uuid != "" {
		args["image_uuid"] = uuid
	}
	step.call = newCall("imagine_image_to_image", args)
	if !ok {
		step.call.Status = xaiv1.ToolCallStatus_TOOL_CALL_STATUS_FAILED
		msg := "no image in the conversation to edit (a generated image is found again through the tool_call_id of its replayed tool turn)"
		step.call.ErrorMessage = &msg
		return step
	}
	step.result = renderEnvelope("imagine_image_to_image", query, src)
	return step
}

// renderEnvelope draws the image for a call and wraps it in the envelope.
func renderEnvelope(fn, prompt, src string) string {
	img := renderJPEG(sha256.Sum256([]byte(fn + "\x00" + prompt + "\x00" + src)))
	h := sha256.Sum256(img)
	return mustJSON(imageEnvelope{
		Type:      imageEnvelopeType,
		Result:    "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(img),
		ImageUUID: hex.EncodeToString(h[:6]),
	})
}

// parseEnvelope reads an image generation envelope.
func parseEnvelope(s string) (imageEnvelope, bool) {
	var env imageEnvelope
	if !strings.HasPrefix(strings.TrimSpace(s), "{") || json.Unmarshal([]byte(s), &env) != nil ||
		env.Type != imageEnvelopeType || !strings.HasPrefix(env.Result, "data:image/") {
		return imageEnvelope{}, false
	}
	return env, true
}

// latestImage returns the latest image of a conversation that an edit can
// start from, and its image UUID when it was generated.
func latestImage(conv []*xaiv1.Message) (src, uuid string, ok bool) {
	calls := map[string]*xaiv1.ToolCall{}
	for _, m := range conv {
		switch m.GetRole() {
		case xaiv1.MessageRole_ROLE_ASSISTANT:
			for _, tc := range m.GetToolCalls() {
				calls[tc.GetId()] = tc
			}
		case xaiv1.MessageRole_ROLE_TOOL:
			if m.ToolCallId == nil || calls[m.GetToolCallId()].GetType() != xaiv1.ToolCallType_TOOL_CALL_TYPE_IMAGE_GENERATION_TOOL {
				continue
			}
			text, _ := messageText(m)
			if env, found := parseEnvelope(text); found {
				src, uuid, ok = env.Result, env.ImageUUID, true
			}
		case xaiv1.MessageRole_ROLE_USER:
			for _, c := range m.GetContent() {
				if img := c.GetImageUrl(); img != nil {
					src, uuid, ok = cmp.Or(img.GetImageUrl(), img.GetFileId()), "", true
				}
			}
		}
	}
	return src, uuid, ok
}

// toolResultTokens counts a tool's result as prompt tokens: a generated
// image as an image at auto detail, anything else as text.
func toolResultTokens(content string) (text, images int) {
	if _, ok := parseEnvelope(content); ok {
		return 0, ImageTokensAuto
	}
	return countTokens(content), 0
}

// renderJPEG draws a generatedPixels-square image of diagonal bands in two
// colours taken from seed, encoded as a baseline JPEG.
func renderJPEG(seed [32]byte) []byte {
	n := generatedPixels
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	a := color.RGBA{seed[0], seed[1], seed[2], 255}
	b := color.RGBA{seed[3], seed[4], seed[5], 255}
	band := 4 + int(seed[6]%8)
	for y := range n {
		for x := range n {
			c := a
			if (x+y)/band%2 == 1 {
				c = b
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}) // writing to memory cannot fail
	return buf.Bytes()
}
