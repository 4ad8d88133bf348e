package connect

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/gogrok/sdk/xai"
)

// capture returns what f prints on standard output.
func capture(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	defer func() { os.Stdout = old }()
	f()
	w.Close()
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestFakeWithoutKey(t *testing.T) {
	t.Setenv(xai.APIKeyEnv, "")
	t.Setenv(xai.ManagementKeyEnv, "")
	if RealAPI() {
		t.Fatal("RealAPI() = true without a key")
	}
	var client *xai.Client
	out := capture(t, func() {
		var cleanup func()
		var err error
		client, cleanup, err = Client()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cleanup)
	})
	if want := "Using the in-process fake xAI server (XAI_API_KEY is not set).\n"; out != want {
		t.Errorf("printed %q, want %q", out, want)
	}
	resp, err := client.Chat.Create("grok-4").Append(xai.User("Hello")).Sample(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(resp.Content(), "Hello") {
		t.Errorf("unexpected reply %q", resp.Content())
	}
}

// With a key, Client makes a client for the real API; NewClient does no
// network I/O, so nothing is sent here.
func TestRealWithKey(t *testing.T) {
	const key = "xai-not-a-real-key-0123456789"
	t.Setenv(xai.APIKeyEnv, key)
	if !RealAPI() {
		t.Fatal("RealAPI() = false with a key")
	}
	out := capture(t, func() {
		client, cleanup, err := Client()
		if err != nil {
			t.Fatal(err)
		}
		defer cleanup()
		if s := client.String(); !strings.Contains(s, xai.DefaultEndpoint) {
			t.Errorf("client = %s, want endpoint %s", s, xai.DefaultEndpoint)
		}
	})
	if want := "Using the xAI API at api.x.ai:443.\n"; out != want {
		t.Errorf("printed %q, want %q", out, want)
	}
	if strings.Contains(out, key) {
		t.Error("the key was printed")
	}
}
