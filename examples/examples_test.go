package examples_test

import (
	"bytes"
	"cmp"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gogrok/sdk/examples/internal/connect"
	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaitest"
)

// fakeFirstLine is what every example prints first without XAI_API_KEY.
const fakeFirstLine = "Using the in-process fake xAI server (XAI_API_KEY is not set)."

// notAKey is the API key of the runs that must send nothing.
const notAKey = "xai-not-a-real-key-for-the-examples-test"

// run is one run of an example program and what its output must contain,
// in order, after the first line.
type run struct {
	name string   // subtest name
	dir  string   // the example's directory, and binary name
	args []string // command-line arguments
	want []string // substrings expected in order
	// env is added to the environment of the run; secrets lists values
	// from it that must not appear in the output.
	env, secrets []string
	// first is the expected first line; fakeFirstLine when empty.
	first string
	// check, if set, inspects the whole standard output further.
	check func(t *testing.T, stdout string)
}

// TestExamples builds every example once and runs it against the
// in-process fake server (XAI_API_KEY and XAI_MANAGEMENT_KEY removed from
// its environment, so nothing leaves the process): each must exit with
// status 0, say on its first line that it uses the fake, print what it is
// meant to show, write nothing on standard error and never show a key.
// One more run gives collections an API key without a management key, for
// which it must stop before sending anything.
func TestExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every example; skipped with -short")
	}
	pngPath := filepath.Join(t.TempDir(), "pixel.png")
	writePNG(t, pngPath)

	runs := []run{
		{name: "responses", dir: "responses", want: []string{
			"Step 1/7: create a stored response", "response ID: ", "content: ",
			"Step 2/7: continue it on the server with WithPreviousResponseID", "messages sent: 1", "cached",
			"Step 3/7: continue a conversation locally, with encrypted reasoning", "encrypted reasoning: ", "carried back: 3 messages",
			"Step 4/7: ask about an image", "images sent: 1", "I received 1 image", "image tokens: ",
			"Step 5/7: retrieve the stored response with GetStoredCompletion", "response ID: ",
			"Step 6/7: delete it with DeleteStoredCompletion", "deleted: ",
			"Step 7/7: check that it is gone", "GetStoredCompletion: NotFound, as expected: the response is gone",
		}, check: checkResponses},
		{name: "chat", dir: "chat", want: []string{
			"Answer:", `You said: "What is the capital of France?"`, "Model:     grok-4-0709", "Finish:    REASON_STOP",
			"Follow-up:", `You said: "And what is its population, roughly?"`,
		}},
		{name: "stream", dir: "stream", want: []string{
			"Streaming: You said:", "Chunks:", "Content:   You said:", "Finish:    REASON_STOP", "Usage:",
		}},
		{name: "deferred", dir: "deferred", want: []string{
			"Defer:   You said:", "Started: ", "Ready after ", "polls: You said:",
		}},
		{name: "tools", dir: "tools", want: []string{
			"Finish reason: REASON_TOOL_CALLS", "Tool call:     get_weather({", "Tool result:   {", `"temperature":18`,
			"Final answer:  Tool result received:",
		}},
		{name: "agent", dir: "agent", want: []string{
			"1. Web search", "tool call:   web_search(", "tool output: ", "citations:   2 sources, 2 inline",
			"billed:      1 × SERVER_SIDE_TOOL_WEB_SEARCH",
			"2. Image generation", "imagine_text_to_image: ", "-byte image/jpeg, written to ",
			"3. Image edit", "imagine_image_to_image: ",
		}},
		{name: "structured", dir: "structured", want: []string{
			`Schema: {"type":"object"`, "Recipe: ", "(serves ", "  - ", "  1. ",
		}},
		{name: "conversation", dir: "conversation", want: []string{
			"Clue:", "Saved:", "bytes of JSON", "Restored:  grok-4, 2 messages, encrypted content true", "Continued: You said:",
		}, check: checkConversation},
		{name: "image", dir: "image", want: []string{
			"Image:    a ", "-byte PNG drawn in memory", "I received 1 image", "of which 256 for the image",
		}},
		{name: "image_file", dir: "image", args: []string{pngPath}, want: []string{
			"Image:    " + pngPath, "I received 1 image", "of which 1792 for the image",
		}},
		{name: "errors", dir: "errors", want: []string{
			"1. A bad option, caught before sending", "errors.As -> Code:    InvalidArgument",
			"status.Code(err):     InvalidArgument", "IsInvalidArgument:    true",
			"2. A misplaced system message, caught before sending", "IsInvalidArgument:    true",
			"3. A request the server rejects", "IsNotFound:           true",
			"4. A cancelled call", "status.Code(err):     Canceled",
		}},
		{name: "models", dir: "models", want: []string{
			"Language models (18):", "grok-4-0709", "256000-token context, $3.00 in / $15.00 out per million tokens",
			"Embedding models (1):", "v1", "Image generation models (4):", "grok-2-image-1212", "$0.070 per image",
			`GetLanguage("grok-4"):`, "name:      grok-4-0709", "aliases:   grok-4, grok-4-latest", "input:     [TEXT IMAGE]",
		}},
		{name: "auth", dir: "auth", want: []string{
			"Client:        xai.Client{", "api_key: [REDACTED]", "Redacted key:  xa***ey", "Name:          xaitest key 1",
			"Key ID:        ", "Permissions:   api-key:endpoint:*", "Can make calls: true",
		}},
		{name: "tokenize", dir: "tokenize", want: []string{
			`Text:   "Gophers dig 42 tunnels, don't they?"`, "Tokens:", `"Gophers"`, `" 42"`, `"?"`,
			"Count:  10 tokens for 35 bytes of text",
		}, check: checkTokenize},
		{name: "embed", dir: "embed", want: []string{
			"Model:      v1", "Vector 1:   256 dimensions", "Vector 2:   256 dimensions", "Embedded:   2 texts", "Similarity: ",
		}, check: checkEmbed},
		{name: "imagegen", dir: "imagegen", want: []string{
			"Model:    grok-2-image-1212", "Cost:     $0.0700", "Base64:   ", "Decoded:  ", "a 64x64 png image", "Saved:    ",
		}, check: checkImagegen},
		{name: "sample", dir: "sample", want: []string{
			"Text:       and so the text goes on after", "Model:     grok-3", "Finish:    REASON_STOP", "Usage:     7 prompt + ",
			"Streaming: The three rules of tunnel digging are and so the text goes on after", "Chunks:", "finish REASON_STOP",
		}},
		{name: "files", dir: "files", want: []string{
			"1. Upload 1998 bytes", "progress:   512 / 1998 bytes", "progress:  1998 / 1998 bytes",
			`uploaded: file_`, `"gopher-notes.md", 1998 bytes, expires `,
			"2. List the newest files", "gopher-notes.md            1998 bytes  <- just uploaded",
			"3. Download it into a buffer", "downloaded 1998 bytes, identical to the upload: true",
			"4. Ask about it in a chat", `answer: You said: "In one sentence, what are these notes about?"`,
			"5. Delete it", "Get after Delete: NotFound, as expected",
		}},
		{name: "collections", dir: "collections", want: []string{
			"Uploaded file:       file_", "Created collection:  collection_",
			"Indexed document:    gopher-facts.md, DOCUMENT_STATUS_PROCESSED, 3 chunks",
			`Search "How deep do gophers dig?": 3 matches`, "1. score 0.60  # Gopher facts Pocket gophers dig tunnels",
			"Documents:", "gopher-facts.md  461 bytes  text/markdown  DOCUMENT_STATUS_PROCESSED",
			"Deleted collection:  collection_", "Deleted file:        file_",
		}},
		{name: "video", dir: "video", want: []string{
			"Prompt:     A gopher surfing a wave at sunset", "Started:    ", "Progress:   50%, still being made",
			"Progress:   100%, ready", "URL:        https://vidgen.xaitest.invalid/", ".mp4", "Duration:   5s",
			"Model:      grok-imagine-video", "Moderation: passed", "Cost:       $0.25",
		}},
		{name: "batch", dir: "batch", want: []string{
			"Created batch: batch_", "Added 2 chats: france, japan", "Progress: 2 of 2 requests pending",
			`france  You said: "What is the capital of France?"`, `japan   You said: "What is the capital of Japan?"`,
			"Progress: 0 of 2 requests pending", "Done: 2 succeeded, 0 failed, 0 cancelled, cost $",
		}},
		{name: "tracing", dir: "tracing", want: []string{
			`Answer: You said: "What is the capital of France?"`, "Tokens: ", "Lookup of a missing response: NotFound, as expected",
			"Spans recorded: 4",
			`"chat grok-4"  kind client, status Unset, child of answer-question`, "gen_ai.operation.name = chat",
			"gen_ai.request.model = grok-4", "gen_ai.request.temperature = 0.3", "gen_ai.response.model = grok-4-0709",
			`gen_ai.response.finish_reasons = ["stop"]`, "gen_ai.usage.input_tokens = ", "rpc.method = GetCompletion",
			`"xai_api.Tokenize/TokenizeText"  kind client, status Unset, child of answer-question`,
			`"xai_api.Chat/GetStoredCompletion"  kind client, status Error, child of answer-question`,
			"rpc.grpc.status_code = 5", "error.type = NOT_FOUND",
			`"answer-question"  kind internal`,
		}},
		// With an API key but no management key the example must stop
		// before calling anything. The proxy, which refuses connections,
		// keeps even a faulty example from reaching api.x.ai.
		{
			name: "collections_no_management_key", dir: "collections",
			env: []string{
				xai.APIKeyEnv + "=" + notAKey,
				"HTTPS_PROXY=http://127.0.0.1:1", "https_proxy=http://127.0.0.1:1", "NO_PROXY=", "no_proxy=",
			},
			secrets: []string{notAKey},
			first:   "Using the xAI API at api.x.ai:443.",
			want:    []string{"This example needs a management key for Collections: set XAI_MANAGEMENT_KEY (nothing was sent)."},
		},
	}

	// Every example directory has a run, and every run an example.
	dirs := exampleDirs(t)
	for _, r := range runs {
		if !slices.Contains(dirs, r.dir) {
			t.Fatalf("no example %q (examples found: %v)", r.dir, dirs)
		}
	}
	for _, d := range dirs {
		if !slices.ContainsFunc(runs, func(r run) bool { return r.dir == d }) {
			t.Errorf("example %q is not run by this test; add it to runs", d)
		}
	}

	bin := buildAll(t, dirs)
	env := fakeEnv()
	if raceEnabled {
		// A program built with -race waits a second before exiting, for
		// late reports; the examples have ended every goroutine by then.
		env = append(env, "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, filepath.Join(bin, r.dir), r.args...)
			cmd.Dir = t.TempDir()
			// Files an example leaves in the temporary directory (imagegen
			// does) go to the run's own directory, removed after the test.
			cmd.Env = append(slices.Clone(env), "TMPDIR="+cmd.Dir)
			cmd.Env = append(cmd.Env, r.env...)
			cmd.WaitDelay = 5 * time.Second
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", r.dir, err, stdout.String(), stderr.String())
			}
			out := stdout.String()
			if stderr.Len() > 0 {
				t.Errorf("unexpected standard error:\n%s", stderr.String())
			}
			first, rest, _ := strings.Cut(out, "\n")
			wantFirst := cmp.Or(r.first, fakeFirstLine)
			if first != wantFirst {
				t.Fatalf("first line = %q, want %q\noutput:\n%s", first, wantFirst, out)
			}
			for _, key := range append([]string{xaitest.DefaultAPIKey, connect.FakeManagementKey}, r.secrets...) {
				if strings.Contains(out, key) {
					t.Errorf("the output shows the key %q:\n%s", key, out)
				}
			}
			pos := 0
			for _, w := range r.want {
				i := strings.Index(rest[pos:], w)
				if i < 0 {
					t.Fatalf("missing %q (in order) in the output:\n%s", w, out)
				}
				pos += i + len(w)
			}
			if r.check != nil {
				r.check(t, out)
			}
		})
	}
}

