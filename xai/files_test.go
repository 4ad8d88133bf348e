package xai

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai/xaitest"
)

// storedFiles lists the files the fake holds, through its raw stub.
func storedFiles(t *testing.T, srv *xaitest.Server) []*xaiv1.File {
	t.Helper()
	resp, err := xaiv1.NewFilesClient(srv.Conn()).ListFiles(context.Background(), &xaiv1.ListFilesRequest{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetData()
}

func TestFilesLifecycle(t *testing.T) {
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		ctx := context.Background()
		content := strings.Repeat("0123456789", 1000) // 10,000 bytes

		var calls [][2]int64
		f, err := c.Files.Upload(ctx, "digits.txt", strings.NewReader(content),
			WithUploadChunkSize(4096), WithFileExpiry(2*time.Hour),
			WithProgress(func(done, total int64) { calls = append(calls, [2]int64{done, total}) }))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(f.ID, "file_") || f.Name != "digits.txt" || f.Size != 10000 || f.CreatedAt.IsZero() ||
			f.ExpiresAt.Sub(f.CreatedAt) != 2*time.Hour || f.PublicURL != "" || f.Proto().GetId() != f.ID {
			t.Fatalf("uploaded: %+v", f)
		}
		if want := [][2]int64{{4096, 10000}, {8192, 10000}, {10000, 10000}}; fmt.Sprint(calls) != fmt.Sprint(want) {
			t.Errorf("progress = %v, want %v", calls, want)
		}
		// The stream: init, then fixed-size data chunks.
		up := srv.Requests()[0]
		if up.FullMethod != xaiv1.Files_UploadFile_FullMethodName || up.Message.(*xaiv1.UploadFileChunk).GetInit().GetExpiresAfter() != 7200 {
			t.Errorf("upload record: %v", up)
		}

		got, err := c.Files.Get(ctx, f.ID)
		if err != nil || got.ID != f.ID || got.Size != f.Size {
			t.Fatalf("Get: %+v, %v", got, err)
		}
		var buf bytes.Buffer
		n, err := c.Files.Download(ctx, f.ID, &buf, WithDownloadFormat(DownloadText))
		if err != nil || n != 10000 || buf.String() != content {
			t.Fatalf("Download: %d bytes, %v; equal: %t", n, err, buf.String() == content)
		}

		pub, err := c.Files.CreatePublicURL(ctx, f.ID, 3*time.Hour)
		if err != nil || !strings.HasPrefix(pub.URL, "https://") || pub.ExpiresAt.IsZero() {
			t.Fatalf("CreatePublicURL: %+v, %v", pub, err)
		}
		got, _ = c.Files.Get(ctx, f.ID)
		if got.PublicURL != pub.URL || !got.PublicURLExpiresAt.Equal(pub.ExpiresAt) {
			t.Fatalf("after CreatePublicURL: %+v", got)
		}
		forever, err := c.Files.CreatePublicURL(ctx, f.ID, 0)
		if err != nil || !forever.ExpiresAt.IsZero() || forever.URL == pub.URL {
			t.Fatalf("CreatePublicURL without expiry: %+v, %v", forever, err)
		}
		revoked, err := c.Files.RevokePublicURL(ctx, f.ID)
		if err != nil || revoked != forever.URL {
			t.Fatalf("RevokePublicURL = %q, %v; want %q", revoked, err, forever.URL)
		}
		if revoked, err = c.Files.RevokePublicURL(ctx, f.ID); err != nil || revoked != "" {
			t.Fatalf("second RevokePublicURL = %q, %v", revoked, err)
		}

		if err := c.Files.Delete(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		_, err = c.Files.Get(ctx, f.ID)
		checkErr(t, err, codes.NotFound, f.ID)
		if !IsNotFound(err) {
			t.Error("IsNotFound is false")
		}
		_, err = c.Files.Download(ctx, f.ID, io.Discard)
		checkErr(t, err, codes.NotFound)
	})
}

func TestFilesValidationSendsNothing(t *testing.T) {
	srv, c := newFake(t, false)
	ctx := context.Background()
	r := strings.NewReader("x")
	calls := []struct {
		name string
		err  func() error
		want []string
	}{
		{"upload no name", func() error { _, err := c.Files.Upload(ctx, " ", r); return err }, []string{"file name is empty"}},
		{"upload nil reader", func() error { _, err := c.Files.Upload(ctx, "a", nil); return err }, []string{"reader is nil"}},
		{"upload nil option", func() error { _, err := c.Files.Upload(ctx, "a", r, nil); return err }, []string{"option 0 is nil"}},
		{"upload negative size", func() error { _, err := c.Files.Upload(ctx, "a", r, WithUploadSize(-1)); return err }, []string{"WithUploadSize(-1)"}},
		{"upload short expiry", func() error { _, err := c.Files.Upload(ctx, "a", r, WithFileExpiry(time.Minute)); return err }, []string{"WithFileExpiry(1m0s)", "between 1h0m0s and 720h0m0s"}},
		{"upload long expiry", func() error { _, err := c.Files.Upload(ctx, "a", r, WithFileExpiry(31*24*time.Hour)); return err }, []string{"WithFileExpiry"}},
		{"upload fractional expiry", func() error {
			_, err := c.Files.Upload(ctx, "a", r, WithFileExpiry(time.Hour+time.Millisecond))
			return err
		}, []string{"whole number of seconds"}},
		{"upload chunk size", func() error { _, err := c.Files.Upload(ctx, "a", r, WithUploadChunkSize(0)); return err }, []string{"WithUploadChunkSize(0)"}},
		{"upload huge chunk", func() error {
			_, err := c.Files.Upload(ctx, "a", r, WithUploadChunkSize(MaxUploadChunkSize+1))
			return err
		}, []string{"WithUploadChunkSize"}},
		{"upload nil progress", func() error { _, err := c.Files.Upload(ctx, "a", r, WithProgress(nil)); return err }, []string{"WithProgress"}},
		{"upload bad call option", func() error {
			_, err := c.Files.Upload(ctx, "a", r, CallOptions{WithCallTimeout(-1)})
			return err
		}, []string{"WithCallTimeout"}},
		{"get empty", func() error { _, err := c.Files.Get(ctx, ""); return err }, []string{"Files.Get", "file ID is empty"}},
		{"delete empty", func() error { return c.Files.Delete(ctx, " ") }, []string{"Files.Delete"}},
		{"download empty", func() error { _, err := c.Files.Download(ctx, "", io.Discard); return err }, []string{"Files.Download"}},
		{"download nil writer", func() error { _, err := c.Files.Download(ctx, "f", nil); return err }, []string{"writer is nil"}},
		{"download format", func() error { _, err := c.Files.Download(ctx, "f", io.Discard, WithDownloadFormat(9)); return err }, []string{"WithDownloadFormat(9)"}},
		{"download nil option", func() error { _, err := c.Files.Download(ctx, "f", io.Discard, nil); return err }, []string{"option 0 is nil"}},
		{"public url empty", func() error { _, err := c.Files.CreatePublicURL(ctx, "", 0); return err }, []string{"Files.CreatePublicURL"}},
		{"public url expiry", func() error { _, err := c.Files.CreatePublicURL(ctx, "f", time.Second); return err }, []string{"Files.CreatePublicURL(1s)"}},
		{"revoke empty", func() error { _, err := c.Files.RevokePublicURL(ctx, ""); return err }, []string{"Files.RevokePublicURL"}},
		{"list page size", func() error { return firstErr(c.Files.List(ctx, WithPageSize(0))) }, []string{"WithPageSize(0)"}},
		{"list limit", func() error { return firstErr(c.Files.List(ctx, WithLimit(-2))) }, []string{"WithLimit(-2)"}},
		{"list order", func() error { return firstErr(c.Files.List(ctx, WithOrder(0))) }, []string{"WithOrder(0)"}},
		{"list sort", func() error { return firstErr(c.Files.List(ctx, WithSortBy(7))) }, []string{"WithSortBy(7)"}},
		{"list filter", func() error { return firstErr(c.Files.List(ctx, WithFilter(""))) }, []string{"WithFilter"}},
		{"list name filter", func() error { return firstErr(c.Files.List(ctx, WithNameFilter(""))) }, []string{"WithNameFilter"}},
		{"list nil option", func() error { return firstErr(c.Files.List(ctx, nil)) }, []string{"option 0 is nil"}},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, tt.err(), codes.InvalidArgument, tt.want...) })
	}
	if got := methods(srv); len(got) != 0 {
		t.Fatalf("the server received %v; want nothing", got)
	}
}

