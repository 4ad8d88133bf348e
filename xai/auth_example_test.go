package xai_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gogrok/sdk/xai"
)

func ExampleAuthService_APIKeyInfo() {
	srv, opts := fake()
	defer srv.Close()
	client, err := xai.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	info, err := client.Auth.APIKeyInfo(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	usable := !info.GetApiKeyBlocked() && !info.GetTeamBlocked() && !info.GetDisabled()
	fmt.Println(info.GetName(), "usable:", usable)
	fmt.Println(info.GetAcls())
	// Output:
	// xaitest key 1 usable: true
	// [api-key:endpoint:* api-key:model:*]
}