// checkResponses checks the figures of the walkthrough: the continued
// response reports cached prompt tokens, the local one carries encrypted
// reasoning, and steps 1 and 5 show the same stored response.
func checkResponses(t *testing.T, out string) {
	t.Helper()
	m := regexp.MustCompile(`(\d+) prompt tokens, of which (\d+) cached`).FindStringSubmatch(out)
	if m == nil || atoi(t, m[2]) == 0 || atoi(t, m[2]) >= atoi(t, m[1]) {
		t.Errorf("step 2 should report some, not all, prompt tokens as cached; got %q", m)
	}
	if m := regexp.MustCompile(`encrypted reasoning: (\d+) bytes`).FindStringSubmatch(out); m == nil || atoi(t, m[1]) == 0 {
		t.Errorf("step 3 shows no encrypted reasoning: %q", m)
	}
	ids := regexp.MustCompile(`response ID: (\S+)`).FindAllStringSubmatch(out, -1)
	if len(ids) != 2 || ids[0][1] != ids[1][1] {
		t.Errorf("steps 1 and 5 should show the same response ID: %q", ids)
	}
	if !strings.Contains(out, "deleted: "+ids[0][1]) {
		t.Errorf("step 6 should delete %s", ids[0][1])
	}
}

// checkConversation checks that the restored conversation carried encrypted
// reasoning, which the fake counts as cached prompt tokens.
func checkConversation(t *testing.T, out string) {
	t.Helper()
	if m := regexp.MustCompile(`carries (\d+) bytes of encrypted reasoning`).FindStringSubmatch(out); m == nil || atoi(t, m[1]) == 0 {
		t.Errorf("the restored chat carries no encrypted reasoning: %q", m)
	}
	if m := regexp.MustCompile(`of which (\d+) cached`).FindStringSubmatch(out); m == nil || atoi(t, m[1]) == 0 {
		t.Errorf("the continued chat reports no cached (restored) tokens: %q", m)
	}
}

