package xai

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// More fuzz targets, for the builders and parsers of user input that
// fuzz_test.go does not cover: chat options, saved conversations, message
// and tool builders, metadata and retry policies. Their seed corpora run
// with `go test`; `make fuzz` explores each one for FUZZTIME.

// fuzzService is a ChatService that can check chats but never sends: its
// stub has no connection.
func fuzzService() *ChatService { return &ChatService{stub: xaiv1.NewChatClient(nil)} }

// createWith builds a chat with one option and returns its request and the
// error the option recorded.
func createWith(o ChatOption) (*xaiv1.GetCompletionsRequest, error) {
	c := fuzzService().Create("grok-4", o)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.req, errors.Join(c.errs...)
}

func FuzzChatOptions(f *testing.F) {
	type seed struct {
		temp, topP, freq, pres                   float64
		n, maxTokens, seed, topLogprobs, maxTurn int
		stop                                     string
	}
	for _, s := range []seed{
		{0.7, 0.9, 0, 0, 1, 100, 42, 0, 1, "END"},
		{0, 0, -2, 2, 128, 1, math.MinInt32, 8, 3, "\n\n"},
		{2, 1, 2, -2, math.MaxInt32, math.MaxInt32, math.MaxInt32, 5, math.MaxInt32, "x"},
		{2.0000001, 1.0000001, -2.0000001, 2.0000001, 0, 0, math.MaxInt32 + 1, 9, 0, ""},
		{-1e-300, -0.0, math.Inf(1), math.Inf(-1), -1, -1, math.MinInt32 - 1, -1, -5, "stop"},
		{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.MaxInt64, math.MinInt64, math.MaxInt64, math.MaxInt64, math.MinInt64, "\x00"},
		{1.9999999999999999, 0.99999999999999, 1e-45, -1e-45, 2, 2, 0, 0, 2, "ünï"},
		{math.SmallestNonzeroFloat64, 5e-324, math.MaxFloat64, -math.MaxFloat64, 1, 1, 1, 1, 1, "a"},
	} {
		f.Add(s.temp, s.topP, s.freq, s.pres, s.n, s.maxTokens, s.seed, s.topLogprobs, s.maxTurn, s.stop)
	}
	f.Fuzz(func(t *testing.T, temp, topP, freq, pres float64, n, maxTokens, seed, topLogprobs, maxTurns int, stop string) {
		var accepted []ChatOption
		checkFloat := func(name string, o ChatOption, v, lo, hi float64, field func(*xaiv1.GetCompletionsRequest) *float32) {
			req, err := createWith(o)
			inRange := !math.IsNaN(v) && v >= lo && v <= hi
			if !inRange {
				if err == nil {
					t.Fatalf("%s(%v) accepted a value outside [%v, %v]", name, v, lo, hi)
				}
				checkFuzzError(t, err, name)
				return
			}
			if err != nil {
				t.Fatalf("%s(%v) rejected a value in range: %v", name, v, err)
			}
			got := field(req)
			if got == nil || *got != float32(v) {
				t.Fatalf("%s(%v) set %v", name, v, got)
			}
			// What the SDK accepts, the API's range accepts too, after
			// the conversion to float32 that the wire format needs.
			if *got < float32(lo) || *got > float32(hi) {
				t.Fatalf("%s(%v) sends %v, outside [%v, %v]", name, v, *got, lo, hi)
			}
			accepted = append(accepted, o)
		}
		checkInt := func(name string, o ChatOption, v, lo, hi int, field func(*xaiv1.GetCompletionsRequest) int32) {
			req, err := createWith(o)
			if v < lo || v > hi {
				if err == nil {
					t.Fatalf("%s(%d) accepted a value outside [%d, %d]", name, v, lo, hi)
				}
				checkFuzzError(t, err, name)
				return
			}
			if err != nil {
				t.Fatalf("%s(%d) rejected a value in range: %v", name, v, err)
			}
			if got := field(req); int(got) != v {
				t.Fatalf("%s(%d) set %d", name, v, got)
			}
			accepted = append(accepted, o)
		}
		checkFloat("WithTemperature", WithTemperature(temp), temp, 0, 2, func(r *xaiv1.GetCompletionsRequest) *float32 { return r.Temperature })
		checkFloat("WithTopP", WithTopP(topP), topP, 0, 1, func(r *xaiv1.GetCompletionsRequest) *float32 { return r.TopP })
		checkFloat("WithFrequencyPenalty", WithFrequencyPenalty(freq), freq, -2, 2, func(r *xaiv1.GetCompletionsRequest) *float32 { return r.FrequencyPenalty })
		checkFloat("WithPresencePenalty", WithPresencePenalty(pres), pres, -2, 2, func(r *xaiv1.GetCompletionsRequest) *float32 { return r.PresencePenalty })
		checkInt("WithN", WithN(n), n, 1, math.MaxInt32, (*xaiv1.GetCompletionsRequest).GetN)
		checkInt("WithMaxTokens", WithMaxTokens(maxTokens), maxTokens, 1, math.MaxInt32, (*xaiv1.GetCompletionsRequest).GetMaxTokens)
		checkInt("WithSeed", WithSeed(seed), seed, math.MinInt32, math.MaxInt32, (*xaiv1.GetCompletionsRequest).GetSeed)
		checkInt("WithLogprobs", WithLogprobs(topLogprobs), topLogprobs, 0, 8, (*xaiv1.GetCompletionsRequest).GetTopLogprobs)
		checkInt("WithMaxTurns", WithMaxTurns(maxTurns), maxTurns, 1, math.MaxInt32, (*xaiv1.GetCompletionsRequest).GetMaxTurns)

		parts := strings.Split(stop, "|")
		req, err := createWith(WithStop(parts...))
		hasEmpty, badUTF8 := false, false
		for _, p := range parts {
			hasEmpty = hasEmpty || p == ""
			badUTF8 = badUTF8 || !utf8.ValidString(p)
		}
		switch {
		case hasEmpty && err == nil:
			t.Fatalf("WithStop(%q) accepted an empty sequence", parts)
		case badUTF8 && err == nil:
			t.Fatalf("WithStop(%q) accepted a sequence that is not UTF-8", parts)
		case hasEmpty || badUTF8:
			checkFuzzError(t, err, "WithStop")
		case err != nil:
			t.Fatalf("WithStop(%q): %v", parts, err)
		case strings.Join(req.GetStop(), "|") != stop:
			t.Fatalf("WithStop(%q) set %q", parts, req.GetStop())
		default:
			accepted = append(accepted, WithStop(parts...))
		}

		// The accepted options together can be sent (gRPC encodes the
		// request first, and fails the call with INTERNAL if it cannot),
		// saved and restored.
		svc := fuzzService()
		chat := svc.Create("grok-4", accepted...).Append(User("hi"))
		if err := chat.Err(); err != nil {
			t.Fatalf("accepted options make a chat with errors: %v", err)
		}
		if _, err := proto.Marshal(chat.Request()); err != nil {
			t.Fatalf("the accepted options cannot be encoded, so sending fails with INTERNAL: %v", err)
		}
		checkSaveRestore(t, svc, chat)
	})
}

