package xaiotel

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/internal/completion"
)

// requestAttributes returns the model and the attributes of a generative
// request, and with content its messages as gen_ai.input.messages JSON.
func requestAttributes(m any, content bool) (model string, attrs []attribute.KeyValue, input string) {
	var msgs []message
	switch r := m.(type) {
	case *xaiv1.GetCompletionsRequest:
		model = r.GetModel()
		attrs = sampling(attrs, r.N, r.MaxTokens, r.Seed, r.Stop, r.Temperature, r.TopP, r.FrequencyPenalty, r.PresencePenalty)
		if r.ReasoningEffort != nil {
			attrs = append(attrs, keyReasoningEffort.String(lowerName(r.GetReasoningEffort().String(), "EFFORT_")))
		}
		if id := r.GetPreviousResponseId(); id != "" {
			attrs = append(attrs, keyPreviousResponseID.String(id))
		}
		switch r.GetResponseFormat().GetFormatType() {
		case xaiv1.FormatType_FORMAT_TYPE_JSON_OBJECT, xaiv1.FormatType_FORMAT_TYPE_JSON_SCHEMA:
			attrs = append(attrs, keyOutputType.String("json"))
		case xaiv1.FormatType_FORMAT_TYPE_TEXT:
			attrs = append(attrs, keyOutputType.String("text"))
		}
		if content {
			for _, pm := range r.GetMessages() {
				msgs = append(msgs, inputMessage(pm))
			}
		}
	case *xaiv1.SampleTextRequest:
		model = r.GetModel()
		attrs = sampling(attrs, r.N, r.MaxTokens, r.Seed, r.Stop, r.Temperature, r.TopP, r.FrequencyPenalty, r.PresencePenalty)
		if content {
			for _, p := range r.GetPrompt() {
				msgs = append(msgs, message{Role: "user", Parts: []part{textPart(p)}})
			}
		}
	case *xaiv1.EmbedRequest:
		model = r.GetModel()
		if f := r.GetEncodingFormat(); f != xaiv1.EmbedEncodingFormat_FORMAT_INVALID {
			attrs = append(attrs, keyEncodingFormats.StringSlice([]string{lowerName(f.String(), "FORMAT_")}))
		}
	case *xaiv1.GenerateImageRequest:
		model = r.GetModel()
		attrs = append(attrs, keyOutputType.String("image"))
		if r.N != nil {
			attrs = append(attrs, keyChoiceCount.Int(int(r.GetN())))
		}
		if content {
			parts := []part{textPart(r.GetPrompt())}
			for _, img := range append([]*xaiv1.ImageUrlContent{r.GetImage()}, r.GetImages()...) {
				if img != nil {
					parts = append(parts, imagePart(img))
				}
			}
			msgs = append(msgs, message{Role: "user", Parts: parts})
		}
	}
	if model != "" {
		attrs = append(attrs, keyRequestModel.String(model))
	}
	if len(msgs) > 0 {
		input = marshal(msgs)
	}
	return model, attrs, input
}

// sampling appends the sampling parameters that are set.
func sampling(attrs []attribute.KeyValue, n, maxTokens, seed *int32, stop []string, temperature, topP, freq, presence *float32) []attribute.KeyValue {
	if n != nil {
		attrs = append(attrs, keyChoiceCount.Int(int(*n)))
	}
	if maxTokens != nil {
		attrs = append(attrs, keyMaxTokens.Int(int(*maxTokens)))
	}
	if seed != nil {
		attrs = append(attrs, keySeed.Int(int(*seed)))
	}
	if len(stop) > 0 {
		attrs = append(attrs, keyStopSequences.StringSlice(stop))
	}
	for _, f := range []struct {
		k attribute.Key
		v *float32
	}{{keyTemperature, temperature}, {keyTopP, topP}, {keyFrequencyPenalty, freq}, {keyPresencePenalty, presence}} {
		if f.v != nil {
			attrs = append(attrs, f.k.Float64(roundFloat32(*f.v)))
		}
	}
	return attrs
}

// roundFloat32 widens f to the float64 with the shortest decimal form that
// reads back as f, so that 0.7 is recorded as 0.7, not 0.699999988079071.
func roundFloat32(f float32) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	if err != nil {
		return float64(f)
	}
	return v
}

// result gathers the response of a call: one message, or the chunks of a
// stream.
type result struct {
	messages    int // messages received
	id, model   string
	fingerprint string
	usage       *xaiv1.SamplingUsage
	requestID   string // StartDeferredCompletion
	outputs     []*output
	// Streamed chat chunks and sample pieces are assembled by the SDK's
	// one accumulator, and read as one response when the call ends.
	chunks  *completion.Accumulator
	samples *completion.SampleAccumulator
}

// output is one choice of a response.
type output struct {
	index     int32
	finish    xaiv1.FinishReason
	role      xaiv1.MessageRole
	content   strings.Builder // with content capture only
	reasoning strings.Builder
	toolCalls []*xaiv1.ToolCall
	parts     []part // images
}

