// Command wrongfake serves the xAI Chat and Files services wrong on purpose,
// one fault at a time, so that `scripts/polyglot --selftest` (make
// polyglot-selftest) can show that the examples in examples/polyglot notice
// a server that misbehaves. It forwards every Chat call, and the Files calls
// the examples make (UploadFile, ListFiles, RetrieveFile,
// RetrieveFileContent, DeleteFile), to an in-memory xaitest server and
// breaks the one behaviour that -fault names.
//
// Usage:
//
//	wrongfake -fault NAME [-addr 127.0.0.1:0]
//	wrongfake -list
//
// Like cmd/xaifake it prints one line once it listens,
//
//	wrongfake listening on 127.0.0.1:40123 (fault: keep-deleted)
//
// speaks plaintext gRPC, checks `authorization: Bearer xai-test-key` (the
// in-memory server does) and stops on SIGINT or SIGTERM. It also forwards
// the methods of the fake's control service that the examples use (Reset,
// EnqueueReply, InjectFault), whose key is controlKey. -list prints each
// fault with the start of the name of the example check that must fail
// because of it, or "-" for a shape the examples must accept.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"slices"
	"syscall"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	controlv1 "github.com/gogrok/sdk/gen/xaitest/control/v1"
	"github.com/gogrok/sdk/xai/xaitest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// faults lists every fault: its name, what it breaks, and the check of the
// examples that must fail because of it ("-": none may fail).
var faults = []struct{ name, breaks, check string }{
	{"ignore-previous-response", "drops previous_response_id, so the stored history is not used", "continuation"},
	{"reasoning-in-clear", "ignores use_encrypted_content: reasoning comes back readable, nothing sealed", "encrypted reasoning: use_encrypted_content"},
	{"drop-encrypted-content", "throws away the encrypted reasoning that requests carry back", "encrypted reasoning: carried back"},
	{"ignore-images", "removes image parts from requests before answering", "image"},
	{"store-nothing", "ignores store_messages: nothing can be read back", "get"},
	{"keep-deleted", "answers DeleteStoredCompletion without deleting", "NOT_FOUND"},
	{"stream-lose-chunk", "leaves out one chunk of content from streams", "stream"},
	{"stream-text-as-user", "sends the streamed text on deltas of ROLE_USER", "stream"},
	{"accept-invalid", "answers requests the service rejects with INVALID_ARGUMENT", "INVALID_ARGUMENT"},
	{"no-auth", "answers calls without an API key", "UNAUTHENTICATED"},
	// Issue 16, finding 5: a client whose key is lost on client streams
	// only; the examples must see such an upload refused.
	{"upload-no-auth", "answers the client-streaming Files.UploadFile without an API key, checking it on every other call", "UNAUTHENTICATED: an upload"},
	{"upload-lose-chunk", "leaves out the second data message of uploads", "files: upload"},
	{"ignore-scripted-reply", "answers EnqueueReply of the control service without queueing the reply", "control: scripted reply"},
	{"ignore-injected-fault", "answers InjectFault of the control service without injecting the fault", "control: injected fault"},
	// Not a fault: a delta without a role continues the role last seen at
	// its output index (official Python SDK, chat.py), so the examples must
	// read the same text when only the first delta of an output has one.
	{"roleless-deltas", "clears the role of every delta after the first of its output", "-"},
}

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, stop))
}

func run(args []string, stdout, stderr io.Writer, stop <-chan os.Signal) int {
	fs := flag.NewFlagSet("wrongfake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "TCP address to listen on")
	fault := fs.String("fault", "", "the fault to serve (see -list)")
	list := fs.Bool("list", false, "print every fault and the check that must catch it, then exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *list {
		for _, f := range faults {
			fmt.Fprintf(stdout, "%s %s\n", f.name, f.check)
		}
		return 0
	}
	if !slices.ContainsFunc(faults, func(f struct{ name, breaks, check string }) bool { return f.name == *fault }) {
		fmt.Fprintf(stderr, "wrongfake: unknown -fault %q; see -list\n", *fault)
		return 2
	}

	backend, err := xaitest.NewServer(xaitest.WithBufconn(), xaitest.WithControlKey(controlKey))
	if err != nil {
		fmt.Fprintf(stderr, "wrongfake: %v\n", err)
		return 1
	}
	defer backend.Close()
	conn, err := grpc.NewClient(backend.Target(), backend.DialOptions()...)
	if err != nil {
		fmt.Fprintf(stderr, "wrongfake: %v\n", err)
		return 1
	}
	defer conn.Close()

	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "wrongfake: %v\n", err)
		return 1
	}
	srv := grpc.NewServer()
	xaiv1.RegisterChatServer(srv, &chat{fault: *fault, key: backend.APIKey(), next: xaiv1.NewChatClient(conn)})
	xaiv1.RegisterFilesServer(srv, &files{fault: *fault, key: backend.APIKey(), next: xaiv1.NewFilesClient(conn)})
	controlv1.RegisterControlServiceServer(srv, &control{fault: *fault, next: controlv1.NewControlServiceClient(conn)})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	fmt.Fprintf(stdout, "wrongfake listening on %s (fault: %s)\n", lis.Addr(), *fault)

	select {
	case <-stop:
		srv.Stop()
		<-done
		return 0
	case err := <-done:
		fmt.Fprintf(stderr, "wrongfake: %v\n", err)
		return 1
	}
}

