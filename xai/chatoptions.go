package xai

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"google.golang.org/protobuf/proto"
)

// ChatOption sets a field of the chat request, or, like
// [WithConversationID], something the chat keeps on the client side. Pass
// options to [ChatService.Create]. An option given an invalid value records an error on
// the chat, which Sample, Stream and Defer return before sending anything.
// When an option is given twice, the last one wins; [WithMessages] adds
// messages instead.
type ChatOption interface {
	applyChat(*xaiv1.GetCompletionsRequest) error
}

type chatOptionFunc func(*xaiv1.GetCompletionsRequest) error

func (f chatOptionFunc) applyChat(r *xaiv1.GetCompletionsRequest) error { return f(r) }

// Accepted ranges, from the API documentation.
const (
	minTemperature, maxTemperature = 0, 2
	minTopP, maxTopP               = 0, 1
	minPenalty, maxPenalty         = -2, 2
	maxTopLogprobs                 = 8
)

// WithMessages appends messages to the conversation, like [Chat.Append].
func WithMessages(turns ...Turn) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		msgs, err := collectTurns("WithMessages", turns)
		r.Messages = append(r.Messages, msgs...)
		return err
	})
}

// WithUser sets an opaque identifier of your end user, which helps xAI
// detect abuse. Do not put personal data in it. [WithImageUser] and
// [WithEmbedUser] set the same field of image and embedding requests.
func WithUser(id string) ChatOption { return endUser{"WithUser", id} }

// endUser is the end-user option of every request that has a user field
// (chat, image and embedding): one check, one field. name is the
// constructor, for errors.
type endUser struct{ name, id string }

// check rejects an ID that is not UTF-8, which protobuf would refuse
// while encoding the request (as INTERNAL, after the call was made).
func (u endUser) check() (string, error) {
	return u.id, checkUTF8(u.name+": user ID", u.id)
}

func (u endUser) applyChat(r *xaiv1.GetCompletionsRequest) (err error) {
	r.User, err = u.check()
	return err
}

func (u endUser) applyImage(c *imageConfig) (err error) {
	c.req.User, err = u.check()
	return err
}

func (u endUser) applyEmbed(c *embedConfig) (err error) {
	c.req.User, err = u.check()
	return err
}

// WithN asks for n independent completions (choices) instead of one; n must
// be at least 1. Each output of the response carries the index of its
// choice.
func WithN(n int) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) (err error) {
		r.N, err = int32In("WithN", "n", n, 1, math.MaxInt32)
		return err
	})
}

// WithMaxTokens caps the number of tokens generated; at least 1.
func WithMaxTokens(n int) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) (err error) {
		r.MaxTokens, err = int32In("WithMaxTokens", "max_tokens", n, 1, math.MaxInt32)
		return err
	})
}

// WithSeed sets the sampling seed, for best-effort repeatable output. It
// must fit in 32 bits.
func WithSeed(seed int) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) (err error) {
		r.Seed, err = int32In("WithSeed", "seed", seed, math.MinInt32, math.MaxInt32)
		return err
	})
}

// WithStop sets sequences that end generation when produced. Some reasoning
// models do not accept stop sequences.
func WithStop(sequences ...string) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		for i, s := range sequences {
			if s == "" {
				return invalidArgument("WithStop: stop sequence %d is empty; remove it", i)
			}
			if err := checkUTF8(fmt.Sprintf("WithStop: stop sequence %d", i), s); err != nil {
				return err
			}
		}
		r.Stop = append([]string(nil), sequences...)
		return nil
	})
}

// WithTemperature sets the sampling temperature, from 0 (focused) to 2
// (varied).
func WithTemperature(t float64) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) (err error) {
		r.Temperature, err = float32In("WithTemperature", "temperature", t, minTemperature, maxTemperature)
		return err
	})
}

// WithTopP sets nucleus sampling, from 0 to 1: only the tokens within this
// cumulative probability are considered.
func WithTopP(p float64) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) (err error) {
		r.TopP, err = float32In("WithTopP", "top_p", p, minTopP, maxTopP)
		return err
	})
}

// WithLogprobs asks for the log probability of each generated token and of
// the topN most likely alternatives at each position (0 to 8).
func WithLogprobs(topN int) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		n, err := int32In("WithLogprobs", "top_logprobs", topN, 0, maxTopLogprobs)
		if err != nil {
			return err
		}
		r.Logprobs, r.TopLogprobs = true, n
		return nil
	})
}

