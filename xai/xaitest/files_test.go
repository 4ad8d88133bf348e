package xaitest_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// upload sends a file in chunks of chunkSize bytes.
func upload(t testing.TB, files xaiv1.FilesClient, name string, data []byte, chunkSize int, expires *int64) (*xaiv1.File, error) {
	t.Helper()
	stream, err := files.UploadFile(ctx(t))
	if err != nil {
		return nil, err
	}
	if err := stream.Send(&xaiv1.UploadFileChunk{Chunk: &xaiv1.UploadFileChunk_Init{Init: &xaiv1.UploadFileInit{Name: name, ExpiresAfter: expires}}}); err != nil {
		return nil, err
	}
	for off := 0; off < len(data); off += chunkSize {
		end := min(off+chunkSize, len(data))
		if err := stream.Send(&xaiv1.UploadFileChunk{Chunk: &xaiv1.UploadFileChunk_Data{Data: data[off:end]}}); err != nil {
			break // the server ended the call; CloseAndRecv reports why
		}
	}
	return stream.CloseAndRecv()
}

// download reads a file's content and the number of messages it came in.
func download(t testing.TB, files xaiv1.FilesClient, id string) ([]byte, int, error) {
	t.Helper()
	stream, err := files.RetrieveFileContent(ctx(t), &xaiv1.RetrieveFileContentRequest{FileId: id})
	if err != nil {
		return nil, 0, err
	}
	var buf bytes.Buffer
	n := 0
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return buf.Bytes(), n, nil
		}
		if err != nil {
			return nil, n, err
		}
		buf.Write(chunk.GetData())
		n++
	}
}

