package xai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

func TestFilesUploadEmptyAndKnownSizes(t *testing.T) {
	srv, c := newFake(t, false)
	ctx := context.Background()
	f, err := c.Files.Upload(ctx, "empty.txt", strings.NewReader(""), WithUploadSize(0))
	if err != nil || f.Size != 0 {
		t.Fatalf("empty upload: %+v, %v", f, err)
	}
	// A regular file reports its size to the progress callback.
	path := t.TempDir() + "/data.bin"
	if err := os.WriteFile(path, bytes.Repeat([]byte{7}, 3000), 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := file.Seek(1000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	var totals []int64
	f, err = c.Files.Upload(ctx, "data.bin", file, WithProgress(func(_, total int64) { totals = append(totals, total) }))
	if err != nil || f.Size != 2000 || len(totals) != 1 || totals[0] != 2000 {
		t.Fatalf("file upload: %+v, %v, totals %v", f, err, totals)
	}
	// An unknown size is -1.
	totals = nil
	if _, err := c.Files.Upload(ctx, "r.bin", io.LimitReader(zeroReader{}, 10), WithProgress(func(_, total int64) { totals = append(totals, total) })); err != nil {
		t.Fatal(err)
	}
	if len(totals) != 1 || totals[0] != -1 {
		t.Fatalf("totals for an unsized reader: %v", totals)
	}
	if n := len(storedFiles(t, srv)); n != 3 {
		t.Fatalf("%d files stored, want 3", n)
	}
}

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// failingReader yields n bytes, then fails.
type failingReader struct {
	n   int
	err error
}

func (r *failingReader) Read(b []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	m := min(len(b), r.n)
	clear(b[:m])
	r.n -= m
	return m, nil
}

func TestFilesUploadAbortedStoresNothing(t *testing.T) {
	srv, c := newFake(t, false)
	ctx := context.Background()
	boom := errors.New("disk on fire")
	tests := []struct {
		name string
		r    io.Reader
		opts []UploadOption
		code codes.Code
		want []string
	}{
		{"more than declared", strings.NewReader(strings.Repeat("x", 5000)), []UploadOption{WithUploadSize(4096)}, codes.InvalidArgument, []string{"more than the 4096 bytes", "nothing was stored"}},
		{"more than declared, exact chunks", strings.NewReader(strings.Repeat("x", 2049)), []UploadOption{WithUploadSize(2048)}, codes.InvalidArgument, []string{"more than the 2048 bytes"}},
		{"fewer than declared", strings.NewReader(strings.Repeat("x", 3000)), []UploadOption{WithUploadSize(4000)}, codes.InvalidArgument, []string{"3000 bytes, fewer than the 4000", "nothing was stored"}},
		{"reader fails", &failingReader{n: 2500, err: boom}, nil, codes.Unknown, []string{"disk on fire", "after 2048 bytes"}},
		{"reader canceled", &failingReader{n: 10, err: context.Canceled}, nil, codes.Canceled, []string{"reading the content"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]UploadOption{WithUploadChunkSize(1024)}, tt.opts...)
			_, err := c.Files.Upload(ctx, "f.bin", tt.r, opts...)
			checkErr(t, err, tt.code, tt.want...)
			if tt.name == "reader fails" && !errors.Is(err, boom) {
				t.Errorf("errors.Is(err, reader error) is false: %v", err)
			}
		})
	}
	// The server saw the uploads start but kept nothing. Restart returns
	// once every handler of the old server has returned, so no upload is
	// still being received when the files are listed.
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if files := storedFiles(t, srv); len(files) != 0 {
		t.Fatalf("the server stored %d files of aborted uploads", len(files))
	}
}

// lenErrReader fails on its first read but reports a size, so that the
// total of UploadMany's progress stays known.
type lenErrReader struct {
	n   int
	err error
}

func (r lenErrReader) Read([]byte) (int, error) { return 0, r.err }
func (r lenErrReader) Len() int                 { return r.n }