// WithFrequencyPenalty penalises tokens in proportion to how often they
// have appeared, from -2 to 2. Not all models accept it.
func WithFrequencyPenalty(p float64) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) (err error) {
		r.FrequencyPenalty, err = float32In("WithFrequencyPenalty", "frequency_penalty", p, minPenalty, maxPenalty)
		return err
	})
}

// WithPresencePenalty penalises every token that has appeared at least
// once, from -2 to 2. Not all models accept it.
func WithPresencePenalty(p float64) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) (err error) {
		r.PresencePenalty, err = float32In("WithPresencePenalty", "presence_penalty", p, minPenalty, maxPenalty)
		return err
	})
}

// ReasoningEffort is how much a reasoning model thinks before answering.
// Which levels a model accepts depends on the model.
type ReasoningEffort string

// Reasoning efforts, from none to extra high.
const (
	EffortNone   ReasoningEffort = "none"
	EffortLow    ReasoningEffort = "low"
	EffortMedium ReasoningEffort = "medium"
	EffortHigh   ReasoningEffort = "high"
	EffortXHigh  ReasoningEffort = "xhigh"
)

var reasoningEfforts = map[ReasoningEffort]xaiv1.ReasoningEffort{
	EffortNone:   xaiv1.ReasoningEffort_EFFORT_NONE,
	EffortLow:    xaiv1.ReasoningEffort_EFFORT_LOW,
	EffortMedium: xaiv1.ReasoningEffort_EFFORT_MEDIUM,
	EffortHigh:   xaiv1.ReasoningEffort_EFFORT_HIGH,
	EffortXHigh:  xaiv1.ReasoningEffort_EFFORT_XHIGH,
}

// WithReasoningEffort sets how much a reasoning model thinks before
// answering: [EffortLow], [EffortMedium], [EffortHigh], [EffortXHigh] or
// [EffortNone].
func WithReasoningEffort(e ReasoningEffort) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		pb, err := wireValue("WithReasoningEffort", "effort", reasoningEfforts, e, "xai.EffortNone, EffortLow, EffortMedium, EffortHigh or EffortXHigh")
		if err == nil {
			r.ReasoningEffort = &pb
		}
		return err
	})
}

// WithTools sets the tools the model may use, replacing any set before:
// functions you run ([FunctionTool]) and tools xAI runs ([WebSearch],
// [XSearch], [CodeExecution]...).
func WithTools(tools ...Tool) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		out := make([]*xaiv1.Tool, 0, len(tools))
		names := map[string]bool{}
		for i, t := range tools {
			if err := t.Err(); err != nil {
				return invalidArgument("WithTools: tool %d: %s", i, errMessage(err))
			}
			if t.Proto() == nil {
				return invalidArgument("WithTools: tool %d is an empty xai.Tool; build tools with FunctionTool, WebSearch and the like", i)
			}
			if fn := t.Proto().GetFunction(); fn != nil {
				if names[fn.GetName()] {
					return invalidArgument("WithTools: two function tools are named %q; give each a distinct name", fn.GetName())
				}
				names[fn.GetName()] = true
			}
			out = append(out, proto.CloneOf(t.Proto()))
		}
		r.Tools = out
		return nil
	})
}

// WithToolChoice sets whether the model may, must not, or must call tools:
// [ToolChoiceAuto], [ToolChoiceNone] or [ToolChoiceRequired].
func WithToolChoice(mode ToolMode) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		m, err := mode.proto()
		if err != nil {
			return invalidArgument("WithToolChoice: %s", errMessage(err))
		}
		r.ToolChoice = &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_Mode{Mode: m}}
		return nil
	})
}

// WithToolChoiceFunction makes the model call the function tool named name.
func WithToolChoiceFunction(name string) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		if strings.TrimSpace(name) == "" {
			return invalidArgument("WithToolChoiceFunction: the function name is empty; pass the name given to FunctionTool")
		}
		if err := checkUTF8("WithToolChoiceFunction: function name", name); err != nil {
			return err
		}
		r.ToolChoice = &xaiv1.ToolChoice{ToolChoice: &xaiv1.ToolChoice_FunctionName{FunctionName: name}}
		return nil
	})
}

