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
	if strings.Contains(out, FakeManagementKey) {
		t.Error("the management key was printed")
	}
}

// The fake client reaches Collections with the fake's management key, while
// the other services keep using the API key (the fake tells them apart).
func TestFakeCollections(t *testing.T) {
	t.Setenv(xai.APIKeyEnv, "")
	t.Setenv(xai.ManagementKeyEnv, "")
	if !HasManagementKey() {
		t.Fatal("HasManagementKey() = false with the fake")
	}
	var client *xai.Client
	capture(t, func() {
		var cleanup func()
		var err error
		client, cleanup, err = Client()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cleanup)
	})
	if client.ManagementConn() == nil {
		t.Fatal("the fake client has no management connection")
	}
	coll, err := client.Collections.Create(t.Context(), "connect-test")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for c, err := range client.Collections.List(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		if c.ID == coll.ID {
			n++
		}
	}
	if n != 1 {
		t.Errorf("collection %s listed %d times, want once", coll.ID, n)
	}
	if _, err := client.Models.ListLanguage(t.Context()); err != nil {
		t.Errorf("the API key no longer works for the other services: %v", err)
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

// With the real API, HasManagementKey follows XAI_MANAGEMENT_KEY.
func TestRealManagementKey(t *testing.T) {
	t.Setenv(xai.APIKeyEnv, "xai-not-a-real-key-0123456789")
	t.Setenv(xai.ManagementKeyEnv, "")
	if HasManagementKey() {
		t.Error("HasManagementKey() = true with the real API and no XAI_MANAGEMENT_KEY")
	}
	t.Setenv(xai.ManagementKeyEnv, "xai-not-a-real-management-key-0123")
	if !HasManagementKey() {
		t.Error("HasManagementKey() = false with XAI_MANAGEMENT_KEY set")
	}
}
