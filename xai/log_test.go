package xai

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// exerciseForLeaks makes successful, retried, failed and streamed calls
// with a debug logger writing to w, and prints the client and errors to w,
// so that callers can look for the key in everything written.
func exerciseForLeaks(t *testing.T, w io.Writer) {
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, c := newFake(t, true, WithLogger(logger), WithManagementKey(testKey+"-mgmt"))
	ctx := context.Background()
	chat := c.Chat.Create("grok-4").Append(User("hello"))
	if _, err := chat.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	srv.InjectFault(xaiv1.Chat_GetCompletion_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Times: 2, Message: "try later"})
	if _, err := chat.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	srv.InjectFault(xaiv1.Chat_GetCompletion_FullMethodName, xaitest.Fault{Code: codes.PermissionDenied, Message: "no"})
	_, err := chat.Sample(ctx)
	fmt.Fprintf(w, "error: %v | %+v | %#v\n", err, err, err)
	s, err := chat.Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := drain(s); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(w, "client: %v | %+v | %#v | %s | %v\n", c, c, c, c, *c)

	// The key sent over an insecure connection, and a rejected key.
	other, err := NewClient(WithAPIKey(testKey), WithoutEnv(), WithEndpoint(srv.Target()), WithDialOptions(srv.DialOptions()...), WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.Chat.Create("grok-4").Append(User("hi")).Sample(ctx)
	fmt.Fprintf(w, "insecure: %v\n", err)
	wrong, err := NewClient(WithAPIKey(testKey+"-wrong"), WithoutEnv(), WithEndpoint(srv.Target()), WithDialOptions(srv.DialOptions()...), WithInsecure(), WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	defer wrong.Close()
	_, err = wrong.Chat.Create("grok-4").Append(User("hi")).Sample(ctx)
	if !IsUnauthenticated(err) {
		t.Errorf("wrong key: %v, want UNAUTHENTICATED", err)
	}
	fmt.Fprintf(w, "wrong key: %v\n", err)
}

func TestLogsNeverHoldTheKey(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	exerciseForLeaks(t, &buf)
	out := buf.String()
	for _, want := range []string{"finished call", "grpc.method=GetCompletion", "retrying call", "grpc.code=Unavailable", "GetCompletionChunk", "PermissionDenied"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q", want)
		}
	}
	assertNoKey(t, "logs", out)
	if strings.Contains(out, "Bearer") {
		t.Error("logs contain the authorization header")
	}
}

func TestScrub(t *testing.T) {
	t.Parallel()
	keys := []secret{newSecret(testKey)}
	if got := scrub("grpc.error", fmt.Errorf("bad key %s", testKey), keys); got != "bad key "+redacted {
		t.Errorf("scrub(error) = %v", got)
	}
	if got := scrub("Authorization", "Bearer x", keys); got != redacted {
		t.Errorf("scrub(authorization) = %v", got)
	}
	if got := scrub("n", 3, keys); got != 3 {
		t.Errorf("scrub(3) = %v", got)
	}
}

// leakScenarioEnv makes TestLeakScenario run, in the child process of
// TestKeyNotInTestOutput.
const leakScenarioEnv = "XAI_TEST_LEAK_SCENARIO"

// TestLeakScenario writes logs, errors and clients to the test output. It
// only runs as the child of TestKeyNotInTestOutput, which reads that output.
func TestLeakScenario(t *testing.T) {
	if os.Getenv(leakScenarioEnv) != "1" {
		t.Skip("runs only as the child of TestKeyNotInTestOutput")
	}
	exerciseForLeaks(t, os.Stdout)
	var buf bytes.Buffer
	exerciseForLeaks(t, &buf)
	t.Log(buf.String())
}

func TestKeyNotInTestOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("re-runs the test binary")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLeakScenario$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), leakScenarioEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child test failed: %v\n%s", err, strings.ReplaceAll(string(out), testKey, "<KEY>"))
	}
	if !strings.Contains(string(out), "--- PASS: TestLeakScenario") || !strings.Contains(string(out), "finished call") {
		t.Fatalf("child test did not run the scenario:\n%s", strings.ReplaceAll(string(out), testKey, "<KEY>"))
	}
	assertNoKey(t, "test output", string(out))
}