// chat forwards Chat calls to next, breaking the behaviour fault names.
type chat struct {
	xaiv1.UnimplementedChatServer
	fault string
	key   string // the backend's key, sent for callers without one under no-auth
	next  xaiv1.ChatClient
}

// forwardAuth passes the caller's authorization on to the backend, so that
// the backend checks it; with skipCheck it sends the backend's own key
// instead, so that calls without one are answered.
func forwardAuth(ctx context.Context, skipCheck bool, key string) context.Context {
	auth := metadata.ValueFromIncomingContext(ctx, "authorization")
	if skipCheck {
		auth = []string{"Bearer " + key}
	}
	if len(auth) == 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", auth[0])
}

// outgoing forwards the caller's authorization, unless the fault is no-auth.
func (c *chat) outgoing(ctx context.Context) context.Context {
	return forwardAuth(ctx, c.fault == "no-auth", c.key)
}

// request applies the faults that change what the backend is asked.
func (c *chat) request(req *xaiv1.GetCompletionsRequest) {
	switch c.fault {
	case "ignore-previous-response":
		req.PreviousResponseId = nil
	case "reasoning-in-clear":
		req.UseEncryptedContent = false
	case "store-nothing":
		req.StoreMessages = false
	case "drop-encrypted-content":
		for _, m := range req.GetMessages() {
			m.EncryptedContent = ""
		}
	case "ignore-images":
		for _, m := range req.GetMessages() {
			m.Content = slices.DeleteFunc(m.Content, func(p *xaiv1.Content) bool { return p.GetImageUrl() != nil })
		}
	}
}

// accepted turns a rejection into an empty answer under accept-invalid.
func (c *chat) accepted(err error) bool {
	return c.fault == "accept-invalid" && status.Code(err) == codes.InvalidArgument
}

func (c *chat) GetCompletion(ctx context.Context, req *xaiv1.GetCompletionsRequest) (*xaiv1.GetChatCompletionResponse, error) {
	c.request(req)
	resp, err := c.next.GetCompletion(c.outgoing(ctx), req)
	if c.accepted(err) {
		return &xaiv1.GetChatCompletionResponse{Id: "accepted-anyway"}, nil
	}
	if err == nil && c.fault == "reasoning-in-clear" {
		for _, o := range resp.GetOutputs() {
			o.GetMessage().EncryptedContent = ""
		}
	}
	return resp, err
}

func (c *chat) GetCompletionChunk(req *xaiv1.GetCompletionsRequest, out grpc.ServerStreamingServer[xaiv1.GetChatCompletionChunk]) error {
	c.request(req)
	in, err := c.next.GetCompletionChunk(c.outgoing(out.Context()), req)
	if err != nil {
		return err
	}
	contentChunks := 0
	roleSeen := map[int32]bool{} // output indexes whose first delta went out
	for {
		chunk, err := in.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		hasContent := slices.ContainsFunc(chunk.GetOutputs(), func(o *xaiv1.CompletionOutputChunk) bool {
			return o.GetDelta().GetContent() != ""
		})
		if hasContent {
			contentChunks++
		}
		switch {
		case c.fault == "stream-lose-chunk" && hasContent && contentChunks == 2:
			continue
		case c.fault == "stream-text-as-user" && hasContent:
			for _, o := range chunk.GetOutputs() {
				o.GetDelta().Role = xaiv1.MessageRole_ROLE_USER
			}
		case c.fault == "roleless-deltas":
			for _, o := range chunk.GetOutputs() {
				if d := o.GetDelta(); d != nil && roleSeen[o.GetIndex()] {
					d.Role = xaiv1.MessageRole_INVALID_ROLE
				}
				roleSeen[o.GetIndex()] = true
			}
		}
		if err := out.Send(chunk); err != nil {
			return err
		}
	}
}

func (c *chat) GetStoredCompletion(ctx context.Context, req *xaiv1.GetStoredCompletionRequest) (*xaiv1.GetChatCompletionResponse, error) {
	return c.next.GetStoredCompletion(c.outgoing(ctx), req)
}