// WithParallelToolCalls allows or forbids several function calls in one
// turn; the server allows them by default.
func WithParallelToolCalls(allow bool) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		r.ParallelToolCalls = &allow
		return nil
	})
}

// WithResponseFormat sets the shape of the reply from the raw message: for
// example FORMAT_TYPE_JSON_OBJECT for any JSON object. [WithJSONSchema] is
// the shortcut for a schema.
func WithResponseFormat(f *xaiv1.ResponseFormat) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		if err := checkResponseFormat("WithResponseFormat", f); err != nil {
			return err
		}
		r.ResponseFormat = proto.CloneOf(f)
		return nil
	})
}

// WithJSONSchema makes the model reply with JSON that follows schema, a
// JSON Schema object given as text. [JSONSchemaFor] derives one from a Go
// type; [Response.Decode] parses the reply.
func WithJSONSchema(schema string) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		f := &xaiv1.ResponseFormat{FormatType: xaiv1.FormatType_FORMAT_TYPE_JSON_SCHEMA, Schema: &schema}
		if err := checkResponseFormat("WithJSONSchema", f); err != nil {
			return err
		}
		r.ResponseFormat = f
		return nil
	})
}

func checkResponseFormat(option string, f *xaiv1.ResponseFormat) error {
	if f == nil {
		return invalidArgument("%s: the response format is nil", option)
	}
	switch f.GetFormatType() {
	case xaiv1.FormatType_FORMAT_TYPE_TEXT, xaiv1.FormatType_FORMAT_TYPE_JSON_OBJECT:
		if f.Schema != nil {
			return invalidArgument("%s: a schema is only used with FORMAT_TYPE_JSON_SCHEMA, not %s", option, f.GetFormatType())
		}
	case xaiv1.FormatType_FORMAT_TYPE_JSON_SCHEMA:
		if err := checkUTF8(option+": schema", f.GetSchema()); err != nil {
			return err
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(f.GetSchema()), &obj); err != nil || obj == nil {
			return invalidArgument("%s: the schema is not a JSON object; pass a JSON Schema such as {\"type\":\"object\",\"properties\":{...}}, or derive one with JSONSchemaFor", option)
		}
	default:
		return invalidArgument("%s: unknown format type %s; use FORMAT_TYPE_TEXT, FORMAT_TYPE_JSON_OBJECT or FORMAT_TYPE_JSON_SCHEMA", option, f.GetFormatType())
	}
	return nil
}

// WithSearchParameters sets Live Search, the older built-in search. Prefer
// the [WebSearch] and [XSearch] tools in new code.
func WithSearchParameters(p *xaiv1.SearchParameters) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		if p == nil {
			return invalidArgument("WithSearchParameters: the parameters are nil")
		}
		if _, ok := xaiv1.SearchMode_name[int32(p.GetMode())]; !ok || p.GetMode() == xaiv1.SearchMode_INVALID_SEARCH_MODE {
			return invalidArgument("WithSearchParameters: mode %s is not valid; use OFF_SEARCH_MODE, ON_SEARCH_MODE or AUTO_SEARCH_MODE", p.GetMode())
		}
		r.SearchParameters = proto.CloneOf(p)
		return nil
	})
}

// WithPreviousResponseID continues the stored conversation that ended with
// the response id: the server prepends its history, so only the new
// messages need to be appended.
//
// The response must itself have been stored: each turn that will be
// continued needs WithStoreMessages(true) on the chat that produced it,
// not only the first. A response that was not stored, was deleted or has
// expired (30 days) gives an error for which [IsNotFound] is true.
func WithPreviousResponseID(id string) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		if strings.TrimSpace(id) == "" {
			return invalidArgument("WithPreviousResponseID: the response ID is empty; pass Response.ID() of a stored response")
		}
		if err := checkUTF8("WithPreviousResponseID: response ID", id); err != nil {
			return err
		}
		r.PreviousResponseId = &id
		return nil
	})
}

// WithStoreMessages sets whether xAI stores the request and response (for
// 30 days) so that they can be read back, deleted or continued by ID. On
// the gRPC API nothing is stored unless it is set. Set it on every chat
// whose response you will continue with [WithPreviousResponseID], the
// continuing chats included: a chain breaks at the first turn that was not
// stored.
func WithStoreMessages(store bool) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error { r.StoreMessages = store; return nil })
}

