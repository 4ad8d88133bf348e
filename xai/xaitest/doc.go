// Package xaitest runs an in-memory fake of the xAI gRPC API for tests.
//
// The fake is a real gRPC server, on a loopback port or an in-memory
// bufconn listener, that serves every service of the xAI wire contract from
// state kept in memory behind a mutex. Start it in one line:
//
//	srv := xaitest.Start(t) // closed when the test ends
//	chat := xaiv1.NewChatClient(srv.Conn())
//
// ([Start] registers the Close with t.Cleanup; outside tests, [NewServer]
// returns the server, and closing it is the caller's.)
// Conn returns a ready client connection that already sends the API key;
// clients that dial on their own use Target, DialOptions and APIKey, and
// must send the key as gRPC metadata `authorization: Bearer <key>`.
//
// What the fake emulates: Chat completions (unary, streamed and deferred)
// with stored responses, previous_response_id chaining, usage accounting,
// encrypted reasoning, context compaction and the agent loop of
// server-side tools (web and X search, code execution, collections and
// attachment search, MCP, image generation); Models, Auth, Tokenize, Image
// generation, Embeddings, Files, Collections with Documents search (keyword
// scoring), deferred Video generation, batches (BatchMgmt) processed by the
// same engines, and the legacy Sample API. The model catalogue holds the
// names the official Python SDK 1.19 lists; [WithModels] adds others.
// [WithMediaServer] serves generated images and videos over HTTP, so that
// clients can download them.
//
// Replies are deterministic: the same request gives the same content over
// the unary, streaming and deferred RPCs. Tests steer the fake with
// EnqueueReply (scripted answers and output layouts), EnqueueToolFailure
// (failed server-side calls), InjectFault (errors, also part-way
// through a stream), SetLatency, SetIndexingDelay and FailIndexing
// (documents of collections) and a movable Clock, and inspect what it
// received with Requests. Tests in other languages do the same through
// the fake's own gRPC control service, turned on by [WithControlKey] (proto
// xaitest.control.v1; see README.md), which calls these very methods.
//
// Like the real service, the fake gives every key a team (WithTeams groups
// keys): what a team makes is invisible to other teams. Limits bound what
// one request or one team can make the fake hold, and calls without an
// accepted key are refused before their request is read, so one fake can
// serve many test suites. It also serves the standard health service and
// server reflection, for tools such as grpcurl and ghz.
//
// The file README.md next to this package lists where the fake differs from
// the real service, and how to run the same fake as a process (cmd/xaifake)
// for clients written in other languages.
package xaitest