func (c *chat) DeleteStoredCompletion(ctx context.Context, req *xaiv1.DeleteStoredCompletionRequest) (*xaiv1.DeleteStoredCompletionResponse, error) {
	if c.fault == "keep-deleted" {
		if _, err := c.next.GetStoredCompletion(c.outgoing(ctx), &xaiv1.GetStoredCompletionRequest{ResponseId: req.GetResponseId()}); err != nil {
			return nil, err
		}
		return &xaiv1.DeleteStoredCompletionResponse{ResponseId: req.GetResponseId()}, nil
	}
	return c.next.DeleteStoredCompletion(c.outgoing(ctx), req)
}

// files forwards the Files calls the examples make to next, breaking the
// behaviour fault names.
type files struct {
	xaiv1.UnimplementedFilesServer
	fault string
	key   string // the backend's key, sent for callers without one under no-auth and upload-no-auth
	next  xaiv1.FilesClient
}

// outgoing forwards the caller's authorization, unless the fault is no-auth,
// or upload-no-auth and the call an upload.
func (f *files) outgoing(ctx context.Context, upload bool) context.Context {
	return forwardAuth(ctx, f.fault == "no-auth" || upload && f.fault == "upload-no-auth", f.key)
}

// UploadFile relays the client stream message by message, so that the
// backend sees the same init and data messages (less one under
// upload-lose-chunk), and relays its answer.
func (f *files) UploadFile(in grpc.ClientStreamingServer[xaiv1.UploadFileChunk, xaiv1.File]) error {
	ctx, cancel := context.WithCancel(f.outgoing(in.Context(), true))
	defer cancel()
	out, err := f.next.UploadFile(ctx)
	if err != nil {
		return err
	}
	data := 0
	for {
		msg, err := in.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if _, ok := msg.GetChunk().(*xaiv1.UploadFileChunk_Data); ok {
			data++
			if f.fault == "upload-lose-chunk" && data == 2 {
				continue
			}
		}
		if err := out.Send(msg); errors.Is(err, io.EOF) {
			break // the backend ended the call; CloseAndRecv says how
		} else if err != nil {
			return err
		}
	}
	file, err := out.CloseAndRecv()
	if err != nil {
		return err
	}
	return in.SendAndClose(file)
}

func (f *files) ListFiles(ctx context.Context, req *xaiv1.ListFilesRequest) (*xaiv1.ListFilesResponse, error) {
	return f.next.ListFiles(f.outgoing(ctx, false), req)
}

func (f *files) RetrieveFile(ctx context.Context, req *xaiv1.RetrieveFileRequest) (*xaiv1.File, error) {
	return f.next.RetrieveFile(f.outgoing(ctx, false), req)
}

func (f *files) DeleteFile(ctx context.Context, req *xaiv1.DeleteFileRequest) (*xaiv1.DeleteFileResponse, error) {
	return f.next.DeleteFile(f.outgoing(ctx, false), req)
}

func (f *files) RetrieveFileContent(req *xaiv1.RetrieveFileContentRequest, out grpc.ServerStreamingServer[xaiv1.FileContentChunk]) error {
	in, err := f.next.RetrieveFileContent(f.outgoing(out.Context(), false), req)
	if err != nil {
		return err
	}
	for {
		chunk, err := in.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := out.Send(chunk); err != nil {
			return err
		}
	}
}

// controlKey is the control key of the backend, the one scripts/polyglot
// gives the examples.
const controlKey = "xai-test-control-key"

// control forwards the control methods the examples use to the backend,
// with the caller's authorization, breaking the one that fault names.
type control struct {
	controlv1.UnimplementedControlServiceServer
	fault string
	next  controlv1.ControlServiceClient
}

// outgoing passes the caller's authorization on, so that the backend checks
// it.
func (c *control) outgoing(ctx context.Context) context.Context {
	return forwardAuth(ctx, false, "")
}

func (c *control) Reset(ctx context.Context, req *controlv1.ResetRequest) (*controlv1.ResetResponse, error) {
	return c.next.Reset(c.outgoing(ctx), req)
}

func (c *control) EnqueueReply(ctx context.Context, req *controlv1.EnqueueReplyRequest) (*controlv1.EnqueueReplyResponse, error) {
	if c.fault == "ignore-scripted-reply" {
		return &controlv1.EnqueueReplyResponse{}, nil
	}
	return c.next.EnqueueReply(c.outgoing(ctx), req)
}

func (c *control) InjectFault(ctx context.Context, req *controlv1.InjectFaultRequest) (*controlv1.InjectFaultResponse, error) {
	if c.fault == "ignore-injected-fault" {
		return &controlv1.InjectFaultResponse{}, nil
	}
	return c.next.InjectFault(c.outgoing(ctx), req)
}