func (r *result) output(index int32) *output {
	for _, o := range r.outputs {
		if o.index == index {
			return o
		}
	}
	o := &output{index: index}
	r.outputs = append(r.outputs, o)
	return o
}

func (r *result) head(id, model, fingerprint string, usage *xaiv1.SamplingUsage) {
	if id != "" {
		r.id = id
	}
	if model != "" {
		r.model = model
	}
	if fingerprint != "" {
		r.fingerprint = fingerprint
	}
	if usage != nil {
		r.usage = usage
	}
}

// assemble reads the assembled stream, if any, as one response.
func (r *result) assemble(content bool) {
	if r.chunks != nil {
		r.add(r.chunks.Response(), content)
		r.chunks = nil
	}
	if r.samples != nil {
		v := r.samples.Response()
		r.samples = nil
		r.head(v.GetId(), v.GetModel(), v.GetSystemFingerprint(), v.GetUsage())
		for _, ch := range v.GetChoices() {
			o := r.output(ch.GetIndex())
			o.finish = ch.GetFinishReason()
			if content {
				o.content.WriteString(ch.GetText())
			}
		}
	}
}

// add adds a response message, or a chunk of a streamed one.
func (r *result) add(m any, content bool) {
	switch v := m.(type) {
	case *xaiv1.GetChatCompletionResponse:
		r.head(v.GetId(), v.GetModel(), v.GetSystemFingerprint(), v.GetUsage())
		for _, co := range v.GetOutputs() {
			o := r.output(co.GetIndex())
			o.finish = co.GetFinishReason()
			if content {
				msg := co.GetMessage()
				o.role = msg.GetRole()
				o.content.WriteString(msg.GetContent())
				o.reasoning.WriteString(msg.GetReasoningContent())
				o.toolCalls = append(o.toolCalls, msg.GetToolCalls()...)
			}
		}
	case *xaiv1.GetChatCompletionChunk:
		if r.chunks == nil {
			r.chunks = new(completion.Accumulator)
		}
		r.chunks.Add(v)
	case *xaiv1.SampleTextResponse:
		if r.samples == nil {
			r.samples = new(completion.SampleAccumulator)
		}
		r.samples.Add(v)
	case *xaiv1.EmbedResponse:
		r.head(v.GetId(), v.GetModel(), v.GetSystemFingerprint(), nil)
	case *xaiv1.ImageResponse:
		r.head("", v.GetModel(), "", v.GetUsage())
		if content {
			for i, img := range v.GetImages() {
				if u := img.GetUrl(); u != "" {
					o := r.output(int32(i))
					o.parts = append(o.parts, part{"type": "uri", "modality": "image", "uri": u})
				}
			}
		}
	case *xaiv1.StartDeferredResponse:
		r.requestID = v.GetRequestId()
	}
}

// record sets the attributes of the result, already assembled, on span.
func (r *result) record(span trace.Span, c *call) {
	attrs := make([]attribute.KeyValue, 0, 12)
	if r.id != "" {
		attrs = append(attrs, keyResponseID.String(r.id))
	}
	if r.model != "" {
		attrs = append(attrs, keyResponseModel.String(r.model))
	}
	if r.fingerprint != "" {
		attrs = append(attrs, keySystemFingerprint.String(r.fingerprint))
	}
	if r.requestID != "" {
		attrs = append(attrs, keyDeferredRequestID.String(r.requestID))
	}
	slices.SortFunc(r.outputs, func(a, b *output) int { return cmp.Compare(a.index, b.index) })
	var reasons []string
	for _, o := range r.outputs {
		if o.finish != xaiv1.FinishReason_REASON_INVALID {
			reasons = append(reasons, finishReason(o.finish))
		}
	}
	if len(reasons) > 0 {
		attrs = append(attrs, keyFinishReasons.StringSlice(reasons))
	}
	if u := r.usage; u != nil {
		attrs = append(attrs,
			keyInputTokens.Int64(int64(u.GetPromptTokens())),
			keyOutputTokens.Int64(int64(u.GetCompletionTokens())+int64(u.GetReasoningTokens())),
			keyReasoningTokens.Int64(int64(u.GetReasoningTokens())),
			keyCacheReadTokens.Int64(int64(u.GetCachedPromptTextTokens())),
		)
		if n := u.GetPromptImageTokens(); n > 0 {
			attrs = append(attrs, keyImageInputTokens.Int64(int64(n)))
		}
		if u.CostInUsdTicks != nil {
			attrs = append(attrs, keyCostTicks.Int64(u.GetCostInUsdTicks()))
		}
		if n := u.GetNumSourcesUsed(); n > 0 {
			attrs = append(attrs, keySourcesUsed.Int64(int64(n)))
		}
	}
	if c.content && len(r.outputs) > 0 {
		msgs := make([]message, 0, len(r.outputs))
		for _, o := range r.outputs {
			msgs = append(msgs, o.message(c.op))
		}
		attrs = append(attrs, keyOutputMessages.String(marshal(msgs)))
	}
	span.SetAttributes(attrs...)
}