func TestFilesServerErrorsKeepCodes(t *testing.T) {
	srv, c := newFake(t, false)
	ctx := context.Background()
	fileID := upload(t, c, "a.txt", "hello")
	calls := map[string]func() error{
		xaiv1.Files_UploadFile_FullMethodName: func() error {
			_, err := c.Files.Upload(ctx, "b.txt", strings.NewReader("x"))
			return err
		},
		xaiv1.Files_ListFiles_FullMethodName:    func() error { return firstErr(c.Files.List(ctx)) },
		xaiv1.Files_RetrieveFile_FullMethodName: func() error { _, err := c.Files.Get(ctx, fileID); return err },
		xaiv1.Files_DeleteFile_FullMethodName:   func() error { return c.Files.Delete(ctx, fileID) },
		xaiv1.Files_RetrieveFileContent_FullMethodName: func() error {
			_, err := c.Files.Download(ctx, fileID, io.Discard)
			return err
		},
		xaiv1.Files_CreatePublicUrl_FullMethodName: func() error { _, err := c.Files.CreatePublicURL(ctx, fileID, 0); return err },
		xaiv1.Files_RevokePublicUrl_FullMethodName: func() error { _, err := c.Files.RevokePublicURL(ctx, fileID); return err },
	}
	for method, call := range calls {
		for _, code := range []codes.Code{codes.PermissionDenied, codes.ResourceExhausted, codes.Internal} {
			srv.InjectFault(method, xaitest.Fault{Code: code, Message: "injected " + code.String()})
			checkErr(t, call(), code, "injected "+code.String())
		}
	}
	// Unknown files: NOT_FOUND from the server.
	for name, call := range map[string]func() error{
		"get":      func() error { _, err := c.Files.Get(ctx, "file_nope"); return err },
		"delete":   func() error { return c.Files.Delete(ctx, "file_nope") },
		"download": func() error { _, err := c.Files.Download(ctx, "file_nope", io.Discard); return err },
		"share":    func() error { _, err := c.Files.CreatePublicURL(ctx, "file_nope", time.Hour); return err },
		"revoke":   func() error { _, err := c.Files.RevokePublicURL(ctx, "file_nope"); return err },
	} {
		t.Run(name, func(t *testing.T) { checkErr(t, call(), codes.NotFound, "file_nope") })
	}
	// A filter on a field files do not have: INVALID_ARGUMENT from the fake.
	err := firstErr(c.Files.List(ctx, WithFilter("size > 3")))
	checkErr(t, err, codes.InvalidArgument, `unknown field "size"`, "size_bytes")
}