func TestFilesUploadMany(t *testing.T) {
	t.Parallel()
	transports(t, func(t *testing.T, useBufconn bool) {
		srv, c := newFake(t, useBufconn)
		ctx := context.Background()
		broken := errors.New("disk on fire")
		files := []FileUpload{
			{Name: "a.txt", Content: strings.NewReader(strings.Repeat("a", 3000))},
			{Name: "b.txt", Content: strings.NewReader("bb")},
			{Name: "bad.txt", Content: lenErrReader{n: 10, err: broken}},
			{Name: "c.txt", Content: strings.NewReader(strings.Repeat("c", 5000))},
			{Name: "d.txt", Content: strings.NewReader("")},
		}
		var (
			busy   atomic.Bool
			mu     sync.Mutex
			calls  [][2]int64
			overlp bool
		)
		results, err := c.Files.UploadMany(ctx, files, WithUploadParallelism(2), WithUploadChunkSize(1024),
			WithProgress(func(done, total int64) {
				if !busy.CompareAndSwap(false, true) {
					overlp = true // read after UploadMany returns
				}
				mu.Lock()
				calls = append(calls, [2]int64{done, total})
				mu.Unlock()
				busy.Store(false)
			}))

		// One result per file, in order; the failure hides no success.
		if len(results) != len(files) {
			t.Fatalf("%d results for %d files", len(results), len(files))
		}
		stored := map[string]bool{}
		for _, f := range storedFiles(t, srv) {
			stored[f.GetId()] = true
		}
		for i, r := range results {
			if r.Name != files[i].Name {
				t.Errorf("result %d is for %q, want %q", i, r.Name, files[i].Name)
			}
			if r.Name == "bad.txt" {
				if r.File != nil || !errors.Is(r.Err, broken) {
					t.Errorf("bad.txt: file %v, err %v", r.File, r.Err)
				}
				checkErr(t, r.Err, codes.Unknown, "disk on fire")
				continue
			}
			if r.Err != nil || r.File == nil || r.File.Name != r.Name || !stored[r.File.ID] {
				t.Errorf("%s: file %+v, err %v, stored %v", r.Name, r.File, r.Err, r.File != nil && stored[r.File.ID])
			}
		}
		if len(stored) != 4 {
			t.Errorf("the fake holds %d files, want the 4 that uploaded", len(stored))
		}
		if sizes := []int64{3000, 2, 5000, 0}; results[0].File.Size != sizes[0] || results[3].File.Size != sizes[2] {
			t.Errorf("sizes %d, %d", results[0].File.Size, results[3].File.Size)
		}

		// The call's error counts and names the failure, keeps its code and
		// reaches the reader's error.
		checkErr(t, err, codes.Unknown, "1 of 5 files were not stored", `"bad.txt"`, "disk on fire")
		if !errors.Is(err, broken) {
			t.Error("errors.Is does not reach the failed file's error")
		}

		// Progress across the set: one total, the sum of the sizes, and done
		// growing to the bytes sent; never two calls at once.
		if overlp {
			t.Error("progress calls overlapped")
		}
		const total = 3000 + 2 + 10 + 5000 + 0
		last := int64(0)
		for _, cl := range calls {
			if cl[1] != total || cl[0] <= last {
				t.Fatalf("progress %v after %d: want done growing, total %d", cl, last, total)
			}
			last = cl[0]
		}
		if last != 3000+2+5000 {
			t.Errorf("progress ended at %d bytes, want %d", last, 3000+2+5000)
		}
	})
}

func TestFilesUploadManyErrors(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	ok := []FileUpload{{Name: "a.txt", Content: strings.NewReader("a")}}
	tests := []struct {
		name  string
		files []FileUpload
		opts  []UploadOption
		parts []string
	}{
		{"no files", nil, nil, []string{"Files.UploadMany", "no files"}},
		{"empty name", []FileUpload{ok[0], {Name: " ", Content: strings.NewReader("x")}}, nil, []string{"Files.UploadMany", "file 1", "empty name"}},
		{"nil reader", []FileUpload{{Name: "x.txt"}}, nil, []string{"Files.UploadMany", "file 0", `"x.txt"`, "nil reader"}},
		{"zero parallelism", ok, []UploadOption{WithUploadParallelism(0)}, []string{"WithUploadParallelism(0)"}},
		{"upload size", ok, []UploadOption{WithUploadSize(1)}, []string{"Files.UploadMany", "WithUploadSize"}},
		{"nil option", ok, []UploadOption{nil}, []string{"Files.UploadMany", "option 0 is nil"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetRequests()
			res, err := c.Files.UploadMany(ctx, tt.files, tt.opts...)
			checkErr(t, err, codes.InvalidArgument, tt.parts...)
			if res != nil || len(srv.Requests()) != 0 {
				t.Errorf("results %v, %d requests sent", res, len(srv.Requests()))
			}
		})
	}
	_, err := c.Files.Upload(ctx, "a.txt", strings.NewReader("a"), WithUploadParallelism(2))
	checkErr(t, err, codes.InvalidArgument, "applies to Files.UploadMany")

	// A context ended before the call: no file is started.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	res, err := c.Files.UploadMany(cctx, append(ok, FileUpload{Name: "b.txt", Content: strings.NewReader("b")}))
	checkErr(t, err, codes.Canceled, "2 of 2")
	for _, r := range res {
		checkErr(t, r.Err, codes.Canceled, "was not started")
	}
	if !errors.Is(err, context.Canceled) {
		t.Error("errors.Is(err, context.Canceled) is false")
	}
}

// gateFiles is a Files server whose uploads each wait for a release, and
// which counts the uploads in flight.
type gateFiles struct {
	xaiv1.UnimplementedFilesServer
	arrived chan struct{} // one send per upload that starts
	release chan struct{} // one receive lets one upload finish

	mu            sync.Mutex
	inFlight, max int
	total         int
}

