// Command errors shows how the SDK reports problems. Every error it returns
// is an *xai.Error carrying a gRPC status code, so a program can:
//
//   - get the details with errors.As(err, &xerr) (Code, Message, Details);
//   - read the code with status.Code(err), as for any gRPC error;
//   - ask common questions with helpers such as xai.IsInvalidArgument and
//     xai.IsNotFound.
//
// It shows invalid requests caught before anything is sent, a request the
// server rejects (a response ID that does not exist) and a cancelled call.
//
// Run it from the root of the repository with
//
//	go run ./examples/errors
//
// With XAI_API_KEY set it talks to the real xAI API; without it, to a fake
// xAI server running inside the program.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gogrok/sdk/examples/internal/connect"
	"github.com/gogrok/sdk/xai"
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("errors: %v", err)
	}
}

func run(ctx context.Context) error {
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	// 1. An invalid request: temperature must be between 0 and 2. Such
	// mistakes are found before anything is sent, and Chat.Err reports
	// them without even trying.
	fmt.Println("1. A bad option, caught before sending")
	chat := client.Chat.Create("grok-4", xai.WithTemperature(3)).Append(xai.User("Hello"))
	fmt.Println("   chat.Err():          ", chat.Err())
	_, err = chat.Sample(ctx)
	if err == nil {
		return errors.New("the invalid request was accepted")
	}
	var xerr *xai.Error
	if errors.As(err, &xerr) { // always true for errors from package xai
		fmt.Println("   errors.As -> Code:   ", xerr.Code)
		fmt.Println("   errors.As -> Message:", xerr.Message)
	}
	fmt.Println("   status.Code(err):    ", status.Code(err))
	fmt.Println("   IsInvalidArgument:   ", xai.IsInvalidArgument(err))
	if !xai.IsInvalidArgument(err) {
		return fmt.Errorf("expected InvalidArgument, got: %w", err)
	}

	// Another one: a system message must be the first message.
	fmt.Println("2. A misplaced system message, caught before sending")
	_, err = client.Chat.Create("grok-4").
		Append(xai.User("Hello"), xai.System("You are terse.")).
		Sample(ctx)
	fmt.Println("   error:               ", err)
	fmt.Println("   IsInvalidArgument:   ", xai.IsInvalidArgument(err))
	if !xai.IsInvalidArgument(err) {
		return fmt.Errorf("expected InvalidArgument, got: %v", err)
	}

	// 3. An error from the server: reading a stored response that does not
	// exist.
	fmt.Println("3. A request the server rejects")
	_, err = client.Chat.GetStoredCompletion(ctx, "00000000-0000-4000-8000-000000000000")
	switch {
	case err == nil:
		return errors.New("a response that does not exist was found")
	case xai.IsNotFound(err):
		fmt.Println("   IsNotFound:          ", true)
	default:
		fmt.Println("   error:               ", err)
	}
	fmt.Println("   status.Code(err):    ", status.Code(err))

	// 4. A cancelled call (here cancelled before it starts; the same
	// happens when a call is cancelled, or its deadline passes, mid-way).
	fmt.Println("4. A cancelled call")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = client.Chat.Create("grok-4").Append(xai.User("Hello")).Sample(cancelled)
	fmt.Println("   status.Code(err):    ", status.Code(err))
	if status.Code(err) != codes.Canceled {
		return fmt.Errorf("expected Canceled, got: %v", err)
	}
	return nil
}
