package wirecontract

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// Register every generated file with protoregistry.GlobalFiles.
	_ "github.com/gogrok/sdk/gen/xai/api/v1"
	_ "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	_ "github.com/gogrok/sdk/gen/xai/api/v1/rag"
	_ "github.com/gogrok/sdk/gen/xai/api/v1/shared"
)

const contractPath = "testdata/xai-api-wire-contract.txt"

func readContract(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(contractPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func parse(t *testing.T, text string) Facts {
	t.Helper()
	facts, err := Parse(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse contract: %v", err)
	}
	return facts
}

// generated returns the descriptors of every generated file of the API.
func generated(t *testing.T) Facts {
	t.Helper()
	var files []protoreflect.FileDescriptor
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if strings.HasPrefix(fd.Path(), "xai/api/v1/") {
			files = append(files, fd)
		}
		return true
	})
	return Describe(files)
}

func count(facts Facts, prefix string) int {
	n := 0
	for key := range facts {
		if strings.HasPrefix(key, prefix) {
			n++
		}
	}
	return n
}

func TestContractCoversTheWholeAPI(t *testing.T) {
	want := parse(t, readContract(t))
	for _, c := range []struct {
		prefix string
		n      int
	}{
		{"file ", 16},
		{"message ", 155},
		{"service ", 12},
	} {
		if got := count(want, c.prefix); got != c.n {
			t.Errorf("contract has %d %q elements, want %d", got, strings.TrimSpace(c.prefix), c.n)
		}
	}
}

func TestGeneratedCodeMatchesContract(t *testing.T) {
	want := parse(t, readContract(t))
	got := generated(t)
	for _, d := range Diff(want, got) {
		t.Error(d)
	}
	if n := count(got, "message "); n != 155 {
		t.Errorf("generated code registers %d messages, want 155", n)
	}
}

// TestDiffReportsEachKindOfDrift mutates one element of the contract at a time
// and checks that the comparison with the generated code names it.
func TestDiffReportsEachKindOfDrift(t *testing.T) {
	text := readContract(t)
	got := generated(t)
	tests := []struct {
		name     string
		old, new string // a regexp on the contract and its replacement
		report   string // a key that the diff must mention
	}{
		{"field number", `(?m)^(\s+)22(\s+previous_response_id)`, "${1}32${2}", "field xai_api.GetCompletionsRequest.22"},
		{"field name", `(?m)^(\s+23\s+)store_messages`, "${1}store_message", "field xai_api.GetCompletionsRequest.23"},
		{"field type", `(?m)^(\s+14\s+temperature\s+optional )float`, "${1}double", "field xai_api.GetCompletionsRequest.14"},
		{"repeated label", `(?m)^(\s+12\s+stop\s+)repeated string`, "${1}string", "field xai_api.GetCompletionsRequest.12"},
		{"optional label", `(?m)^(\s+8\s+n\s+)optional int32`, "${1}int32", "field xai_api.GetCompletionsRequest.8"},
		{"oneof membership", `(?m)^(\s+2\s+image_url\s+)oneof content: `, "${1}", "field xai_api.Content.2"},
		{"map type", `(?m)^(\s+6\s+extra_headers\s+)map<string, string>`, "${1}map<string, int32>", "field xai_api.MCP.6"},
		{"enum value number", `(?m)^(\s+)3(\s+EFFORT_HIGH)`, "${1}7${2}", "value xai_api.ReasoningEffort.3"},
		{"enum value name", `(?m)^(\s+2\s+)DETAIL_LOW`, "${1}DETAIL_SMALL", "value xai_api.ImageDetail.2"},
		{"method path", `/xai_api\.Chat/GetStoredCompletion `, "/xai_api.Chat/GetStoredResponse ", "rpc /xai_api.Chat/GetStoredCompletion"},
		{"streaming kind", `\(stream xai_api\.GetChatCompletionChunk\)`, "(xai_api.GetChatCompletionChunk)", "rpc /xai_api.Chat/GetCompletionChunk"},
		{"reserved numbers", `(?m)^(  reserved numbers: )4$`, "${1}4, 5", "reserved xai_api.GetCompletionsRequest"},
		{"deprecated mark", `ROLE_FUNCTION  \[deprecated\]`, "ROLE_FUNCTION", "value xai_api.MessageRole.4"},
		{"file package", `(# file xai/api/v1/shared\.proto\s+package )shared`, "${1}common", "file xai/api/v1/shared.proto"},
		{"message name", `(?m)^message xai_api\.OutputFile$`, "message xai_api.OutputFiles", "message xai_api.OutputFile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re := regexp.MustCompile(tt.old)
			mutated := re.ReplaceAllString(text, tt.new)
			if mutated == text {
				t.Fatalf("mutation %q matched nothing in the contract", tt.old)
			}
			diff := Diff(parse(t, mutated), got)
			if len(diff) == 0 {
				t.Fatal("the mutated contract still matches the generated code")
			}
			if !strings.Contains(strings.Join(diff, "\n"), tt.report+":") {
				t.Errorf("diff does not name %q:\n%s", tt.report, strings.Join(diff, "\n"))
			}
		})
	}
}

func TestParseRejectsMalformedContract(t *testing.T) {
	for _, text := range []string{
		"message xai_api.Orphan\n",
		"# file a.proto  package p  imports: -\nmessage p.M\n    x  broken\n",
		"# file a.proto  package p  imports: -\n  reserved numbers: 4\n",
	} {
		if _, err := Parse(strings.NewReader(text)); err == nil {
			t.Errorf("Parse(%q) accepted a malformed contract", text)
		}
	}
}