// savedChatSeed returns what MarshalJSON writes for a chat built with opts.
func savedChatSeed(f *testing.F, opts []ChatOption, turns ...Turn) []byte {
	chat := fuzzService().Create("grok-4", opts...).Append(turns...)
	data, err := chat.MarshalJSON()
	if err != nil {
		f.Fatal(err)
	}
	return data
}

func FuzzRestore(f *testing.F) {
	resp := newResponse(&xaiv1.GetChatCompletionResponse{Id: "r1", Outputs: []*xaiv1.CompletionOutput{{
		Message: &xaiv1.CompletionMessage{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: "42", EncryptedContent: "blob=="},
	}}}, nil)
	f.Add(savedChatSeed(f, nil, User("hi")))
	f.Add(savedChatSeed(f, []ChatOption{
		WithTemperature(0.7), WithTopP(0.5), WithMaxTokens(10), WithN(2), WithLogprobs(3), WithSeed(-1),
		WithStop("END"), WithStoreMessages(true), WithEncryptedContent(true), WithPreviousResponseID("prev"),
		WithReasoningEffort(EffortHigh), WithInclude(IncludeInlineCitations), WithServiceTier(ServiceTierPriority),
		WithTools(WebSearch(), FunctionTool("f", "d", `{"type":"object"}`)), WithToolChoiceFunction("f"),
		WithJSONSchema(`{"type":"object"}`), WithAgentCount(4), WithMaxTurns(2), WithUser("u"),
	}, System("s"), User("q", ImageURL("https://example.com/a.png", DetailHigh)), resp, ToolResult("c1", "{}")))
	for _, s := range []string{
		`{"version":1,"request":{"model":"grok-4"}}`,
		`{"version":1,"request":{"model":"grok-4","temperature":"NaN"}}`,
		`{"version":1,"request":{"model":"grok-4","temperature":2.0000001}}`,
		`{"version":1,"request":{"model":"grok-4","topP":-0}}`,
		`{"version":1,"request":{"model":"grok-4","n":0}}`,
		`{"version":1,"request":{"model":"grok-4","reasoningEffort":99}}`,
		`{"version":1,"request":{"model":"grok-4","include":[0]}}`,
		`{"version":1,"request":{"model":"grok-4","responseFormat":{"formatType":"FORMAT_TYPE_JSON_SCHEMA","schema":"[]"}}}`,
		`{"version":1,"request":{"messages":[{"role":"ROLE_USER","content":[{"text":"x"}]}],"unknownField":1}}`,
		`{"version":1,"request":{"messages":[{"role":7,"content":[{}]}]}}`,
		`{"version":1,"request":null}`,
		`{"version":2,"request":{}}`,
		`{"version":"1","request":{}}`,
		`{"request":{}}`,
		`{"version":1}`,
		`[]`, `null`, `{`, ``, `{"version":1,"request":"x"}`,
		`{"version":1,"request":{"model":"\ud800"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		svc := fuzzService()
		chat, err := svc.Restore(data)
		if err != nil {
			var xerr *Error
			if !errors.As(err, &xerr) || xerr.Code != codes.InvalidArgument {
				t.Fatalf("error %v is not an InvalidArgument *xai.Error", err)
			}
			if !strings.HasPrefix(xerr.Message, "Restore: ") {
				t.Fatalf("error does not say it comes from Restore: %v", err)
			}
			return
		}
		req := chat.Request()
		if req == nil {
			t.Fatal("Restore returned a chat without a request")
		}
		// A restored chat passes the checks its options would have.
		if err := checkRanges("check", req); err != nil {
			t.Fatalf("Restore accepted what checkRanges rejects: %v", err)
		}
		// It can be checked, saved and restored again, unchanged.
		if err := chat.Err(); err != nil {
			var xerr *Error
			if !errors.As(err, &xerr) || xerr.Code != codes.InvalidArgument {
				t.Fatalf("Err of a restored chat: %v is not an InvalidArgument *xai.Error", err)
			}
		}
		checkSaveRestore(t, svc, chat)
	})
}

func FuzzMessageBuilders(f *testing.F) {
	f.Add(0, "hello", "", "file-1")
	f.Add(1, "", "call_1", "")
	f.Add(2, " ", "  ", " ")
	f.Add(3, "\x00\x7f", "\n", "f")
	f.Add(4, "tool output", "call_2", "file-2")
	f.Add(5, "", "", "")
	f.Fuzz(func(t *testing.T, kind int, text, id, fileID string) {
		var m Message
		var parts []Part
		var where string
		switch kind % 6 {
		case 0:
			m, where = System(text), "system"
		case 1:
			m, where = Developer(text), "developer"
		case 2:
			p := FileID(fileID)
			if strings.TrimSpace(fileID) == "" {
				checkFuzzError(t, p.Err(), "file ID")
			} else {
				parts = append(parts, p)
			}
			m, where = User(text, parts...), "user"
		case 3:
			m, where = Assistant(text, Text(fileID)), "assistant"
		case 4:
			m, where = ToolResult(id, text), "tool"
		default:
			m, where = User(text, Part{}), "user"
		}
		if err := m.Err(); err != nil {
			checkFuzzError(t, err, "")
			if m.Proto() != nil {
				t.Fatal("a message with an error has a proto")
			}
			if _, terr := m.turnMessages(); terr == nil {
				t.Fatal("a message with an error yields messages")
			}
			return
		}
		pb := m.Proto()
		if roleName(pb.GetRole()) != where {
			t.Fatalf("built a %s message, want %s", roleName(pb.GetRole()), where)
		}
		// What a builder accepts, the pre-send validation accepts, except
		// a message whose parts are all empty texts (Assistant("",
		// Text(""))): that one is reported before sending, by Chat.
		if err := validateMessages([]*xaiv1.Message{pb}); err != nil {
			for _, c := range pb.GetContent() {
				if c.GetText() != "" || c.GetContent() == nil {
					t.Fatalf("validation rejects a built %s message: %v", where, err)
				}
			}
			checkFuzzError(t, err, "is empty")
		}
		// And it can be sent: the protobuf encoding, which gRPC applies
		// before sending, accepts it.
		if _, err := proto.Marshal(pb); err != nil {
			t.Fatalf("a built %s message cannot be encoded, so sending it fails with INTERNAL: %v", where, err)
		}
		if text != "" && pb.GetContent()[0].GetText() != text {
			t.Fatalf("text %q became %q", text, pb.GetContent()[0].GetText())
		}
		if kind%6 == 4 && pb.GetToolCallId() != id {
			t.Fatalf("tool call ID %q became %q", id, pb.GetToolCallId())
		}
	})
}

func FuzzToolBuilders(f *testing.F) {
	f.Add("get_weather", "Weather", `{"type":"object","properties":{"city":{"type":"string"}}}`, "https://mcp.example.com/mcp", "X-Token")
	f.Add("", "", "", "", "")
	f.Add("a-b_c", "d", "null", "http://h", "bad header")
	f.Add(strings.Repeat("x", 65), "d", "[]", "ftp://h/x", "ok")
	f.Add("f", "d", `{"a":1} trailing`, "https://", "")
	f.Add("f", "d", ` {} `, "https://h:99999/x", "Ünï")
	f.Add("ünï", "d", `{"type":"object"`, "//h", "a:b")
	f.Fuzz(func(t *testing.T, name, desc, schema, url, header string) {
		tool := FunctionTool(name, desc, schema)
		var obj map[string]json.RawMessage
		// A schema must be a JSON object, and UTF-8 like every string
		// sent (encoding/json would accept other bytes).
		validSchema := json.Unmarshal([]byte(schema), &obj) == nil && obj != nil && utf8.ValidString(schema)
		validName := functionNameRE.MatchString(name)
		validDesc := utf8.ValidString(desc)
		if err := tool.Err(); err != nil {
			checkFuzzError(t, err, "")
			if validName && validSchema && validDesc {
				t.Fatalf("FunctionTool(%q, schema %q) rejected a valid tool: %v", name, schema, err)
			}
		} else {
			if !validName || !validSchema || !validDesc {
				t.Fatalf("FunctionTool(%q, %q, schema %q) accepted an invalid tool", name, desc, schema)
			}
			if _, err := proto.Marshal(tool.Proto()); err != nil {
				t.Fatalf("an accepted function tool cannot be encoded, so sending it fails with INTERNAL: %v", err)
			}
			fn := tool.Proto().GetFunction()
			if fn.GetName() != name || fn.GetDescription() != desc || fn.GetParameters() != schema {
				t.Fatalf("FunctionTool changed its input: %v", fn)
			}
			req, err := createWith(WithTools(tool, tool))
			if err == nil || len(req.GetTools()) != 0 {
				t.Fatal("WithTools accepted two functions with the same name")
			}
			if _, err := createWith(WithTools(tool)); err != nil {
				t.Fatalf("WithTools rejects a valid function: %v", err)
			}
		}
		// The response format's schema is checked like a tool's.
		req, err := createWith(WithJSONSchema(schema))
		if (err == nil) != validSchema {
			t.Fatalf("WithJSONSchema(%q): error %v, valid %v", schema, err, validSchema)
		}
		if err == nil && req.GetResponseFormat().GetSchema() != schema {
			t.Fatalf("WithJSONSchema changed the schema to %q", req.GetResponseFormat().GetSchema())
		}

		mcp := MCP(desc, url, WithMCPHeader(header, "v"))
		if err := mcp.Err(); err != nil {
			checkFuzzError(t, err, "MCP server")
			return
		}
		if _, err := proto.Marshal(mcp.Proto()); err != nil {
			t.Fatalf("an accepted MCP tool cannot be encoded, so sending it fails with INTERNAL: %v", err)
		}
		m := mcp.Proto().GetMcp()
		if strings.TrimSpace(m.GetServerLabel()) == "" || m.GetServerUrl() != url {
			t.Fatalf("MCP accepted label %q, URL %q", m.GetServerLabel(), m.GetServerUrl())
		}
		if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") &&
			!strings.HasPrefix(strings.ToLower(url), "http") {
			t.Fatalf("MCP accepted a URL that is not http or https: %q", url)
		}
		if !validHeaderName(header) {
			t.Fatalf("MCP accepted header name %q", header)
		}
	})
}

// grpcAcceptsPair reports whether gRPC sends the metadata pair, with the
// rules it applies to outgoing metadata before every call
// (google.golang.org/grpc/internal/metadata.ValidatePair): keys of
// lower-case letters, digits, '-', '_' and '.', not starting with "grpc-";
// values of printable ASCII unless the key ends in "-bin".
func grpcAcceptsPair(k, v string) bool {
	k = strings.ToLower(k)
	if k == "" || strings.HasPrefix(k, ":") {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	if strings.HasSuffix(k, "-bin") {
		return true
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

func FuzzMetadata(f *testing.F) {
	f.Add("x-team", "search")
	f.Add("X-Env", "prod")
	f.Add("authorization", "Bearer x")
	f.Add("Grpc-Timeout", "1S")
	f.Add("", "v")
	f.Add("x team", "v")
	f.Add("x-trace-bin", "\x00\xff")
	f.Add("k", "printable ASCII ~!@#$%^&*()")
	f.Fuzz(func(t *testing.T, key, value string) {
		err := checkMetadata("WithMetadata", []string{key, value})
		if err != nil {
			checkFuzzError(t, err, "WithMetadata")
			return
		}
		lk := strings.ToLower(key)
		if lk == "authorization" || strings.HasPrefix(lk, "grpc-") {
			t.Fatalf("WithMetadata accepted the reserved key %q", key)
		}
		// Metadata accepted when the client is built must not make every
		// call fail later with INTERNAL.
		if !grpcAcceptsPair(key, value) {
			t.Fatalf("WithMetadata accepts %q: %q, which gRPC refuses to send (every call would fail with INTERNAL)", key, value)
		}
	})
}

func FuzzRetryPolicy(f *testing.F) {
	f.Add(5, int64(100*time.Millisecond), int64(time.Second), 2.0, uint32(codes.Unavailable), 3)
	f.Add(0, int64(0), int64(0), 0.0, uint32(0), 1)
	f.Add(1, int64(1), int64(1), 1.0, uint32(codes.ResourceExhausted), 1)
	f.Add(-1, int64(-1), int64(-1), -1.0, uint32(codes.Canceled), 0)
	f.Add(40, int64(time.Second), int64(math.MaxInt64), 2.0, uint32(codes.Unavailable), 39)
	f.Add(3, int64(time.Second), int64(time.Millisecond), math.Inf(1), uint32(99), 2)
	f.Add(3, int64(time.Second), int64(time.Minute), math.NaN(), uint32(codes.Internal), 2)
	f.Fuzz(func(t *testing.T, attempts int, initial, maxBackoff int64, mult float64, code uint32, attempt int) {
		p := RetryPolicy{MaxAttempts: attempts, InitialBackoff: time.Duration(initial), MaxBackoff: time.Duration(maxBackoff),
			Multiplier: mult, Codes: []codes.Code{codes.Code(code)}}
		if code == math.MaxUint32 {
			p.Codes = nil
		}
		rp, err := p.resolve("WithRetryPolicy")
		if err != nil {
			checkFuzzError(t, err, "WithRetryPolicy")
			return
		}
		switch {
		case rp.MaxAttempts < 1, rp.InitialBackoff <= 0, rp.MaxBackoff < rp.InitialBackoff,
			rp.Multiplier < 1, math.IsInf(rp.Multiplier, 0), math.IsNaN(rp.Multiplier), len(rp.Codes) == 0:
			t.Fatalf("resolve accepted %+v as %+v", p, rp)
		}
		for _, c := range rp.Codes {
			if c == codes.OK || c == codes.Canceled || c == codes.InvalidArgument || c > codes.Unauthenticated {
				t.Fatalf("resolve accepted code %v", c)
			}
		}
		// The wait before a retry stays within [0, MaxBackoff], whatever
		// the attempt: jitter is the identity here, so the bound itself
		// is checked.
		r := &retryer{jitter: func(d time.Duration) time.Duration { return d }}
		attempt = 1 + (attempt%rp.MaxAttempts+rp.MaxAttempts)%rp.MaxAttempts
		wait, ok := r.backoff(t.Context(), rp, attempt, statusErr(rp.Codes[0], "x"), nil)
		if attempt >= rp.MaxAttempts {
			if ok {
				t.Fatalf("attempt %d of %d is retried", attempt, rp.MaxAttempts)
			}
			return
		}
		if !ok {
			t.Fatalf("attempt %d of %d with a retried code is not retried", attempt, rp.MaxAttempts)
		}
		if wait < 0 || wait > rp.MaxBackoff {
			t.Fatalf("policy %+v waits %v before retry %d, outside [0, %v]", rp, wait, attempt, rp.MaxBackoff)
		}
	})
}