func TestFilesRoundTrip50MiB(t *testing.T) {
	_, files := startClient(t, xaiv1.NewFilesClient)
	data := make([]byte, 50<<20)
	for i := range data {
		data[i] = byte(i*7 + i>>13)
	}
	f, err := upload(t, files, "big.bin", data, 3<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.GetSize() != int64(len(data)) || f.GetFilename() != "big.bin" || f.GetId() == "" || f.ExpiresAt != nil {
		t.Fatalf("file %v", f)
	}
	got, msgs, err := download(t, files, f.GetId())
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sha256.Sum256(data) || msgs != 50 {
		t.Fatalf("downloaded %d bytes in %d messages", len(got), msgs)
	}
}

func TestFilesLifecycle(t *testing.T) {
	clock := xaitest.NewClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	_, files := startClient(t, xaiv1.NewFilesClient, xaitest.WithClock(clock))

	f, err := upload(t, files, "notes.txt", []byte("hello file"), 4, ptr[int64](3600))
	if err != nil {
		t.Fatal(err)
	}
	if !f.GetExpiresAt().AsTime().Equal(clock.Now().Add(time.Hour)) || !f.GetCreatedAt().AsTime().Equal(clock.Now()) {
		t.Fatalf("times %v", f)
	}
	got, err := files.RetrieveFile(ctx(t), &xaiv1.RetrieveFileRequest{FileId: f.GetId()})
	if err != nil || got.GetSize() != 10 || got.GetFilename() != "notes.txt" {
		t.Fatalf("retrieve: %v %v", got, err)
	}
	text, _, err := download(t, files, f.GetId())
	if err != nil || string(text) != "hello file" {
		t.Fatalf("content %q %v", text, err)
	}

	// Public links.
	pub, err := files.CreatePublicUrl(ctx(t), &xaiv1.CreatePublicUrlRequest{FileId: f.GetId(), ExpiresAfter: ptr[int64](7200)})
	if err != nil || pub.GetPublicUrl() == "" || !pub.GetExpiresAt().AsTime().Equal(clock.Now().Add(2*time.Hour)) {
		t.Fatalf("public url: %v %v", pub, err)
	}
	got, _ = files.RetrieveFile(ctx(t), &xaiv1.RetrieveFileRequest{FileId: f.GetId()})
	if got.GetPublicUrl() != pub.GetPublicUrl() {
		t.Fatalf("file shows public url %q", got.GetPublicUrl())
	}
	rev, err := files.RevokePublicUrl(ctx(t), &xaiv1.RevokePublicUrlRequest{FileId: f.GetId()})
	if err != nil || !rev.GetRevoked() || rev.GetPublicUrl() != pub.GetPublicUrl() {
		t.Fatalf("revoke: %v %v", rev, err)
	}
	rev, err = files.RevokePublicUrl(ctx(t), &xaiv1.RevokePublicUrlRequest{FileId: f.GetId()})
	if err != nil || rev.GetRevoked() || rev.PublicUrl != nil {
		t.Fatalf("second revoke: %v %v", rev, err)
	}
	_, err = files.CreatePublicUrl(ctx(t), &xaiv1.CreatePublicUrlRequest{FileId: f.GetId(), ExpiresAfter: ptr[int64](60)})
	wantCode(t, err, codes.InvalidArgument, "expires_after must be between 3600 and 2592000")

	// A file expires on the clock.
	clock.Advance(time.Hour)
	_, err = files.RetrieveFile(ctx(t), &xaiv1.RetrieveFileRequest{FileId: f.GetId()})
	wantCode(t, err, codes.NotFound, f.GetId())

	g, err := upload(t, files, "keep.txt", []byte("kept"), 1024, nil)
	if err != nil {
		t.Fatal(err)
	}
	del, err := files.DeleteFile(ctx(t), &xaiv1.DeleteFileRequest{FileId: g.GetId()})
	if err != nil || !del.GetDeleted() || del.GetId() != g.GetId() {
		t.Fatalf("delete: %v %v", del, err)
	}
	notFound := map[string]func() error{
		"retrieve": func() error { return errOf(files.RetrieveFile(ctx(t), &xaiv1.RetrieveFileRequest{FileId: g.GetId()})) },
		"delete":   func() error { return errOf(files.DeleteFile(ctx(t), &xaiv1.DeleteFileRequest{FileId: g.GetId()})) },
		"content":  func() error { _, _, err := download(t, files, g.GetId()); return err },
		"public": func() error {
			return errOf(files.CreatePublicUrl(ctx(t), &xaiv1.CreatePublicUrlRequest{FileId: g.GetId()}))
		},
		"revoke": func() error {
			return errOf(files.RevokePublicUrl(ctx(t), &xaiv1.RevokePublicUrlRequest{FileId: g.GetId()}))
		},
	}
	for name, fn := range notFound {
		t.Run(name, func(t *testing.T) { wantCode(t, fn(), codes.NotFound, "not found") })
	}
}

func TestUploadValidation(t *testing.T) {
	srv, files := startClient(t, xaiv1.NewFilesClient)
	send := func(chunks ...*xaiv1.UploadFileChunk) error {
		stream, err := files.UploadFile(ctx(t))
		if err != nil {
			return err
		}
		for _, c := range chunks {
			if err := stream.Send(c); err != nil {
				break
			}
		}
		_, err = stream.CloseAndRecv()
		return err
	}
	data := &xaiv1.UploadFileChunk{Chunk: &xaiv1.UploadFileChunk_Data{Data: []byte("x")}}
	init := func(name string, expires *int64) *xaiv1.UploadFileChunk {
		return &xaiv1.UploadFileChunk{Chunk: &xaiv1.UploadFileChunk_Init{Init: &xaiv1.UploadFileInit{Name: name, ExpiresAfter: expires}}}
	}
	cases := []struct {
		name     string
		chunks   []*xaiv1.UploadFileChunk
		fragment string
	}{
		{"nothing", nil, "the upload is empty"},
		{"data first", []*xaiv1.UploadFileChunk{data, init("a.txt", nil)}, "first upload message must be init"},
		{"no name", []*xaiv1.UploadFileChunk{init("", nil), data}, "init.name is required"},
		{"init twice", []*xaiv1.UploadFileChunk{init("a.txt", nil), data, init("b.txt", nil)}, "init may only be sent once"},
		{"short expiry", []*xaiv1.UploadFileChunk{init("a.txt", ptr[int64](10)), data}, "init.expires_after"},
		{"empty chunk", []*xaiv1.UploadFileChunk{init("a.txt", nil), {}}, "must carry data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, send(tc.chunks...), codes.InvalidArgument, tc.fragment)
		})
	}
	// An init-only upload is an empty file.
	if err := send(init("empty.txt", nil)); err != nil {
		t.Fatalf("empty file: %v", err)
	}
	// The recorded request of an upload is its first message.
	var last xaitest.Request
	for _, r := range srv.Requests() {
		if r.FullMethod == xaiv1.Files_UploadFile_FullMethodName {
			last = r
		}
	}
	if m, ok := last.Message.(*xaiv1.UploadFileChunk); !ok || m.GetInit().GetName() != "empty.txt" {
		t.Fatalf("recorded upload %v", last.Message)
	}
}

