package xaitest_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/emptypb"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	collectionsv1 "github.com/gogrok/sdk/gen/xai/api/v1/collections"
	"github.com/gogrok/sdk/xai/xaitest"
)

const (
	keyA = "team-a-key-0123456789"
	keyB = "team-b-key-0123456789"
	keyC = "team-c-key-0123456789"
)

// as returns a context that sends key, for calls over rawConn.
func as(t testing.TB, key string) context.Context {
	return metadata.AppendToOutgoingContext(ctx(t), "authorization", "Bearer "+key)
}

// Issue 11, finding 1: with two keys, key B read, continued and deleted
// A's stored responses, polled A's deferred results, listed, downloaded
// and deleted A's files, and replayed A's encrypted reasoning. Every key
// is now a team of its own, and another team's state is NOT_FOUND, as if
// absent; a replayed blob is INVALID_ARGUMENT.
func TestTeamsIsolateState(t *testing.T) {
	srv := start(t, xaitest.WithAPIKeys(keyA, keyB))
	conn := rawConn(t, srv)
	chat, files := xaiv1.NewChatClient(conn), xaiv1.NewFilesClient(conn)
	a, b := func() context.Context { return as(t, keyA) }, func() context.Context { return as(t, keyB) }

	// Stored responses.
	req := chatReq("grok-4", user("mine"))
	req.StoreMessages = true
	req.UseEncryptedContent = true
	stored, err := chat.GetCompletion(a(), req)
	if err != nil {
		t.Fatal(err)
	}
	id := stored.GetId()
	_, err = chat.GetStoredCompletion(b(), &xaiv1.GetStoredCompletionRequest{ResponseId: id})
	wantCode(t, err, codes.NotFound, id)
	_, err = chat.DeleteStoredCompletion(b(), &xaiv1.DeleteStoredCompletionRequest{ResponseId: id})
	wantCode(t, err, codes.NotFound)
	next := chatReq("grok-4", user("continue"))
	next.PreviousResponseId = &id
	_, err = chat.GetCompletion(b(), next)
	wantCode(t, err, codes.NotFound)
	if _, err := chat.GetCompletion(a(), next); err != nil {
		t.Fatalf("the owner continues: %v", err)
	}

	// Encrypted reasoning is sealed to its team.
	blob := stored.GetOutputs()[0].GetMessage().GetEncryptedContent()
	if blob == "" {
		t.Fatal("no encrypted reasoning")
	}
	replay := chatReq("grok-4", user("mine"),
		&xaiv1.Message{Role: xaiv1.MessageRole_ROLE_ASSISTANT, Content: []*xaiv1.Content{text("ok")}, EncryptedContent: blob},
		user("go on"))
	_, err = chat.GetCompletion(b(), replay)
	wantCode(t, err, codes.InvalidArgument, "messages[1].encrypted_content cannot be decrypted")
	if _, err := chat.GetCompletion(a(), replay); err != nil {
		t.Fatalf("the owner replays its blob: %v", err)
	}

	// Deferred completions.
	started, err := chat.StartDeferredCompletion(a(), chatReq("grok-3", user("later")))
	if err != nil {
		t.Fatal(err)
	}
	_, err = chat.GetDeferredCompletion(b(), &xaiv1.GetDeferredRequest{RequestId: started.GetRequestId()})
	wantCode(t, err, codes.NotFound)
	if _, err := chat.GetDeferredCompletion(a(), &xaiv1.GetDeferredRequest{RequestId: started.GetRequestId()}); err != nil {
		t.Fatal(err)
	}

	// Files.
	f, err := upload(t, xaiv1.NewFilesClient(srv.Conn()), "a.txt", []byte("team a"), 1<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	list, err := files.ListFiles(b(), &xaiv1.ListFilesRequest{})
	if err != nil || len(list.GetData()) != 0 {
		t.Fatalf("B lists %v (%v)", list.GetData(), err)
	}
	if list, err := files.ListFiles(a(), &xaiv1.ListFilesRequest{}); err != nil || len(list.GetData()) != 1 {
		t.Fatalf("A lists %v (%v)", list.GetData(), err)
	}
	_, err = files.RetrieveFile(b(), &xaiv1.RetrieveFileRequest{FileId: f.GetId()})
	wantCode(t, err, codes.NotFound)
	stream, err := files.RetrieveFileContent(b(), &xaiv1.RetrieveFileContentRequest{FileId: f.GetId()})
	if err == nil {
		_, err = stream.Recv()
	}
	wantCode(t, err, codes.NotFound)
	_, err = files.CreatePublicUrl(b(), &xaiv1.CreatePublicUrlRequest{FileId: f.GetId()})
	wantCode(t, err, codes.NotFound)
	_, err = files.DeleteFile(b(), &xaiv1.DeleteFileRequest{FileId: f.GetId()})
	wantCode(t, err, codes.NotFound)
	withFile := chatReq("grok-3", &xaiv1.Message{Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{
		{Content: &xaiv1.Content_File{File: &xaiv1.FileContent{FileId: f.GetId()}}}}})
	_, err = chat.GetCompletion(b(), withFile)
	wantCode(t, err, codes.NotFound)
	if _, err := chat.GetCompletion(a(), withFile); err != nil {
		t.Fatalf("the owner refers to its file: %v", err)
	}

	// Collections, and search over them.
	cc := collectionsv1.NewCollectionsClient(conn)
	col, err := cc.CreateCollection(a(), &collectionsv1.CreateCollectionRequest{CollectionName: "a"})
	if err != nil {
		t.Fatal(err)
	}
	cols, err := cc.ListCollections(b(), &collectionsv1.ListCollectionsRequest{})
	if err != nil || len(cols.GetCollections()) != 0 {
		t.Fatalf("B lists %v (%v)", cols.GetCollections(), err)
	}
	_, err = cc.GetCollectionMetadata(b(), &collectionsv1.GetCollectionMetadataRequest{CollectionId: col.GetCollectionId()})
	wantCode(t, err, codes.NotFound)
	_, err = cc.DeleteCollection(b(), &collectionsv1.DeleteCollectionRequest{CollectionId: col.GetCollectionId()})
	wantCode(t, err, codes.NotFound)
	_, err = xaiv1.NewDocumentsClient(conn).Search(b(), &xaiv1.SearchRequest{Query: "team", Source: source(col.GetCollectionId())})
	wantCode(t, err, codes.NotFound)
	_, err = cc.AddDocumentToCollection(a(), &collectionsv1.AddDocumentToCollectionRequest{CollectionId: col.GetCollectionId(), FileId: f.GetId()})
	if err != nil {
		t.Fatalf("the owner adds its file: %v", err)
	}
	bCol, err := cc.CreateCollection(b(), &collectionsv1.CreateCollectionRequest{CollectionName: "b"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cc.AddDocumentToCollection(b(), &collectionsv1.AddDocumentToCollectionRequest{CollectionId: bCol.GetCollectionId(), FileId: f.GetId()})
	wantCode(t, err, codes.NotFound)

	// Batches.
	bm := xaiv1.NewBatchMgmtClient(conn)
	batch, err := bm.CreateBatch(a(), &xaiv1.CreateBatchRequest{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bm.GetBatch(b(), &xaiv1.GetBatchRequest{BatchId: batch.GetBatchId()})
	wantCode(t, err, codes.NotFound)
	_, err = bm.CancelBatch(b(), &xaiv1.CancelBatchRequest{BatchId: batch.GetBatchId()})
	wantCode(t, err, codes.NotFound)
	if l, err := bm.ListBatches(b(), &xaiv1.ListBatchesRequest{}); err != nil || len(l.GetBatches()) != 0 {
		t.Fatalf("B lists batches %v (%v)", l.GetBatches(), err)
	}

	// Videos.
	v := xaiv1.NewVideoClient(conn)
	job, err := v.GenerateVideo(a(), videoReq("a cat"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.GetDeferredVideo(b(), &xaiv1.GetDeferredVideoRequest{RequestId: job.GetRequestId()})
	wantCode(t, err, codes.NotFound)
	if _, err := v.GetDeferredVideo(a(), &xaiv1.GetDeferredVideoRequest{RequestId: job.GetRequestId()}); err != nil {
		t.Fatal(err)
	}

	// B's attempts changed nothing of A's.
	if ids := srv.StoredResponseIDs(); len(ids) != 1 || ids[0] != id {
		t.Fatalf("stored responses %v", ids)
	}
}

// WithTeams groups keys: keys of one team share everything, and report the
// same team_id; management keys join the first API key's team by default.
func TestWithTeamsGroupsKeys(t *testing.T) {
	srv := start(t, xaitest.WithAPIKeys(keyA, keyB, keyC), xaitest.WithTeams(map[string][]string{"red": {keyA, keyC}}))
	conn := rawConn(t, srv)
	chat := xaiv1.NewChatClient(conn)
	req := chatReq("grok-3", user("shared"))
	req.StoreMessages = true
	resp, err := chat.GetCompletion(as(t, keyA), req)
	if err != nil {
		t.Fatal(err)
	}
	get := &xaiv1.GetStoredCompletionRequest{ResponseId: resp.GetId()}
	if _, err := chat.GetStoredCompletion(as(t, keyC), get); err != nil {
		t.Fatalf("a teammate reads: %v", err)
	}
	_, err = chat.GetStoredCompletion(as(t, keyB), get)
	wantCode(t, err, codes.NotFound)

	auth := xaiv1.NewAuthClient(conn)
	team := func(key string) string {
		info, err := auth.GetApiKeyInfo(as(t, key), &emptypb.Empty{})
		if err != nil {
			t.Fatal(err)
		}
		return info.GetTeamId()
	}
	if team(keyA) != team(keyC) || team(keyA) == team(keyB) {
		t.Fatalf("team IDs A %s B %s C %s", team(keyA), team(keyB), team(keyC))
	}

	for name, opts := range map[string][]xaitest.Option{
		"unknown key": {xaitest.WithTeams(map[string][]string{"red": {"nobody-0123456789"}})},
		"two teams":   {xaitest.WithAPIKeys(keyA), xaitest.WithTeams(map[string][]string{"red": {keyA}, "blue": {keyA}})},
		"empty name":  {xaitest.WithTeams(map[string][]string{" ": {xaitest.DefaultAPIKey}})},
	} {
		if srv, err := xaitest.NewServer(opts...); err == nil {
			srv.Close()
			t.Errorf("%s: NewServer accepted the teams", name)
		}
	}
}

// With WithManagementKeys, the management key manages the collections of
// the first API key's team: it adds that team's files, and the team's API
// keys search what it built; another API key sees nothing.
func TestManagementKeyTeam(t *testing.T) {
	srv := start(t, xaitest.WithAPIKeys(keyA, keyB), xaitest.WithManagementKeys("mgmt-key-0123456789"))
	conn := rawConn(t, srv)
	mgmt := as(t, "mgmt-key-0123456789")
	fileID := uploadText(t, srv, "pets.txt", "cats purr")
	cc := collectionsv1.NewCollectionsClient(conn)
	col, err := cc.CreateCollection(mgmt, &collectionsv1.CreateCollectionRequest{CollectionName: "pets"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.AddDocumentToCollection(mgmt, &collectionsv1.AddDocumentToCollectionRequest{CollectionId: col.GetCollectionId(), FileId: fileID}); err != nil {
		t.Fatal(err)
	}
	docs := xaiv1.NewDocumentsClient(conn)
	search := &xaiv1.SearchRequest{Query: "cats", Source: source(col.GetCollectionId())}
	if r, err := docs.Search(as(t, keyA), search); err != nil || len(r.GetMatches()) != 1 {
		t.Fatalf("A searches: %v %v", r, err)
	}
	_, err = docs.Search(as(t, keyB), search)
	wantCode(t, err, codes.NotFound)
}