func newGateFiles() *gateFiles {
	return &gateFiles{arrived: make(chan struct{}, 1000), release: make(chan struct{})}
}

func (g *gateFiles) UploadFile(stream grpc.ClientStreamingServer[xaiv1.UploadFileChunk, xaiv1.File]) error {
	g.mu.Lock()
	g.inFlight++
	g.total++
	g.max = max(g.max, g.inFlight)
	n := g.total
	g.mu.Unlock()
	// Leave the count before answering, so that the client's next upload
	// never finds this one still counted.
	done := func() {
		g.mu.Lock()
		g.inFlight--
		g.mu.Unlock()
	}
	g.arrived <- struct{}{}
	select {
	case <-g.release:
	case <-stream.Context().Done():
		done()
		return stream.Context().Err()
	}
	for {
		if _, err := stream.Recv(); err == io.EOF {
			break
		} else if err != nil {
			done()
			return err
		}
	}
	done()
	return stream.SendAndClose(&xaiv1.File{Id: fmt.Sprintf("file_%d", n)})
}

func (g *gateFiles) peak() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.max
}

func manyFiles(n int) []FileUpload {
	files := make([]FileUpload, n)
	for i := range files {
		files[i] = FileUpload{Name: fmt.Sprintf("f%d.txt", i), Content: strings.NewReader("x")}
	}
	return files
}

// TestFilesUploadManyParallelism proves the bound on the server side: every
// upload blocks until the test lets one go, which it does only while the
// limit is reached. The peak must then equal the limit: reached, never
// passed. The default is the official Python SDK's batch_upload batch size,
// 50.
func TestFilesUploadManyParallelism(t *testing.T) {
	t.Parallel()
	if DefaultUploadParallelism != 50 {
		t.Errorf("DefaultUploadParallelism = %d, want 50 as files.batch_upload's batch_size", DefaultUploadParallelism)
	}
	for _, tt := range []struct {
		name         string
		files, limit int
		opts         []UploadOption
	}{
		{"limit 3", 10, 3, []UploadOption{WithUploadParallelism(3)}},
		{"limit above the file count", 4, 4, []UploadOption{WithUploadParallelism(8)}},
		{"default", 60, DefaultUploadParallelism, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGateFiles()
			c := startStubClient(t, func(s *grpc.Server) { xaiv1.RegisterFilesServer(s, g) })
			type out struct {
				res []UploadResult
				err error
			}
			ch := make(chan out, 1)
			go func() {
				res, err := c.Files.UploadMany(context.Background(), manyFiles(tt.files), tt.opts...)
				ch <- out{res, err}
			}()
			pending := 0 // arrived, not released
			for arrived := 0; arrived < tt.files; {
				<-g.arrived
				arrived++
				pending++
				if pending == tt.limit || arrived == tt.files {
					g.release <- struct{}{}
					pending--
				}
			}
			for ; pending > 0; pending-- {
				g.release <- struct{}{}
			}
			o := <-ch
			if o.err != nil {
				t.Fatal(o.err)
			}
			for _, r := range o.res {
				if r.File == nil {
					t.Errorf("%s: %v", r.Name, r.Err)
				}
			}
			if p := g.peak(); p != tt.limit {
				t.Errorf("peak of %d uploads in flight, want %d", p, tt.limit)
			}
		})
	}
}

// TestFilesUploadManyCancel: cancelling stops the uploads in flight and
// starts no others; UploadMany returns a result per file, and no goroutine
// outlives it (goleak in TestMain).
func TestFilesUploadManyCancel(t *testing.T) {
	t.Parallel()
	g := newGateFiles()
	c := startStubClient(t, func(s *grpc.Server) { xaiv1.RegisterFilesServer(s, g) })
	ctx, cancel := context.WithCancel(context.Background())
	type out struct {
		res []UploadResult
		err error
	}
	ch := make(chan out, 1)
	go func() {
		res, err := c.Files.UploadMany(ctx, manyFiles(5), WithUploadParallelism(2))
		ch <- out{res, err}
	}()
	<-g.arrived
	<-g.arrived
	cancel()
	o := <-ch
	checkErr(t, o.err, codes.Canceled, "5 of 5 files were not stored")
	if !errors.Is(o.err, context.Canceled) {
		t.Error("errors.Is(err, context.Canceled) is false")
	}
	notStarted := 0
	for _, r := range o.res {
		checkErr(t, r.Err, codes.Canceled)
		if strings.Contains(r.Err.Error(), "was not started") {
			notStarted++
		}
	}
	if notStarted != 3 {
		t.Errorf("%d files reported not started, want 3", notStarted)
	}
	if p := g.peak(); p != 2 {
		t.Errorf("%d uploads reached the server, want 2", p)
	}
}
