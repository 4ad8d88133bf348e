// Command auth shows what the API knows about the key the client uses: its
// redacted form, name, team, permissions and whether it may make calls.
// The key itself is never sent back, and this program never prints it.
//
// Run it from the root of the repository with
//
//	go run ./examples/auth
//
// With XAI_API_KEY set it talks to the real xAI API; without it, to a fake
// xAI server running inside the program, whose key is a test value.
package main

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/gogrok/sdk/examples/internal/connect"
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("auth: %v", err)
	}
}

func run(ctx context.Context) error {
	// In your own program: client, err := xai.NewClient()
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	// The client describes itself without its keys, whatever the format.
	fmt.Println("Client:       ", client)

	info, err := client.Auth.APIKeyInfo(ctx)
	if err != nil {
		return err // xai.IsUnauthenticated(err) when the key is wrong
	}
	// RedactedApiKey masks all but a few characters: safe to show or log.
	fmt.Println("Redacted key: ", info.GetRedactedApiKey())
	fmt.Println("Name:         ", info.GetName())
	fmt.Println("Key ID:       ", info.GetApiKeyId())
	fmt.Println("Team ID:      ", info.GetTeamId())
	if t := info.GetCreateTime(); t != nil {
		fmt.Println("Created:      ", t.AsTime().Format("2006-01-02 15:04 MST"))
	}
	fmt.Println("Permissions:  ", strings.Join(info.GetAcls(), ", "))

	// A key works only while neither it nor its team is blocked or
	// disabled.
	usable := !info.GetApiKeyBlocked() && !info.GetTeamBlocked() && !info.GetDisabled()
	fmt.Println("Can make calls:", usable)
	return nil
}