// checkTokenize checks that the count matches the tokens listed.
func checkTokenize(t *testing.T, out string) {
	t.Helper()
	listed := len(regexp.MustCompile(`(?m)^ +\d+  id \d+`).FindAllString(out, -1))
	m := regexp.MustCompile(`Count:  (\d+) tokens`).FindStringSubmatch(out)
	if m == nil || atoi(t, m[1]) != listed || listed == 0 {
		t.Errorf("%d tokens listed, count %q", listed, m)
	}
}

// checkEmbed checks that the similarity is a cosine.
func checkEmbed(t *testing.T, out string) {
	t.Helper()
	m := regexp.MustCompile(`Similarity: (-?\d+\.\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("no similarity")
	}
	if f, err := strconv.ParseFloat(m[1], 64); err != nil || f < -1 || f > 1 {
		t.Errorf("similarity %s is not a cosine (%v)", m[1], err)
	}
}

// checkImagegen checks that the file saved holds the decoded PNG image, of
// the size reported.
func checkImagegen(t *testing.T, out string) {
	t.Helper()
	decoded := regexp.MustCompile(`Decoded:  (\d+) bytes`).FindStringSubmatch(out)
	saved := regexp.MustCompile(`Saved:    (.+) \((\d+) bytes\)`).FindStringSubmatch(out)
	if decoded == nil || saved == nil {
		t.Fatalf("no decoded or saved size: %q, %q", decoded, saved)
	}
	data, err := os.ReadFile(saved[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != atoi(t, saved[2]) || len(data) != atoi(t, decoded[1]) {
		t.Errorf("the file holds %d bytes; the output says %s decoded, %s saved", len(data), decoded[1], saved[2])
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		t.Errorf("the saved file is not a PNG image: %v", err)
	}
}

// exampleDirs lists the directories holding an example program.
func exampleDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(e.Name(), "main.go")); err == nil {
				dirs = append(dirs, e.Name())
			}
		}
	}
	return dirs
}

// buildAll builds every example with one go build into a temporary
// directory and returns it. Under -race the examples are built with the
// race detector too, reusing the packages the test run has compiled.
func buildAll(t *testing.T, dirs []string) string {
	t.Helper()
	goTool, err := exec.LookPath("go") // go test puts its own go first in PATH
	if err != nil {
		t.Fatalf("the go command is needed to build the examples: %v", err)
	}
	bin := t.TempDir()
	// -w leaves out debug information, which the runs do not need and
	// which takes a good part of the link time.
	args := []string{"build", "-ldflags=-w", "-o", bin + string(filepath.Separator)}
	if raceEnabled {
		args = append(args, "-race")
	}
	for _, d := range dirs {
		args = append(args, "./"+d)
	}
	cmd := exec.Command(goTool, args...)
	cmd.Env = fakeEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
}

// fakeEnv returns the test's environment without the xAI keys, so that the
// examples use the in-process fake server, and without GORACE, which the
// caller sets.
func fakeEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return name == xai.APIKeyEnv || name == xai.ManagementKeyEnv || name == "GORACE"
	})
}

// writePNG writes a one-pixel PNG image to path.
func writePNG(t *testing.T, path string) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