func TestListFilesPagination(t *testing.T) {
	_, files := startClient(t, xaiv1.NewFilesClient, xaitest.WithClock(xaitest.NewClock(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))))
	var ids []string
	names := []string{"g", "c", "e", "a", "f", "b", "d"}
	for i, name := range names {
		f, err := upload(t, files, name+".txt", bytes.Repeat([]byte("x"), 10-i), 100, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.GetId())
	}
	list := func(req *xaiv1.ListFilesRequest) []string {
		t.Helper()
		var out []string
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			resp, err := files.ListFiles(ctx(t), req)
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.GetData()) > int(req.GetLimit()) && req.GetLimit() > 0 {
				t.Fatalf("page of %d over limit %d", len(resp.GetData()), req.GetLimit())
			}
			for _, f := range resp.GetData() {
				out = append(out, f.GetFilename())
			}
			if resp.PaginationToken == nil {
				return out
			}
			req.PaginationToken = resp.PaginationToken
		}
	}
	cases := []struct {
		name string
		req  *xaiv1.ListFilesRequest
		want string
	}{
		{"created ascending", &xaiv1.ListFilesRequest{Limit: 3}, "gceafbd"},
		{"created descending", &xaiv1.ListFilesRequest{Limit: 2, Order: xaiv1.Ordering_DESCENDING}, "dbfaecg"},
		{"by name", &xaiv1.ListFilesRequest{Limit: 3, SortBy: xaiv1.FilesSortBy_FILES_SORT_BY_FILENAME.Enum()}, "abcdefg"},
		{"by size descending", &xaiv1.ListFilesRequest{Limit: 4, SortBy: xaiv1.FilesSortBy_FILES_SORT_BY_SIZE.Enum(), Order: xaiv1.Ordering_DESCENDING}, "gceafbd"},
		{"one page", &xaiv1.ListFilesRequest{}, "gceafbd"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			for _, n := range list(tc.req) {
				got += n[:1]
			}
			if got != tc.want {
				t.Fatalf("listed %s, want %s", got, tc.want)
			}
		})
	}

	// Deleting a file between pages neither repeats nor skips others.
	first, err := files.ListFiles(ctx(t), &xaiv1.ListFilesRequest{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := files.DeleteFile(ctx(t), &xaiv1.DeleteFileRequest{FileId: ids[2]}); err != nil { // "e", on page one
		t.Fatal(err)
	}
	rest := list(&xaiv1.ListFilesRequest{Limit: 3, PaginationToken: first.PaginationToken})
	if fmt.Sprint(rest) != "[a.txt f.txt b.txt d.txt]" {
		t.Fatalf("after deleting: %v", rest)
	}

	_, err = files.ListFiles(ctx(t), &xaiv1.ListFilesRequest{PaginationToken: ptr("garbage!")})
	wantCode(t, err, codes.InvalidArgument, "pagination_token")
	_, err = files.ListFiles(ctx(t), &xaiv1.ListFilesRequest{Limit: -1})
	wantCode(t, err, codes.InvalidArgument, "limit")
	_, err = files.ListFiles(ctx(t), &xaiv1.ListFilesRequest{PaginationToken: first.PaginationToken, Order: xaiv1.Ordering_DESCENDING})
	wantCode(t, err, codes.InvalidArgument, "different listing, sort_by or order")
}

func TestFilesInChat(t *testing.T) {
	srv, files := startClient(t, xaiv1.NewFilesClient)
	chat := xaiv1.NewChatClient(srv.Conn())
	pic, err := upload(t, files, "pic.png", encode(t, "png"), 1024, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := upload(t, files, "doc.txt", []byte("not an image"), 1024, nil)
	if err != nil {
		t.Fatal(err)
	}
	byID := func(id string) *xaiv1.Content {
		return &xaiv1.Content{Content: &xaiv1.Content_ImageUrl{ImageUrl: &xaiv1.ImageUrlContent{
			Source: &xaiv1.ImageUrlContent_FileId{FileId: id}, Detail: xaiv1.ImageDetail_DETAIL_LOW}}}
	}
	resp, err := chat.GetCompletion(ctx(t), chatReq("grok-4", user("look", byID(pic.GetId()))))
	if err != nil || resp.GetUsage().GetPromptImageTokens() != xaitest.ImageTokensLow {
		t.Fatalf("image by file id: %v %v", resp.GetUsage(), err)
	}
	_, err = chat.GetCompletion(ctx(t), chatReq("grok-4", user("look", byID(doc.GetId()))))
	wantCode(t, err, codes.InvalidArgument, "is not a PNG or JPEG image")
	attach := &xaiv1.Content{Content: &xaiv1.Content_File{File: &xaiv1.FileContent{FileId: "file_gone"}}}
	_, err = chat.GetCompletion(ctx(t), chatReq("grok-3", user("read", attach)))
	wantCode(t, err, codes.NotFound, `file "file_gone" not found`)
	attach = &xaiv1.Content{Content: &xaiv1.Content_File{File: &xaiv1.FileContent{FileId: doc.GetId()}}}
	if _, err := chat.GetCompletion(ctx(t), chatReq("grok-3", user("read", attach))); err != nil {
		t.Fatal(err)
	}
}

// One token format for every listing: a token of one listing is refused
// by another, by name.
func TestPageTokensBelongToTheirListing(t *testing.T) {
	srv := start(t)
	conn := srv.Conn()
	files := xaiv1.NewFilesClient(conn)
	batches := xaiv1.NewBatchMgmtClient(conn)
	for i := range 3 {
		if _, err := batches.CreateBatch(ctx(t), &xaiv1.CreateBatchRequest{Name: fmt.Sprintf("b%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := batches.ListBatches(ctx(t), &xaiv1.ListBatchesRequest{Limit: 1})
	if err != nil || page.GetPaginationToken() == "" {
		t.Fatalf("ListBatches: %v, %v", page, err)
	}
	_, err = files.ListFiles(ctx(t), &xaiv1.ListFilesRequest{PaginationToken: page.PaginationToken})
	wantCode(t, err, codes.InvalidArgument, "pagination_token was issued for a different listing")
	_, err = batches.ListBatches(ctx(t), &xaiv1.ListBatchesRequest{PaginationToken: proto.String("garbage")})
	wantCode(t, err, codes.InvalidArgument, "pagination_token is not a token this server issued")
}