// WithEncryptedContent asks for the model's reasoning as an encrypted blob,
// which [Chat.Append] carries back in later requests: the way to keep the
// reasoning context without storing messages on the server.
func WithEncryptedContent(use bool) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error { r.UseEncryptedContent = use; return nil })
}

// WithMaxTurns limits how many agentic rounds (model turns with server-side
// tool calls) may run before the answer; at least 1.
func WithMaxTurns(n int) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) (err error) {
		r.MaxTurns, err = int32In("WithMaxTurns", "max_turns", n, 1, math.MaxInt32)
		return err
	})
}

// Include names an optional piece of output to include in responses, for
// [WithInclude].
type Include string

// Optional outputs for [WithInclude].
const (
	IncludeWebSearchCallOutput         Include = "web_search_call_output"
	IncludeXSearchCallOutput           Include = "x_search_call_output"
	IncludeCodeExecutionCallOutput     Include = "code_execution_call_output"
	IncludeCollectionsSearchCallOutput Include = "collections_search_call_output"
	IncludeAttachmentSearchCallOutput  Include = "attachment_search_call_output"
	IncludeMCPCallOutput               Include = "mcp_call_output"
	IncludeInlineCitations             Include = "inline_citations"
	IncludeVerboseStreaming            Include = "verbose_streaming"
	IncludeCodeExecutionFiles          Include = "code_execution_files_output"
)

var includes = map[Include]xaiv1.IncludeOption{
	IncludeWebSearchCallOutput:         xaiv1.IncludeOption_INCLUDE_OPTION_WEB_SEARCH_CALL_OUTPUT,
	IncludeXSearchCallOutput:           xaiv1.IncludeOption_INCLUDE_OPTION_X_SEARCH_CALL_OUTPUT,
	IncludeCodeExecutionCallOutput:     xaiv1.IncludeOption_INCLUDE_OPTION_CODE_EXECUTION_CALL_OUTPUT,
	IncludeCollectionsSearchCallOutput: xaiv1.IncludeOption_INCLUDE_OPTION_COLLECTIONS_SEARCH_CALL_OUTPUT,
	IncludeAttachmentSearchCallOutput:  xaiv1.IncludeOption_INCLUDE_OPTION_ATTACHMENT_SEARCH_CALL_OUTPUT,
	IncludeMCPCallOutput:               xaiv1.IncludeOption_INCLUDE_OPTION_MCP_CALL_OUTPUT,
	IncludeInlineCitations:             xaiv1.IncludeOption_INCLUDE_OPTION_INLINE_CITATIONS,
	IncludeVerboseStreaming:            xaiv1.IncludeOption_INCLUDE_OPTION_VERBOSE_STREAMING,
	IncludeCodeExecutionFiles:          xaiv1.IncludeOption_INCLUDE_OPTION_CODE_EXECUTION_FILES_OUTPUT,
}

// WithInclude asks for optional outputs, such as [IncludeInlineCitations],
// replacing any asked for before.
func WithInclude(items ...Include) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		out := make([]xaiv1.IncludeOption, 0, len(items))
		for _, it := range items {
			pb, err := wireValue("WithInclude", "item", includes, it, "the xai.Include... constants")
			if err != nil {
				return err
			}
			out = append(out, pb)
		}
		r.Include = out
		return nil
	})
}

// WithAgentCount sets how many agents collaborate on the answer, for
// multi-agent models: 4 or 16.
func WithAgentCount(n int) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		var c xaiv1.AgentCount
		switch n {
		case 4:
			c = xaiv1.AgentCount_AGENT_COUNT_4
		case 16:
			c = xaiv1.AgentCount_AGENT_COUNT_16
		default:
			return invalidArgument("WithAgentCount(%d): the agent count must be 4 or 16", n)
		}
		r.AgentCount = &c
		return nil
	})
}

// ServiceTier is the processing tier asked for a request.
type ServiceTier string

// Service tiers.
const (
	// ServiceTierDefault is standard processing at regular prices.
	ServiceTierDefault ServiceTier = "default"
	// ServiceTierPriority is faster processing, which may cost more.
	ServiceTierPriority ServiceTier = "priority"
)

