package xaitest_test

import (
	"context"
	"fmt"
	"log"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// A test starts the fake in one line, talks to it through Conn (which
// already carries the API key), and scripts or inspects it as needed.
func Example() {
	srv, err := xaitest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	chat := xaiv1.NewChatClient(srv.Conn())
	resp, err := chat.GetCompletion(context.Background(), &xaiv1.GetCompletionsRequest{
		Model: "grok-3",
		Messages: []*xaiv1.Message{{
			Role:    xaiv1.MessageRole_ROLE_USER,
			Content: []*xaiv1.Content{{Content: &xaiv1.Content_Text{Text: "Hello"}}},
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.GetOutputs()[0].GetMessage().GetContent())

	srv.EnqueueReply(xaitest.Reply{Content: "Scripted answer."})
	resp, err = chat.GetCompletion(context.Background(), &xaiv1.GetCompletionsRequest{
		Model: "grok-3",
		Messages: []*xaiv1.Message{{
			Role:    xaiv1.MessageRole_ROLE_USER,
			Content: []*xaiv1.Content{{Content: &xaiv1.Content_Text{Text: "Anything"}}},
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.GetOutputs()[0].GetMessage().GetContent())
	fmt.Println(len(srv.Requests()), "requests received")
	// Output:
	// You said: "Hello". This is a deterministic reply from the xaitest fake server.
	// Scripted answer.
	// 2 requests received
}