func TestFilesRetriesAndCallOptions(t *testing.T) {
	srv, c := newFake(t, false)
	ctx := context.Background()
	f, err := c.Files.Upload(ctx, "a.txt", strings.NewReader(strings.Repeat("a", 3<<20)),
		CallOptions{WithCallMetadata("x-upload", "1")})
	if err != nil {
		t.Fatal(err)
	}
	if md := srv.Requests()[0].Metadata.Get("x-upload"); len(md) != 1 {
		t.Errorf("upload metadata: %v", srv.Requests()[0].Metadata)
	}

	// Unary calls and downloads are retried on UNAVAILABLE (downloads until
	// the first chunk).
	srv.ResetRequests()
	srv.InjectFault(xaiv1.Files_RetrieveFile_FullMethodName, xaitest.Fault{Code: codes.Unavailable, Times: 2})
	if _, err := c.Files.Get(ctx, f.ID); err != nil {
		t.Fatalf("Get after 2 UNAVAILABLE: %v", err)
	}
	srv.InjectFault(xaiv1.Files_RetrieveFileContent_FullMethodName, xaitest.Fault{Code: codes.Unavailable})
	var buf bytes.Buffer
	if n, err := c.Files.Download(ctx, f.ID, &buf, DownloadOption(CallOptions{WithCallMetadata("x-download", "1")})); err != nil || n != 3<<20 {
		t.Fatalf("Download after UNAVAILABLE: %d, %v", n, err)
	}
	count := map[string]int{}
	for _, r := range srv.Requests() {
		count[r.FullMethod]++
		if r.FullMethod == xaiv1.Files_RetrieveFileContent_FullMethodName && len(r.Metadata.Get("x-download")) != 1 {
			t.Errorf("download metadata: %v", r.Metadata)
		}
	}
	if count[xaiv1.Files_RetrieveFile_FullMethodName] != 3 || count[xaiv1.Files_RetrieveFileContent_FullMethodName] != 2 {
		t.Errorf("attempts: %v", count)
	}

	// A failure after the first chunk is not retried; the bytes written
	// so far are reported.
	srv.InjectFault(xaiv1.Files_RetrieveFileContent_FullMethodName, xaitest.Fault{Code: codes.Unavailable, AfterChunks: 2})
	n, err := c.Files.Download(ctx, f.ID, io.Discard)
	checkErr(t, err, codes.Unavailable)
	if n != 2<<20 {
		t.Errorf("written before the failure: %d, want %d", n, 2<<20)
	}
	// WithoutRetry makes a single attempt.
	srv.InjectFault(xaiv1.Files_RetrieveFile_FullMethodName, xaitest.Fault{Code: codes.Unavailable})
	_, err = c.Files.Get(ctx, f.ID, WithoutRetry())
	checkErr(t, err, codes.Unavailable)

	// Deadlines: the call's timeout applies to streams too.
	srv.SetLatency(200 * time.Millisecond)
	_, err = c.Files.Download(ctx, f.ID, io.Discard, CallOptions{WithCallTimeout(20 * time.Millisecond)})
	checkErr(t, err, codes.DeadlineExceeded)
	_, err = c.Files.Upload(ctx, "slow.txt", strings.NewReader("x"), CallOptions{WithCallTimeout(20 * time.Millisecond)})
	checkErr(t, err, codes.DeadlineExceeded)
	srv.SetLatency(0)

	// A writer that fails stops the download.
	_, err = c.Files.Download(ctx, f.ID, failingWriter{})
	checkErr(t, err, codes.Unknown, "writing the content", "closed pipe")

	// Response headers can be captured.
	var hdr metadata.MD
	if _, err := c.Files.Download(ctx, f.ID, io.Discard, CallOptions{CaptureHeader(&hdr)}); err != nil || hdr == nil {
		t.Errorf("CaptureHeader on Download: %v, %v", hdr, err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestFilesListPagination(t *testing.T) {
	srv, c := newFake(t, false)
	ctx := context.Background()
	names := []string{"e.txt", "a.txt", "g.txt", "c.txt", "b.txt", "f.txt", "d.txt"}
	for i, n := range names {
		if _, err := c.Files.Upload(ctx, n, strings.NewReader(strings.Repeat("x", 100-i))); err != nil {
			t.Fatal(err)
		}
	}
	list := func(opts ...ListOption) ([]string, int) {
		t.Helper()
		srv.ResetRequests()
		got, err := textsOf(c.Files.List(ctx, opts...), func(f *File) string { return f.Name })
		if err != nil {
			t.Fatal(err)
		}
		return got, len(srv.Requests())
	}
	got, pages := list(WithPageSize(2))
	if strings.Join(got, ",") != strings.Join(names, ",") || pages != 4 {
		t.Fatalf("by creation: %v in %d pages", got, pages)
	}
	got, pages = list(WithPageSize(3), WithSortBy(SortByName))
	if strings.Join(got, ",") != "a.txt,b.txt,c.txt,d.txt,e.txt,f.txt,g.txt" || pages != 3 {
		t.Fatalf("by name: %v in %d pages", got, pages)
	}
	got, _ = list(WithPageSize(2), WithSortBy(SortBySize), WithOrder(OrderDescending))
	if strings.Join(got, ",") != strings.Join(names, ",") { // uploaded largest first
		t.Fatalf("by size, descending: %v", got)
	}
	got, _ = list(WithPageSize(2), WithSortBy(SortByCreated), WithOrder(OrderDescending))
	if got[0] != "d.txt" || got[6] != "e.txt" {
		t.Fatalf("by creation, descending: %v", got)
	}
	// WithLimit stops after n items and asks for no more than needed.
	got, pages = list(WithPageSize(2), WithLimit(3))
	if len(got) != 3 || pages != 2 {
		t.Fatalf("limit 3: %v in %d pages", got, pages)
	}
	if lim := srv.Requests()[1].Message.(*xaiv1.ListFilesRequest).GetLimit(); lim != 1 {
		t.Errorf("the last page asked for %d files, want 1", lim)
	}
	// Breaking out of the loop stops the requests.
	srv.ResetRequests()
	for range c.Files.List(ctx, WithPageSize(2)) {
		break
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("after break: %d requests, want 1", n)
	}
	// An error on a later page ends the sequence with it.
	srv.InjectFault(xaiv1.Files_ListFiles_FullMethodName, xaitest.Fault{Code: codes.Internal, Times: 1})
	var seen int
	var lastErr error
	for f, err := range c.Files.List(ctx, WithPageSize(2), CallOptions{WithoutRetry()}) {
		if err != nil {
			lastErr = err
			continue
		}
		_ = f
		seen++
	}
	checkErr(t, lastErr, codes.Internal)
	if seen != 0 {
		t.Errorf("items before the error: %d", seen)
	}
}

func TestFileInChat(t *testing.T) {
	srv, c := newFake(t, false)
	ctx := context.Background()
	fileID := upload(t, c, "notes.txt", "The launch is on Tuesday.")
	resp, err := c.Chat.Create("grok-4").Append(User("When is the launch?", FileID(fileID))).Sample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content() == "" {
		t.Fatal("empty reply")
	}
	last := srv.Requests()[len(srv.Requests())-1].Message.(*xaiv1.GetCompletionsRequest)
	if got := last.GetMessages()[0].GetContent()[1].GetFile().GetFileId(); got != fileID {
		t.Fatalf("the chat sent file %q, want %q", got, fileID)
	}
	// A deleted file is refused by the server.
	if err := c.Files.Delete(ctx, fileID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Chat.Create("grok-4").Append(User("Again?", FileID(fileID))).Sample(ctx)
	checkErr(t, err, codes.NotFound)
}

func TestZeroFilesService(t *testing.T) {
	var s *FilesService
	ctx := context.Background()
	_, err := s.Upload(ctx, "a", strings.NewReader(""))
	checkErr(t, err, codes.InvalidArgument, "client.Files")
	_, err = (&FilesService{}).Download(ctx, "a", io.Discard)
	checkErr(t, err, codes.InvalidArgument, "client.Files")
	checkErr(t, firstErr(s.List(ctx)), codes.InvalidArgument, "client.Files")
}