var serviceTiers = map[ServiceTier]xaiv1.ServiceTier{
	ServiceTierDefault:  xaiv1.ServiceTier_SERVICE_TIER_DEFAULT,
	ServiceTierPriority: xaiv1.ServiceTier_SERVICE_TIER_PRIORITY,
}

// WithServiceTier asks for a processing tier: [ServiceTierDefault] or
// [ServiceTierPriority].
func WithServiceTier(t ServiceTier) ChatOption {
	return chatOptionFunc(func(r *xaiv1.GetCompletionsRequest) error {
		pb, err := wireValue("WithServiceTier", "tier", serviceTiers, t, "xai.ServiceTierDefault or xai.ServiceTierPriority")
		if err == nil {
			r.ServiceTier = pb
		}
		return err
	})
}

// int32In checks lo <= v <= hi for a field that is an int32; option names
// the option (or the source of the value) in errors.
func int32In(option, what string, v, lo, hi int) (*int32, error) {
	if v < lo || v > hi {
		switch {
		case lo == math.MinInt32 && hi == math.MaxInt32:
			return nil, invalidArgument("%s: %s %d does not fit in 32 bits", option, what, v)
		case hi == math.MaxInt32:
			return nil, invalidArgument("%s: %s is %d; it must be at least %d and fit in 32 bits", option, what, v, lo)
		}
		return nil, invalidArgument("%s: %s is %d; it must be between %d and %d", option, what, v, lo, hi)
	}
	n := int32(v)
	return &n, nil
}

// float32In checks lo <= v <= hi for a field that is a float.
func float32In(option, what string, v, lo, hi float64) (*float32, error) {
	if math.IsNaN(v) || v < lo || v > hi {
		return nil, invalidArgument("%s: %s is %v; it must be between %v and %v", option, what, v, lo, hi)
	}
	f := float32(v)
	return &f, nil
}

// checkRanges checks the numeric and enum fields of a request that did not
// come from options, such as one restored from JSON; source names it in
// errors.
func checkRanges(source string, r *xaiv1.GetCompletionsRequest) error {
	checkInt := func(what string, v *int32, lo, hi int) error {
		if v == nil {
			return nil
		}
		_, err := int32In(source, what, int(*v), lo, hi)
		return err
	}
	checkFloat := func(what string, v *float32, lo, hi float64) error {
		if v == nil {
			return nil
		}
		_, err := float32In(source, what, float64(*v), lo, hi)
		return err
	}
	for _, err := range []error{
		checkInt("n", r.N, 1, math.MaxInt32),
		checkInt("max_tokens", r.MaxTokens, 1, math.MaxInt32),
		checkInt("top_logprobs", r.TopLogprobs, 0, maxTopLogprobs),
		checkInt("max_turns", r.MaxTurns, 1, math.MaxInt32),
		checkFloat("temperature", r.Temperature, minTemperature, maxTemperature),
		checkFloat("top_p", r.TopP, minTopP, maxTopP),
		checkFloat("frequency_penalty", r.FrequencyPenalty, minPenalty, maxPenalty),
		checkFloat("presence_penalty", r.PresencePenalty, minPenalty, maxPenalty),
	} {
		if err != nil {
			return err
		}
	}
	if r.ReasoningEffort != nil && (*r.ReasoningEffort == xaiv1.ReasoningEffort_INVALID_EFFORT || xaiv1.ReasoningEffort_name[int32(*r.ReasoningEffort)] == "") {
		return invalidArgument("%s: reasoning_effort %s is not valid", source, r.GetReasoningEffort())
	}
	if r.ResponseFormat != nil {
		if err := checkResponseFormat(source, r.ResponseFormat); err != nil {
			return err
		}
	}
	for _, o := range r.Include {
		if o == xaiv1.IncludeOption_INCLUDE_OPTION_INVALID || xaiv1.IncludeOption_name[int32(o)] == "" {
			return invalidArgument("%s: include option %s is not valid", source, o)
		}
	}
	return nil
}

// applyChat refuses call options among chat options: Create sends nothing.
// [SampleService] picks them out before applying chat options.
func (CallOptions) applyChat(*xaiv1.GetCompletionsRequest) error {
	return invalidArgument("xai.CallOptions is not a chat option: pass call options to Chat.Sample, Chat.Stream or Chat.Defer")
}