// message is a message in the conventions' JSON format.
type message struct {
	Role         string `json:"role"`
	Parts        []part `json:"parts"`
	Name         string `json:"name,omitempty"`
	FinishReason string `json:"finish_reason,omitempty"`
}

// part is a message part: {"type": "text", "content": "..."} and the like.
type part map[string]any

func textPart(s string) part { return part{"type": "text", "content": s} }

func (o *output) message(op string) message {
	m := message{Role: "assistant", Parts: []part{}}
	if r := roleName(o.role); r != "" && o.role != xaiv1.MessageRole_INVALID_ROLE {
		m.Role = r
	}
	if s := o.reasoning.String(); s != "" {
		m.Parts = append(m.Parts, part{"type": "reasoning", "content": s})
	}
	if s := o.content.String(); s != "" || (len(o.toolCalls) == 0 && len(o.parts) == 0 && op != operationGenerateImage) {
		m.Parts = append(m.Parts, textPart(s))
	}
	for _, tc := range o.toolCalls {
		m.Parts = append(m.Parts, toolCallPart(tc))
	}
	m.Parts = append(m.Parts, o.parts...)
	if o.finish != xaiv1.FinishReason_REASON_INVALID {
		m.FinishReason = finishReason(o.finish)
		if o.finish == xaiv1.FinishReason_REASON_TOOL_CALLS {
			m.FinishReason = "tool_call" // the output message schema's name
		}
	}
	return m
}

// inputMessage converts a request message. Encrypted content is left out.
func inputMessage(pm *xaiv1.Message) message {
	m := message{Role: roleName(pm.GetRole()), Parts: []part{}, Name: pm.GetName()}
	if s := pm.GetReasoningContent(); s != "" {
		m.Parts = append(m.Parts, part{"type": "reasoning", "content": s})
	}
	for _, c := range pm.GetContent() {
		switch v := c.GetContent().(type) {
		case *xaiv1.Content_Text:
			if pm.GetRole() == xaiv1.MessageRole_ROLE_TOOL {
				m.Parts = append(m.Parts, part{"type": "tool_call_response", "id": pm.GetToolCallId(), "response": v.Text})
			} else {
				m.Parts = append(m.Parts, textPart(v.Text))
			}
		case *xaiv1.Content_ImageUrl:
			m.Parts = append(m.Parts, imagePart(v.ImageUrl))
		case *xaiv1.Content_File:
			m.Parts = append(m.Parts, filePart(v.File))
		}
	}
	for _, tc := range pm.GetToolCalls() {
		m.Parts = append(m.Parts, toolCallPart(tc))
	}
	return m
}

// imagePart describes an input image by its URL or file ID; inline data is
// left out.
func imagePart(img *xaiv1.ImageUrlContent) part {
	switch {
	case img.GetFileId() != "":
		return part{"type": "file", "modality": "image", "file_id": img.GetFileId()}
	case strings.HasPrefix(img.GetImageUrl(), "data:"):
		p := part{"type": "blob", "modality": "image"}
		if mime, _, ok := strings.Cut(strings.TrimPrefix(img.GetImageUrl(), "data:"), ";"); ok && mime != "" {
			p["mime_type"] = mime
		}
		return p // without "content": the image data is not recorded
	default:
		return part{"type": "uri", "modality": "image", "uri": img.GetImageUrl()}
	}
}

// filePart describes a file by its ID or URL; inline data is left out.
func filePart(f *xaiv1.FileContent) part {
	p := part{"type": "file"}
	switch {
	case f.GetFileId() != "":
		p["file_id"] = f.GetFileId()
	case f.GetUrl() != "":
		p = part{"type": "uri", "uri": f.GetUrl()}
	}
	if f.GetMimeType() != "" {
		p["mime_type"] = f.GetMimeType()
	}
	return p
}

func toolCallPart(tc *xaiv1.ToolCall) part {
	p := part{"type": "tool_call", "id": tc.GetId(), "name": tc.GetFunction().GetName()}
	if args := tc.GetFunction().GetArguments(); args != "" {
		if json.Valid([]byte(args)) {
			p["arguments"] = json.RawMessage(args)
		} else {
			p["arguments"] = args
		}
	}
	return p
}

// roleName returns the conventions' role: user, assistant, system, tool, or
// developer (the enum's name in lower case; the conventions call a function
// result a tool message).
func roleName(r xaiv1.MessageRole) string {
	if r == xaiv1.MessageRole_ROLE_FUNCTION {
		return "tool"
	}
	return lowerName(r.String(), "ROLE_")
}

// finishReason names a finish reason: "length" for REASON_MAX_LEN as in the
// conventions, else the enum name in lower case without its prefix (stop,
// tool_calls, max_context, time_limit).
func finishReason(r xaiv1.FinishReason) string {
	if r == xaiv1.FinishReason_REASON_MAX_LEN {
		return "length"
	}
	return lowerName(r.String(), "REASON_")
}

func lowerName(name, prefix string) string {
	return strings.ToLower(strings.TrimPrefix(name, prefix))
}

func marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
